#include "hub/client.h"

#include <cerrno>
#include <chrono>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <sys/stat.h>
#include <thread>
#include <unistd.h>
#include <vector>

#include "hub/hub.h"
#include "hub/source.h"
#include "synthub/error.h"
#include "util/file.h"
#include "util/hex.h"
#include "util/log.h"
#include "util/parallel.h"
#include "util/progress.h"
#include "util/sha256.h"

namespace synthub::hub {
namespace {

constexpr const char* kRevisionFile = ".revision.json";
constexpr const char* kPartialDir = ".partial";
constexpr int kStaleSeconds = 120;  // a partial not written for this long may be taken over
constexpr int kAttempts = 4;        // tries per file (resuming) before giving up

std::string Dirname(const std::string& path) {
  const size_t slash = path.find_last_of('/');
  return slash == std::string::npos ? "." : path.substr(0, slash);
}

// A complete revision folder: .revision.json holds bytes hashing to `id`.
bool CompleteIn(const std::string& folder, const std::string& id) {
  const std::string rev = JoinPath(folder, kRevisionFile);
  if (!PathExists(rev)) return false;
  try {
    return Sha256Hex(ReadFile(rev)) == id;
  } catch (const Error&) {
    return false;
  }
}

bool HasFile(const std::string& path, uint64_t size) {
  struct stat st;
  return ::stat(path.c_str(), &st) == 0 && S_ISREG(st.st_mode) && static_cast<uint64_t>(st.st_size) == size;
}

bool ProcessAlive(long pid) { return pid > 0 && (::kill(static_cast<pid_t>(pid), 0) == 0 || errno == EPERM); }

// Takes over an abandoned partial download of `sha256` (its writer is dead,
// or it has not changed for kStaleSeconds) by renaming it to `mine`; rename
// is atomic, so two takers never share one. Returns false if none.
bool AdoptPartial(const std::string& partial_dir, const std::string& sha256, const std::string& mine) {
  std::vector<std::string> candidates;
  for (const std::string& n : ListDirectory(partial_dir)) {
    if (n.size() > 66 && n.compare(0, 64, sha256) == 0 && n[64] == '.') candidates.push_back(n);
  }
  const auto now = std::chrono::system_clock::now();
  for (const std::string& n : candidates) {
    const std::string path = JoinPath(partial_dir, n);
    const long pid = std::atol(n.c_str() + 65);
    struct stat st;
    if (::stat(path.c_str(), &st) != 0) continue;
    const auto age = now - std::chrono::system_clock::from_time_t(st.st_mtime);
    const bool stale = age > std::chrono::seconds(kStaleSeconds);
    if (ProcessAlive(pid) && !stale) continue;  // someone is still writing it
    if (::rename(path.c_str(), mine.c_str()) == 0) return true;
  }
  return false;
}

// Downloads one file into the user tier: partial -> hash -> verify -> rename.
class FileFetcher {
 public:
  FileFetcher(const Source& source, const Revision& r, std::string partial_dir, Progress* progress)
      : source_(source), r_(r), partial_dir_(std::move(partial_dir)), progress_(progress) {}

  void Fetch(const FileEntry& f, const std::string& dest) {
    const std::string mine =
        JoinPath(partial_dir_, f.sha256 + "." + std::to_string(::getpid()) + "." + RandomHex(8));
    struct Cleanup {
      const std::string& path;
      ~Cleanup() { ::unlink(path.c_str()); }
    } cleanup{mine};
    if (AdoptPartial(partial_dir_, f.sha256, mine)) {
      LogInfo(r_.name + "@" + r_.id.substr(0, 12) + ": " + f.path + ": resuming at byte " +
              std::to_string(FileSize(mine)) + " of " + std::to_string(f.size));
    }
    std::string last_error;
    uint64_t counted = 0;  // bytes of this file reported to the progress line
    for (int attempt = 1; attempt <= kAttempts; ++attempt) {
      try {
        if (Try(f, mine, &counted)) {
          MakeDirs(Dirname(dest));
          if (::rename(mine.c_str(), dest.c_str()) != 0) {
            throw Error(dest + ": cannot rename into place: " + ErrnoText(errno));
          }
          return;
        }
        last_error = "SHA-256 or size mismatch";
      } catch (const Error& e) {
        last_error = e.what();
      }
      if (attempt < kAttempts) {
        LogWarn(f.path + ": " + last_error + "; retrying (" + std::to_string(attempt) + "/" +
                std::to_string(kAttempts - 1) + ")");
        std::this_thread::sleep_for(std::chrono::milliseconds(250 * attempt));
      }
    }
    throw Error(r_.name + "@" + r_.id.substr(0, 12) + ": " + f.path + ": " + last_error);
  }

