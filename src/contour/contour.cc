#include "contour/contour.h"

#include <cmath>
#include <string>

#include "contour/perlin.h"
#include "contour/pil_line.h"
#include "fractal/random.h"
#include "synthub/error.h"
#include "util/parallel.h"

namespace synthub::contour {
namespace {

// CPython 3.11's random methods over any source of 32-bit words, with its
// formulas and operation order (Lib/random.py, Modules/_randommodule.c).

// random(): 53 bits from two words.
template <class S>
inline double PyRandom53(S& s) {
  const uint32_t a = s.NextU32() >> 5;
  const uint32_t b = s.NextU32() >> 6;
  return (a * 67108864.0 + b) * (1.0 / 9007199254740992.0);
}

// randint(a, b) = a + _randbelow(n), n = b - a + 1: getrandbits(k) with
// k = n.bit_length() (one word each for k <= 32), redrawn while >= n.
template <class S>
inline int64_t PyRandInt(S& s, int64_t a, int64_t b) {
  const uint64_t n = static_cast<uint64_t>(b - a) + 1;
  SYNTHUB_CHECK(b >= a && n <= 0xffffffffu);
  int k = 0;
  while ((n >> k) != 0) ++k;
  uint64_t r = s.NextU32() >> (32 - k);
  while (r >= n) r = s.NextU32() >> (32 - k);
  return a + static_cast<int64_t>(r);
}

template <class S>
inline int64_t PyRandInt(S& s, const IntSpan& span) {
  return PyRandInt(s, span.lo, span.hi);
}

// uniform(a, b) = a + (b - a) * random().
template <class S>
inline double PyUniform(S& s, const RealSpan& span) {
  return span.lo + (span.hi - span.lo) * PyRandom53(s);
}

// expovariate(lambd) = -log(1.0 - random()) / lambd.
template <class S>
inline double PyExpoVariate(S& s, double lambd) {
  return -std::log(1.0 - PyRandom53(s)) / lambd;
}

// The published centre: (image_size + randint(lo, hi)) / 2 (true division).
template <class S>
inline double DrawCentre(const ContourSpec& spec, S& s) {
  return static_cast<double>(spec.size + PyRandInt(s, spec.centre)) / 2.0;
}

template <class S>
ContourCategory DrawCategoryT(const ContourSpec& spec, S& s) {
  ContourCategory c;
  if (spec.style == ContourStyle::kRcdb) {
    // int(expovariate(1 / 100)) until it lands in the range (published: 3..200).
    do {
      c.vertices = static_cast<int>(PyExpoVariate(s, 1.0 / 100));
    } while (c.vertices < spec.vertices.lo || c.vertices > spec.vertices.hi);
  } else {
    c.vertices = static_cast<int>(PyRandInt(s, spec.vertices));
  }
  c.orbits = static_cast<int>(PyRandInt(s, spec.orbits));
  c.noise = PyUniform(s, spec.noise);
  c.line_width = PyUniform(s, spec.line_width);
  c.first.radius = static_cast<int>(PyRandInt(s, spec.radius));
  if (spec.style == ContourStyle::kVisualAtom) {
    c.frequency1 = static_cast<int>(PyRandInt(s, spec.frequency));
    // n2 is redrawn while it equals n1, except that n1 = 0 takes any n2.
    do {
      c.frequency2 = static_cast<int>(PyRandInt(s, spec.frequency));
    } while (c.frequency2 == c.frequency1 && c.frequency1 != 0);
  }
  c.first.ellipse_x = PyUniform(s, spec.ellipse);
  c.first.ellipse_y = PyUniform(s, spec.ellipse);
  c.first.centre_y = DrawCentre(spec, s);  // start_pos_h first
  c.first.centre_x = DrawCentre(spec, s);
  return c;
}

template <class S>
Placement DrawNextPlacementT(const ContourSpec& spec, const ContourCategory& cat, S& s) {
  Placement p = cat.first;
  if (spec.style == ContourStyle::kRcdb) {
    p.ellipse_x = PyUniform(s, spec.ellipse);
    p.ellipse_y = PyUniform(s, spec.ellipse);
    p.radius = static_cast<int>(PyRandInt(s, spec.radius));
  }
  p.centre_y = DrawCentre(spec, s);
  p.centre_x = DrawCentre(spec, s);
  return p;
}

}  // namespace

KeyedStream::KeyedStream(uint64_t seed, uint32_t c1, uint32_t c2, uint32_t tag)
    : key_{static_cast<uint32_t>(seed), static_cast<uint32_t>(seed >> 32)},
      ctr_{0, c1, c2, tag} {}

void KeyedStream::Refill() {
  const fractal::PhiloxBlock b = fractal::Philox4x32(key_, ctr_);
  for (int k = 0; k < 4; ++k) block_[k] = b.v[k];
  ++ctr_[0];
  used_ = 0;
}

ContourCategory DrawCategory(const ContourSpec& spec, PublishedStream& s) {
  return DrawCategoryT(spec, s);
}
ContourCategory DrawCategory(const ContourSpec& spec, KeyedStream& s) {
  return DrawCategoryT(spec, s);
}
Placement DrawNextPlacement(const ContourSpec& spec, const ContourCategory& cat,
                            PublishedStream& s) {
  return DrawNextPlacementT(spec, cat, s);
}
Placement DrawNextPlacement(const ContourSpec& spec, const ContourCategory& cat,
                            KeyedStream& s) {
  return DrawNextPlacementT(spec, cat, s);
}

std::vector<ContourCategory> MakeKeyedCategories(const ContourSpec& spec, uint64_t seed, int n,
                                                 int threads,
                                                 const std::function<void(int)>& done) {
  std::vector<ContourCategory> out(n);
  ParallelFor(n, threads, [&](size_t c) {
    KeyedStream s(seed, static_cast<uint32_t>(c), 0, kTagContourCategory);
    out[c] = DrawCategory(spec, s);
    done(static_cast<int>(c));
  });
  return out;
}

std::vector<ContourCategory> MakePublishedCategories(const ContourSpec& spec, int n, int layout,
                                                     int images_per_category, int threads,
                                                     const std::function<void(int)>& done) {
  SYNTHUB_CHECK(layout > 0 && n % layout == 0);
  const int per_block = n / layout;
  std::vector<ContourCategory> out(n);
  ParallelFor(layout, threads, [&](size_t block) {
    PublishedStream s(block + 1);  // random.seed(thread_num + 1)
    for (int j = 0; j < per_block; ++j) {
      const int c = static_cast<int>(block) * per_block + j;
      const uint64_t word = s.words();
      out[c] = DrawCategory(spec, s);
      out[c].stream_word = word;
      if (j + 1 < per_block) {  // the next category's draws come after the images
        for (int i = 0; i < images_per_category; ++i) {
          ContourPainter::SkipPublished(spec, out[c], s);
          DrawNextPlacement(spec, out[c], s);
        }
      }
      done(c);
    }
  });
  return out;
}

ContourPainter::ContourPainter(const ContourSpec& spec) : spec_(spec) {}

void ContourPainter::Prepare(uint32_t index, const ContourCategory& cat) {
  if (prepared_ == index && cat_ == &cat) return;
  const int q = cat.vertices;
  if (q < 1) throw Error("contour category " + std::to_string(index) + ": " +
                         std::to_string(q) + " vertices");
  // angle = (math.pi * 2) / q; every table entry as the scripts compute it
  // per vertex: cos(angle * k), 0.5 * sin(angle * k * n).
  const double angle = (M_PI * 2) / q;
  cos_.resize(q);
  sin_.resize(q);
  for (int k = 0; k < q; ++k) {
    cos_[k] = std::cos(angle * k);
    sin_[k] = std::sin(angle * k);
  }
  if (spec_.style == ContourStyle::kVisualAtom) {
    wave1_.resize(q);
    wave2_.resize(q);
    for (int k = 0; k < q; ++k) {
      wave1_[k] = 0.5 * std::sin(angle * k * cat.frequency1);
      wave2_[k] = 0.5 * std::sin(angle * k * cat.frequency2);
    }
  }
  x_.resize(q);
  y_.resize(q);
  draw_x_.resize(q);
  draw_y_.resize(q);
  noise_in_.resize(2 * static_cast<size_t>(q));
  noise_out_.resize(2 * static_cast<size_t>(q));
  words_.resize(4 * ((2 * static_cast<size_t>(q) + 1 + 3) / 4));
  prepared_ = index;
  cat_ = &cat;
}

void ContourPainter::Begin(const Placement& p, uint8_t* canvas, uint16_t* mask) {
  const size_t pixels = static_cast<size_t>(spec_.size) * spec_.size;
  std::fill(canvas, canvas + pixels, background());
  if (mask) std::fill(mask, mask + pixels, uint16_t{0});
  const int q = cat_->vertices;
  const double r = p.radius;
  if (spec_.style == ContourStyle::kVisualAtom) {
    // cos(angle * k) * start_rad * oval_rate_x + start_pos_w
    for (int k = 0; k < q; ++k) {
      x_[k] = cos_[k] * r * p.ellipse_x + p.centre_x;
      y_[k] = sin_[k] * r * p.ellipse_y + p.centre_y;
    }
    offset_x_ = offset_y_ = 0;
  } else {
    // RCDB keeps the polygon at the origin and adds the centre when drawing.
    for (int k = 0; k < q; ++k) {
      x_[k] = cos_[k] * r * p.ellipse_x;
      y_[k] = sin_[k] * r * p.ellipse_y;
    }
    offset_x_ = p.centre_x;
    offset_y_ = p.centre_y;
  }
}

void ContourPainter::Orbit(int64_t gray, uint8_t* canvas, uint16_t* mask, uint16_t mask_value) {
  const int q = cat_->vertices;
  PNoise1Batch(noise_in_.data(), noise_out_.data(), 2 * q);
  const double c = cat_->noise, w = cat_->line_width;
  const float* nx = noise_out_.data();
  const float* ny = nx + q;
  if (spec_.style == ContourStyle::kVisualAtom) {
    // pnoise1(u) * c - c - 0.5 sin(angle k n1) - 0.5 sin(angle k n2)
    for (int k = 0; k < q; ++k) {
      const double n = static_cast<double>(nx[k]) * c - c - wave1_[k] - wave2_[k];
      x_[k] -= cos_[k] * (n - w);
    }
    for (int k = 0; k < q; ++k) {
      const double n = static_cast<double>(ny[k]) * c - c - wave1_[k] - wave2_[k];
      y_[k] -= sin_[k] * (n - w);
    }
  } else {
    // pnoise1(u) * c * 2 - c
    for (int k = 0; k < q; ++k) {
      const double n = static_cast<double>(nx[k]) * c * 2 - c;
      x_[k] -= cos_[k] * (n - w);
    }
    for (int k = 0; k < q; ++k) {
      const double n = static_cast<double>(ny[k]) * c * 2 - c;
      y_[k] -= sin_[k] * (n - w);
    }
  }
  const double* xs = x_.data();
  const double* ys = y_.data();
  if (offset_x_ != 0 || offset_y_ != 0) {
    for (int k = 0; k < q; ++k) {
      draw_x_[k] = x_[k] + offset_x_;
      draw_y_[k] = y_[k] + offset_y_;
    }
    xs = draw_x_.data();
    ys = draw_y_.data();
  }
  const int size = spec_.size;
  DrawPilPolyline(canvas, size, size, xs, ys, q, true, PilClip8(gray));
  if (mask) DrawPilPolyline(mask, size, size, xs, ys, q, true, mask_value);
}

void ContourPainter::PaintKeyed(uint64_t seed, uint32_t index, const ContourCategory& cat,
                                uint32_t image, uint8_t* canvas, uint16_t* mask,
                                uint16_t mask_value) {
  Prepare(index, cat);
  Placement p = cat.first;
  if (image > 0) {
    KeyedStream s(seed, image, index, kTagContourPlacement);
    p = DrawNextPlacement(spec_, cat, s);
  }
  Begin(p, canvas, mask);
  const int q = cat.vertices;
  const uint32_t key[2] = {static_cast<uint32_t>(seed), static_cast<uint32_t>(seed >> 32)};
  const uint32_t blocks = static_cast<uint32_t>(words_.size() / 4);
  const uint32_t grays = static_cast<uint32_t>(spec_.gray.hi - spec_.gray.lo + 1);
  // The noise inputs in [0, 10000): 24 bits of a word, scaled in float.
  constexpr float kScale = 10000.0f / 16777216.0f;
  for (int o = 0; o < cat.orbits; ++o) {
    // Orbit o: blocks [o * blocks, (o + 1) * blocks) of stream (image, category).
    fractal::PhiloxFill(key, static_cast<uint32_t>(o) * blocks, image, index, kTagContourOrbits,
                        blocks, words_.data());
    const int64_t gray = spec_.gray.lo + fractal::ScaleU32(words_[0], grays);
    for (int k = 0; k < 2 * q; ++k) {
      noise_in_[k] = static_cast<float>(static_cast<int32_t>(words_[1 + k] >> 8)) * kScale;
    }
    Orbit(gray, canvas, mask, mask_value);
  }
}

void ContourPainter::PaintPublished(uint32_t index, const ContourCategory& cat,
                                    const Placement& placement, PublishedStream& s,
                                    uint8_t* canvas, uint16_t* mask, uint16_t mask_value) {
  Prepare(index, cat);
  Begin(placement, canvas, mask);
  const int q = cat.vertices;
  const RealSpan input{0, 10000};  // uniform(0, 10000)
  for (int o = 0; o < cat.orbits; ++o) {
    const int64_t gray = PyRandInt(s, spec_.gray);
    for (int k = 0; k < 2 * q; ++k) {  // all x, then all y
      noise_in_[k] = PNoise1ArgFromDouble(PyUniform(s, input));
    }
    Orbit(gray, canvas, mask, mask_value);
  }
}

void ContourPainter::SkipPublished(const ContourSpec& spec, const ContourCategory& cat,
                                   PublishedStream& s) {
  const uint64_t noise_words = 4 * static_cast<uint64_t>(cat.vertices);
  for (int o = 0; o < cat.orbits; ++o) {
    PyRandInt(s, spec.gray);
    s.Discard(noise_words);
  }
}

PublishedCursor::PublishedCursor(const ContourSpec& spec,
                                 const std::vector<ContourCategory>& categories, int layout,
                                 int images_per_category)
    : spec_(spec),
      categories_(categories),
      per_block_(static_cast<uint32_t>(categories.size() / layout)),
      images_(static_cast<uint32_t>(images_per_category)) {
  SYNTHUB_CHECK(layout > 0 && categories.size() % layout == 0 && images_per_category > 0);
}

void PublishedCursor::Reset(uint32_t block) {
  stream_ = PublishedStream(block + 1);
  block_ = block;
  category_ = block * per_block_;
  image_ = -1;
}

PublishedStream& PublishedCursor::Seek(uint32_t category, uint32_t image, Placement* placement) {
  SYNTHUB_CHECK(category < categories_.size() && image < images_);
  const uint32_t block = category / per_block_;
  if (block_ != block || category < category_ ||
      (category == category_ && image_ > static_cast<int64_t>(image))) {
    Reset(block);
  }
  const ContourCategory& cat = categories_[category];
  if (category_ < category) {  // jump to the category's draws
    if (cat.stream_word < stream_.words()) {
      throw Error("reference stream: category " + std::to_string(category) + " starts at word " +
                  std::to_string(cat.stream_word) + ", before the previous category's end (" +
                  std::to_string(stream_.words()) + "); the parameters are not this layout's");
    }
    stream_.Discard(cat.stream_word - stream_.words());
    category_ = category;
    image_ = -1;
  }
  if (image_ < 0) {
    if (stream_.words() != cat.stream_word) {
      throw Error("reference stream: category " + std::to_string(category) + " starts at word " +
                  std::to_string(stream_.words()) + ", its parameters say " +
                  std::to_string(cat.stream_word) + " (made for another layout or image count?)");
    }
    ContourCategory drawn = DrawCategory(spec_, stream_);
    drawn.stream_word = cat.stream_word;
    if (!(drawn == cat)) {
      throw Error("reference stream: the draws of category " + std::to_string(category) +
                  " differ from its parameters (made for another layout, image count or "
                  "ranges?)");
    }
    placement_ = cat.first;
    image_ = 0;
  }
  while (image_ < static_cast<int64_t>(image)) {
    ContourPainter::SkipPublished(spec_, cat, stream_);
    Advance();
  }
  *placement = placement_;
  return stream_;
}

void PublishedCursor::Advance() {
  placement_ = DrawNextPlacement(spec_, categories_[category_], stream_);
  if (++image_ == images_) {
    ++category_;
    image_ = -1;
  }
}

}  // namespace synthub::contour
