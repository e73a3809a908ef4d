#include "hub/server.h"

#include <httplib.h>

#include <atomic>
#include <algorithm>
#include <cerrno>
#include <csignal>
#include <cstdio>
#include <cstring>
#include <ctime>
#include <fcntl.h>
#include <memory>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <nlohmann/json.hpp>
#include <poll.h>
#include <pthread.h>
#include <sys/sendfile.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <thread>
#include <unistd.h>
#include <unordered_map>

#include "hub/catalogue.h"
#include "hub/front.h"
#include "hub/http_range.h"
#include "hub/http_route.h"
#include "hub/hub.h"
#include "hub/revision_json.h"
#include "hub/web_page.h"
#include "shard/manifest.h"
#include "synthub/error.h"
#include "util/file.h"
#include "util/hex.h"
#include "util/log.h"
#include "util/sha256.h"

namespace synthub::hub {
namespace {

using nlohmann::json;

constexpr size_t kMaxManifestBytes = 64u << 20;  // a revision manifest, a tag body

// An expected failure with the HTTP status to answer.
// `code`: the X-Error-Code header Hugging Face clients read (RepoNotFound,
// RevisionNotFound, EntryNotFound), "" for none.
class HttpError : public Error {
 public:
  HttpError(int status, const std::string& what, std::string code = "")
      : Error(what), status_(status), code_(std::move(code)) {}
  int status() const { return status_; }
  const std::string& code() const { return code_; }

