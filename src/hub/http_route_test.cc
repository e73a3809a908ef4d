#include "hub/http_route.h"

#include <gtest/gtest.h>

#include "synthub/error.h"

namespace synthub::hub {
namespace {

TEST(HttpRouteTest, SplitPathKeepsEmptyParts) {
  EXPECT_EQ(SplitPath(""), std::vector<std::string>({""}));
  EXPECT_EQ(SplitPath("a/b//c/"), std::vector<std::string>({"a", "b", "", "c", ""}));
}

TEST(HttpRouteTest, FileRouteParts) {
  FileRoute r = ParseFileRoute("alice/frac4/v1/data/shard-000000.tar");
  EXPECT_EQ(r.name, "alice/frac4");
  EXPECT_EQ(r.rev, "v1");
  EXPECT_EQ(r.path, "data/shard-000000.tar");
  r = ParseFileRoute("alice/frac4/latest/");  // a trailing slash lists the files
  EXPECT_EQ(r.rev, "latest");
  EXPECT_EQ(r.path, "");
  EXPECT_EQ(ParseFileRoute("alice/frac4/latest").path, "");
}

TEST(HttpRouteTest, FileRouteRefusals) {
  for (const char* bad : {"alice/frac4", "alice/frac4/v1/../../hub.db", "alice/frac4/v1/a/./b",
                          "alice/frac4/v1//etc/passwd", "alice/frac4/v1/.hidden", "alice/frac4/v1/a\\b",
                          "Alice/frac4/v1/x", "alice/frac4/../x", "alice/frac4/v1/a//b", "../x/v1/y"}) {
    EXPECT_THROW(ParseFileRoute(bad), Error) << bad;
  }
  EXPECT_THROW(ParseFileRoute(std::string("alice/frac4/v1/a\0b", 18)), Error);
  EXPECT_THROW(ParseFileRoute("alice/frac4/v1/" + std::string(kMaxRequestPath, 'a')), Error);
  try {
    ParseFileRoute("alice/x");
    FAIL();
  } catch (const Error& e) {
    EXPECT_STREQ(e.what(), "expected /files/OWNER/NAME/REVISION/PATH");
  }
}

TEST(HttpRouteTest, RevisionAndTagRoutes) {
  EXPECT_EQ(ParseRevisionRoute("alice/frac4"), "alice/frac4");
  EXPECT_EQ(ParseRevisionRoute("alice/frac4@v1"), "alice/frac4@v1");
  for (const char* bad : {"alice", "alice/frac4@", "alice/frac4@..", "alice/frac4/x", "alice/frac4@a/b"}) {
    EXPECT_THROW(ParseRevisionRoute(bad), Error) << bad;
  }
  const TagRoute t = ParseTagRoute("alice/frac4/stable");
  EXPECT_EQ(t.name, "alice/frac4");
  EXPECT_EQ(t.tag, "stable");
  for (const char* bad : {"alice/frac4", "alice/frac4/stable/x", "alice/frac4/..", "alice//stable"}) {
    EXPECT_THROW(ParseTagRoute(bad), Error) << bad;
  }
}

TEST(HttpRouteTest, HuggingFaceRoutes) {
  HfRoute r;
  ASSERT_TRUE(ParseHfRoute("api/models/alice/vit", &r));
  EXPECT_EQ(r.op, HfRoute::Op::kInfo);
  EXPECT_EQ(r.kind, "model");
  EXPECT_EQ(r.name, "alice/vit");
  EXPECT_EQ(r.rev, "main");
  ASSERT_TRUE(ParseHfRoute("api/datasets/alice/f4/revision/v1", &r));
  EXPECT_EQ(r.kind, "dataset");
  EXPECT_EQ(r.rev, "v1");
  ASSERT_TRUE(ParseHfRoute("api/datasets/alice/f4/tree/main", &r));
  EXPECT_EQ(r.op, HfRoute::Op::kTree);
  EXPECT_EQ(r.path, "");
  ASSERT_TRUE(ParseHfRoute("api/datasets/alice/f4/tree/main/sub/dir", &r));
  EXPECT_EQ(r.path, "sub/dir");
  ASSERT_TRUE(ParseHfRoute("alice/vit/resolve/v1/model.safetensors", &r));
  EXPECT_EQ(r.op, HfRoute::Op::kFile);
  EXPECT_EQ(r.kind, "model");
  EXPECT_EQ(r.path, "model.safetensors");
  ASSERT_TRUE(ParseHfRoute("datasets/alice/f4/raw/main/a/b.tar", &r));
  EXPECT_EQ(r.kind, "dataset");
  EXPECT_EQ(r.name, "alice/f4");
  EXPECT_EQ(r.path, "a/b.tar");
  for (const char* other : {"api/revisions/alice/f4", "api/models/alice", "files/alice/f4/v1/x",
                            "alice/f4/blob/main/x", "api/models/alice/vit/commits/main", "ui/x"}) {
    EXPECT_FALSE(ParseHfRoute(other, &r)) << other;
  }
  for (const char* bad : {"datasets/alice/f4/resolve/main/../../etc/passwd", "alice/vit/resolve/../x/y",
                          "api/models/Alice/vit", "api/datasets/alice/f4/tree/main/..",
                          "alice/vit/resolve/main/.hidden", "datasets/alice/f4/resolve/main/a//b"}) {
    EXPECT_THROW(ParseHfRoute(bad, &r), Error) << bad;
  }
}

TEST(HttpRouteTest, RequestHeadOfAPlainGet) {
  const std::string head =
      "GET /files/a/b/c/d HTTP/1.1\r\nHost: x\r\nrAnGe:  bytes=0-9 \r\nIf-None-Match: \"e\"\r\n"
      "Range: bytes=5-\r\nConnection: close\r\nContent-Length: 0\r\n\r\n";
  RequestHead h;
  for (size_t cut = 0; cut < head.size(); ++cut) {  // every prefix is incomplete
    EXPECT_EQ(ParseRequestHead(head.substr(0, cut), &h), 0u) << cut;
  }
  ASSERT_EQ(ParseRequestHead(head + "GET / HTTP/1.1\r\n", &h), head.size());  // a pipelined next one stays
  EXPECT_TRUE(h.simple);
  EXPECT_EQ(h.method, "GET");
  EXPECT_EQ(h.target, "/files/a/b/c/d");
  EXPECT_EQ(h.version, "HTTP/1.1");
  EXPECT_EQ(h.range, "bytes=0-9");  // the first, trimmed, name in any case
  EXPECT_EQ(h.if_none_match, "\"e\"");
  EXPECT_EQ(h.connection, "close");
  EXPECT_EQ(h.if_range, "");
  EXPECT_FALSE(h.has_body);
}

TEST(HttpRouteTest, RequestHeadsLeftToTheFullParser) {
  RequestHead h;
  const std::string end = "\r\n\r\n";
  // A body, or one announced.
  for (const char* body : {"Content-Length: 5", "Transfer-Encoding: chunked", "Expect: 100-continue",
                           "content-length: 01"}) {
    ASSERT_GT(ParseRequestHead("PUT /x HTTP/1.1\r\n" + std::string(body) + end, &h), 0u);
    EXPECT_TRUE(h.has_body) << body;
  }
  // Not simple: a folded header, a bad request line, bare LF, control bytes, HTTP/2.
  for (const std::string& bad : std::vector<std::string>{
           "GET /x HTTP/1.1\r\nA: b\r\n c" + end, "GET /x" + end, "GET  /x HTTP/1.1" + end, "GET /x HTTP/2" + end,
        "GET /x HTTP/1.1\r\nNo colon" + end, "GET /x HTTP/1.1\r\n: v" + end, "GET /x HTTP/1.1\r\nA b: v" + end,
        std::string("GET /x HTTP/1.1\r\nA: \x01") + end, "GET /x HTTP/1.1\nHost: x\n\n",
        std::string("GET /\x7f HTTP/1.1") + end}) {
    EXPECT_GT(ParseRequestHead(bad, &h), 0u) << bad;
    EXPECT_FALSE(h.simple) << bad;
  }
  // No end in sight: too long.
  EXPECT_EQ(ParseRequestHead("GET /" + std::string(kMaxRequestHead, 'a'), &h), kMaxRequestHead);
  EXPECT_FALSE(h.simple);
}

TEST(HttpRouteTest, FileTargets) {
  const std::string id(64, 'a');
  FileTarget t;
  ASSERT_TRUE(ParseFileTarget("/files/alice/f4/" + id + "/data/s-0.tar", &t));
  EXPECT_EQ(t.kind, "");
  EXPECT_EQ(t.name, "alice/f4");
  EXPECT_EQ(t.rev, id);
  EXPECT_EQ(t.path, "data/s-0.tar");
  ASSERT_TRUE(ParseFileTarget("/files/alice/f4/v1/m.json", &t));
  EXPECT_EQ(t.rev, "v1");
  ASSERT_TRUE(ParseFileTarget("/datasets/alice/f4/resolve/" + id + "/m.json", &t));
  EXPECT_EQ(t.kind, "dataset");
  EXPECT_EQ(t.path, "m.json");
  ASSERT_TRUE(ParseFileTarget("/alice/vit/raw/main/model.safetensors", &t));
  EXPECT_EQ(t.kind, "model");
  EXPECT_EQ(t.name, "alice/vit");
  EXPECT_EQ(t.rev, "main");
  // Listings, queries, escapes, other routes, traversal: the request threads' business.
  for (const std::string& other : std::vector<std::string>{
           "/files/alice/f4/" + id + "/", "/files/alice/f4/v1", "/files/alice/f4/" + id + "/m.json?x=1",
           "/files/alice/f4/" + id + "/m%2ejson", "/files/alice/f4/" + std::string(65, 'a') + "/m.json",
           "/api/x/resolve/" + id + "/m.json", "/blobs/" + id, "/ui/x/resolve/" + id + "/y",
           "/files/alice/f4/" + id + "/../hub.db", "/alice/vit/resolve/" + id + "/a/../../b",
           "/api/models/alice/vit", "files/alice/f4/" + id + "/m.json", "/alice/vit/tree/" + id + "/m",
           "/files/alice/f4/.v1/m.json"}) {
    EXPECT_FALSE(ParseFileTarget(other, &t)) << other;
  }
}

TEST(HttpRouteTest, UploadSize) {
  EXPECT_EQ(ParseUploadSize("100", "5"), 100u);  // X-Size wins
  EXPECT_EQ(ParseUploadSize("", "5"), 5u);
  EXPECT_EQ(ParseUploadSize("9999999999999999999", ""), 9999999999999999999ull);
  for (const char* bad : {"", "-1", "1e3", " 5", "12345678901234567890", "0x10"}) {
    EXPECT_THROW(ParseUploadSize(bad, ""), Error) << bad;
  }
}

}  // namespace
}  // namespace synthub::hub
