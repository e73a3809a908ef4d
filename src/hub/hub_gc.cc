// synthub hub gc: unreferenced blobs removed after a grace period
// (CollectGarbage in hub.h).
#include <dirent.h>
#include <sys/stat.h>

#include <cstdio>
#include <ctime>
#include <set>
#include <string>

#include "hub/hub.h"
#include "synthub/error.h"
#include "util/file.h"

namespace synthub::hub {

GcReport CollectGarbage(const Hub& hub, int64_t grace_seconds, bool dry_run) {
  const Hub::Lock lock(hub.dir(), /*exclusive=*/true);  // no commit runs meanwhile
  std::set<std::string> referenced;
  for (const Revision& r : hub.List(Query{})) {
    for (const FileEntry& f : r.files) referenced.insert(f.sha256);
  }
  GcReport report;
  const std::time_t cutoff = std::time(nullptr) - grace_seconds;
  const std::string root = JoinPath(hub.dir(), "blobs/sha256");
  DIR* top = ::opendir(root.c_str());
  if (!top) return report;  // an empty store
  while (dirent* shard = ::readdir(top)) {
    const std::string prefix = shard->d_name;
    if (prefix == "." || prefix == "..") continue;
    const std::string sub = JoinPath(root, prefix);
    DIR* d = ::opendir(sub.c_str());
    if (!d) continue;
    while (dirent* e = ::readdir(d)) {
      const std::string name = e->d_name;
      if (name == "." || name == "..") continue;
      const std::string path = JoinPath(sub, name);
      struct stat st;
      const bool blob_name =
          name.size() == 64 && name.find_first_not_of("0123456789abcdef") == std::string::npos;
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
        const int err = errno;
        ::closedir(d);
        ::closedir(top);
        throw Error(path + ": cannot remove: " + ErrnoText(err));
      }
      ++report.removed;
      report.removed_bytes += static_cast<uint64_t>(st.st_size);
    }
    ::closedir(d);
  }
  ::closedir(top);
  return report;
}

}  // namespace synthub::hub