 private:
  // One attempt: continues `path` from its current length. True when the
  // result matches the manifest; a mismatching file is removed.
  bool Try(const FileEntry& f, const std::string& path, uint64_t* counted) {
    uint64_t have = PathExists(path) ? FileSize(path) : 0;
    if (have > f.size) {
      ::unlink(path.c_str());
      have = 0;
    }
    Sha256 hash;
    if (have > 0) {  // hash what is already there
      FILE* in = std::fopen(path.c_str(), "rb");
      if (!in) throw Error(path + ": cannot open: " + ErrnoText(errno));
      std::vector<char> buf(1 << 20);
      size_t n;
      while ((n = std::fread(buf.data(), 1, buf.size(), in)) > 0) hash.Update(buf.data(), n);
      std::fclose(in);
    }
    FILE* out = std::fopen(path.c_str(), have > 0 ? "ab" : "wb");
    if (!out) throw Error(path + ": cannot write: " + ErrnoText(errno));
    uint64_t got = have;
    auto report = [&] {
      if (got > *counted) progress_->Add(got - *counted), *counted = got;
    };
    report();
    bool write_failed = false, restarted = false;
    int write_errno = 0;
    auto sink = [&](const char* d, size_t n) {
      if (got + n > f.size) return false;  // longer than the manifest says
      if (std::fwrite(d, 1, n, out) != n) {
        write_failed = true;
        write_errno = errno;
        return false;
      }
      hash.Update(d, n);
      got += n;
      report();
      return true;
    };
    try {
      if (got < f.size && !source_.Fetch(r_, f, have, sink)) restarted = true;
    } catch (...) {
      std::fclose(out);
      // The download stopped because the cache could not take it: say so.
      if (write_failed) throw Error(path + ": write failed: " + ErrnoText(write_errno));
      throw;
    }
    const bool flushed = std::fflush(out) == 0 && ::fsync(fileno(out)) == 0;
    if (!flushed) write_errno = errno;
    std::fclose(out);
    if (write_failed || !flushed) throw Error(path + ": write failed: " + ErrnoText(write_errno));
    if (restarted) {  // the server ignored the Range: start over
      ::unlink(path.c_str());
      throw Error(f.path + ": the source does not resume downloads");
    }
    if (got != f.size) throw Error(f.path + ": got " + std::to_string(got) + " of " + std::to_string(f.size) + " bytes");
    const std::string actual = hash.HexDigest();
    if (actual != f.sha256) {
      ::unlink(path.c_str());
      LogWarn(f.path + ": SHA-256 mismatch: expected " + f.sha256 + ", got " + actual);
      return false;
    }
    return true;
  }

