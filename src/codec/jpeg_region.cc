#include "codec/jpeg_region.h"

#include <algorithm>
#include <csetjmp>
#include <vector>
#include <cstdio>
#include <jpeglib.h>

#include "synthub/error.h"

namespace synthub::codec {
namespace {

struct ErrorManager {
  jpeg_error_mgr pub;
  std::jmp_buf jump;
  char message[JMSG_LENGTH_MAX];
};

void OnError(j_common_ptr cinfo) {
  auto* err = reinterpret_cast<ErrorManager*>(cinfo->err);
  (*cinfo->err->format_message)(cinfo, err->message);
  std::longjmp(err->jump, 1);
}

void OnWarning(j_common_ptr, int) {}  // corrupt-data warnings: keep going

}  // namespace

bool IsJpeg(const std::string& data) {
  return data.size() >= 4 && static_cast<unsigned char>(data[0]) == 0xFF &&
         static_cast<unsigned char>(data[1]) == 0xD8;
}

struct JpegRegionDecoder::State {
  jpeg_decompress_struct cinfo;
  ErrorManager err;
  std::vector<JSAMPROW> rows;  // output row pointers, reused
};

JpegRegionDecoder::JpegRegionDecoder() : state_(std::make_unique<State>()) {
  state_->cinfo.err = jpeg_std_error(&state_->err.pub);
  state_->err.pub.error_exit = OnError;
  state_->err.pub.emit_message = OnWarning;
  jpeg_create_decompress(&state_->cinfo);
}

JpegRegionDecoder::~JpegRegionDecoder() { jpeg_destroy_decompress(&state_->cinfo); }

void JpegRegionDecoder::Decode(const std::string& data, const std::string& where, int min_size,
                               const CropChooser& choose, JpegRegion* region) {
  int x = 0, y = 0, w = 0, h = 0;
  JpegRegion& out = *region;
  jpeg_decompress_struct& cinfo = state_->cinfo;
  ErrorManager& err = state_->err;
  std::vector<JSAMPROW>& row_pointers = state_->rows;
  if (setjmp(err.jump)) {
    jpeg_abort_decompress(&cinfo);  // ready for the next image
    throw Error(where + ": bad JPEG: " + err.message);
  }
  jpeg_mem_src(&cinfo, reinterpret_cast<const unsigned char*>(data.data()), data.size());
  jpeg_read_header(&cinfo, TRUE);
  if (static_cast<uint64_t>(cinfo.image_width) * cinfo.image_height > kMaxImagePixels) {
    jpeg_abort_decompress(&cinfo);
    CheckImageSize(cinfo.image_width, cinfo.image_height, where);  // throws
  }
  choose(static_cast<int>(cinfo.image_width), static_cast<int>(cinfo.image_height), &x, &y, &w, &h);
  cinfo.out_color_space = JCS_RGB;
  // Largest reduction M/8 keeping the crop at least min_size on both sides.
  int m = 8;
  while (m > 1 && static_cast<long>(w) * (m - 1) >= 8L * min_size &&
         static_cast<long>(h) * (m - 1) >= 8L * min_size) {
    --m;
  }
  cinfo.scale_num = m;
  cinfo.scale_denom = 8;
  cinfo.dct_method = JDCT_ISLOW;
  jpeg_start_decompress(&cinfo);
  const double s = static_cast<double>(cinfo.output_width) / cinfo.image_width;
  const int ow = static_cast<int>(cinfo.output_width), oh = static_cast<int>(cinfo.output_height);
  // The crop in scaled pixels, widened to whole pixels plus a 2-pixel margin
  // on each side: chroma upsampling at a decoded region's edge lacks its
  // neighbours, so the crop itself must not touch the edge.
  constexpr int kMargin = 2;
  const int sx0 = std::clamp(static_cast<int>(x * s) - kMargin, 0, ow - 1);
  const int sy0 = std::clamp(static_cast<int>(y * s) - kMargin, 0, oh - 1);
  const int sx1 = std::clamp(static_cast<int>((x + w) * s + 0.999) + kMargin, sx0 + 1, ow);
  const int sy1 = std::clamp(static_cast<int>((y + h) * s + 0.999) + kMargin, sy0 + 1, oh);
  JDIMENSION xoff = static_cast<JDIMENSION>(sx0), cw = static_cast<JDIMENSION>(sx1 - sx0);
  jpeg_crop_scanline(&cinfo, &xoff, &cw);  // aligns to iMCU columns
  if (sy0 > 0) jpeg_skip_scanlines(&cinfo, static_cast<JDIMENSION>(sy0));
  const int rows = sy1 - sy0;
  out.image.width = static_cast<int>(cw);
  out.image.height = rows;
  out.image.channels = 3;
  out.image.pixels.resize(static_cast<size_t>(cw) * rows * 3);
  // All row pointers at once: libjpeg then upsamples whole row groups into
  // the output instead of through its one-row spare buffer.
  row_pointers.resize(rows);
  for (int r = 0; r < rows; ++r) {
    row_pointers[r] = out.image.pixels.data() + static_cast<size_t>(r) * cw * 3;
  }
  for (int r = 0; r < rows;) {
    const JDIMENSION got = jpeg_read_scanlines(&cinfo, row_pointers.data() + r,
                                               static_cast<JDIMENSION>(rows - r));
    if (got == 0) {
      jpeg_abort_decompress(&cinfo);
      throw Error(where + ": bad JPEG: truncated scanlines");
    }
    r += static_cast<int>(got);
  }
  jpeg_abort_decompress(&cinfo);  // the rows below the crop are never decoded
  out.x = x * s - static_cast<double>(xoff);
  out.y = y * s - sy0;
  out.width = w * s;
  out.height = h * s;
}

}  // namespace synthub::codec
