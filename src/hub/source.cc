#include "hub/source.h"

#include <cctype>
#include <cerrno>
#include <cstdlib>
#include <fcntl.h>
#include <nlohmann/json.hpp>
#include <unistd.h>
#include <vector>

#include "synthub/error.h"
#include "util/file.h"
#include "util/hex.h"
#include "util/json_get.h"
#include "util/sha256.h"

namespace synthub::hub {

std::string UrlEscape(const std::string& s) {
  static const char kHex[] = "0123456789ABCDEF";
  std::string out;
  for (unsigned char c : s) {
    if (std::isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~' || c == '/') {
      out += static_cast<char>(c);
    } else {
      out += '%';
      out += kHex[c >> 4];
      out += kHex[c & 15];
    }
  }
  return out;
}

Source::Source(std::string location, std::string token) : location_(std::move(location)), token_(std::move(token)) {
  while (location_.size() > 1 && location_.back() == '/') location_.pop_back();
  if (!IsUrl(location_)) hub_ = std::make_unique<Hub>(location_);
}

HttpOptions Source::Options(uint64_t from) const {
  HttpOptions o;
  o.token = token_;
  o.range_from = from;
  // A bandwidth cap (bytes/s) for slow links and for the resume test.
  if (const char* cap = std::getenv("SYNTHUB_HUB_MAX_SPEED")) o.max_bytes_per_second = std::strtoull(cap, nullptr, 10);
  return o;
}

Revision Source::Resolve(const std::string& ref) const {
  const size_t at = ref.find('@');
  const std::string name = ref.substr(0, at);
  std::string manifest_json;
  if (hub_) {
    manifest_json = hub_->Resolve(ref).manifest_json;
  } else {
    const std::string url = location_ + "/api/revisions/" + UrlEscape(ref);
    const nlohmann::json j = nlohmann::json::parse(HttpGet(url, Options(0)), nullptr, false);
    if (j.is_discarded()) throw Error(url + ": not JSON");
    manifest_json = JsonGet<std::string>(j, "manifest_json", url);
  }
  Revision r = ParseRevisionManifest(manifest_json);
  // The id is the hash of the bytes: a server (or mirror) cannot lie about a
  // revision named by its full id.
  const std::string rev = at == std::string::npos ? "" : ref.substr(at + 1);
  if (IsSha256Hex(rev) && r.id != rev) {
    throw Error(ref + ": " + location_ + " sent a manifest hashing to " + r.id);
  }
  if (r.name != name) throw Error(ref + ": " + location_ + " sent another revision (" + r.name + ")");
  return r;
}

bool Source::Fetch(const Revision& r, const FileEntry& f, uint64_t from, const HttpSink& sink) const {
  if (hub_) {
    const std::string path = hub_->BlobPath(f.sha256);
    const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) throw Error(path + ": cannot open: " + ErrnoText(errno) + " (blob of " + f.path + ")");
    std::vector<char> buf(1 << 20);
    uint64_t at = from;
    while (true) {
      const ssize_t n = ::pread(fd, buf.data(), buf.size(), static_cast<off_t>(at));
      if (n < 0 && errno == EINTR) continue;
      if (n < 0) {
        const int err = errno;
        ::close(fd);
        throw Error(path + "@" + std::to_string(at) + ": read error: " + ErrnoText(err));
      }
      if (n == 0 || !sink(buf.data(), static_cast<size_t>(n))) break;
      at += static_cast<uint64_t>(n);
    }
    ::close(fd);
    return true;
  }
  const std::string url = location_ + "/files/" + UrlEscape(r.name) + "/" + r.id + "/" + UrlEscape(f.path);
  HttpStream stream(url, Options(from));
  if (stream.status() == 200 && from > 0) return false;  // the Range was ignored: read nothing
  std::vector<char> buf(1 << 20);
  while (const size_t n = stream.Read(buf.data(), buf.size())) {
    if (!sink(buf.data(), n)) throw Error(url + ": the download was refused by its writer");
  }
  return true;
}

std::string Source::FetchSmall(const Revision& r, const FileEntry& f) const {
  std::string bytes;
  Fetch(r, f, 0, [&](const char* data, size_t n) {
    if (bytes.size() + n > f.size) return false;  // longer than the revision says
    bytes.append(data, n);
    return true;
  });
  if (bytes.size() != f.size || Sha256Hex(bytes) != f.sha256) {
    throw Error(location_ + ": " + f.path + " does not match the revision's size and SHA-256");
  }
  return bytes;
}

void Source::CopyTo(const Revision& r, const FileEntry& f, const std::string& dest) const {
  AtomicFile out(dest);
  Sha256 h;
  bool too_long = false;
  Fetch(r, f, 0, [&](const char* data, size_t n) {
    if (out.bytes_written() + n > f.size) {
      too_long = true;
      return false;
    }
    h.Update(data, n);
    out.Write(data, n);
    return true;
  });
  if (too_long || out.bytes_written() != f.size || h.HexDigest() != f.sha256) {
    throw Error(dest + ": " + location_ + "'s copy of " + f.path + " does not match its SHA-256 (damaged blob)");
  }
  out.Commit();
}

bool Source::HasBlob(const FileEntry& f) const { return !hub_ || hub_->HasBlob(f.sha256); }

}  // namespace synthub::hub
