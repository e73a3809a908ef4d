#include "checkpoint/model_folder.h"

#include <algorithm>
#include <filesystem>
#include <nlohmann/json.hpp>

#include "synthub/error.h"
#include "util/file.h"
#include "util/sha256.h"

namespace synthub::checkpoint {
namespace {

// "" when config_path is the config.json `model` was written with (or the
// model records none and need not), else the problem.
std::string CheckConfig(const SafetensorsFile& model, const std::string& model_path,
                        const std::string& config_path, ChecksumPolicy policy) {
  const auto it = model.metadata().find(kConfigSha256Key);
  if (it == model.metadata().end()) {
    // A checksummed synthub model always records its config; others need not.
    if (policy == ChecksumPolicy::kIfPresent || !model.metadata().count(kChecksumKey)) return "";
    return model_path + ": does not record the SHA-256 of its config.json";
  }
  if (Sha256File(config_path) != it->second) {
    return config_path + ": not the config.json written with " + model_path +
           " (changed after writing?)";
  }
  return "";
}

}  // namespace

std::vector<std::string> VerifyModelFolder(const std::string& dir, ChecksumPolicy policy,
                                           int* files) {
  namespace fs = std::filesystem;
  if (!fs::is_directory(dir)) throw Error(dir + ": not a folder");
  std::vector<std::string> names;
  for (const auto& entry : fs::directory_iterator(dir)) {
    const std::string name = entry.path().filename().string();
    if (entry.path().extension() == ".safetensors" || name == "config.json") names.push_back(name);
  }
  std::sort(names.begin(), names.end());
  if (names.empty()) {
    throw Error(dir + ": neither a dataset (manifest.json) nor a model (*.safetensors)");
  }
  *files = static_cast<int>(names.size());
  std::vector<std::string> problems;
  auto note = [&](const std::string& p) {
    if (!p.empty()) problems.push_back(p);
  };
  const bool has_config = std::count(names.begin(), names.end(), "config.json") > 0;
  const std::string config_path = JoinPath(dir, "config.json");
  for (const std::string& name : names) {
    const std::string path = JoinPath(dir, name);
    try {
      if (name == "config.json") {
        if (!nlohmann::json::accept(ReadFile(path))) note(path + ": not valid JSON");
        continue;
      }
      const SafetensorsFile file = SafetensorsFile::Open(path);
      const std::string bad = VerifyChecksum(file, policy, path);
      note(bad);
      if (bad.empty() && name == "model.safetensors" && has_config) {
        note(CheckConfig(file, path, config_path, policy));
      }
    } catch (const Error& e) {
      note(e.what());
    }
  }
  return problems;
}

SafetensorsFile OpenChecked(const std::string& weights_path, const std::string& config_path) {
  SafetensorsFile file = SafetensorsFile::Open(weights_path);
  std::string bad = VerifyChecksum(file, ChecksumPolicy::kIfPresent, weights_path);
  if (bad.empty() && !config_path.empty()) {
    bad = CheckConfig(file, weights_path, config_path, ChecksumPolicy::kIfPresent);
  }
  if (!bad.empty()) throw Error(bad);
  return file;
}

}  // namespace synthub::checkpoint
