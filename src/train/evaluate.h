// Evaluation of a ViT on a dataset: loss, top-1/top-5, per-class accuracy
// and the confusion matrix.
#ifndef SYNTHUB_TRAIN_EVALUATE_H_
#define SYNTHUB_TRAIN_EVALUATE_H_

#include <cstdint>
#include <string>
#include <torch/torch.h>
#include <vector>

#include "synthub/loader.h"
#include "train/vit.h"

namespace synthub::train {

struct EvalResult {
  int64_t samples = 0;
  double loss = 0, top1 = 0, top5 = 0;  // accuracies in percent
  int classes = 0;
  std::vector<int64_t> confusion;  // [true class][predicted class], classes x classes
  torch::Tensor first_input, first_logits;  // the first batch (for --dump)
};

// "cpu", "cuda" or "cuda:N"; throws Error when CUDA is asked for but absent.
torch::Device ParseDevice(const std::string& name);
// torch intra-op threads: `threads`, or the cores divided by the MPI ranks on this node.
void SetThreads(int threads);

// Every sample of `data.spec` once: resized to the model's size, no crop or
// flips, reading order, one rank; the rest of `data` (batch size, workers,
// interpolation, normalisation, ...) as given. Throws Error when the
// dataset's class count differs from the head's.
EvalResult Evaluate(VisionTransformer& model, const LoaderOptions& data, const ModelConfig& config,
                    const torch::Device& device, int64_t limit);

}  // namespace synthub::train

#endif  // SYNTHUB_TRAIN_EVALUATE_H_
