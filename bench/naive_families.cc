#include "naive_families.h"

#include <cmath>
#include <sstream>

#include "fractal/render.h"
#include "naive_reference.h"

namespace synthub::bench {
namespace {

// Ken Perlin's permutation, the table of the noise package.
const uint8_t kPerm[256] = {
    151, 160, 137, 91,  90,  15,  131, 13,  201, 95,  96,  53,  194, 233, 7,   225, 140, 36,
    103, 30,  69,  142, 8,   99,  37,  240, 21,  10,  23,  190, 6,   148, 247, 120, 234, 75,
    0,   26,  197, 62,  94,  252, 219, 203, 117, 35,  11,  32,  57,  177, 33,  88,  237, 149,
    56,  87,  174, 20,  125, 136, 171, 168, 68,  175, 74,  165, 71,  134, 139, 48,  27,  166,
    77,  146, 158, 231, 83,  111, 229, 122, 60,  211, 133, 230, 220, 105, 92,  41,  55,  46,
    245, 40,  244, 102, 143, 54,  65,  25,  63,  161, 1,   216, 80,  73,  209, 76,  132, 187,
    208, 89,  18,  169, 200, 196, 135, 130, 116, 188, 159, 86,  164, 100, 109, 198, 173, 186,
    3,   64,  52,  217, 226, 250, 124, 123, 5,   202, 38,  147, 118, 126, 255, 82,  85,  212,
    207, 206, 59,  227, 47,  16,  58,  17,  182, 189, 28,  42,  223, 183, 170, 213, 119, 248,
    152, 2,   44,  154, 163, 70,  221, 153, 101, 155, 167, 43,  172, 9,   129, 22,  39,  253,
    19,  98,  108, 110, 79,  113, 224, 232, 178, 185, 112, 104, 218, 246, 97,  228, 251, 34,
    242, 193, 238, 210, 144, 12,  191, 179, 162, 241, 81,  51,  145, 235, 249, 14,  239, 107,
    49,  192, 214, 31,  181, 199, 106, 157, 184, 84,  204, 176, 115, 121, 50,  45,  127, 4,
    150, 254, 138, 236, 205, 93,  222, 114, 67,  29,  24,  72,  243, 141, 128, 195, 78,  66,
    215, 61,  156, 180};

float Grad1(int hash, float x) {
  float g = static_cast<float>((hash & 7) + 1);
  if (hash & 8) g = -1;  // as the package has it (not -g)
  return g * x;
}

}  // namespace

NaivePyRandom::NaivePyRandom(uint32_t seed) {
  // init_by_array({seed}) as CPython's random.seed(int) does, loaded into the
  // engine through its textual state (the 624 words, then the index 624).
  uint32_t mt[624];
  mt[0] = 19650218u;
  for (uint32_t i = 1; i < 624; ++i) mt[i] = 1812433253u * (mt[i - 1] ^ (mt[i - 1] >> 30)) + i;
  uint32_t i = 1;
  for (int k = 624; k > 0; --k) {
    mt[i] = (mt[i] ^ ((mt[i - 1] ^ (mt[i - 1] >> 30)) * 1664525u)) + seed;
    if (++i >= 624) {
      mt[0] = mt[623];
      i = 1;
    }
  }
  for (int k = 623; k > 0; --k) {
    mt[i] = (mt[i] ^ ((mt[i - 1] ^ (mt[i - 1] >> 30)) * 1566083941u)) - i;
    if (++i >= 624) {
      mt[0] = mt[623];
      i = 1;
    }
  }
  mt[0] = 0x80000000u;
  std::stringstream state;
  for (uint32_t w : mt) state << w << ' ';
  state << 624;
  state >> mt_;
}

double NaivePyRandom::Random() {
  const uint32_t a = mt_() >> 5, b = mt_() >> 6;
  return (a * 67108864.0 + b) * (1.0 / 9007199254740992.0);
}

uint32_t NaivePyRandom::GetRandBits(int k) { return mt_() >> (32 - k); }

int64_t NaivePyRandom::RandInt(int64_t a, int64_t b) {
  const uint64_t n = static_cast<uint64_t>(b - a + 1);
  int k = 0;
  while ((n >> k) != 0) ++k;  // n.bit_length()
  uint32_t r = GetRandBits(k);
  while (r >= n) r = GetRandBits(k);
  return a + r;
}

double NaivePyRandom::ExpoVariate(double lambd) { return -std::log(1.0 - Random()) / lambd; }

double NaivePNoise1(double x_in) {
  float x = static_cast<float>(x_in);
  int i = static_cast<int>(std::floor(x)) % 1024;
  int ii = (i + 1) % 1024;
  i &= 255;
  ii &= 255;
  x -= std::floor(x);
  const float fx = x * x * x * (x * (x * 6 - 15) + 10);
  const float a = Grad1(kPerm[i], x), b = Grad1(kPerm[ii], x - 1);
  return (a + fx * (b - a)) * 0.4f;
}

void NaiveDrawLine(std::vector<uint8_t>* rgb, int size, double fx0, double fy0, double fx1,
                   double fy1, int gray) {
  const uint8_t ink = static_cast<uint8_t>(gray > 255 ? 255 : gray);
  auto point = [&](int x, int y) {
    if (x >= 0 && x < size && y >= 0 && y < size) {
      uint8_t* p = &(*rgb)[(static_cast<size_t>(y) * size + x) * 3];
      p[0] = p[1] = p[2] = ink;
    }
  };
  int x0 = static_cast<int>(fx0), y0 = static_cast<int>(fy0);
  const int x1 = static_cast<int>(fx1), y1 = static_cast<int>(fy1);
  int dx = x1 - x0, dy = y1 - y0;
  const int xs = dx < 0 ? -1 : 1, ys = dy < 0 ? -1 : 1;
  dx = std::abs(dx);
  dy = std::abs(dy);
  if (dx == 0) {
    for (int i = 0; i < dy; ++i, y0 += ys) point(x0, y0);
  } else if (dy == 0) {
    for (int i = 0; i < dx; ++i, x0 += xs) point(x0, y0);
  } else if (dx > dy) {
    int e = 2 * dy - dx;
    for (int i = 0; i < dx; ++i) {
      point(x0, y0);
      if (e >= 0) {
        y0 += ys;
        e -= 2 * dx;
      }
      e += 2 * dy;
      x0 += xs;
    }
  } else {
    int e = 2 * dx - dy;
    for (int i = 0; i < dy; ++i) {
      point(x0, y0);
      if (e >= 0) {
        x0 += xs;
        e -= 2 * dy;
      }
      e += 2 * dx;
      y0 += ys;
    }
  }
  point(x1, y1);
}

NaiveContourScript::NaiveContourScript(NaiveContourFamily family, int process, int size)
    : family_(family), size_(size), random_(static_cast<uint32_t>(process + 1)) {}

void NaiveContourScript::DrawCentre() {
  const int reach = family_ == NaiveContourFamily::kVisualAtom ? 512 : 400;  // --start_pos
  centre_h_ = (size_ + static_cast<double>(random_.RandInt(-reach, reach))) / 2;
  centre_w_ = (size_ + static_cast<double>(random_.RandInt(-reach, reach))) / 2;
}

void NaiveContourScript::NextCategory() {
  if (family_ == NaiveContourFamily::kVisualAtom) {
    vertices_ = static_cast<int>(random_.RandInt(200, 1000));
    orbits_ = static_cast<int>(random_.RandInt(1, 200));
    noise_ = random_.Uniform(0, 4);
    line_width_ = random_.Uniform(0.0, 0.1);
    radius_ = static_cast<int>(random_.RandInt(10, 60));
    wave1_ = static_cast<int>(random_.RandInt(0, 20));
    while (true) {
      wave2_ = static_cast<int>(random_.RandInt(0, 20));
      if (wave1_ != wave2_ || wave1_ == 0) break;
    }
    oval_x_ = random_.Uniform(1, 2);
    oval_y_ = random_.Uniform(1, 2);
  } else {
    while (true) {
      vertices_ = static_cast<int>(random_.ExpoVariate(1.0 / 100));
      if (vertices_ > 2 && vertices_ <= 200) break;
    }
    orbits_ = static_cast<int>(random_.RandInt(1, 200));
    noise_ = random_.Uniform(0, 4);
    line_width_ = random_.Uniform(0.0, 0.1);
    radius_ = static_cast<int>(random_.RandInt(0, 100));
    oval_x_ = random_.Uniform(1, 2);
    oval_y_ = random_.Uniform(1, 2);
  }
  DrawCentre();
}

std::vector<uint8_t> NaiveContourScript::NextImage(std::vector<NaiveContourOrbit>* trace) {
  const bool atom = family_ == NaiveContourFamily::kVisualAtom;
  const int q = vertices_;
  std::vector<uint8_t> canvas(static_cast<size_t>(size_) * size_ * 3, atom ? 0 : 255);
  const double angle = (M_PI * 2) / q;
  // VisualAtom puts the centre into the vertices; RCDB adds it when drawing.
  const double at_w = atom ? centre_w_ : 0, at_h = atom ? centre_h_ : 0;
  for (int v = 0; v < q; ++v) {
    vertex_x_.push_back(std::cos(angle * v) * radius_ * oval_x_ + at_w);
    vertex_y_.push_back(std::sin(angle * v) * radius_ * oval_y_ + at_h);
  }
  vertex_x_.push_back(vertex_x_[0]);
  vertex_y_.push_back(vertex_y_[0]);
  const double c = noise_;
  auto noise_term = [&](double u, int v) {
    if (atom) {
      return NaivePNoise1(u) * c - c - 0.5 * std::sin(angle * v * wave1_) -
             0.5 * std::sin(angle * v * wave2_);
    }
    return NaivePNoise1(u) * c * 2 - c;
  };
  for (int orbit = 0; orbit < orbits_; ++orbit) {
    const int gray = static_cast<int>(atom ? random_.RandInt(0, 255) : random_.RandInt(0, 256));
    NaiveContourOrbit* record = nullptr;
    if (trace) {
      trace->emplace_back();
      record = &trace->back();
      record->gray = gray;
    }
    noise_x_.clear();
    noise_y_.clear();
    for (int v = 0; v < q; ++v) {
      noise_x_.push_back(random_.Uniform(0, 10000));
      if (record) record->noise_inputs.push_back(noise_x_[v]);
      noise_x_[v] = noise_term(noise_x_[v], v);
    }
    for (int v = 0; v < q; ++v) {
      noise_y_.push_back(random_.Uniform(0, 10000));
      if (record) record->noise_inputs.push_back(noise_y_[v]);
      noise_y_[v] = noise_term(noise_y_[v], v);
    }
    for (int v = 0; v < q; ++v) {
      vertex_x_[v] -= std::cos(angle * v) * (noise_x_[v] - line_width_);
      vertex_y_[v] -= std::sin(angle * v) * (noise_y_[v] - line_width_);
    }
    vertex_x_[q] = vertex_x_[0];
    vertex_y_[q] = vertex_y_[0];
    const double off_w = atom ? 0 : centre_w_, off_h = atom ? 0 : centre_h_;
    for (int i = 0; i < q; ++i) {
      const double x0 = vertex_x_[i] + off_w, y0 = vertex_y_[i] + off_h;
      const double x1 = vertex_x_[i + 1] + off_w, y1 = vertex_y_[i + 1] + off_h;
      NaiveDrawLine(&canvas, size_, x0, y0, x1, y1, gray);
      if (record) {
        record->xs.push_back(x0);
        record->ys.push_back(y0);
      }
    }
  }
  vertex_x_.clear();
  vertex_y_.clear();
  if (!atom) {  // RCDB redraws the ellipse and radius per image
    oval_x_ = random_.Uniform(1, 2);
    oval_y_ = random_.Uniform(1, 2);
    radius_ = static_cast<int>(random_.RandInt(0, 100));
  }
  DrawCentre();
  return canvas;
}

namespace {

// image.transpose(FLIP_TOP_BOTTOM) before the save.
std::vector<uint8_t> FlipTopBottom(const std::vector<uint8_t>& img, int size) {
  std::vector<uint8_t> out(img.size());
  const size_t row = static_cast<size_t>(size) * 3;
  for (int y = 0; y < size; ++y) {
    for (size_t i = 0; i < row; ++i) out[y * row + i] = img[(size - 1 - y) * row + i];
  }
  return out;
}

}  // namespace

std::vector<uint8_t> NaiveRenderOfdb(const fractal::Ifs& ifs, const double* w, int size,
                                     int points, unsigned mask_seed) {
  std::vector<double> xs, ys;
  NaiveChaosGame(ifs, w, points, &xs, &ys);
  fractal::Raster raster;
  fractal::Rasterize(&xs, &ys, size, size, 6, &raster);
  std::mt19937 py_random(mask_seed);
  return FlipTopBottom(NaiveDrawPatches(raster, size, &py_random), size);
}

std::vector<uint8_t> NaiveRenderOnePFrac(const fractal::Ifs& base, double delta,
                                         double fill_min, int size, int points,
                                         NaivePyRandom* random, int* attempts) {
  *attempts = 0;
  while (true) {
    ++*attempts;
    fractal::Ifs ifs = base;
    for (auto& m : ifs.maps) {
      double w[6];
      for (double& x : w) x = random->Uniform(1 - delta, 1 + delta);
      m.a *= w[0], m.b *= w[1], m.c *= w[2], m.d *= w[3], m.e *= w[4], m.f *= w[5];
    }
    std::vector<double> xs, ys;
    NaiveChaosGame(ifs, nullptr, points, &xs, &ys);
    fractal::Raster raster;
    fractal::Rasterize(&xs, &ys, size, size, 6, &raster);
    const std::vector<uint8_t> img = NaiveDrawPatches(raster, size, random->engine());
    size_t set = 0;
    for (uint8_t v : img) set += v > 1;
    if (static_cast<double>(set) / img.size() > fill_min) return FlipTopBottom(img, size);
  }
}

}  // namespace synthub::bench
