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

}  // namespace

MaterializeStats Materialize(const std::string& ref, const MaterializeOptions& o, World& world) {
  if (o.out.empty()) throw UsageError("materialize: --to is required");
  MaterializeStats st;
  const std::string state = JoinPath(o.out, generate::kStateDir);
  bool regenerate = o.regenerate;
  std::string manifest_text;  // the dataset's manifest.json (regeneration)
  std::unique_ptr<Source> src;
  Revision r;
  bool downloaded = false;
  {
    const size_t at = ref.find('@');
    ValidateName(ref.substr(0, at));
    if (at != std::string::npos) ValidateTag(ref.substr(at + 1));  // ids pass the tag rules
  }

  // 1. Rank 0 resolves the revision and, to regenerate, fetches the recipe
  //    (manifest.json) and params.tar; the other ranks read them from OUT.
  std::string failure;
  if (world.rank() == 0) {
    try {
      src = std::make_unique<Source>(o.source, o.token);
      r = src->Resolve(ref);
      st.revision = r.name + "@" + r.id;
      const FileEntry* manifest = FindFile(r, shard::kManifestName);
      if (r.kind == "dataset" && manifest) {
        manifest_text = src->FetchSmall(r, *manifest);
        const shard::Manifest m = shard::ParseManifest(manifest_text, st.revision + ":manifest.json");
        st.shards_total = m.shards.size();
        const json recipe = json::parse(m.recipe_json);
        // Generated sets carry a recipe; packed ones {"packed_from": ...}.
        const bool has_recipe = recipe.is_object() && !recipe.empty() && !recipe.contains("packed_from");
        if (!regenerate && has_recipe) {
          // A local store may hold the recipe without the shards.
          for (const FileEntry& f : r.files) {
            if (!src->HasBlob(f)) {
              regenerate = true;
              st.fallback = "the store lacks " + f.path;
              break;
            }
          }
        }
        if (!regenerate && has_recipe && src->remote()) {
          try {
            Download(*src, r, o, &st);
            downloaded = true;
          } catch (const Error& e) {
            regenerate = true;
            st.fallback = std::string("download failed: ") + e.what();
            LogWarn(st.fallback + "; regenerating from the recipe");
          }
        }
        if (regenerate && !has_recipe) {
          throw Error(st.revision + ": the dataset carries no recipe (packed, not generated): it can only be "
                      "downloaded");
        }
      } else if (regenerate) {
        throw Error(st.revision + ": a " + r.kind + " revision cannot be regenerated (only generated datasets)");
      }
      if (regenerate) {
        MakeDirs(state);
        WriteFileAtomic(JoinPath(state, kRevisionCopy), r.manifest_json);
        WriteFileAtomic(JoinPath(state, "hub-dataset-manifest.json"), manifest_text);
        if (const FileEntry* params = FindFile(r, "params.tar")) {
          if (!FileMatches(JoinPath(o.out, "params.tar"), *params)) {
            try {
              WriteFileAtomic(JoinPath(o.out, "params.tar"), src->FetchSmall(r, *params));
            } catch (const Error& e) {
              // The recipe's search regenerates the parameters (bit-exact);
              // the result is checked against the revision's params.tar below.
              LogWarn(std::string(e.what()) + "; searching the categories again from the recipe");
            }
          }
        }
        const shard::Manifest m = shard::ParseManifest(manifest_text, st.revision + ":manifest.json");
        const recipe::Recipe recipe = recipe::ParseRecipe(m.recipe_json, st.revision + ":manifest.json");
        SeedResumeState(o.out, m, recipe::RecipeToJson(recipe));
      }
    } catch (const std::exception& e) {
      failure = e.what();
    }
  }
  int flag = regenerate ? 1 : 0;
  const bool ok = world.AllOk(failure.empty());
  if (!ok) throw Error(failure.empty() ? "MPI rank 0 failed (see its message)" : failure);
  world.Broadcast(&flag, sizeof(flag));
  regenerate = flag != 0;

  if (!regenerate) {
    if (world.rank() == 0 && !downloaded) {
      Download(*src, r, o, &st);
    }
    if (world.rank() == 0) {
      // Every file was hashed on its way in; count the shards.
      if (!manifest_text.empty()) {
        const shard::Manifest m = shard::ParseManifest(manifest_text, st.revision);
        for (const shard::ShardRecord& s : m.shards) {
          const FileEntry* f = FindFile(r, s.name);
          if (!f || !FileMatches(JoinPath(o.out, s.name), *f)) throw Error(JoinPath(o.out, s.name) + ": does not match the revision");
          ++st.shards_verified;
        }
      }
    }
    return st;
  }

  // 2. Every rank renders its share (the generator's own resume and MPI split).
  st.regenerated = true;
  if (world.rank() != 0) manifest_text = ReadFile(JoinPath(state, "hub-dataset-manifest.json"));
  const shard::Manifest m = shard::ParseManifest(manifest_text, "manifest.json");
  generate::GenerateOptions g;
  g.recipe = recipe::ParseRecipe(m.recipe_json, "manifest.json");
  g.out = o.out;
  g.threads = o.threads;
  g.progress = o.progress;
  const generate::GenerateStats gs = generate::Generate(g, world);
  st.shards_regenerated = gs.shards_written;  // this rank's; summed below
  st.shards_kept = gs.shards_kept;
  double counts[2] = {static_cast<double>(gs.shards_written), static_cast<double>(gs.shards_kept)};
  world.AllSum(counts, 2);
  st.shards_regenerated = static_cast<uint64_t>(counts[0]);
  st.shards_kept = static_cast<uint64_t>(counts[1]);

  // 3. Rank 0 checks every shard against the revision and writes the other
  //    files (the published manifest.json, card, preview, indexes) from it.
  failure.clear();
  if (world.rank() == 0) {
    try {
      std::set<std::string> shard_names;
      for (const shard::ShardRecord& s : m.shards) {
        shard_names.insert(s.name);
        const FileEntry* f = FindFile(r, s.name);
        if (!f) throw Error(st.revision + ": the revision does not list shard " + s.name);
        if (!FileMatches(JoinPath(o.out, s.name), *f)) {
          throw Error(JoinPath(o.out, s.name) + ": regenerated bytes differ from the published SHA-256 " +
                      f->sha256 + " (a different generator version or platform?)");
        }
        ++st.shards_verified;
      }
      for (const FileEntry& f : r.files) {
        if (shard_names.count(f.path)) continue;
        const std::string dest = JoinPath(o.out, f.path);
        if (FileMatches(dest, f)) continue;
        MakeParentDirs(dest);
        WriteFileAtomic(dest, src->FetchSmall(r, f));
        ++st.files_downloaded;
      }
    } catch (const std::exception& e) {
      failure = e.what();
    }
  }
  if (!world.AllOk(failure.empty())) throw Error(failure.empty() ? "MPI rank 0 failed (see its message)" : failure);
  return st;
}

}  // namespace synthub::hub
