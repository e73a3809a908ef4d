// The per-core measurements of bench/families_run.sh for one family, printed
// as one JSON object: synthub's SampleRenderer (what render: does) against
// the naive transcription of the published generator (naive_families.h) and
// the family's floor, on the same images, plus the encodings on offer.
//
//   synthub_families_bench visualatom|rcdb --processes P --images M
//       --keyed-categories C --keyed-images N [--floor-reps R]
//     Same images everywhere: process t = 0 .. P-1 of a launch with P
//     processes and P classes (the published scripts' first class of each
//     block), M images each, rendered by the naive script, by synthub's
//     reference mode (--reference-layout P) and by the floor (the pnoise1
//     batches and the closed polylines of those images, nothing else); their
//     gray channels' SHA-256 are printed to compare with the Python's. Then
//     synthub's keyed mode (the default) on categories 0 .. C-1 x N images,
//     what `generate --family F --categories C --images N` renders, and
//     every encoding on offer on those images.
//   synthub_families_bench ofdb|1p-frac --images N [--csv-dir DIR]
//     N categories (classes) of the family's defaults, one image each, by
//     synthub, the naive transcription and the floor (chaos game + patches);
//     with --csv-dir, the maps of the first images as CSV for ifs_python.py
//     (ofdb: one file per category, its weights applied; 1p-frac: base.csv,
//     the base system).
// CPU time is the process's (one thread). Each loop repeats until it has
// used --min-cpu seconds (default 1); the floor draws each image R times
// (default 5) while its record is in cache. --only PART runs one part
// (naive, floor, reference, keyed, encodings; ofdb/1p-frac: synthub, floor,
// naive, encodings), for perf record.
#include <time.h>

#include <cstdio>
#include <cstdlib>
#include <functional>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "codec/image.h"
#include "contour/perlin.h"
#include "contour/pil_line.h"
#include "fractal/ifs.h"
#include "fractal/render.h"
#include "naive_families.h"
#include "naive_reference.h"
#include "recipe/family.h"
#include "recipe/recipe.h"
#include "synthub/error.h"
#include "util/file.h"
#include "util/sha256.h"

