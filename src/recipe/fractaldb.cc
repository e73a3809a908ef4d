#include "recipe/fractaldb.h"

#include <algorithm>
#include <cstdint>
#include <utility>

#include <nlohmann/json.hpp>

#include "fractal/render.h"
#include "recipe/params.h"
#include "recipe/render_cache.h"
#include "synthub/error.h"
#include "util/json_get.h"

namespace synthub::recipe {
namespace {

struct PresetSize {
  const char* name;
  int categories;
};
constexpr PresetSize kPresets[] = {
    {"fractaldb-1k", 1000},     {"fractaldb-10k", 10000},
    {"fractaldb-21k", 21000},   {"fractaldb-50k", 50000},
    {"fractaldb-100k", 100000}, {"fractaldb-300k", 300000},
};

// OFDB's one image per category is the published weight file's first row,
// a x (1 - 2k): row 1 of our table (fractal::WeightRow, whose row 0 is the
// all-ones row).
constexpr uint32_t kOfdbWeightRow = 1;

// One canvas per (category, row, draw), drawn from the row's point cloud,
// then flipped. Keeps the last cloud and the last canvas: the generator and
// the loader ask for the flips of a canvas, and the canvases of a cloud,
// one after the other. OFDB (one_row): the plan's only row 0 draws weight
// row kOfdbWeightRow, masks keyed by that row too, so its sample
// (c, 0, d, f) is FractalDB's (c, 1, d, f) of the same seed.
class FractalDbRenderer final : public SampleRenderer {
 public:
  FractalDbRenderer(const Recipe& recipe, const CategoryParams& params, bool one_row)
      : recipe_(recipe), params_(params), one_row_(one_row) {}

  void UseCache(RenderCache* cache) override { cache_ = cache; }

  void Render(const SampleId& id, codec::Image* out) override {
    const fractal::RenderOptions& ro = recipe_.render;
    if (id.category >= params_.ifs.size()) {
      throw Error(recipe_.family + ": category " + std::to_string(id.category) + " of " +
                  std::to_string(params_.ifs.size()));
    }
    if (one_row_ && id.row != 0) {
      throw Error("ofdb: row " + std::to_string(id.row) + " (one image per category: row 0)");
    }
    const uint32_t row = one_row_ ? kOfdbWeightRow : id.row;
    out->width = out->height = ro.size;
    out->channels = fractal::IsColor(ro.mode) ? 3 : 1;
    if (cache_) {
      // The canvas of this sample's unit, drawn once for every worker of the
      // loader and flipped for each of its samples.
      const uint64_t unit = (uint64_t{id.category} * recipe_.Rows() + id.row) * recipe_.EffectiveDraws() + id.draw;
      const RenderCache::Value canvas = cache_->Get(unit, [&] {
        return fractal::DrawCloud(fractal::ComputeCloud(params_.ifs[id.category], row, ro), ro, recipe_.seed,
                                  id.category, row, id.draw);
      });
      fractal::FlipImage(canvas->data(), ro.size, ro.size, out->channels, id.flip, &out->pixels);
      return;
    }
    if (cloud_category_ != id.category || cloud_row_ != row) {
      cloud_ = fractal::ComputeCloud(params_.ifs[id.category], row, ro);
      cloud_category_ = id.category;
      cloud_row_ = row;
      canvas_draw_ = -1;
    }
    if (canvas_draw_ != id.draw) {
      canvas_ = fractal::DrawCloud(cloud_, ro, recipe_.seed, id.category, row, id.draw);
      canvas_draw_ = id.draw;
    }
    fractal::FlipImage(canvas_.data(), ro.size, ro.size, out->channels, id.flip, &out->pixels);
  }

 private:
  const Recipe& recipe_;
  const CategoryParams& params_;
  const bool one_row_;
  RenderCache* cache_ = nullptr;
  fractal::Raster cloud_;
  std::vector<uint8_t> canvas_;
  int64_t cloud_category_ = -1, cloud_row_ = -1, canvas_draw_ = -1;
};

CategoryParams Categories(std::vector<fractal::Ifs> ifs) {
  CategoryParams params;
  params.ifs = std::move(ifs);
  return params;
}

// What FractalDB and OFDB share: the search, the render settings and their
// JSON, the parameter files.
class FractalDbBase : public Family {
 public:
  int Draws(const Recipe& r) const override {
    return fractal::IsPatch(r.render.mode) ? r.draws : 1;
  }

  void Validate(const Recipe& r) const override {
    fractal::ValidateSearchOptions(r.search);
    fractal::ValidateRenderOptions(r.render);
    if (r.draws < 1 || r.draws > 999) throw UsageError("--draws must be in [1, 999]");
  }

  void WriteJson(const Recipe& r, nlohmann::json* out) const override {
    nlohmann::json& j = *out;
    j["search"] = {
        {"mode", fractal::SearchModeName(r.search.mode)},
        {"seed", r.search.seed},
        {"threshold", r.search.threshold},
        {"points", r.search.points},
        {"size", r.search.size},
        {"pad", r.search.pad},
        {"min_maps", r.search.min_maps},
        {"max_maps", r.search.max_maps},
        {"param_range", r.search.param_range},
        {"sampler", fractal::MapSamplerName(r.search.sampler)},
    };
    j["render"] = {
        {"size", r.render.size},
        {"points", r.render.points},
        {"pad", r.render.pad},
        {"draw", fractal::DrawModeName(r.render.mode)},
        {"weight_k", r.render.weight_k},
        {"walk_seed", 100},
        {"mask_rng", "philox4x32-10"},
    };
    j["draws"] = r.draws;
    j["flips"] = r.flips;
  }

