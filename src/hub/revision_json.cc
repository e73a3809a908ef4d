#include "hub/revision_json.h"

namespace synthub::hub {

using json = nlohmann::json;

uint64_t RevisionSize(const Revision& r) {
  uint64_t n = 0;
  for (const FileEntry& f : r.files) n += f.size;
  return n;
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
  }
  return j;
}

}  // namespace synthub::hub
