// The hub's catalogue database: one SQL dialect over two backends, SQLite
// (DIR/hub.db, the embedded default) and PostgreSQL (libpq, for several
// servers sharing one hub). docs/hub.md describes both.
//
// Statements use '?' placeholders (PostgreSQL's $1, $2... are made from
// them) and bound values, never concatenated ones; rows come back as text.
// One object is one connection: use it from one thread at a time.
#ifndef SYNTHUB_HUB_CATALOGUE_H_
#define SYNTHUB_HUB_CATALOGUE_H_

#include <cstdint>
#include <memory>
#include <string>
#include <variant>
#include <vector>

#include "synthub/error.h"

namespace synthub::hub {

// The catalogue cannot be reached (PostgreSQL down, restarting, or the
// connection lost mid-request). The server answers 503 (its handlers that
// turn an Error into 400/404 let this one pass). Nothing of an interrupted
// write transaction is visible afterwards.
class CatalogueUnavailable : public Error {
 public:
  explicit CatalogueUnavailable(const std::string& what) : Error(what) {}
};

using SqlValue = std::variant<std::string, int64_t>;
using SqlRow = std::vector<std::string>;

class CatalogueDb {
 public:
  virtual ~CatalogueDb() = default;

  // Runs one statement; returns its rows (each column as text; NULL as "").
  virtual std::vector<SqlRow> Query(const std::string& sql, const std::vector<SqlValue>& params = {}) = 0;
  // Runs one statement; returns the number of rows it inserted/updated/deleted.
  virtual int64_t Exec(const std::string& sql, const std::vector<SqlValue>& params = {}) = 0;

  // A write transaction: SQLite takes its write lock up front (BEGIN
  // IMMEDIATE), PostgreSQL runs READ COMMITTED. Rollback never throws.
  virtual void Begin() = 0;
  virtual void Commit() = 0;
  virtual void Rollback() noexcept = 0;

  // The store's lock between commits (shared) and the garbage collector
  // (exclusive), held until UnlockStore: SQLite's is an flock on
  // DIR/gc.lock beside hub.db (one machine); PostgreSQL's an advisory lock,
  // so servers on different machines exclude each other too.
  virtual void LockStore(bool exclusive) = 0;
  virtual void UnlockStore() noexcept = 0;

  // A consistency check of the database itself: "ok" or its findings.
  virtual std::string Integrity() = 0;
  // For messages: "SQLite DIR/hub.db" or "PostgreSQL user@host:port/db".
  virtual std::string Describe() const = 0;
};

// The schema (tables revisions, files, tags, tokens), created if missing.
void CreateCatalogueSchema(CatalogueDb& db, bool postgres);

std::unique_ptr<CatalogueDb> OpenSqliteCatalogue(const std::string& path, bool create);
// `url`: a libpq connection URI (postgresql://user@host:port/db?...) or
// key=value string. Connects with a 10 s timeout unless the URL sets
// connect_timeout; throws CatalogueUnavailable naming the server when it
// cannot connect, Error when the URL is malformed.
std::unique_ptr<CatalogueDb> OpenPostgresCatalogue(const std::string& url);
bool IsPostgresUrl(const std::string& s);  // postgresql:// or postgres://
// The URL with any password replaced by "***" (for messages and hub show).
std::string RedactUrl(const std::string& url);

}  // namespace synthub::hub

#endif  // SYNTHUB_HUB_CATALOGUE_H_