 private:
  int status_;
  std::string code_;
};

// The revision's file at `path`, or null.
const FileEntry* FindFile(const Revision& r, const std::string& path) {
  for (const FileEntry& f : r.files) {
    if (f.path == path) return &f;
  }
  return nullptr;
}

// One Hub per server thread: a Hub holds its own catalogue connection.
Hub& ThreadHub(const std::string& dir) {
  thread_local std::unique_ptr<Hub> hub;
  thread_local std::string hub_dir;
  if (!hub || hub_dir != dir) {
    hub = std::make_unique<Hub>(dir);
    hub_dir = dir;
  }
  return *hub;
}

void SendJson(httplib::Response& res, int status, const json& j) {
  res.status = status;
  // Invalid UTF-8 (a path echoed in an error) becomes U+FFFD instead of throwing.
  res.set_content(j.dump(-1, ' ', false, json::error_handler_t::replace) + "\n", "application/json");
}

// The text of `make()`, a revision's JSON object, as SendJson writes it. A
// revision never changes but for its tags, so each request thread keeps the
// text without "tags" under `key` and adds the tags of the moment: parsing
// the manifest and escaping the card and file list are most of a JSON
// request's time. "tags" goes last, where sorted keys put it.
template <class Make>
std::string TextWithTags(const std::string& key, const Revision& r, Make make) {
  constexpr size_t kMaxCached = 8u << 20;  // bytes per thread
  thread_local std::unordered_map<std::string, std::string> texts;
  thread_local size_t bytes = 0;
  auto dump = [](const json& j) { return j.dump(-1, ' ', false, json::error_handler_t::replace); };
  auto with_tags = [&](std::string text) { return text.insert(text.size() - 1, ",\"tags\":" + dump(r.tags)); };
  auto it = texts.find(key);
  if (it == texts.end()) {
    json j = make();
    j.erase("tags");
    if (j.empty() || (--j.end()).key() > "tags") {  // not where sorted keys put it: no cache
      j["tags"] = r.tags;
      return dump(j);
    }
    std::string text = dump(j);
    if (text.size() > kMaxCached / 16) return with_tags(std::move(text));
    if (bytes + text.size() > kMaxCached) {
      texts.clear();
      bytes = 0;
    }
    bytes += text.size();
    it = texts.emplace(key, std::move(text)).first;
  }
  return with_tags(it->second);
}

// RevisionJson(r, full) as text.
std::string RevisionText(const Revision& r, bool full) {
  return TextWithTags((full ? "full " : "list ") + r.id, r, [&] { return RevisionJson(r, full); });
}

void SendError(httplib::Response& res, int status, const std::string& message) {
  SendJson(res, status, {{"error", message}, {"status", status}});
}

// Runs a validator; its Error becomes a 400 naming the problem.
template <class F>
void Validate(F f) {
  try {
    f();
  } catch (const HttpError&) {
    throw;
  } catch (const CatalogueUnavailable&) {
    throw;  // 503, not a bad request
  } catch (const Error& e) {
    throw HttpError(400, e.what());
  }
}

Revision ResolveOr404(const Hub& hub, const std::string& ref, bool with_tags = true) {
  try {
    return hub.Resolve(ref, with_tags);
  } catch (const CatalogueUnavailable&) {
    throw;  // 503, not a bad request
  } catch (const Error& e) {
    throw HttpError(404, e.what());
  }
}

std::string ContentType(const std::string& path) {
  static const std::pair<const char*, const char*> kTypes[] = {
      {".json", "application/json"}, {".jsonl", "application/x-ndjson"},
      {".png", "image/png"},         {".jpg", "image/jpeg"},
      {".webp", "image/webp"},       {".svg", "image/svg+xml"},
      {".tar", "application/x-tar"}, {".ustar", "application/x-tar"},
      {".md", "text/markdown; charset=utf-8"},
      {".csv", "text/csv"},          {".txt", "text/plain; charset=utf-8"}};
  for (const auto& [ext, type] : kTypes) {
    const size_t n = std::strlen(ext);
    if (path.size() >= n && path.compare(path.size() - n, n, ext) == 0) return type;
  }
  return "application/octet-stream";
}

// --- sendfile ----------------------------------------------------------------

// Sends `length` bytes of `file` from `offset` on `socket` with sendfile(2)
// (page cache to socket, no copy through user space); false when the
// client is gone or stalls for 30 s (the server's write timeout).
bool SendFileRange(int socket, int file, off_t offset, size_t length) {
  while (length > 0) {
    const ssize_t sent = ::sendfile(socket, file, &offset, std::min<size_t>(length, 1u << 30));
    if (sent > 0) {
      length -= static_cast<size_t>(sent);
      continue;
    }
    if (sent < 0 && errno == EINTR) continue;
    if (sent < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
      pollfd p{socket, POLLOUT, 0};
      if (::poll(&p, 1, 30000) == 1 && !(p.revents & (POLLERR | POLLHUP))) continue;
    }
    return false;
  }
  return true;
}

// Serves a blob with one-range support: 206 + Content-Range, 416 (with
// "bytes */SIZE") when the range starts past the end.
void SendBlob(const httplib::Request& req, httplib::Response& res, const std::string& path,
              const std::string& sha256, const std::string& content_type, bool immutable) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) throw HttpError(500, "blob " + sha256 + " is missing from the store");
  auto fd_holder = std::shared_ptr<int>(new int(fd), [](int* p) {
    ::close(*p);
    delete p;
  });
  struct stat st;
  if (::fstat(fd, &st) != 0) throw HttpError(500, "cannot stat blob " + sha256);
  const uint64_t size = static_cast<uint64_t>(st.st_size);
  const std::string etag = "\"" + sha256 + "\"";
  res.set_header("ETag", etag);
  res.set_header("Accept-Ranges", "bytes");
  res.set_header("X-Content-Type-Options", "nosniff");
  res.set_header("Content-Security-Policy", "default-src 'none'; style-src 'unsafe-inline'; sandbox");
  res.set_header("Cache-Control", immutable ? "public, max-age=31536000, immutable" : "no-cache");
  if (req.get_header_value("If-None-Match") == etag) {
    res.status = 304;
    return;
  }
  const std::string if_range = req.get_header_value("If-Range");
  const ByteRange range =
      if_range.empty() || if_range == etag ? ResolveRange(req.get_header_value("Range"), size) : ResolveRange("", size);
  if (range.status == 416) {
    res.set_header("Content-Range", range.content_range);
    SendError(res, 416, "range not satisfiable for " + std::to_string(size) + " bytes");
    return;
  }
  res.status = range.status;
  if (range.status == 206) res.set_header("Content-Range", range.content_range);
  const uint64_t begin = range.begin, length = range.length;
  if (length == 0) {
    res.set_content("", content_type.c_str());
    return;
  }
  const int socket = req.method == "GET" ? CurrentConnectionSocket() : -1;
  if (socket >= 0) {
    // The body straight from the page cache: cpp-httplib has written the
    // status line and headers (Content-Length ours) when it calls this. The
    // socket is corked meanwhile, so headers and body leave in full packets
    // (as nginx's tcp_nopush); the releaser uncorks it whatever happened.
    const int on = 1, off = 0;
    ::setsockopt(socket, IPPROTO_TCP, TCP_CORK, &on, sizeof on);
    res.set_header("Content-Length", std::to_string(length));
    res.set_content_provider(
        content_type,
        [fd_holder, socket, begin, length](size_t, httplib::DataSink& sink) {
          if (!SendFileRange(socket, *fd_holder, static_cast<off_t>(begin), static_cast<size_t>(length))) {
            return false;
          }
          sink.done();
          return true;
        },
        [socket, off](bool) { ::setsockopt(socket, IPPROTO_TCP, TCP_CORK, &off, sizeof off); });
    return;
  }
  res.set_content_provider(
      static_cast<size_t>(length), content_type,
      [fd_holder, begin, length](size_t offset, size_t n, httplib::DataSink& sink) {
        char buf[1 << 16];
        n = std::min<size_t>(n, length - offset);
        while (n > 0) {
          const ssize_t got = ::pread(*fd_holder, buf, std::min(n, sizeof(buf)),
                                      static_cast<off_t>(begin + offset));
          if (got < 0 && errno == EINTR) continue;
          if (got <= 0) return false;
          if (!sink.write(buf, static_cast<size_t>(got))) return false;
          offset += static_cast<size_t>(got);
          n -= static_cast<size_t>(got);
        }
        return true;
      });
}

