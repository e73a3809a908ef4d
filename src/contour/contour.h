// The contour engine shared by VisualAtom (CVPR 2023) and RCDB (CVPR 2022):
// a category is a polygon of q vertices on an ellipse; an image moves the
// vertices K times ("orbits") by 1-D Perlin noise, cumulatively, and draws
// each orbit's closed polyline with 1-pixel lines in one gray
// (docs/families.md has the formulas).
//
// Two sources of randomness, same formulas:
//   - keyed: category c from Philox keyed by (seed, c), image i's draws by
//     (seed, c, i): any image renders alone (ContourPainter::PaintKeyed);
//   - published: the authors' scripts' CPython `random` stream, one per
//     process block (seed t + 1), walked category after category, image
//     after image (PublishedCursor).
// Every category draw and image draw follows the published scripts' order
// and double-precision arithmetic (cos/sin/log from libm as CPython's math
// calls them); the noise is noise.pnoise1 bit for bit and the lines are
// Pillow's width-1 lines (contour/perlin.h, contour/pil_line.h).
//
// Thread-safety: the free functions are pure; ContourPainter and
// PublishedCursor keep per-thread scratch and are not thread-safe.
#ifndef SYNTHUB_CONTOUR_CONTOUR_H_
#define SYNTHUB_CONTOUR_CONTOUR_H_

#include <cstdint>
#include <functional>
#include <vector>

#include "contour/py_random.h"

namespace synthub::contour {

enum class ContourStyle {
  kVisualAtom,  // black canvas; sine waves of frequencies n1, n2 in the noise term
  kRcdb,        // white canvas; radius, ellipse and centre redrawn per image
};

struct IntSpan {
  int lo = 0, hi = 0;  // inclusive
};
struct RealSpan {
  double lo = 0, hi = 0;
};

// What a dataset's categories and images are drawn from, in the units of the
// published scripts. Validation (with flag names) is the family's.
struct ContourSpec {
  ContourStyle style = ContourStyle::kVisualAtom;
  int size = 512;          // canvas side, pixels
  IntSpan vertices;        // q: VisualAtom randint; RCDB int(expovariate(1/100)) redrawn until in it
  IntSpan orbits;          // K = randint
  RealSpan noise;          // c = uniform
  IntSpan frequency;       // VisualAtom: n1, n2 = randint (n2 redrawn while n2 == n1 != 0)
  RealSpan line_width;     // w = uniform
  IntSpan radius;          // r = randint
  RealSpan ellipse;        // ox, oy = uniform each
  IntSpan centre;          // centre = (size + randint) / 2 per axis
  IntSpan gray;            // line gray = randint, drawn as Pillow's ink (clipped to 255)
};

// Where an image's polygon starts: vertex k at
// (cos(k a) r ox + centre_x, sin(k a) r oy + centre_y), a = 2 pi / q.
struct Placement {
  int radius = 0;
  double ellipse_x = 0, ellipse_y = 0;
  double centre_x = 0, centre_y = 0;  // the scripts' start_pos_w, start_pos_h

  bool operator==(const Placement& o) const {
    return radius == o.radius && ellipse_x == o.ellipse_x && ellipse_y == o.ellipse_y &&
           centre_x == o.centre_x && centre_y == o.centre_y;
  }
};

// One category: the draws the published scripts make once per class.
// `first` is image 0's placement (drawn with the category, as RCDB's
// param/NNNNN.csv records it); VisualAtom keeps its radius and ellipse for
// every image and redraws the centre, RCDB redraws all of them per image.
struct ContourCategory {
  int vertices = 0;        // q
  int orbits = 0;          // K
  double noise = 0;        // c
  double line_width = 0;   // w
  int frequency1 = 0, frequency2 = 0;  // VisualAtom's n1, n2 (0 for RCDB)
  Placement first;
  // Published streams: the 32-bit words the process block's stream had
  // given out before this category's first draw (0 in keyed mode). Lets a
  // renderer reach the category by discarding words instead of replaying.
  uint64_t stream_word = 0;

  bool operator==(const ContourCategory& o) const {
    return vertices == o.vertices && orbits == o.orbits && noise == o.noise &&
           line_width == o.line_width && frequency1 == o.frequency1 &&
           frequency2 == o.frequency2 && first == o.first && stream_word == o.stream_word;
  }
};

// Philox stream tags (the c3 counter word) of the keyed draws; distinct
// from fractal/random.h's.
constexpr uint32_t kTagContourCategory = 0x434e5443;   // "CNTC": category c
constexpr uint32_t kTagContourPlacement = 0x434e5450;  // "CNTP": image i's placement
constexpr uint32_t kTagContourOrbits = 0x434e544f;     // "CNTO": image i's orbits

// A process block's CPython stream with a count of the words it gave out.
class PublishedStream {
 public:
  explicit PublishedStream(uint64_t seed) : rng_(seed) {}
  uint32_t NextU32() {
    ++words_;
    return rng_.NextU32();
  }
  void Discard(uint64_t n) {
    rng_.Discard(n);
    words_ += n;
  }
  uint64_t words() const { return words_; }

 private:
  PyRandom rng_;
  uint64_t words_ = 0;
};

// A keyed word stream: Philox4x32-10, key = seed, counter = (block, c1, c2,
// tag). Any (c1, c2, tag) names an independent stream.
class KeyedStream {
 public:
  KeyedStream(uint64_t seed, uint32_t c1, uint32_t c2, uint32_t tag);
  uint32_t NextU32() {
    if (used_ == 4) Refill();
    return block_[used_++];
  }

