#include "hub/catalogue.h"

#include <libpq-fe.h>
#include <sqlite3.h>

#include <cstring>
#include <mutex>
#include <optional>
#include <unordered_map>

#include "synthub/error.h"
#include "util/file.h"

namespace synthub::hub {
namespace {

// The schema, in SQL both backends accept; {C} marks the text columns that
// sort and compare bytewise (PostgreSQL: COLLATE "C", SQLite's default).
const char* const kSchema[] = {
    "CREATE TABLE IF NOT EXISTS revisions ("
    " id VARCHAR(64){C} PRIMARY KEY,"
    " kind VARCHAR(16) NOT NULL,"
    " name VARCHAR(129){C} NOT NULL,"
    " created BIGINT NOT NULL,"
    " manifest TEXT NOT NULL,"
    " license TEXT NOT NULL,"
    " architecture TEXT NOT NULL,"
    " dataset TEXT{C} NOT NULL,"
    " base_model TEXT{C} NOT NULL,"
    " card TEXT NOT NULL)",
    "CREATE INDEX IF NOT EXISTS revisions_name ON revisions (name)",
    "CREATE TABLE IF NOT EXISTS files ("
    " revision VARCHAR(64){C} NOT NULL REFERENCES revisions (id),"
    " path TEXT{C} NOT NULL,"
    " size BIGINT NOT NULL,"
    " sha256 VARCHAR(64){C} NOT NULL,"
    " PRIMARY KEY (revision, path))",
    "CREATE INDEX IF NOT EXISTS files_sha256 ON files (sha256)",
    "CREATE TABLE IF NOT EXISTS tags ("
    " name VARCHAR(129){C} NOT NULL,"
    " tag VARCHAR(64){C} NOT NULL,"
    " revision VARCHAR(64){C} NOT NULL REFERENCES revisions (id),"
    " PRIMARY KEY (name, tag))",
    "CREATE TABLE IF NOT EXISTS tokens ("
    " hash VARCHAR(64) PRIMARY KEY,"
    " owner VARCHAR(64) NOT NULL,"
    " scope VARCHAR(8) NOT NULL,"
    " created BIGINT NOT NULL)",
};

// The advisory lock key of the store lock ("synthub" in ASCII, truncated).
constexpr int64_t kStoreLockKey = 0x73796e74687562;

// Prepared statements kept per connection (a request runs the same few
// statements again and again); past this many, the cache starts over.
constexpr size_t kMaxStatements = 128;

// --- SQLite ------------------------------------------------------------------

// SQLite's allocation statistics take one process-wide mutex on every
// malloc, which request threads then queue on; the hub does not read them.
void DisableSqliteMemoryStatistics() {
  static std::once_flag once;
  std::call_once(once, [] { sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0); });  // MISUSE if already initialised: harmless
}

class SqliteCatalogue : public CatalogueDb {
 public:
  SqliteCatalogue(const std::string& path, bool create) : path_(path) {
    DisableSqliteMemoryStatistics();
    const int flags = SQLITE_OPEN_READWRITE | (create ? SQLITE_OPEN_CREATE : 0) | SQLITE_OPEN_NOMUTEX;
    if (sqlite3_open_v2(path.c_str(), &db_, flags, nullptr) != SQLITE_OK) {
      const std::string msg = db_ ? sqlite3_errmsg(db_) : "out of memory";
      if (db_) sqlite3_close(db_);
      db_ = nullptr;
      throw Error(path + ": cannot open the hub catalogue: " + msg);
    }
    sqlite3_busy_timeout(db_, 30000);
    sqlite3_extended_result_codes(db_, 1);
    // Plans that do not depend on bound values: else a statement with
    // `LIKE ?` is prepared again whenever the value changes, i.e. on every
    // use of the cached statement (perf: a third of a search request).
    sqlite3_db_config(db_, SQLITE_DBCONFIG_ENABLE_QPSG, 1, nullptr);
    Exec("PRAGMA foreign_keys = ON", {});
    if (create) Exec("PRAGMA journal_mode = WAL", {});
  }
  ~SqliteCatalogue() override {
    FinalizeStatements();
    if (db_) sqlite3_close(db_);
  }

