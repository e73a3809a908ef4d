#include "hub/hub.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <csignal>
#include <cstdio>
#include <ctime>
#include <nlohmann/json.hpp>
#include <sstream>
#include <unordered_map>

#include "hub/catalogue.h"
#include "synthub/error.h"
#include "util/file.h"
#include "util/hex.h"
#include "util/sha256.h"

namespace synthub::hub {
namespace {

using json = nlohmann::json;

constexpr uint64_t kMaxCard = 1 << 20;  // README.md bytes kept in the catalogue

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

// Rolls a write transaction back unless committed.
class WriteTransaction {
 public:
  explicit WriteTransaction(CatalogueDb& db) : db_(db) { db_.Begin(); }
  ~WriteTransaction() {
    if (!done_) db_.Rollback();
  }
  void Commit() {
    done_ = true;
    db_.Commit();
  }

 private:
  CatalogueDb& db_;
  bool done_ = false;
};

// Holds the store lock (CatalogueDb::LockStore) for a scope.
class StoreLock {
 public:
  StoreLock(CatalogueDb& db, bool exclusive) : db_(db) { db_.LockStore(exclusive); }
  ~StoreLock() { db_.UnlockStore(); }

 private:
  CatalogueDb& db_;
};

// DIR/hub.conf: "key = value" lines; '#' starts a comment. The one key is
// `catalogue` (a PostgreSQL URL; without it the catalogue is DIR/hub.db).
std::string ConfiguredCatalogue(const std::string& dir) {
  const std::string path = JoinPath(dir, "hub.conf");
  if (!PathExists(path)) return "";
  std::string catalogue;
  int line_no = 0;
  std::istringstream in(ReadFile(path));
  for (std::string line; std::getline(in, line);) {
    ++line_no;
    if (const size_t hash = line.find('#'); hash != std::string::npos) line.resize(hash);
    const size_t eq = line.find('=');
    auto trim = [](std::string v) {
      const size_t a = v.find_first_not_of(" \t\r"), b = v.find_last_not_of(" \t\r");
      return a == std::string::npos ? std::string() : v.substr(a, b - a + 1);
    };
    if (trim(line).empty()) continue;
    if (eq == std::string::npos) throw Error(path + ":" + std::to_string(line_no) + ": expected key = value");
    const std::string key = trim(line.substr(0, eq)), value = trim(line.substr(eq + 1));
    if (key != "catalogue") throw Error(path + ":" + std::to_string(line_no) + ": unknown key " + Shown(key));
    if (!IsPostgresUrl(value)) {
      throw Error(path + ":" + std::to_string(line_no) + ": catalogue must be a postgresql:// URL");
    }
    catalogue = value;
  }
  return catalogue;
}

// `url`: DIR/hub.conf's catalogue (ConfiguredCatalogue), "" for SQLite.
std::unique_ptr<CatalogueDb> OpenCatalogue(const std::string& dir, const std::string& url, bool create) {
  if (!url.empty()) return OpenPostgresCatalogue(url);
  return OpenSqliteCatalogue(JoinPath(dir, "hub.db"), create);
}

// This machine, in temporary names: servers on several machines may share
// DIR/tmp/, and a process id means something only on its own machine.
const std::string& HostTag() {
  static const std::string tag = [] {
    char host[256] = {};
    ::gethostname(host, sizeof host - 1);
    return Sha256Hex(host).substr(0, 8);
  }();
  return tag;
}

std::string PidPrefix() { return std::to_string(::getpid()) + "-" + HostTag() + "."; }

// Removes tmp/ files of this machine's processes that are gone
// ("<pid>-<host tag>.<n>.<random>").
void RemoveStaleUploads(const std::string& tmp_dir) {
  std::vector<std::string> stale;
  for (const std::string& name : ListDirectory(tmp_dir)) {
    const size_t dash = name.find('-'), dot = name.find('.');
    if (dash == 0 || dash == std::string::npos || dot != dash + 9) continue;
    if (name.compare(dash + 1, 8, HostTag()) != 0) continue;  // another machine's upload
    const std::string pid = name.substr(0, dash);
    if (pid.find_first_not_of("0123456789") != std::string::npos || pid.size() > 9) continue;
    if (::kill(std::stoi(pid), 0) != 0 && errno == ESRCH) stale.push_back(name);
  }
  for (const std::string& name : stale) std::remove(JoinPath(tmp_dir, name).c_str());
}

}  // namespace

struct Hub::Db {
  std::unique_ptr<CatalogueDb> sql;
  // Revisions read before, without their tags: a revision never changes, so
  // its row and file list are read once per connection (tags can move; they
  // are read every time).
  std::unordered_map<std::string, Revision> revisions;
};

void Hub::Init(const std::string& dir, const std::string& catalogue) {
  if (!catalogue.empty()) {
    if (!IsPostgresUrl(catalogue)) throw Error("--catalogue: expected a postgresql:// URL, got " + Shown(catalogue));
    const std::string existing = ConfiguredCatalogue(dir);
    if (!existing.empty() && existing != catalogue) {
      throw Error(dir + ": already a hub on the catalogue " + RedactUrl(existing));
    }
    if (existing.empty() && PathExists(JoinPath(dir, "hub.db"))) {
      throw Error(dir + ": already a hub with a SQLite catalogue (hub.db); choose another folder");
    }
    // The schema first: a URL that does not work leaves no hub.conf behind.
    auto db = OpenPostgresCatalogue(catalogue);
    CreateCatalogueSchema(*db, /*postgres=*/true);
    MakeDirs(dir);
    if (existing.empty()) {
      const std::string conf = JoinPath(dir, "hub.conf");
      const std::string tmp = conf + ".tmp." + std::to_string(::getpid());
      const std::string text = "# synthub hub configuration (docs/hub.md)\ncatalogue = " + catalogue + "\n";
      const int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);  // the URL may carry a password
      const bool ok = fd >= 0 && ::write(fd, text.data(), text.size()) == static_cast<ssize_t>(text.size()) &&
                      ::fsync(fd) == 0;
      const int err = errno;
      if (fd >= 0) ::close(fd);
      if (!ok) {
        std::remove(tmp.c_str());
        throw Error(tmp + ": " + ErrnoText(err));
      }
      if (std::rename(tmp.c_str(), conf.c_str()) != 0) throw Error(conf + ": rename: " + ErrnoText(errno));
    }
  }
  MakeDirs(JoinPath(dir, "blobs/sha256"));
  MakeDirs(JoinPath(dir, "tmp"));
  const std::string url = ConfiguredCatalogue(dir);
  auto db = OpenCatalogue(dir, url, /*create=*/true);
  CreateCatalogueSchema(*db, /*postgres=*/!url.empty());
}

