#include "synthub/loader.h"

#include <algorithm>
#include <gtest/gtest.h>
#include <iterator>
#include <map>
#include <set>
#include <sstream>
#include <unistd.h>

#include "codec/image.h"
#include "loader/loader_impl.h"
#include "shard/manifest.h"
#include "shard/sample_index.h"
#include "shard/tar_writer.h"
#include "shard/verify.h"
#include "synthub/error.h"
#include "shard/tar_reader.h"
#include "util/file.h"
#include "util/test_util.h"

namespace synthub {
namespace {

// 5 shards of 4..12 tiny PNG samples; pixel value = label * 10.
class LoaderTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = tmp_.path();
    int sample = 0;
    const int sizes[5] = {9, 4, 12, 7, 8};
    spec_ = dir_ + "/s-{0..4}.tar";
    for (int s = 0; s < 5; ++s) {
      shard::TarWriter tar(dir_ + "/s-" + std::to_string(s) + ".tar");
      for (int i = 0; i < sizes[s]; ++i, ++sample) {
        const int label = sample % 6;
        std::vector<uint8_t> px(20 * 16, static_cast<uint8_t>(label * 10));
        char key[16];
        std::snprintf(key, sizeof(key), "%04d", sample);
        tar.AddFile(std::string(key) + ".png", codec::EncodeImage(px.data(), 20, 16, 1, {}));
        tar.AddFile(std::string(key) + ".cls", std::to_string(label));
      }
      tar.Finish();
    }
    total_ = sample;
  }

  LoaderOptions Options() const {
    LoaderOptions o;
    o.spec = spec_;
    o.batch_size = 4;
    o.image_size = 8;
    o.shuffle_buffer = 6;
    o.seed = 3;
    o.layout = OutputLayout::kUint8Nhwc;
    return o;
  }

  static std::vector<std::string> Keys(Loader& loader, uint64_t max_batches = ~0ull) {
    std::vector<std::string> keys;
    Batch b;
    for (uint64_t n = 0; n < max_batches && loader.Next(&b); ++n) {
      for (int i = 0; i < b.size; ++i) {
        keys.push_back(b.keys[i]);
        // The label survives decode + augment: pixel = label * 10.
        EXPECT_EQ(b.u8[static_cast<size_t>(i) * 8 * 8 * 3], b.labels[i] * 10) << b.keys[i];
      }
    }
    return keys;
  }

  // A dataset as the generator writes it: `categories` categories of 5 views,
  // keys CCCCCC_00_DDD_0, category-major over shards of 14 samples (so that
  // categories straddle shards); label = category. Returns its folder; the
  // shards are views-{0..}.tar.
  std::string WriteViews(int categories) const {
    const std::string dir = dir_ + "/views" + std::to_string(categories);
    MakeDirs(dir);
    for (int sample = 0, shard = 0; sample < categories * 5; ++shard) {
      shard::TarWriter tar(dir + "/views-" + std::to_string(shard) + ".tar");
      for (int i = 0; i < 14 && sample < categories * 5; ++i, ++sample) {
        const int category = sample / 5;
        std::vector<uint8_t> px(20 * 16, static_cast<uint8_t>(category * 10));
        char key[32];
        std::snprintf(key, sizeof(key), "%06d_00_%03d_0", category, sample % 5);
        tar.AddFile(std::string(key) + ".png", codec::EncodeImage(px.data(), 20, 16, 1, {}));
        tar.AddFile(std::string(key) + ".cls", std::to_string(category));
      }
      tar.Finish();
    }
    return dir;
  }

  LoaderOptions OneViewOptions(const std::string& spec) const {
    LoaderOptions o = Options();
    o.spec = spec;
    o.shuffle = ShuffleMode::kGlobal;
    o.one_view_per_category = true;
    o.drop_last = false;
    return o;
  }

  // The category of each key (CCCCCC_...).
  static std::vector<int> Categories(const std::vector<std::string>& keys) {
    std::vector<int> out;
    for (const std::string& k : keys) out.push_back(std::stoi(k.substr(0, 6)));
    return out;
  }

  const test::TempDir tmp_;
  std::string dir_, spec_;
  int total_ = 0;
};

// A run that stops early (a --limit, a consumer that quits) still reports
// what was read: at least the bytes of the members it delivered, and time.
TEST_F(LoaderTest, ReadFiguresAreRightWhenStoppedEarly) {
  LoaderOptions o = Options();
  o.shuffle = ShuffleMode::kNone;
  o.workers = 1;
  o.prefetch = 1;
  std::vector<std::string> keys;
  LoaderStats stats;
  {
    Loader loader(o);
    keys = Keys(loader, 1);  // 4 of shard 0's 9 samples; the reader stops mid-shard
    stats = loader.Stats();
  }
  ASSERT_EQ(keys.size(), 4u);
  uint64_t delivered = 0;
  shard::TarReader tar(dir_ + "/s-0.tar");
  shard::TarEntry e;
  while (tar.Next(&e)) {
    for (const std::string& k : keys) {
      if (e.name.rfind(k + ".", 0) == 0) delivered += e.data.size();
    }
  }
  EXPECT_GE(stats.bytes_read, delivered);
  EXPECT_GT(stats.read_s, 0.0);
  EXPECT_GE(stats.files_opened, 1u);
}

