// The decode ceiling: the images of the given shards decoded bare, one
// thread, from memory, three passes. JPEG: libturbojpeg (tjDecompress2, full
// image to RGB). PNG: libspng to the image's own format (gray stays gray),
// and synthub's own PNG decoder (libdeflate) for comparison.
// Usage: synthub_decode_bench SHARD... ; prints one JSON line:
//   images_per_cpu_s: the library's rate (the ceiling the loader is held to);
//   synthub_png_per_cpu_s: codec::PngDecoder on the same PNGs (0 for JPEG).
#include <cstdio>
#include <ctime>
#include <spng.h>
#include <string>
#include <turbojpeg.h>
#include <vector>

#include "codec/png_decoder.h"
#include "shard/manifest.h"
#include "shard/sample_group.h"
#include "shard/tar_reader.h"

namespace {

double CpuSeconds() {
  timespec t;
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t);
  return t.tv_sec + t.tv_nsec * 1e-9;
}

bool DecodeJpeg(tjhandle tj, const std::string& img, std::vector<unsigned char>* out) {
  int w, h, sub, cs;
  const auto* src = reinterpret_cast<const unsigned char*>(img.data());
  if (tjDecompressHeader3(tj, src, img.size(), &w, &h, &sub, &cs) != 0) return false;
  out->resize(static_cast<size_t>(w) * h * 3);
  return tjDecompress2(tj, src, img.size(), out->data(), w, 0, h, TJPF_RGB, 0) == 0;
}

bool DecodePngNative(const std::string& img, std::vector<unsigned char>* out) {
  spng_ctx* ctx = spng_ctx_new(0);
  spng_ihdr ihdr;
  size_t size = 0;
  int rc = spng_set_png_buffer(ctx, img.data(), img.size());
  if (rc == 0) rc = spng_get_ihdr(ctx, &ihdr);
  const int fmt = ihdr.color_type == SPNG_COLOR_TYPE_GRAYSCALE && ihdr.bit_depth == 8 ? SPNG_FMT_G8
                                                                                       : SPNG_FMT_RGB8;
  if (rc == 0) rc = spng_decoded_image_size(ctx, fmt, &size);
  if (rc == 0) {
    out->resize(size);
    rc = spng_decode_image(ctx, out->data(), size, fmt, 0);
  }
  spng_ctx_free(ctx);
  return rc == 0;
}

}  // namespace

int main(int argc, char** argv) {
  std::vector<std::string> jpegs, pngs;
  for (int i = 1; i < argc; ++i) {
    synthub::shard::TarReader tar(argv[i]);
    synthub::shard::TarEntry e;
    std::string key, ext;
    while (tar.Next(&e)) {
      synthub::shard::SplitKey(e.name, &key, &ext);
      if (ext == "jpg" || ext == "jpeg") jpegs.push_back(std::move(e.data));
      if (ext == "png") pngs.push_back(std::move(e.data));
    }
  }
  if (jpegs.empty() && pngs.empty()) {
    std::fprintf(stderr, "no JPEG or PNG members\n");
    return 1;
  }
  constexpr int kPasses = 3;
  std::vector<unsigned char> pixels;
  size_t decoded = 0;
  double t0 = CpuSeconds();
  tjhandle tj = tjInitDecompress();
  for (int pass = 0; pass < kPasses; ++pass) {
    for (const std::string& img : jpegs) decoded += DecodeJpeg(tj, img, &pixels) ? 1 : 0;
    for (const std::string& img : pngs) decoded += DecodePngNative(img, &pixels) ? 1 : 0;
  }
  tjDestroy(tj);
  const double library_s = CpuSeconds() - t0;
  if (decoded != kPasses * (jpegs.size() + pngs.size())) {
    std::fprintf(stderr, "undecodable images\n");
    return 1;
  }
  double own = 0;
  if (!pngs.empty()) {
    synthub::codec::PngDecoder decoder;
    synthub::codec::Image image;
    t0 = CpuSeconds();
    for (int pass = 0; pass < kPasses; ++pass) {
      for (const std::string& img : pngs) decoder.Decode(img, "png", &image);
    }
    own = kPasses * pngs.size() / (CpuSeconds() - t0);
  }
  std::printf("{\"images\": %zu, \"cpu_s\": %.3f, \"images_per_cpu_s\": %.1f, "
              "\"synthub_png_per_cpu_s\": %.1f}\n",
              decoded, library_s, decoded / library_s, own);
  return 0;
}
