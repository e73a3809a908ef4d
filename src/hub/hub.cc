#include "hub/hub.h"

#include <fcntl.h>
#include <sqlite3.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <csignal>
#include <cstdio>
#include <ctime>
#include <nlohmann/json.hpp>

#include "synthub/error.h"
#include "util/file.h"
#include "util/hex.h"
#include "util/sha256.h"

namespace synthub::hub {
namespace {

using json = nlohmann::json;

constexpr uint64_t kMaxCard = 1 << 20;  // README.md bytes kept in the catalogue

// The schema, in SQL that SQLite and PostgreSQL both accept (docs/hub.md).
const char* const kSchema[] = {
    "CREATE TABLE IF NOT EXISTS revisions ("
    " id VARCHAR(64) PRIMARY KEY,"
    " kind VARCHAR(16) NOT NULL,"
    " name VARCHAR(129) NOT NULL,"
    " created BIGINT NOT NULL,"
    " manifest TEXT NOT NULL,"
    " license TEXT NOT NULL,"
    " architecture TEXT NOT NULL,"
    " dataset TEXT NOT NULL,"
    " base_model TEXT NOT NULL,"
    " card TEXT NOT NULL)",
    "CREATE INDEX IF NOT EXISTS revisions_name ON revisions (name)",
    "CREATE TABLE IF NOT EXISTS files ("
    " revision VARCHAR(64) NOT NULL REFERENCES revisions (id),"
    " path TEXT NOT NULL,"
    " size BIGINT NOT NULL,"
    " sha256 VARCHAR(64) NOT NULL,"
    " PRIMARY KEY (revision, path))",
    "CREATE INDEX IF NOT EXISTS files_sha256 ON files (sha256)",
    "CREATE TABLE IF NOT EXISTS tags ("
    " name VARCHAR(129) NOT NULL,"
    " tag VARCHAR(64) NOT NULL,"
    " revision VARCHAR(64) NOT NULL REFERENCES revisions (id),"
    " PRIMARY KEY (name, tag))",
    "CREATE TABLE IF NOT EXISTS tokens ("
    " hash VARCHAR(64) PRIMARY KEY,"
    " owner VARCHAR(64) NOT NULL,"
    " scope VARCHAR(8) NOT NULL,"
    " created BIGINT NOT NULL)",
};

std::string Shown(const std::string& s) { return QuoteForMessage(s); }

std::string LikeEscape(const std::string& s) {
  std::string out;
  for (char c : s) {
    if (c == '\\' || c == '%' || c == '_') out += '\\';
    out += c;
  }
  return out;
}

std::string Lower(std::string s) {
  for (char& c : s) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  }
  return s;
}

// --- the SQLite catalogue ----------------------------------------------------

// One SQLite connection.
struct Catalog {
  sqlite3* db = nullptr;
  std::string path;
  Catalog() = default;
  Catalog(const Catalog&) = delete;
  Catalog& operator=(const Catalog&) = delete;
  ~Catalog() {
    if (db) sqlite3_close(db);
  }
  [[noreturn]] void Fail(const std::string& what) const {
    throw Error(path + ": " + what + ": " + sqlite3_errmsg(db));
  }
  void Exec(const char* sql) {
    char* err = nullptr;
    if (sqlite3_exec(db, sql, nullptr, nullptr, &err) != SQLITE_OK) {
      const std::string msg = err ? err : "?";
      sqlite3_free(err);
      throw Error(path + ": " + msg);
    }
  }
};

// A prepared statement with bound parameters (never concatenated values).
class Stmt {
 public:
  Stmt(const Catalog& db, const std::string& sql);
  ~Stmt() { sqlite3_finalize(stmt_); }
  Stmt(const Stmt&) = delete;
  Stmt& operator=(const Stmt&) = delete;

  Stmt& Bind(const std::string& v) {
    Check(sqlite3_bind_text(stmt_, ++n_, v.data(), static_cast<int>(v.size()), SQLITE_TRANSIENT));
    return *this;
  }
  Stmt& Bind(int64_t v) {
    Check(sqlite3_bind_int64(stmt_, ++n_, v));
    return *this;
  }
  bool Step() {  // true: a row is ready
    const int rc = sqlite3_step(stmt_);
    if (rc == SQLITE_ROW) return true;
    if (rc == SQLITE_DONE) return false;
    Fail("step");
  }
  void Run() {
    while (Step()) {
    }
  }
  std::string Text(int col) const {
    const auto* p = reinterpret_cast<const char*>(sqlite3_column_text(stmt_, col));
    return p ? std::string(p, static_cast<size_t>(sqlite3_column_bytes(stmt_, col))) : std::string();
  }
  int64_t Int(int col) const { return sqlite3_column_int64(stmt_, col); }

