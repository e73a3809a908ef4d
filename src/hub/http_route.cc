#include "hub/http_route.h"

#include <strings.h>

#include <cstring>

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

size_t ParseRequestHead(const std::string& data, RequestHead* out) {
  *out = RequestHead();
  const size_t end = data.find("\r\n\r\n");
  const size_t bare = data.find("\n\n");
  if (end == std::string::npos || end + 4 > kMaxRequestHead || (bare != std::string::npos && bare < end)) {
    // A bare-LF head, or no end in sight: the full parser's business.
    if (bare != std::string::npos && (end == std::string::npos || bare < end)) {
      out->size = bare + 2;
      return out->size;
    }
    if (data.size() < kMaxRequestHead) return 0;
    out->size = kMaxRequestHead;
    return out->size;
  }
  out->size = end + 4;
  // The request line: METHOD SP TARGET SP HTTP/1.x
  const size_t line_end = data.find("\r\n");
  const size_t sp1 = data.find(' ');
  const size_t sp2 = sp1 == std::string::npos ? sp1 : data.find(' ', sp1 + 1);
  if (sp1 == 0 || sp2 == std::string::npos || sp2 >= line_end || sp2 == sp1 + 1) return out->size;
  out->method = data.substr(0, sp1);
  out->target = data.substr(sp1 + 1, sp2 - sp1 - 1);
  out->version = data.substr(sp2 + 1, line_end - sp2 - 1);
  if (out->version != "HTTP/1.1" && out->version != "HTTP/1.0") return out->size;
  for (char c : out->method + out->target) {
    if (static_cast<unsigned char>(c) <= 0x20 || c == 0x7f) return out->size;
  }
  // Header lines: "Name: value"
  bool have_connection = false, have_range = false, have_inm = false, have_if_range = false;
  for (size_t pos = line_end + 2; pos < end + 2;) {
    const size_t eol = data.find("\r\n", pos);
    const size_t colon = data.find(':', pos);
    if (colon == std::string::npos || colon >= eol || colon == pos) return out->size;
    for (size_t i = pos; i < colon; ++i) {
      const unsigned char c = static_cast<unsigned char>(data[i]);
      if (c <= 0x20 || c == 0x7f) return out->size;  // also rules out folded lines
    }
    size_t v = colon + 1, ve = eol;
    while (v < ve && (data[v] == ' ' || data[v] == '\t')) ++v;
    while (ve > v && (data[ve - 1] == ' ' || data[ve - 1] == '\t')) --ve;
    for (size_t i = v; i < ve; ++i) {
      const unsigned char c = static_cast<unsigned char>(data[i]);
      if ((c < 0x20 && c != '\t') || c == 0x7f) return out->size;
    }
    const std::string value = data.substr(v, ve - v);
    auto is = [&](const char* name) {  // the header's name, in any case
      return colon - pos == std::strlen(name) && ::strncasecmp(data.data() + pos, name, colon - pos) == 0;
    };
    auto first = [&](bool* seen, std::string* field) {
      if (!*seen) *field = value;
      *seen = true;
    };
    if (is("connection")) {
      first(&have_connection, &out->connection);
    } else if (is("range")) {
      first(&have_range, &out->range);
    } else if (is("if-none-match")) {
      first(&have_inm, &out->if_none_match);
    } else if (is("if-range")) {
      first(&have_if_range, &out->if_range);
    } else if (is("content-length")) {
      out->has_body = out->has_body || value.find_first_not_of('0') != std::string::npos || value.empty();
    } else if (is("transfer-encoding") || is("expect")) {
      out->has_body = true;
    }
    pos = eol + 2;
  }
  out->simple = true;
  return out->size;
}

bool ParseFileTarget(const std::string& target, FileTarget* out) {
  if (target.size() < 2 || target[0] != '/' || target.size() > kMaxRequestPath) return false;
  if (target.find_first_of("%?#\\") != std::string::npos) return false;
  FileTarget t;
  try {
    if (target.compare(0, 7, "/files/") == 0) {
      const FileRoute r = ParseFileRoute(target.substr(7));
      t.name = r.name;
      t.rev = r.rev;
      t.path = r.path;
    } else {
      const size_t slash = target.find('/', 1);
      const std::string first = target.substr(1, slash == std::string::npos ? slash : slash - 1);
      if (first == "api" || first == "blobs" || first == "ui") return false;
      HfRoute r;
      if (!ParseHfRoute(target.substr(1), &r) || r.op != HfRoute::Op::kFile) return false;
      t.kind = r.kind;
      t.name = r.name;
      t.rev = r.rev;
      t.path = r.path;
    }
  } catch (const Error&) {
    return false;
  }
  if (t.path.empty()) return false;
  *out = std::move(t);
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
