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

// Files made for the revision (a card, a preview, curves), written under the
// store's tmp/ until they are moved into blobs/; the destructor removes the
// ones that were not (a failed add leaves nothing behind).
class GeneratedFiles {
 public:
  explicit GeneratedFiles(Hub* hub) : hub_(hub) {}
  ~GeneratedFiles() {
    for (const Generated& g : files_) {
      if (!g.tmp.empty()) std::remove(g.tmp.c_str());
    }
  }
  GeneratedFiles(const GeneratedFiles&) = delete;
  GeneratedFiles& operator=(const GeneratedFiles&) = delete;

  void Add(const std::string& path, const std::string& bytes) {
    Generated g;
    g.tmp = hub_->TempPath();
    files_.push_back(g);  // listed first: removed even if the write fails
    WriteFileAtomic(g.tmp, bytes);
    files_.back().entry.path = path;
    files_.back().entry.sha256 = Sha256File(g.tmp, &files_.back().entry.size);
  }
  std::vector<FileEntry> entries() const {
    std::vector<FileEntry> out;
    for (const Generated& g : files_) out.push_back(g.entry);
    return out;
  }
  // Moves every file into blobs/ (each verified against its hash).
  void Store() {
    for (Generated& g : files_) {
      hub_->PutBlobFromFile(g.tmp, g.entry.sha256, g.entry.size);
      g.tmp.clear();
    }
  }

 private:
  struct Generated {
    FileEntry entry;
    std::string tmp;
  };
  Hub* hub_;
  std::vector<Generated> files_;
};

// The folder's published files, hashed; by path for look-ups.
struct FolderFiles {
  std::vector<FileEntry> files;
  std::map<std::string, const FileEntry*> by_path;
  bool has(const std::string& path) const { return by_path.count(path) > 0; }
};

// "dataset" (manifest.json) or "model" (model.safetensors).
std::string FolderKind(const std::string& folder) {
  if (!IsDirectory(folder)) throw Error(folder + ": not a folder");
  if (PathExists(JoinPath(folder, shard::kManifestName))) return "dataset";
  if (PathExists(JoinPath(folder, "model.safetensors"))) return "model";
  throw Error(folder + ": neither a dataset (manifest.json) nor a model (model.safetensors) folder");
}

// Step 1: the files, checked before anything is written to the store: valid
// paths, no pickle, only a model's own files; then hashed.
void HashFolderFiles(const std::string& folder, const std::string& kind, FolderFiles* out) {
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
  std::vector<FileEntry>& files = out->files;
  files.resize(kept.size());
  const int threads = std::max(1, std::min(8, static_cast<int>(std::thread::hardware_concurrency())));
  ParallelFor(kept.size(), threads, [&](size_t i) {
    files[i].path = kept[i];
    files[i].sha256 = Sha256File(JoinPath(folder, kept[i]), &files[i].size);
  });
  for (const FileEntry& f : files) out->by_path[f.path] = &f;
}

// The card's front matter ({} without a README.md).
json FrontMatter(const std::string& folder, const FolderFiles& files) {
  if (!files.has("README.md")) return json::object();
  return ParseFrontMatter(ReadFile(JoinPath(folder, "README.md")), JoinPath(folder, "README.md"));
}

std::string FrontMatterString(const json& front_matter, const char* key) {
  auto it = front_matter.find(key);
  return it != front_matter.end() && it->is_string() ? it->get<std::string>() : std::string();
}