 private:
  void Check(int rc) {
    if (rc != SQLITE_OK) Fail("bind");
  }
  [[noreturn]] void Fail(const char* what) const;
  sqlite3_stmt* stmt_ = nullptr;
  sqlite3* db_;
  std::string where_;
  int n_ = 0;
};

Stmt::Stmt(const Catalog& db, const std::string& sql) : db_(db.db), where_(db.path) {
  if (sqlite3_prepare_v2(db_, sql.c_str(), static_cast<int>(sql.size()), &stmt_, nullptr) != SQLITE_OK) {
    db.Fail("prepare");
  }
}

void Stmt::Fail(const char* what) const {
  throw Error(where_ + ": " + what + ": " + sqlite3_errmsg(db_));
}

// BEGIN IMMEDIATE takes SQLite's write lock up front, so a writer waits
// (busy timeout) instead of failing on a read-to-write upgrade. This is the
// one SQLite-specific statement; PostgreSQL's is a plain BEGIN.
class WriteTransaction {
 public:
  explicit WriteTransaction(Catalog& db) : db_(db) { db_.Exec("BEGIN IMMEDIATE"); }
  ~WriteTransaction() {
    if (!done_) sqlite3_exec(db_.db, "ROLLBACK", nullptr, nullptr, nullptr);
  }
  void Commit() {
    db_.Exec("COMMIT");
    done_ = true;
  }

 private:
  Catalog& db_;
  bool done_ = false;
};

void OpenDb(Catalog* db, const std::string& path, bool create) {
  db->path = path;
  const int flags = SQLITE_OPEN_READWRITE | (create ? SQLITE_OPEN_CREATE : 0) | SQLITE_OPEN_NOMUTEX;
  if (sqlite3_open_v2(path.c_str(), &db->db, flags, nullptr) != SQLITE_OK) {
    const std::string msg = db->db ? sqlite3_errmsg(db->db) : "out of memory";
    throw Error(path + ": cannot open the hub catalogue: " + msg);
  }
  sqlite3_busy_timeout(db->db, 30000);
  sqlite3_extended_result_codes(db->db, 1);
  db->Exec("PRAGMA foreign_keys = ON");
}

std::string PidPrefix() { return std::to_string(::getpid()) + "."; }

// Removes tmp/ files of processes that are gone ("<pid>.<random>").
void RemoveStaleUploads(const std::string& tmp_dir) {
  std::vector<std::string> stale;
  for (const std::string& name : ListDirectory(tmp_dir)) {
    const size_t dot = name.find('.');
    if (dot == 0 || dot == std::string::npos) continue;
    const std::string pid = name.substr(0, dot);
    if (pid.find_first_not_of("0123456789") != std::string::npos || pid.size() > 9) continue;
    if (::kill(std::stoi(pid), 0) != 0 && errno == ESRCH) stale.push_back(name);
  }
  for (const std::string& name : stale) std::remove(JoinPath(tmp_dir, name).c_str());
}

}  // namespace

struct Hub::Db : Catalog {};

void Hub::Init(const std::string& dir) {
  MakeDirs(JoinPath(dir, "blobs/sha256"));
  MakeDirs(JoinPath(dir, "tmp"));
  Catalog db;
  OpenDb(&db, JoinPath(dir, "hub.db"), /*create=*/true);
  db.Exec("PRAGMA journal_mode = WAL");
  WriteTransaction tx(db);
  for (const char* sql : kSchema) db.Exec(sql);
  tx.Commit();
}

Hub::Hub(const std::string& dir) : dir_(dir) {
  const std::string path = JoinPath(dir, "hub.db");
  if (!PathExists(path) || !IsDirectory(JoinPath(dir, "blobs"))) {
    throw Error(dir + ": not a hub (no hub.db / blobs/); create one with 'synthub hub init " + dir + "'");
  }
  db_ = std::make_unique<Db>();
  OpenDb(db_.get(), path, /*create=*/false);
  Stmt check(*db_, "SELECT COUNT(*) FROM revisions");
  check.Step();
  MakeDirs(JoinPath(dir, "tmp"));
  RemoveStaleUploads(JoinPath(dir, "tmp"));
}

Hub::~Hub() = default;

// --- blobs -------------------------------------------------------------------

