// The per-core measurements of bench/fractal3d_run.sh, printed as one JSON
// object: the 3D families' stages (search trial, instance cloud, projection
// of a view from a cached cloud, PNG encode) against the PNG decode of the
// same view (the goal: a view from a cached cloud costs less than decoding
// it) and a naive C++ transcription of the published pipeline (per-map
// dictionaries, a vector grown point by point, double matrices built per
// view, a full RGB image) on the same clouds and views.
//   synthub_fractal3d_bench [--categories C] [--min-cpu S]
// CPU time is the process's (one thread); each loop repeats until it has
// used --min-cpu seconds (default 1).
#include <time.h>

#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <functional>
#include <map>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "codec/image.h"
#include "fractal/random.h"
#include "fractal3d/ifs3d.h"
#include "fractal3d/project.h"
#include "recipe/family.h"
#include "recipe/fractal3d_family.h"
#include "recipe/plan.h"

namespace synthub::bench {
namespace {

using nlohmann::json;
namespace f3 = fractal3d;

double CpuSeconds() {
  timespec t;
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t);
  return t.tv_sec + t.tv_nsec * 1e-9;
}

double g_min_cpu = 1.0;

// Microseconds per call of `body`, repeated over `items` items until
// --min-cpu seconds of CPU are used.
double MicrosPer(size_t items, const std::function<void(size_t)>& body) {
  const double start = CpuSeconds();
  size_t calls = 0;
  do {
    body(calls % items);
    ++calls;
  } while (CpuSeconds() - start < g_min_cpu);
  return (CpuSeconds() - start) * 1e6 / calls;
}

// --- the naive transcription of the published pipeline -----------------------
// IteratedFunctionSystem.calculate: one dictionary per map, points appended.
std::vector<double> NaiveCloud(const f3::Ifs3& ifs, const double* w, const double* u, int n) {
  static const char* kNames[12] = {"a", "b", "c", "d", "e", "f", "g", "h", "i", "j", "k", "l"};
  std::vector<std::map<std::string, double>> function;
  std::vector<double> select;
  double total = 0;
  for (const f3::Map3& m : ifs.maps) {
    std::map<std::string, double> f;
    for (int k = 0; k < 12; ++k) f[kNames[k]] = (k < 9 ? m.m[k] : m.t[k - 9]) * w[k];
    function.push_back(f);
    total += m.p;
    select.push_back(total);
  }
  std::vector<double> xs, ys, zs;
  double x = 0, y = 0, z = 0, nx = 0, ny = 0, nz = 0;
  for (int i = 0; i < n - 1; ++i) {
    for (size_t j = 0; j < select.size(); ++j) {
      if (u[i] <= select[j]) {
        auto& f = function[j];
        nx = x * f["a"] + y * f["b"] + z * f["c"] + f["j"];
        ny = x * f["d"] + y * f["e"] + z * f["f"] + f["k"];
        nz = x * f["g"] + y * f["h"] + z * f["i"] + f["l"];
        break;
      }
    }
    xs.push_back(nx), ys.push_back(ny), zs.push_back(nz);
    x = nx, y = ny, z = nz;
  }
  // min_max over everything, then centoroid (sum / points).
  double lo = xs[0], hi = xs[0];
  for (auto* v : {&xs, &ys, &zs}) {
    for (double a : *v) lo = std::min(lo, a), hi = std::max(hi, a);
  }
  std::vector<double> out;
  for (auto* v : {&xs, &ys, &zs}) {
    double sum = 0;
    for (double& a : *v) {
      a = ((a - lo) / (hi - lo)) * 2.0 - 1.0;
      sum += a;
    }
    for (double& a : *v) a -= sum / n;
  }
  for (size_t i = 0; i < xs.size(); ++i) out.insert(out.end(), {xs[i], ys[i], zs[i]});
  return out;
}

// The GL vertex pipeline written plainly: matrices built per view in double,
// each point through proj * view, an RGB canvas.
std::vector<uint8_t> NaiveView(const std::vector<float>& cloud, double angle_deg, int size) {
  const double a = angle_deg * M_PI / 180.0, t = std::tan(M_PI / 8);
  const double eye[3] = {-4 * std::cos(a), 0, 4 * std::sin(a)};
  std::vector<uint8_t> rgb(static_cast<size_t>(size) * size * 3, 0);
  for (size_t i = 0; i < cloud.size(); i += 3) {
    // view: camera looking at the origin from `eye`, up y.
    const double dx = cloud[i] - eye[0], dy = cloud[i + 1] - eye[1], dz = cloud[i + 2] - eye[2];
    const double fwd = (dx * std::cos(a) - dz * std::sin(a));
    const double side = (dx * std::sin(a) + dz * std::cos(a));
    if (fwd < 1 || fwd > 100) continue;
    const double xd = side / (fwd * t), yd = dy / (fwd * t);
    if (std::fabs(xd) > 1 || std::fabs(yd) > 1) continue;
    const int px = static_cast<int>(std::floor((xd + 1) * size / 2));
    const int py = static_cast<int>(std::floor((yd + 1) * size / 2));
    if (px < 0 || px >= size || py < 0 || py >= size) continue;
    uint8_t* p = &rgb[(static_cast<size_t>(py) * size + px) * 3];
    p[0] = p[1] = p[2] = 255;
  }
  return rgb;
}

}  // namespace
}  // namespace synthub::bench