// The bearer token of a request; 401 without one. Never logged.
std::string BearerToken(const httplib::Request& req) {
  const std::string h = req.get_header_value("Authorization");
  if (h.rfind("Bearer ", 0) != 0 || h.size() <= 7) {
    throw HttpError(401, "this needs 'Authorization: Bearer TOKEN' with write scope");
  }
  return h.substr(7);
}

void RequireWrite(const Hub& hub, const std::string& token, const std::string& owner) {
  if (!hub.CanWrite(token, owner)) throw HttpError(403, "the token may not write under '" + owner + "'");
}

std::string ReadSmallBody(const httplib::ContentReader& reader) {
  std::string body;
  bool too_big = false;
  reader([&](const char* data, size_t n) {
    if (body.size() + n > kMaxManifestBytes) {
      too_big = true;
      return false;
    }
    body.append(data, n);
    return true;
  });
  if (too_big) throw HttpError(413, "request body over " + std::to_string(kMaxManifestBytes) + " bytes");
  return body;
}

// Removes a temporary upload unless it was handed to the store.
struct TempFile {
  std::string path;
  FILE* f = nullptr;
  ~TempFile() {
    if (f) std::fclose(f);
    if (!path.empty()) ::unlink(path.c_str());
  }
};

class Routes {
 public:
  Routes(std::string dir, PinnedFiles* pinned) : dir_(std::move(dir)), pinned_(pinned) {}

  void ListRevisions(const httplib::Request& req, httplib::Response& res) {
    Query q;
    q.kind = req.get_param_value("kind");
    q.text = req.get_param_value("q");
    q.tag = req.get_param_value("tag");
    q.architecture = req.get_param_value("architecture");
    q.dataset = req.get_param_value("dataset");
    q.license = req.get_param_value("license");
    if (!q.kind.empty() && q.kind != "dataset" && q.kind != "model") {
      throw HttpError(400, "kind must be 'dataset' or 'model'");
    }
    if (!q.tag.empty()) Validate([&] { ValidateTag(q.tag); });
    std::string out = "{\"revisions\":[";
    for (const Revision& r : ThreadHub(dir_).List(q)) {
      if (out.back() != '[') out += ',';
      out += RevisionText(r, false);
    }
    res.set_content(out + "]}\n", "application/json");
  }

  void ShowRevision(const httplib::Request& req, httplib::Response& res) {
    std::string ref;
    Validate([&] { ref = ParseRevisionRoute(req.matches[1]); });
    res.set_content(RevisionText(ResolveOr404(ThreadHub(dir_), ref), true) + "\n", "application/json");
  }

  // /api/wids/OWNER/NAME[@REV]: the webdataset `wids` index of a dataset
  // revision's shards (wids-shard-index-v1), each URL absolute and pinned to
  // the revision id, the sample counts from its manifest.json.
  void Wids(const httplib::Request& req, httplib::Response& res) {
    std::string ref;
    Validate([&] { ref = ParseRevisionRoute(req.matches[1]); });
    Hub& hub = ThreadHub(dir_);
    const Revision r = ResolveOr404(hub, ref);
    const FileEntry* manifest = FindFile(r, "manifest.json");
    if (r.kind != "dataset" || !manifest) {
      throw HttpError(404, r.name + "@" + r.id.substr(0, 12) + " is not a dataset with a manifest.json");
    }
    const shard::Manifest m =
        shard::ParseManifest(ReadFile(hub.BlobPath(manifest->sha256)), r.name + ":manifest.json");
    const std::string host = req.get_header_value("Host");
    json j = shard::WidsIndexJson(
        m, (host.empty() ? std::string() : "http://" + host) + "/files/" + r.name + "/" + r.id + "/");
    j["name"] = r.name;
    j["revision"] = r.id;
    SendJson(res, 200, j);
  }

