#include "codec/png_decoder.h"

#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <libdeflate.h>

#include "synthub/error.h"

namespace synthub::codec {
namespace {

uint32_t Be32(const unsigned char* p) {
  return (uint32_t{p[0]} << 24) | (uint32_t{p[1]} << 16) | (uint32_t{p[2]} << 8) | p[3];
}

int Paeth(int a, int b, int c) {
  const int p = a + b - c;
  const int pa = std::abs(p - a), pb = std::abs(p - b), pc = std::abs(p - c);
  if (pa <= pb && pa <= pc) return a;
  return pb <= pc ? b : c;
}

// Undoes one row's filter (PNG spec 9.2) into `out`; `prev` is the row above
// (unfiltered) or null for the first row. False for an unknown filter type.
bool Unfilter(int type, const uint8_t* in, const uint8_t* prev, size_t n, int bpp, uint8_t* out) {
  switch (type) {
    case 0:
      std::memcpy(out, in, n);
      return true;
    case 1:
      for (size_t i = 0; i < n; ++i) out[i] = static_cast<uint8_t>(in[i] + (i >= static_cast<size_t>(bpp) ? out[i - bpp] : 0));
      return true;
    case 2:
      if (!prev) {
        std::memcpy(out, in, n);
      } else {
        for (size_t i = 0; i < n; ++i) out[i] = static_cast<uint8_t>(in[i] + prev[i]);
      }
      return true;
    case 3:
      for (size_t i = 0; i < n; ++i) {
        const int a = i >= static_cast<size_t>(bpp) ? out[i - bpp] : 0;
        const int b = prev ? prev[i] : 0;
        out[i] = static_cast<uint8_t>(in[i] + ((a + b) >> 1));
      }
      return true;
    case 4:
      for (size_t i = 0; i < n; ++i) {
        const bool left = i >= static_cast<size_t>(bpp);
        const int a = left ? out[i - bpp] : 0;
        const int b = prev ? prev[i] : 0;
        const int c = prev && left ? prev[i - bpp] : 0;
        out[i] = static_cast<uint8_t>(in[i] + Paeth(a, b, c));
      }
      return true;
    default:
      return false;
  }
}

}  // namespace

bool IsPng(const std::string& data) {
  return data.size() >= 8 && std::memcmp(data.data(), "\x89PNG\r\n\x1a\n", 8) == 0;
}

PngDecoder::PngDecoder() : inflater_(libdeflate_alloc_decompressor()) {
  if (!inflater_) throw Error("png: libdeflate_alloc_decompressor failed");
}

PngDecoder::~PngDecoder() { libdeflate_free_decompressor(inflater_); }

void PngDecoder::Decode(const std::string& data, const std::string& where, Image* out) {
  last_fast_ = DecodeFast(data, where, out);
  if (!last_fast_) *out = DecodeImage(data, where);  // libspng: RGB, or its error
}

// The fast path; false (nothing thrown, `out` unspecified) for anything it
// does not handle or doubts, so that libspng decides.
bool PngDecoder::DecodeFast(const std::string& data, const std::string& where, Image* out) {
  if (!IsPng(data)) return false;
  const auto* p = reinterpret_cast<const unsigned char*>(data.data());
  const size_t size = data.size();
  size_t at = 8;
  uint32_t width = 0, height = 0;
  int channels = 0;
  bool have_header = false, ended = false;
  const unsigned char* idat = nullptr;  // the only IDAT, or null when joined
  size_t idat_size = 0, idat_chunks = 0;
  idat_.clear();
  while (!ended) {
    if (size - at < 12) return false;  // truncated
    const uint32_t length = Be32(p + at);
    if (length > size - at - 12) return false;
    const unsigned char* type = p + at + 4;
    const unsigned char* body = type + 4;
    const bool critical = (type[0] & 0x20) == 0;
    if (critical && libdeflate_crc32(0, type, length + 4) != Be32(body + length)) return false;
    if (std::memcmp(type, "IHDR", 4) == 0) {
      if (have_header || length != 13) return false;
      width = Be32(body);
      height = Be32(body + 4);
      const int depth = body[8], color = body[9];
      if (depth != 8 || (color != 0 && color != 2) || body[10] != 0 || body[11] != 0 || body[12] != 0) {
        return false;  // 16-bit, palette, alpha or interlaced: libspng
      }
      if (width == 0 || height == 0 || width > (1u << 31) - 1 || height > (1u << 31) - 1) return false;
      CheckImageSize(width, height, where);  // throws: no allocation for a hostile header
      channels = color == 0 ? 1 : 3;
      have_header = true;
    } else if (!have_header) {
      return false;  // IHDR must come first
    } else if (std::memcmp(type, "IDAT", 4) == 0) {
      if (++idat_chunks == 1) {
        idat = body;
        idat_size = length;
      } else {
        if (idat_chunks == 2) idat_.assign(reinterpret_cast<const char*>(idat), idat_size);
        idat_.append(reinterpret_cast<const char*>(body), length);
      }
    } else if (std::memcmp(type, "IEND", 4) == 0) {
      ended = true;
    } else if (critical) {
      return false;  // PLTE or an unknown critical chunk
    }
    at += 12 + static_cast<size_t>(length);
  }
  if (idat_chunks == 0) return false;
  if (idat_chunks > 1) {
    idat = reinterpret_cast<const unsigned char*>(idat_.data());
    idat_size = idat_.size();
  }
  const size_t row = static_cast<size_t>(width) * channels;
  raw_.resize((row + 1) * height);
  if (libdeflate_zlib_decompress(inflater_, idat, idat_size, raw_.data(), raw_.size(), nullptr) !=
      LIBDEFLATE_SUCCESS) {
    return false;  // corrupt, short or longer than the image: libspng says which
  }
  out->width = static_cast<int>(width);
  out->height = static_cast<int>(height);
  out->channels = channels;
  out->pixels.resize(row * height);
  const uint8_t* prev = nullptr;
  for (size_t y = 0; y < height; ++y) {
    const uint8_t* in = raw_.data() + y * (row + 1);
    uint8_t* dst = out->pixels.data() + y * row;
    if (!Unfilter(in[0], in + 1, prev, row, channels, dst)) return false;
    prev = dst;
  }
  return true;
}

}  // namespace synthub::codec
