// The server's request-path and header parsing as pure functions, so they
// can be unit-tested and fuzzed without a socket: the parts of
// /files/OWNER/NAME/REV/PATH, /api/revisions/OWNER/NAME[@REF] and
// /api/tags/OWNER/NAME/TAG, and the announced size of an upload. Each throws
// Error naming the problem (the server answers 400 with that message).
// Thread-safe.
#ifndef SYNTHUB_HUB_HTTP_ROUTE_H_
#define SYNTHUB_HUB_HTTP_ROUTE_H_

#include <cstdint>
#include <string>
#include <vector>

namespace synthub::hub {

constexpr size_t kMaxRequestPath = 4096;  // bytes of a path after the route prefix

// "a/b//c" -> {"a", "b", "", "c"}; "" -> {""}. Never fails.
std::vector<std::string> SplitPath(const std::string& s);

struct FileRoute {
  std::string name;  // "owner/name", validated
  std::string rev;   // a tag or a revision id (tag syntax), validated
  std::string path;  // "" (list the files) or a validated relative file path
};

// `rest`: what follows "/files/". At most kMaxRequestPath bytes, no NUL.
FileRoute ParseFileRoute(const std::string& rest);

// `ref`: what follows "/api/revisions/": "owner/name" or "owner/name@REF"
// (REF in tag syntax). Returns it unchanged once validated.
std::string ParseRevisionRoute(const std::string& ref);

struct TagRoute {
  std::string name;  // "owner/name", validated
  std::string tag;   // validated
};

// `rest`: what follows "/api/tags/": exactly OWNER/NAME/TAG.
TagRoute ParseTagRoute(const std::string& rest);

// The announced size of an upload: X-Size, else Content-Length (decimal,
// 1 to 19 digits). Throws Error when neither is a valid number.
uint64_t ParseUploadSize(const std::string& x_size, const std::string& content_length);

}  // namespace synthub::hub

#endif  // SYNTHUB_HUB_HTTP_ROUTE_H_
