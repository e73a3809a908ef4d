// A model folder as synthub writes it: model.safetensors + config.json
// (timm's pair; a training run adds train_state.safetensors). Every
// safetensors file carries its checksum (kChecksumKey), and model.safetensors
// records the SHA-256 of the config.json written with it, so one changed byte
// in any of the files is detected. No libtorch.
#ifndef SYNTHUB_CHECKPOINT_MODEL_FOLDER_H_
#define SYNTHUB_CHECKPOINT_MODEL_FOLDER_H_

#include <string>
#include <vector>

#include "checkpoint/safetensors.h"

namespace synthub::checkpoint {

// model.safetensors metadata: SHA-256 (hex) of the folder's config.json.
constexpr const char* kConfigSha256Key = "synthub_config_sha256";

// The problems of a model or training-run folder: every *.safetensors file
// (each structural check, its checksum as `policy` says) and config.json
// (valid JSON, the SHA-256 model.safetensors records). Empty when intact.
// `files` counts the files checked; throws Error when there are none.
std::vector<std::string> VerifyModelFolder(const std::string& dir, ChecksumPolicy policy,
                                           int* files);

// Opens a checkpoint to load from: its checksum, when it has one, must match,
// and so must `config_path` (if not empty) when the file records its hash.
// Files from elsewhere (no checksum) load as they are. Throws Error.
SafetensorsFile OpenChecked(const std::string& weights_path, const std::string& config_path);

}  // namespace synthub::checkpoint

#endif  // SYNTHUB_CHECKPOINT_MODEL_FOLDER_H_