// A consumer that gives each batch's memory away (the Python binding) and
// hands it back with Recycle(): later batches are written into the returned
// buffers, never into one the consumer still holds.
TEST_F(LoaderTest, RecycledBuffersAreReusedAndKeptOnesUntouched) {
  LoaderOptions o = Options();
  o.workers = 1;
  o.prefetch = 1;
  Loader loader(o);
  ASSERT_EQ(loader.BatchesPerEpoch(), 10u);
  Batch kept;
  ASSERT_TRUE(loader.Next(&kept));
  const std::vector<uint8_t> copy = kept.u8;
  uint64_t taken = 1;
  for (Batch b; loader.Next(&b); b = Batch()) {
    EXPECT_NE(b.u8.data(), kept.u8.data());
    loader.Recycle(std::move(b));
    ++taken;
  }
  EXPECT_EQ(taken, 10u);
  EXPECT_EQ(kept.u8, copy);
  // Job j (j >= 2) is issued only after batch j - 2 came back, so at most one
  // of jobs 2..9 can find the pool empty.
  EXPECT_GE(loader.Stats().buffers_reused, 7u);

  Loader holding(o);  // nothing handed back: every batch a fresh buffer
  std::vector<Batch> all(10);
  for (Batch& b : all) ASSERT_TRUE(holding.Next(&b));
  EXPECT_EQ(holding.Stats().buffers_reused, 0u);
}

// Global shuffle with sample index sidecars: the same epoch as walking the
// tar headers, without walking; a sidecar that no longer fits its shard is
// walked instead; a shard changed in place under its sidecar is an error
// naming it, never other samples.
TEST_F(LoaderTest, GlobalShuffleReadsSidecarsLikeTheWalk) {
  LoaderOptions o = Options();
  o.shuffle = ShuffleMode::kGlobal;
  o.workers = 2;
  Loader walked(o);
  const std::vector<std::string> want = Keys(walked);
  EXPECT_EQ(walked.Stats().shards_walked, 5u);
  for (int s = 0; s < 5; ++s) shard::IndexShard(dir_ + "/s-" + std::to_string(s) + ".tar", 0);
  {
    Loader indexed(o);
    EXPECT_EQ(Keys(indexed), want);  // Keys() checks every label against its pixels
    EXPECT_EQ(indexed.Stats().shards_walked, 0u);
    EXPECT_EQ(indexed.TotalSamples(), static_cast<uint64_t>(total_));
  }
  // Shard 2 rewritten with one sample fewer: its old sidecar is walked past.
  const std::string s2 = dir_ + "/s-2.tar";
  const std::string old_sidecar = ReadFile(shard::SampleIndexPath(s2));
  const std::string old_shard = ReadFile(s2);
  {
    std::vector<shard::SampleIndexEntry> entries;
    shard::BuildSampleIndex(s2, true, &entries, nullptr);
    WriteFileAtomic(s2, old_shard.substr(0, entries.back().offset) + std::string(1024, '\0'));
  }
  {
    Loader stale(o);
    const std::vector<std::string> keys = Keys(stale);
    EXPECT_EQ(keys.size(), static_cast<size_t>(total_ - 1) / 4 * 4);
    EXPECT_EQ(stale.Stats().shards_walked, 1u);
  }
  // Same size, one member's header damaged: the sidecar's header still fits,
  // the sample read through it does not.
  WriteFileAtomic(s2, old_shard);
  WriteFileAtomic(shard::SampleIndexPath(s2), old_sidecar);
  std::vector<shard::SampleIndexEntry> entries;
  shard::BuildSampleIndex(s2, true, &entries, nullptr);
  std::string damaged = old_shard;
  damaged[entries[5].offset + 1] ^= 0x01;  // a byte of the name: the header checksum fails
  WriteFileAtomic(s2, damaged);
  try {
    Loader broken(o);
    Keys(broken);
    FAIL() << "no error";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("s-2.tar"), std::string::npos) << e.what();
  }
}

TEST_F(LoaderTest, ExactEpochEverySampleOnceAnyWorkers) {
  for (ShuffleMode mode : {ShuffleMode::kNone, ShuffleMode::kLocal, ShuffleMode::kGlobal}) {
    std::vector<std::string> first;
    for (int workers : {1, 3}) {
      LoaderOptions o = Options();
      o.shuffle = mode;
      o.workers = workers;
      o.drop_last = false;
      Loader loader(o);
      EXPECT_EQ(loader.TotalSamples(), 40u);
      EXPECT_EQ(loader.BatchesPerEpoch(), 10u);
      const auto keys = Keys(loader);
      EXPECT_EQ(keys.size(), 40u);
      EXPECT_EQ(std::set<std::string>(keys.begin(), keys.end()).size(), 40u);
      if (first.empty()) first = keys;
      EXPECT_EQ(keys, first) << "order must not depend on the worker count";
    }
  }
}

TEST_F(LoaderTest, EpochsReshuffleAndLenIsExact) {
  Loader loader(Options());
  const auto e0 = Keys(loader);
  const auto e1 = Keys(loader);  // Next() returned false once: now epoch 1
  EXPECT_EQ(e0.size(), loader.BatchesPerEpoch() * 4);
  EXPECT_EQ(e1.size(), e0.size());
  EXPECT_NE(e0, e1);
}

