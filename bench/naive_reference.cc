#include "naive_reference.h"

#include <cmath>
#include <png.h>
#include <random>

#include "fractal/random.h"
#include "fractal/render.h"

namespace synthub::bench {
namespace {

void WritePng(png_structp png, png_bytep data, png_size_t length) {
  static_cast<std::string*>(png_get_io_ptr(png))->append(reinterpret_cast<char*>(data), length);
}

}  // namespace

std::string NaiveEncodeRgbPng(const std::vector<uint8_t>& rgb, int size) {
  std::string out;
  png_structp png = png_create_write_struct(PNG_LIBPNG_VER_STRING, nullptr, nullptr, nullptr);
  png_infop info = png_create_info_struct(png);
  png_set_write_fn(png, &out, WritePng, nullptr);
  png_set_IHDR(png, info, size, size, 8, PNG_COLOR_TYPE_RGB, PNG_INTERLACE_NONE,
               PNG_COMPRESSION_TYPE_DEFAULT, PNG_FILTER_TYPE_DEFAULT);
  png_write_info(png, info);
  for (int y = 0; y < size; ++y) {
    png_write_row(png, const_cast<png_bytep>(&rgb[static_cast<size_t>(y) * size * 3]));
  }
  png_write_end(png, nullptr);
  png_destroy_write_struct(&png, &info);
  return out;
}

void NaiveChaosGame(const fractal::Ifs& ifs, const double* w, int points,
                    std::vector<double>* xs, std::vector<double>* ys) {
  static const double kOnes[6] = {1, 1, 1, 1, 1, 1};
  if (w == nullptr) w = kOnes;
  fractal::Mt19937 mt(100);
  std::vector<double> rand(points);
  for (double& r : rand) r = fractal::NumpyRandom(mt);
  std::vector<double> cum;
  double acc = 0;
  for (const auto& m : ifs.maps) cum.push_back(acc += m.p);
  xs->assign(1, 0.0);
  ys->assign(1, 0.0);
  double px = 0, py = 0, nx = 0, ny = 0;
  for (int i = 0; i < points - 1; ++i) {
    for (size_t j = 0; j < cum.size(); ++j) {
      if (rand[i] <= cum[j]) {
        const auto& m = ifs.maps[j];
        nx = px * (m.a * w[0]) + py * (m.b * w[1]) + m.e * w[4];
        ny = px * (m.c * w[2]) + py * (m.d * w[3]) + m.f * w[5];
        break;
      }
    }
    xs->push_back(nx);
    ys->push_back(ny);
    px = nx;
    py = ny;
  }
}

std::vector<uint8_t> NaiveDrawPatches(const fractal::Raster& raster, int size,
                                      std::mt19937* rng) {
  std::uniform_int_distribution<int> randrange(1, 511);
  std::vector<uint8_t> img(static_cast<size_t>(size) * size * 3, 0);
  for (size_t i = 0; i < raster.x.size(); ++i) {
    const int patch = randrange(*rng);
    for (int r = 0; r < 3; ++r) {
      for (int c = 0; c < 3; ++c) {
        const int bit = (patch >> (8 - (3 * r + c))) & 1;
        const size_t at = (static_cast<size_t>(raster.y[i] + 1 + r) * size + raster.x[i] + 1 + c) * 3;
        if (at + 2 < img.size()) img[at] = img[at + 1] = img[at + 2] = bit ? 127 : 0;
      }
    }
  }
  return img;
}

std::vector<std::string> NaiveRenderDraw(const fractal::Ifs& ifs, int row, int size,
                                         int points, double weight_k, unsigned mask_seed) {
  double w[6];
  fractal::WeightRow(weight_k, row, w);
  std::vector<double> xs, ys;
  NaiveChaosGame(ifs, w, points, &xs, &ys);
  fractal::Raster raster;
  fractal::Rasterize(&xs, &ys, size, size, 6, &raster);
  std::mt19937 py_random(mask_seed);
  const std::vector<uint8_t> img = NaiveDrawPatches(raster, size, &py_random);
  // cv2.flip(img, 0), then the 4 variants, each a new array and a PNG.
  std::vector<std::string> files;
  for (int flip = 0; flip < 4; ++flip) {
    std::vector<uint8_t> out(img.size());
    for (int y = 0; y < size; ++y) {
      for (int x = 0; x < size; ++x) {
        const int sy0 = size - 1 - y;  // the base top-bottom flip
        const int sy = (flip & 1) ? size - 1 - sy0 : sy0;
        const int sx = (flip & 2) ? size - 1 - x : x;
        for (int ch = 0; ch < 3; ++ch) {
          out[(static_cast<size_t>(y) * size + x) * 3 + ch] =
              img[(static_cast<size_t>(sy) * size + sx) * 3 + ch];
        }
      }
    }
    files.push_back(NaiveEncodeRgbPng(out, size));
  }
  return files;
}

}  // namespace synthub::bench
