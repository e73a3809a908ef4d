// The hub client: pulls a revision's files from a hub server (http(s)://) or
// a local hub folder into a cache, in parallel, resuming partial downloads,
// verifying every byte against the revision's SHA-256 before a file is
// renamed into place.
//
// Cache layout (works on shared cluster file systems: no symlinks, no flock):
//   CACHE/<owner>/<name>/<revision id>/<file path>      complete, verified files
//   CACHE/<owner>/<name>/<revision id>/.revision.json   the revision manifest, written last
//   CACHE/.partial/<sha256>.<pid>.<random>              downloads in progress
// A revision folder with .revision.json is complete. Read-only shared tiers
// (e.g. a cluster-wide cache prepared by an admin) are searched first and
// never written; the user tier receives what they lack.
#ifndef SYNTHUB_HUB_CLIENT_H_
#define SYNTHUB_HUB_CLIENT_H_

#include <string>
#include <vector>

namespace synthub::hub {

struct PullOptions {
  std::string source;                    // "http://host:port" or a local hub folder
  std::string cache;                     // the user tier (written)
  std::vector<std::string> shared_caches;  // read-only tiers, searched first
  int parallel = 4;                      // files downloaded at once
  bool offline = false;                  // no network: fail loudly unless complete in a tier
  std::string token;                     // bearer token (never logged)
  bool progress = true;
};

// Returns the folder holding the complete, verified revision `ref`
// ("owner/name[@tag|@rev]"). Throws Error naming the file on a hash or size
// mismatch, a failed download, or (offline) an incomplete revision.
std::string Pull(const std::string& ref, const PullOptions& options);

}  // namespace synthub::hub

#endif  // SYNTHUB_HUB_CLIENT_H_