TEST_F(LoaderTest, ResumeContinuesWithExactlyTheRemainingSamples) {
  for (ShuffleMode mode : {ShuffleMode::kLocal, ShuffleMode::kGlobal}) {
    for (int workers : {1, 3}) {
      LoaderOptions o = Options();
      o.shuffle = mode;
      o.workers = workers;
      Loader full(o);
      full.SetEpoch(1);
      const auto all = Keys(full);
      Loader first(o);
      first.SetEpoch(1);
      auto keys = Keys(first, 3);
      const std::string state = first.State().ToJson();
      Loader second(o);
      second.Restore(LoaderState::FromJson(state));
      const auto rest = Keys(second);
      keys.insert(keys.end(), rest.begin(), rest.end());
      EXPECT_EQ(keys, all);
    }
  }
}

// RandAugment, colour jitter (inert beside it, as timm) and random erasing
// draw from (seed, epoch, sample) only: the same batches for any number of
// workers and after a resume; another epoch augments the same sample anew.
TEST_F(LoaderTest, AugmentationIsAFunctionOfSeedEpochSample) {
  for (OutputLayout layout : {OutputLayout::kFloat32Nchw, OutputLayout::kUint8Nhwc}) {
    LoaderOptions o = Options();
    o.layout = layout;
    o.rand_augment = "rand-m9-mstd0.5-inc1";
    o.color_jitter = 0.4;
    o.random_erasing = 0.5;
    o.vflip = true;
    // key -> image bytes, over one epoch; with resume_after > 0 a new loader
    // restored from the state after that many batches delivers the rest.
    auto epoch = [&](int workers, uint64_t e, uint64_t resume_after) {
      LoaderOptions w = o;
      w.workers = workers;
      std::map<std::string, std::string> images;
      auto collect = [&](const Batch& b) {
        const char* data = b.f32.empty() ? reinterpret_cast<const char*>(b.u8.data())
                                         : reinterpret_cast<const char*>(b.f32.data());
        const size_t each = (b.f32.empty() ? b.u8.size() : b.f32.size() * sizeof(float)) / b.size;
        for (int i = 0; i < b.size; ++i) images[b.keys[i]] = std::string(data + each * i, each);
      };
      Loader loader(w);
      loader.SetEpoch(e);
      Batch b;
      for (uint64_t n = 0; loader.Next(&b); ++n) {
        collect(b);
        if (n + 1 == resume_after) {
          Loader again(w);
          again.Restore(loader.State());
          while (again.Next(&b)) collect(b);
          break;
        }
      }
      return images;
    };
    const auto one = epoch(1, 0, 0);
    EXPECT_EQ(one.size(), 40u);
    EXPECT_EQ(epoch(3, 0, 0), one);
    EXPECT_EQ(epoch(2, 0, 4), one);  // resumed after 4 of 10 batches
    const auto next = epoch(1, 1, 0);
    int differ = 0;
    for (const auto& [key, image] : one) differ += next.at(key) != image;
    EXPECT_GT(differ, 30) << "epoch 1 augments anew";
    // The plain loader's images are constant per sample (pixel = label x 10):
    // the augmentation changed most of them.
    int changed = 0;
    for (const auto& [key, image] : one) changed += image.find_first_not_of(image[0]) != std::string::npos;
    EXPECT_GT(changed, 20);
  }
}

TEST_F(LoaderTest, RanksGetEqualDisjointShares) {
  std::set<std::string> seen;
  uint64_t batches = 0;
  for (int rank = 0; rank < 3; ++rank) {
    LoaderOptions o = Options();
    o.rank = rank;
    o.world_size = 3;
    Loader loader(o);
    if (rank == 0) batches = loader.BatchesPerEpoch();
    EXPECT_EQ(loader.BatchesPerEpoch(), batches);
    for (const auto& k : Keys(loader)) EXPECT_TRUE(seen.insert(k).second) << k;
  }
  EXPECT_EQ(seen.size(), batches * 4 * 3);
}

TEST_F(LoaderTest, CorruptShardErrorOrSkipWithCount) {
  // A manifest with the true counts, then one shard cut in half.
  shard::Manifest m;
  m.name = "t";
  m.source = shard::SampleSource::kPacked;
  m.num_classes = 6;
  m.num_samples = 40;
  m.samples_per_shard = 12;
  const int sizes[5] = {9, 4, 12, 7, 8};
  for (int s = 0; s < 5; ++s) {
    m.shards.push_back({"s-" + std::to_string(s) + ".tar", static_cast<uint64_t>(sizes[s]), 1,
                        std::string(64, '0')});
  }
  shard::WriteManifest(dir_, m);
  const std::string path = dir_ + "/s-2.tar";
  const std::string data = ReadFile(path);
  WriteFileAtomic(path, data.substr(0, data.size() / 2));

  LoaderOptions o = Options();
  o.spec = dir_;
  try {
    Loader loader(o);
    Keys(loader);
    FAIL() << "no error";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("s-2.tar"), std::string::npos) << e.what();
  }
  o.on_error = ErrorPolicy::kSkip;
  for (int workers : {1, 2}) {
    o.workers = workers;
    Loader loader(o);
    const auto keys = Keys(loader);
    EXPECT_EQ(keys.size(), loader.BatchesPerEpoch() * 4) << "every batch still full";
    EXPECT_GT(loader.Stats().skipped, 0u);
  }
  // Without a manifest, counting finds the damage up front.
  o.spec = spec_;
  o.on_error = ErrorPolicy::kError;
  EXPECT_THROW(Loader{o}, Error);
}

