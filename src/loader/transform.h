// Per-sample augmentation: random resized crop (torchvision's algorithm),
// separable bilinear/bicubic resize, flips, normalisation, written straight
// into a batch slot (augment.h has the ops after the resize). Pure
// functions; thread-safe.
#ifndef SYNTHUB_LOADER_TRANSFORM_H_
#define SYNTHUB_LOADER_TRANSFORM_H_

#include <cstdint>

#include "synthub/loader.h"

namespace synthub::loader {

struct CropBox {
  int x = 0, y = 0, width = 0, height = 0;
};

// A uniform double stream for the augmentation of one sample.
class AugmentRng {
 public:
  AugmentRng(uint64_t seed, uint64_t epoch, uint64_t sample);
  double Uniform();  // [0, 1)
  double Normal();   // standard normal (Box-Muller; keeps the pair's second value)
  // A fresh block of 4 random words (for bulk draws; Uniform's stream is
  // unaffected apart from moving on past it).
  void NextBlock(uint32_t out[4]);

 private:
  uint32_t key_[2];
  uint32_t ctr_[4];
  uint32_t words_[4];
  int used_ = 4;
  bool has_spare_ = false;
  double spare_ = 0;
};

// torchvision RandomResizedCrop.get_params: 10 tries of (scale, log-ratio),
// then the centre crop at the clamped ratio.
CropBox RandomResizedCropBox(int width, int height, const LoaderOptions& o, AugmentRng& rng);

// Crops `box` of an 8-bit image (width x height x channels, channels 1 for
// gray or 3 for RGB), resizes it to size x size, flips, and writes it as 3
// channels: float CHW normalised by mean/std, or uint8 HWC. A gray image is
// resized once and written to all three channels, the same values as its
// RGB expansion would give. `out` points at the batch slot.
void ResizeInto(const uint8_t* pixels, int width, int height, int channels, const CropBox& box,
                int size, Interpolation interp, bool hflip, bool vflip, const LoaderOptions& o,
                float* out_f32, uint8_t* out_u8);

// An RGB image (size x size x 3) into float CHW, normalised by mean/std:
// what ResizeInto writes, after 8-bit augmentation.
void NormalizeInto(const uint8_t* rgb, int size, const LoaderOptions& o, float* out_f32);

}  // namespace synthub::loader

#endif  // SYNTHUB_LOADER_TRANSFORM_H_
