// libFuzzer target for the hub server's handling of outside input, as pure
// functions: Range headers, the request paths of /files/, /api/revisions/,
// /api/tags/ and the Hugging Face API (first byte 0xf0 and above), request
// heads and file download targets (0xe0 to 0xef), the upload size header, names, tags and file paths, the
// revision manifest and card front matter. The first byte picks the parser.
// Beyond "no crash", each accepted input must keep the invariants the server
// relies on (a path never escapes the revision, a range stays in the file,
// accepted manifests and cards read back to themselves).
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <nlohmann/json.hpp>
#include <string>

#include "hub/card.h"
#include "hub/http_range.h"
#include "hub/http_route.h"
#include "hub/hub.h"
#include "synthub/error.h"
#include "util/sha256.h"

namespace {

using synthub::hub::FileEntry;
using json = nlohmann::json;

void Check(bool ok) {
  if (!ok) __builtin_trap();
}

// What the server lets through as a file path inside a revision.
void CheckSafePath(const std::string& path) {
  Check(!path.empty() && path.size() <= 1024 && path[0] != '/' && path.back() != '/');
  Check(path.find('\0') == std::string::npos && path.find('\\') == std::string::npos);
  for (const std::string& part : synthub::hub::SplitPath(path)) {
    Check(!part.empty() && part != "." && part != ".." && part[0] != '.');
    for (char c : part) Check(static_cast<unsigned char>(c) >= 0x20 && c != 0x7f);
  }
}

void CheckName(const std::string& name) {
  const size_t slash = name.find('/');
  Check(slash != std::string::npos && slash > 0 && slash + 1 < name.size());
  Check(name.find('/', slash + 1) == std::string::npos && name[0] != '.' && name[slash + 1] != '.');
  for (char c : name) Check((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '_' || c == '.' || c == '/');
}

void CheckTag(const std::string& tag) {
  Check(!tag.empty() && tag.size() <= 64 && tag[0] != '.' && tag[0] != '-');
  Check(tag.find_first_not_of("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_.") ==
        std::string::npos);
}

void FuzzRange(const std::string& text) {
  if (text.size() < 8) return;
  uint64_t size = 0;
  std::memcpy(&size, text.data(), 8);
  if (text[0] & 1) size %= 4096;  // mostly small files, sometimes huge ones
  const std::string header = text.substr(8);
  const synthub::hub::ByteRange r = synthub::hub::ResolveRange(header, size);
  if (r.status == 200) {
    Check(r.begin == 0 && r.length == size && r.content_range.empty());
  } else if (r.status == 206) {
    Check(header.rfind("bytes=", 0) == 0);
    Check(r.length >= 1 && r.begin < size && r.length <= size - r.begin);
    Check(r.content_range == "bytes " + std::to_string(r.begin) + "-" + std::to_string(r.begin + r.length - 1) +
                                 "/" + std::to_string(size));
  } else {
    Check(r.status == 416 && r.length == 0 && r.content_range == "bytes */" + std::to_string(size));
  }
}

void FuzzFileRoute(const std::string& rest) {
  const synthub::hub::FileRoute r = synthub::hub::ParseFileRoute(rest);
  CheckName(r.name);
  CheckTag(r.rev);
  if (!r.path.empty()) CheckSafePath(r.path);
  // The parts are the request path, nothing dropped or added.
  const std::string base = r.name + "/" + r.rev;
  Check(rest == base + (r.path.empty() ? "" : "/" + r.path) || (r.path.empty() && rest == base + "/"));
}

void FuzzRevisionAndTagRoutes(const std::string& text) {
  try {
    const std::string ref = synthub::hub::ParseRevisionRoute(text);
    Check(ref == text);
    const size_t at = ref.find('@');
    CheckName(ref.substr(0, at));
    if (at != std::string::npos) CheckTag(ref.substr(at + 1));
  } catch (const synthub::Error&) {
  }
  const synthub::hub::TagRoute t = synthub::hub::ParseTagRoute(text);
  CheckName(t.name);
  CheckTag(t.tag);
  Check(text == t.name + "/" + t.tag);
}

void FuzzValidators(const std::string& text) {
  try {
    synthub::hub::ValidatePath(text);
    CheckSafePath(text);
  } catch (const synthub::Error&) {
  }
  try {
    synthub::hub::ValidateName(text);
    CheckName(text);
  } catch (const synthub::Error&) {
  }
  try {
    synthub::hub::ValidateTag(text);
    CheckTag(text);
  } catch (const synthub::Error&) {
  }
  Check(synthub::hub::QuoteForMessage(text).size() <= 4 * 80 + 5);
  const size_t nl = text.find('\n');
  if (nl != std::string::npos) {  // the upload size headers
    try {
      const uint64_t n = synthub::hub::ParseUploadSize(text.substr(0, nl), text.substr(nl + 1));
      Check(std::to_string(n).size() <= 20);
    } catch (const synthub::Error&) {
    }
  }
}

void FuzzManifest(const std::string& text) {
  const synthub::hub::Revision r = synthub::hub::ParseRevisionManifest(text);
  Check(r.id == synthub::Sha256Hex(text) && r.manifest_json == text);
  Check(r.kind == "dataset" || r.kind == "model");
  CheckName(r.name);
  for (size_t i = 0; i < r.files.size(); ++i) {
    CheckSafePath(r.files[i].path);
    Check(r.files[i].sha256.size() == 64);
    if (i > 0) Check(r.files[i - 1].path < r.files[i].path);
  }
  // The writer reproduces an accepted manifest byte for byte.
  const json j = json::parse(text);
  Check(synthub::hub::RevisionManifestJson(r.kind, r.name, r.files, j.at("meta").dump()) == text);
}

void FuzzCard(const std::string& text) {
  const json fields = synthub::hub::ParseFrontMatter(text, "fuzz");
  Check(fields.is_object());
  const std::string body = synthub::hub::CardBody(text);
  Check(body.size() <= text.size());
  if (text.size() > 8192) return;  // rendering may grow a block past the 64 KiB limit
  // Rendered and read back, the fields are the same (invalid UTF-8 is
  // replaced by U+FFFD on the way: compare both sides so).
  const json again = synthub::hub::ParseFrontMatter(synthub::hub::RenderCard(fields, body), "fuzz");
  const auto dump = [](const json& v) { return v.dump(-1, ' ', false, json::error_handler_t::replace); };
  Check(dump(again) == dump(fields));
}

// The Hugging Face API's paths: an accepted one names a valid repository and
// revision, and a file path that stays inside the revision.
void FuzzHfRoute(const std::string& path) {
  synthub::hub::HfRoute r;
  if (!synthub::hub::ParseHfRoute(path, &r)) return;
  CheckName(r.name);
  CheckTag(r.rev);
  Check(r.kind == "model" || r.kind == "dataset");
  if (r.op == synthub::hub::HfRoute::Op::kFile || !r.path.empty()) CheckSafePath(r.path);
}

// A request head as the server's front reads it, and the file download it
// may name: the head's size stays within the input, a simple head ends in a
// blank line and has no control bytes in its method or target, and a file
// target's parts are a valid name, a revision in tag syntax and a safe path.
void FuzzRequestHead(const std::string& data) {
  synthub::hub::RequestHead h;
  const size_t n = synthub::hub::ParseRequestHead(data, &h);
  if (n == 0) {
    Check(data.size() < synthub::hub::kMaxRequestHead);
    return;
  }
  Check(n <= data.size() || n == synthub::hub::kMaxRequestHead);
  if (!h.simple) return;
  Check(n >= 4 && n <= data.size() && data.compare(n - 4, 4, "\r\n\r\n") == 0);
  Check(h.version == "HTTP/1.1" || h.version == "HTTP/1.0");
  for (char c : h.method + h.target) Check(static_cast<unsigned char>(c) > 0x20 && c != 0x7f);
  for (const std::string* v : {&h.connection, &h.range, &h.if_none_match, &h.if_range}) {
    Check(v->find_first_of("\r\n") == std::string::npos);
  }
  synthub::hub::FileTarget t;
  if (!synthub::hub::ParseFileTarget(h.target, &t)) return;
  CheckName(t.name);
  CheckTag(t.rev);
  CheckSafePath(t.path);
  Check(t.kind.empty() || t.kind == "model" || t.kind == "dataset");
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  const std::string text(reinterpret_cast<const char*>(data) + 1, size - 1);
  try {
    if (data[0] >= 0xf0) {  // the Hugging Face routes (above the cases below)
      FuzzHfRoute(text);
      return 0;
    }
    if (data[0] >= 0xe0) {  // request heads and file download targets
      FuzzRequestHead(text);
      return 0;
    }
    switch (data[0] % 6) {
      case 0: FuzzRange(text); break;
      case 1: FuzzFileRoute(text); break;
      case 2: FuzzRevisionAndTagRoutes(text); break;
      case 3: FuzzValidators(text); break;
      case 4: FuzzManifest(text); break;
      case 5: FuzzCard(text); break;
    }
  } catch (const synthub::Error&) {
  }
  return 0;
}