// The read path under bad input: a shard truncated in place while the loader
// is reading it (read(2), not mmap: a short read is an error, never a
// SIGBUS), a 0-byte image member and a decoding bomb in a shard. Each is a
// clear error naming the shard or sample, or a counted skip.
TEST_F(LoaderTest, ShardCutWhileReadAndBadMembersAreErrorsNotCrashes) {
  const std::string dir = dir_ + "/big";
  MakeDirs(dir);
  const std::string path = dir + "/big-0.tar";
  {
    shard::TarWriter tar(path);
    std::vector<uint8_t> px(64 * 64, 20);
    for (int i = 0; i < 400; ++i) {
      char key[16];
      std::snprintf(key, sizeof(key), "%04d", i);
      px[i % px.size()] = static_cast<uint8_t>(i);  // no two images alike
      tar.AddFile(std::string(key) + ".png", codec::EncodeImage(px.data(), 64, 64, 1, {.png_level = 0}));
      tar.AddFile(std::string(key) + ".cls", "2");
    }
    tar.Finish();
  }
  for (ShuffleMode mode : {ShuffleMode::kNone, ShuffleMode::kGlobal}) {
    const std::string data = ReadFile(path);
    LoaderOptions o = Options();
    o.spec = path;
    o.shuffle = mode;
    o.workers = 1;
    o.prefetch = 1;
    Loader loader(o);
    Batch b;
    ASSERT_TRUE(loader.Next(&b));
    // Rewritten in place, shorter: the same inode, as `cp` over it would do.
    ASSERT_EQ(::truncate(path.c_str(), static_cast<off_t>(data.size() / 3)), 0);
    try {
      while (loader.Next(&b)) {
      }
      FAIL() << "no error";
    } catch (const Error& e) {
      EXPECT_NE(std::string(e.what()).find("big-0.tar"), std::string::npos) << e.what();
    }
    WriteFileAtomic(path, data);
  }
  // A 0-byte image and a PNG bomb (a 65535 x 65535 header) among good samples.
  const std::string bad = dir_ + "/bad-0.tar";
  {
    shard::TarWriter tar(bad);
    std::vector<uint8_t> px(20 * 16, 30);
    std::string bomb = codec::EncodeImage(px.data(), 20, 16, 1, {});
    bomb[16] = bomb[17] = bomb[20] = bomb[21] = '\xff';  // IHDR width, height
    for (int i = 0; i < 12; ++i) {
      const std::string key = "k" + std::to_string(100 + i);
      tar.AddFile(key + ".png", i == 3 ? std::string() : i == 7 ? bomb : codec::EncodeImage(px.data(), 20, 16, 1, {}));
      tar.AddFile(key + ".cls", "3");
    }
    tar.Finish();
  }
  LoaderOptions o = Options();
  o.spec = bad;
  o.shuffle = ShuffleMode::kNone;
  try {
    Loader loader(o);
    Keys(loader);
    FAIL() << "no error";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("k103"), std::string::npos) << e.what();
  }
  o.on_error = ErrorPolicy::kSkip;
  Loader loader(o);
  Batch b;
  int delivered = 0;
  while (loader.Next(&b)) {
    delivered += b.size;
    for (int i = 0; i < b.size; ++i) EXPECT_EQ(b.u8[static_cast<size_t>(i) * 8 * 8 * 3], 30);
  }
  EXPECT_EQ(delivered, 12);
  EXPECT_EQ(loader.Stats().skipped, 2u);
}

// One grouping (shard/sample_group.h) for streaming, the global-shuffle index
// and verify: .label / .cls.txt labels and __meta__ members load the same way
// in every shuffle mode, and verify counts what the loader counts.
TEST_F(LoaderTest, LabelVariantsAndMetadataLoadInEveryShuffleMode) {
  const std::string path = dir_ + "/variants.tar";
  {
    shard::TarWriter tar(path);
    tar.AddFile("__meta__.json", "{\"note\": \"metadata, not a sample\"}");
    for (int i = 0; i < 9; ++i) {
      const int label = i % 6;
      std::vector<uint8_t> px(20 * 16, static_cast<uint8_t>(label * 10));
      const std::string key = "v" + std::to_string(i);
      tar.AddFile(key + ".png", codec::EncodeImage(px.data(), 20, 16, 1, {}));
      if (i == 4) tar.AddFile("__info__", "between members of one sample");
      const char* ext = i % 3 == 0 ? ".label" : i % 3 == 1 ? ".cls.txt" : ".cls";
      tar.AddFile(key + ext, std::to_string(label) + (i % 3 == 1 ? "\n" : ""));
    }
    tar.Finish();
  }
  bool end = false;
  EXPECT_EQ(shard::CountSamples(path, &end), 9u);
  std::vector<shard::SampleIndexEntry> index;
  std::vector<std::string> index_keys;
  shard::BuildSampleIndex(path, /*read_labels=*/true, &index, &index_keys);
  ASSERT_EQ(index.size(), 9u);
  EXPECT_EQ(index_keys[0], "v0");
  for (size_t i = 0; i < index.size(); ++i) EXPECT_EQ(index[i].label, static_cast<int>(i % 6)) << index_keys[i];
  for (ShuffleMode mode : {ShuffleMode::kNone, ShuffleMode::kLocal, ShuffleMode::kGlobal}) {
    LoaderOptions o = Options();
    o.spec = path;
    o.shuffle = mode;
    o.batch_size = 3;
    Loader loader(o);
    EXPECT_EQ(loader.TotalSamples(), 9u);
    const auto keys = Keys(loader);  // checks every label against its pixels
    EXPECT_EQ(std::set<std::string>(keys.begin(), keys.end()).size(), 9u);
    EXPECT_EQ(loader.Stats().skipped, 0u);
  }
}

