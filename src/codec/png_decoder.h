// Fast PNG decoding for the loader. The PNGs datasets hold (8-bit gray or
// RGB, not interlaced: what generate and pack write) are inflated with
// libdeflate in one call into a reused buffer and unfiltered at their own
// channel count, so a gray FractalDB image stays one channel until the
// resize writes the 3-channel batch. Anything else (palette, 16-bit, alpha,
// interlaced, or data the fast path doubts) goes through libspng as RGB, which
// also gives the error message for bad data.
#ifndef SYNTHUB_CODEC_PNG_DECODER_H_
#define SYNTHUB_CODEC_PNG_DECODER_H_

#include <string>
#include <vector>

#include "codec/image.h"

struct libdeflate_decompressor;

namespace synthub::codec {

// True when the data starts with the PNG signature.
bool IsPng(const std::string& data);

// Not thread-safe: one per thread.
class PngDecoder {
 public:
  PngDecoder();
  ~PngDecoder();
  PngDecoder(const PngDecoder&) = delete;
  PngDecoder& operator=(const PngDecoder&) = delete;

  // Decodes `data` into `out`: channels 1 for an 8-bit gray PNG, else 3 (RGB).
  // The pixel buffer of `out` is reused. Throws Error naming `where` on
  // undecodable data or an image over kMaxImagePixels.
  void Decode(const std::string& data, const std::string& where, Image* out);

  // Whether the last Decode took the fast path (tests, profiling).
  bool last_was_fast() const { return last_fast_; }

 private:
  bool DecodeFast(const std::string& data, const std::string& where, Image* out);

  libdeflate_decompressor* inflater_;
  std::string idat_;           // the IDAT chunks joined, when there are several
  std::vector<uint8_t> raw_;   // filtered rows, each led by its filter byte
  bool last_fast_ = false;
};

}  // namespace synthub::codec

#endif  // SYNTHUB_CODEC_PNG_DECODER_H_
