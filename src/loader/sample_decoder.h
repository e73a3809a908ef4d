// One sample into its batch slot: decode (PNG/JPEG/WebP, with region-of-
// interest JPEG decoding) or render (on-the-fly FractalDB), then random
// resized crop, resize, flips, RandAugment or colour jitter, normalisation
// and random erasing. One per worker thread: it keeps that thread's buffers
// and its last point cloud. Not thread-safe.
#ifndef SYNTHUB_LOADER_SAMPLE_DECODER_H_
#define SYNTHUB_LOADER_SAMPLE_DECODER_H_

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "codec/jpeg_region.h"
#include "codec/png_decoder.h"
#include "loader/augment.h"
#include "recipe/family.h"
#include "recipe/plan.h"
#include "recipe/recipe.h"
#include "synthub/loader.h"

namespace synthub::loader {

class SampleDecoder {
 public:
  // recipe and params (both or neither, for render sources) must outlive it.
  SampleDecoder(const LoaderOptions& options, const recipe::Recipe* recipe,
                const recipe::CategoryParams* params);
  // Render sources: share the renderers' work through `cache` (it outlives
  // the decoder).
  void UseRenderCache(recipe::RenderCache* cache) {
    if (renderer_) renderer_->UseCache(cache);
  }

  // Writes the sample into out_f32 (3 x S x S) or out_u8 (S x S x 3), per
  // options.layout. `render` is set for render sources, `image` otherwise.
  // Adds to the stage timers. Throws Error naming `key` on bad data.
  void Decode(uint64_t epoch, uint64_t global, const std::string& key, const std::string& image,
              const recipe::SampleId* render, float* out_f32, uint8_t* out_u8,
              double* decode_s, double* augment_s);

 private:
  const LoaderOptions& o_;
  std::unique_ptr<recipe::SampleRenderer> renderer_;  // render sources
  codec::JpegRegionDecoder jpeg_;  // one libjpeg decompressor, reused
  codec::JpegRegion region_;       // the decoded pixels, reused
  codec::PngDecoder png_;          // libdeflate, reused
  codec::Image decoded_;           // PNG / WebP pixels, reused
  codec::Image rendered_;          // render sources: the sample's pixels
  ImageAugmenter augmenter_;       // RandAugment / colour jitter
  std::vector<uint8_t> resized_;   // the resized 8-bit image they work on
};

}  // namespace synthub::loader

#endif  // SYNTHUB_LOADER_SAMPLE_DECODER_H_
