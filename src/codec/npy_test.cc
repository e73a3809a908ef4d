#include "codec/npy.h"

#include <gtest/gtest.h>

#include "synthub/error.h"

namespace synthub::codec {
namespace {

TEST(NpyTest, RoundTripAndNumpyLayout) {
  const std::vector<float> v = {1.5f, -2.0f, 0.25f, 3.0f, 4.0f, 5.0f};
  const std::string bytes = EncodeNpyF32(v.data(), 2, 3);
  // numpy 1.x: magic, version 1.0, header padded so the data starts at 64.
  EXPECT_EQ(bytes.substr(0, 8), std::string("\x93NUMPY\x01\x00", 8));
  EXPECT_EQ(bytes.size(), 128u + 6 * 4);
  EXPECT_EQ(bytes.substr(10, 59),
            "{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), }");
  EXPECT_EQ(bytes[127], '\n');
  size_t rows = 0, cols = 0;
  EXPECT_EQ(DecodeNpyF32(bytes, "x.npy", &rows, &cols), v);
  EXPECT_EQ(rows, 2u);
  EXPECT_EQ(cols, 3u);
}

TEST(NpyTest, BadFilesNameTheFile) {
  size_t r, c;
  const std::vector<float> v(6, 1.0f);
  std::string good = EncodeNpyF32(v.data(), 2, 3);
  EXPECT_THROW(DecodeNpyF32("not numpy", "a.npy", &r, &c), Error);
  std::string truncated = good.substr(0, good.size() - 1);
  try {
    DecodeNpyF32(truncated, "cloud.npy", &r, &c);
    FAIL();
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("cloud.npy: truncated"), std::string::npos) << e.what();
  }
  std::string f8 = good;
  f8.replace(f8.find("<f4"), 3, "<f8");
  EXPECT_THROW(DecodeNpyF32(f8, "b.npy", &r, &c), Error);
  std::string fortran = good;
  fortran.replace(fortran.find("False"), 5, "True ");
  EXPECT_THROW(DecodeNpyF32(fortran, "c.npy", &r, &c), Error);
}

}  // namespace
}  // namespace synthub::codec