  std::vector<SqlRow> Query(const std::string& sql, const std::vector<SqlValue>& params) override {
    std::vector<SqlRow> rows;
    Run(sql, params, &rows);
    return rows;
  }
  int64_t Exec(const std::string& sql, const std::vector<SqlValue>& params) override {
    Run(sql, params, nullptr);
    return sqlite3_changes(db_);
  }
  void Begin() override { Exec("BEGIN IMMEDIATE", {}); }  // the write lock up front: no upgrade failure
  void Commit() override { Exec("COMMIT", {}); }
  void Rollback() noexcept override { sqlite3_exec(db_, "ROLLBACK", nullptr, nullptr, nullptr); }

  void LockStore(bool exclusive) override {
    lock_.reset();
    const size_t slash = path_.rfind('/');
    lock_.emplace(path_.substr(0, slash == std::string::npos ? 0 : slash + 1) + "gc.lock", exclusive);
  }
  void UnlockStore() noexcept override { lock_.reset(); }

  std::string Integrity() override {
    std::string out;
    for (const SqlRow& row : Query("PRAGMA integrity_check", {})) out += (out.empty() ? "" : "; ") + row[0];
    return out;
  }
  std::string Describe() const override { return "SQLite " + path_; }

 private:
  [[noreturn]] void Fail(const std::string& what) const {
    throw Error(path_ + ": " + what + ": " + sqlite3_errmsg(db_));
  }
  void FinalizeStatements() noexcept {
    for (auto& [sql, stmt] : statements_) sqlite3_finalize(stmt);
    statements_.clear();
  }
  // The statement for `sql`, prepared once per connection.
  sqlite3_stmt* Statement(const std::string& sql) {
    if (auto it = statements_.find(sql); it != statements_.end()) return it->second;
    if (statements_.size() >= kMaxStatements) FinalizeStatements();
    sqlite3_stmt* stmt = nullptr;
    if (sqlite3_prepare_v3(db_, sql.c_str(), static_cast<int>(sql.size()), SQLITE_PREPARE_PERSISTENT, &stmt,
                           nullptr) != SQLITE_OK) {
      Fail("prepare");
    }
    statements_.emplace(sql, stmt);
    return stmt;
  }
  void Run(const std::string& sql, const std::vector<SqlValue>& params, std::vector<SqlRow>* rows) {
    sqlite3_stmt* stmt = Statement(sql);
    struct Reset {  // ready for its next use, whatever happens here
      sqlite3_stmt* s;
      ~Reset() {
        sqlite3_reset(s);
        sqlite3_clear_bindings(s);
      }
    } reset{stmt};
    int n = 0;
    for (const SqlValue& v : params) {
      int rc;
      if (const auto* s = std::get_if<std::string>(&v)) {
        rc = sqlite3_bind_text(stmt, ++n, s->data(), static_cast<int>(s->size()), SQLITE_TRANSIENT);
      } else {
        rc = sqlite3_bind_int64(stmt, ++n, std::get<int64_t>(v));
      }
      if (rc != SQLITE_OK) Fail("bind");
    }
    for (;;) {
      const int rc = sqlite3_step(stmt);
      if (rc == SQLITE_DONE) return;
      if (rc != SQLITE_ROW) Fail("step");
      if (!rows) continue;
      SqlRow row(static_cast<size_t>(sqlite3_column_count(stmt)));
      for (size_t c = 0; c < row.size(); ++c) {
        const int col = static_cast<int>(c);
        const auto* p = reinterpret_cast<const char*>(sqlite3_column_text(stmt, col));
        if (p) row[c].assign(p, static_cast<size_t>(sqlite3_column_bytes(stmt, col)));
      }
      rows->push_back(std::move(row));
    }
  }