 private:
  void Refill();
  uint32_t key_[2];
  uint32_t ctr_[4];
  uint32_t block_[4] = {};
  int used_ = 4;
};

// The category draws, in the published order (VisualAtom: q, K, c, w, r,
// n1, n2, ox, oy, centre y, centre x; RCDB: q, K, c, w, r, ox, oy, centre
// y, centre x), from either stream. stream_word is left 0.
ContourCategory DrawCategory(const ContourSpec& spec, PublishedStream& s);
ContourCategory DrawCategory(const ContourSpec& spec, KeyedStream& s);
// The placement the scripts draw after each image for the next one
// (VisualAtom: centre y, centre x; RCDB: ox, oy, r, centre y, centre x).
Placement DrawNextPlacement(const ContourSpec& spec, const ContourCategory& cat,
                            PublishedStream& s);
Placement DrawNextPlacement(const ContourSpec& spec, const ContourCategory& cat,
                            KeyedStream& s);

// Keyed categories 0 .. n-1 of `seed`, on `threads` threads; done(k) is
// called (from any thread) as categories finish.
std::vector<ContourCategory> MakeKeyedCategories(const ContourSpec& spec, uint64_t seed, int n,
                                                 int threads,
                                                 const std::function<void(int)>& done);

// The published categories 0 .. n-1 of the scripts run with `layout`
// processes (layout divides n), each category followed by
// `images_per_category` images: every block's stream is replayed from its
// seed (the process blocks in parallel on `threads` threads), skipping the
// noise draws of every image (PyRandom::Discard) and drawing the rest. Cost:
// the block's whole stream, about 4 q K words per image. done(k) as above.
std::vector<ContourCategory> MakePublishedCategories(const ContourSpec& spec, int n, int layout,
                                                     int images_per_category, int threads,
                                                     const std::function<void(int)>& done);

// Draws images. Keeps the tables of the last category (cos, sin, the
// VisualAtom sine terms) and the vertex arrays. Not thread-safe.
class ContourPainter {
 public:
  explicit ContourPainter(const ContourSpec& spec);

  int size() const { return spec_.size; }
  uint8_t background() const { return spec_.style == ContourStyle::kRcdb ? 255 : 0; }

  // Image `image` of category `index` (parameters `cat`) in keyed mode, onto
  // `canvas` (size x size, cleared here). With a mask (size x size, cleared
  // here), every pixel a line sets gets `mask_value`.
  void PaintKeyed(uint64_t seed, uint32_t index, const ContourCategory& cat, uint32_t image,
                  uint8_t* canvas, uint16_t* mask, uint16_t mask_value);
  // The image whose orbit draws come next in `s`, starting at `placement`.
  void PaintPublished(uint32_t index, const ContourCategory& cat, const Placement& placement,
                      PublishedStream& s, uint8_t* canvas, uint16_t* mask, uint16_t mask_value);
  // Consumes an image's orbit draws without drawing: per orbit the gray
  // (real draws: randint rejects) and a discard of the 4 q noise words.
  static void SkipPublished(const ContourSpec& spec, const ContourCategory& cat,
                            PublishedStream& s);

 private:
  void Prepare(uint32_t index, const ContourCategory& cat);
  void Begin(const Placement& p, uint8_t* canvas, uint16_t* mask);
  // One orbit: the noise of the 2 q inputs in noise_in_ (x then y), the
  // move, the closed polyline in `gray`.
  void Orbit(int64_t gray, uint8_t* canvas, uint16_t* mask, uint16_t mask_value);

  const ContourSpec spec_;
  int64_t prepared_ = -1;  // index of the category of the tables
  const ContourCategory* cat_ = nullptr;
  std::vector<double> cos_, sin_, wave1_, wave2_;  // per vertex
  std::vector<double> x_, y_, draw_x_, draw_y_;
  std::vector<float> noise_in_, noise_out_;
  std::vector<uint32_t> words_;
  double offset_x_ = 0, offset_y_ = 0;  // RCDB: the centre, added when drawing
};

// The published stream of the process blocks of one dataset, positioned at
// image boundaries: Seek(c, i) walks forward from where it is (or from the
// block's start when c, i lies behind or in another block), jumping to a
// category by discarding up to its stream_word and replaying the images
// before i (SkipPublished). Checks the category draws it passes against
// `categories` (Error when they differ: parameters of another stream).
// Keeps references to spec and categories. Not thread-safe.
class PublishedCursor {
 public:
  PublishedCursor(const ContourSpec& spec, const std::vector<ContourCategory>& categories,
                  int layout, int images_per_category);

  // The stream at image `image` of category `category`, whose placement
  // goes to *placement. Paint the image from it, then call Advance().
  PublishedStream& Seek(uint32_t category, uint32_t image, Placement* placement);
  // After the image's orbit draws: draws the next image's placement.
  void Advance();

 private:
  void Reset(uint32_t block);

  const ContourSpec& spec_;
  const std::vector<ContourCategory>& categories_;
  const uint32_t per_block_, images_;
  PublishedStream stream_{1};
  int64_t block_ = -1;
  uint32_t category_ = 0;
  int64_t image_ = -1;  // -1: before the category's draws
  Placement placement_;
};

}  // namespace synthub::contour

#endif  // SYNTHUB_CONTOUR_CONTOUR_H_
