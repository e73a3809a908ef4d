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

// The Hugging Face Hub download API's paths (docs/hub.md), `path` without
// its leading '/':
//   api/{models|datasets}/OWNER/NAME[/revision/REV]   repository info
//   api/{models|datasets}/OWNER/NAME/tree/REV[/PATH]  file listing
//   [datasets/]OWNER/NAME/{resolve|raw}/REV/PATH      a file
struct HfRoute {
  enum class Op { kInfo, kTree, kFile };
  Op op = Op::kInfo;
  std::string kind;  // "model" | "dataset"
  std::string name;  // "owner/name", validated
  std::string rev;   // tag syntax, validated; "main" when the path names none
  std::string path;  // kTree: "" or a validated path; kFile: a validated path
};
// False when `path` has none of these shapes; throws Error when it has one
// with a bad name, revision or file path.
bool ParseHfRoute(const std::string& path, HfRoute* out);

// The announced size of an upload: X-Size, else Content-Length (decimal,
// 1 to 19 digits). Throws Error when neither is a valid number.
uint64_t ParseUploadSize(const std::string& x_size, const std::string& content_length);

}  // namespace synthub::hub

#endif  // SYNTHUB_HUB_HTTP_ROUTE_H_
