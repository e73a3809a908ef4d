#include "recipe/params_cache.h"

#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <memory>

#include "synthub/error.h"
#include "util/file.h"
#include "util/log.h"
#include "util/sha256.h"

namespace synthub::recipe {
namespace {

std::vector<std::string> SplitColons(const char* s) {
  std::vector<std::string> out;
  if (!s) return out;
  std::string part;
  for (const char* p = s;; ++p) {
    if (*p == ':' || *p == '\0') {
      if (!part.empty()) out.push_back(part);
      part.clear();
      if (*p == '\0') break;
    } else {
      part += *p;
    }
  }
  return out;
}

// The archive at `path` when it reads back, else false (a bad one is said).
bool TryRead(const Family& family, const std::string& path, CategoryParams* out) {
  if (!PathExists(path)) return false;
  try {
    *out = family.ReadParamsArchive(path);
    return true;
  } catch (const Error& e) {
    LogWarn(std::string("params cache: ignoring ") + e.what());
    return false;
  }
}

}  // namespace

std::string DefaultCacheFolder() {
  if (const char* s = std::getenv("SYNTHUB_CACHE"); s && *s) return s;
  const std::string user = UserCacheDir();
  return user.empty() ? "./.cache/synthub" : user;
}

CategoryParams CachedParams(const Recipe& recipe, const ParamsCacheOptions& o, bool* made) {
  const Family& family = FamilyOf(recipe);
  const std::string hash = Sha256Hex(RecipeToJson(recipe));
  const std::string name = hash + ".ustar";
  if (made) *made = false;
  CategoryParams params;
  const std::vector<std::string> shared =
      o.shared_caches.empty() ? SplitColons(std::getenv("SYNTHUB_SHARED_CACHE")) : o.shared_caches;
  for (const std::string& tier : shared) {
    if (TryRead(family, JoinPath(JoinPath(tier, "params"), name), &params)) return params;
  }
  const std::string dir = JoinPath(o.cache.empty() ? DefaultCacheFolder() : o.cache, "params");
  const std::string path = JoinPath(dir, name);
  if (TryRead(family, path, &params)) return params;
  bool writable = true;
  try {
    MakeDirs(dir);
  } catch (const Error& e) {
    LogWarn(std::string("params cache: cannot keep the categories (") + e.what() + ")");
    writable = false;
  }
  // One searcher per cache folder; whoever waited reads its result. Without
  // flock (or a folder to write) each process searches for itself.
  std::unique_ptr<FileLock> lock;
  if (writable) {
    try {
      lock = std::make_unique<FileLock>(JoinPath(dir, hash + ".lock"), /*exclusive=*/true);
    } catch (const Error&) {
    }
  }
  if (writable && TryRead(family, path, &params)) return params;
  LogInfo("making the parameters of " + std::to_string(recipe.categories) + " " + recipe.family +
          " categories" + (writable ? " (once; kept in " + path + ")" : ""));
  params = family.MakeParams(recipe, o.threads, o.progress);
  if (made) *made = true;
  if (!writable) return params;
  const std::string tmp = path + ".tmp." + std::to_string(::getpid());
  try {
    family.WriteParamsArchive(tmp, params);
    if (std::rename(tmp.c_str(), path.c_str()) != 0) throw Error(path + ": " + ErrnoText(errno));
  } catch (const Error& e) {
    std::remove(tmp.c_str());
    LogWarn(std::string("params cache: cannot keep the categories (") + e.what() + ")");
  }
  return params;
}

}  // namespace synthub::recipe
