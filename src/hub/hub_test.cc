#include "hub/hub.h"

#include <gtest/gtest.h>

#include <unistd.h>

#include <cstdlib>
#include <string>
#include <vector>

#include "hub/card.h"
#include "hub/catalogue.h"
#include "synthub/error.h"
#include "util/file.h"
#include "util/hex.h"
#include "util/sha256.h"
#include "util/test_util.h"

namespace synthub::hub {
namespace {

// The URL of a fresh database on the PostgreSQL server of this test run
// (SYNTHUB_TEST_POSTGRES, set by scripts/with-postgres.sh), or "" without one.
std::string NewPostgresDatabase() {
  const char* base = std::getenv("SYNTHUB_TEST_POSTGRES");
  if (!base || !*base) return "";
  static int seq = 0;
  const std::string db = "u_" + std::to_string(::getpid()) + "_" + std::to_string(++seq) + "_" + RandomHex(4);
  OpenPostgresCatalogue(base)->Exec("CREATE DATABASE " + db);
  std::string url = base;
  const size_t at = url.find("/postgres?");
  if (at == std::string::npos) throw Error("SYNTHUB_TEST_POSTGRES: expected .../postgres?host=...");
  return url.replace(at + 1, 8, db);
}

// A fresh hub in the temporary folder `tmp_dir` (removed with it), on the
// catalogue `backend` names.
std::string NewHubDir(const test::TempDir& tmp_dir, const std::string& backend = "sqlite") {
  const std::string dir = tmp_dir.File("hub");
  Hub::Init(dir, backend == "postgresql" ? NewPostgresDatabase() : "");
  return dir;
}

// The store tests run on both catalogues; PostgreSQL's only when this run
// has a server (scripts/test.sh starts one).
class HubStoreTest : public ::testing::TestWithParam<std::string> {
 protected:
  void SetUp() override {
    if (GetParam() == "postgresql" && !std::getenv("SYNTHUB_TEST_POSTGRES")) {
      GTEST_SKIP() << "no PostgreSQL server for this run (scripts/with-postgres.sh starts one)";
    }
  }
  std::string NewHub() { return NewHubDir(tmp_dir_, GetParam()); }
  test::TempDir tmp_dir_;
};

size_t CountFiles(const std::string& dir) {
  size_t n = 0;
  for (const std::string& name : ListDirectory(dir)) {
    const std::string path = dir + "/" + name;
    n += IsDirectory(path) ? CountFiles(path) : 1;
  }
  return n;
}

// Puts `bytes` into the store as a verified blob; returns its entry.
FileEntry PutBlob(Hub& hub, const std::string& path, const std::string& bytes) {
  const std::string tmp = hub.TempPath();
  WriteFileAtomic(tmp, bytes);
  const FileEntry e{path, bytes.size(), Sha256Hex(bytes)};
  hub.PutBlobFromFile(tmp, e.sha256, e.size);
  return e;
}

TEST(HubValidateTest, Names) {
  ValidateName("alice/fractal-1k");
  ValidateName("a.b/c_d.e-1");
  for (const std::string& bad : std::vector<std::string>{"", "alice", "alice/", "/x", "a/b/c", "Alice/x", "../x", "alice/..", "alice/.hidden", "al ice/x",
        std::string("ali\0ce/x", 8), std::string(65, 'a') + "/x", "a/" + std::string(65, 'b'), "a\\b/c"}) {
    EXPECT_THROW(ValidateName(bad), Error) << bad;
  }
}

TEST(HubValidateTest, Tags) {
  ValidateTag("v1");
  ValidateTag("Release-2.0_rc1");
  for (const std::string& bad : std::vector<std::string>{"", ".", "..", ".v1", "-v1", "v/1", "v 1", "../etc", std::string("v\0", 2),
                                std::string(65, 'v'), "v1@x"}) {
    EXPECT_THROW(ValidateTag(bad), Error) << bad;
  }
}

TEST(HubValidateTest, Paths) {
  ValidatePath("manifest.json");
  ValidatePath("sub/dir/shard-000001.tar");
  for (const std::string& bad : std::vector<std::string>{"", "/etc/passwd", "../x", "a/../b", "a/./b", "a//b", "a/", ".hidden", "a/.revision.json",
        std::string("a\0b", 3), "a\\b", "a\nb", std::string(1025, 'x'), std::string(256, 'y') + "/z"}) {
    EXPECT_THROW(ValidatePath(bad), Error) << bad;
  }
  ValidatePath(std::string(255, 'y') + "/z");
}

TEST(HubValidateTest, Sha256) {
  ValidateSha256(std::string(64, 'a'));
  EXPECT_THROW(ValidateSha256(std::string(64, 'A')), Error);
  EXPECT_THROW(ValidateSha256(std::string(63, 'a')), Error);
  EXPECT_THROW(ValidateSha256(std::string(63, 'a') + "g"), Error);
}

TEST(HubManifestTest, CanonicalAndSortedRoundTrip) {
  const std::string a(64, 'a'), b(64, 'b');
  const std::string m = RevisionManifestJson("dataset", "o/n", {{"z.tar", 2, b}, {"a.json", 1, a}},
                                             R"({"license":"mit","dataset":"x/y@1"})");
  const Revision r = ParseRevisionManifest(m);
  EXPECT_EQ(r.id, Sha256Hex(m));
  ASSERT_EQ(r.files.size(), 2u);
  EXPECT_EQ(r.files[0].path, "a.json");  // sorted
  EXPECT_EQ(r.license, "mit");
  EXPECT_EQ(r.dataset, "x/y@1");
  // Same parts in another order: the same bytes, the same id.
  EXPECT_EQ(RevisionManifestJson("dataset", "o/n", {{"a.json", 1, a}, {"z.tar", 2, b}},
                                 R"({"dataset":"x/y@1","license":"mit"})"),
            m);
}

TEST(HubManifestTest, RejectsNonCanonicalOrUnsafe) {
  const std::string a(64, 'a');
  const std::string good = RevisionManifestJson("model", "o/n", {{"x", 1, a}}, "{}");
  EXPECT_THROW(ParseRevisionManifest(good + " "), Error);  // not canonical
  std::string spaced = good;
  spaced.insert(1, " ");
  EXPECT_THROW(ParseRevisionManifest(spaced), Error);
  EXPECT_THROW(ParseRevisionManifest("not json"), Error);
  EXPECT_THROW(ParseRevisionManifest("[]"), Error);
  auto with = [&](const std::string& from, const std::string& to) {
    std::string s = good;
    const size_t at = s.find(from);
    SYNTHUB_CHECK(at != std::string::npos);
    return s.replace(at, from.size(), to);
  };
  EXPECT_THROW(ParseRevisionManifest(with("\"path\":\"x\"", "\"path\":\"../x\"")), Error);
  EXPECT_THROW(ParseRevisionManifest(with("\"path\":\"x\"", "\"path\":\"/x\"")), Error);
  EXPECT_THROW(ParseRevisionManifest(with("\"path\":\"x\"", "\"path\":\"a\\u0000b\"")), Error);
  EXPECT_THROW(ParseRevisionManifest(with("\"name\":\"o/n\"", "\"name\":\"o/../n\"")), Error);
  EXPECT_THROW(ParseRevisionManifest(with("\"kind\":\"model\"", "\"kind\":\"script\"")), Error);
  EXPECT_THROW(ParseRevisionManifest(with("\"version\":1", "\"version\":2")), Error);
  EXPECT_THROW(ParseRevisionManifest(with("\"size\":1", "\"size\":-1")), Error);
  EXPECT_THROW(ParseRevisionManifest(with("\"size\":1", "\"size\":1.5")), Error);
  EXPECT_THROW(ParseRevisionManifest(with("\"size\":1", "\"size\":18446744073709551615")), Error);
  EXPECT_THROW(ParseRevisionManifest(with(a, std::string(64, 'A'))), Error);
  // Repeated path (sorted but not strictly).
  EXPECT_THROW(ParseRevisionManifest(RevisionManifestJson("model", "o/n", {{"x", 1, a}, {"x", 1, a}}, "{}")),
               Error);
}

TEST_P(HubStoreTest, BlobWithWrongHashOrSizeIsRefusedAndRemoved) {
  const std::string dir = NewHub();
  Hub hub(dir);
  const std::string tmp = hub.TempPath();
  WriteFileAtomic(tmp, "hello");
  EXPECT_THROW(hub.PutBlobFromFile(tmp, Sha256Hex("other"), 5), Error);
  EXPECT_FALSE(PathExists(tmp));
  const std::string tmp2 = hub.TempPath();
  WriteFileAtomic(tmp2, "hello");
  EXPECT_THROW(hub.PutBlobFromFile(tmp2, Sha256Hex("hello"), 6), Error);
  EXPECT_FALSE(PathExists(tmp2));
  EXPECT_EQ(CountFiles(dir + "/blobs"), 0u);
  EXPECT_EQ(CountFiles(dir + "/tmp"), 0u);
  const FileEntry e = PutBlob(hub, "h", "hello");
  EXPECT_TRUE(hub.HasBlob(e.sha256));
  EXPECT_EQ(ReadFile(hub.BlobPath(e.sha256)), "hello");
  EXPECT_EQ(CountFiles(dir + "/tmp"), 0u);
  EXPECT_THROW(hub.BlobPath("../../etc/passwd"), Error);
}

TEST_P(HubStoreTest, CommitTagsResolveList) {
  const std::string dir = NewHub();
  Hub hub(dir);
  const FileEntry card = PutBlob(hub, "README.md", "---\nlicense: mit\n---\n# hello fractal card\n");
  const FileEntry w = PutBlob(hub, "model.safetensors", "weights");
  const std::string m1 = RevisionManifestJson("model", "alice/vit", {card, w},
                                              R"({"architecture":"vit_tiny_patch16_224","license":"mit",)"
                                              R"("dataset":"alice/data@)" + std::string(64, 'd') + "\"}");
  const Revision r1 = hub.Commit(m1);
  EXPECT_EQ(r1.id, Sha256Hex(m1));
  EXPECT_EQ(r1.tags, std::vector<std::string>{"latest"});
  EXPECT_NE(r1.card.find("hello fractal card"), std::string::npos);
  EXPECT_EQ(hub.Commit(m1).id, r1.id);  // idempotent
  EXPECT_EQ(hub.List({}).size(), 1u);

