#include "shard/manifest.h"

#include <gtest/gtest.h>

#include "synthub/error.h"

namespace synthub::shard {
namespace {

Manifest Sample() {
  Manifest m;
  m.name = "x";
  m.generator_version = "1";
  m.num_classes = 2;
  m.num_samples = 3;
  m.samples_per_shard = 2;
  m.extensions = {"png", "cls"};
  m.recipe_json = R"({"seed":1})";
  m.shards = {{"x-000000.tar", 2, 1024, std::string(64, 'a')},
              {"x-000001.tar", 1, 512, std::string(64, 'b')}};
  m.files = {{"params.tar", 10, std::string(64, 'c')}};
  return m;
}

TEST(ManifestTest, RoundTrip) {
  const Manifest m = Sample();
  const Manifest back = ParseManifest(ManifestToJson(m), "m.json");
  EXPECT_EQ(ManifestToJson(back), ManifestToJson(m));
  EXPECT_EQ(back.shards[1].sha256, std::string(64, 'b'));
}

TEST(ManifestTest, RejectsInconsistentOrUnsafe) {
  Manifest m = Sample();
  m.num_samples = 4;
  EXPECT_THROW(ParseManifest(ManifestToJson(m), "m"), Error);
  m = Sample();
  m.shards[0].name = "../evil.tar";
  EXPECT_THROW(ParseManifest(ManifestToJson(m), "m"), Error);
  m = Sample();
  m.shards[0].sha256 = "zz";
  EXPECT_THROW(ParseManifest(ManifestToJson(m), "m"), Error);
  EXPECT_THROW(ParseManifest("{not json", "m"), Error);
  std::string text = ManifestToJson(Sample());
  text.replace(text.find("\"num_classes\": 2"), 17, "\"num_classes\": -2");
  EXPECT_THROW(ParseManifest(text, "m"), Error);  // negative count
  text = ManifestToJson(Sample());
  text.replace(text.find("\"num_classes\": 2"), 17, "\"num_classes\": 2.5");
  EXPECT_THROW(ParseManifest(text, "m"), Error);  // fraction
  EXPECT_THROW(ParseManifest("{}", "m"), Error);
}

TEST(SplitKeyTest, WebdatasetRules) {
  std::string key, ext;
  SplitKey("a/b/x.seg.PNG", &key, &ext);
  EXPECT_EQ(key, "a/b/x");
  EXPECT_EQ(ext, "seg.png");
  SplitKey("d.x/y.cls", &key, &ext);
  EXPECT_EQ(key, "d.x/y");
  EXPECT_EQ(ext, "cls");
}

TEST(SidecarTest, DaliIndexAndWids) {
  std::vector<TarMember> members = {{"a.png", 0, 700}, {"a.cls", 1536, 1},
                                    {"b.png", 2048, 5}, {"b.cls", 3072, 1}};
  EXPECT_EQ(DaliIndex(members),
            "v1.2 2\npng 0 700 a.png cls 1536 1 a.cls\npng 2048 5 b.png cls 3072 1 b.cls\n");
  const std::string wids = WidsIndex(Sample());
  EXPECT_NE(wids.find("wids-shard-index-v1"), std::string::npos);
  EXPECT_NE(wids.find("\"nsamples\": 2"), std::string::npos);
}

}  // namespace
}  // namespace synthub::shard
