// Names, tags, paths and the canonical revision manifest (docs/hub.md).
#include <algorithm>
#include <cstdio>
#include <limits>
#include <nlohmann/json.hpp>

#include "hub/hub.h"
#include "synthub/error.h"
#include "util/hex.h"
#include "util/json_get.h"
#include "util/sha256.h"

namespace synthub::hub {
namespace {

using json = nlohmann::json;

constexpr const char* kFormat = "synthub-revision";
constexpr int kVersion = 1;
constexpr size_t kMaxPath = 1024;       // bytes, whole path
constexpr size_t kMaxComponent = 255;   // bytes, one path component
constexpr size_t kMaxPart = 64;         // owner, name, tag
constexpr size_t kMaxMetaText = 512;    // license, architecture, lineage strings

// A bad value, safe to show in a message: printable ASCII, clipped.
std::string Shown(const std::string& s) {
  std::string out;
  for (char c : s.substr(0, 80)) {
    const unsigned char u = static_cast<unsigned char>(c);
    if (u < 0x20 || u >= 0x7f) {
      char buf[8];
      std::snprintf(buf, sizeof(buf), "\\x%02x", u);
      out += buf;
    } else {
      out += c;
    }
  }
  if (s.size() > 80) out += "...";
  return "'" + out + "'";
}

void ValidatePart(const std::string& part, const std::string& what, const std::string& full) {
  if (part.empty() || part.size() > kMaxPart) {
    throw Error("bad " + what + " in name " + Shown(full) + ": 1 to 64 characters");
  }
  if (part[0] == '.') throw Error("bad " + what + " in name " + Shown(full) + ": starts with '.'");
  for (char c : part) {
    if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '_' || c == '.')) {
      throw Error("bad name " + Shown(full) +
                  ": owner/name use lower-case letters, digits, '-', '_' and '.'");
    }
  }
}

// A meta string (licence, architecture, lineage): short, no control chars.
std::string MetaText(const json& meta, const char* key) {
  auto it = meta.find(key);
  if (it == meta.end() || it->is_null()) return "";
  if (!it->is_string()) throw Error("revision manifest: meta." + std::string(key) + " must be a string");
  const std::string s = it->get<std::string>();
  if (s.size() > kMaxMetaText) throw Error("revision manifest: meta." + std::string(key) + " is too long");
  for (char c : s) {
    if (static_cast<unsigned char>(c) < 0x20) {
      throw Error("revision manifest: meta." + std::string(key) + " holds a control character");
    }
  }
  return s;
}

}  // namespace

std::string QuoteForMessage(const std::string& s) { return Shown(s); }

// --- validation and the revision manifest --------------------------------

void ValidateName(const std::string& name) {
  const size_t slash = name.find('/');
  if (slash == std::string::npos || name.find('/', slash + 1) != std::string::npos) {
    throw Error("bad name " + Shown(name) + ": expected owner/name");
  }
  ValidatePart(name.substr(0, slash), "owner", name);
  ValidatePart(name.substr(slash + 1), "name", name);
}

void ValidateTag(const std::string& tag) {
  if (tag.empty() || tag.size() > kMaxPart) throw Error("bad tag " + Shown(tag) + ": 1 to 64 characters");
  if (tag[0] == '.' || tag[0] == '-') throw Error("bad tag " + Shown(tag) + ": starts with '" + tag[0] + "'");
  for (char c : tag) {
    if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' ||
          c == '_' || c == '.')) {
      throw Error("bad tag " + Shown(tag) + ": use letters, digits, '-', '_' and '.'");
    }
  }
}

void ValidatePath(const std::string& path) {
  if (path.empty()) throw Error("bad file path: empty");
  if (path.size() > kMaxPath) throw Error("bad file path " + Shown(path) + ": longer than 1024 bytes");
  if (path[0] == '/') throw Error("bad file path " + Shown(path) + ": absolute");
  size_t begin = 0;
  while (begin <= path.size()) {
    size_t end = path.find('/', begin);
    if (end == std::string::npos) end = path.size();
    const std::string part = path.substr(begin, end - begin);
    if (part.empty()) throw Error("bad file path " + Shown(path) + ": empty component");
    if (part == "." || part == "..") throw Error("bad file path " + Shown(path) + ": '" + part + "' component");
    if (part[0] == '.') throw Error("bad file path " + Shown(path) + ": hidden component");
    if (part.size() > kMaxComponent) throw Error("bad file path " + Shown(path) + ": component over 255 bytes");
    for (char c : part) {
      const unsigned char u = static_cast<unsigned char>(c);
      if (u < 0x20 || u == 0x7f || c == '\\') {
        throw Error("bad file path " + Shown(path) + ": control character or backslash");
      }
    }
    begin = end + 1;
  }
}