  void ReadJson(const nlohmann::json& j, const std::string& where, Recipe* r) const override {
    using nlohmann::json;
    const json s = JsonGet<json>(j, "search", where);
    r->search.mode = fractal::ParseSearchMode(JsonGet<std::string>(s, "mode", where));
    r->search.seed = JsonGet<uint64_t>(s, "seed", where);
    r->search.threshold = JsonGet<double>(s, "threshold", where);
    r->search.points = JsonGet<int>(s, "points", where);
    r->search.size = JsonGet<int>(s, "size", where);
    r->search.pad = JsonGet<int>(s, "pad", where);
    r->search.min_maps = JsonGet<int>(s, "min_maps", where);
    r->search.max_maps = JsonGet<int>(s, "max_maps", where);
    r->search.param_range = JsonGet<double>(s, "param_range", where);
    r->search.sampler = fractal::ParseMapSampler(JsonGet<std::string>(s, "sampler", where));
    const json d = JsonGet<json>(j, "render", where);
    r->render.size = JsonGet<int>(d, "size", where);
    r->render.points = JsonGet<int>(d, "points", where);
    r->render.pad = JsonGet<int>(d, "pad", where);
    r->render.mode = fractal::ParseDrawMode(JsonGet<std::string>(d, "draw", where));
    r->render.weight_k = JsonGet<double>(d, "weight_k", where);
    r->draws = JsonGet<int>(j, "draws", where);
    r->flips = JsonGet<int>(j, "flips", where);
  }

  CategoryParams MakeParams(const Recipe& recipe, int threads, bool progress) const override {
    return Categories(SearchAll(recipe.search, recipe.categories, threads, progress));
  }

  CategoryParams ReadParamsFolder(const std::string& dir, int categories) const override {
    return Categories(LoadParamsFolder(dir, categories));
  }

  std::string WriteParamsArchive(const std::string& path,
                                 const CategoryParams& params) const override {
    return WriteParamsTar(path, params.ifs);
  }

  CategoryParams ReadParamsArchive(const std::string& path) const override {
    return Categories(ReadParamsTar(path));
  }

};


class FractalDb final : public FractalDbBase {
 public:
  std::string name() const override { return "fractaldb"; }

  std::vector<std::string> PresetNames() const override {
    std::vector<std::string> names;
    for (const PresetSize& p : kPresets) names.push_back(p.name);
    names.push_back("demo");
    return names;
  }

  bool Preset(const std::string& name, Recipe* out) const override {
    Recipe r;  // the paper's rendering settings (exe.sh)
    if (name == "demo") {
      // Small enough for a laptop demo in seconds: 10 categories, 128 x 128.
      r.name = "fractaldb-demo";
      r.categories = 10;
      r.search.mode = fractal::SearchMode::kKeyed;
      r.render.size = 128;
      r.render.points = 20000;
      r.draws = 2;
      r.shard_size = 400;
      *out = r;
      return true;
    }
    for (const PresetSize& p : kPresets) {
      if (name != p.name) continue;
      r.name = p.name;
      r.categories = p.categories;
      if (p.categories == 1000) {
        // The published FractalDB-1k categories: numpy stream, seed 1.
        r.search.mode = fractal::SearchMode::kNumpy;
        r.search.seed = 1;
      } else {
        // Large sets: keyed categories (independent of the process count),
        // searched at the render settings as the published large sets were.
        r.search.mode = fractal::SearchMode::kKeyed;
        r.search.seed = 1;
        r.search.size = 362;
        r.search.points = 200000;
      }
      *out = r;
      return true;
    }
    return false;
  }

  Recipe Defaults() const override { return Recipe(); }

  int Rows(const Recipe&) const override { return fractal::kWeightRows; }

  std::unique_ptr<SampleRenderer> NewRenderer(const Recipe& recipe,
                                              const CategoryParams& params) const override {
    return std::make_unique<FractalDbRenderer>(recipe, params, false);
  }
};

// OFDB-2D (ICCV 2023, ryoo-nakamura/OFDB): FractalDB's published category
// search unchanged, one image per category: weight row a x (1 - 2k), the
// first mask draw, unflipped (make_2dofdb.py with exe_parallel.sh's
// settings).
class Ofdb final : public FractalDbBase {
 public:
  std::string name() const override { return "ofdb"; }

  std::vector<std::string> PresetNames() const override { return {"ofdb-1k", "ofdb-21k"}; }

  bool Preset(const std::string& name, Recipe* out) const override {
    int categories = 0;
    if (name == "ofdb-1k") categories = 1000;
    if (name == "ofdb-21k") categories = 21000;
    if (categories == 0) return false;
    *out = Defaults();
    out->name = name;
    out->categories = categories;
    return true;
  }

  // The published numpy search (seed 1: FractalDB-1k's categories, and the
  // same stream continued past them) at the search defaults, rendered at
  // 362^2 with 200k points, patch_gray, k = 0.4; one draw, one flip.
  Recipe Defaults() const override {
    Recipe r;
    r.family = "ofdb";
    r.name = "ofdb";
    r.search.mode = fractal::SearchMode::kNumpy;
    r.search.seed = 1;
    r.draws = 1;
    r.flips = 1;
    return r;
  }

  int Rows(const Recipe&) const override { return 1; }

  std::unique_ptr<SampleRenderer> NewRenderer(const Recipe& recipe,
                                              const CategoryParams& params) const override {
    return std::make_unique<FractalDbRenderer>(recipe, params, true);
  }
};

}  // namespace

const Family& FractalDbFamily() {
  static const FractalDb family;
  return family;
}

const Family& OfdbFamily() {
  static const Ofdb family;
  return family;
}

}  // namespace synthub::recipe
