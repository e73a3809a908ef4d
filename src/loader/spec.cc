#include "loader/spec.h"

#include "pack/pack.h"
#include "recipe/recipe.h"
#include "util/http_client.h"
#include "shard/manifest.h"
#include "synthub/error.h"
#include "util/file.h"

namespace synthub::loader {
namespace {

constexpr size_t kMaxExpansion = 1000000;  // shard names; 300M images need 30k

void Expand(const std::string& pattern, std::vector<std::string>* out) {
  const size_t open = pattern.find('{');
  if (open == std::string::npos) {
    if (pattern.find('}') != std::string::npos) throw UsageError("unbalanced '}' in '" + pattern + "'");
    out->push_back(pattern);
    if (out->size() > kMaxExpansion) throw UsageError("shard spec expands to too many names");
    return;
  }
  const size_t close = pattern.find('}', open);
  if (close == std::string::npos) throw UsageError("unbalanced '{' in '" + pattern + "'");
  const std::string body = pattern.substr(open + 1, close - open - 1);
  const std::string head = pattern.substr(0, open), tail = pattern.substr(close + 1);
  const size_t dots = body.find("..");
  if (dots != std::string::npos) {
    const std::string a = body.substr(0, dots), b = body.substr(dots + 2);
    if (a.empty() || b.empty() || a.size() > 18 || b.size() > 18 ||
        a.find_first_not_of("0123456789") != std::string::npos ||
        b.find_first_not_of("0123456789") != std::string::npos) {
      throw UsageError("bad range {" + body + "} in '" + pattern + "'");
    }
    const uint64_t lo = std::stoull(a), hi = std::stoull(b);
    if (hi < lo || hi - lo >= kMaxExpansion) throw UsageError("bad range {" + body + "}");
    for (uint64_t i = lo; i <= hi; ++i) {
      std::string num = std::to_string(i);
      if (num.size() < a.size()) num.insert(0, a.size() - num.size(), '0');
      Expand(head + num + tail, out);
    }
    return;
  }
  size_t start = 0;
  while (true) {
    const size_t comma = body.find(',', start);
    const std::string item = body.substr(start, comma == std::string::npos ? std::string::npos : comma - start);
    Expand(head + item + tail, out);
    if (comma == std::string::npos) break;
    start = comma + 1;
  }
}

bool LooksLikeShard(const std::string& s) {
  return s.find(".tar") != std::string::npos;
}

std::string ReadLocation(const std::string& location) {
  return IsUrl(location) ? HttpGet(location) : ReadFile(location);
}

// A dataset folder or URL: manifest.json lists the shards and counts. For
// render: the dataset must have been generated (its recipe renders it).
ResolvedSpec FromManifest(const std::string& base, bool render) {
  std::string dir = base;
  while (dir.size() > 1 && dir.back() == '/') dir.pop_back();
  const std::string manifest_path = dir + "/" + shard::kManifestName;
  const shard::Manifest m = shard::ParseManifest(ReadLocation(manifest_path), manifest_path);
  if (render && !shard::IsGenerated(m)) {
    throw Error(manifest_path + ": a " + shard::SampleSourceName(m.source) +
                " dataset has no recipe to render; read its shards instead of render:");
  }
  ResolvedSpec r;
  for (const auto& s : m.shards) r.shards.push_back({dir + "/" + s.name, s.samples, s.bytes, s.sha256});
  r.num_classes = static_cast<int>(m.num_classes);
  r.recipe_json = m.recipe_json;
  if (const shard::FileRecord* params = shard::FindParamsFile(m)) {
    r.params_file = dir + "/" + params->name;
  }
  return r;
}

}  // namespace

std::vector<std::string> ExpandBraces(const std::string& pattern) {
  std::vector<std::string> out;
  Expand(pattern, &out);
  return out;
}

std::unique_ptr<ByteStream> OpenLocation(const std::string& location) {
  if (IsUrl(location)) return std::make_unique<HttpStream>(location);
  return std::make_unique<FileStream>(location);
}

ResolvedSpec ResolveSpec(const std::string& spec) {
  if (spec.empty()) throw UsageError("empty shard spec");
  if (spec.rfind("render:", 0) == 0) {
    const std::string what = spec.substr(7);
    ResolvedSpec r;
    r.render = true;
    if (IsUrl(what) || IsDirectory(what)) {
      ResolvedSpec m = FromManifest(what, /*render=*/true);
      r.recipe_json = m.recipe_json;
      r.params_file = m.params_file;
      r.num_classes = m.num_classes;
    } else {
      const recipe::Recipe recipe = recipe::PresetRecipe(what);  // throws UsageError
      r.recipe_json = recipe::RecipeToJson(recipe);
      r.num_classes = recipe.categories;
    }
    return r;
  }
  const bool folder_prefix = spec.rfind("imagefolder:", 0) == 0;
  const std::string folder = folder_prefix ? spec.substr(12) : spec;
  if (folder_prefix || (IsDirectory(spec) && !PathExists(JoinPath(spec, shard::kManifestName)))) {
    const pack::ImageFolder f = pack::ListImageFolder(folder);
    ResolvedSpec r;
    r.image_folder = true;
    r.num_classes = static_cast<int>(f.classes.size());
    for (const auto& item : f.items) r.files.emplace_back(item.path, item.label);
    r.shards.push_back({folder, f.items.size(), 0, ""});
    return r;
  }
  ResolvedSpec r;
  size_t start = 0;
  while (start <= spec.size()) {
    const size_t sep = spec.find("::", start);
    const std::string part = spec.substr(start, sep == std::string::npos ? std::string::npos : sep - start);
    if (!part.empty()) {
      if (!LooksLikeShard(part) && (IsUrl(part) || IsDirectory(part))) {
        ResolvedSpec m = FromManifest(part, /*render=*/false);
        r.shards.insert(r.shards.end(), m.shards.begin(), m.shards.end());
        r.num_classes = std::max(r.num_classes, m.num_classes);
      } else {
        for (const std::string& name : ExpandBraces(part)) r.shards.push_back({name, kUnknownCount, 0, ""});
      }
    }
    if (sep == std::string::npos) break;
    start = sep + 2;
  }
  if (r.shards.empty()) throw UsageError("shard spec '" + spec + "' names no shards");
  return r;
}

}  // namespace synthub::loader
