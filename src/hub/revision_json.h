// The one JSON description of a revision, shared by `GET /api/revisions...`
// (the web page and clients read it) and `synthub hub list|search|show --json`.
#ifndef SYNTHUB_HUB_REVISION_JSON_H_
#define SYNTHUB_HUB_REVISION_JSON_H_

#include <nlohmann/json.hpp>

#include "hub/hub.h"

namespace synthub::hub {

// {"id", "kind", "name", "created", "tags", "license", "architecture",
//  "dataset", "base_model", "size" (bytes of all files), "file_count",
//  "meta" (the manifest's)}; `full` adds "files" ([{"path", "size",
// "sha256"}]), "card" and "manifest_json" (exactly the bytes whose SHA-256 is
// the id). Lists leave `full` off: a dataset may have 30,000 shards. A full
// dataset's also carries "shard_pattern" (ShardPattern; "" when none).
nlohmann::json RevisionJson(const Revision& r, bool full);

// A dataset revision's shards as one brace pattern that webdataset expands,
// "fractaldb-{000000..000024}.tar": the top-level .tar files but
// params.tar, when their names are one prefix, consecutive zero-padded
// numbers and ".tar". "" when there are none or they do not fit one pattern.
std::string ShardPattern(const Revision& r);

// The total size of a revision's files in bytes.
uint64_t RevisionSize(const Revision& r);

}  // namespace synthub::hub

#endif  // SYNTHUB_HUB_REVISION_JSON_H_
