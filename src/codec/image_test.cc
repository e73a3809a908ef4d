#include "codec/image.h"

#include <cstdlib>
#include <gtest/gtest.h>

#include "codec/jpeg_region.h"
#include "synthub/error.h"

namespace synthub::codec {
namespace {

std::vector<uint8_t> Gradient(int w, int h, int channels) {
  std::vector<uint8_t> px(static_cast<size_t>(w) * h * channels);
  for (size_t i = 0; i < px.size(); ++i) px[i] = static_cast<uint8_t>((i * 7 + i / 13) % 256);
  return px;
}

TEST(ImageCodecTest, PngRoundTripGrayAndRgb) {
  for (int channels : {1, 3}) {
    for (int level : {kPngRle, 0, 6}) {
      const auto px = Gradient(21, 13, channels);
      EncodeOptions o;
      o.png_level = level;
      const Image img = DecodeImage(EncodeImage(px.data(), 21, 13, channels, o), "x.png");
      ASSERT_EQ(img.width, 21);
      ASSERT_EQ(img.height, 13);
      for (size_t p = 0; p < 21 * 13; ++p) {
        for (int c = 0; c < 3; ++c) {
          ASSERT_EQ(img.pixels[p * 3 + c], px[p * channels + (channels == 3 ? c : 0)]);
        }
      }
    }
  }
}

TEST(ImageCodecTest, WebpLosslessRoundTripAndJpegDecodes) {
  const auto px = Gradient(16, 16, 3);
  EncodeOptions o;
  o.format = ImageFormat::kWebp;
  o.quality = 100;
  EXPECT_EQ(DecodeImage(EncodeImage(px.data(), 16, 16, 3, o), "x.webp").pixels, px);
  o.format = ImageFormat::kJpeg;
  o.quality = 90;
  const Image j = DecodeImage(EncodeImage(px.data(), 16, 16, 3, o), "x.jpg");
  EXPECT_EQ(j.width, 16);
  EXPECT_EQ(j.pixels.size(), px.size());
}

TEST(ImageCodecTest, CorruptDataIsAnErrorNamingTheSample) {
  try {
    DecodeImage(std::string("\x89PNG\r\n\x1a\n garbage", 17), "key7.png");
    FAIL();
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("key7.png"), std::string::npos);
  }
  EXPECT_THROW(DecodeImage("not an image", "k"), Error);
}

// A JPEG whose frame header claims 60000 x 60000 pixels (found by
// decode_fuzz as a 10 GB allocation): refused before anything is allocated,
// by the whole-image and the region decoder alike, and the region decoder
// still works afterwards.
TEST(ImageCodecTest, HugeDimensionsAreRefusedBeforeAllocating) {
  const auto px = Gradient(16, 16, 3);
  EncodeOptions o;
  o.format = ImageFormat::kJpeg;
  const std::string good = EncodeImage(px.data(), 16, 16, 3, o);
  std::string bomb = good;
  const size_t sof = bomb.find("\xff\xc0");
  ASSERT_NE(sof, std::string::npos);
  for (size_t i : {sof + 5, sof + 7}) {  // height, width: big-endian uint16
    bomb[i] = static_cast<char>(0xEA);
    bomb[i + 1] = static_cast<char>(0x60);
  }
  try {
    DecodeImage(bomb, "bomb.jpg");
    FAIL() << "a 60000 x 60000 JPEG was decoded";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("60000 x 60000"), std::string::npos) << e.what();
  }
  JpegRegionDecoder region;
  JpegRegion out;
  const CropChooser whole = [](int w, int h, int* x, int* y, int* cw, int* ch) {
    *x = 0, *y = 0, *cw = w, *ch = h;
  };
  EXPECT_THROW(region.Decode(bomb, "bomb.jpg", 8, whole, &out), Error);
  region.Decode(good, "good.jpg", 16, whole, &out);  // 16: no DCT downscaling
  EXPECT_EQ(out.image.width, 16);
  EXPECT_THROW(CheckImageSize(1u << 15, 1u << 14, "x"), Error);
  EXPECT_NO_THROW(CheckImageSize(1u << 14, 1u << 14, "x"));
}

TEST(JpegRegionTest, RegionMatchesTheFullDecodeAndSurvivesErrors) {
  const auto px = Gradient(64, 48, 3);
  EncodeOptions o;
  o.format = ImageFormat::kJpeg;
  const std::string jpg = EncodeImage(px.data(), 64, 48, 3, o);
  const Image full = DecodeImage(jpg, "full");
  JpegRegionDecoder decoder;
  JpegRegion region;
  EXPECT_THROW(decoder.Decode(std::string("\xff\xd8\xff garbage", 12), "bad.jpg", 8,
                              [](int, int, int*, int*, int*, int*) {}, &region),
               Error);
  decoder.Decode(jpg, "crop", 64,  // no DCT scaling: the crop is smaller than 64
                 [](int w, int h, int* x, int* y, int* cw, int* ch) {
                   EXPECT_EQ(w, 64);
                   EXPECT_EQ(h, 48);
                   *x = 20, *y = 10, *cw = 30, *ch = 20;
                 },
                 &region);
  // Rows 8..31 decoded (2-pixel margins), columns from an iMCU boundary.
  ASSERT_EQ(region.image.height, 24);
  ASSERT_DOUBLE_EQ(region.y, 2.0);
  const int x0 = 20 - static_cast<int>(region.x);
  ASSERT_GE(region.image.width, 32);
  // Equal up to chroma-upsampling context at the crop edges; a one-pixel
  // misalignment would differ by about 20 on this gradient.
  double total = 0;
  for (int y = 0; y < 20; ++y) {
    for (int x = 0; x < 30; ++x) {
      for (int c = 0; c < 3; ++c) {
        const int a = region.image.pixels[((y + 2) * region.image.width + x + static_cast<int>(region.x)) * 3 + c];
        const int b = full.pixels[((10 + y) * 64 + x0 + x + static_cast<int>(region.x)) * 3 + c];
        ASSERT_NEAR(a, b, 6) << y << "," << x;
        total += std::abs(a - b);
      }
    }
  }
  EXPECT_LT(total / (20 * 30 * 3), 1.0);
  // A crop at least twice the output size is decoded scaled down by M/8.
  decoder.Decode(jpg, "scaled", 8,
                 [](int, int, int* x, int* y, int* cw, int* ch) {
                   *x = 20, *y = 10, *cw = 30, *ch = 20;
                 },
                 &region);
  EXPECT_EQ(region.image.height, 14);  // 4/8: 20 rows -> 10 (+ margins), still >= 8
  EXPECT_DOUBLE_EQ(region.width, 15.0);
  EXPECT_DOUBLE_EQ(region.height, 10.0);
}

}  // namespace
}  // namespace synthub::codec
