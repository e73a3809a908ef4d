#include "hub/materialize.h"

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <filesystem>
#include <map>
#include <nlohmann/json.hpp>
#include <set>

#include "generate/generator.h"
#include "recipe/recipe.h"
#include "hub/client.h"
#include "hub/hub.h"
#include "hub/source.h"
#include "shard/manifest.h"
#include "synthub/error.h"
#include "util/file.h"
#include "util/log.h"
#include "util/parallel.h"
#include "util/sha256.h"

namespace synthub::hub {
namespace {

using json = nlohmann::json;

constexpr const char* kRevisionCopy = "hub-revision.json";  // under OUT/.synthub/

bool FileMatches(const std::string& path, const FileEntry& f) {
  if (!PathExists(path) || FileSize(path) != f.size) return false;
  return Sha256File(path) == f.sha256;
}

void MakeParentDirs(const std::string& path) {
  const size_t slash = path.rfind('/');
  if (slash != std::string::npos && slash > 0) MakeDirs(path.substr(0, slash));
}

// Everything by download: copies from a local store, hub::Pull from a server.
void Download(const Source& src, const Revision& r, const MaterializeOptions& o, MaterializeStats* st) {
  MakeDirs(o.out);
  if (!src.remote()) {
    std::vector<const FileEntry*> todo;
    for (const FileEntry& f : r.files) {
      if (!FileMatches(JoinPath(o.out, f.path), f)) todo.push_back(&f);
    }
    ParallelFor(todo.size(), o.threads > 0 ? o.threads : DefaultThreads(), [&](size_t i) {
      const std::string dest = JoinPath(o.out, todo[i]->path);
      MakeParentDirs(dest);
      src.CopyTo(r, *todo[i], dest);
    });
    st->files_downloaded = todo.size();
    return;
  }
  PullOptions p;
  p.source = src.location();
  p.cache = o.cache.empty() ? JoinPath(o.out, ".synthub-pull") : o.cache;
  p.parallel = o.parallel;
  p.token = o.token;
  p.progress = o.progress;
  const std::string folder = Pull(r.name + "@" + r.id, p);
  for (const FileEntry& f : r.files) {
    const std::string dest = JoinPath(o.out, f.path);
    if (FileMatches(dest, f)) continue;
    MakeParentDirs(dest);
    const std::string from = JoinPath(folder, f.path);
    // Moved out of a private cache; copied out of a cache given with --cache.
    if (o.cache.empty() && std::rename(from.c_str(), dest.c_str()) == 0) {
      ++st->files_downloaded;
      continue;
    }
    const std::string bytes = ReadFile(from);
    if (Sha256Hex(bytes) != f.sha256) throw Error(from + ": does not match the revision's SHA-256");
    WriteFileAtomic(dest, bytes);
    ++st->files_downloaded;
  }
  if (o.cache.empty()) {
    std::error_code ec;  // best effort: the private cache's leftovers
    std::filesystem::remove_all(p.cache, ec);
  }
}

// Records the shards OUT already holds with the published bytes, so the
// generator keeps them (its resume), and the recipe it will check.
void SeedResumeState(const std::string& out, const shard::Manifest& m, const std::string& recipe_json) {
  const std::string state = JoinPath(out, generate::kStateDir);
  MakeDirs(state);
  if (!PathExists(JoinPath(state, "recipe.json"))) WriteFileAtomic(JoinPath(state, "recipe.json"), recipe_json + "\n");
  for (const shard::ShardRecord& s : m.shards) {
    const std::string record = JoinPath(state, s.name + ".json");
    if (PathExists(record)) continue;
    if (FileMatches(JoinPath(out, s.name), {s.name, s.bytes, s.sha256})) {
      WriteFileAtomic(record, shard::ShardRecordToJson(s));
    }
  }
}

const FileEntry* FindFile(const Revision& r, const std::string& path) {
  for (const FileEntry& f : r.files) {
    if (f.path == path) return &f;
  }
  return nullptr;
}

// Runs `step` on rank 0 only; then every rank throws if it failed.
template <class F>
void OnRankZero(World& world, F step) {
  std::string failure;
  if (world.rank() == 0) {
    try {
      step();
    } catch (const std::exception& e) {
      failure = e.what();
    }
  }
  if (!world.AllOk(failure.empty())) throw Error(failure.empty() ? "MPI rank 0 failed (see its message)" : failure);
}

// What rank 0 learns in step 1.
struct Plan {
  std::unique_ptr<Source> src;
  Revision r;
  std::string manifest_text;  // the dataset's manifest.json (regeneration)
  bool regenerate = false;
  bool downloaded = false;    // a server's files are already in OUT
};

void ValidateRef(const std::string& ref) {
  const size_t at = ref.find('@');
  ValidateName(ref.substr(0, at));
  if (at != std::string::npos) ValidateTag(ref.substr(at + 1));  // ids pass the tag rules
}

// Step 1a: whether to regenerate. A dataset with a recipe is regenerated when
// asked, when the local store lacks a blob, or when a server's download
// fails (which is tried here); one without a recipe only downloads.
void ChooseRegeneration(const MaterializeOptions& o, Plan* plan, MaterializeStats* st) {
  const Revision& r = plan->r;
  const FileEntry* manifest = FindFile(r, shard::kManifestName);
  if (r.kind != "dataset" || !manifest) {
    if (plan->regenerate) {
      throw Error(st->revision + ": a " + r.kind + " revision cannot be regenerated (only generated datasets)");
    }
    return;
  }
  plan->manifest_text = plan->src->FetchSmall(r, *manifest);
  const shard::Manifest m = shard::ParseManifest(plan->manifest_text, st->revision + ":manifest.json");
  st->shards_total = m.shards.size();
  const bool generated = shard::IsGenerated(m);
  if (!plan->regenerate && generated) {
    // A local store may hold the recipe without the shards.
    for (const FileEntry& f : r.files) {
      if (!plan->src->HasBlob(f)) {
        plan->regenerate = true;
        st->fallback = "the store lacks " + f.path;
        break;
      }
    }
  }
  if (!plan->regenerate && generated && plan->src->remote()) {
    try {
      Download(*plan->src, r, o, st);
      plan->downloaded = true;
    } catch (const Error& e) {
      plan->regenerate = true;
      st->fallback = std::string("download failed: ") + e.what();
      LogWarn(st->fallback + "; regenerating from the recipe");
    }
  }
  if (plan->regenerate && !generated) {
    throw Error(st->revision + ": the dataset carries no recipe (packed, not generated): it can only be "
                "downloaded");
  }
}

// Step 1b: what the generator needs in OUT: the revision and its dataset
// manifest under OUT/.synthub/ (for the other ranks), the parameter file
// (params.ustar, or params.tar in datasets of the old layout), and the resume
// records of the shards OUT already holds.
void PrepareRegeneration(const MaterializeOptions& o, const Plan& plan, const MaterializeStats& st) {
  const std::string state = JoinPath(o.out, generate::kStateDir);
  MakeDirs(state);
  WriteFileAtomic(JoinPath(state, kRevisionCopy), plan.r.manifest_json);
  WriteFileAtomic(JoinPath(state, "hub-dataset-manifest.json"), plan.manifest_text);
  const shard::Manifest m = shard::ParseManifest(plan.manifest_text, st.revision + ":manifest.json");
  const shard::FileRecord* listed = shard::FindParamsFile(m);
  if (const FileEntry* params = listed ? FindFile(plan.r, listed->name) : nullptr) {
    const std::string dest = JoinPath(o.out, params->path);
    if (!FileMatches(dest, *params)) {
      try {
        WriteFileAtomic(dest, plan.src->FetchSmall(plan.r, *params));
      } catch (const Error& e) {
        // The recipe's search regenerates the parameters (bit-exact);
        // the result is checked against the revision's file below.
        LogWarn(std::string(e.what()) + "; searching the categories again from the recipe");
      }
    }
  }
  const recipe::Recipe recipe = recipe::ParseRecipe(m.recipe_json, st.revision + ":manifest.json");
  SeedResumeState(o.out, m, recipe::RecipeToJson(recipe));
}

// Without regeneration (rank 0): every file downloaded and hashed on its way
// in; the shards counted against the revision.
void DownloadAll(const MaterializeOptions& o, const Plan& plan, MaterializeStats* st) {
  if (!plan.downloaded) Download(*plan.src, plan.r, o, st);
  if (plan.manifest_text.empty()) return;
  const shard::Manifest m = shard::ParseManifest(plan.manifest_text, st->revision);
  for (const shard::ShardRecord& s : m.shards) {
    const FileEntry* f = FindFile(plan.r, s.name);
    if (!f || !FileMatches(JoinPath(o.out, s.name), *f)) {
      throw Error(JoinPath(o.out, s.name) + ": does not match the revision");
    }
    ++st->shards_verified;
  }
}

// Step 2 (every rank): renders its share of the shards with the generator's
// own resume and MPI split; counts summed over the ranks.
void RenderShards(const shard::Manifest& m, const MaterializeOptions& o, World& world, MaterializeStats* st) {
  generate::GenerateOptions g;
  g.recipe = recipe::ParseRecipe(m.recipe_json, "manifest.json");
  // The published name (params.tar in datasets of the old layout), so that
  // the file regenerated by a search is the one the revision lists.
  if (const shard::FileRecord* params = shard::FindParamsFile(m)) g.params_file = params->name;
  g.out = o.out;
  g.threads = o.threads;
  g.progress = o.progress;
  const generate::GenerateStats gs = generate::Generate(g, world);
  double counts[2] = {static_cast<double>(gs.shards_written), static_cast<double>(gs.shards_kept)};
  world.AllSum(counts, 2);
  st->shards_regenerated = static_cast<uint64_t>(counts[0]);
  st->shards_kept = static_cast<uint64_t>(counts[1]);
}

// Step 3 (rank 0): every shard checked against the revision; the other files
// (the published manifest.json, card, preview, indexes) written from it.
void VerifyAndComplete(const shard::Manifest& m, const MaterializeOptions& o, const Plan& plan,
                       MaterializeStats* st) {
  std::set<std::string> shard_names;
  for (const shard::ShardRecord& s : m.shards) {
    shard_names.insert(s.name);
    const FileEntry* f = FindFile(plan.r, s.name);
    if (!f) throw Error(st->revision + ": the revision does not list shard " + s.name);
    if (!FileMatches(JoinPath(o.out, s.name), *f)) {
      throw Error(JoinPath(o.out, s.name) + ": regenerated bytes differ from the published SHA-256 " + f->sha256 +
                  " (a different generator version or platform?)");
    }
    ++st->shards_verified;
  }
  for (const FileEntry& f : plan.r.files) {
    if (shard_names.count(f.path)) continue;
    const std::string dest = JoinPath(o.out, f.path);
    if (FileMatches(dest, f)) continue;
    MakeParentDirs(dest);
    WriteFileAtomic(dest, plan.src->FetchSmall(plan.r, f));
    ++st->files_downloaded;
  }
}

}  // namespace

MaterializeStats Materialize(const std::string& ref, const MaterializeOptions& o, World& world) {
  if (o.out.empty()) throw UsageError("materialize: --to is required");
  ValidateRef(ref);
  MaterializeStats st;
  Plan plan;
  plan.regenerate = o.regenerate;

  // 1. Rank 0 resolves the revision and, to regenerate, fetches the recipe
  //    (manifest.json) and the parameter file; the other ranks read them
  //    from OUT.
  OnRankZero(world, [&] {
    plan.src = std::make_unique<Source>(o.source, o.token);
    plan.r = plan.src->Resolve(ref);
    st.revision = plan.r.name + "@" + plan.r.id;
    ChooseRegeneration(o, &plan, &st);
    if (plan.regenerate) PrepareRegeneration(o, plan, st);
  });
  int flag = plan.regenerate ? 1 : 0;
  world.Broadcast(&flag, sizeof(flag));
  if (flag == 0) {
    if (world.rank() == 0) DownloadAll(o, plan, &st);
    return st;
  }

  // 2. Every rank renders its share (the generator's own resume and MPI split).
  st.regenerated = true;
  if (world.rank() != 0) {
    plan.manifest_text = ReadFile(JoinPath(JoinPath(o.out, generate::kStateDir), "hub-dataset-manifest.json"));
  }
  const shard::Manifest m = shard::ParseManifest(plan.manifest_text, "manifest.json");
  RenderShards(m, o, world, &st);

  // 3. Rank 0 checks every shard against the revision and writes the other
  //    files (the published manifest.json, card, preview, indexes) from it.
  OnRankZero(world, [&] { VerifyAndComplete(m, o, plan, &st); });
  return st;
}

}  // namespace synthub::hub