TEST_F(LoaderTest, RepeatedExtensionFailsAlikeInEveryShuffleMode) {
  const std::string path = dir_ + "/repeat.tar";
  {
    shard::TarWriter tar(path);
    std::vector<uint8_t> px(20 * 16, 0);
    for (int i = 0; i < 4; ++i) {
      const std::string key = "r" + std::to_string(i);
      tar.AddFile(key + ".png", codec::EncodeImage(px.data(), 20, 16, 1, {}));
      tar.AddFile(key + ".cls", "0");
      if (i == 2) tar.AddFile(key + ".CLS", "0");
    }
    tar.Finish();
  }
  bool end = false;
  EXPECT_THROW(shard::CountSamples(path, &end), Error);
  std::vector<shard::SampleIndexEntry> index;
  EXPECT_THROW(shard::BuildSampleIndex(path, false, &index, nullptr), Error);
  EXPECT_EQ(index.size(), 2u) << "the samples before the error stay indexed";
  for (ShuffleMode mode : {ShuffleMode::kNone, ShuffleMode::kLocal, ShuffleMode::kGlobal}) {
    LoaderOptions o = Options();
    o.spec = path;
    o.shuffle = mode;
    try {
      Loader loader(o);
      Keys(loader);
      FAIL() << "no error";
    } catch (const Error& e) {
      EXPECT_NE(std::string(e.what()).find("sample 'r2' repeats extension 'cls'"), std::string::npos)
          << e.what();
    }
    // Skip policy: counted up to the damage (2 samples), and those load.
    o.on_error = ErrorPolicy::kSkip;
    o.batch_size = 2;
    Loader loader(o);
    EXPECT_EQ(loader.TotalSamples(), 2u);
    EXPECT_EQ(Keys(loader).size(), 2u);
  }
}

// render: with --shuffle global names each sample of the permutation (it
// once walked the empty piece list and never delivered a batch).
TEST(LoaderRenderTest, GlobalShuffleRendersThePermutation) {
  LoaderOptions o;
  o.spec = "render:demo";
  o.batch_size = 4;
  o.image_size = 8;
  o.seed = 5;
  o.shuffle = ShuffleMode::kGlobal;
  o.layout = OutputLayout::kUint8Nhwc;
  std::vector<std::string> first;
  for (int run = 0; run < 2; ++run) {
    Loader loader(o);
    std::vector<std::string> keys;
    Batch b;
    for (int n = 0; n < 3 && loader.Next(&b); ++n) {
      for (int i = 0; i < b.size; ++i) {
        keys.push_back(b.keys[i]);
        EXPECT_EQ(std::stoi(b.keys[i].substr(0, 6)), b.labels[i]) << b.keys[i];
      }
    }
    ASSERT_EQ(keys.size(), 12u);
    EXPECT_EQ(std::set<std::string>(keys.begin(), keys.end()).size(), keys.size());
    if (run == 0) first = keys;
    else EXPECT_EQ(keys, first);  // the same seed, the same permutation
  }
}

// one_view_per_category (3D-OFDB's training): each epoch one of each
// category's views, a keyed choice of (seed, epoch, category).
TEST_F(LoaderTest, OneViewPerCategoryEachEpoch) {
  const std::string spec = WriteViews(8) + "/views-{0..2}.tar";
  std::vector<std::string> epoch0;
  for (int workers : {1, 3}) {
    LoaderOptions o = OneViewOptions(spec);
    o.workers = workers;
    Loader loader(o);
    EXPECT_EQ(loader.TotalSamples(), 40u);
    EXPECT_EQ(loader.SamplesPerEpoch(), 8u);
    EXPECT_EQ(loader.BatchesPerEpoch(), 2u);
    const auto keys = Keys(loader);  // also checks label == category
    std::vector<int> categories = Categories(keys);
    std::sort(categories.begin(), categories.end());
    EXPECT_EQ(categories, (std::vector<int>{0, 1, 2, 3, 4, 5, 6, 7})) << "each category once";
    if (epoch0.empty()) epoch0 = keys;
    EXPECT_EQ(keys, epoch0) << "the same seed and epoch, the same views in the same order";
    // The next epoch: again each category once, another view of most.
    auto next = Keys(loader);
    categories = Categories(next);
    EXPECT_EQ(std::set<int>(categories.begin(), categories.end()).size(), 8u);
    std::sort(next.begin(), next.end());
    std::vector<std::string> sorted0 = epoch0;
    std::sort(sorted0.begin(), sorted0.end());
    std::vector<std::string> same;
    std::set_intersection(sorted0.begin(), sorted0.end(), next.begin(), next.end(), std::back_inserter(same));
    EXPECT_LT(same.size(), 4u) << "a new view for most categories";
  }
  LoaderOptions o = OneViewOptions(spec);
  o.seed = 4;
  Loader other(o);
  EXPECT_NE(Keys(other), epoch0) << "another seed, other views";
}