  // --- The Hugging Face Hub's download API, read-only (docs/hub.md) -------
  // The revision of repository `name` of `kind` ("model" | "dataset") that
  // `rev` names: a tag, an id (or a prefix of 8+), or "main" (the tag "main",
  // else the newest revision). 404s carry the X-Error-Code clients read.
  Revision HfResolve(Hub& hub, const std::string& kind, const std::string& name, const std::string& rev) {
    auto of_kind = [&](Revision r) {  // a name's revisions are all of one kind
      if (r.kind != kind) throw HttpError(404, "'" + name + "' is a " + r.kind + ", not a " + kind, "RepoNotFound");
      return r;
    };
    std::string revision_error;
    try {
      return of_kind(hub.Resolve(name + "@" + rev));
    } catch (const HttpError&) {
      throw;
    } catch (const CatalogueUnavailable&) {
      throw;  // 503, not a bad request
    } catch (const Error& e) {
      revision_error = e.what();
    }
    // Which one is missing: the repository, or the revision ("main" falls
    // back to the newest revision).
    Revision any;
    try {
      any = hub.Resolve(name);
    } catch (const CatalogueUnavailable&) {
      throw;  // 503, not a bad request
    } catch (const Error&) {
      throw HttpError(404, "no " + kind + " repository '" + name + "'", "RepoNotFound");
    }
    of_kind(any);
    if (rev == "main") return any;
    throw HttpError(404, revision_error, "RevisionNotFound");
  }

  // Every route of the Hugging Face API (ParseHfRoute gives its parts).
  void Hf(const httplib::Request& req, httplib::Response& res) {
    HfRoute route;
    bool ok = false;
    Validate([&] { ok = ParseHfRoute(req.path.substr(1), &route); });
    if (!ok) throw HttpError(404, "not found");
    switch (route.op) {
      case HfRoute::Op::kInfo: HfInfo(route, res); break;
      case HfRoute::Op::kTree: HfTree(req, route, res); break;
      case HfRoute::Op::kFile: HfFile(req, route, res); break;
    }
  }

  // GET /api/{models|datasets}/OWNER/NAME[/revision/REV]: what
  // huggingface_hub's model_info / dataset_info (and snapshot_download) read.
  void HfInfo(const HfRoute& route, httplib::Response& res) {
    const std::string& kind = route.kind;
    const Revision r = HfResolve(ThreadHub(dir_), kind, route.name, route.rev);
    res.set_content(TextWithTags("hf " + kind + " " + r.id, r, [&] {
                      json siblings = json::array();
                      for (const FileEntry& f : r.files) {
                        siblings.push_back({{"rfilename", f.path}, {"size", f.size},
                                            {"lfs", {{"sha256", f.sha256}, {"size", f.size}, {"pointerSize", 0}}}});
                      }
                      char when[32];
                      const time_t t = static_cast<time_t>(r.created);
                      std::strftime(when, sizeof(when), "%Y-%m-%dT%H:%M:%S.000Z", std::gmtime(&t));
                      json j = {{"_id", r.id}, {"id", r.name}, {"sha", r.id}, {"lastModified", when},
                                {"createdAt", when}, {"private", false}, {"disabled", false}, {"gated", false},
                                {"siblings", siblings}, {"cardData", {{"license", r.license}}}};
                      if (kind == "model") {
                        j["modelId"] = r.name;
                        j["library_name"] = "timm";
                      }
                      return j;
                    }) + "\n",
                    "application/json");
  }