  std::string path_;
  sqlite3* db_ = nullptr;
  std::unordered_map<std::string, sqlite3_stmt*> statements_;
  std::optional<FileLock> lock_;
};

// --- PostgreSQL ----------------------------------------------------------------

// '?' placeholders to $1, $2, ... (outside quoted literals).
std::string NumberPlaceholders(const std::string& sql) {
  std::string out;
  int n = 0;
  bool quoted = false;
  for (char c : sql) {
    if (c == '\'') quoted = !quoted;
    if (c == '?' && !quoted) {
      out += "$" + std::to_string(++n);
    } else {
      out += c;
    }
  }
  return out;
}

// SQLSTATE classes that mean "the server is not there now": connection
// exceptions (08), operator intervention (57: shutdown, starting up).
bool UnavailableState(const char* state) {
  return state && (std::strncmp(state, "08", 2) == 0 || std::strncmp(state, "57", 2) == 0);
}

void IgnoreNotice(void*, const char*) {}  // "relation exists, skipping" and the like

class PostgresCatalogue : public CatalogueDb {
 public:
  explicit PostgresCatalogue(const std::string& url) : url_(url) {
    char* err = nullptr;
    PQconninfoOption* parsed = PQconninfoParse(url.c_str(), &err);
    if (!parsed) {
      const std::string msg = err ? err : "out of memory";
      PQfreemem(err);
      throw Error("bad PostgreSQL URL " + RedactUrl(url) + ": " + Trim(msg));
    }
    PQconninfoFree(parsed);
    Connect();
  }
  ~PostgresCatalogue() override {
    if (conn_) PQfinish(conn_);
  }

  std::vector<SqlRow> Query(const std::string& sql, const std::vector<SqlValue>& params) override {
    std::vector<SqlRow> rows;
    PGresult* res = Run(sql, params);
    const int nrows = PQntuples(res), ncols = PQnfields(res);
    rows.reserve(static_cast<size_t>(nrows));
    for (int r = 0; r < nrows; ++r) {
      SqlRow row(static_cast<size_t>(ncols));
      for (int c = 0; c < ncols; ++c) {
        row[static_cast<size_t>(c)].assign(PQgetvalue(res, r, c), static_cast<size_t>(PQgetlength(res, r, c)));
      }
      rows.push_back(std::move(row));
    }
    PQclear(res);
    return rows;
  }
  int64_t Exec(const std::string& sql, const std::vector<SqlValue>& params) override {
    PGresult* res = Run(sql, params);
    const char* n = PQcmdTuples(res);
    const int64_t changed = n && *n ? std::stoll(n) : 0;
    PQclear(res);
    return changed;
  }
  void Begin() override {
    Exec("BEGIN", {});
    in_transaction_ = true;
  }
  void Commit() override {
    in_transaction_ = false;  // whatever COMMIT answers, the transaction is over
    Exec("COMMIT", {});
  }
  void Rollback() noexcept override {
    if (!in_transaction_) return;
    in_transaction_ = false;
    if (PQstatus(conn_) == CONNECTION_OK) PQclear(PQexec(conn_, "ROLLBACK"));
  }

  void LockStore(bool exclusive) override {
    UnlockStore();
    Query(exclusive ? "SELECT pg_advisory_lock(?::bigint)" : "SELECT pg_advisory_lock_shared(?::bigint)",
          {kStoreLockKey});
    locked_ = exclusive ? 2 : 1;
  }
  void UnlockStore() noexcept override {
    if (!locked_) return;
    const char* sql = locked_ == 2 ? "SELECT pg_advisory_unlock($1::bigint)" : "SELECT pg_advisory_unlock_shared($1::bigint)";
    locked_ = 0;
    if (PQstatus(conn_) != CONNECTION_OK) return;  // a closed session holds no lock
    const std::string key = std::to_string(kStoreLockKey);
    const char* values[] = {key.c_str()};
    PQclear(PQexecParams(conn_, sql, 1, nullptr, values, nullptr, nullptr, 0));
  }

