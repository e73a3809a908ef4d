#include "loader/sample_decoder.h"

#include <algorithm>
#include <chrono>

#include "codec/image.h"
#include "codec/png_decoder.h"
#include "loader/transform.h"

namespace synthub::loader {
namespace {

using Clock = std::chrono::steady_clock;
double Since(Clock::time_point t) {
  return std::chrono::duration<double>(Clock::now() - t).count();
}

}  // namespace

SampleDecoder::SampleDecoder(const LoaderOptions& options, const recipe::Recipe* recipe,
                             const recipe::CategoryParams* params)
    : o_(options), augmenter_(options) {
  if (recipe && params) renderer_ = recipe::FamilyOf(*recipe).NewRenderer(*recipe, *params);
}

void SampleDecoder::Decode(uint64_t epoch, uint64_t global, const std::string& key,
                           const std::string& image, const recipe::SampleId* render,
                           float* out_f32, uint8_t* out_u8, double* decode_s, double* augment_s) {
  const int size = o_.image_size;
  auto t0 = Clock::now();
  AugmentRng rng(o_.seed, epoch, global);
  // The decoded or rendered pixels, gray (1 channel) or RGB: the resize
  // writes the 3-channel batch from either.
  const codec::Image* src = &region_.image;
  CropBox box;
  if (!render && codec::IsJpeg(image)) {
    // JPEG: choose the crop from the header, then decode only that region.
    jpeg_.Decode(
        image, key, size,
        [&](int jw, int jh, int* x, int* y, int* w, int* h) {
          CropBox b{0, 0, jw, jh};
          if (o_.random_resized_crop) b = RandomResizedCropBox(jw, jh, o_, rng);
          *x = b.x, *y = b.y, *w = b.width, *h = b.height;
        },
        &region_);
    const codec::Image& img = region_.image;
    box.x = std::clamp(static_cast<int>(region_.x + 0.5), 0, img.width - 1);
    box.y = std::clamp(static_cast<int>(region_.y + 0.5), 0, img.height - 1);
    box.width = std::clamp(static_cast<int>(region_.width + 0.5), 1, img.width - box.x);
    box.height = std::clamp(static_cast<int>(region_.height + 0.5), 1, img.height - box.y);
  } else {
    if (render) {
      renderer_->Render(*render, &rendered_);
      src = &rendered_;
    } else if (codec::IsPng(image)) {
      png_.Decode(image, key, &decoded_);  // gray stays gray
      src = &decoded_;
    } else {
      decoded_ = codec::DecodeImage(image, key);
      src = &decoded_;
    }
    box = {0, 0, src->width, src->height};
    if (o_.random_resized_crop) box = RandomResizedCropBox(src->width, src->height, o_, rng);
  }
  *decode_s += Since(t0);
  t0 = Clock::now();
  const bool hflip = o_.hflip && rng.Uniform() < 0.5;
  const bool vflip = o_.vflip && rng.Uniform() < 0.5;
  if (augmenter_.active()) {
    // As timm: RandAugment / ColorJitter on the resized 8-bit image, then
    // ToTensor and Normalize.
    resized_.resize(static_cast<size_t>(size) * size * 3);
    uint8_t* rgb = out_u8 ? out_u8 : resized_.data();
    ResizeInto(src->pixels.data(), src->width, src->height, src->channels, box, size,
               o_.interpolation, hflip, vflip, o_, nullptr, rgb);
    augmenter_.Apply(RgbImage{rgb, size, size}, rng);
    if (out_f32) NormalizeInto(rgb, size, o_, out_f32);
  } else {
    ResizeInto(src->pixels.data(), src->width, src->height, src->channels, box, size,
               o_.interpolation, hflip, vflip, o_, out_f32, out_u8);
  }
  if (o_.random_erasing > 0) {
    const CropBox erase = RandomErasingBox(o_.random_erasing, size, rng);
    if (erase.width > 0 && erase.height > 0) EraseWithNoise(erase, size, o_, rng, out_f32, out_u8);
  }
  *augment_s += Since(t0);
}

}  // namespace synthub::loader