  const Source& source_;
  const Revision& r_;
  const std::string partial_dir_;
  Progress* progress_;
};

// Copies a file from a read-only tier into the user tier, hashing on the
// way; false (nothing written) unless it matches the manifest.
bool CopyVerified(const std::string& from, const FileEntry& f, const std::string& partial_dir,
                  const std::string& dest) {
  if (!HasFile(from, f.size)) return false;
  FILE* in = std::fopen(from.c_str(), "rb");
  if (!in) return false;
  const std::string tmp = JoinPath(partial_dir, f.sha256 + "." + std::to_string(::getpid()) + "." + RandomHex(8));
  FILE* out = std::fopen(tmp.c_str(), "wb");
  if (!out) {
    std::fclose(in);
    throw Error(tmp + ": cannot write: " + ErrnoText(errno));
  }
  Sha256 hash;
  uint64_t size = 0;
  bool ok = true;
  std::vector<char> buf(1 << 20);
  size_t n;
  while (ok && (n = std::fread(buf.data(), 1, buf.size(), in)) > 0) {
    hash.Update(buf.data(), n);
    size += n;
    ok = std::fwrite(buf.data(), 1, n, out) == n;
  }
  ok = ok && !std::ferror(in) && std::fflush(out) == 0 && ::fsync(fileno(out)) == 0;
  std::fclose(in);
  std::fclose(out);
  if (!ok || size != f.size || hash.HexDigest() != f.sha256) {
    ::unlink(tmp.c_str());
    if (ok) LogWarn(from + ": does not match the manifest; ignoring this copy");
    return false;
  }
  MakeDirs(Dirname(dest));
  if (::rename(tmp.c_str(), dest.c_str()) != 0) {
    const int err = errno;
    ::unlink(tmp.c_str());
    throw Error(dest + ": cannot rename into place: " + ErrnoText(err));
  }
  return true;
}

// Records which id a tag named when it was pulled (for offline use).
void WriteRef(const std::string& cache, const std::string& name, const std::string& tag, const std::string& id) {
  const std::string dir = JoinPath(JoinPath(cache, name), "refs");
  MakeDirs(dir);
  WriteFileAtomic(JoinPath(dir, tag), id + "\n");
}

// Offline: the id a tag or id prefix pointed at when last pulled (refs/TAG
// files in any tier), or the single revision folder starting with a prefix.
std::string OfflineId(const std::vector<std::string>& tiers, const std::string& name, const std::string& rev) {
  if (IsSha256Hex(rev)) return rev;
  for (const std::string& tier : tiers) {
    const std::string ref_file = JoinPath(JoinPath(JoinPath(tier, name), "refs"), rev);
    if (PathExists(ref_file)) {
      std::string id = ReadFile(ref_file);
      while (!id.empty() && (id.back() == '\n' || id.back() == ' ')) id.pop_back();
      if (IsSha256Hex(id)) return id;
    }
    if (IsRevisionIdPrefix(rev)) {
      std::string found;
      for (const std::string& n : ListDirectory(JoinPath(tier, name))) {
        if (IsSha256Hex(n) && n.compare(0, rev.size(), rev) == 0) found = n;
      }
      if (!found.empty()) return found;
    }
  }
  throw Error("offline: " + name + "@" + rev + " is not in the cache (no refs/" + rev +
              " in any tier); pull it once without --offline");
}

}  // namespace

std::string Pull(const std::string& ref, const PullOptions& o) {
  if (o.cache.empty()) throw UsageError("pull needs a cache folder (--to)");
  if (o.parallel < 1 || o.parallel > 256) throw UsageError("--parallel must be in 1..256");
  const size_t at = ref.find('@');
  const std::string name = ref.substr(0, at);
  const std::string rev = at == std::string::npos ? "latest" : ref.substr(at + 1);
  ValidateName(name);
  ValidateTag(rev);
  std::vector<std::string> tiers = o.shared_caches;  // read-only tiers first
  tiers.push_back(o.cache);

  // 1. The revision manifest: from the source, or (offline) from a tier.
  std::string id, manifest_json;
  std::unique_ptr<Source> source;  // null offline
  if (o.offline) {
    id = OfflineId(tiers, name, rev);
  } else {
    if (o.source.empty()) throw UsageError("pull needs a source (--from URL or hub folder) unless --offline");
    if (IsSha256Hex(rev)) {  // pinned: a complete copy in a tier needs no network
      for (const std::string& tier : tiers) {
        const std::string folder = JoinPath(JoinPath(tier, name), rev);
        if (CompleteIn(folder, rev)) return folder;
      }
    }
    source = std::make_unique<Source>(o.source, o.token);
    manifest_json = source->Resolve(name + "@" + rev).manifest_json;  // id and name checked
    id = Sha256Hex(manifest_json);
  }
  for (const std::string& tier : tiers) {
    const std::string folder = JoinPath(JoinPath(tier, name), id);
    if (CompleteIn(folder, id)) {
      if (!o.offline && !IsSha256Hex(rev)) WriteRef(o.cache, name, rev, id);
      return folder;
    }
  }
  const std::string folder = JoinPath(JoinPath(o.cache, name), id);
  if (o.offline) {
    // What a tier holds of it (a partial folder may still have its manifest).
    for (const std::string& tier : tiers) {
      const std::string m = JoinPath(JoinPath(JoinPath(tier, name), id), kRevisionFile);
      if (PathExists(m)) manifest_json = ReadFile(m);
    }
    std::string missing = "the revision manifest";
    if (!manifest_json.empty()) {
      const Revision r = ParseRevisionManifest(manifest_json);
      missing.clear();
      size_t count = 0;
      for (const FileEntry& f : r.files) {
        bool have = false;
        for (const std::string& tier : tiers) have = have || HasFile(JoinPath(JoinPath(JoinPath(tier, name), id), f.path), f.size);
        if (!have && count++ < 20) missing += (missing.empty() ? "" : ", ") + f.path;
      }
      missing = std::to_string(count) + " of " + std::to_string(r.files.size()) + " files: " + missing +
                (count > 20 ? ", ..." : "");
    }
    throw Error("offline: " + name + "@" + id.substr(0, 12) + " is incomplete in the cache " + folder +
                ": missing " + missing + "; pull it without --offline");
  }

  // 2. The files: from a read-only tier when one has them, else downloaded.
  const Revision r = ParseRevisionManifest(manifest_json);
    for (const FileEntry& f : r.files) {
    if (f.path == kRevisionFile || f.path.rfind("refs/", 0) == 0) throw Error(name + ": reserved file name '" + f.path + "'");
  }
  const std::string partial_dir = JoinPath(o.cache, kPartialDir);
  MakeDirs(partial_dir);
  MakeDirs(folder);
  std::vector<const FileEntry*> todo;
  uint64_t total = 0;
  for (const FileEntry& f : r.files) {
    const std::string dest = JoinPath(folder, f.path);
    if (HasFile(dest, f.size)) continue;  // renamed into place only once verified
    bool copied = false;
    for (const std::string& tier : o.shared_caches) {
      if (CopyVerified(JoinPath(JoinPath(JoinPath(tier, name), id), f.path), f, partial_dir, dest)) {
        copied = true;
        break;
      }
    }
    if (!copied) {
      todo.push_back(&f);
      total += f.size;
    }
  }
  {
    Progress progress("pull " + name + "@" + id.substr(0, 12), total, "B", o.progress && total > 0);
    FileFetcher fetcher(*source, r, partial_dir, &progress);
    ParallelFor(todo.size(), o.parallel, [&](size_t i) {
      const FileEntry& f = *todo[i];
      const std::string dest = JoinPath(folder, f.path);
      if (HasFile(dest, f.size)) return;  // another process finished it meanwhile
      fetcher.Fetch(f, dest);
    });
  }
  // 3. The manifest last: its presence marks the folder complete.
  WriteFileAtomic(JoinPath(folder, kRevisionFile), manifest_json);
  if (!IsSha256Hex(rev)) WriteRef(o.cache, name, rev, id);
  if (o.progress) {
    LogInfo("pulled " + name + "@" + id + " (" + std::to_string(r.files.size()) + " files, " +
            std::to_string(todo.size()) + " downloaded) into " + folder);
  }
  return folder;
}

}  // namespace synthub::hub
