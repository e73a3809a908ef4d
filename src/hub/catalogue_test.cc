#include "hub/catalogue.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdlib>
#include <string>
#include <thread>

#include "hub/hub.h"
#include "synthub/error.h"
#include "util/file.h"
#include "util/hex.h"
#include "util/test_util.h"

namespace synthub::hub {
namespace {

// A fresh database on this run's PostgreSQL server (scripts/with-postgres.sh).
std::string NewDatabase() {
  const std::string base = std::getenv("SYNTHUB_TEST_POSTGRES");
  const std::string db = "c_" + std::to_string(::getpid()) + "_" + RandomHex(6);
  OpenPostgresCatalogue(base)->Exec("CREATE DATABASE " + db);
  std::string url = base;
  return url.replace(url.find("/postgres?") + 1, 8, db);
}

class PostgresCatalogueTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (!std::getenv("SYNTHUB_TEST_POSTGRES")) GTEST_SKIP() << "no PostgreSQL server for this run";
    url_ = NewDatabase();
  }
  // Cuts every other connection to this test's database, as a server
  // restart does.
  void TerminateOthers() {
    auto admin = OpenPostgresCatalogue(url_);
    admin->Query(
        "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
        "WHERE datname = current_database() AND pid <> pg_backend_pid()");
  }
  std::string url_;
};

TEST(CatalogueUrlTest, RedactsPasswords) {
  EXPECT_EQ(RedactUrl("postgresql://alice:s3cret@db.lab:5432/hub"), "postgresql://alice:***@db.lab:5432/hub");
  EXPECT_EQ(RedactUrl("postgresql://alice@db/hub?password=s3cret&sslmode=require"),
            "postgresql://alice@db/hub?password=***&sslmode=require");
  EXPECT_EQ(RedactUrl("postgresql://db.lab/hub"), "postgresql://db.lab/hub");
  EXPECT_TRUE(IsPostgresUrl("postgres://x/y"));
  EXPECT_FALSE(IsPostgresUrl("sqlite:///x"));
}

TEST(CatalogueUrlTest, UnreachableOrMalformedFailsFastAndLeavesNoHub) {
  const test::TempDir tmp;
  const auto start = std::chrono::steady_clock::now();
  EXPECT_THROW(Hub::Init(tmp.File("h1"), "postgresql://nobody@127.0.0.1:1/hub"), CatalogueUnavailable);
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(5));
  EXPECT_FALSE(PathExists(tmp.File("h1/hub.conf")));
  EXPECT_THROW(Hub(tmp.File("h1")), Error);  // not a hub
  try {
    Hub::Init(tmp.File("h2"), "postgresql://alice:pw@host:notaport/db");
    ADD_FAILURE() << "a malformed URL was accepted";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("postgresql://alice:***@"), std::string::npos) << e.what();
    EXPECT_EQ(std::string(e.what()).find("pw"), std::string::npos) << e.what();
  }
  EXPECT_THROW(Hub::Init(tmp.File("h3"), "mysql://x/y"), Error);
}

TEST_F(PostgresCatalogueTest, AnIdleConnectionCutByARestartReconnects) {
  auto db = OpenPostgresCatalogue(url_);
  CreateCatalogueSchema(*db, /*postgres=*/true);
  EXPECT_EQ(db->Query("SELECT COUNT(*) FROM revisions").at(0).at(0), "0");
  TerminateOthers();
  EXPECT_EQ(db->Query("SELECT COUNT(*) FROM revisions").at(0).at(0), "0");  // a new connection, no error
}

TEST_F(PostgresCatalogueTest, AWriteCutMidTransactionFailsAndLeavesNothing) {
  auto db = OpenPostgresCatalogue(url_);
  CreateCatalogueSchema(*db, /*postgres=*/true);
  db->Begin();
  db->Exec("INSERT INTO tokens (hash, owner, scope, created) VALUES (?, ?, ?, ?)",
           {std::string("h1"), std::string("alice"), std::string("write"), int64_t{1}});
  TerminateOthers();
  EXPECT_THROW(db->Exec("INSERT INTO tokens (hash, owner, scope, created) VALUES (?, ?, ?, ?)",
                        {std::string("h2"), std::string("alice"), std::string("write"), int64_t{2}}),
               CatalogueUnavailable);
  db->Rollback();
  EXPECT_EQ(db->Query("SELECT COUNT(*) FROM tokens").at(0).at(0), "0");  // reconnected; nothing committed
}

TEST_F(PostgresCatalogueTest, AServerThatIsGoneGivesUnavailableNotAHang) {
  auto db = OpenPostgresCatalogue(url_);
  CreateCatalogueSchema(*db, /*postgres=*/true);
  db->LockStore(/*exclusive=*/false);  // a held lock forbids a silent reconnect
  TerminateOthers();
  EXPECT_THROW(db->Query("SELECT COUNT(*) FROM revisions"), CatalogueUnavailable);
  db->UnlockStore();
  EXPECT_EQ(db->Query("SELECT COUNT(*) FROM revisions").at(0).at(0), "0");
}

// The store lock excludes commits (shared) from gc (exclusive) across
// connections: across processes and, with PostgreSQL, machines.
void ExpectStoreLockExcludes(CatalogueDb& gc, CatalogueDb& commit) {
  gc.LockStore(/*exclusive=*/true);
  std::atomic<bool> got{false};
  std::thread t([&] {
    commit.LockStore(/*exclusive=*/false);
    got = true;
    commit.UnlockStore();
  });
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  EXPECT_FALSE(got.load());
  gc.UnlockStore();
  t.join();
  EXPECT_TRUE(got.load());
}

TEST_F(PostgresCatalogueTest, StoreLockExcludesAcrossConnections) {
  auto a = OpenPostgresCatalogue(url_);
  auto b = OpenPostgresCatalogue(url_);
  ExpectStoreLockExcludes(*a, *b);
}

TEST(SqliteCatalogueTest, StoreLockExcludesAcrossConnections) {
  const test::TempDir tmp;
  auto a = OpenSqliteCatalogue(tmp.File("hub.db"), /*create=*/true);
  auto b = OpenSqliteCatalogue(tmp.File("hub.db"), /*create=*/false);
  ExpectStoreLockExcludes(*a, *b);
}

TEST(SqliteCatalogueTest, PlaceholdersBindValuesNeverSplice) {
  const test::TempDir tmp;
  auto db = OpenSqliteCatalogue(tmp.File("hub.db"), /*create=*/true);
  CreateCatalogueSchema(*db, /*postgres=*/false);
  const std::string evil = "x'); DROP TABLE tokens; --";
  EXPECT_EQ(db->Exec("INSERT INTO tokens (hash, owner, scope, created) VALUES (?, ?, ?, ?)",
                     {evil, std::string("o"), std::string("read"), int64_t{7}}),
            1);
  const auto rows = db->Query("SELECT hash, created FROM tokens WHERE hash = ?", {evil});
  ASSERT_EQ(rows.size(), 1u);
  EXPECT_EQ(rows[0][0], evil);
  EXPECT_EQ(rows[0][1], "7");
}

}  // namespace
}  // namespace synthub::hub