  // GET /api/{models|datasets}/OWNER/NAME/tree/REV[/PATH][?recursive=true]:
  // @huggingface/hub's listFiles. Files and (not recursive) sub-folders.
  void HfTree(const httplib::Request& req, const HfRoute& route, httplib::Response& res) {
    const Revision r = HfResolve(ThreadHub(dir_), route.kind, route.name, route.rev);
    const std::string prefix = route.path.empty() ? "" : route.path + "/";
    const bool recursive = req.get_param_value("recursive") == "true";
    json items = json::array();
    std::vector<std::string> folders;
    for (const FileEntry& f : r.files) {
      if (f.path.compare(0, prefix.size(), prefix) != 0) continue;
      const size_t slash = f.path.find('/', prefix.size());
      if (!recursive && slash != std::string::npos) {
        const std::string folder = f.path.substr(0, slash);
        if (std::find(folders.begin(), folders.end(), folder) == folders.end()) folders.push_back(folder);
        continue;
      }
      items.push_back({{"type", "file"}, {"oid", f.sha256}, {"size", f.size}, {"path", f.path},
                       {"lfs", {{"oid", f.sha256}, {"size", f.size}, {"pointerSize", 0}}}});
    }
    for (const std::string& folder : folders) {
      items.push_back({{"type", "directory"}, {"oid", ""}, {"size", 0}, {"path", folder}});
    }
    if (items.empty() && !prefix.empty()) {
      throw HttpError(404, r.name + "@" + r.id.substr(0, 12) + " has no folder '" + prefix + "'", "EntryNotFound");
    }
    SendJson(res, 200, items);
  }

  // GET/HEAD /[datasets/]OWNER/NAME/{resolve|raw}/REV/PATH: a file, with the
  // headers huggingface_hub and @huggingface/hub read (X-Repo-Commit, ETag,
  // X-Linked-Etag, X-Linked-Size) and Range.
  void HfFile(const httplib::Request& req, const HfRoute& route, httplib::Response& res) {
    const std::string& path = route.path;
    Hub& hub = ThreadHub(dir_);
    const Revision r = HfResolve(hub, route.kind, route.name, route.rev);
    const FileEntry* f = FindFile(r, path);
    if (!f) throw HttpError(404, r.name + "@" + r.id.substr(0, 12) + " has no file '" + path + "'", "EntryNotFound");
    Pin(hub, r);
    res.set_header("X-Repo-Commit", r.id);
    res.set_header("X-Linked-Etag", "\"" + f->sha256 + "\"");
    res.set_header("X-Linked-Size", std::to_string(f->size));
    SendBlob(req, res, hub.BlobPath(f->sha256), f->sha256, ContentType(path), route.rev == r.id);
  }

  // /files/OWNER/NAME/REV/PATH; REV a tag or an id. An empty PATH lists the files.
  void File(const httplib::Request& req, httplib::Response& res) {
    FileRoute route;
    Validate([&] { route = ParseFileRoute(req.matches[1]); });
    const std::string &name = route.name, &rev = route.rev, &path = route.path;
    Hub& hub = ThreadHub(dir_);
    const Revision r = ResolveOr404(hub, name + "@" + rev, /*with_tags=*/false);
    if (path.empty()) {
      SendJson(res, 200, {{"id", r.id}, {"name", r.name}, {"files", RevisionJson(r, true)["files"]}});
      return;
    }
    const FileEntry* f = FindFile(r, path);
    if (!f) throw HttpError(404, r.name + "@" + r.id.substr(0, 12) + " has no file '" + path + "'");
    Pin(hub, r);
    SendBlob(req, res, hub.BlobPath(f->sha256), f->sha256, ContentType(path), rev == r.id);
  }

  void Blob(const httplib::Request& req, httplib::Response& res) {
    const std::string sha = req.matches[1];
    if (!IsSha256Hex(sha)) throw HttpError(400, "expected 64 lower-case hex digits");
    Hub& hub = ThreadHub(dir_);
    if (!hub.HasBlob(sha)) throw HttpError(404, "no blob " + sha);
    SendBlob(req, res, hub.BlobPath(sha), sha, "application/octet-stream", true);
  }