// A dataset's meta: the folder must be the dataset its manifest describes;
// counts, recipe, licence, and a contact sheet (preview.png) unless it has one.
json DatasetMeta(const Hub& hub, const std::string& folder, const FolderFiles& files, const AddOptions& options,
                 const json& front_matter, GeneratedFiles* generated) {
  json meta = json::object();
  const std::string manifest_path = JoinPath(folder, shard::kManifestName);
  const shard::Manifest m = shard::ParseManifest(ReadFile(manifest_path), manifest_path);
  auto check = [&](const std::string& file, uint64_t bytes, const std::string& sha) {
    auto it = files.by_path.find(file);
    if (it == files.by_path.end()) throw Error(JoinPath(folder, file) + ": listed in manifest.json but missing");
    if (it->second->size != bytes || it->second->sha256 != sha) {
      throw Error(JoinPath(folder, file) + ": does not match manifest.json (" + std::to_string(it->second->size) +
                  " bytes, SHA-256 " + it->second->sha256 + "; manifest: " + std::to_string(bytes) + " bytes, " +
                  sha + ")");
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
  const std::string card_license = FrontMatterString(front_matter, "license");
  meta["license"] = !options.license.empty() ? options.license
                    : !card_license.empty()  ? card_license
                    : is_generated           ? kDefaultLicense
                                             : "unknown";
  if (!files.has("preview.png") && !m.shards.empty()) {
    const std::string png = hub.TempPath() + ".png";
    try {
      const int classes = static_cast<int>(std::min<uint64_t>(std::max<uint64_t>(m.num_classes, 1), 8));
      pack::WriteContactSheet(folder, png, classes, 8, 48);
      generated->Add("preview.png", ReadFile(png));
    } catch (const Error& e) {
      LogWarn("no preview.png: " + std::string(e.what()));
    }
    std::remove(png.c_str());
  }
  return meta;
}

// A model's results: eval.json, else the last eval record of metrics.jsonl;
// learning curves (curves.svg) drawn from metrics.jsonl unless the folder has them.
void ModelResults(const std::string& folder, const std::string& name, const FolderFiles& files,
                  GeneratedFiles* generated, json* meta) {
  json results = json::object();
  if (files.has("eval.json")) {
    try {
      const json e = json::parse(ReadFile(JoinPath(folder, "eval.json")));
      for (const char* k : {"top1", "top5", "loss", "samples"}) {
        if (e.contains(k) && e[k].is_number()) results[k] = e[k];
      }
    } catch (const json::exception& e) {
      throw Error(JoinPath(folder, "eval.json") + ": not JSON: " + e.what());
    }
  }
  if (files.has("metrics.jsonl")) {
    try {
      report::RunMetrics run = report::ReadMetrics(JoinPath(folder, "metrics.jsonl"));
      if (results.empty() && !run.eval.empty()) {
        results["top1"] = run.eval.back().top1;
        results["top5"] = run.eval.back().top5;
        results["loss"] = run.eval.back().loss;
        results["epoch"] = run.eval.back().epoch;
      }
      if (!files.has("curves.svg")) {
        run.label = name;
        report::PlotOptions po;
        po.title = name;
        generated->Add("curves.svg", report::PlotSvg({run}, po));
        (*meta)["curves"] = "curves.svg";
      }
    } catch (const Error& e) {
      LogWarn("no curves.svg: " + std::string(e.what()));
    }
  }
  if (files.has("curves.svg")) (*meta)["curves"] = "curves.svg";
  if (!results.empty()) (*meta)["results"] = results;
}

// A model's lineage: the flags, else the card, else what the run folder
// points at (config.json's synthub.data / synthub.init) when that is a
// revision of this hub.
void ModelLineage(const Hub& hub, const AddOptions& options, const json& front_matter,
                  const std::string& data_path, const std::string& init_path, json* meta) {
  std::string dataset, base;
  if (!options.dataset.empty()) {
    dataset = Lineage(hub, options.dataset, "dataset", "--dataset");
  } else if (front_matter.contains("dataset")) {
    dataset = LineageText(hub, front_matter["dataset"], "dataset", "dataset");
  } else if (!data_path.empty() && PathExists(JoinPath(data_path, shard::kManifestName))) {
    dataset = hub.RevisionWithFile("dataset", shard::kManifestName,
                                   Sha256File(JoinPath(data_path, shard::kManifestName)));
  }
  if (!options.base_model.empty()) {
    base = Lineage(hub, options.base_model, "model", "--base-model");
  } else if (front_matter.contains("base_model")) {
    base = LineageText(hub, front_matter["base_model"], "model", "base_model");
  } else if (!InitWeights(init_path).empty() && PathExists(InitWeights(init_path))) {
    base = hub.RevisionWithFile("model", "model.safetensors", Sha256File(InitWeights(init_path)));
  }
  if (!dataset.empty()) (*meta)["dataset"] = dataset;
  if (!base.empty()) (*meta)["base_model"] = base;
}

// A model's meta: the weights checked, architecture and hyper-parameters
// from config.json, results, lineage, licence.
json ModelMeta(const Hub& hub, const std::string& folder, const std::string& name, const FolderFiles& files,
               const AddOptions& options, const json& front_matter, GeneratedFiles* generated) {
  json meta = json::object();
  if (!files.has("config.json")) throw Error(folder + ": a model folder needs config.json");
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
  ModelResults(folder, name, files, generated, &meta);
  ModelLineage(hub, options, front_matter, data_path, init_path, &meta);
  std::string config_license;
  if (config.contains("pretrained_cfg") && config["pretrained_cfg"].is_object() &&
      config["pretrained_cfg"].contains("license") && config["pretrained_cfg"]["license"].is_string()) {
    config_license = config["pretrained_cfg"]["license"].get<std::string>();
  }
  const std::string card_license = FrontMatterString(front_matter, "license");
  meta["license"] = !options.license.empty() ? options.license
                    : !card_license.empty()  ? card_license
                    : !config_license.empty() ? config_license
                                              : kDefaultLicense;
  return meta;
}

// The revision manifest of the folder's and the generated files, checked as
// an upload's would be.
std::string ManifestFor(const std::string& folder, const std::string& kind, const std::string& name,
                        const FolderFiles& files, const GeneratedFiles& generated, const json& meta) {
  std::vector<FileEntry> all = files.files;
  for (const FileEntry& f : generated.entries()) all.push_back(f);
  std::string manifest;
  try {
    manifest = RevisionManifestJson(kind, name, all, meta.dump());
  } catch (const json::exception& e) {
    throw Error(folder + ": card or config holds text that is not UTF-8: " + e.what());
  }
  ParseRevisionManifest(manifest);  // the same checks an upload gets
  return manifest;
}

}  // namespace

Revision Hub::AddFolder(const std::string& folder, const std::string& name, const std::string& tag) {
  AddOptions options;
  options.tag = tag;
  return AddFolder(folder, name, options);
}

Revision Hub::AddFolder(const std::string& folder, const std::string& name, const AddOptions& options) {
  ValidateName(name);
  if (!options.tag.empty()) ValidateTag(options.tag);
  const std::string kind = FolderKind(folder);

  // 1. The files, checked before anything is written to the store, and the
  //    revision's meta (with the files made for it: card, preview, curves).
  FolderFiles files;
  HashFolderFiles(folder, kind, &files);
  const json front_matter = FrontMatter(folder, files);
  GeneratedFiles generated(this);
  json meta = kind == "dataset" ? DatasetMeta(*this, folder, files, options, front_matter, &generated)
                                : ModelMeta(*this, folder, name, files, options, front_matter, &generated);
  if (!front_matter.empty()) meta["card"] = front_matter;
  if (!files.has("README.md")) generated.Add("README.md", DefaultCard(kind, name, meta));

  // 2. Into the store: blobs first (each verified), then the catalogue.
  const std::string manifest = ManifestFor(folder, kind, name, files, generated, meta);
  for (const FileEntry& f : files.files) IngestFile(JoinPath(folder, f.path), f.sha256, f.size);
  generated.Store();
  Revision r = Commit(manifest);
  if (!options.tag.empty()) Tag(name, options.tag, r.id);
  return Get(r.id);
}

}  // namespace synthub::hub
