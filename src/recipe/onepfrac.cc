#include "recipe/onepfrac.h"

#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <string>

#include <nlohmann/json.hpp>

#include "fractal/contractive.h"
#include "fractal/random.h"
#include "fractal/render.h"
#include "recipe/params.h"
#include "shard/tar_reader.h"
#include "shard/tar_writer.h"
#include "synthub/error.h"
#include "util/file.h"
#include "util/json_get.h"
#include "util/parallel.h"
#include "util/progress.h"

namespace synthub::recipe {
namespace {

// The published generator's fixed settings (render_from_oneparam_mp.py):
// a 2-map base whose sigma-factor is drawn in sigma +- 0.1.
constexpr int kMaps = 2;
constexpr double kSigmaMargin = 0.1;
// A class that no perturbation fills is an error, never an endless loop
// (the published generator would loop forever).
constexpr int kMaxAttempts = 1000;
constexpr const char* kBaseFile = "base.csv";

std::string Number(double v) {
  char buf[32];
  std::snprintf(buf, sizeof(buf), "%g", v);
  return buf;
}

// The canvas of one image: the system's cloud (weight row 0 is all ones:
// the system as given), patch masks keyed by (seed, category, row 0, draw),
// flipped top-bottom as the published generator saves it.
std::vector<uint8_t> DrawClass(const fractal::Raster& cloud, const Recipe& r, uint32_t category,
                               uint32_t draw) {
  return fractal::DrawCloud(cloud, r.render, r.seed, category, 0, draw);
}

fractal::Ifs Base(const Recipe& r) {
  fractal::PhiloxStream stream(r.seed, 0, fractal::kTagBase);
  double u[fractal::kContractiveUniformsPerMap * kMaps];
  fractal::NumpyRandomFill(stream, u, fractal::kContractiveUniformsPerMap * kMaps);
  return fractal::ContractiveMaps(kMaps, u, r.onepfrac.sigma - kSigmaMargin,
                                  r.onepfrac.sigma + kSigmaMargin, 1.0, nullptr);
}

// Attempt t of class `category` multiplies a..f of every map by the next six
// uniform(1 - delta, 1 + delta) of the class's stream (map after map, as the
// published loop draws them); p stays the base's. The first attempt whose
// draw-0 image sets more than fill_min of the pixels is the class.
fractal::Ifs PerturbedClass(const Recipe& r, const fractal::Ifs& base, uint32_t category) {
  fractal::PhiloxStream stream(r.seed, category, fractal::kTagPerturb);
  const double lo = 1.0 - r.onepfrac.delta, hi = 1.0 + r.onepfrac.delta;
  const double pixels = static_cast<double>(r.render.size) * r.render.size;
  fractal::Ifs ifs = base;
  for (int attempt = 0; attempt < kMaxAttempts; ++attempt) {
    for (size_t i = 0; i < base.maps.size(); ++i) {
      const fractal::AffineMap& b = base.maps[i];
      fractal::AffineMap& m = ifs.maps[i];
      m.a = b.a * fractal::NumpyUniform(stream, lo, hi);
      m.b = b.b * fractal::NumpyUniform(stream, lo, hi);
      m.c = b.c * fractal::NumpyUniform(stream, lo, hi);
      m.d = b.d * fractal::NumpyUniform(stream, lo, hi);
      m.e = b.e * fractal::NumpyUniform(stream, lo, hi);
      m.f = b.f * fractal::NumpyUniform(stream, lo, hi);
    }
    const std::vector<uint8_t> canvas =
        DrawClass(fractal::ComputeCloud(ifs, 0, r.render), r, category, 0);
    const size_t set = canvas.size() - std::count(canvas.begin(), canvas.end(), 0);
    if (static_cast<double>(set) / pixels > r.onepfrac.fill_min) return ifs;
  }
  throw Error("1p-frac: class " + std::to_string(category) + ": no perturbation of the base set "
              "more than " + Number(r.onepfrac.fill_min) + " of the pixels in " +
              std::to_string(kMaxAttempts) + " attempts; the base drawn from --seed " +
              std::to_string(r.seed) + " is too sparse (try another --seed or a lower "
              "--fill-min)");
}

// Every class must be the base's maps, perturbed: same count, same p.
void CheckClasses(const CategoryParams& params, const std::string& where) {
  for (size_t c = 0; c < params.ifs.size(); ++c) {
    const fractal::Ifs& ifs = params.ifs[c];
    bool same = ifs.maps.size() == params.base.maps.size();
    for (size_t i = 0; same && i < ifs.maps.size(); ++i) {
      same = ifs.maps[i].p == params.base.maps[i].p;
    }
    if (!same) {
      throw Error(where + ": " + ParamsFileName(static_cast<int>(c)) + " is not a perturbation "
                  "of " + kBaseFile + " (a 1p-frac class has the base's maps and p column)");
    }
  }
}

// One canvas per (class, draw); keeps the last class's cloud.
class OnePFracRenderer final : public SampleRenderer {
 public:
  OnePFracRenderer(const Recipe& recipe, const CategoryParams& params)
      : recipe_(recipe), params_(params) {}