std::string Hub::BlobPath(const std::string& sha256) const {
  ValidateSha256(sha256);
  return JoinPath(dir_, "blobs/sha256/" + sha256.substr(0, 2) + "/" + sha256);
}

bool Hub::HasBlob(const std::string& sha256) const { return PathExists(BlobPath(sha256)); }

void Hub::TouchBlob(const std::string& sha256) const {
  ::utimensat(AT_FDCWD, BlobPath(sha256).c_str(), nullptr, 0);  // best effort: gc keeps it longer
}

std::string Hub::TempPath() const {
  static std::atomic<uint64_t> counter{0};
  return JoinPath(dir_, "tmp/" + PidPrefix() + std::to_string(counter++) + "." + RandomHex(8));
}

void Hub::PutBlobFromFile(const std::string& tmp_path, const std::string& sha256, uint64_t size) {
  try {
    ValidateSha256(sha256);
    uint64_t got_size = 0;
    const std::string got = Sha256File(tmp_path, &got_size);
    if (got_size != size || got != sha256) {
      throw Error("upload refused: expected " + std::to_string(size) + " bytes with SHA-256 " + sha256 +
                  ", got " + std::to_string(got_size) + " bytes with SHA-256 " + got);
    }
    const std::string final_path = BlobPath(sha256);
    if (PathExists(final_path) && FileSize(final_path) == size) {
      std::remove(tmp_path.c_str());
      TouchBlob(sha256);
      return;
    }
    const int fd = ::open(tmp_path.c_str(), O_RDONLY);
    if (fd < 0 || ::fsync(fd) != 0) {
      const int err = errno;
      if (fd >= 0) ::close(fd);
      throw Error(tmp_path + ": fsync: " + ErrnoText(err));
    }
    ::close(fd);
    ::chmod(tmp_path.c_str(), 0444);  // blobs are immutable
    MakeDirs(JoinPath(dir_, "blobs/sha256/" + sha256.substr(0, 2)));
    if (std::rename(tmp_path.c_str(), final_path.c_str()) != 0) {
      throw Error(final_path + ": rename: " + ErrnoText(errno));
    }
  } catch (...) {
    std::remove(tmp_path.c_str());
    throw;
  }
}

void Hub::IngestFile(const std::string& src, const std::string& sha256, uint64_t size) {
  if (HasBlob(sha256) && FileSize(BlobPath(sha256)) == size) {
    TouchBlob(sha256);
    return;
  }
  const std::string tmp = TempPath();
  try {
    std::FILE* in = std::fopen(src.c_str(), "rb");
    if (!in) throw Error(src + ": " + ErrnoText(errno));
    std::FILE* out = std::fopen(tmp.c_str(), "wb");
    if (!out) {
      const int err = errno;
      std::fclose(in);
      throw Error(tmp + ": " + ErrnoText(err));
    }
    std::vector<char> buf(1 << 20);
    bool ok = true;
    int err = 0;  // the errno of the first failure (a full disk shows at fwrite or fclose)
    while (size_t n = std::fread(buf.data(), 1, buf.size(), in)) {
      if (std::fwrite(buf.data(), 1, n, out) != n) {
        ok = false;
        err = errno;
        break;
      }
    }
    if (ok && std::ferror(in)) ok = false, err = errno;
    std::fclose(in);
    if (std::fclose(out) != 0 && ok) ok = false, err = errno;
    if (!ok) throw Error(tmp + ": copy of " + src + " failed: " + ErrnoText(err));
    PutBlobFromFile(tmp, sha256, size);  // re-hashes: the file may have changed meanwhile
  } catch (const Error& e) {
    std::remove(tmp.c_str());
    throw Error(src + ": " + e.what());
  }
}

// --- revisions ---------------------------------------------------------------

