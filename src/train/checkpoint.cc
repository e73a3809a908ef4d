#include "train/checkpoint.h"

#include <cstring>
#include <filesystem>
#include <set>

#include "synthub/error.h"
#include "util/file.h"
#include "util/sha256.h"

namespace synthub::train {

namespace fs = std::filesystem;
using checkpoint::DType;

void SaveTensors(const std::string& path,
                 const std::vector<std::pair<std::string, torch::Tensor>>& tensors,
                 const std::map<std::string, std::string>& metadata) {
  std::vector<torch::Tensor> keep;  // owners of the bytes while writing
  std::vector<checkpoint::TensorView> views;
  keep.reserve(tensors.size());
  for (const auto& [name, t] : tensors) {
    torch::Tensor c = t.detach().to(torch::kCPU);
    DType dtype = DType::kF32;
    if (c.scalar_type() == torch::kInt64) {
      dtype = DType::kI64;
    } else {
      c = c.to(torch::kFloat32);
    }
    c = c.contiguous();
    keep.push_back(c);
    checkpoint::TensorView v;
    v.name = name;
    v.dtype = dtype;
    v.shape.assign(c.sizes().begin(), c.sizes().end());
    v.data = c.data_ptr();
    v.bytes = static_cast<size_t>(c.numel()) * c.element_size();
    views.push_back(std::move(v));
  }
  checkpoint::WriteSafetensors(path, views, metadata);  // with its checksum
}

torch::Tensor ReadTensor(const checkpoint::SafetensorsFile& file, const checkpoint::TensorInfo& info,
                         const std::string& where) {
  std::vector<int64_t> shape(info.shape.begin(), info.shape.end());
  const uint8_t* data = file.data(info);
  auto from = [&](torch::ScalarType type) {
    // A copy: the data of a file need not be aligned for its type.
    torch::Tensor t = torch::empty(shape, torch::TensorOptions().dtype(type));
    std::memcpy(t.data_ptr(), data, info.bytes());
    return t.to(torch::kFloat32);
  };
  switch (info.dtype) {
    case DType::kF32: return from(torch::kFloat32);
    case DType::kF16: return from(torch::kFloat16);
    case DType::kBF16: return from(torch::kBFloat16);
    case DType::kF64: return from(torch::kFloat64);
    default:
      throw Error(where + ": tensor '" + info.name + "' has dtype " +
                  checkpoint::DTypeName(info.dtype) + ", expected a floating-point type");
  }
}

bool LoadWeights(VisionTransformer& model, const checkpoint::SafetensorsFile& file,
                 const std::string& prefix, bool drop_head, const std::string& where) {
  torch::NoGradGuard no_grad;
  std::set<std::string> expected;
  bool head_loaded = true;
  for (auto& item : model->named_parameters()) {
    const std::string name = prefix + item.key();
    expected.insert(name);
    const checkpoint::TensorInfo* info = file.Find(name);
    const bool is_head = item.key().rfind("head.", 0) == 0;
    if (info == nullptr) {
      throw Error(where + ": tensor '" + name + "' is missing (not a checkpoint of this architecture?)");
    }
    const std::vector<int64_t> want(item.value().sizes().begin(), item.value().sizes().end());
    const std::vector<int64_t> have(info->shape.begin(), info->shape.end());
    if (want != have) {
      if (drop_head && is_head) {
        head_loaded = false;
        continue;
      }
      auto str = [](const std::vector<int64_t>& s) {
        std::string r = "[";
        for (size_t i = 0; i < s.size(); ++i) r += (i ? ", " : "") + std::to_string(s[i]);
        return r + "]";
      };
      throw Error(where + ": tensor '" + name + "' has shape " + str(have) + ", the model expects " +
                  str(want) + (is_head ? " (another number of classes: fine-tune with synthub finetune)"
                                       : " (another architecture?)"));
    }
    item.value().copy_(ReadTensor(file, *info, where));
  }
  for (const auto& info : file.tensors()) {
    if (info.name.rfind(prefix, 0) == 0 && !expected.count(info.name)) {
      throw Error(where + ": unexpected tensor '" + info.name + "' (another architecture?)");
    }
  }
  return head_loaded;
}

void SaveModel(const std::string& dir, VisionTransformer& model, const std::string& extra_config) {
  fs::create_directories(dir);
  std::vector<std::pair<std::string, torch::Tensor>> tensors;
  for (auto& item : model->named_parameters()) tensors.emplace_back(item.key(), item.value());
  // The weights record the config's hash: `synthub verify` then covers both.
  const std::string config = ConfigJson(model->config(), extra_config);
  SaveTensors((fs::path(dir) / "model.safetensors").string(), tensors,
              {{"format", "pt"}, {checkpoint::kConfigSha256Key, Sha256Hex(config)}});
  WriteFileAtomic((fs::path(dir) / "config.json").string(), config);
}

void CheckpointPaths(const std::string& arg, std::string* config, std::string* weights) {
  fs::path dir = arg;
  if (!fs::is_directory(dir)) dir = dir.parent_path();
  *config = (dir / "config.json").string();
  *weights = fs::is_directory(arg) ? (dir / "model.safetensors").string() : arg;
  if (!fs::exists(*weights)) throw Error(arg + ": no model.safetensors");
  if (!fs::exists(*config)) throw Error(arg + ": no config.json next to the weights");
}

}  // namespace synthub::train