  void Render(const SampleId& id, codec::Image* out) override {
    if (id.category >= params_.ifs.size()) {
      throw Error("1p-frac: class " + std::to_string(id.category) + " of " +
                  std::to_string(params_.ifs.size()));
    }
    if (id.row != 0 || id.flip != 0) {
      throw Error("1p-frac: sample " + DatasetPlan::SampleKey(id) + ": row and flip must be 0");
    }
    if (cloud_category_ != id.category) {
      cloud_ = fractal::ComputeCloud(params_.ifs[id.category], 0, recipe_.render);
      cloud_category_ = id.category;
    }
    out->width = out->height = recipe_.render.size;
    out->channels = 1;
    out->pixels = DrawClass(cloud_, recipe_, id.category, id.draw);
  }

 private:
  const Recipe& recipe_;
  const CategoryParams& params_;
  fractal::Raster cloud_;
  int64_t cloud_category_ = -1;
};

class OnePFrac final : public Family {
 public:
  std::string name() const override { return "1p-frac"; }

  std::vector<std::string> PresetNames() const override { return {"1p-frac"}; }

  bool Preset(const std::string& name, Recipe* out) const override {
    if (name != "1p-frac") return false;
    *out = Defaults();
    return true;
  }

  // The paper's best setting (delta 0.1, sigma 3.5, 1,000 classes) and the
  // published script's rendering: 512^2, 100k points, pad 6, patch_gray,
  // one image per class.
  Recipe Defaults() const override {
    Recipe r;
    r.family = "1p-frac";
    r.name = "1p-frac";
    r.categories = 1000;
    r.render.size = 512;
    r.render.points = 100000;
    r.render.pad = 6;
    r.render.mode = fractal::DrawMode::kPatchGray;
    r.draws = 1;
    r.flips = 1;
    return r;
  }

  int Rows(const Recipe&) const override { return 1; }
  int Draws(const Recipe& r) const override { return r.draws; }

  void Validate(const Recipe& r) const override {
    const OnePFracOptions& o = r.onepfrac;
    if (!(o.delta >= 0.0 && o.delta < 1.0)) {
      throw UsageError("--delta must be in [0, 1) (factors uniform in [1 - delta, 1 + delta]), "
                       "got " + Number(o.delta));
    }
    if (!(o.sigma - kSigmaMargin > 0.0 && o.sigma + kSigmaMargin < 3.0 * kMaps)) {
      throw UsageError("--sigma must be in (0.1, 5.9): the sigma-factor is drawn in sigma +- 0.1 "
                       "and must lie in (0, 6) for 2 maps, got " + Number(o.sigma));
    }
    if (!(o.fill_min >= 0.0 && o.fill_min < 1.0)) {
      throw UsageError("--fill-min must be in [0, 1), got " + Number(o.fill_min));
    }
    fractal::ValidateRenderOptions(r.render);
    if (r.render.mode != fractal::DrawMode::kPatchGray) {
      throw UsageError("1p-frac draws patch_gray only");
    }
    if (r.draws < 1 || r.draws > 999) throw UsageError("--images must be in [1, 999]");
    if (r.flips != 1) throw UsageError("1p-frac has no flip variants (flips must be 1)");
  }

