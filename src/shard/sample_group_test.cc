#include "shard/sample_group.h"

#include <cstdio>
#include <gtest/gtest.h>
#include <unistd.h>
#include <utility>
#include <vector>

#include "shard/tar_writer.h"
#include "shard/verify.h"
#include "synthub/error.h"
#include "util/file.h"

namespace synthub::shard {
namespace {

std::string TempPath(const std::string& name) {
  return "/tmp/synthub_sample_group_test_" + std::to_string(::getpid()) + "_" + name;
}

void WriteTar(const std::string& path,
              const std::vector<std::pair<std::string, std::string>>& members) {
  TarWriter w(path);
  for (const auto& [name, data] : members) w.AddFile(name, data);
  w.Finish();
}

// Every sample of a shard, as (key, "ext=data ext=data ...").
std::vector<std::pair<std::string, std::string>> ReadAll(const std::string& path,
                                                         uint64_t* skipped = nullptr) {
  SampleGrouper g(path);
  Sample s;
  std::vector<std::pair<std::string, std::string>> out;
  while (g.Next(&s)) {
    std::string parts;
    for (const SampleMember& m : s.members) parts += (parts.empty() ? "" : " ") + m.ext + "=" + m.data;
    out.emplace_back(s.key, parts);
  }
  if (skipped) *skipped = g.skipped_members();
  return out;
}

TEST(SplitKeyTest, WebdatasetRules) {
  std::string key, ext;
  SplitKey("a/b/x.seg.PNG", &key, &ext);
  EXPECT_EQ(key, "a/b/x");
  EXPECT_EQ(ext, "seg.png");
  SplitKey("d.x/y.cls", &key, &ext);
  EXPECT_EQ(key, "d.x/y");
  EXPECT_EQ(ext, "cls");
  SplitKey("k.cls.txt", &key, &ext);
  EXPECT_EQ(key, "k");
  EXPECT_EQ(ext, "cls.txt");
}

TEST(SampleGroupTest, MetadataAndExtensionlessMembersBelongToNoSample) {
  std::string key, ext;
  EXPECT_EQ(ClassifyMember("a.png", &key, &ext), MemberRole::kSample);
  EXPECT_EQ(ClassifyMember("d/a.label", &key, &ext), MemberRole::kSample);
  for (const char* meta : {"__meta__", "__index__.json", "d/__info__.txt", "__meta__/x.json",
                           "__key__.cls"}) {
    EXPECT_EQ(ClassifyMember(meta, &key, &ext), MemberRole::kMetadata) << meta;
  }
  for (const char* bare : {"README", "d/LICENSE", ".hidden", "d/.hidden"}) {
    EXPECT_EQ(ClassifyMember(bare, &key, &ext), MemberRole::kNoExtension) << bare;
  }
  // "a__b" is an ordinary key: only a component starting with "__" is metadata.
  EXPECT_EQ(ClassifyMember("a__b.png", &key, &ext), MemberRole::kSample);
}

TEST(SampleGroupTest, LabelExtensionsMetadataAndOffsets) {
  const std::string path = TempPath("mixed.tar");
  WriteTar(path, {{"__meta__.json", "{}"},
                  {"a.png", "IMG-A"},
                  {"a.label", "3"},
                  {"b.jpg", "IMG-B"},
                  {"__info__", "x"},  // between members of b: does not split it
                  {"b.cls.txt", " 4\n"},
                  {"README", "no extension"},
                  {"c.webp", "IMG-C"},
                  {"c.cls", "5"},
                  {"c.json", "{}"}});
  uint64_t skipped = 0;
  const auto samples = ReadAll(path, &skipped);
  ASSERT_EQ(samples.size(), 3u);
  EXPECT_EQ(samples[0], std::make_pair(std::string("a"), std::string("png=IMG-A label=3")));
  EXPECT_EQ(samples[1], std::make_pair(std::string("b"), std::string("jpg=IMG-B cls.txt= 4\n")));
  EXPECT_EQ(samples[2], std::make_pair(std::string("c"), std::string("webp=IMG-C cls=5 json={}")));
  EXPECT_EQ(skipped, 3u);

  // Without data: the offsets and sizes point at the same bytes (the index
  // for global shuffle); the label and image are the same members.
  const std::string bytes = ReadFile(path);
  SampleGrouper g(path);
  Sample s;
  std::vector<int64_t> labels;
  while (g.Next(&s, /*with_data=*/false)) {
    const SampleMember* image = FindImage(s);
    const SampleMember* label = FindLabel(s);
    ASSERT_TRUE(image && label) << s.key;
    EXPECT_TRUE(image->data.empty());
    EXPECT_EQ(bytes.substr(image->data_offset, image->size), "IMG-" + std::string(1, s.key[0] - 32));
    EXPECT_EQ(bytes.substr(image->data_offset - 512, 1), s.key.substr(0, 1));  // its header
    labels.push_back(ParseLabel(bytes.substr(label->data_offset, label->size)));
  }
  EXPECT_EQ(labels, (std::vector<int64_t>{3, 4, 5}));
  EXPECT_TRUE(g.saw_end());

  // verify counts the same.
  bool end = false;
  EXPECT_EQ(CountSamples(path, &end), 3u);
  EXPECT_TRUE(end);
  std::remove(path.c_str());
}

TEST(SampleGroupTest, NonAdjacentMembersMakeSeparateSamples) {
  const std::string path = TempPath("split.tar");
  WriteTar(path, {{"a.png", "1"}, {"b.png", "2"}, {"a.cls", "0"}});
  const auto samples = ReadAll(path);
  ASSERT_EQ(samples.size(), 3u);
  EXPECT_EQ(samples[2].first, "a");
  bool end = false;
  EXPECT_EQ(CountSamples(path, &end), 3u);
  std::remove(path.c_str());
}

TEST(SampleGroupTest, RepeatedExtensionIsAnErrorEverywhere) {
  const std::string path = TempPath("repeat.tar");
  // "A.PNG" lower-cases to the same extension as "A.png".
  WriteTar(path, {{"z.png", "0"}, {"z.cls", "0"}, {"A.png", "1"}, {"A.PNG", "2"}, {"A.cls", "1"}});
  for (bool with_data : {true, false}) {
    SampleGrouper g(path);
    Sample s;
    ASSERT_TRUE(g.Next(&s, with_data));
    EXPECT_EQ(s.key, "z");
    try {
      g.Next(&s, with_data);
      FAIL() << "no error";
    } catch (const Error& e) {
      const std::string what = e.what();
      EXPECT_NE(what.find(path + "@3072: sample 'A' repeats extension 'png'"), std::string::npos)
          << what;
    }
    EXPECT_THROW(g.Next(&s, with_data), Error) << "the error is sticky";
  }
  bool end = false;
  EXPECT_THROW(CountSamples(path, &end), Error);
  std::remove(path.c_str());
}

TEST(SampleGroupTest, ParseLabel) {
  EXPECT_EQ(ParseLabel("7"), 7);
  EXPECT_EQ(ParseLabel(" 12\n"), 12);
  EXPECT_EQ(ParseLabel("0"), 0);
  EXPECT_EQ(ParseLabel(""), -1);
  EXPECT_EQ(ParseLabel("\n"), -1);
  EXPECT_EQ(ParseLabel("-1"), -1);
  EXPECT_EQ(ParseLabel("3 4"), -1);
  EXPECT_EQ(ParseLabel("cat"), -1);
  EXPECT_EQ(ParseLabel("99999999999999999999"), -1);
}

}  // namespace
}  // namespace synthub::shard
