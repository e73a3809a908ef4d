// timm's training augmentations after the crop (timm 0.4.12's
// transforms_imagenet_train, as the OFDB and FractalDB recipes run it):
// RandAugment (rand_augment_transform) or, when it is off, torchvision's
// ColorJitter, both on the resized 8-bit RGB image; then RandomErasing
// (mode 'pixel', one box) on the normalised output. Each op computes the
// formula of the Pillow function timm calls (docs/loader.md lists them).
// Random draws come from the sample's AugmentRng in a fixed order, so an
// augmentation is a function of (seed, epoch, sample).
//
// The free functions are pure and thread-safe; an ImageAugmenter keeps
// scratch buffers: one per worker thread.
#ifndef SYNTHUB_LOADER_AUGMENT_H_
#define SYNTHUB_LOADER_AUGMENT_H_

#include <cstdint>
#include <string>
#include <vector>

#include "loader/transform.h"
#include "synthub/loader.h"

namespace synthub::loader {

// An RGB image, rows of width x 3 bytes; a view of pixels owned elsewhere.
struct RgbImage {
  uint8_t* pixels;
  int width, height;
};

// A timm RandAugment string: "rand" and dash-separated sections mM
// (magnitude, 0..10), nN (ops per image), mstdS (std of the magnitude's
// normal noise), incB (1: the ops whose severity increases with magnitude).
struct RandAugmentConfig {
  double magnitude = 10;  // timm's default (its _MAX_LEVEL)
  int num_layers = 2;
  double magnitude_std = 0;
  bool increasing = false;
};

// Throws UsageError naming the field ("rand_augment: ...").
RandAugmentConfig ParseRandAugment(const std::string& text);

// timm's RandAugment op list, in its order; with `increasing` Posterize,
// Solarize, Color, Contrast, Brightness and Sharpness take their
// *Increasing level functions.
enum class RandOp {
  kAutoContrast, kEqualize, kInvert, kRotate, kPosterize, kSolarize, kSolarizeAdd, kColor,
  kContrast, kBrightness, kSharpness, kShearX, kShearY, kTranslateXRel, kTranslateYRel,
};
constexpr int kRandOpCount = 15;

// The ops, in place. Each is Pillow 9's formula (ImageOps / ImageEnhance /
// Image.transform), per channel where Pillow works per channel.
void AutoContrast(RgbImage img);             // each channel's [lo, hi] to [0, 255]
void Equalize(RgbImage img);                 // Pillow's histogram equalisation
void Invert(RgbImage img);                   // 255 - v
void Posterize(RgbImage img, int bits);      // keeps the top `bits` (0..8) bits
void Solarize(RgbImage img, int threshold);  // v >= threshold: 255 - v
void SolarizeAdd(RgbImage img, int add, int threshold);  // v < threshold: min(255, v + add)
// ImageEnhance: Image.blend(degenerate, img, factor), truncated and
// clipped; degenerate = gray (Color), the gray mean (Contrast), black
// (Brightness), the 3 x 3 SMOOTH filter (Sharpness). `scratch` holds the
// degenerate image.
void AdjustColor(RgbImage img, double factor, std::vector<uint8_t>* scratch);
void AdjustContrast(RgbImage img, double factor);
void AdjustBrightness(RgbImage img, double factor);
void AdjustSharpness(RgbImage img, double factor, std::vector<uint8_t>* scratch);

// Image.transform(size, AFFINE, m, resample, fillcolor): output pixel (x, y)
// takes the input at (m0 X + m1 Y + m2, m3 X + m4 Y + m5), X = x + 0.5,
// Y = y + 0.5, or `fill` where that lies outside the image. Bilinear and
// bicubic (Pillow's transform kernel: cubic convolution with a = -1, not the
// a = -0.5 of its resize) with edge taps clamped, truncated to 8 bits.
// `scratch` holds the input as doubles.
void AffineTransform(RgbImage img, const double m[6], Interpolation interp, const uint8_t fill[3],
                     std::vector<double>* scratch);
// Image.rotate(degrees) about the centre (counter-clockwise), same size.
void Rotate(RgbImage img, double degrees, Interpolation interp, const uint8_t fill[3],
            std::vector<double>* scratch);

// The box timm's RandomErasing(probability, mode='pixel', max_count=1)
// erases in a size x size image: area 0.02..1/3 of the image, aspect
// log-uniform in 0.3..1/0.3, 10 tries; width 0 when it erases nothing.
CropBox RandomErasingBox(double probability, int size, AugmentRng& rng);
// Fills `box` of the output with standard normal noise per pixel and
// channel (f32: the normalised values; u8: the noise mapped back through
// mean/std to pixels, rounded and clipped).
void EraseWithNoise(const CropBox& box, int size, const LoaderOptions& o, AugmentRng& rng,
                    float* out_f32, uint8_t* out_u8);

// RandAugment or colour jitter (never both: timm drops ColorJitter when an
// auto-augment is set) with the loader's options. Not thread-safe.
class ImageAugmenter {
 public:
  // `options` must be valid (ValidateLoaderOptions).
  explicit ImageAugmenter(const LoaderOptions& options);

  bool active() const { return rand_augment_ || jitter_ > 0; }
  // Augments a resized image in place, drawing from `rng`.
  void Apply(RgbImage img, AugmentRng& rng);

 private:
  void RandAugment(RgbImage img, AugmentRng& rng);
  void ColorJitter(RgbImage img, AugmentRng& rng);
  void ApplyOp(RandOp op, double magnitude, RgbImage img, AugmentRng& rng);

  bool rand_augment_ = false;
  RandAugmentConfig config_;
  double jitter_ = 0;
  Interpolation interp_;
  uint8_t fill_[3];  // timm's img_mean: round(255 x mean)
  std::vector<uint8_t> scratch_;  // degenerate images
  std::vector<double> plane_;     // the input of affine ops
};

}  // namespace synthub::loader

#endif  // SYNTHUB_LOADER_AUGMENT_H_