  void WriteJson(const Recipe& r, nlohmann::json* out) const override {
    nlohmann::json& j = *out;
    j["onepfrac"] = {
        {"delta", r.onepfrac.delta},
        {"sigma", r.onepfrac.sigma},
        {"sigma_margin", kSigmaMargin},
        {"maps", kMaps},
        {"fill_min", r.onepfrac.fill_min},
        {"sampler", "anderson-farrell-svd"},
        {"rng", "philox4x32-10"},
    };
    j["render"] = {
        {"size", r.render.size},
        {"points", r.render.points},
        {"pad", r.render.pad},
        {"draw", fractal::DrawModeName(r.render.mode)},
        {"walk_seed", 100},
        {"mask_rng", "philox4x32-10"},
    };
    j["images"] = r.draws;
  }

  void ReadJson(const nlohmann::json& j, const std::string& where, Recipe* r) const override {
    using nlohmann::json;
    const json o = JsonGet<json>(j, "onepfrac", where);
    r->onepfrac.delta = JsonGet<double>(o, "delta", where);
    r->onepfrac.sigma = JsonGet<double>(o, "sigma", where);
    r->onepfrac.fill_min = JsonGet<double>(o, "fill_min", where);
    const json d = JsonGet<json>(j, "render", where);
    r->render.size = JsonGet<int>(d, "size", where);
    r->render.points = JsonGet<int>(d, "points", where);
    r->render.pad = JsonGet<int>(d, "pad", where);
    r->render.mode = fractal::ParseDrawMode(JsonGet<std::string>(d, "draw", where));
    r->draws = JsonGet<int>(j, "images", where);
  }

  CategoryParams MakeParams(const Recipe& r, int threads, bool progress) const override {
    CategoryParams params;
    params.base = Base(r);
    params.ifs.resize(r.categories);
    Progress bar("1p-frac", r.categories, "classes", progress);
    ParallelFor(r.categories, threads, [&](size_t c) {
      params.ifs[c] = PerturbedClass(r, params.base, static_cast<uint32_t>(c));
      bar.Add(1);
    });
    return params;
  }

  CategoryParams ReadParamsFolder(const std::string& dir, int categories) const override {
    CategoryParams params;
    const std::string base = JoinPath(dir, kBaseFile);
    if (!PathExists(base)) {
      throw Error(base + ": missing (a 1p-frac parameter folder holds base.csv and NNNNN.csv)");
    }
    params.base = fractal::ParseIfsCsv(ReadFile(base), base);
    params.ifs = LoadParamsFolder(dir, categories);
    CheckClasses(params, dir);
    return params;
  }

  std::string WriteParamsArchive(const std::string& path,
                                 const CategoryParams& params) const override {
    shard::TarWriter tar(path);
    tar.AddFile(kBaseFile, fractal::FormatIfsCsv(params.base));
    for (size_t c = 0; c < params.ifs.size(); ++c) {
      tar.AddFile(ParamsFileName(static_cast<int>(c)), fractal::FormatIfsCsv(params.ifs[c]));
    }
    tar.Finish();
    return tar.sha256();
  }

  CategoryParams ReadParamsArchive(const std::string& path) const override {
    shard::TarReader reader(path);
    CategoryParams params;
    shard::TarEntry e;
    if (!reader.Next(&e) || e.name != kBaseFile) {
      throw Error(path + ": expected member " + kBaseFile + " first (a 1p-frac parameter file)");
    }
    params.base = fractal::ParseIfsCsv(e.data, path + ":" + e.name);
    ForEachNumberedCsv(reader, path, [&](const std::string& text, const std::string& where) {
      params.ifs.push_back(fractal::ParseIfsCsv(text, where));
    });
    CheckClasses(params, path);
    return params;
  }

  std::unique_ptr<SampleRenderer> NewRenderer(const Recipe& recipe,
                                              const CategoryParams& params) const override {
    return std::make_unique<OnePFracRenderer>(recipe, params);
  }
};

}  // namespace

const Family& OnePFracFamily() {
  static const OnePFrac family;
  return family;
}

}  // namespace synthub::recipe