int main(int argc, char** argv) {
  using namespace synthub;
  using namespace synthub::bench;
  int categories = 4;
  for (int i = 1; i + 1 < argc; i += 2) {
    const std::string flag = argv[i];
    if (flag == "--categories") categories = std::atoi(argv[i + 1]);
    if (flag == "--min-cpu") g_min_cpu = std::atof(argv[i + 1]);
  }
  json out;
  recipe::Recipe mv = recipe::PresetRecipe("mv-fractaldb-1k");
  mv.categories = categories;
  const recipe::Family& family = recipe::FamilyOf(mv);
  const recipe::CategoryParams params = family.MakeParams(mv, 1, false);

  // Search: one trial of the published search (the keyed stream of category 0).
  {
    const uint32_t key[3] = {1, 0, 0};
    fractal::Mt19937 mt(key, 3);
    uint64_t accepted = 0, trials = 0;
    out["search_trial_us"] = MicrosPer(1, [&](size_t) {
      const f3::Trial3 t = f3::DrawTrial3(mt, 10000);
      ++trials;
      accepted += t.stats.finite && std::min({t.stats.var[0], t.stats.var[1], t.stats.var[2]}) > 0.05;
    });
    out["search_acceptance"] = static_cast<double>(accepted) / trials;
  }
  // The instance clouds (chaos game + normalisation), then views of them.
  std::vector<std::vector<float>> clouds;
  for (int c = 0; c < categories; ++c) {
    for (int row : {0, 6, 72, 144}) {
      clouds.push_back(f3::InstanceCloud(params.ifs3[c], 145, row, 10000, 0, c));
    }
  }
  out["cloud_us"] = MicrosPer(clouds.size(), [&](size_t i) {
    f3::InstanceCloud(params.ifs3[i / 4 % categories], 145, 6, 10000, 0, i / 4 % categories);
  });
  f3::RasterOptions raster;
  std::vector<f3::Mat4> views;
  for (int k = 0; k < 12; ++k) {
    views.push_back(f3::PublishedViewProjection(f3::Camera{}, recipe::FixedViewRotations(k, 12, 1.0),
                                                224, 224));
  }
  codec::Image image;
  out["project_us"] = MicrosPer(clouds.size() * 12, [&](size_t i) {
    const std::vector<float>& c = clouds[i / 12];
    f3::ProjectPoints(c.data(), c.size() / 3, views[i % 12], raster, &image);
  });
  std::vector<codec::Image> rendered(clouds.size() * 12);
  std::vector<std::string> pngs;
  for (size_t i = 0; i < rendered.size(); ++i) {
    const std::vector<float>& c = clouds[i / 12];
    f3::ProjectPoints(c.data(), c.size() / 3, views[i % 12], raster, &rendered[i]);
    pngs.push_back(codec::EncodeImage(rendered[i].pixels.data(), 224, 224, 1, mv.encode));
  }
  out["encode_us"] = MicrosPer(rendered.size(), [&](size_t i) {
    codec::EncodeImage(rendered[i].pixels.data(), 224, 224, 1, mv.encode);
  });
  size_t png_bytes = 0;
  for (const std::string& p : pngs) png_bytes += p.size();
  out["png_bytes"] = static_cast<double>(png_bytes) / pngs.size();
  out["decode_us"] = MicrosPer(pngs.size(), [&](size_t i) {
    codec::DecodeImage(pngs[i], "view.png");
  });
  // The family's renderer, per sample, as generate and render: use it:
  // mv-fractaldb's 12 views share a cloud; exfractaldb walks instances.
  {
    auto renderer = family.NewRenderer(mv, params);
    std::vector<recipe::SampleId> ids;
    for (int c = 0; c < categories; ++c) {
      for (uint32_t r = 0; r < 145; r += 16) {
        for (uint32_t v = 0; v < 12; ++v) ids.push_back({static_cast<uint32_t>(c), r, v, 0});
      }
    }
    out["mv_sample_us"] = MicrosPer(ids.size(), [&](size_t i) { renderer->Render(ids[i], &image); });
    recipe::Recipe ex = recipe::PresetRecipe("exfractaldb-1k");
    ex.categories = categories;
    auto ex_renderer = recipe::FamilyOf(ex).NewRenderer(ex, params);
    out["ex_sample_us"] = MicrosPer(categories * 1000, [&](size_t i) {
      ex_renderer->Render({static_cast<uint32_t>(i / 1000), 0, static_cast<uint32_t>(i % 1000), 0},
                          &image);
    });
  }
  // The naive transcription on the same categories.
  {
    std::vector<double> u(10000);
    fractal::Mt19937 mt(7);
    fractal::NumpyRandomFill(mt, u.data(), u.size());
    const double ones[12] = {1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1};
    out["naive_cloud_us"] = MicrosPer(categories, [&](size_t c) {
      NaiveCloud(params.ifs3[c], ones, u.data(), 10000);
    });
    out["naive_view_us"] = MicrosPer(clouds.size() * 12, [&](size_t i) {
      const std::vector<uint8_t> rgb = NaiveView(clouds[i / 12], (i % 12) * 30.0 + 30.0, 224);
      codec::EncodeOptions png;
      png.png_level = 6;  // PIL's default
      codec::EncodeImage(rgb.data(), 224, 224, 3, png);
    });
  }
  std::printf("%s\n", out.dump(1).c_str());
  return 0;
}
