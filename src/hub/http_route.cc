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

bool ParseHfRoute(const std::string& path, HfRoute* out) {
  if (path.size() > kMaxRequestPath || path.find('\0') != std::string::npos) throw Error("bad path");
  const std::vector<std::string> p = SplitPath(path);
  auto join = [&](size_t from) {
    std::string s;
    for (size_t i = from; i < p.size(); ++i) s += (i > from ? "/" : "") + p[i];
    return s;
  };
  HfRoute r;
  if (p.size() >= 4 && p[0] == "api" && (p[1] == "models" || p[1] == "datasets")) {
    r.kind = p[1] == "models" ? "model" : "dataset";
    r.name = p[2] + "/" + p[3];
    r.rev = "main";
    if (p.size() == 4) {
      r.op = HfRoute::Op::kInfo;
    } else if (p.size() == 6 && p[4] == "revision") {
      r.op = HfRoute::Op::kInfo;
      r.rev = p[5];
    } else if (p.size() >= 6 && p[4] == "tree") {
      r.op = HfRoute::Op::kTree;
      r.rev = p[5];
      r.path = join(6);
    } else {
      return false;
    }
  } else {
    const size_t at = !p.empty() && p[0] == "datasets" ? 1 : 0;
    if (p.size() < at + 5 || (p[at + 2] != "resolve" && p[at + 2] != "raw")) return false;
    r.op = HfRoute::Op::kFile;
    r.kind = at ? "dataset" : "model";
    r.name = p[at] + "/" + p[at + 1];
    r.rev = p[at + 3];
    r.path = join(at + 4);
  }
  ValidateName(r.name);
  ValidateTag(r.rev);
  if (!r.path.empty() || r.op == HfRoute::Op::kFile) ValidatePath(r.path);
  *out = std::move(r);
  return true;
}

uint64_t ParseUploadSize(const std::string& x_size, const std::string& content_length) {
  const std::string& text = x_size.empty() ? content_length : x_size;
  if (text.empty() || text.size() > 19 || text.find_first_not_of("0123456789") != std::string::npos) {
    throw Error("the upload needs X-Size or Content-Length");
  }
  return std::stoull(text);
}

}  // namespace synthub::hub
