// One sample into its batch slot: decode (PNG/JPEG/WebP, with region-of-
// interest JPEG decoding) or render (on-the-fly FractalDB), then random
// resized crop, resize, flips and normalisation. One per worker thread: it
// keeps that thread's buffers and its last point cloud. Not thread-safe.
#ifndef SYNTHUB_LOADER_SAMPLE_DECODER_H_
#define SYNTHUB_LOADER_SAMPLE_DECODER_H_

#include <cstdint>
#include <string>
#include <vector>

#include "codec/jpeg_region.h"
#include "fractal/ifs.h"
#include "generate/plan.h"
#include "generate/recipe.h"
#include "synthub/loader.h"

namespace synthub::loader {

class SampleDecoder {
 public:
  // recipe and params (both or neither, for render sources) must outlive it.
  SampleDecoder(const LoaderOptions& options, const generate::Recipe* recipe,
                const std::vector<fractal::Ifs>* params);

  // Writes the sample into out_f32 (3 x S x S) or out_u8 (S x S x 3), per
  // options.layout. `render` is set for render sources, `image` otherwise.
  // Adds to the stage timers. Throws Error naming `key` on bad data.
  void Decode(uint64_t epoch, uint64_t global, const std::string& key, const std::string& image,
              const generate::SampleId* render, float* out_f32, uint8_t* out_u8,
              double* decode_s, double* augment_s);

 private:
  void Render(const generate::SampleId& id);

  const LoaderOptions& o_;
  const generate::Recipe* recipe_;
  const std::vector<fractal::Ifs>* params_;
  codec::JpegRegionDecoder jpeg_;  // one libjpeg decompressor, reused
  codec::JpegRegion region_;       // the decoded pixels, reused
  fractal::Raster cloud_;     // the last point cloud (render sources)
  int64_t cloud_category_ = -1, cloud_row_ = -1;
  std::vector<uint8_t> flipped_;
};

}  // namespace synthub::loader

#endif  // SYNTHUB_LOADER_SAMPLE_DECODER_H_
