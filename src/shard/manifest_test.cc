#include "shard/manifest.h"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

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
  EXPECT_THROW(ParseManifest(ManifestToJson(m), "m", ManifestCheck::kSkipChecksum), Error);
  m = Sample();
  m.shards[0].name = "../evil.tar";
  EXPECT_THROW(ParseManifest(ManifestToJson(m), "m"), Error);
  m = Sample();
  m.shards[0].sha256 = "zz";
  EXPECT_THROW(ParseManifest(ManifestToJson(m), "m"), Error);
  EXPECT_THROW(ParseManifest("{not json", "m"), Error);
  std::string text = ManifestToJson(Sample());
  text.replace(text.find("\"num_classes\": 2"), 17, "\"num_classes\": -2");
  EXPECT_THROW(ParseManifest(text, "m", ManifestCheck::kSkipChecksum), Error);  // negative
  text = ManifestToJson(Sample());
  text.replace(text.find("\"num_classes\": 2"), 17, "\"num_classes\": 2.5");
  EXPECT_THROW(ParseManifest(text, "m", ManifestCheck::kSkipChecksum), Error);  // fraction
  EXPECT_THROW(ParseManifest("{}", "m"), Error);
}

Manifest Realistic() {  // a generated set's manifest: nested recipe, floats
  Manifest m = Sample();
  m.recipe_json =
      R"({"categories":2,"encode":{"format":"png","png_level":6},"name":"x",)"
      R"("params_sha256":")" + std::string(64, 'c') +
      R"(","render":{"points":100000,"size":362},"threshold":0.2,"weights":[0.8,1.2]})";
  m.class_names = {"cat", "dog", "\xc3\xa9t\xc3\xa9"};  // UTF-8
  return m;
}

// The message ParseManifest throws for `text`, or "" when it accepts it.
std::string ParseProblem(const std::string& text) {
  try {
    ParseManifest(text, "m");
  } catch (const Error& e) {
    return e.what();
  }
  return "";
}

TEST(ManifestTest, ChecksumCoversEveryByte) {
  const std::string text = ManifestToJson(Realistic());
  ASSERT_NE(text.find("\"manifest_sha256\": \""), std::string::npos);
  ASSERT_NO_THROW(ParseManifest(text, "m"));
  for (size_t i = 0; i < text.size(); ++i) {
    for (const unsigned char mask : {0x01, 0x20, 0x80}) {
      std::string bad = text;
      bad[i] = static_cast<char>(bad[i] ^ mask);
      EXPECT_NE(ParseProblem(bad), "") << "flip 0x" << std::hex << int(mask) << " at byte "
                          << std::dec << i << " passed";
    }
  }
}

TEST(ManifestTest, ChecksumIsOfTheCanonicalForm) {
  const std::string text = ManifestToJson(Realistic());
  // Re-indenting or reordering keys keeps the checksum valid ...
  EXPECT_NO_THROW(ParseManifest(nlohmann::json::parse(text).dump(), "m"));
  EXPECT_NO_THROW(ParseManifest(nlohmann::json::parse(text).dump(4), "m"));
  // ... a changed value does not, with a message that says so.
  std::string edited = text;
  edited.replace(edited.find("\"num_classes\": 2"), 16, "\"num_classes\": 3");
  EXPECT_NE(ParseProblem(edited).find("manifest_sha256 does not match"), std::string::npos);
  // The old format is refused with what to do.
  std::string v1 = text;
  v1.replace(v1.find("\"format_version\": 2"), 19, "\"format_version\": 1");
  EXPECT_NE(ParseProblem(v1).find("rerun the command"), std::string::npos);
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
