#include <cstdio>
#include <cstring>
#include <gtest/gtest.h>

#include "shard/tar_format.h"
#include "shard/tar_reader.h"
#include "shard/tar_writer.h"
#include "shard/verify.h"
#include "synthub/error.h"
#include "util/file.h"
#include "util/test_util.h"

namespace synthub::shard {
namespace {

TEST(UstarHeaderTest, FieldsAndChecksum) {
  const std::string h = UstarHeader("000001_02_003_1.png", 1234);
  ASSERT_EQ(h.size(), 512u);
  EXPECT_EQ(std::string(h.data() + kMagicOff, 6), std::string("ustar\0", 6));
  EXPECT_EQ(std::string(h.data() + kSizeOff, 11), "00000002322");
  EXPECT_EQ(h[kTypeOff], '0');
  unsigned sum = 0;
  for (int i = 0; i < 512; ++i) sum += (i >= 148 && i < 156) ? ' ' : (unsigned char)h[i];
  EXPECT_EQ(std::strtoul(h.data() + kChksumOff, nullptr, 8), sum);
  EXPECT_THROW(UstarHeader(std::string(100, 'a'), 1), Error);
}

TEST(TarWriterTest, ReaderSeesWhatWriterWrote) {
  const test::TempDir tmp;
  const std::string path = tmp.File("rw.tar");
  TarWriter w(path);
  w.AddFile("a.png", std::string(700, 'x'));
  w.AddFile("a.cls", "3");
  w.AddFile("b.png", "");
  w.Finish();
  EXPECT_EQ(FileSize(path) % 512, 0u);
  EXPECT_EQ(w.bytes(), FileSize(path));
  TarReader r(path);
  TarEntry e;
  ASSERT_TRUE(r.Next(&e));
  EXPECT_EQ(e.name, "a.png");
  EXPECT_EQ(e.data, std::string(700, 'x'));
  ASSERT_TRUE(r.Next(&e));
  EXPECT_EQ(e.data, "3");
  EXPECT_EQ(e.header_offset, 512u + 1024u);
  ASSERT_TRUE(r.Next(&e));
  EXPECT_EQ(e.size, 0u);
  EXPECT_FALSE(r.Next(&e));
  EXPECT_TRUE(r.saw_end());
  bool end = false;
  EXPECT_EQ(CountSamples(path, &end), 2u);
}

TEST(TarReaderTest, DetectsCorruptionAndTruncation) {
  const test::TempDir tmp;
  const std::string path = tmp.File("bad.tar");
  {
    TarWriter w(path);
    w.AddFile("k.png", std::string(2000, 'p'));
    w.Finish();
  }
  std::string data = ReadFile(path);
  std::string flipped = data;
  flipped[10] ^= 1;  // inside the name: checksum mismatch
  WriteFileAtomic(path, flipped);
  {
    TarReader r(path);
    TarEntry e;
    try {
      r.Next(&e);
      FAIL() << "no error";
    } catch (const Error& err) {
      EXPECT_NE(std::string(err.what()).find("@0: header checksum"), std::string::npos) << err.what();
    }
  }
  WriteFileAtomic(path, data.substr(0, 1000));  // truncated inside the data
  {
    TarReader r(path);
    TarEntry e;
    EXPECT_THROW(r.Next(&e), Error);
  }
}

TEST(TarReaderTest, HugeSizeFieldIsTruncationNotAHugeAllocation) {
  // Found by fuzz/tar_reader_fuzz: a header claiming 3 GiB before 100 bytes.
  const test::TempDir tmp;
  const std::string path = tmp.File("huge.tar");
  WriteFileAtomic(path, UstarHeader("x.png", 3ull << 30) + std::string(100, 'p'));
  TarReader r(path);
  TarEntry e;
  try {
    r.Next(&e);
    FAIL() << "no error";
  } catch (const Error& err) {
    EXPECT_NE(std::string(err.what()).find("truncated"), std::string::npos) << err.what();
  }
  EXPECT_LE(e.data.capacity(), 8u << 20);
}

TEST(TarReaderTest, ReadsGnuLongNamesAndPax) {
  // A GNU 'L' long-name record followed by its file, then a pax 'x' record.
  const test::TempDir tmp;
  const std::string path = tmp.File("gnu.tar");
  const std::string long_name = std::string(120, 'n') + ".png";
  auto header = [](const std::string& name, uint64_t size, char type) {
    std::string h = UstarHeader(name, size);
    h[kTypeOff] = type;
    std::memset(&h[kChksumOff], ' ', 8);
    unsigned sum = 0;
    for (unsigned char c : h) sum += c;
    std::snprintf(&h[kChksumOff], 7, "%06o", sum);
    h[kChksumOff + 7] = ' ';
    return h;
  };
  auto pad = [](std::string s) { s.resize((s.size() + 511) / 512 * 512, '\0'); return s; };
  std::string tar;
  tar += header("././@LongLink", long_name.size() + 1, 'L') + pad(long_name + '\0');
  tar += header("short.png", 3, '0') + pad("abc");
  const std::string rec = "path=pax/name.cls";
  const std::string line = std::to_string(rec.size() + 4) + " " + rec + "\n";
  tar += header("PaxHeader", line.size(), 'x') + pad(line);
  tar += header("ignored.cls", 1, '0') + pad("7");
  tar += header("dir/", 0, '5');
  tar += std::string(1024, '\0');
  WriteFileAtomic(path, tar);
  TarReader r(path);
  TarEntry e;
  ASSERT_TRUE(r.Next(&e));
  EXPECT_EQ(e.name, long_name);
  EXPECT_EQ(e.data, "abc");
  ASSERT_TRUE(r.Next(&e));
  EXPECT_EQ(e.name, "pax/name.cls");
  EXPECT_EQ(e.data, "7");
  EXPECT_FALSE(r.Next(&e));  // the directory is skipped
}

}  // namespace
}  // namespace synthub::shard