TEST_F(LoaderTest, OneViewPerCategoryRanksTogetherCoverEachCategoryOnce) {
  const std::string dir = WriteViews(7);
  for (UnevenPolicy uneven : {UnevenPolicy::kDrop, UnevenPolicy::kPad, UnevenPolicy::kWrap}) {
    std::vector<int> seen;
    for (int rank = 0; rank < 2; ++rank) {
      LoaderOptions o = OneViewOptions(dir + "/views-{0..2}.tar");
      o.rank = rank;
      o.world_size = 2;
      o.uneven = uneven;
      o.seed = 9;
      Loader loader(o);
      EXPECT_EQ(loader.SamplesPerEpoch(), uneven == UnevenPolicy::kDrop ? 3u : 4u);
      const auto categories = Categories(Keys(loader));
      seen.insert(seen.end(), categories.begin(), categories.end());
    }
    // 7 over 2 ranks: drop leaves one category out, pad and wrap repeat one.
    const std::set<int> distinct(seen.begin(), seen.end());
    EXPECT_EQ(distinct.size(), uneven == UnevenPolicy::kDrop ? 6u : 7u) << UnevenPolicyName(uneven);
    EXPECT_EQ(seen.size(), uneven == UnevenPolicy::kDrop ? 6u : 8u);
  }
}

TEST_F(LoaderTest, OneViewPerCategoryResumeKeepsTheChoice) {
  LoaderOptions o = OneViewOptions(WriteViews(8) + "/views-{0..2}.tar");
  o.batch_size = 2;
  Loader full(o);
  full.SetEpoch(5);
  const auto all = Keys(full);
  ASSERT_EQ(all.size(), 8u);
  Loader first(o);
  first.SetEpoch(5);
  auto keys = Keys(first, 2);
  Loader second(o);
  second.Restore(LoaderState::FromJson(first.State().ToJson()));
  const auto rest = Keys(second);
  keys.insert(keys.end(), rest.begin(), rest.end());
  EXPECT_EQ(keys, all);
}

// The skip policy's damaged shard: the samples past the damage are no
// candidates; every category with a readable view still gets one.
TEST_F(LoaderTest, OneViewPerCategoryPassesOverDamageWhenSkipping) {
  const std::string dir = WriteViews(8);
  shard::Manifest m;
  m.name = "views";
  m.source = shard::SampleSource::kPacked;
  m.num_classes = 8;
  m.num_samples = 40;
  m.samples_per_shard = 14;
  for (int s = 0; s < 3; ++s) {
    m.shards.push_back({"views-" + std::to_string(s) + ".tar", s < 2 ? 14u : 12u, 1, std::string(64, '0')});
  }
  shard::WriteManifest(dir, m);
  const std::string path = dir + "/views-1.tar";
  const std::string data = ReadFile(path);
  WriteFileAtomic(path, data.substr(0, data.size() / 2));  // keeps views of categories 2, 3, 4
  LoaderOptions o = OneViewOptions(dir);
  EXPECT_THROW(Loader{o}, Error);
  o.on_error = ErrorPolicy::kSkip;
  Loader loader(o);
  const auto categories = Categories(Keys(loader));
  EXPECT_EQ(std::set<int>(categories.begin(), categories.end()).size(), 8u);
  EXPECT_EQ(loader.Stats().skipped, 0u);
}