Revision Hub::Commit(const std::string& manifest_json) {
  Revision r = ParseRevisionManifest(manifest_json);
  const Lock lock(dir_, /*exclusive=*/false);  // hub gc removes no blob meanwhile
  for (const FileEntry& f : r.files) {
    const std::string blob = BlobPath(f.sha256);
    if (!PathExists(blob)) throw Error(r.name + ": " + f.path + ": blob " + f.sha256 + " not uploaded");
    if (FileSize(blob) != f.size) {
      throw Error(r.name + ": " + f.path + ": blob " + f.sha256 + " has " +
                  std::to_string(FileSize(blob)) + " bytes, the manifest says " + std::to_string(f.size));
    }
    if (f.path == "README.md" && f.size <= kMaxCard) r.card = ReadFile(blob);
  }
  WriteTransaction tx(*db_);
  Stmt ins(*db_,
           "INSERT INTO revisions (id, kind, name, created, manifest, license, architecture, dataset, "
           "base_model, card) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (id) DO NOTHING");
  ins.Bind(r.id).Bind(r.kind).Bind(r.name).Bind(static_cast<int64_t>(std::time(nullptr)));
  ins.Bind(r.manifest_json).Bind(r.license).Bind(r.architecture).Bind(r.dataset);
  ins.Bind(r.base_model).Bind(r.card);
  ins.Run();
  if (sqlite3_changes(db_->db) == 1) {
    for (const FileEntry& f : r.files) {
      Stmt file(*db_, "INSERT INTO files (revision, path, size, sha256) VALUES (?, ?, ?, ?)");
      file.Bind(r.id).Bind(f.path).Bind(static_cast<int64_t>(f.size)).Bind(f.sha256).Run();
    }
  }
  Stmt tag(*db_,
           "INSERT INTO tags (name, tag, revision) VALUES (?, ?, ?) "
           "ON CONFLICT (name, tag) DO UPDATE SET revision = excluded.revision");
  tag.Bind(r.name).Bind(std::string("latest")).Bind(r.id).Run();
  tx.Commit();
  return Get(r.id);
}

Revision Hub::Get(const std::string& revision_id) const {
  Stmt q(*db_,
         "SELECT id, kind, name, created, manifest, license, architecture, dataset, base_model, card "
         "FROM revisions WHERE id = ?");
  q.Bind(revision_id);
  if (!q.Step()) throw Error("no revision " + Shown(revision_id) + " in " + dir_);
  Revision r;
  r.id = q.Text(0);
  r.kind = q.Text(1);
  r.name = q.Text(2);
  r.created = q.Int(3);
  r.manifest_json = q.Text(4);
  r.license = q.Text(5);
  r.architecture = q.Text(6);
  r.dataset = q.Text(7);
  r.base_model = q.Text(8);
  r.card = q.Text(9);
  Stmt files(*db_, "SELECT path, size, sha256 FROM files WHERE revision = ? ORDER BY path");
  files.Bind(r.id);
  while (files.Step()) {
    r.files.push_back({files.Text(0), static_cast<uint64_t>(files.Int(1)), files.Text(2)});
  }
  Stmt tags(*db_, "SELECT tag FROM tags WHERE revision = ? ORDER BY tag");
  tags.Bind(r.id);
  while (tags.Step()) r.tags.push_back(tags.Text(0));
  return r;
}

void Hub::Tag(const std::string& name, const std::string& tag, const std::string& revision_id) {
  ValidateName(name);
  ValidateTag(tag);
  const Revision r = Get(revision_id);
  if (r.name != name) throw Error("revision " + revision_id + " belongs to " + r.name + ", not " + name);
  WriteTransaction tx(*db_);
  Stmt up(*db_,
          "INSERT INTO tags (name, tag, revision) VALUES (?, ?, ?) "
          "ON CONFLICT (name, tag) DO UPDATE SET revision = excluded.revision");
  up.Bind(name).Bind(tag).Bind(revision_id).Run();
  tx.Commit();
}

Revision Hub::Resolve(const std::string& ref) const {
  const size_t at = ref.find('@');
  const std::string name = ref.substr(0, at);
  ValidateName(name);
  const std::string rev = at == std::string::npos ? "latest" : ref.substr(at + 1);
  if (rev.empty()) throw Error("bad reference " + Shown(ref) + ": empty after '@'");
  bool tag_ok = true;
  try {
    ValidateTag(rev);
  } catch (const Error&) {
    tag_ok = false;
  }
  if (tag_ok) {
    Stmt q(*db_, "SELECT revision FROM tags WHERE name = ? AND tag = ?");
    q.Bind(name).Bind(rev);
    if (q.Step()) return Get(q.Text(0));
  }
  const bool hex = IsRevisionIdPrefix(rev);
  if (!tag_ok && !hex) {
    throw Error("bad reference " + Shown(ref) + ": after '@' a tag or a revision id (8 to 64 hex digits)");
  }
  if (hex) {
    Stmt q(*db_, "SELECT id FROM revisions WHERE name = ? AND id LIKE ? ORDER BY id");
    q.Bind(name).Bind(rev + "%");
    std::vector<std::string> ids;
    while (q.Step() && ids.size() < 2) ids.push_back(q.Text(0));
    if (ids.size() == 1) return Get(ids[0]);
    if (ids.size() > 1) throw Error(Shown(ref) + ": revision prefix is ambiguous; give more digits");
  }
  if (at == std::string::npos) throw Error(name + ": not in the hub " + dir_);
  throw Error(Shown(ref) + ": no such tag or revision in the hub " + dir_);
}

