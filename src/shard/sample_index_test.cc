#include "shard/sample_index.h"

#include <gtest/gtest.h>

#include <fstream>

#include "shard/tar_writer.h"
#include "synthub/error.h"
#include "util/file.h"
#include "util/test_util.h"

namespace synthub::shard {
namespace {

// A shard of `n` samples with a varying number of members: key kNNN, a .png
// of (i * 37) % 1000 + 1 bytes, a .cls with i % 7, every third a .json.
std::string WriteShard(const std::string& path, int n) {
  TarWriter tar(path);
  for (int i = 0; i < n; ++i) {
    const std::string key = "k" + std::to_string(1000 + i);
    tar.AddFile(key + ".png", std::string(static_cast<size_t>((i * 37) % 1000 + 1), 'x'));
    tar.AddFile(key + ".cls", std::to_string(i % 7));
    if (i % 3 == 0) tar.AddFile(key + ".json", "{}");
  }
  tar.Finish();
  return path;
}

TEST(SampleIndexTest, SixteenBytesPerSampleAndRoundTrip) {
  test::TempDir tmp;
  const std::string shard = WriteShard(tmp.path() + "/a.tar", 50);
  EXPECT_EQ(IndexShard(shard, 0), 50u);
  EXPECT_EQ(SampleIndexPath(shard), tmp.path() + "/a.sidx");
  const std::string bytes = ReadFile(SampleIndexPath(shard));
  EXPECT_EQ(bytes.size(), kSampleIndexHeaderSize + 50 * kSampleIndexEntrySize);
  SampleIndexHeader h;
  const std::vector<SampleIndexEntry> entries = ParseSampleIndex(bytes, "a.sidx", &h);
  EXPECT_EQ(h.samples, 50u);
  EXPECT_EQ(h.shard_bytes, FileSize(shard));
  EXPECT_EQ(h.shard_sha256.size(), 64u);
  // The same entries as a walk of the tar headers, and each span parses as
  // exactly its sample.
  std::vector<SampleIndexEntry> walked;
  std::vector<std::string> keys;
  BuildSampleIndex(shard, /*read_labels=*/true, &walked, &keys);
  ASSERT_EQ(walked.size(), entries.size());
  const std::string tar = ReadFile(shard);
  for (size_t i = 0; i < entries.size(); ++i) {
    EXPECT_EQ(entries[i].offset, walked[i].offset);
    EXPECT_EQ(entries[i].span, walked[i].span);
    EXPECT_EQ(entries[i].label, static_cast<int32_t>(i % 7));
    Sample sample;
    ParseIndexedSample(std::string_view(tar).substr(entries[i].offset, entries[i].span), entries[i],
                       /*check_label=*/true, shard, &sample);
    EXPECT_EQ(sample.key, keys[i]);
    EXPECT_EQ(sample.members.size(), i % 3 == 0 ? 3u : 2u);
  }
  EXPECT_EQ(CheckShardIndex(shard), "");
}

TEST(SampleIndexTest, CorruptOrStaleSidecarsAreNamed) {
  test::TempDir tmp;
  const std::string shard = WriteShard(tmp.path() + "/a.tar", 12);
  EXPECT_NE(CheckShardIndex(shard).find("missing"), std::string::npos);
  IndexShard(shard, 0);
  const std::string good = ReadFile(SampleIndexPath(shard));
  SampleIndexHeader h;
  for (size_t at : {size_t{3}, size_t{20}, kSampleIndexHeaderSize + 5}) {
    std::string bad = good;
    bad[at] ^= 1;
    EXPECT_THROW(ParseSampleIndex(bad, "x", &h), Error) << at;
    WriteFileAtomic(SampleIndexPath(shard), bad);
    EXPECT_NE(CheckShardIndex(shard), "") << at;
  }
  EXPECT_THROW(ParseSampleIndex(good.substr(0, good.size() - 16), "x", &h), Error);
  WriteFileAtomic(SampleIndexPath(shard), good);
  EXPECT_EQ(CheckShardIndex(shard), "");
  // The shard rewritten with other samples: the old sidecar no longer fits.
  WriteShard(shard, 13);
  EXPECT_NE(CheckShardIndex(shard).find("another version"), std::string::npos);
  // An entry that does not fit the bytes it is given is an error naming the
  // shard, never another sample.
  const std::vector<SampleIndexEntry> entries = ParseSampleIndex(good, "x", &h);
  const std::string tar = ReadFile(shard);
  SampleIndexEntry shifted = entries[3];
  shifted.offset += 512;
  Sample sample;
  EXPECT_THROW(ParseIndexedSample(std::string_view(tar).substr(shifted.offset, shifted.span), shifted, true,
                                  shard, &sample),
               Error);
  SampleIndexEntry relabelled = entries[2];
  relabelled.label = 5;
  try {
    ParseIndexedSample(std::string_view(tar).substr(relabelled.offset, relabelled.span), relabelled, true,
                       shard, &sample);
    FAIL() << "no error";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("a.tar"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("synthub index"), std::string::npos) << e.what();
  }
}

}  // namespace
}  // namespace synthub::shard
