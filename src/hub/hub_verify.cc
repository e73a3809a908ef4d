// synthub hub verify: a store checked end to end (VerifyStore in hub.h).
#include <algorithm>
#include <map>
#include <string>
#include <vector>

#include "hub/hub.h"
#include "synthub/error.h"
#include "util/file.h"
#include "util/hex.h"
#include "util/sha256.h"

namespace synthub::hub {
StoreReport VerifyStore(const Hub& hub) {
  StoreReport report;
  auto problem = [&](const std::string& what) { report.problems.push_back(what); };
  const std::string integrity = hub.CatalogIntegrity();
  if (integrity != "ok") problem(hub.CatalogDescription() + ": integrity check: " + integrity);

  // Revisions: manifest bytes, id, file rows, blobs present with their sizes.
  std::map<std::string, uint64_t> referenced;  // sha256 -> size
  for (const Revision& r : hub.List(Query{})) {
    ++report.revisions;
    const std::string where = "revision " + r.name + "@" + r.id;
    Revision m;
    try {
      m = ParseRevisionManifest(r.manifest_json);
    } catch (const Error& e) {
      problem(where + ": " + e.what());
      continue;
    }
    if (m.id != r.id) problem(where + ": its manifest hashes to " + m.id);
    if (m.name != r.name || m.kind != r.kind) problem(where + ": catalogued as " + r.kind + " " + r.name);
    bool rows_match = m.files.size() == r.files.size();
    for (size_t i = 0; rows_match && i < m.files.size(); ++i) {
      rows_match = m.files[i].path == r.files[i].path && m.files[i].size == r.files[i].size &&
                   m.files[i].sha256 == r.files[i].sha256;
    }
    if (!rows_match) problem(where + ": the catalogue's file list differs from the manifest");
    for (const FileEntry& f : m.files) {
      ++report.files;
      referenced[f.sha256] = f.size;
      const std::string blob = hub.BlobPath(f.sha256);
      if (!PathExists(blob)) {
        problem(where + ": " + f.path + ": blob " + f.sha256 + " is missing");
      } else if (FileSize(blob) != f.size) {
        problem(where + ": " + f.path + ": blob " + f.sha256 + " has " + std::to_string(FileSize(blob)) +
                " bytes, the manifest says " + std::to_string(f.size));
      }
    }
  }

  // Blobs: every file under blobs/sha256/XX/ is named by its content's hash.
  const std::string root = JoinPath(hub.dir(), "blobs/sha256");
  for (const std::string& prefix : ListDirectory(root)) {
    const std::string dir = JoinPath(root, prefix);
    if (prefix.size() != 2 || !IsLowerHex(prefix) || !IsDirectory(dir)) {
      problem(dir + ": not a blob folder");
      continue;
    }
    for (const std::string& name : ListDirectory(dir)) {
      const std::string path = JoinPath(dir, name);
      if (!IsSha256Hex(name) || name.compare(0, 2, prefix) != 0 || IsDirectory(path)) {
        problem(path + ": not a blob (stray file)");
        continue;
      }
      uint64_t size = 0;
      std::string got;
      try {
        got = Sha256File(path, &size);
      } catch (const Error& e) {
        // hub gc, running beside us, may remove an unreferenced blob.
        if (!referenced.count(name) && !PathExists(path)) continue;
        problem(path + ": " + e.what());
        continue;
      }
      ++report.blobs;
      report.blob_bytes += size;
      if (got != name) problem(path + ": content hashes to " + got + " (" + std::to_string(size) + " bytes)");
      if (!referenced.count(name)) ++report.unreferenced_blobs;
    }
  }
  report.temporaries = ListDirectory(JoinPath(hub.dir(), "tmp")).size();
  return report;
}

}  // namespace synthub::hub