  // PUT /api/blobs/SHA256?owner=OWNER: streamed to tmp/, hashed on the way,
  // renamed into blobs/ only when size and hash match.
  void PutBlob(const httplib::Request& req, httplib::Response& res, const httplib::ContentReader& reader) {
    res.set_header("Connection", "close");  // an unread body must not poison the connection
    const std::string sha = req.matches[1];
    const std::string token = BearerToken(req);
    const std::string owner = req.get_param_value("owner");
    if (owner.empty()) throw HttpError(400, "name the owner the upload is for: ?owner=OWNER");
    Validate([&] { ValidateName(owner + "/x"); });
    Hub& hub = ThreadHub(dir_);
    RequireWrite(hub, token, owner);
    if (!IsSha256Hex(sha)) throw HttpError(400, "expected 64 lower-case hex digits");
    uint64_t expected = 0;
    try {
      expected = ParseUploadSize(req.get_header_value("X-Size"), req.get_header_value("Content-Length"));
    } catch (const Error& e) {
      throw HttpError(411, e.what());
    }
    TempFile tmp;
    tmp.path = hub.TempPath();
    tmp.f = std::fopen(tmp.path.c_str(), "wb");
    if (!tmp.f) throw HttpError(500, "cannot create a temporary file in the store");
    Sha256 hash;
    uint64_t got = 0;
    int write_errno = 0;  // the cause of a failed write (a full disk: ENOSPC)
    const bool complete = reader([&](const char* data, size_t n) {
      got += n;
      if (got > expected) return false;
      hash.Update(data, n);
      if (std::fwrite(data, 1, n, tmp.f) != n) {
        write_errno = errno ? errno : EIO;
        return false;
      }
      return true;
    });
    if (write_errno) throw HttpError(507, "the store cannot write the upload: " + ErrnoText(write_errno));
    if (got > expected) throw HttpError(400, "upload larger than the " + std::to_string(expected) + " bytes announced");
    if (!complete || got != expected) {
      throw HttpError(400, "upload of " + std::to_string(got) + " bytes, expected " + std::to_string(expected));
    }
    const bool flushed = std::fflush(tmp.f) == 0 && ::fsync(fileno(tmp.f)) == 0;
    const int flush_errno = errno;
    std::fclose(tmp.f);
    tmp.f = nullptr;
    if (!flushed) throw HttpError(507, "the store cannot write the upload: " + ErrnoText(flush_errno));
    const std::string actual = hash.HexDigest();
    if (actual != sha) throw HttpError(400, "SHA-256 mismatch: expected " + sha + ", got " + actual);
    if (hub.HasBlob(sha)) {
      hub.TouchBlob(sha);  // hub gc's grace counts from this upload
      SendJson(res, 200, {{"sha256", sha}, {"size", got}, {"stored", false}});
      return;
    }
    try {
      hub.PutBlobFromFile(tmp.path, sha, got);
    } catch (const Error& e) {
      throw HttpError(400, e.what());
    }
    tmp.path.clear();  // the store owns it now
    SendJson(res, 201, {{"sha256", sha}, {"size", got}, {"stored", true}});
  }

  // POST /api/revisions: the body is a revision manifest; every blob must be there.
  void PostRevision(const httplib::Request& req, httplib::Response& res,
                    const httplib::ContentReader& reader) {
    res.set_header("Connection", "close");
    const std::string token = BearerToken(req);
    const std::string body = ReadSmallBody(reader);
    const json m = json::parse(body, nullptr, false);
    if (!m.is_object() || !m.contains("name") || !m["name"].is_string()) {
      throw HttpError(400, "the body must be a revision manifest with a \"name\"");
    }
    const std::string name = m["name"];
    Validate([&] { ValidateName(name); });
    Hub& hub = ThreadHub(dir_);
    RequireWrite(hub, token, name.substr(0, name.find('/')));
    Revision r;
    try {
      r = hub.Commit(body);
    } catch (const CatalogueUnavailable&) {
      throw;  // 503, not a bad request
    } catch (const Error& e) {
      throw HttpError(400, e.what());
    }
    SendJson(res, 201, {{"id", r.id}, {"name", r.name}, {"kind", r.kind}});
  }

  // PUT /api/tags/OWNER/NAME/TAG with {"revision": ID}.
  void PutTag(const httplib::Request& req, httplib::Response& res, const httplib::ContentReader& reader) {
    res.set_header("Connection", "close");
    const std::string token = BearerToken(req);
    TagRoute route;
    Validate([&] { route = ParseTagRoute(req.matches[1]); });
    const std::string& name = route.name;
    Hub& hub = ThreadHub(dir_);
    RequireWrite(hub, token, name.substr(0, name.find('/')));
    const json b = json::parse(ReadSmallBody(reader), nullptr, false);
    if (!b.is_object() || !b.contains("revision") || !b["revision"].is_string()) {
      throw HttpError(400, "the body must be {\"revision\": ID}");
    }
    const std::string id = b["revision"];
    Validate([&] { ValidateTag(id); });
    const Revision r = ResolveOr404(hub, name + "@" + id);
    try {
      hub.Tag(name, route.tag, r.id);
    } catch (const CatalogueUnavailable&) {
      throw;  // 503, not a bad request
    } catch (const Error& e) {
      throw HttpError(400, e.what());
    }
    SendJson(res, 200, {{"name", name}, {"tag", route.tag}, {"revision", r.id}});
  }

