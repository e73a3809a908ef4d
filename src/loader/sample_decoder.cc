#include "loader/sample_decoder.h"

#include <algorithm>
#include <chrono>

#include "codec/image.h"
#include "fractal/render.h"
#include "loader/transform.h"

namespace synthub::loader {
namespace {

using Clock = std::chrono::steady_clock;
double Since(Clock::time_point t) {
  return std::chrono::duration<double>(Clock::now() - t).count();
}

}  // namespace

SampleDecoder::SampleDecoder(const LoaderOptions& options, const generate::Recipe* recipe,
                             const std::vector<fractal::Ifs>* params)
    : o_(options), recipe_(recipe), params_(params) {}

void SampleDecoder::Render(const generate::SampleId& id) {
  const fractal::RenderOptions& ro = recipe_->render;
  if (cloud_category_ != id.category || cloud_row_ != id.row) {
    cloud_ = fractal::ComputeCloud((*params_)[id.category], id.row, ro);
    cloud_category_ = id.category;
    cloud_row_ = id.row;
  }
  const std::vector<uint8_t> canvas =
      fractal::DrawCloud(cloud_, ro, recipe_->seed, id.category, id.row, id.draw);
  const int channels = fractal::IsColor(ro.mode) ? 3 : 1;
  fractal::FlipImage(canvas.data(), ro.size, ro.size, channels, id.flip, &flipped_);
  codec::Image& img = region_.image;
  img.width = img.height = ro.size;
  img.channels = 3;
  img.pixels.resize(static_cast<size_t>(ro.size) * ro.size * 3);
  if (channels == 3) {
    std::copy(flipped_.begin(), flipped_.end(), img.pixels.begin());
  } else {
    for (size_t k = 0; k < flipped_.size(); ++k) {
      img.pixels[3 * k] = img.pixels[3 * k + 1] = img.pixels[3 * k + 2] = flipped_[k];
    }
  }
}

void SampleDecoder::Decode(uint64_t epoch, uint64_t global, const std::string& key,
                           const std::string& image, const generate::SampleId* render,
                           float* out_f32, uint8_t* out_u8, double* decode_s, double* augment_s) {
  const int size = o_.image_size;
  auto t0 = Clock::now();
  AugmentRng rng(o_.seed, epoch, global);
  codec::Image& img = region_.image;
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
    box.x = std::clamp(static_cast<int>(region_.x + 0.5), 0, img.width - 1);
    box.y = std::clamp(static_cast<int>(region_.y + 0.5), 0, img.height - 1);
    box.width = std::clamp(static_cast<int>(region_.width + 0.5), 1, img.width - box.x);
    box.height = std::clamp(static_cast<int>(region_.height + 0.5), 1, img.height - box.y);
  } else {
    if (render) {
      Render(*render);
    } else {
      img = codec::DecodeImage(image, key);
    }
    box = {0, 0, img.width, img.height};
    if (o_.random_resized_crop) box = RandomResizedCropBox(img.width, img.height, o_, rng);
  }
  *decode_s += Since(t0);
  t0 = Clock::now();
  const bool hflip = o_.hflip && rng.Uniform() < 0.5;
  const bool vflip = o_.vflip && rng.Uniform() < 0.5;
  ResizeInto(img.pixels.data(), img.width, img.height, box, size, o_.interpolation, hflip, vflip,
             o_, out_f32, out_u8);
  *augment_s += Since(t0);
}

}  // namespace synthub::loader
