// Region-of-interest JPEG decoding (libjpeg-turbo's libjpeg API): decode only
// the rows and iMCU columns of a crop box, with DCT-domain downscaling (M/8)
// when the crop is at least twice the output size. The trick that lets a
// random-resized-crop loader run faster than a full decode.
#ifndef SYNTHUB_CODEC_JPEG_REGION_H_
#define SYNTHUB_CODEC_JPEG_REGION_H_

#include <functional>
#include <memory>
#include <string>

#include "codec/image.h"

namespace synthub::codec {

// True when the data starts with a JPEG SOI marker.
bool IsJpeg(const std::string& data);

struct JpegRegion {
  Image image;  // RGB pixels of the decoded region
  // The requested crop box, in the region's pixel coordinates.
  double x = 0, y = 0, width = 0, height = 0;
};

// Chooses the crop (x, y, w, h) in full-size pixels from the image size.
using CropChooser = std::function<void(int width, int height, int* x, int* y, int* w, int* h)>;

// Reads the header, asks `choose` for the crop, and decodes the part of the
// image covering it, scaled by the largest M/8 that keeps the crop >=
// min_size pixels on both sides. Throws Error naming `where` on undecodable
// data.
// `out` is overwritten; its pixel buffer is reused when large enough.
// Keeps one libjpeg decompressor for all calls (as a TurboJPEG handle does).
// Not thread-safe: one per thread.
class JpegRegionDecoder {
 public:
  JpegRegionDecoder();
  ~JpegRegionDecoder();
  JpegRegionDecoder(const JpegRegionDecoder&) = delete;
  JpegRegionDecoder& operator=(const JpegRegionDecoder&) = delete;

  void Decode(const std::string& data, const std::string& where, int min_size,
              const CropChooser& choose, JpegRegion* out);

 private:
  struct State;
  std::unique_ptr<State> state_;
};

}  // namespace synthub::codec

#endif  // SYNTHUB_CODEC_JPEG_REGION_H_