TEST_F(LoaderTest, OneViewPerCategoryErrors) {
  // Keys that are not synthub's: an Error naming the shard, the key and the option.
  try {
    Loader loader(OneViewOptions(spec_));
    FAIL() << "no error";
  } catch (const UsageError& e) {
    FAIL() << "a usage error: " << e.what();
  } catch (const Error& e) {
    const std::string what = e.what();
    EXPECT_NE(what.find("s-0.tar@0: sample key '0000' is not a synthub key CCCCCC_RR_DDD_F"),
              std::string::npos) << what;
    EXPECT_NE(what.find("one_view_per_category"), std::string::npos) << what;
  }
  // Another shard, whose keys are synthub's in all but one.
  const std::string odd = dir_ + "/odd.tar";
  {
    shard::TarWriter tar(odd);
    for (const char* key : {"000001_00_000_0", "000001_00_001_0", "000002_00_0x1_0"}) {
      std::vector<uint8_t> px(20 * 16, 10);
      tar.AddFile(std::string(key) + ".png", codec::EncodeImage(px.data(), 20, 16, 1, {}));
      tar.AddFile(std::string(key) + ".cls", "1");
    }
    tar.Finish();
  }
  try {
    Loader loader(OneViewOptions(odd));
    FAIL() << "no error";
  } catch (const Error& e) {
    const std::string what = e.what();
    EXPECT_NE(what.find("odd.tar@"), std::string::npos) << what;
    EXPECT_NE(what.find(": sample key '000002_00_0x1_0' is not a synthub key"), std::string::npos) << what;
  }
  // Only shuffle global (it picks samples by index), no URLs (nothing to index), no image folder.
  LoaderOptions o = OneViewOptions(WriteViews(2) + "/views-0.tar");
  o.shuffle = ShuffleMode::kLocal;
  EXPECT_THROW(Loader{o}, UsageError);
  o = OneViewOptions("http://127.0.0.1:9/views-{0..1}.tar");
  try {
    Loader loader(o);
    FAIL() << "no error";
  } catch (const UsageError& e) {
    EXPECT_NE(std::string(e.what()).find("one_view_per_category learns the categories from an index of "
                                         "local shards; a URL cannot be indexed (http://127.0.0.1:9/views-0.tar)"),
              std::string::npos) << e.what();
  }
  const std::string folder = dir_ + "/folder/a";
  MakeDirs(folder);
  std::vector<uint8_t> px(16 * 16, 0);
  WriteFileAtomic(folder + "/x.png", codec::EncodeImage(px.data(), 16, 16, 1, {}));
  o = OneViewOptions("imagefolder:" + dir_ + "/folder");
  EXPECT_THROW(Loader{o}, UsageError);
}

// render: with the default local shuffle renders in the grouped order
// (whole canvases mixed a window at a time, each drawn once and shared by
// the workers): every sample once per epoch, each image the pixels that the
// ungrouped order (and generate) renders for its key, a new order each epoch.
TEST(LoaderRenderTest, GroupedOrderDeliversEverySampleWithItsPixels) {
  LoaderOptions o;
  o.spec = "render:demo";  // 10 categories x 25 rows x 2 draws x 4 flips
  o.batch_size = 50;
  o.image_size = 16;
  o.seed = 2;
  o.workers = 2;
  o.shuffle_buffer = 400;  // windows of 100 canvases
  o.random_resized_crop = false;
  o.drop_last = false;
  o.layout = OutputLayout::kUint8Nhwc;
  auto epoch = [](Loader& loader, std::vector<std::string>* order) {
    std::map<std::string, std::vector<uint8_t>> images;
    Batch b;
    const size_t each = 16 * 16 * 3;
    while (loader.Next(&b)) {
      for (int i = 0; i < b.size; ++i) {
        images[b.keys[i]].assign(b.u8.begin() + i * each, b.u8.begin() + (i + 1) * each);
        EXPECT_EQ(std::stoi(b.keys[i].substr(0, 6)), b.labels[i]);
        if (order) order->push_back(b.keys[i]);
      }
    }
    return images;
  };
  Loader grouped(o);
  std::vector<std::string> first, second;
  const auto images = epoch(grouped, &first);
  EXPECT_EQ(images.size(), 2000u);
  EXPECT_EQ(first.size(), 2000u);
  // Batches are mixed over many canvases, not a canvas's flips in a row.
  std::set<std::string> canvases;
  for (int i = 0; i < 50; ++i) canvases.insert(first[i].substr(0, 13));
  EXPECT_GE(canvases.size(), 35u);
  epoch(grouped, &second);
  EXPECT_NE(first, second);
  o.shuffle = ShuffleMode::kNone;
  o.workers = 1;
  Loader plain(o);
  EXPECT_EQ(epoch(plain, nullptr), images);
}

// render: the recipe's plan gives each sample's category; no keys to parse.
TEST(LoaderRenderTest, OneViewPerCategoryRendersOneSamplePerCategory) {
  LoaderOptions o;
  o.spec = "render:demo";  // 10 categories
  o.batch_size = 5;
  o.image_size = 8;
  o.seed = 5;
  o.shuffle = ShuffleMode::kGlobal;
  o.one_view_per_category = true;
  o.layout = OutputLayout::kUint8Nhwc;
  Loader loader(o);
  EXPECT_EQ(loader.SamplesPerEpoch(), 10u);
  std::vector<std::set<std::string>> epochs(2);
  for (std::set<std::string>& keys : epochs) {
    std::set<int> categories;
    Batch b;
    while (loader.Next(&b)) {
      for (int i = 0; i < b.size; ++i) {
        keys.insert(b.keys[i]);
        categories.insert(std::stoi(b.keys[i].substr(0, 6)));
        EXPECT_EQ(std::stoi(b.keys[i].substr(0, 6)), b.labels[i]) << b.keys[i];
      }
    }
    EXPECT_EQ(categories.size(), 10u);
    EXPECT_EQ(keys.size(), 10u);
  }
  EXPECT_NE(epochs[0], epochs[1]);
}

// The niceness of every thread of this process (/proc/self/task/*/stat).
std::map<std::string, int> ThreadNiceness() {
  std::map<std::string, int> out;
  for (const std::string& tid : ListDirectory("/proc/self/task")) {
    std::string stat;
    try {
      stat = ReadFile("/proc/self/task/" + tid + "/stat");
    } catch (const Error&) {
      continue;  // the thread ended
    }
    // Fields after the command's closing parenthesis start at field 3; nice is 19.
    std::istringstream rest(stat.substr(stat.rfind(')') + 2));
    std::string field;
    for (int i = 3; i <= 19 && rest >> field; ++i) {
      if (i == 19) out[tid] = std::stoi(field);
    }
  }
  return out;
}

