// Where a revision's bytes come from, for hub pull and hub materialize: a hub
// server (http(s)://, read through util/http_client.h with the bearer token
// on every request) or a local hub folder (a store, or a mirror of one).
// Every revision is checked: its id is the SHA-256 of its manifest bytes, and
// the id and name asked for. Thread-safe once constructed (Fetch, CopyTo and
// FetchSmall may run on several threads at once).
#ifndef SYNTHUB_HUB_SOURCE_H_
#define SYNTHUB_HUB_SOURCE_H_

#include <cstdint>
#include <memory>
#include <string>

#include "hub/hub.h"
#include "util/http_client.h"

namespace synthub::hub {

class Source {
 public:
  // `location`: "http(s)://host:port" or a hub folder (throws Error when it
  // is not a hub). `token` is sent as a bearer token, never logged.
  Source(std::string location, std::string token);
  Source(const Source&) = delete;
  Source& operator=(const Source&) = delete;

  bool remote() const { return !hub_; }
  const std::string& location() const { return location_; }

  // The revision `ref` ("owner/name[@tag|@id|@prefix]") names, parsed from
  // its manifest with the strict parser. Throws Error when the source does
  // not know it, or answers another name or (for a full id) another id.
  Revision Resolve(const std::string& ref) const;

  // Streams `f`'s bytes from byte `from` into `sink`. Returns false when the
  // source ignored the offset and sent the whole file from byte 0.
  bool Fetch(const Revision& r, const FileEntry& f, uint64_t from, const HttpSink& sink) const;

  // A whole (small) file in memory, checked against its size and SHA-256.
  std::string FetchSmall(const Revision& r, const FileEntry& f) const;

  // Writes `f` to `dest` (atomically), hashing the copy; throws Error naming
  // the file when its bytes do not match the revision.
  void CopyTo(const Revision& r, const FileEntry& f, const std::string& dest) const;

  // Whether the source holds `f`'s bytes (a server: assumed; a local store
  // may keep only the recipes of regenerable datasets).
  bool HasBlob(const FileEntry& f) const;

 private:
  HttpOptions Options(uint64_t from) const;

  std::string location_;
  std::string token_;
  std::unique_ptr<Hub> hub_;  // a local store; null for a server
};

// Percent-encodes everything but unreserved characters and '/'.
std::string UrlEscape(const std::string& s);

}  // namespace synthub::hub

#endif  // SYNTHUB_HUB_SOURCE_H_