std::vector<Revision> Hub::List(const Query& query) const {
  std::string sql = "SELECT id FROM revisions WHERE 1 = 1";
  std::vector<std::string> params;
  if (!query.kind.empty()) {
    sql += " AND kind = ?";
    params.push_back(query.kind);
  }
  if (!query.text.empty()) {
    sql += " AND (LOWER(name) LIKE ? ESCAPE '\\' OR LOWER(card) LIKE ? ESCAPE '\\')";
    const std::string like = "%" + LikeEscape(Lower(query.text)) + "%";
    params.push_back(like);
    params.push_back(like);
  }
  if (!query.tag.empty()) {
    sql += " AND id IN (SELECT revision FROM tags WHERE tag = ?)";
    params.push_back(query.tag);
  }
  if (!query.architecture.empty()) {
    sql += " AND LOWER(architecture) LIKE ? ESCAPE '\\'";
    params.push_back("%" + LikeEscape(Lower(query.architecture)) + "%");
  }
  if (!query.license.empty()) {
    sql += " AND LOWER(license) = ?";
    params.push_back(Lower(query.license));
  }
  if (!query.dataset.empty()) {
    // A reference with '@' names one revision; a bare name every revision
    // of it; a hex string (>= 8 digits) a revision id prefix.
    const std::string& d = query.dataset;
    if (d.find('@') != std::string::npos) {
      sql += " AND dataset = ?";
      params.push_back(d.substr(0, d.find('@')) + "@" + Resolve(d).id);
    } else if (d.find('/') != std::string::npos) {
      sql += " AND (dataset = ? OR dataset LIKE ? ESCAPE '\\')";
      params.push_back(d);
      params.push_back(LikeEscape(d) + "@%");
    } else {
      sql += " AND (dataset = ? OR dataset LIKE ? ESCAPE '\\')";
      params.push_back(d);
      params.push_back("%@" + LikeEscape(d) + "%");
    }
  }
  sql += " ORDER BY name, created DESC, id";
  Stmt q(*db_, sql);
  for (const std::string& p : params) q.Bind(p);
  std::vector<std::string> ids;
  while (q.Step()) ids.push_back(q.Text(0));
  std::vector<Revision> out;
  for (const std::string& id : ids) out.push_back(Get(id));
  return out;
}

std::string Hub::RevisionWithFile(const std::string& kind, const std::string& path,
                                  const std::string& sha256) const {
  Stmt q(*db_,
         "SELECT r.name, r.id FROM files f JOIN revisions r ON r.id = f.revision "
         "WHERE r.kind = ? AND f.path = ? AND f.sha256 = ? ORDER BY r.created DESC, r.id");
  q.Bind(kind).Bind(path).Bind(sha256);
  return q.Step() ? q.Text(0) + "@" + q.Text(1) : "";
}

std::string Hub::CatalogIntegrity() const {
  Stmt q(*db_, "PRAGMA integrity_check");
  std::string out;
  while (q.Step()) out += (out.empty() ? "" : "; ") + q.Text(0);
  return out;
}

// --- tokens ------------------------------------------------------------------

std::string Hub::CreateToken(const std::string& owner, const std::string& scope) {
  if (owner != "*") ValidateName(owner + "/x");  // the owner part's rules
  if (scope != "read" && scope != "write") throw Error("bad token scope " + Shown(scope) + ": read or write");
  const std::string token = "shub_" + RandomHex(32);
  WriteTransaction tx(*db_);
  Stmt ins(*db_, "INSERT INTO tokens (hash, owner, scope, created) VALUES (?, ?, ?, ?)");
  ins.Bind(Sha256Hex(token)).Bind(owner).Bind(scope).Bind(static_cast<int64_t>(std::time(nullptr))).Run();
  tx.Commit();
  return token;
}

bool Hub::CanWrite(const std::string& token, const std::string& owner) const {
  if (token.empty() || token.size() > 256) return false;
  Stmt q(*db_, "SELECT owner, scope FROM tokens WHERE hash = ?");
  q.Bind(Sha256Hex(token));
  if (!q.Step()) return false;
  return q.Text(1) == "write" && (q.Text(0) == "*" || q.Text(0) == owner);
}

}  // namespace synthub::hub