void ValidateSha256(const std::string& hex) {
  if (!IsSha256Hex(hex)) {
    throw Error("bad SHA-256 " + Shown(hex) + ": expected 64 lower-case hex digits");
  }
}

std::string RevisionManifestJson(const std::string& kind, const std::string& name,
                                 std::vector<FileEntry> files, const std::string& meta_json) {
  std::sort(files.begin(), files.end(),
            [](const FileEntry& a, const FileEntry& b) { return a.path < b.path; });
  json j;
  j["format"] = kFormat;
  j["version"] = kVersion;
  j["kind"] = kind;
  j["name"] = name;
  j["files"] = json::array();
  for (const FileEntry& f : files) j["files"].push_back({{"path", f.path}, {"size", f.size}, {"sha256", f.sha256}});
  j["meta"] = meta_json.empty() ? json::object() : json::parse(meta_json);
  return j.dump();
}

Revision ParseRevisionManifest(const std::string& manifest_json) {
  const std::string where = "revision manifest";
  json j;
  try {
    j = json::parse(manifest_json);
  } catch (const json::exception& e) {
    throw Error(where + ": not JSON: " + e.what());
  }
  if (!j.is_object()) throw Error(where + ": not a JSON object");
  for (auto it = j.begin(); it != j.end(); ++it) {
    static const char* const kKeys[] = {"format", "version", "kind", "name", "files", "meta"};
    if (std::find_if(std::begin(kKeys), std::end(kKeys), [&](const char* k) { return it.key() == k; }) ==
        std::end(kKeys)) {
      throw Error(where + ": unknown field " + Shown(it.key()));
    }
  }
  if (JsonGet<std::string>(j, "format", where) != kFormat) throw Error(where + ": format is not " + kFormat);
  if (JsonGet<int>(j, "version", where) != kVersion) throw Error(where + ": unsupported version");
  Revision r;
  r.kind = JsonGet<std::string>(j, "kind", where);
  if (r.kind != "dataset" && r.kind != "model") throw Error(where + ": kind must be dataset or model");
  r.name = JsonGet<std::string>(j, "name", where);
  ValidateName(r.name);
  const json& files = j.at("files");
  if (!files.is_array()) throw Error(where + ": files must be an array");
  for (const json& f : files) {
    FileEntry e;
    e.path = JsonGet<std::string>(f, "path", where + " file");
    ValidatePath(e.path);
    e.size = JsonGet<uint64_t>(f, "size", where + " " + e.path);
    if (e.size > static_cast<uint64_t>(std::numeric_limits<int64_t>::max())) {
      throw Error(where + " " + e.path + ": size out of range");
    }
    e.sha256 = JsonGet<std::string>(f, "sha256", where + " " + e.path);
    ValidateSha256(e.sha256);
    if (f.size() != 3) throw Error(where + " " + e.path + ": unknown file fields");
    if (!r.files.empty() && !(r.files.back().path < e.path)) {
      throw Error(where + ": files not sorted by path or repeated at " + Shown(e.path));
    }
    r.files.push_back(std::move(e));
  }
  auto meta = j.find("meta");
  if (meta == j.end() || !meta->is_object()) throw Error(where + ": meta must be an object");
  r.license = MetaText(*meta, "license");
  r.architecture = MetaText(*meta, "architecture");
  r.dataset = MetaText(*meta, "dataset");
  r.base_model = MetaText(*meta, "base_model");
  std::string canonical;
  try {
    canonical = j.dump();
  } catch (const json::exception& e) {
    throw Error(where + ": " + e.what());
  }
  if (canonical != manifest_json) throw Error(where + ": not in canonical form (sorted keys, no spaces)");
  r.manifest_json = manifest_json;
  r.id = Sha256Hex(manifest_json);
  return r;
}

}  // namespace synthub::hub
