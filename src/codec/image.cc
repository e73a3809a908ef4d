#include "codec/image.h"

#include <cstring>
#include <spng.h>
#include <turbojpeg.h>
#include <webp/decode.h>
#include <webp/encode.h>
#include <zlib.h>

#include "synthub/error.h"

namespace synthub::codec {
namespace {

void PutU32(std::string* out, uint32_t v) {
  const char b[4] = {static_cast<char>(v >> 24), static_cast<char>(v >> 16),
                     static_cast<char>(v >> 8), static_cast<char>(v)};
  out->append(b, 4);
}

void PutChunk(std::string* out, const char type[4], const std::string& body) {
  PutU32(out, static_cast<uint32_t>(body.size()));
  const size_t start = out->size();
  out->append(type, 4);
  out->append(body);
  const uint32_t crc = crc32(0, reinterpret_cast<const Bytef*>(out->data() + start),
                             static_cast<uInt>(4 + body.size()));
  PutU32(out, crc);
}

// PNG: IHDR, one IDAT (filter None on every row: the images are runs of
// 0 and 127, where prediction filters only add entropy), IEND. `pixels` are
// rows of w x channels samples of `depth` bits (8, or 16 big-endian).
std::string EncodePngRows(const uint8_t* pixels, int w, int h, int channels, int depth,
                          int level) {
  const size_t stride = static_cast<size_t>(w) * channels * (depth / 8);
  thread_local std::string raw;  // reused: no page faults per image
  raw.resize((stride + 1) * h);
  for (int y = 0; y < h; ++y) {
    raw[y * (stride + 1)] = 0;
    std::memcpy(&raw[y * (stride + 1) + 1], pixels + y * stride, stride);
  }
  z_stream zs;
  std::memset(&zs, 0, sizeof(zs));
  const int zlevel = level == kPngRle ? Z_DEFAULT_COMPRESSION : level;
  const int strategy = level == kPngRle ? Z_RLE : Z_DEFAULT_STRATEGY;
  if (deflateInit2(&zs, zlevel, Z_DEFLATED, 15, 8, strategy) != Z_OK) {
    throw Error("png: deflateInit failed");
  }
  std::string idat;
  idat.resize(deflateBound(&zs, static_cast<uLong>(raw.size())));
  zs.next_in = reinterpret_cast<Bytef*>(raw.data());
  zs.avail_in = static_cast<uInt>(raw.size());
  zs.next_out = reinterpret_cast<Bytef*>(idat.data());
  zs.avail_out = static_cast<uInt>(idat.size());
  const int rc = deflate(&zs, Z_FINISH);
  idat.resize(zs.total_out);
  deflateEnd(&zs);
  if (rc != Z_STREAM_END) throw Error("png: deflate failed");

  std::string out("\x89PNG\r\n\x1a\n", 8);
  std::string ihdr;
  PutU32(&ihdr, w);
  PutU32(&ihdr, h);
  ihdr += static_cast<char>(depth);                   // bit depth
  ihdr += static_cast<char>(channels == 1 ? 0 : 2);   // gray / RGB
  ihdr.append(3, '\0');                               // deflate, adaptive, no interlace
  PutChunk(&out, "IHDR", ihdr);
  PutChunk(&out, "IDAT", idat);
  PutChunk(&out, "IEND", "");
  return out;
}

std::string EncodePng(const uint8_t* pixels, int w, int h, int channels, int level) {
  return EncodePngRows(pixels, w, h, channels, 8, level);
}

std::string EncodeJpeg(const uint8_t* pixels, int w, int h, int channels,
                       int quality) {
  tjhandle tj = tjInitCompress();
  if (!tj) throw Error("jpeg: tjInitCompress failed");
  unsigned char* buf = nullptr;
  unsigned long size = 0;
  const int rc = tjCompress2(tj, pixels, w, 0, h, channels == 1 ? TJPF_GRAY : TJPF_RGB,
                             &buf, &size, channels == 1 ? TJSAMP_GRAY : TJSAMP_420,
                             quality, TJFLAG_ACCURATEDCT);
  std::string out;
  if (rc == 0) out.assign(reinterpret_cast<char*>(buf), size);
  std::string err = rc == 0 ? "" : tjGetErrorStr2(tj);
  tjFree(buf);
  tjDestroy(tj);
  if (rc != 0) throw Error("jpeg: encode failed: " + err);
  return out;
}

std::string EncodeWebp(const uint8_t* pixels, int w, int h, int channels,
                       int quality) {
  std::vector<uint8_t> rgb;
  const uint8_t* src = pixels;
  if (channels == 1) {
    rgb.resize(static_cast<size_t>(w) * h * 3);
    for (size_t i = 0; i < static_cast<size_t>(w) * h; ++i) {
      rgb[3 * i] = rgb[3 * i + 1] = rgb[3 * i + 2] = pixels[i];
    }
    src = rgb.data();
  }
  uint8_t* buf = nullptr;
  size_t size = quality >= 100
                    ? WebPEncodeLosslessRGB(src, w, h, w * 3, &buf)
                    : WebPEncodeRGB(src, w, h, w * 3, quality, &buf);
  if (size == 0) throw Error("webp: encode failed");
  std::string out(reinterpret_cast<char*>(buf), size);
  WebPFree(buf);
  return out;
}

// libspng: decodes straight to RGB8 (gray and palette expanded).
Image DecodePng(const std::string& data, const std::string& where) {
  spng_ctx* ctx = spng_ctx_new(0);
  if (!ctx) throw Error("png: spng_ctx_new failed");
  Image out;
  size_t size = 0;
  int rc = spng_set_png_buffer(ctx, data.data(), data.size());
  spng_ihdr ihdr;
  if (rc == 0) rc = spng_get_ihdr(ctx, &ihdr);
  if (rc == 0 && static_cast<uint64_t>(ihdr.width) * ihdr.height > kMaxImagePixels) {
    spng_ctx_free(ctx);
    CheckImageSize(ihdr.width, ihdr.height, where);  // throws
  }
  if (rc == 0) rc = spng_decoded_image_size(ctx, SPNG_FMT_RGB8, &size);
  if (rc == 0) {
    out.width = static_cast<int>(ihdr.width);
    out.height = static_cast<int>(ihdr.height);
    out.channels = 3;
    out.pixels.resize(size);
    rc = spng_decode_image(ctx, out.pixels.data(), size, SPNG_FMT_RGB8, SPNG_DECODE_TRNS);
  }
  spng_ctx_free(ctx);
  if (rc != 0) throw Error(where + ": bad PNG: " + spng_strerror(rc));
  return out;
}

Image DecodeJpeg(const std::string& data, const std::string& where) {
  tjhandle tj = tjInitDecompress();
  if (!tj) throw Error("jpeg: tjInitDecompress failed");
  int w = 0, h = 0, subsamp = 0, colorspace = 0;
  const auto* src = reinterpret_cast<const unsigned char*>(data.data());
  Image out;
  int rc = tjDecompressHeader3(tj, src, data.size(), &w, &h, &subsamp, &colorspace);
  if (rc == 0 && static_cast<uint64_t>(w) * static_cast<uint64_t>(h) > kMaxImagePixels) {
    tjDestroy(tj);
    CheckImageSize(w, h, where);  // throws
  }
  if (rc == 0) {
    out.width = w;
    out.height = h;
    out.channels = 3;
    out.pixels.resize(static_cast<size_t>(w) * h * 3);
    rc = tjDecompress2(tj, src, data.size(), out.pixels.data(), w, 0, h, TJPF_RGB, 0);
  }
  std::string err = rc == 0 ? "" : tjGetErrorStr2(tj);
  tjDestroy(tj);
  if (rc != 0) throw Error(where + ": bad JPEG: " + err);
  return out;
}

Image DecodeWebp(const std::string& data, const std::string& where) {
  int w = 0, h = 0;
  if (WebPGetInfo(reinterpret_cast<const uint8_t*>(data.data()), data.size(), &w, &h)) {
    CheckImageSize(w, h, where);
  }
  uint8_t* rgb = WebPDecodeRGB(reinterpret_cast<const uint8_t*>(data.data()),
                               data.size(), &w, &h);
  if (!rgb) throw Error(where + ": bad WebP");
  Image out;
  out.width = w;
  out.height = h;
  out.channels = 3;
  out.pixels.assign(rgb, rgb + static_cast<size_t>(w) * h * 3);
  WebPFree(rgb);
  return out;
}

}  // namespace

std::string FormatExtension(ImageFormat f) {
  switch (f) {
    case ImageFormat::kPng: return "png";
    case ImageFormat::kJpeg: return "jpg";
    case ImageFormat::kWebp: return "webp";
  }
  return "?";
}

bool FormatFromExtension(const std::string& ext, ImageFormat* f) {
  if (ext == "png") *f = ImageFormat::kPng;
  else if (ext == "jpg" || ext == "jpeg") *f = ImageFormat::kJpeg;
  else if (ext == "webp") *f = ImageFormat::kWebp;
  else return false;
  return true;
}

ImageFormat ParseImageFormat(const std::string& s) {
  ImageFormat f;
  if (!FormatFromExtension(s, &f)) {
    throw UsageError("--format: expected png, jpg or webp, got '" + s + "'");
  }
  return f;
}

std::string EncodePng16(const uint16_t* values, int width, int height) {
  std::vector<uint8_t> be(static_cast<size_t>(width) * height * 2);
  for (size_t i = 0; i < static_cast<size_t>(width) * height; ++i) {
    be[2 * i] = static_cast<uint8_t>(values[i] >> 8);
    be[2 * i + 1] = static_cast<uint8_t>(values[i]);
  }
  return EncodePngRows(be.data(), width, height, 1, 16, kPngRle);
}

std::string EncodeImage(const uint8_t* pixels, int width, int height,
                        int channels, const EncodeOptions& o) {
  if (channels != 1 && channels != 3) throw Error("encode: channels must be 1 or 3");
  switch (o.format) {
    case ImageFormat::kPng: return EncodePng(pixels, width, height, channels, o.png_level);
    case ImageFormat::kJpeg: return EncodeJpeg(pixels, width, height, channels, o.quality);
    case ImageFormat::kWebp: return EncodeWebp(pixels, width, height, channels, o.quality);
  }
  throw Error("encode: unknown format");
}

void CheckImageSize(uint64_t width, uint64_t height, const std::string& where) {
  if (width * height > kMaxImagePixels) {
    throw Error(where + ": an image of " + std::to_string(width) + " x " + std::to_string(height) +
                " pixels, more than the " + std::to_string(kMaxImagePixels) +
                " a decoder accepts (a corrupt header?)");
  }
}

Image DecodeImage(const std::string& data, const std::string& where) {
  if (data.size() >= 8 && std::memcmp(data.data(), "\x89PNG", 4) == 0) {
    return DecodePng(data, where);
  }
  if (data.size() >= 3 && static_cast<uint8_t>(data[0]) == 0xFF &&
      static_cast<uint8_t>(data[1]) == 0xD8) {
    return DecodeJpeg(data, where);
  }
  if (data.size() >= 12 && std::memcmp(data.data(), "RIFF", 4) == 0 &&
      std::memcmp(data.data() + 8, "WEBP", 4) == 0) {
    return DecodeWebp(data, where);
  }
  throw Error(where + ": not a PNG, JPEG or WebP image");
}

}  // namespace synthub::codec