 private:
  // Hands the front's loops the files of `r`, so that downloads by its id
  // need no request thread.
  void Pin(const Hub& hub, const Revision& r) {
    if (pinned_->Has(r.id)) return;
    auto p = std::make_shared<PinnedFiles::Revision>();
    p->kind = r.kind;
    p->name = r.name;
    for (const FileEntry& f : r.files) {
      p->files[f.path] = PinnedFiles::File{hub.BlobPath(f.sha256), f.sha256, ContentType(f.path), f.size};
    }
    pinned_->Add(r.id, std::move(p));
  }

  std::string dir_;
  PinnedFiles* pinned_;
};

// The catalogue is down or restarting: 503, try again shortly. Nothing of
// the request's transaction was committed; the next request reconnects.
void SendUnavailable(httplib::Response& res, const CatalogueUnavailable& e) {
  res.set_header("Retry-After", "1");
  res.set_header("Connection", "close");
  SendError(res, 503, e.what());
}

// Wraps a handler: HttpError -> its status, the catalogue unavailable -> 503,
// other errors -> 500, as JSON.
template <class F>
httplib::Server::Handler Guard(F f) {
  return [f](const httplib::Request& req, httplib::Response& res) {
    try {
      f(req, res);
    } catch (const HttpError& e) {
      if (!e.code().empty()) res.set_header("X-Error-Code", e.code());
      SendError(res, e.status(), e.what());
    } catch (const CatalogueUnavailable& e) {
      SendUnavailable(res, e);
    } catch (const std::exception& e) {
      SendError(res, 500, e.what());
    }
  };
}

template <class F>
httplib::Server::HandlerWithContentReader GuardReader(F f) {
  return [f](const httplib::Request& req, httplib::Response& res, const httplib::ContentReader& reader) {
    try {
      f(req, res, reader);
    } catch (const HttpError& e) {
      SendError(res, e.status(), e.what());
    } catch (const CatalogueUnavailable& e) {
      SendUnavailable(res, e);
    } catch (const std::exception& e) {
      SendError(res, 500, e.what());
    }
  };
}

void SendPage(const httplib::Request&, httplib::Response& res) {
  res.set_header("Content-Security-Policy",
                 "default-src 'none'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; "
                 "img-src 'self'; connect-src 'self'; base-uri 'none'; form-action 'none'");
  res.set_header("X-Content-Type-Options", "nosniff");
  res.set_header("Cache-Control", "no-cache");
  res.set_content(kWebPage, "text/html; charset=utf-8");
}

// Blocks SIGINT/SIGTERM in every server thread; one thread waits for them and
// stops the server. Restores the mask when destroyed.
class SignalStopper {
 public:
  explicit SignalStopper(Front* front) {
    sigemptyset(&set_);
    sigaddset(&set_, SIGINT);
    sigaddset(&set_, SIGTERM);
    pthread_sigmask(SIG_BLOCK, &set_, &old_);
    waiter_ = std::thread([this, front] {
      int sig = 0;
      sigwait(&set_, &sig);
      if (!quit_) LogInfo(std::string("hub serve: ") + (sig == SIGINT ? "SIGINT" : "SIGTERM") + ", stopping");
      front->Stop();
    });
  }
  ~SignalStopper() {
    quit_ = true;
    pthread_kill(waiter_.native_handle(), SIGTERM);  // wakes sigwait if no signal came
    waiter_.join();
    pthread_sigmask(SIG_SETMASK, &old_, nullptr);
  }
  SignalStopper(const SignalStopper&) = delete;
  SignalStopper& operator=(const SignalStopper&) = delete;

 private:
  sigset_t set_, old_;
  std::atomic<bool> quit_{false};
  std::thread waiter_;
};

}  // namespace

