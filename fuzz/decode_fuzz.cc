// libFuzzer target for image bytes from a shard: the whole-image decoder
// (PNG, JPEG, WebP by magic bytes), synthub's own PNG decoder (libdeflate,
// every row filter, several IDAT chunks; 1-channel gray output) and the
// loader's per-sample path (region-of-interest JPEG decoding, gray PNG
// straight into the 3-channel batch, random resized crop, flips, both output
// layouts), which every sample of an untrusted shard goes through. The first
// byte picks the output size and options; any input must decode or throw
// synthub::Error, never crash, leak or read out of bounds.
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "codec/image.h"
#include "codec/png_decoder.h"
#include "loader/sample_decoder.h"
#include "synthub/error.h"
#include "synthub/loader.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  const uint8_t mode = data[0];
  const std::string image(reinterpret_cast<const char*>(data) + 1, size - 1);
  try {
    const synthub::codec::Image decoded = synthub::codec::DecodeImage(image, "fuzz");
    const size_t want = static_cast<size_t>(decoded.width) * decoded.height * decoded.channels;
    if (decoded.channels != 3 || decoded.pixels.size() != want) __builtin_trap();
  } catch (const synthub::Error&) {
  }
  try {
    synthub::codec::PngDecoder png;
    synthub::codec::Image decoded;
    for (int pass = 0; pass < 2; ++pass) {  // the buffers are reused
      png.Decode(image, "fuzz", &decoded);
      const size_t want = static_cast<size_t>(decoded.width) * decoded.height * decoded.channels;
      if ((decoded.channels != 1 && decoded.channels != 3) || decoded.pixels.size() != want) __builtin_trap();
    }
  } catch (const synthub::Error&) {
  }
  synthub::LoaderOptions o;
  o.image_size = 8 + (mode & 31);
  o.random_resized_crop = (mode & 32) == 0;
  o.hflip = (mode & 64) != 0;
  o.layout = (mode & 128) ? synthub::OutputLayout::kUint8Nhwc : synthub::OutputLayout::kFloat32Nchw;
  synthub::loader::SampleDecoder decoder(o, nullptr, nullptr);
  std::vector<float> f32(3 * o.image_size * o.image_size);
  std::vector<uint8_t> u8(3 * o.image_size * o.image_size);
  double decode_s = 0, augment_s = 0;
  for (uint64_t global = 0; global < 2; ++global) {  // two crops: buffers are reused
    try {
      decoder.Decode(0, global, "fuzz", image, nullptr, f32.data(), u8.data(), &decode_s,
                     &augment_s);
    } catch (const synthub::Error&) {
    }
  }
  return 0;
}
