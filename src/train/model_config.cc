#include "train/model_config.h"

#include <nlohmann/json.hpp>

#include "synthub/error.h"
#include "util/json_get.h"

namespace synthub::train {

void ModelConfig::Validate() const {
  auto need = [](bool ok, const std::string& what) {
    if (!ok) throw UsageError("model: " + what);
  };
  need(img_size > 0 && patch_size > 0 && img_size % patch_size == 0,
       "the patch size must divide the image size (" + std::to_string(img_size) + " / " +
           std::to_string(patch_size) + ")");
  need(embed_dim > 0 && num_heads > 0 && embed_dim % num_heads == 0,
       "the heads must divide the width (" + std::to_string(embed_dim) + " / " +
           std::to_string(num_heads) + ")");
  need(depth > 0 && depth <= 256, "depth must be 1..256");
  need(mlp_ratio > 0 && mlp_ratio <= 16, "mlp ratio must be in (0, 16]");
  need(num_classes > 0, "the number of classes must be positive");
  need(in_chans == 3, "only 3-channel inputs are supported");
  need(drop_path >= 0 && drop_path < 1, "drop path must be in [0, 1)");
}

ModelConfig PresetConfig(const std::string& name) {
  ModelConfig c;
  c.architecture = name;
  if (name == "vit_tiny_patch16_224") {
    c.embed_dim = 192, c.num_heads = 3;
  } else if (name == "vit_small_patch16_224") {
    c.embed_dim = 384, c.num_heads = 6;
  } else if (name == "vit_base_patch16_224") {
    c.embed_dim = 768, c.num_heads = 12;
  } else {
    throw UsageError("unknown model '" + name +
                     "' (vit_tiny_patch16_224, vit_small_patch16_224, vit_base_patch16_224, "
                     "or vit_custom with --img-size/--patch/--depth/--dim/--heads)");
  }
  return c;
}

std::string ConfigJson(const ModelConfig& c, const std::string& extra_json_fields) {
  nlohmann::ordered_json j;
  j["architecture"] = c.architecture;
  j["num_classes"] = c.num_classes;
  j["num_features"] = c.embed_dim;
  j["global_pool"] = "token";
  j["model_args"] = {{"img_size", c.img_size},   {"patch_size", c.patch_size},
                     {"embed_dim", c.embed_dim}, {"depth", c.depth},
                     {"num_heads", c.num_heads}, {"mlp_ratio", c.mlp_ratio},
                     {"global_pool", "token"},   {"class_token", true}};
  j["pretrained_cfg"] = {{"input_size", {3, c.img_size, c.img_size}},
                         {"interpolation", "bilinear"},
                         {"crop_pct", 1.0},
                         {"mean", {0.5, 0.5, 0.5}},
                         {"std", {0.5, 0.5, 0.5}},
                         {"num_classes", c.num_classes},
                         {"first_conv", "patch_embed.proj"},
                         {"classifier", "head"},
                         {"license", "cc-by-nc-4.0"},
                         {"origin_url", "synthub"}};
  if (!extra_json_fields.empty()) {
    const auto extra = nlohmann::ordered_json::parse(extra_json_fields);
    for (auto it = extra.begin(); it != extra.end(); ++it) j[it.key()] = it.value();
  }
  return j.dump(2) + "\n";
}

ModelConfig ConfigFromJson(const std::string& json, const std::string& where) {
  nlohmann::json j;
  try {
    j = nlohmann::json::parse(json);
  } catch (const nlohmann::json::exception& e) {
    throw Error(where + ": not valid JSON: " + e.what());
  }
  ModelConfig c;
  c.architecture = JsonGet<std::string>(j, "architecture", where);
  c.num_classes = JsonGet<int>(j, "num_classes", where);
  const std::string args = where + " model_args";
  const nlohmann::json& a = j.contains("model_args") ? j["model_args"] : nlohmann::json();
  c.img_size = JsonGet<int>(a, "img_size", args);
  c.patch_size = JsonGet<int>(a, "patch_size", args);
  c.embed_dim = JsonGet<int>(a, "embed_dim", args);
  c.depth = JsonGet<int>(a, "depth", args);
  c.num_heads = JsonGet<int>(a, "num_heads", args);
  if (a.contains("mlp_ratio")) c.mlp_ratio = JsonGet<double>(a, "mlp_ratio", args);
  try {
    c.Validate();
  } catch (const UsageError& e) {
    throw Error(where + ": " + e.what());
  }
  return c;
}

}  // namespace synthub::train
