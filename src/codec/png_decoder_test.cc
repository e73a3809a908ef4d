#include "codec/png_decoder.h"

#include <gtest/gtest.h>
#include <random>
#include <zlib.h>

#include "synthub/error.h"

namespace synthub::codec {
namespace {

void PutU32(std::string* out, uint32_t v) {
  for (int s = 24; s >= 0; s -= 8) out->push_back(static_cast<char>(v >> s));
}

void PutChunk(std::string* out, const char* type, const std::string& body) {
  PutU32(out, static_cast<uint32_t>(body.size()));
  const std::string typed = std::string(type, 4) + body;
  out->append(typed);
  PutU32(out, crc32(0, reinterpret_cast<const Bytef*>(typed.data()), static_cast<uInt>(typed.size())));
}

int PaethRef(int a, int b, int c) {
  const int p = a + b - c, pa = std::abs(p - a), pb = std::abs(p - b), pc = std::abs(p - c);
  return pa <= pb && pa <= pc ? a : (pb <= pc ? b : c);
}

// An independent PNG writer for the test: every row with its own filter
// (0..4, the PNG spec's forward filters), the IDAT split into `pieces`
// chunks, an ancillary chunk before the data.
std::string WritePng(const std::vector<uint8_t>& px, int w, int h, int channels,
                     const std::vector<int>& filters, int pieces) {
  const size_t row = static_cast<size_t>(w) * channels;
  std::string raw;
  for (int y = 0; y < h; ++y) {
    const uint8_t* cur = px.data() + y * row;
    const uint8_t* up = y > 0 ? cur - row : nullptr;
    raw.push_back(static_cast<char>(filters[y]));
    for (size_t i = 0; i < row; ++i) {
      const int a = i >= static_cast<size_t>(channels) ? cur[i - channels] : 0;
      const int b = up ? up[i] : 0;
      const int c = up && i >= static_cast<size_t>(channels) ? up[i - channels] : 0;
      const int pred = filters[y] == 0 ? 0 : filters[y] == 1 ? a : filters[y] == 2 ? b
                     : filters[y] == 3 ? (a + b) / 2 : PaethRef(a, b, c);
      raw.push_back(static_cast<char>(cur[i] - pred));
    }
  }
  uLongf n = compressBound(static_cast<uLong>(raw.size()));
  std::string z(n, '\0');
  compress2(reinterpret_cast<Bytef*>(z.data()), &n, reinterpret_cast<const Bytef*>(raw.data()),
            static_cast<uLong>(raw.size()), 6);
  z.resize(n);
  std::string png("\x89PNG\r\n\x1a\n", 8), ihdr;
  PutU32(&ihdr, w);
  PutU32(&ihdr, h);
  ihdr += static_cast<char>(8);
  ihdr += static_cast<char>(channels == 1 ? 0 : 2);
  ihdr.append(3, '\0');
  PutChunk(&png, "IHDR", ihdr);
  PutChunk(&png, "tEXt", std::string("Comment\0test", 12));
  const size_t step = (z.size() + pieces - 1) / pieces;
  for (size_t at = 0; at < z.size(); at += step) PutChunk(&png, "IDAT", z.substr(at, step));
  PutChunk(&png, "IEND", "");
  return png;
}

std::vector<uint8_t> Noise(size_t n, unsigned seed) {
  std::mt19937 rng(seed);
  std::vector<uint8_t> px(n);
  for (auto& v : px) v = static_cast<uint8_t>(rng() % 7 == 0 ? rng() : v ? 0 : 127);
  return px;
}

TEST(PngDecoderTest, EveryFilterGrayAndRgbMatchesLibspng) {
  PngDecoder decoder;
  for (int channels : {1, 3}) {
    for (int pieces : {1, 3}) {
      const int w = 37, h = 23;
      const auto px = Noise(static_cast<size_t>(w) * h * channels, 7 + channels + pieces);
      std::vector<int> filters(h);
      for (int y = 0; y < h; ++y) filters[y] = (y * 3 + pieces) % 5;
      const std::string png = WritePng(px, w, h, channels, filters, pieces);
      Image img;
      decoder.Decode(png, "t.png", &img);
      EXPECT_TRUE(decoder.last_was_fast());
      ASSERT_EQ(img.channels, channels);
      ASSERT_EQ(img.width, w);
      ASSERT_EQ(img.height, h);
      EXPECT_EQ(img.pixels, px);
      // libspng, the independent decoder, agrees (it expands gray to RGB).
      const Image ref = DecodeImage(png, "t.png");
      for (size_t p = 0; p < static_cast<size_t>(w) * h; ++p) {
        for (int c = 0; c < 3; ++c) {
          ASSERT_EQ(ref.pixels[p * 3 + c], img.pixels[p * channels + (channels == 3 ? c : 0)]);
        }
      }
    }
  }
}

TEST(PngDecoderTest, GeneratedImagesTakeTheFastPathAndOthersLibspng) {
  PngDecoder decoder;
  const auto gray = Noise(64 * 48, 3);
  Image img;
  decoder.Decode(EncodeImage(gray.data(), 64, 48, 1, {}), "g.png", &img);
  EXPECT_TRUE(decoder.last_was_fast());
  EXPECT_EQ(img.channels, 1);
  EXPECT_EQ(img.pixels, gray);
  // 16-bit gray goes through libspng, as RGB (its high bytes).
  std::vector<uint16_t> wide(64 * 48);
  for (size_t i = 0; i < wide.size(); ++i) wide[i] = static_cast<uint16_t>(gray[i] * 257);
  decoder.Decode(EncodePng16(wide.data(), 64, 48), "w.png", &img);
  EXPECT_FALSE(decoder.last_was_fast());
  ASSERT_EQ(img.channels, 3);
  for (size_t i = 0; i < gray.size(); ++i) ASSERT_EQ(img.pixels[3 * i], gray[i]);
  // The buffer is reused: decoding the gray image again gives it back.
  decoder.Decode(EncodeImage(gray.data(), 64, 48, 1, {}), "g.png", &img);
  EXPECT_EQ(img.pixels, gray);
}

TEST(PngDecoderTest, BadDataThrowsNamingTheSample) {
  PngDecoder decoder;
  const auto px = Noise(40 * 30 * 3, 5);
  const std::string png = EncodeImage(px.data(), 40, 30, 3, {});
  Image img;
  // Every truncation into the image data, and a flipped byte anywhere in it,
  // is an error. (Losing only the last CRC and IEND is not: libspng, the
  // reference the fast path falls back to, accepts a complete zlib stream.)
  for (size_t n = 0; n + 16 < png.size(); n += 7) {
    EXPECT_THROW(decoder.Decode(png.substr(0, n), "cut.png", &img), Error) << n;
  }
  for (size_t at = 33; at + 12 < png.size(); at += 11) {
    std::string bad = png;
    bad[at] = static_cast<char>(bad[at] ^ 0x40);
    EXPECT_THROW(decoder.Decode(bad, "flip.png", &img), Error) << at;
  }
  try {
    decoder.Decode(png.substr(0, png.size() / 2), "half.png", &img);
    FAIL();
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("half.png"), std::string::npos) << e.what();
  }
}

TEST(PngDecoderTest, HugeHeaderIsRefusedBeforeAllocating) {
  // A valid 65535 x 65535 gray header over a tiny IDAT: a decoding bomb.
  std::string png("\x89PNG\r\n\x1a\n", 8), ihdr;
  PutU32(&ihdr, 65535);
  PutU32(&ihdr, 65535);
  ihdr += static_cast<char>(8);
  ihdr.append(4, '\0');
  PutChunk(&png, "IHDR", ihdr);
  PutChunk(&png, "IDAT", std::string("\x78\x9c\x03\x00\x00\x00\x00\x01", 8));
  PutChunk(&png, "IEND", "");
  PngDecoder decoder;
  Image img;
  try {
    decoder.Decode(png, "bomb.png", &img);
    FAIL();
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("more than the"), std::string::npos) << e.what();
  }
  EXPECT_LT(img.pixels.capacity(), size_t{1} << 20);
}

}  // namespace
}  // namespace synthub::codec
