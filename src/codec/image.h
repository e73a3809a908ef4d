// Image encoding (PNG with zlib, JPEG with libturbojpeg, WebP with libwebp)
// and decoding to 8-bit pixels. Pure functions; thread-safe.
#ifndef SYNTHUB_CODEC_IMAGE_H_
#define SYNTHUB_CODEC_IMAGE_H_

#include <cstdint>
#include <string>
#include <vector>

namespace synthub::codec {

enum class ImageFormat { kPng, kJpeg, kWebp };

std::string FormatExtension(ImageFormat f);          // "png", "jpg", "webp"
ImageFormat ParseImageFormat(const std::string& s);  // throws UsageError
// Format from a file extension ("jpeg" counts as jpg); false if none.
bool FormatFromExtension(const std::string& ext, ImageFormat* f);

constexpr int kPngRle = -1;

struct EncodeOptions {
  ImageFormat format = ImageFormat::kPng;
  // PNG deflate: kPngRle (zlib's Z_RLE strategy: on FractalDB images as
  // small as level 6 and about 7x faster) or a zlib level 0..9.
  int png_level = kPngRle;
  int quality = 90;    // JPEG / lossy WebP; WebP 100 = lossless
};

// Encodes width x height x channels (1 or 3) 8-bit pixels, row-major.
// The same input and library versions give the same bytes.
std::string EncodeImage(const uint8_t* pixels, int width, int height,
                        int channels, const EncodeOptions& options);

// A 16-bit gray PNG (a class-id mask: generate's <key>.mask.png).
std::string EncodePng16(const uint16_t* values, int width, int height);

struct Image {
  int width = 0, height = 0, channels = 0;
  std::vector<uint8_t> pixels;
};

// The most pixels a decoder accepts (16384 x 16384; 768 MiB as RGB): a
// corrupt or hostile header cannot make a loader allocate more.
constexpr uint64_t kMaxImagePixels = 1ull << 28;
// Throws Error naming `where` when width x height exceeds kMaxImagePixels.
void CheckImageSize(uint64_t width, uint64_t height, const std::string& where);

// Decodes PNG/JPEG/WebP (detected from the magic bytes) to RGB (channels 3).
// Throws Error naming `where` on undecodable data or an image over
// kMaxImagePixels.
Image DecodeImage(const std::string& data, const std::string& where);

}  // namespace synthub::codec

#endif  // SYNTHUB_CODEC_IMAGE_H_