Hub::Hub(const std::string& dir) : dir_(dir) {
  const bool configured = PathExists(JoinPath(dir, "hub.conf"));
  if ((!configured && !PathExists(JoinPath(dir, "hub.db"))) || !IsDirectory(JoinPath(dir, "blobs"))) {
    throw Error(dir + ": not a hub (no hub.db or hub.conf, or no blobs/); create one with 'synthub hub init " +
                dir + "'");
  }
  db_ = std::make_unique<Db>();
  const std::string url = ConfiguredCatalogue(dir);
  postgres_ = !url.empty();
  db_->sql = OpenCatalogue(dir, url, /*create=*/false);
  db_->sql->Query("SELECT COUNT(*) FROM revisions");
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
  CatalogueDb& db = *db_->sql;
  const StoreLock lock(db, /*exclusive=*/false);  // hub gc removes no blob meanwhile
  for (const FileEntry& f : r.files) {
    const std::string blob = BlobPath(f.sha256);
    if (!PathExists(blob)) throw Error(r.name + ": " + f.path + ": blob " + f.sha256 + " not uploaded");
    if (FileSize(blob) != f.size) {
      throw Error(r.name + ": " + f.path + ": blob " + f.sha256 + " has " +
                  std::to_string(FileSize(blob)) + " bytes, the manifest says " + std::to_string(f.size));
    }
    if (f.path == "README.md" && f.size <= kMaxCard) r.card = ReadFile(blob);
  }
  WriteTransaction tx(db);
  const int64_t inserted = db.Exec(
      "INSERT INTO revisions (id, kind, name, created, manifest, license, architecture, dataset, "
      "base_model, card) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (id) DO NOTHING",
      {r.id, r.kind, r.name, static_cast<int64_t>(std::time(nullptr)), r.manifest_json, r.license,
       r.architecture, r.dataset, r.base_model, r.card});
  if (inserted == 1) {
    for (const FileEntry& f : r.files) {
      db.Exec("INSERT INTO files (revision, path, size, sha256) VALUES (?, ?, ?, ?)",
              {r.id, f.path, static_cast<int64_t>(f.size), f.sha256});
    }
  }
  db.Exec(
      "INSERT INTO tags (name, tag, revision) VALUES (?, ?, ?) "
      "ON CONFLICT (name, tag) DO UPDATE SET revision = excluded.revision",
      {r.name, std::string("latest"), r.id});
  tx.Commit();
  return Get(r.id);
}

