#include "hub/http_route.h"

#include "hub/hub.h"
#include "synthub/error.h"

namespace synthub::hub {

std::vector<std::string> SplitPath(const std::string& s) {
  std::vector<std::string> parts;
  size_t start = 0;
  while (true) {
    const size_t slash = s.find('/', start);
    parts.push_back(s.substr(start, slash == std::string::npos ? std::string::npos : slash - start));
    if (slash == std::string::npos) break;
    start = slash + 1;
  }
  return parts;
}

FileRoute ParseFileRoute(const std::string& rest) {
  if (rest.size() > kMaxRequestPath || rest.find('\0') != std::string::npos) throw Error("bad file path");
  const std::vector<std::string> parts = SplitPath(rest);
  if (parts.size() < 3) throw Error("expected /files/OWNER/NAME/REVISION/PATH");
  FileRoute r;
  r.name = parts[0] + "/" + parts[1];
  r.rev = parts[2];
  ValidateName(r.name);
  ValidateTag(r.rev);
  for (size_t i = 3; i < parts.size(); ++i) r.path += (i > 3 ? "/" : "") + parts[i];
  if (!r.path.empty()) ValidatePath(r.path);
  return r;
}

std::string ParseRevisionRoute(const std::string& ref) {
  if (ref.size() > kMaxRequestPath || ref.find('\0') != std::string::npos) throw Error("bad revision reference");
  const size_t at = ref.find('@');
  ValidateName(ref.substr(0, at));
  if (at != std::string::npos) ValidateTag(ref.substr(at + 1));
  return ref;
}

TagRoute ParseTagRoute(const std::string& rest) {
  const std::vector<std::string> parts = SplitPath(rest);
  if (parts.size() != 3) throw Error("expected /api/tags/OWNER/NAME/TAG");
  TagRoute r;
  r.name = parts[0] + "/" + parts[1];
  ValidateName(r.name);
  ValidateTag(parts[2]);
  r.tag = parts[2];
  return r;
}

uint64_t ParseUploadSize(const std::string& x_size, const std::string& content_length) {
  const std::string& text = x_size.empty() ? content_length : x_size;
  if (text.empty() || text.size() > 19 || text.find_first_not_of("0123456789") != std::string::npos) {
    throw Error("the upload needs X-Size or Content-Length");
  }
  return std::stoull(text);
}

}  // namespace synthub::hub