// LoaderOptions::nice lowers the loader's threads and no other.
TEST_F(LoaderTest, NiceLowersTheLoaderThreadsOnly) {
  const int base = ThreadNiceness().at(std::to_string(::getpid()));
  LoaderOptions o = Options();
  o.nice = 5;
  o.workers = 2;
  o.prefetch = 1;  // the reader stays blocked, alive, while we look
  Loader loader(o);
  Batch b;
  ASSERT_TRUE(loader.Next(&b));
  int lowered = 0;
  for (const auto& [tid, nice] : ThreadNiceness()) {
    EXPECT_TRUE(nice == base || nice == std::min(19, base + 5)) << tid << ": " << nice;
    lowered += nice == std::min(19, base + 5) && base < 19;
  }
  EXPECT_GE(lowered, 2);  // the workers at least
  EXPECT_EQ(ThreadNiceness().at(std::to_string(::getpid())), base);
  o.nice = 20;
  EXPECT_THROW(Loader{o}, UsageError);
}

TEST_F(LoaderTest, BadSpecsAreClearErrors) {
  LoaderOptions o = Options();
  o.spec = dir_ + "/s-{0..9}.tar";
  EXPECT_THROW(Loader{o}, Error);
  o.spec = dir_ + "/s-{0..4.tar";
  EXPECT_THROW(Loader{o}, UsageError);
  o.spec = dir_ + "/s-{0..99999999999999999999}.tar";  // found by fuzz/parsers_fuzz
  EXPECT_THROW(Loader{o}, UsageError);
  o = Options();
  o.rank = 2;
  o.world_size = 2;
  EXPECT_THROW(Loader{o}, UsageError);
}

TEST(LoaderOptionsTest, EnumSpellingsRoundTrip) {
  for (const std::string& n : ShuffleModeNames()) EXPECT_EQ(ShuffleModeName(ParseShuffleMode(n)), n);
  for (const std::string& n : UnevenPolicyNames()) EXPECT_EQ(UnevenPolicyName(ParseUnevenPolicy(n)), n);
  for (const std::string& n : ErrorPolicyNames()) EXPECT_EQ(ErrorPolicyName(ParseErrorPolicy(n)), n);
  for (const std::string& n : OutputLayoutNames()) EXPECT_EQ(OutputLayoutName(ParseOutputLayout(n)), n);
  for (const std::string& n : InterpolationNames()) {
    EXPECT_EQ(InterpolationName(ParseInterpolation(n)), n);
  }
  EXPECT_EQ(ShuffleModeNames(), (std::vector<std::string>{"none", "local", "global"}));
  EXPECT_EQ(ParseOutputLayout("u8"), OutputLayout::kUint8Nhwc);
  try {
    ParseShuffleMode("sideways");
    ADD_FAILURE() << "no error";
  } catch (const UsageError& e) {
    EXPECT_STREQ(e.what(), "shuffle: expected none, local or global, got 'sideways'");
  }
}

TEST(LoaderOptionsTest, ErrorsNameTheField) {
  LoaderOptions o;
  o.batch_size = 0;
  try {
    ValidateLoaderOptions(o);
    ADD_FAILURE() << "no error";
  } catch (const UsageError& e) {
    EXPECT_STREQ(e.what(), "batch_size must be >= 1");
  }
  o = LoaderOptions();
  o.scale_min = 0.5;
  o.scale_max = 0.4;
  EXPECT_THROW(ValidateLoaderOptions(o), UsageError);
  o = LoaderOptions();
  o.std[1] = 0;
  EXPECT_THROW(ValidateLoaderOptions(o), UsageError);
  EXPECT_NO_THROW(ValidateLoaderOptions(LoaderOptions()));
  auto message = [](const LoaderOptions& bad) -> std::string {
    try {
      ValidateLoaderOptions(bad);
    } catch (const UsageError& e) {
      return e.what();
    }
    return "no error";
  };
  o = LoaderOptions();
  o.rand_augment = "rand-m12";
  EXPECT_EQ(message(o).rfind("rand_augment: magnitude m must be in [0, 10] in 'rand-m12'", 0), 0u) << message(o);
  o.rand_augment = "rand-m9-mstd0.5-inc1";
  EXPECT_NO_THROW(ValidateLoaderOptions(o));
  o.color_jitter = -0.1;
  EXPECT_EQ(message(o), "color_jitter must be >= 0 (0 = off)");
  o.color_jitter = 0.4;
  o.random_erasing = 1.5;
  EXPECT_EQ(message(o), "random_erasing is a probability: it must be in [0, 1]");
  o.random_erasing = 0.5;
  EXPECT_NO_THROW(ValidateLoaderOptions(o));
  o.one_view_per_category = true;
  EXPECT_EQ(message(o), "one_view_per_category picks samples by index: it needs shuffle global");
  o.shuffle = ShuffleMode::kGlobal;
  EXPECT_NO_THROW(ValidateLoaderOptions(o));
}

}  // namespace
}  // namespace synthub
