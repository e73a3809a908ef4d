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
