// The shape of a ViT and its timm identity; torch-free so the CLI and the
// checkpoint code can use it without libtorch headers.
#ifndef SYNTHUB_TRAIN_MODEL_CONFIG_H_
#define SYNTHUB_TRAIN_MODEL_CONFIG_H_

#include <string>

namespace synthub::train {

struct ModelConfig {
  std::string architecture = "vit_tiny_patch16_224";  // timm name, or "vit_custom"
  int img_size = 224;
  int patch_size = 16;
  int in_chans = 3;
  int embed_dim = 192;
  int depth = 12;
  int num_heads = 3;
  double mlp_ratio = 4.0;
  int num_classes = 1000;
  double drop_path = 0.0;  // stochastic depth rate of the last block (linear ramp)

  int num_patches() const { return (img_size / patch_size) * (img_size / patch_size); }
  // Checks sizes (patch divides the image, heads divide the width...); throws UsageError.
  void Validate() const;
};

// vit_tiny_patch16_224 / vit_small_patch16_224 / vit_base_patch16_224 (the
// DeiT sizes); throws UsageError on another name.
ModelConfig PresetConfig(const std::string& name);

// timm's config.json for this model (pretrained_cfg fields, provenance).
std::string ConfigJson(const ModelConfig& c, const std::string& extra_json_fields);
// Reads the model shape back from a config.json; throws Error.
ModelConfig ConfigFromJson(const std::string& json, const std::string& where);

}  // namespace synthub::train

#endif  // SYNTHUB_TRAIN_MODEL_CONFIG_H_
