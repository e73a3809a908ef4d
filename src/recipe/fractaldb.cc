#include "recipe/fractaldb.h"

#include <cstdint>

#include "fractal/render.h"
#include "recipe/params.h"
#include "synthub/error.h"

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

// One canvas per (category, row, draw), drawn from the row's point cloud,
// then flipped. Keeps the last cloud and the last canvas: the generator and
// the loader ask for the flips of a canvas, and the canvases of a cloud,
// one after the other.
class FractalDbRenderer final : public SampleRenderer {
 public:
  FractalDbRenderer(const Recipe& recipe, const CategoryParams& params)
      : recipe_(recipe), params_(params) {}

  void Render(const SampleId& id, codec::Image* out) override {
    const fractal::RenderOptions& ro = recipe_.render;
    if (id.category >= params_.ifs.size()) {
      throw Error("fractaldb: category " + std::to_string(id.category) + " of " +
                  std::to_string(params_.ifs.size()));
    }
    if (cloud_category_ != id.category || cloud_row_ != id.row) {
      cloud_ = fractal::ComputeCloud(params_.ifs[id.category], id.row, ro);
      cloud_category_ = id.category;
      cloud_row_ = id.row;
      canvas_draw_ = -1;
    }
    if (canvas_draw_ != id.draw) {
      canvas_ = fractal::DrawCloud(cloud_, ro, recipe_.seed, id.category, id.row, id.draw);
      canvas_draw_ = id.draw;
    }
    out->width = out->height = ro.size;
    out->channels = fractal::IsColor(ro.mode) ? 3 : 1;
    fractal::FlipImage(canvas_.data(), ro.size, ro.size, out->channels, id.flip, &out->pixels);
  }

 private:
  const Recipe& recipe_;
  const CategoryParams& params_;
  fractal::Raster cloud_;
  std::vector<uint8_t> canvas_;
  int64_t cloud_category_ = -1, cloud_row_ = -1, canvas_draw_ = -1;
};

class FractalDb final : public Family {
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

  CategoryParams MakeParams(const Recipe& recipe, int threads, bool progress) const override {
    return {SearchAll(recipe.search, recipe.categories, threads, progress)};
  }

  CategoryParams ReadParamsFolder(const std::string& dir, int categories) const override {
    return {LoadParamsFolder(dir, categories)};
  }

  std::string WriteParamsArchive(const std::string& path,
                                 const CategoryParams& params) const override {
    return WriteParamsTar(path, params.ifs);
  }

  CategoryParams ReadParamsArchive(const std::string& path) const override {
    return {ReadParamsTar(path)};
  }

  std::unique_ptr<SampleRenderer> NewRenderer(const Recipe& recipe,
                                              const CategoryParams& params) const override {
    return std::make_unique<FractalDbRenderer>(recipe, params);
  }
};

}  // namespace

const Family& FractalDbFamily() {
  static const FractalDb family;
  return family;
}

}  // namespace synthub::recipe
