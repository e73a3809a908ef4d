// Hub::AddFolder: a dataset or model folder -> blobs + a revision manifest.
#include <sys/stat.h>

#include <algorithm>
#include <cctype>
#include <cstdio>
#include <map>
#include <nlohmann/json.hpp>
#include <thread>

#include "checkpoint/model_folder.h"
#include "checkpoint/safetensors.h"
#include "pack/inspect.h"
#include "hub/card.h"
#include "hub/hub.h"
#include "report/plot.h"
#include "shard/manifest.h"
#include "synthub/error.h"
#include "util/file.h"
#include "util/json_get.h"
#include "util/log.h"
#include "util/parallel.h"
#include "util/sha256.h"

namespace synthub::hub {
namespace {

using json = nlohmann::json;

// Files a model revision carries; anything else in a run folder (the resume
// state train_state.safetensors, logs) stays out.
const char* const kModelFiles[] = {"model.safetensors", "config.json", "README.md", "metrics.jsonl",
                                   "eval.json", "per_class.csv", "confusion.csv", "curves.svg"};

// Formats that can carry code (pickle): never published, never read.
const char* const kRefusedExtensions[] = {".pt", ".pth", ".bin", ".pkl", ".pickle", ".ckpt", ".joblib"};

constexpr const char* kDefaultLicense = "cc-by-nc-4.0";  // FractalDB-derived data and models

bool EndsWith(const std::string& s, const std::string& suffix) {
  return s.size() >= suffix.size() && s.compare(s.size() - suffix.size(), suffix.size(), suffix) == 0;
}

std::string LowerCase(std::string s) {
  for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

// Every regular file under `root` (relative paths), skipping hidden entries
// (the generator's .synthub/ state). Symbolic links are refused: they could
// publish files from outside the folder.
void Walk(const std::string& root, const std::string& rel, std::vector<std::string>* out) {
  const std::string dir = rel.empty() ? root : JoinPath(root, rel);
  for (const std::string& name : ListDirectory(dir, ListFailure::kThrow)) {
    if (name[0] == '.') continue;
    const std::string r = rel.empty() ? name : rel + "/" + name;
    struct stat st;
    if (::lstat(JoinPath(root, r).c_str(), &st) != 0) throw Error(JoinPath(root, r) + ": cannot stat");
    if (S_ISLNK(st.st_mode)) throw Error(JoinPath(root, r) + ": symbolic link refused (copy the file in)");
    if (S_ISDIR(st.st_mode)) {
      Walk(root, r, out);
    } else if (S_ISREG(st.st_mode)) {
      out->push_back(r);
    } else {
      throw Error(JoinPath(root, r) + ": not a regular file");
    }
  }
}

// Resolves a reference to "owner/name@<id>", requiring the kind.
std::string Lineage(const Hub& hub, const std::string& ref, const std::string& kind, const char* what) {
  const Revision r = hub.Resolve(ref);
  if (r.kind != kind) throw Error(std::string(what) + " " + ref + " is a " + r.kind + ", not a " + kind);
  return r.name + "@" + r.id;
}

// A front matter lineage value: a reference known to this hub becomes
// "owner/name@<id>"; other text is kept as written.
std::string LineageText(const Hub& hub, const json& value, const std::string& kind, const char* what) {
  if (!value.is_string()) return value.is_null() ? "" : value.dump();
  const std::string text = value.get<std::string>();
  try {
    return Lineage(hub, text, kind, what);
  } catch (const Error&) {
    LogWarn(std::string(what) + " '" + text + "' (card) is not a " + kind + " in this hub; kept as text");
    return text;
  }
}

// The checkpoint file a training "init" setting names.
std::string InitWeights(const std::string& init) {
  if (init.empty()) return "";
  if (IsDirectory(init)) return JoinPath(init, "model.safetensors");
  return init;
}

struct Generated {  // a file made for the revision, written under tmp/
  FileEntry entry;
  std::string tmp;
};

}  // namespace

Revision Hub::AddFolder(const std::string& folder, const std::string& name, const std::string& tag) {
  AddOptions options;
  options.tag = tag;
  return AddFolder(folder, name, options);
}

Revision Hub::AddFolder(const std::string& folder, const std::string& name, const AddOptions& options) {
  ValidateName(name);
  if (!options.tag.empty()) ValidateTag(options.tag);
  if (!IsDirectory(folder)) throw Error(folder + ": not a folder");
  std::string kind;
  if (PathExists(JoinPath(folder, shard::kManifestName))) {
    kind = "dataset";
  } else if (PathExists(JoinPath(folder, "model.safetensors"))) {
    kind = "model";
  } else {
    throw Error(folder + ": neither a dataset (manifest.json) nor a model (model.safetensors) folder");
  }

  // 1. The files, checked before anything is written to the store.
  std::vector<std::string> paths;
  Walk(folder, "", &paths);
  std::vector<std::string> kept;
  for (const std::string& p : paths) {
    ValidatePath(p);
    for (const char* ext : kRefusedExtensions) {
      if (EndsWith(LowerCase(p), ext)) {
        throw Error(JoinPath(folder, p) + ": " + ext + " files (pickle) are refused; publish safetensors");
      }
    }
    if (kind == "model" &&
        std::none_of(std::begin(kModelFiles), std::end(kModelFiles), [&](const char* f) { return p == f; })) {
      LogInfo("not published (not part of a model revision): " + p);
      continue;
    }
    kept.push_back(p);
  }
  std::vector<FileEntry> files(kept.size());
  const int threads = std::max(1, std::min(8, static_cast<int>(std::thread::hardware_concurrency())));
  ParallelFor(kept.size(), threads, [&](size_t i) {
    files[i].path = kept[i];
    files[i].sha256 = Sha256File(JoinPath(folder, kept[i]), &files[i].size);
  });
  std::map<std::string, const FileEntry*> by_path;
  for (const FileEntry& f : files) by_path[f.path] = &f;
  auto has = [&](const std::string& p) { return by_path.count(p) > 0; };

  json front_matter = json::object();
  if (has("README.md")) {
    front_matter = ParseFrontMatter(ReadFile(JoinPath(folder, "README.md")), JoinPath(folder, "README.md"));
  }
  auto fm_string = [&](const char* key) {
    auto it = front_matter.find(key);
    return it != front_matter.end() && it->is_string() ? it->get<std::string>() : std::string();
  };

  json meta = json::object();
  std::vector<Generated> generated;
  auto generate_file = [&](const std::string& path, const std::string& bytes) {
    Generated g;
    g.tmp = TempPath();
    WriteFileAtomic(g.tmp, bytes);
    g.entry.path = path;
    g.entry.sha256 = Sha256File(g.tmp, &g.entry.size);
    generated.push_back(g);
  };
  try {
    if (kind == "dataset") {
      const std::string manifest_path = JoinPath(folder, shard::kManifestName);
      const shard::Manifest m = shard::ParseManifest(ReadFile(manifest_path), manifest_path);
      // The folder must be the dataset its manifest describes.
      auto check = [&](const std::string& file, uint64_t bytes, const std::string& sha) {
        auto it = by_path.find(file);
        if (it == by_path.end()) throw Error(JoinPath(folder, file) + ": listed in manifest.json but missing");
        if (it->second->size != bytes || it->second->sha256 != sha) {
          throw Error(JoinPath(folder, file) + ": does not match manifest.json (" +
                      std::to_string(it->second->size) + " bytes, SHA-256 " + it->second->sha256 +
                      "; manifest: " + std::to_string(bytes) + " bytes, " + sha + ")");
        }
      };
      for (const shard::ShardRecord& s : m.shards) check(s.name, s.bytes, s.sha256);
      for (const shard::FileRecord& f : m.files) check(f.name, f.bytes, f.sha256);
      meta["num_samples"] = m.num_samples;
      meta["num_classes"] = m.num_classes;
      meta["num_shards"] = m.shards.size();
      const json recipe = json::parse(m.recipe_json);
      const bool is_generated = shard::IsGenerated(m);
      if (recipe.is_object() && !recipe.empty()) meta["recipe"] = recipe;
      if (is_generated) {
        meta["regenerable"] = true;
        meta["recipe_sha256"] = Sha256Hex(m.recipe_json);
        if (recipe.contains("params_sha256")) meta["params_sha256"] = recipe["params_sha256"];
      }
      meta["license"] = !options.license.empty() ? options.license
                        : !fm_string("license").empty() ? fm_string("license")
                        : is_generated ? kDefaultLicense : "unknown";
      if (!has("preview.png") && !m.shards.empty()) {
        const std::string png = TempPath() + ".png";
        try {
          const int classes = static_cast<int>(std::min<uint64_t>(std::max<uint64_t>(m.num_classes, 1), 8));
          pack::WriteContactSheet(folder, png, classes, 8, 48);
          generate_file("preview.png", ReadFile(png));
        } catch (const Error& e) {
          LogWarn("no preview.png: " + std::string(e.what()));
        }
        std::remove(png.c_str());
      }
    } else {
      if (!has("config.json")) throw Error(folder + ": a model folder needs config.json");
      const std::string config_path = JoinPath(folder, "config.json");
      // Structure, and the checksums when synthub wrote it: nothing damaged is published.
      checkpoint::OpenChecked(JoinPath(folder, "model.safetensors"), config_path);
      json config;
      try {
        config = json::parse(ReadFile(config_path));
      } catch (const json::exception& e) {
        throw Error(config_path + ": not JSON: " + e.what());
      }
      meta["architecture"] = JsonGet<std::string>(config, "architecture", config_path);
      meta["num_classes"] = JsonGet<int64_t>(config, "num_classes", config_path);
      json hp = json::object();
      if (config.contains("model_args") && config["model_args"].is_object()) {
        for (const char* k : {"img_size", "patch_size", "embed_dim", "depth", "num_heads", "mlp_ratio"}) {
          if (config["model_args"].contains(k)) hp[k] = config["model_args"][k];
        }
      }
      std::string data_path, init_path;
      if (config.contains("synthub") && config["synthub"].is_object()) {
        const json& s = config["synthub"];
        for (const char* k : {"command", "seed", "epochs", "batch_size_total", "lr", "optimizer"}) {
          if (s.contains(k)) hp[k] = s[k];
        }
        if (s.contains("data") && s["data"].is_string()) data_path = s["data"].get<std::string>();
        if (s.contains("init") && s["init"].is_string()) init_path = s["init"].get<std::string>();
      }
      meta["hyperparameters"] = hp;
      // Results: eval.json, else the last eval record of metrics.jsonl.
      json results = json::object();
      if (has("eval.json")) {
        try {
          const json e = json::parse(ReadFile(JoinPath(folder, "eval.json")));
          for (const char* k : {"top1", "top5", "loss", "samples"}) {
            if (e.contains(k) && e[k].is_number()) results[k] = e[k];
          }
        } catch (const json::exception& e) {
          throw Error(JoinPath(folder, "eval.json") + ": not JSON: " + e.what());
        }
      }
      if (has("metrics.jsonl")) {
        try {
          report::RunMetrics run = report::ReadMetrics(JoinPath(folder, "metrics.jsonl"));
          if (results.empty() && !run.eval.empty()) {
            results["top1"] = run.eval.back().top1;
            results["top5"] = run.eval.back().top5;
            results["loss"] = run.eval.back().loss;
            results["epoch"] = run.eval.back().epoch;
          }
          if (!has("curves.svg")) {
            run.label = name;
            report::PlotOptions po;
            po.title = name;
            generate_file("curves.svg", report::PlotSvg({run}, po));
            meta["curves"] = "curves.svg";
          }
        } catch (const Error& e) {
          LogWarn("no curves.svg: " + std::string(e.what()));
        }
      }
      if (has("curves.svg")) meta["curves"] = "curves.svg";
      if (!results.empty()) meta["results"] = results;
      // Lineage: flags, else the card, else what the run folder points at
      // when that is a revision of this hub.
      std::string dataset, base;
      if (!options.dataset.empty()) {
        dataset = Lineage(*this, options.dataset, "dataset", "--dataset");
      } else if (front_matter.contains("dataset")) {
        dataset = LineageText(*this, front_matter["dataset"], "dataset", "dataset");
      } else if (!data_path.empty() && PathExists(JoinPath(data_path, shard::kManifestName))) {
        dataset = RevisionWithFile("dataset", shard::kManifestName,
                                   Sha256File(JoinPath(data_path, shard::kManifestName)));
      }
      if (!options.base_model.empty()) {
        base = Lineage(*this, options.base_model, "model", "--base-model");
      } else if (front_matter.contains("base_model")) {
        base = LineageText(*this, front_matter["base_model"], "model", "base_model");
      } else if (!InitWeights(init_path).empty() && PathExists(InitWeights(init_path))) {
        base = RevisionWithFile("model", "model.safetensors", Sha256File(InitWeights(init_path)));
      }
      if (!dataset.empty()) meta["dataset"] = dataset;
      if (!base.empty()) meta["base_model"] = base;
      std::string config_license;
      if (config.contains("pretrained_cfg") && config["pretrained_cfg"].is_object() &&
          config["pretrained_cfg"].contains("license") && config["pretrained_cfg"]["license"].is_string()) {
        config_license = config["pretrained_cfg"]["license"].get<std::string>();
      }
      meta["license"] = !options.license.empty() ? options.license
                        : !fm_string("license").empty() ? fm_string("license")
                        : !config_license.empty() ? config_license : kDefaultLicense;
    }
    if (!front_matter.empty()) meta["card"] = front_matter;
    if (!has("README.md")) generate_file("README.md", DefaultCard(kind, name, meta));

    // 2. Into the store: blobs first (each verified), then the catalogue.
    std::vector<FileEntry> all = files;
    for (const Generated& g : generated) all.push_back(g.entry);
    std::string manifest;
    try {
      manifest = RevisionManifestJson(kind, name, all, meta.dump());
    } catch (const json::exception& e) {
      throw Error(folder + ": card or config holds text that is not UTF-8: " + e.what());
    }
    ParseRevisionManifest(manifest);  // the same checks an upload gets
    for (const FileEntry& f : files) IngestFile(JoinPath(folder, f.path), f.sha256, f.size);
    for (Generated& g : generated) {
      PutBlobFromFile(g.tmp, g.entry.sha256, g.entry.size);
      g.tmp.clear();
    }
    Revision r = Commit(manifest);
    if (!options.tag.empty()) Tag(name, options.tag, r.id);
    return Get(r.id);
  } catch (...) {
    for (const Generated& g : generated) {
      if (!g.tmp.empty()) std::remove(g.tmp.c_str());
    }
    throw;
  }
}

}  // namespace synthub::hub