void Serve(const ServeOptions& options) {
  if (options.threads < 1 || options.threads > 1024) throw UsageError("--threads must be in 1..1024");
  bool postgres = false;
  {
    Hub check(options.dir);  // fails early, naming the folder, if it is not a hub
    postgres = check.postgres();
  }
  // The handlers; Front hands them requests one at a time and sets their
  // keep-alive limits from its own (below).
  HttpServer server;
  PinnedFiles pinned;
  auto routes = std::make_shared<Routes>(options.dir, &pinned);
  using Req = httplib::Request;
  using Res = httplib::Response;
  using Reader = httplib::ContentReader;
  server.Get("/api/revisions", Guard([routes](const Req& q, Res& s) { routes->ListRevisions(q, s); }));
  server.Get("/api/revisions/(.+)", Guard([routes](const Req& q, Res& s) { routes->ShowRevision(q, s); }));
  server.Get("/files/(.*)", Guard([routes](const Req& q, Res& s) { routes->File(q, s); }));
  server.Get("/api/wids/(.+)", Guard([routes](const Req& q, Res& s) { routes->Wids(q, s); }));
  // The Hugging Face Hub's download API (HF_ENDPOINT / hubUrl = this server).
  server.Get("/api/(models|datasets)/.*", Guard([routes](const Req& q, Res& s) { routes->Hf(q, s); }));
  server.Get("/datasets/[^/]+/[^/]+/(resolve|raw)/.+", Guard([routes](const Req& q, Res& s) { routes->Hf(q, s); }));
  server.Get("/blobs/(.*)", Guard([routes](const Req& q, Res& s) { routes->Blob(q, s); }));
  server.Put("/api/blobs/(.*)",
             GuardReader([routes](const Req& q, Res& s, const Reader& r) { routes->PutBlob(q, s, r); }));
  server.Post("/api/revisions",
              GuardReader([routes](const Req& q, Res& s, const Reader& r) { routes->PostRevision(q, s, r); }));
  server.Put("/api/tags/(.*)",
             GuardReader([routes](const Req& q, Res& s, const Reader& r) { routes->PutTag(q, s, r); }));
  // A model's files, /OWNER/NAME/resolve/REV/PATH: after every other route.
  server.Get("/[^/]+/[^/]+/(resolve|raw)/.+", Guard([routes](const Req& q, Res& s) { routes->Hf(q, s); }));
  server.Get("/", SendPage);
  server.Get("/ui(/.*)?", SendPage);
  // httplib 0.11 would cut every response body to the request's Range
  // (error bodies included, without bounds checks): SendBlob does ranges.
  server.set_pre_routing_handler(httplib::Server::HandlerWithResponse([](const Req& req, Res&) {
    const_cast<Req&>(req).ranges.clear();
    return httplib::Server::HandlerResponse::Unhandled;
  }));
  server.set_error_handler(httplib::Server::HandlerWithResponse([](const Req&, Res& res) {
    if (!res.body.empty() || res.content_length_ > 0) return httplib::Server::HandlerResponse::Unhandled;
    SendError(res, res.status, res.status == 404 ? "not found" : "request refused");
    return httplib::Server::HandlerResponse::Handled;
  }));
  server.set_exception_handler([](const Req&, Res& res, std::exception_ptr) {
    SendError(res, 500, "internal error");
  });
  // Called once a response is written: one line per request, and a
  // handler's "Connection: close" closes the connection.
  server.set_logger([](const Req& req, const Res& res) {
    std::string bytes = res.get_header_value("Content-Length");
    if (bytes.empty()) bytes = std::to_string(res.body.size());
    LogRequest(req.method, req.path, res.status, bytes);
    if (res.get_header_value("Connection") == "close") CloseAfterThisResponse();
  });

  FrontOptions fo;
  fo.loops = static_cast<int>(std::clamp(std::thread::hardware_concurrency(), 1u, 4u));
  fo.request_threads = options.threads;
  fo.keep_alive_timeout_s = 2;
  fo.keep_alive_max = 1000;
  fo.io_timeout_s = 30;
  // A PostgreSQL server may be a round trip away, or restarting: its queries
  // stay on the request threads, so the loops never wait.
  if (!postgres) {
    const std::string dir = options.dir;
    fo.resolve = [dir](const std::string& name, const std::string& rev) -> std::string {
      try {
        return ThreadHub(dir).Resolve(name + "@" + rev, /*with_tags=*/false).id;
      } catch (const Error&) {
        return "";  // the request threads answer it (404, 400)
      }
    };
  }
  Front front(&server, &pinned, fo);
  const int port = front.Bind(options.host, options.port);
  SignalStopper stopper(&front);
  std::printf("listening on http://%s:%d\n", options.host.c_str(), port);
  std::fflush(stdout);
  front.Run();
}

}  // namespace synthub::hub
