#include "shard/manifest.h"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "synthub/error.h"
#include "util/sha256.h"

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
  v1.replace(v1.find("\"format_version\": 3"), 19, "\"format_version\": 1");
  EXPECT_NE(ParseProblem(v1).find("rerun the command"), std::string::npos);
}

// `j` with its manifest_sha256 recomputed (as a writer would have).
std::string Resealed(nlohmann::json j) {
  j.erase("manifest_sha256");
  j["manifest_sha256"] = Sha256Hex(j.dump());
  return j.dump(1);
}

// `m` as a version 2 writer wrote it: no "source".
std::string AsVersion2(const Manifest& m) {
  nlohmann::json j = nlohmann::json::parse(ManifestToJson(m));
  j.erase("source");
  j["format_version"] = 2;
  return Resealed(j);
}

TEST(ManifestTest, SourceIsWrittenAndReadByVersion) {
  Manifest generated = Realistic();
  Manifest packed = Sample();
  packed.source = SampleSource::kPacked;
  packed.recipe_json = R"({"packed_from":"imagefolder","seed":0,"shard_size":2})";
  const std::string text = ManifestToJson(packed);
  EXPECT_NE(text.find("\"format_version\": 3"), std::string::npos);
  EXPECT_NE(text.find("\"source\": \"packed\""), std::string::npos);
  EXPECT_FALSE(IsGenerated(ParseManifest(text, "m")));
  EXPECT_TRUE(IsGenerated(ParseManifest(ManifestToJson(generated), "m")));
  // Version 2 (no "source"): a generated set carried its recipe, a packed
  // one the {"packed_from": ...} sentinel or nothing.
  EXPECT_TRUE(IsGenerated(ParseManifest(AsVersion2(generated), "m")));
  EXPECT_FALSE(IsGenerated(ParseManifest(AsVersion2(packed), "m")));
  packed.recipe_json = "{}";
  EXPECT_FALSE(IsGenerated(ParseManifest(AsVersion2(packed), "m")));
  // Version 3: "source" is required and checked.
  nlohmann::json j = nlohmann::json::parse(ManifestToJson(generated));
  j["source"] = "rendered";
  EXPECT_NE(ParseProblem(Resealed(j)).find("unknown source 'rendered'"), std::string::npos);
  j.erase("source");
  EXPECT_NE(ParseProblem(Resealed(j)).find("source"), std::string::npos);
  generated.recipe_json = "{}";
  EXPECT_NE(ParseProblem(ManifestToJson(generated)).find("recipe is empty"), std::string::npos);
  // A later version is refused.
  std::string bad = ManifestToJson(Sample());
  bad.replace(bad.find("\"format_version\": 3"), 19, "\"format_version\": 4");
  EXPECT_NE(ParseProblem(bad).find("format_version 4 is not supported"), std::string::npos);
}

TEST(ManifestTest, ParamsFileUnderEitherName) {
  Manifest m = Sample();  // the old layout: params.tar
  ASSERT_NE(FindParamsFile(m), nullptr);
  EXPECT_EQ(FindParamsFile(m)->name, "params.tar");
  m.files = {{"other.bin", 1, std::string(64, 'd')}, {kParamsFileName, 10, std::string(64, 'c')}};
  ASSERT_NE(FindParamsFile(m), nullptr);
  EXPECT_EQ(FindParamsFile(m)->name, "params.ustar");
  // Not a shard name: a glob for *.tar never matches it.
  const std::string name = kParamsFileName;
  EXPECT_NE(name.substr(name.size() - 4), ".tar");
  m.files.clear();
  EXPECT_EQ(FindParamsFile(m), nullptr);
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