Revision Hub::Get(const std::string& revision_id) const {
  std::vector<std::string> tags;
  for (const SqlRow& t : db_->sql->Query("SELECT tag FROM tags WHERE revision = ? ORDER BY tag", {revision_id})) {
    tags.push_back(t[0]);
  }
  return WithTags(revision_id, std::move(tags));
}

Revision Hub::WithTags(const std::string& revision_id, std::vector<std::string> tags) const {
  auto cached = db_->revisions.find(revision_id);
  if (cached == db_->revisions.end()) {
    if (db_->revisions.size() >= 256) db_->revisions.clear();
    cached = db_->revisions.emplace(revision_id, ReadRevision(revision_id)).first;
  }
  Revision r = cached->second;
  r.tags = std::move(tags);
  return r;
}

Revision Hub::ReadRevision(const std::string& revision_id) const {
  CatalogueDb& db = *db_->sql;
  const auto rows = db.Query(
      "SELECT id, kind, name, created, manifest, license, architecture, dataset, base_model, card "
      "FROM revisions WHERE id = ?",
      {revision_id});
  if (rows.empty()) throw Error("no revision " + Shown(revision_id) + " in " + dir_);
  const SqlRow& row = rows[0];
  Revision r;
  r.id = row[0];
  r.kind = row[1];
  r.name = row[2];
  r.created = std::stoll(row[3]);
  r.manifest_json = row[4];
  r.license = row[5];
  r.architecture = row[6];
  r.dataset = row[7];
  r.base_model = row[8];
  r.card = row[9];
  for (const SqlRow& f : db.Query("SELECT path, size, sha256 FROM files WHERE revision = ? ORDER BY path", {r.id})) {
    r.files.push_back({f[0], std::stoull(f[1]), f[2]});
  }
  return r;
}

void Hub::Tag(const std::string& name, const std::string& tag, const std::string& revision_id) {
  ValidateName(name);
  ValidateTag(tag);
  if (IsSha256Hex(tag)) throw Error("bad tag " + tag + ": 64 hex digits name a revision, not a tag");
  const Revision r = Get(revision_id);
  if (r.name != name) throw Error("revision " + revision_id + " belongs to " + r.name + ", not " + name);
  CatalogueDb& db = *db_->sql;
  WriteTransaction tx(db);
  db.Exec(
      "INSERT INTO tags (name, tag, revision) VALUES (?, ?, ?) "
      "ON CONFLICT (name, tag) DO UPDATE SET revision = excluded.revision",
      {name, tag, revision_id});
  tx.Commit();
}