namespace synthub::bench {
namespace {

using nlohmann::json;

double CpuSeconds() {
  timespec t;
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t);
  return t.tv_sec + t.tv_nsec * 1e-9;
}

// Runs round(true) once untimed (a warm-up that may record what it
// rendered), then round(false) until min_cpu seconds are used; returns CPU
// seconds per image.
double PerImage(double min_cpu, int items, const std::function<void(bool)>& round) {
  round(true);
  const double start = CpuSeconds();
  int rounds = 0;
  double used = 0;
  do {
    round(false);
    ++rounds;
    used = CpuSeconds() - start;
  } while (used < min_cpu);
  return used / (static_cast<double>(rounds) * items);
}

std::string GrayHash(const uint8_t* pixels, size_t n, int stride) {
  std::string gray(n, '\0');
  for (size_t i = 0; i < n; ++i) gray[i] = static_cast<char>(pixels[i * stride]);
  return Sha256Hex(gray);
}

struct Encoding {
  const char* name;
  codec::EncodeOptions options;
};

std::vector<Encoding> Encodings() {
  auto make = [](codec::ImageFormat f, int png_level, int quality) {
    codec::EncodeOptions o;
    o.format = f;
    o.png_level = png_level;
    o.quality = quality;
    return o;
  };
  using codec::ImageFormat;
  return {{"png rle", make(ImageFormat::kPng, codec::kPngRle, 90)},
          {"png 1", make(ImageFormat::kPng, 1, 90)},
          {"png 6", make(ImageFormat::kPng, 6, 90)},
          {"png 9", make(ImageFormat::kPng, 9, 90)},
          {"webp lossless", make(ImageFormat::kWebp, codec::kPngRle, 100)},
          {"jpeg q90", make(ImageFormat::kJpeg, codec::kPngRle, 90)},
          {"jpeg q95", make(ImageFormat::kJpeg, codec::kPngRle, 95)}};
}

// Encode cost and size of every encoding on `images`.
json MeasureEncodings(const std::vector<codec::Image>& images, double min_cpu) {
  json out = json::array();
  for (const Encoding& e : Encodings()) {
    size_t bytes = 0;
    const double s = PerImage(min_cpu, static_cast<int>(images.size()), [&](bool) {
      bytes = 0;
      for (const auto& im : images) {
        bytes += codec::EncodeImage(im.pixels.data(), im.width, im.height, im.channels, e.options)
                     .size();
      }
    });
    out.push_back({{"encoding", e.name},
                   {"cpu_s_per_image", s},
                   {"bytes_per_image", static_cast<double>(bytes) / images.size()}});
  }
  return out;
}

struct Args {
  std::string family;
  int processes = 20, images = 2, keyed_categories = 20, keyed_images = 4;
  double min_cpu = 1.0;
  std::string csv_dir;
  int floor_reps = 5;
  std::string only;  // one part alone (for perf record), or all
  bool Want(const char* part) const { return only.empty() || only == part; }
};

json Contour(const Args& a) {
  const bool atom = a.family == "visualatom";
  const NaiveContourFamily naive_family =
      atom ? NaiveContourFamily::kVisualAtom : NaiveContourFamily::kRcdb;
  const recipe::Family& family = recipe::FamilyNamed(a.family);
  const int images = a.processes * a.images;
  json out = {{"family", a.family},
              {"processes", a.processes},
              {"images_per_process", a.images},
              {"images", images}};

  // The naive script: render, then the RGB PNG, timed apart.
  std::vector<std::string> naive_hashes;
  uint64_t segments = 0;
  double naive_render = 0, naive_encode = 0;
  size_t naive_bytes = 0;
  if (a.Want("naive")) {
    const double start = CpuSeconds();
    int rounds = 0;
    do {
      naive_hashes.clear();
      segments = 0;
      naive_bytes = 0;
      for (int t = 0; t < a.processes; ++t) {
        NaiveContourScript script(naive_family, t, 512);
        script.NextCategory();
        segments += static_cast<uint64_t>(script.vertices()) * script.orbits() * a.images;
        for (int i = 0; i < a.images; ++i) {
          const double t0 = CpuSeconds();
          const std::vector<uint8_t> rgb = script.NextImage(nullptr);
          const double t1 = CpuSeconds();
          naive_bytes += NaiveEncodeRgbPng(rgb, 512).size();
          naive_encode += CpuSeconds() - t1;
          naive_render += t1 - t0;
          naive_hashes.push_back(GrayHash(rgb.data(), 512 * 512, 3));
        }
      }
      ++rounds;
    } while (CpuSeconds() - start < a.min_cpu);
    naive_render /= static_cast<double>(rounds) * images;
    naive_encode /= static_cast<double>(rounds) * images;
    out["segments"] = segments;
    out["naive"] = {{"render_cpu_s_per_image", naive_render},
                    {"encode_cpu_s_per_image", naive_encode},
                    {"png_bytes_per_image", static_cast<double>(naive_bytes) / images}};
    out["naive_sha256"] = naive_hashes;
  }

  // The floor: the same images' pnoise1 batches and closed polylines, with
  // the inputs recorded by the naive script beforehand (no random draws, no
  // vertex arithmetic). Image by image (its record stays in cache), each
  // drawn --floor-reps times.
  if (a.Want("floor")) {
    std::vector<uint8_t> canvas(512 * 512);
    std::vector<float> noise_out;
    std::vector<std::string> floor_hashes;
    float sink = 0;
    double floor_s = 0;
    for (int t = 0; t < a.processes; ++t) {
      NaiveContourScript script(naive_family, t, 512);
      script.NextCategory();
      for (int i = 0; i < a.images; ++i) {
        std::vector<NaiveContourOrbit> orbits;
        script.NextImage(&orbits);
        std::vector<std::vector<float>> inputs;
        for (const NaiveContourOrbit& o : orbits) {
          inputs.emplace_back(o.noise_inputs.begin(), o.noise_inputs.end());
        }
        for (int rep = 0; rep < a.floor_reps; ++rep) {
          const double t0 = CpuSeconds();
          std::fill(canvas.begin(), canvas.end(), atom ? 0 : 255);
          for (size_t k = 0; k < orbits.size(); ++k) {
            const NaiveContourOrbit& o = orbits[k];
            const int n = static_cast<int>(inputs[k].size());
            noise_out.resize(n);
            contour::PNoise1Batch(inputs[k].data(), noise_out.data(), n);
            sink += noise_out[n - 1];
            contour::DrawPilPolyline(canvas.data(), 512, 512, o.xs.data(), o.ys.data(),
                                     static_cast<int>(o.xs.size()), true,
                                     contour::PilClip8(o.gray));
          }
          floor_s += CpuSeconds() - t0;
        }
        floor_hashes.push_back(GrayHash(canvas.data(), canvas.size(), 1));
      }
    }
    out["floor"] = {{"cpu_s_per_image", floor_s / (static_cast<double>(images) * a.floor_reps)},
                    {"pixels_equal_naive", floor_hashes == naive_hashes},
                    {"sink", sink}};
  }

  // synthub, reference mode: the same images.
  if (a.Want("reference")) {
    recipe::Recipe r = family.Defaults();
    r.categories = a.processes;
    r.contour.reference_layout = a.processes;
    r.draws = a.images;
    recipe::ValidateRecipe(r);
    const double t0 = CpuSeconds();
    const recipe::CategoryParams params = family.MakeParams(r, 1, false);
    const double params_s = CpuSeconds() - t0;
    std::unique_ptr<recipe::SampleRenderer> renderer = family.NewRenderer(r, params);
    codec::Image image;
    std::vector<std::string> hashes;
    const double s = PerImage(a.min_cpu, images, [&](bool check) {
      for (int c = 0; c < a.processes; ++c) {
        for (int i = 0; i < a.images; ++i) {
          renderer->Render({static_cast<uint32_t>(c), 0, static_cast<uint32_t>(i), 0}, &image);
          if (check) hashes.push_back(GrayHash(image.pixels.data(), 512 * 512, image.channels));
        }
      }
    });
    out["synthub_reference"] = {{"cpu_s_per_image", s},
                                {"params_cpu_s", params_s},
                                {"channels", image.channels},
                                {"pixels_equal_naive", hashes == naive_hashes}};
  }

  // synthub, keyed mode (the default): what generate renders for
  // --categories C --images N, then the encodings on those images.
  if (a.Want("keyed") || a.Want("encodings")) {
    recipe::Recipe r = family.Defaults();
    r.categories = a.keyed_categories;
    r.draws = a.keyed_images;
    recipe::ValidateRecipe(r);
    const double t0 = CpuSeconds();
    const recipe::CategoryParams params = family.MakeParams(r, 1, false);
    const double params_s = CpuSeconds() - t0;
    uint64_t keyed_segments = 0;
    for (const auto& c : params.contour) {
      keyed_segments += static_cast<uint64_t>(c.vertices) * c.orbits * a.keyed_images;
    }
    std::unique_ptr<recipe::SampleRenderer> renderer = family.NewRenderer(r, params);
    const int n = a.keyed_categories * a.keyed_images;
    std::vector<codec::Image> rendered(n);
    const double s = PerImage(a.min_cpu, n, [&](bool) {
      for (int c = 0; c < a.keyed_categories; ++c) {
        for (int i = 0; i < a.keyed_images; ++i) {
          renderer->Render({static_cast<uint32_t>(c), 0, static_cast<uint32_t>(i), 0},
                           &rendered[c * a.keyed_images + i]);
        }
      }
    });
    out["synthub_keyed"] = {{"cpu_s_per_image", s},
                            {"params_cpu_s", params_s},
                            {"images", n},
                            {"segments", keyed_segments},
                            {"categories", a.keyed_categories},
                            {"images_per_category", a.keyed_images}};
    if (a.Want("encodings")) out["encodings"] = MeasureEncodings(rendered, a.min_cpu);
  }
  return out;
}

json Ifs(const Args& a) {
  const recipe::Family& family = recipe::FamilyNamed(a.family);
  const bool onepfrac = a.family == "1p-frac";
  recipe::Recipe r = family.Defaults();
  r.categories = a.images;
  recipe::ValidateRecipe(r);
  const double t0 = CpuSeconds();
  const recipe::CategoryParams params = family.MakeParams(r, 1, false);
  const double params_s = CpuSeconds() - t0;
  const fractal::RenderOptions& o = r.render;
  // OFDB draws the published weight file's first row: row 1 of
  // fractal::WeightRow's table (recipe/fractaldb.cc); 1p-frac no weights.
  const int row = onepfrac ? 0 : 1;
  double w[6];
  fractal::WeightRow(o.weight_k, row, w);
  json out = {{"family", a.family},
              {"images", a.images},
              {"size", o.size},
              {"points", o.points},
              {"params_cpu_s", params_s}};

  // synthub: one image per category, categories in turn (so no image
  // reuses the renderer's cached cloud).
  if (a.Want("synthub") || a.Want("encodings")) {
    std::unique_ptr<recipe::SampleRenderer> renderer = family.NewRenderer(r, params);
    std::vector<codec::Image> rendered(a.images);
    const double s = PerImage(a.min_cpu, a.images, [&](bool) {
      for (int c = 0; c < a.images; ++c) {
        renderer->Render({static_cast<uint32_t>(c), 0, 0, 0}, &rendered[c]);
      }
    });
    out["synthub"] = {{"cpu_s_per_image", s}, {"channels", rendered[0].channels}};
    if (a.Want("encodings")) out["encodings"] = MeasureEncodings(rendered, a.min_cpu);
  }

  // The floor: the chaos game and the 3 x 3 patches of the same systems.
  if (a.Want("floor")) {
    const double s = PerImage(a.min_cpu, a.images, [&](bool) {
      for (int c = 0; c < a.images; ++c) {
        const fractal::Raster cloud = fractal::ComputeCloud(params.ifs[c], row, o);
        if (fractal::DrawCloud(cloud, o, r.seed, c, row, 0).empty()) std::abort();
      }
    });
    out["floor"] = {{"cpu_s_per_image", s}};
  }

  // The naive transcription: render, then the RGB PNG, timed apart.
  if (a.Want("naive")) {
    NaivePyRandom random(1);
    double render_s = 0, encode_s = 0;
    size_t bytes = 0;
    int draws = 0, rounds = 0;
    const double start = CpuSeconds();
    do {
      for (int c = 0; c < a.images; ++c) {
        const double t1 = CpuSeconds();
        int attempts = 1;
        const std::vector<uint8_t> rgb =
            onepfrac
                ? NaiveRenderOnePFrac(params.base, r.onepfrac.delta,
                                      r.onepfrac.fill_min, o.size, o.points, &random, &attempts)
                : NaiveRenderOfdb(params.ifs[c], w, o.size, o.points, 1234 + c);
        const double t2 = CpuSeconds();
        bytes += NaiveEncodeRgbPng(rgb, o.size).size();
        encode_s += CpuSeconds() - t2;
        render_s += t2 - t1;
        draws += attempts;
      }
      ++rounds;
    } while (CpuSeconds() - start < a.min_cpu);
    const double n = static_cast<double>(rounds) * a.images;
    out["naive"] = {{"render_cpu_s_per_image", render_s / n},
                    {"encode_cpu_s_per_image", encode_s / n},
                    {"png_bytes_per_image", bytes / n},
                    {"draws_per_image", draws / n}};
  }

  if (!a.csv_dir.empty()) {
    MakeDirs(a.csv_dir);
    if (onepfrac) {
      WriteFileAtomic(a.csv_dir + "/base.csv", fractal::FormatIfsCsv(params.base));
    } else {
      for (int c = 0; c < a.images; ++c) {
        char name[32];
        std::snprintf(name, sizeof(name), "/%05d.csv", c);
        fractal::Ifs weighted = params.ifs[c];  // the maps as the published renderer scales them
        for (auto& m : weighted.maps) {
          m.a *= w[0], m.b *= w[1], m.c *= w[2], m.d *= w[3], m.e *= w[4], m.f *= w[5];
        }
        WriteFileAtomic(a.csv_dir + name, fractal::FormatIfsCsv(weighted));
      }
    }
  }
  return out;
}

int Main(int argc, char** argv) {
  if (argc < 2) {
    std::fprintf(stderr, "usage: synthub_families_bench FAMILY [flags] (see the source)\n");
    return 2;
  }
  Args a;
  a.family = argv[1];
  for (int i = 2; i + 1 < argc; i += 2) {
    const std::string flag = argv[i], value = argv[i + 1];
    if (flag == "--processes")
      a.processes = std::stoi(value);
    else if (flag == "--images")
      a.images = std::stoi(value);
    else if (flag == "--keyed-categories")
      a.keyed_categories = std::stoi(value);
    else if (flag == "--keyed-images")
      a.keyed_images = std::stoi(value);
    else if (flag == "--min-cpu")
      a.min_cpu = std::stod(value);
    else if (flag == "--csv-dir")
      a.csv_dir = value;
    else if (flag == "--floor-reps")
      a.floor_reps = std::stoi(value);
    else if (flag == "--only")
      a.only = value;
    else
      throw UsageError("unknown flag " + flag);
  }
  const bool contour = a.family == "visualatom" || a.family == "rcdb";
  std::printf("%s\n", (contour ? Contour(a) : Ifs(a)).dump().c_str());
  return 0;
}

}  // namespace
}  // namespace synthub::bench

int main(int argc, char** argv) {
  try {
    return synthub::bench::Main(argc, argv);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "synthub_families_bench: %s\n", e.what());
    return 1;
  }
}