  hub.Tag("alice/vit", "v1", r1.id);
  EXPECT_EQ(hub.Resolve("alice/vit@v1").id, r1.id);
  EXPECT_EQ(hub.Resolve("alice/vit@" + r1.id.substr(0, 8)).id, r1.id);
  EXPECT_EQ(hub.Resolve("alice/vit@" + r1.id).id, r1.id);
  EXPECT_THROW(hub.Resolve("alice/vit@" + r1.id.substr(0, 7)), Error);  // too short a prefix
  EXPECT_THROW(hub.Resolve("alice/vit@nope"), Error);
  EXPECT_THROW(hub.Resolve("alice/other"), Error);
  EXPECT_THROW(hub.Resolve("alice/vit@"), Error);
  EXPECT_THROW(hub.Tag("bob/vit", "v1", r1.id), Error);  // another name's revision
  EXPECT_THROW(hub.Tag("alice/vit", "../v1", r1.id), Error);

  const FileEntry w2 = PutBlob(hub, "model.safetensors", "weights 2");
  const Revision r2 = hub.Commit(RevisionManifestJson("model", "alice/vit", {w2}, R"({"license":"apache-2.0"})"));
  EXPECT_EQ(hub.Resolve("alice/vit").id, r2.id);  // latest moved
  EXPECT_EQ(hub.Resolve("alice/vit@v1").id, r1.id);
  EXPECT_EQ(hub.Resolve("alice/vit@" + r1.id).tags, (std::vector<std::string>{"v1"}));  // tags read anew
  // A full id without tags: from this Hub's copy, the same row and files;
  // another name's revision is still not found.
  const Revision pinned = hub.Resolve("alice/vit@" + r1.id, /*with_tags=*/false);
  EXPECT_EQ(pinned.id, r1.id);
  EXPECT_EQ(pinned.files.size(), 2u);
  EXPECT_TRUE(pinned.tags.empty());
  EXPECT_THROW(hub.Resolve("bob/vit@" + r1.id, /*with_tags=*/false), Error);
  EXPECT_THROW(hub.Tag("alice/vit", r2.id, r1.id), Error);  // a tag may not look like an id