Revision Hub::Resolve(const std::string& ref, bool with_tags) const {
  CatalogueDb& db = *db_->sql;
  const size_t at = ref.find('@');
  const std::string name = ref.substr(0, at);
  ValidateName(name);
  const std::string rev = at == std::string::npos ? "latest" : ref.substr(at + 1);
  if (rev.empty()) throw Error("bad reference " + Shown(ref) + ": empty after '@'");
  if (!with_tags && IsSha256Hex(rev) && db_->revisions.count(rev)) {
    // A full id read before (no tag is 64 hex digits): no query at all.
    Revision r = WithTags(rev, {});
    if (r.name == name) return r;
  }
  bool tag_ok = true;
  try {
    ValidateTag(rev);
  } catch (const Error&) {
    tag_ok = false;
  }
  if (tag_ok) {
    // The tagged revision and all its tags, in one round trip.
    const auto rows = db.Query(
        "SELECT t.revision, o.tag FROM tags t JOIN tags o ON o.revision = t.revision "
        "WHERE t.name = ? AND t.tag = ? ORDER BY o.tag",
        {name, rev});
    if (!rows.empty()) {
      std::vector<std::string> tags;
      for (const SqlRow& row : rows) tags.push_back(row[1]);
      return WithTags(rows[0][0], std::move(tags));
    }
  }
  const bool hex = IsRevisionIdPrefix(rev);
  if (!tag_ok && !hex) {
    throw Error("bad reference " + Shown(ref) + ": after '@' a tag or a revision id (8 to 64 hex digits)");
  }
  if (hex) {
    const auto ids = db.Query("SELECT id FROM revisions WHERE name = ? AND id LIKE ? ORDER BY id LIMIT 2",
                              {name, rev + "%"});
    if (ids.size() == 1) return Get(ids[0][0]);
    if (ids.size() > 1) throw Error(Shown(ref) + ": revision prefix is ambiguous; give more digits");
  }
  if (at == std::string::npos) throw Error(name + ": not in the hub " + dir_);
  throw Error(Shown(ref) + ": no such tag or revision in the hub " + dir_);
}

std::vector<Revision> Hub::List(const Query& query) const {
  std::string sql = "SELECT id, name, created FROM revisions WHERE 1 = 1";
  std::vector<SqlValue> params;
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
  // The revisions with their tags in one round trip (a row per tag).
  sql = "SELECT s.id, t.tag FROM (" + sql + ") s LEFT JOIN tags t ON t.revision = s.id "
        "ORDER BY s.name, s.created DESC, s.id, t.tag";
  std::vector<std::pair<std::string, std::vector<std::string>>> found;
  for (const SqlRow& row : db_->sql->Query(sql, params)) {
    if (found.empty() || found.back().first != row[0]) found.push_back({row[0], {}});
    if (!row[1].empty()) found.back().second.push_back(row[1]);  // NULL: no tag
  }
  std::vector<Revision> out;
  for (auto& [id, tags] : found) out.push_back(WithTags(id, std::move(tags)));
  return out;
}

std::string Hub::RevisionWithFile(const std::string& kind, const std::string& path,
                                  const std::string& sha256) const {
  const auto rows = db_->sql->Query(
      "SELECT r.name, r.id FROM files f JOIN revisions r ON r.id = f.revision "
      "WHERE r.kind = ? AND f.path = ? AND f.sha256 = ? ORDER BY r.created DESC, r.id LIMIT 1",
      {kind, path, sha256});
  return rows.empty() ? "" : rows[0][0] + "@" + rows[0][1];
}

std::string Hub::CatalogIntegrity() const { return db_->sql->Integrity(); }

std::string Hub::CatalogDescription() const { return db_->sql->Describe(); }

void Hub::LockStore(bool exclusive) const { db_->sql->LockStore(exclusive); }

void Hub::UnlockStore() const { db_->sql->UnlockStore(); }

// --- tokens ------------------------------------------------------------------

std::string Hub::CreateToken(const std::string& owner, const std::string& scope) {
  if (owner != "*") ValidateName(owner + "/x");  // the owner part's rules
  if (scope != "read" && scope != "write") throw Error("bad token scope " + Shown(scope) + ": read or write");
  const std::string token = "shub_" + RandomHex(32);
  CatalogueDb& db = *db_->sql;
  WriteTransaction tx(db);
  db.Exec("INSERT INTO tokens (hash, owner, scope, created) VALUES (?, ?, ?, ?)",
          {Sha256Hex(token), owner, scope, static_cast<int64_t>(std::time(nullptr))});
  tx.Commit();
  return token;
}

bool Hub::CanWrite(const std::string& token, const std::string& owner) const {
  if (token.empty() || token.size() > 256) return false;
  const auto rows = db_->sql->Query("SELECT owner, scope FROM tokens WHERE hash = ?", {Sha256Hex(token)});
  if (rows.empty()) return false;
  return rows[0][1] == "write" && (rows[0][0] == "*" || rows[0][0] == owner);
}

}  // namespace synthub::hub
