#include "hub/revision_json.h"

#include <algorithm>
#include <cctype>
#include <string>
#include <vector>

namespace synthub::hub {

using json = nlohmann::json;

uint64_t RevisionSize(const Revision& r) {
  uint64_t n = 0;
  for (const FileEntry& f : r.files) n += f.size;
  return n;
}

std::string ShardPattern(const Revision& r) {
  std::vector<std::string> shards;
  for (const FileEntry& f : r.files) {
    const std::string& p = f.path;
    if (p.size() > 4 && p.compare(p.size() - 4, 4, ".tar") == 0 && p.find('/') == std::string::npos &&
        p != "params.tar") {
      shards.push_back(p);
    }
  }
  if (shards.empty()) return "";
  std::sort(shards.begin(), shards.end());
  // prefix + digits + ".tar", the digits of one width, consecutive.
  auto split = [](const std::string& s, std::string* prefix, std::string* digits) {
    size_t end = s.size() - 4, begin = end;
    while (begin > 0 && std::isdigit(static_cast<unsigned char>(s[begin - 1]))) --begin;
    *prefix = s.substr(0, begin);
    *digits = s.substr(begin, end - begin);
    return !digits->empty() && digits->size() <= 18;
  };
  std::string prefix, first, p, d;
  if (!split(shards.front(), &prefix, &first)) return "";
  for (size_t i = 0; i < shards.size(); ++i) {
    if (!split(shards[i], &p, &d) || p != prefix || d.size() != first.size() ||
        std::stoull(d) != std::stoull(first) + i) {
      return "";
    }
  }
  if (shards.size() == 1) return shards.front();
  return prefix + "{" + first + ".." + d + "}.tar";
}

json RevisionJson(const Revision& r, bool full) {
  json j = {{"id", r.id},
            {"kind", r.kind},
            {"name", r.name},
            {"created", r.created},
            {"tags", r.tags},
            {"license", r.license},
            {"architecture", r.architecture},
            {"dataset", r.dataset},
            {"base_model", r.base_model},
            {"size", RevisionSize(r)},
            {"file_count", r.files.size()}};
  const json manifest = json::parse(r.manifest_json, nullptr, false);
  j["meta"] = manifest.is_object() && manifest.contains("meta") ? manifest["meta"] : json::object();
  if (full) {
    json files = json::array();
    for (const FileEntry& f : r.files) files.push_back({{"path", f.path}, {"size", f.size}, {"sha256", f.sha256}});
    j["files"] = std::move(files);
    j["card"] = r.card;
    j["manifest_json"] = r.manifest_json;
    if (r.kind == "dataset") j["shard_pattern"] = ShardPattern(r);
  }
  return j;
}

}  // namespace synthub::hub