  std::string Integrity() override {
    const auto rows = Query(
        "SELECT (SELECT COUNT(*) FROM files f WHERE NOT EXISTS (SELECT 1 FROM revisions r WHERE r.id = f.revision)),"
        " (SELECT COUNT(*) FROM tags t WHERE NOT EXISTS (SELECT 1 FROM revisions r WHERE r.id = t.revision))",
        {});
    if (rows.at(0).at(0) == "0" && rows.at(0).at(1) == "0") return "ok";
    return rows[0][0] + " file rows and " + rows[0][1] + " tags name a missing revision";
  }
  std::string Describe() const override { return "PostgreSQL " + where_; }

 private:
  static std::string Trim(std::string s) {
    while (!s.empty() && (s.back() == '\n' || s.back() == ' ')) s.pop_back();
    return s;
  }

  void Connect() {
    if (conn_) PQfinish(conn_);
    // Later keywords override earlier ones: the URL's own connect_timeout wins.
    const char* keys[] = {"connect_timeout", "application_name", "dbname", nullptr};
    const char* values[] = {"10", "synthub-hub", url_.c_str(), nullptr};
    conn_ = PQconnectdbParams(keys, values, /*expand_dbname=*/1);
    if (!conn_) throw CatalogueUnavailable("PostgreSQL: out of memory");
    if (PQstatus(conn_) != CONNECTION_OK) {
      const std::string msg = Trim(PQerrorMessage(conn_));
      PQfinish(conn_);  // a constructor that throws runs no destructor
      conn_ = nullptr;
      throw CatalogueUnavailable("the hub catalogue (PostgreSQL " + RedactUrl(url_) + ") is unavailable: " + msg);
    }
    PQsetNoticeProcessor(conn_, IgnoreNotice, nullptr);
    const char* host = PQhost(conn_);
    where_ = std::string(PQuser(conn_)) + "@" + (host ? host : "") + ":" + PQport(conn_) + "/" + PQdb(conn_);
  }

  // Runs one statement. A connection found broken before a statement that
  // opens nothing (no transaction, no store lock) is re-made and the
  // statement retried once; inside a transaction the request fails with
  // CatalogueUnavailable (the server rolled it back).
  PGresult* Run(const std::string& sql, const std::vector<SqlValue>& params) {
    std::vector<std::string> text;
    text.reserve(params.size());
    for (const SqlValue& v : params) {
      if (const auto* s = std::get_if<std::string>(&v)) {
        text.push_back(*s);
      } else {
        text.push_back(std::to_string(std::get<int64_t>(v)));
      }
    }
    std::vector<const char*> values;
    std::vector<int> lengths;
    for (const std::string& t : text) {
      values.push_back(t.c_str());
      lengths.push_back(static_cast<int>(t.size()));
    }
    const bool may_reconnect = !in_transaction_ && !locked_ && sql != "COMMIT";
    for (int attempt = 0;; ++attempt) {
      if (PQstatus(conn_) != CONNECTION_OK) {
        if (!may_reconnect) Unavailable("the connection was lost");
        Reset();
        if (PQstatus(conn_) != CONNECTION_OK) Unavailable(Trim(PQerrorMessage(conn_)));
      }
      PGresult* res = Execute(sql, values, lengths);
      const ExecStatusType status = res ? PQresultStatus(res) : PGRES_FATAL_ERROR;
      if (status == PGRES_COMMAND_OK || status == PGRES_TUPLES_OK) return res;
      const std::string msg = Trim(res ? PQresultErrorMessage(res) : PQerrorMessage(conn_));
      const char* state = res ? PQresultErrorField(res, PG_DIAG_SQLSTATE) : nullptr;
      const bool lost = PQstatus(conn_) != CONNECTION_OK || UnavailableState(state);
      PQclear(res);
      if (!lost) throw Error(Describe() + ": " + msg);
      if (!may_reconnect || attempt > 0) {
        in_transaction_ = false;
        locked_ = 0;
        Unavailable(msg);
      }
      Reset();  // an idle connection closed by a restart: once more on a new one
    }
  }

