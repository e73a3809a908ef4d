// synthub hub gc: unreferenced blobs removed after a grace period
// (CollectGarbage in hub.h).
#include <sys/stat.h>

#include <cerrno>
#include <cstdio>
#include <ctime>
#include <set>
#include <string>

#include "hub/hub.h"
#include "synthub/error.h"
#include "util/file.h"
#include "util/hex.h"

namespace synthub::hub {

GcReport CollectGarbage(const Hub& hub, int64_t grace_seconds, bool dry_run) {
  hub.LockStore(/*exclusive=*/true);  // no commit runs meanwhile
  struct Unlock {
    const Hub& hub;
    ~Unlock() { hub.UnlockStore(); }
  } unlock{hub};
  std::set<std::string> referenced;
  for (const Revision& r : hub.List(Query{})) {
    for (const FileEntry& f : r.files) referenced.insert(f.sha256);
  }
  GcReport report;
  const std::time_t cutoff = std::time(nullptr) - grace_seconds;
  const std::string root = JoinPath(hub.dir(), "blobs/sha256");
  for (const std::string& prefix : ListDirectory(root)) {
    for (const std::string& name : ListDirectory(JoinPath(root, prefix))) {
      const std::string path = JoinPath(JoinPath(root, prefix), name);
      const bool blob_name = IsSha256Hex(name);
      struct stat st;
      if (!blob_name || ::lstat(path.c_str(), &st) != 0 || !S_ISREG(st.st_mode)) {
        continue;  // not a blob: hub verify reports it, gc leaves it to a person
      }
      ++report.blobs;
      if (referenced.count(name)) continue;
      ++report.unreferenced;
      if (st.st_mtime > cutoff) {
        ++report.kept_recent;
        continue;
      }
      if (!dry_run && std::remove(path.c_str()) != 0) {
        throw Error(path + ": cannot remove: " + ErrnoText(errno));
      }
      ++report.removed;
      report.removed_bytes += static_cast<uint64_t>(st.st_size);
    }
  }
  return report;
}

}  // namespace synthub::hub