  Query q;
  q.architecture = "VIT_TINY";
  EXPECT_EQ(hub.List(q).size(), 1u);
  q = {};
  q.license = "MIT";
  EXPECT_EQ(hub.List(q).size(), 1u);
  q = {};
  q.text = "FRACTAL CARD";
  EXPECT_EQ(hub.List(q).size(), 1u);
  q = {};
  q.text = "%";  // LIKE wildcards are literal
  EXPECT_EQ(hub.List(q).size(), 0u);
  q = {};
  q.tag = "v1";
  ASSERT_EQ(hub.List(q).size(), 1u);
  EXPECT_EQ(hub.List(q)[0].id, r1.id);
  q = {};
  q.dataset = "alice/data";
  EXPECT_EQ(hub.List(q).size(), 1u);
  q.dataset = std::string(12, 'd');
  EXPECT_EQ(hub.List(q).size(), 1u);
  q.dataset = "alice/dat";
  EXPECT_EQ(hub.List(q).size(), 0u);
  q = {};
  q.kind = "dataset";
  EXPECT_EQ(hub.List(q).size(), 0u);
}

TEST_P(HubStoreTest, CommitNeedsEveryBlobWithItsSize) {
  const std::string dir = NewHub();
  Hub hub(dir);
  const std::string missing = RevisionManifestJson("model", "a/b", {{"x", 3, Sha256Hex("abc")}}, "{}");
  EXPECT_THROW(hub.Commit(missing), Error);
  const FileEntry e = PutBlob(hub, "x", "abc");
  EXPECT_THROW(hub.Commit(RevisionManifestJson("model", "a/b", {{"x", 4, e.sha256}}, "{}")), Error);
  EXPECT_EQ(hub.List({}).size(), 0u);  // nothing half-committed
  EXPECT_THROW(hub.Commit(RevisionManifestJson("model", "a/b", {e}, "{}") + "\n"), Error);
  hub.Commit(RevisionManifestJson("model", "a/b", {e}, "{}"));
  EXPECT_EQ(hub.List({}).size(), 1u);
}

TEST_P(HubStoreTest, TokensAreHashedAndScoped) {
  const std::string dir = NewHub();
  Hub hub(dir);
  const std::string w = hub.CreateToken("alice", "write");
  const std::string r = hub.CreateToken("alice", "read");
  const std::string all = hub.CreateToken("*", "write");
  EXPECT_TRUE(hub.CanWrite(w, "alice"));
  EXPECT_FALSE(hub.CanWrite(w, "bob"));
  EXPECT_FALSE(hub.CanWrite(r, "alice"));
  EXPECT_TRUE(hub.CanWrite(all, "bob"));
  EXPECT_FALSE(hub.CanWrite("", "alice"));
  EXPECT_FALSE(hub.CanWrite(w + "x", "alice"));
  EXPECT_THROW(hub.CreateToken("alice", "admin"), Error);
  EXPECT_THROW(hub.CreateToken("../x", "write"), Error);
  // The catalogue holds the hash, never the token.
  if (GetParam() == "sqlite") EXPECT_EQ(ReadFile(dir + "/hub.db").find(w), std::string::npos);
}

INSTANTIATE_TEST_SUITE_P(Catalogues, HubStoreTest, ::testing::Values("sqlite", "postgresql"),
                         [](const auto& info) { return info.param; });

TEST(HubStoreNoServerTest, NotAHub) {
  const test::TempDir tmp_dir;
  EXPECT_THROW(Hub(tmp_dir.File("no/such/hub")), Error);
}

TEST(CardTest, FrontMatterSubset) {
  const std::string md =
      "---\n"
      "# comment\n"
      "license: cc-by-nc-4.0\n"
      "epochs: 3\n"
      "lr: 5.0e-4\n"
      "ok: true\n"
      "none: ~\n"
      "quoted: \"a: b # not a comment\"\n"
      "single: 'it''s'\n"
      "plain: some text # a comment\n"
      "hyperparameters:\n"
      "  batch_size: 64\n"
      "  optimizer: adamw\n"
      "tags:\n"
      "- fractal\n"
      "- vit\n"
      "flow: [a, 2]\n"
      "---\n"
      "# Title\n";
  const nlohmann::json j = ParseFrontMatter(md, "README.md");
  EXPECT_EQ(j["license"], "cc-by-nc-4.0");
  EXPECT_EQ(j["epochs"], 3);
  EXPECT_DOUBLE_EQ(j["lr"].get<double>(), 5.0e-4);
  EXPECT_EQ(j["ok"], true);
  EXPECT_TRUE(j["none"].is_null());
  EXPECT_EQ(j["quoted"], "a: b # not a comment");
  EXPECT_EQ(j["single"], "it's");
  EXPECT_EQ(j["plain"], "some text");
  EXPECT_EQ(j["hyperparameters"]["batch_size"], 64);
  EXPECT_EQ(j["tags"], nlohmann::json::array({"fractal", "vit"}));
  EXPECT_EQ(j["flow"], nlohmann::json::array({"a", 2}));
  EXPECT_EQ(CardBody(md), "# Title\n");
  EXPECT_TRUE(ParseFrontMatter("# no front matter\n", "x").empty());
  // What the writer renders, the parser reads back.
  EXPECT_EQ(ParseFrontMatter(RenderCard(j, "body\n"), "r"), j);
}

TEST(CardTest, FrontMatterErrors) {
  for (const std::string& bad : std::vector<std::string>{"---\nlicense: mit\n", "---\nkey value\n---\n", "---\na: 1\na: 2\n---\n", "---\na: &x 1\n---\n",
        "---\na: |\n  text\n---\n", "---\na:\n  b:\n    c: 1\n---\n", "---\n  b: 1\n---\n", "---\n- x\n---\n",
        "---\na: {b: 1}\n---\n", "---\nbad key: 1\n---\n", "---\na:\n\tb: 1\n---\n"}) {
    EXPECT_THROW(ParseFrontMatter(bad, "README.md"), Error) << bad;
  }
}

}  // namespace
}  // namespace synthub::hub