  // A new connection: the old one's prepared statements are gone with it.
  void Reset() {
    prepared_.clear();
    PQreset(conn_);
    PQsetNoticeProcessor(conn_, IgnoreNotice, nullptr);
  }

  // Executes `sql` as a statement prepared once per connection (parsed and
  // planned once, not per request). Returns the failing step's result.
  PGresult* Execute(const std::string& sql, const std::vector<const char*>& values, const std::vector<int>& lengths) {
    auto it = prepared_.find(sql);
    if (it == prepared_.end()) {
      if (prepared_.size() >= kMaxStatements) {
        PGresult* res = PQexec(conn_, "DEALLOCATE ALL");
        if (!res || PQresultStatus(res) != PGRES_COMMAND_OK) return res;
        PQclear(res);
        prepared_.clear();
      }
      const std::string name = "synthub_" + std::to_string(++statements_made_);
      PGresult* res =
          PQprepare(conn_, name.c_str(), NumberPlaceholders(sql).c_str(), static_cast<int>(values.size()), nullptr);
      if (!res || PQresultStatus(res) != PGRES_COMMAND_OK) return res;
      PQclear(res);
      it = prepared_.emplace(sql, name).first;
    }
    return PQexecPrepared(conn_, it->second.c_str(), static_cast<int>(values.size()), values.data(), lengths.data(),
                          nullptr, 0);
  }

  [[noreturn]] void Unavailable(const std::string& why) {
    throw CatalogueUnavailable("the hub catalogue (PostgreSQL " + RedactUrl(url_) + ") is unavailable: " + why);
  }

  std::string url_, where_;
  PGconn* conn_ = nullptr;
  std::unordered_map<std::string, std::string> prepared_;  // SQL -> statement name
  uint64_t statements_made_ = 0;
  bool in_transaction_ = false;
  int locked_ = 0;  // 0, 1 shared, 2 exclusive
};

}  // namespace

void CreateCatalogueSchema(CatalogueDb& db, bool postgres) {
  db.Begin();
  try {
    // Two `hub init`s at once: PostgreSQL's CREATE ... IF NOT EXISTS can race.
    if (postgres) db.Query("SELECT pg_advisory_xact_lock(?::bigint)", {kStoreLockKey + 1});
    for (const char* sql : kSchema) {
      std::string s = sql;
      for (size_t at; (at = s.find("{C}")) != std::string::npos;) s.replace(at, 3, postgres ? " COLLATE \"C\"" : "");
      db.Exec(s, {});
    }
    db.Commit();
  } catch (...) {
    db.Rollback();
    throw;
  }
}

std::unique_ptr<CatalogueDb> OpenSqliteCatalogue(const std::string& path, bool create) {
  return std::make_unique<SqliteCatalogue>(path, create);
}

std::unique_ptr<CatalogueDb> OpenPostgresCatalogue(const std::string& url) {
  return std::make_unique<PostgresCatalogue>(url);
}

bool IsPostgresUrl(const std::string& s) {
  return s.rfind("postgresql://", 0) == 0 || s.rfind("postgres://", 0) == 0;
}

std::string RedactUrl(const std::string& url) {
  std::string out = url;
  // postgresql://user:PASSWORD@host
  const size_t scheme = out.find("://");
  if (scheme != std::string::npos) {
    const size_t at = out.find('@', scheme + 3);
    const size_t slash = out.find('/', scheme + 3);
    const size_t colon = out.find(':', scheme + 3);
    if (at != std::string::npos && (slash == std::string::npos || at < slash) && colon != std::string::npos &&
        colon < at) {
      out.replace(colon + 1, at - colon - 1, "***");
    }
  }
  // ...?password=PASSWORD&...  or  password=PASSWORD in a key=value string
  for (size_t p = out.find("password="); p != std::string::npos; p = out.find("password=", p + 1)) {
    const size_t start = p + 9;
    size_t end = out.find_first_of("& ", start);
    if (end == std::string::npos) end = out.size();
    out.replace(start, end - start, "***");
  }
  return out;
}

}  // namespace synthub::hub
