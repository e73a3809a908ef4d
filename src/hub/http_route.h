// The server's request-path and header parsing as pure functions, so they
// can be unit-tested and fuzzed without a socket: the parts of
// /files/OWNER/NAME/REV/PATH, /api/revisions/OWNER/NAME[@REF] and
// /api/tags/OWNER/NAME/TAG, and the announced size of an upload. Each throws
// Error naming the problem (the server answers 400 with that message).
// Thread-safe.
#ifndef SYNTHUB_HUB_HTTP_ROUTE_H_
#define SYNTHUB_HUB_HTTP_ROUTE_H_

#include <cstddef>
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

// The head of an HTTP/1.x request, as the server's front reads it off a
// connection: what it needs to answer a pinned file download itself
// (FileTarget). Anything else goes to the full parser (cpp-httplib).
struct RequestHead {
  size_t size = 0;  // bytes of the head, through its blank line
  std::string method, target, version;
  // The first of each header, names matched case-insensitively; "" when absent.
  std::string connection, range, if_none_match, if_range;
  bool has_body = false;  // Content-Length other than 0, Transfer-Encoding or Expect
  bool simple = false;    // one "METHOD TARGET HTTP/1.x" line, "Name: value" lines, CRLF endings
};
constexpr size_t kMaxRequestHead = 16 << 10;

// 0 while `data` does not yet hold a whole head (and is shorter than
// kMaxRequestHead); else the head's size, with `*out` filled. A head that is
// not simple, or too long, still returns its size (or kMaxRequestHead), with
// out->simple false: the caller leaves it to the full parser. Never throws.
size_t ParseRequestHead(const std::string& data, RequestHead* out);

// A file of a revision, by either download route: /files/OWNER/NAME/REV/PATH,
// or the Hugging Face routes /[datasets/]OWNER/NAME/{resolve|raw}/REV/PATH.
struct FileTarget {
  std::string kind;  // "": the /files route; "model" | "dataset": a Hugging Face route
  std::string name;  // "owner/name", validated
  std::string rev;   // tag syntax, validated: a revision id (64 hex digits), a tag or an id prefix
  std::string path;  // a validated file path, never empty
};
// False for any other target, or one with a query, percent-escapes, or a
// first segment that another route takes (api, blobs, ui). Never throws.
bool ParseFileTarget(const std::string& target, FileTarget* out);

// The announced size of an upload: X-Size, else Content-Length (decimal,
// 1 to 19 digits). Throws Error when neither is a valid number.
uint64_t ParseUploadSize(const std::string& x_size, const std::string& content_length);

}  // namespace synthub::hub

#endif  // SYNTHUB_HUB_HTTP_ROUTE_H_
