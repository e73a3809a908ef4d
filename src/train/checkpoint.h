// Model weights to and from safetensors with timm's names, and config.json.
#ifndef SYNTHUB_TRAIN_CHECKPOINT_H_
#define SYNTHUB_TRAIN_CHECKPOINT_H_

#include <map>
#include <string>
#include <torch/torch.h>
#include <vector>

#include "checkpoint/model_folder.h"
#include "checkpoint/safetensors.h"
#include "train/vit.h"

namespace synthub::train {

// Writes file atomically: each tensor (made contiguous, on the CPU, as F32
// unless it is an integer tensor) under its name.
void SaveTensors(const std::string& path, const std::vector<std::pair<std::string, torch::Tensor>>& tensors,
                 const std::map<std::string, std::string>& metadata);

// A tensor of the file as a float32 CPU tensor (F32, F16, BF16 and F64 are
// converted); throws Error naming the file and tensor.
torch::Tensor ReadTensor(const checkpoint::SafetensorsFile& file, const checkpoint::TensorInfo& info,
                         const std::string& where);

// Copies every parameter of `model` from the tensors named prefix + name.
// Missing or unexpected tensors and shape mismatches are errors naming the
// first ones, except that with `drop_head` the classifier (head.*) of another
// size is left as it is (timm's fine-tuning behaviour). Returns true when the
// head was taken from the file.
bool LoadWeights(VisionTransformer& model, const checkpoint::SafetensorsFile& file,
                 const std::string& prefix, bool drop_head, const std::string& where);

// model.safetensors (+ config.json with `extra_config` fields) into dir.
void SaveModel(const std::string& dir, VisionTransformer& model, const std::string& extra_config);

// Resolves a checkpoint argument (folder, or its model.safetensors) to the
// folder's config.json and model.safetensors paths; throws Error if missing.
void CheckpointPaths(const std::string& arg, std::string* config, std::string* weights);

}  // namespace synthub::train

#endif  // SYNTHUB_TRAIN_CHECKPOINT_H_
