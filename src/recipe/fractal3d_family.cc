#include "recipe/fractal3d_family.h"

#include <algorithm>
#include <cinttypes>
#include <cmath>
#include <cstdio>
#include <memory>
#include <set>
#include <string>
#include <utility>

#include <nlohmann/json.hpp>

#include "codec/image.h"
#include "codec/npy.h"
#include "fractal/random.h"
#include "recipe/params.h"
#include "shard/tar_reader.h"
#include "shard/tar_writer.h"
#include "synthub/error.h"
#include "util/file.h"
#include "util/json_get.h"
#include "util/progress.h"

namespace synthub::recipe {
namespace {

constexpr double kPi = 3.141592653589793;
constexpr int kCachedClouds = 4;

enum class Kind {
  kMultiView,    // mv-fractaldb: rows = the weight table, draws = fixed views
  kRandomView,   // exfractaldb: draws = images; image d: instance row d * rows / images
  kOneInstance,  // 3d-ofdb: table row 0 only, draws = fixed views
};

struct Preset3d {
  const char* name;
  int categories;
};

std::string Number(double v) {
  char buf[32];
  std::snprintf(buf, sizeof(buf), "%g", v);
  return buf;
}

// The first uniform of numpy's RandomState([seed_lo, seed_hi, c, r, d + 1]):
// what picks the view of sample (c, r, d).
double ViewUniform(uint64_t seed, const SampleId& id) {
  const uint32_t key[5] = {static_cast<uint32_t>(seed), static_cast<uint32_t>(seed >> 32),
                           id.category, id.row, id.draw + 1};
  fractal::Mt19937 mt(key, 5);
  return fractal::NumpyRandom(mt);
}

class Fractal3dFamily;

// Renders samples from a few cached instance clouds (the views of one
// instance are rendered one after another: generate groups them).
class Fractal3dRenderer final : public SampleRenderer {
 public:
  Fractal3dRenderer(const Fractal3dFamily& family, const Recipe& recipe,
                    const CategoryParams& params);
  void Render(const SampleId& id, codec::Image* out) override;
  const std::vector<float>* LastCloud() const override { return last_cloud_; }
  bool HasImage() const override {
    return recipe_.fractal3d.clouds != CloudMembers::kOnly;
  }

 private:
  const std::vector<float>& Cloud(uint32_t category, int row);

  const Fractal3dFamily& family_;
  const Recipe& recipe_;
  const CategoryParams& params_;
  fractal3d::RasterOptions raster_;
  struct Entry {
    int64_t category = -1;
    int row = -1;
    uint64_t used = 0;
    std::vector<float> cloud;
  };
  Entry cache_[kCachedClouds];
  uint64_t clock_ = 0;
  const std::vector<float>* last_cloud_ = nullptr;
};

class Fractal3dFamily final : public Family {
 public:
  Fractal3dFamily(std::string name, Kind kind, std::vector<Preset3d> presets)
      : name_(std::move(name)), kind_(kind), presets_(std::move(presets)) {}

  std::string name() const override { return name_; }

  std::vector<std::string> PresetNames() const override {
    std::vector<std::string> names;
    for (const Preset3d& p : presets_) names.push_back(p.name);
    return names;
  }

  bool Preset(const std::string& name, Recipe* out) const override {
    for (const Preset3d& p : presets_) {
      if (name == p.name) {
        *out = Defaults();
        out->name = p.name;
        out->categories = p.categories;
        return true;
      }
    }
    return false;
  }

  // The published scripts' settings: 1,000 categories, variance 0.05,
  // 10,000 points, the 145-row table, 224^2 white points of size 1, 12
  // views with a +-pi degree jitter; ExFractalDB 1,000 images per category.
  Recipe Defaults() const override {
    Recipe r;
    r.family = name_;
    r.name = name_;
    r.categories = 1000;
    r.draws = 1000;  // exfractaldb's images per category
    r.flips = 1;
    r.shard_size = 10000;
    // Sparse points (about 4 % of the pixels lit): Z_RLE gives 870 bytes per
    // 224^2 view against 1,490 for zlib level 1, and encodes no slower.
    r.encode.png_level = codec::kPngRle;
    return r;
  }

  int Rows(const Recipe& r) const override {
    if (kind_ == Kind::kOneInstance) return 1;
    if (kind_ == Kind::kRandomView && r.fractal3d.clouds != CloudMembers::kOnly) return 1;
    return r.fractal3d.table_rows;
  }

  int Draws(const Recipe& r) const override {
    if (r.fractal3d.clouds == CloudMembers::kOnly) return 1;
    return kind_ == Kind::kRandomView ? r.draws : r.fractal3d.views;
  }

  void Validate(const Recipe& r) const override {
    const Fractal3dOptions& o = r.fractal3d;
    fractal3d::ValidateSearch3Options(Search3OptionsOf(r));
    if (!fractal3d::ValidTableRows(o.table_rows)) {
      throw UsageError("--weight-rows must be 1 + 24k (1, 25, 49, 73, 97, 121 or 145), got " +
                       std::to_string(o.table_rows));
    }
    if (kind_ != Kind::kRandomView && (o.views < 1 || o.views > 3600)) {
      throw UsageError("--views must be in [1, 3600] (views per instance), got " +
                       std::to_string(o.views));
    }
    if (kind_ == Kind::kRandomView && (r.draws < 1 || r.draws > 1000000)) {
      throw UsageError("--images must be in [1, 1000000], got " + std::to_string(r.draws));
    }
    if (!(o.jitter_deg >= 0.0 && o.jitter_deg <= 180.0)) {
      throw UsageError("--view-jitter must be in [0, 180] degrees, got " + Number(o.jitter_deg));
    }
    if (o.size < 16 || o.size > 4096) {
      throw UsageError("--size must be in [16, 4096], got " + std::to_string(o.size));
    }
    if (o.point_size < 1 || o.point_size > 64) {
      throw UsageError("--point-size must be in [1, 64], got " + std::to_string(o.point_size));
    }
    if (o.subpixel_bits < 0 || o.subpixel_bits > 16) {
      throw UsageError("--subpixel-bits must be in [0, 16], got " +
                       std::to_string(o.subpixel_bits));
    }
    if (r.flips != 1) throw UsageError("the 3D families have no flip variants (flips must be 1)");
  }

  void WriteJson(const Recipe& r, nlohmann::json* out) const override {
    const Fractal3dOptions& o = r.fractal3d;
    nlohmann::json j = {
        {"search_mode", fractal::SearchModeName(o.search_mode)},
        {"search_seed", o.search_seed},
        {"variance", o.variance},
        {"points", o.points},
        {"max_trials", o.max_trials},
        {"weight_rows", o.table_rows},
        {"jitter_deg", o.jitter_deg},
        {"size", o.size},
        {"point_size", o.point_size},
        {"subpixel_bits", o.subpixel_bits},
        {"point_rule", fractal3d::PointRuleName(o.point_rule)},
        {"point_color", ColorHex(o.point_color)},
        {"background", ColorHex(o.background)},
        {"clouds", CloudsName(o.clouds)},
        {"camera", {{"fov_deg", 45}, {"near", 1}, {"far", 100}, {"distance", 4}}},
        {"rng", "mt19937-numpy-keyed"},
    };
    if (kind_ == Kind::kRandomView) {
      (*out)["images"] = r.draws;
    } else {
      j["views"] = o.views;
    }
    (*out)["fractal3d"] = std::move(j);
  }

  void ReadJson(const nlohmann::json& in, const std::string& where, Recipe* r) const override {
    using nlohmann::json;
    const json j = JsonGet<json>(in, "fractal3d", where);
    Fractal3dOptions& o = r->fractal3d;
    o.search_mode = fractal::ParseSearchMode(JsonGet<std::string>(j, "search_mode", where));
    o.search_seed = JsonGet<uint64_t>(j, "search_seed", where);
    o.variance = JsonGet<double>(j, "variance", where);
    o.points = JsonGet<int>(j, "points", where);
    o.max_trials = JsonGet<uint64_t>(j, "max_trials", where);
    o.table_rows = JsonGet<int>(j, "weight_rows", where);
    o.jitter_deg = JsonGet<double>(j, "jitter_deg", where);
    o.size = JsonGet<int>(j, "size", where);
    o.point_size = JsonGet<int>(j, "point_size", where);
    o.subpixel_bits = JsonGet<int>(j, "subpixel_bits", where);
    o.point_rule = fractal3d::ParsePointRule(JsonGet<std::string>(j, "point_rule", where));
    ParseColor("point_color", JsonGet<std::string>(j, "point_color", where), o.point_color);
    ParseColor("background", JsonGet<std::string>(j, "background", where), o.background);
    o.clouds = ParseClouds(JsonGet<std::string>(j, "clouds", where));
    if (kind_ == Kind::kRandomView) {
      r->draws = JsonGet<int>(in, "images", where);
    } else {
      o.views = JsonGet<int>(j, "views", where);
    }
  }

  CategoryParams MakeParams(const Recipe& r, int threads, bool progress) const override {
    CategoryParams params;
    params.ifs3.resize(r.categories);
    Progress bar("3D search", r.categories, "categories", progress);
    const fractal3d::Search3Options o = Search3OptionsOf(r);
    fractal3d::Search3(
        o, r.categories, threads,
        [&](int c, const fractal3d::Ifs3& ifs, uint64_t) {
          params.ifs3[c] = ifs;
          bar.Add(1);
        },
        [&](int c, uint64_t trials) {
          if (progress && trials % 5000 == 0) {
            std::fprintf(stderr, "\n3D search: category %d: %" PRIu64
                         " trials, none above --variance %s yet (gives up after %" PRIu64 ")\n",
                         c, trials, Number(o.variance).c_str(), o.max_trials_per_category);
          }
        });
    return params;
  }

  CategoryParams ReadParamsFolder(const std::string& dir, int categories) const override {
    CategoryParams params;
    ForEachNumberedCsvInFolder(dir, categories,
                               [&](const std::string& text, const std::string& where) {
                                 params.ifs3.push_back(fractal3d::Ifs3FromCsv(text, where));
                               });
    return params;
  }

  std::string WriteParamsArchive(const std::string& path,
                                 const CategoryParams& params) const override {
    shard::TarWriter tar(path);
    for (size_t c = 0; c < params.ifs3.size(); ++c) {
      tar.AddFile(ParamsFileName(static_cast<int>(c)), fractal3d::Ifs3ToCsv(params.ifs3[c]));
    }
    tar.Finish();
    return tar.sha256();
  }

  CategoryParams ReadParamsArchive(const std::string& path) const override {
    shard::TarReader reader(path);
    CategoryParams params;
    ForEachNumberedCsv(reader, path, [&](const std::string& text, const std::string& where) {
      params.ifs3.push_back(fractal3d::Ifs3FromCsv(text, where));
    });
    if (params.ifs3.empty()) throw Error(path + ": no categories");
    return params;
  }

  std::unique_ptr<SampleRenderer> NewRenderer(const Recipe& r,
                                              const CategoryParams& params) const override {
    return std::make_unique<Fractal3dRenderer>(*this, r, params);
  }

  // The weight-table row of sample `id`'s instance.
  int InstanceRow(const Recipe& r, const SampleId& id) const {
    if (kind_ == Kind::kOneInstance) return 0;
    if (kind_ == Kind::kRandomView && r.fractal3d.clouds != CloudMembers::kOnly) {
      return static_cast<int>(static_cast<uint64_t>(id.draw) * r.fractal3d.table_rows /
                              static_cast<uint64_t>(r.draws));
    }
    return static_cast<int>(id.row);
  }

  // Whether sample `id` carries its instance's cloud as <key>.npy: every
  // sample with --clouds only; with --clouds with-images the first sample
  // of each instance.
  bool CarriesCloud(const Recipe& r, const SampleId& id) const {
    switch (r.fractal3d.clouds) {
      case CloudMembers::kNone: return false;
      case CloudMembers::kOnly: return true;
      case CloudMembers::kWithImages:
        if (kind_ != Kind::kRandomView) return id.draw == 0;
        return id.draw == 0 ||
               InstanceRow(r, id) != InstanceRow(r, {id.category, id.row, id.draw - 1, 0});
    }
    return false;
  }

  // The y rotations of sample `id`'s view.
  std::vector<float> ViewRotations(const Recipe& r, const SampleId& id) const {
    const double jitter = r.fractal3d.jitter_deg;
    if (kind_ == Kind::kRandomView) {
      return {fractal3d::Radians(static_cast<float>(360.0 * ViewUniform(r.seed, id)))};
    }
    // random.uniform(-J, J) = -J + (J - -J) * u, as render.py draws it.
    const double offset = jitter > 0.0 ? -jitter + (jitter - -jitter) * ViewUniform(r.seed, id)
                                       : 0.0;
    return FixedViewRotations(static_cast<int>(id.draw), r.fractal3d.views, offset);
  }


 private:
  std::string name_;
  Kind kind_;
  std::vector<Preset3d> presets_;
};

Fractal3dRenderer::Fractal3dRenderer(const Fractal3dFamily& family, const Recipe& recipe,
                                     const CategoryParams& params)
    : family_(family), recipe_(recipe), params_(params) {
  const Fractal3dOptions& o = recipe.fractal3d;
  raster_.size = o.size;
  raster_.point_size = o.point_size;
  raster_.subpixel_bits = o.subpixel_bits;
  raster_.rule = o.point_rule;
  std::copy(o.point_color, o.point_color + 3, raster_.color);
  std::copy(o.background, o.background + 3, raster_.background);
  raster_.channels = fractal3d::ColorChannels(o.point_color, o.background);
}

const std::vector<float>& Fractal3dRenderer::Cloud(uint32_t category, int row) {
  Entry* oldest = &cache_[0];
  for (Entry& e : cache_) {
    if (e.category == category && e.row == row) {
      e.used = ++clock_;
      return e.cloud;
    }
    if (e.used < oldest->used) oldest = &e;
  }
  const Fractal3dOptions& o = recipe_.fractal3d;
  oldest->cloud = fractal3d::InstanceCloud(params_.ifs3[category], o.table_rows, row, o.points,
                                           recipe_.seed, category);
  // A weight row can make the system diverge (about 0.4 % of instances: a
  // parameter x 1.4 .. 1.6). The published instance.py then writes no PLY
  // and the instance is missing; here it shows the category's own system
  // (the identity row), so no sample is blank.
  if (!std::all_of(oldest->cloud.begin(), oldest->cloud.end(),
                   [](float v) { return std::isfinite(v); })) {
    oldest->cloud = fractal3d::InstanceCloud(params_.ifs3[category], o.table_rows,
                                             fractal3d::IdentityRow(o.table_rows), o.points,
                                             recipe_.seed, category);
  }
  oldest->category = category;
  oldest->row = row;
  oldest->used = ++clock_;
  return oldest->cloud;
}

void Fractal3dRenderer::Render(const SampleId& id, codec::Image* out) {
  if (id.category >= params_.ifs3.size()) {
    throw Error(recipe_.family + ": category " + std::to_string(id.category) + " of " +
                std::to_string(params_.ifs3.size()));
  }
  if (id.flip != 0 || id.row >= static_cast<uint32_t>(family_.Rows(recipe_)) ||
      id.draw >= static_cast<uint32_t>(family_.Draws(recipe_))) {
    throw Error(recipe_.family + ": no sample " + DatasetPlan::SampleKey(id) + " in this recipe");
  }
  const std::vector<float>& cloud = Cloud(id.category, family_.InstanceRow(recipe_, id));
  last_cloud_ = family_.CarriesCloud(recipe_, id) ? &cloud : nullptr;
  if (!HasImage()) {
    out->width = out->height = 0;
    out->channels = raster_.channels;
    out->pixels.clear();
    return;
  }
  const fractal3d::ViewTransform view = fractal3d::PublishedView(
      fractal3d::Camera{}, family_.ViewRotations(recipe_, id), raster_.size, raster_.size);
  fractal3d::ProjectPoints(cloud.data(), cloud.size() / 3, view, raster_, out);
}

}  // namespace

std::string CloudsName(CloudMembers c) {
  switch (c) {
    case CloudMembers::kNone: return "none";
    case CloudMembers::kWithImages: return "with-images";
    case CloudMembers::kOnly: return "only";
  }
  return "none";
}

CloudMembers ParseClouds(const std::string& s) {
  if (s == "none") return CloudMembers::kNone;
  if (s == "with-images") return CloudMembers::kWithImages;
  if (s == "only") return CloudMembers::kOnly;
  throw UsageError("--clouds: expected none, with-images or only, got '" + s + "'");
}

fractal3d::Search3Options Search3OptionsOf(const Recipe& r) {
  fractal3d::Search3Options o;
  o.mode = r.fractal3d.search_mode;
  o.seed = r.fractal3d.search_seed;
  o.variance = r.fractal3d.variance;
  o.points = r.fractal3d.points;
  o.max_trials_per_category = r.fractal3d.max_trials;
  return o;
}

void ParseColor(const std::string& flag, const std::string& hex, uint8_t out[3]) {
  std::string h = hex;
  if (!h.empty() && h[0] == '#') h = h.substr(1);
  if (h.size() != 6 || h.find_first_not_of("0123456789abcdefABCDEF") != std::string::npos) {
    throw UsageError("--" + flag + ": expected a colour RRGGBB (hex, e.g. ffffff), got '" + hex +
                     "'");
  }
  for (int k = 0; k < 3; ++k) out[k] = static_cast<uint8_t>(std::stoi(h.substr(2 * k, 2), nullptr, 16));
}

std::string ColorHex(const uint8_t rgb[3]) {
  char buf[8];
  std::snprintf(buf, sizeof(buf), "%02x%02x%02x", rgb[0], rgb[1], rgb[2]);
  return buf;
}

std::vector<float> FixedViewRotations(int view, int views, double jitter_deg) {
  // theta = fCount / view_point * pi * 2.0 (a Python double, float32 in glm).
  const double theta = static_cast<double>(view) / views * kPi * 2.0;
  return {static_cast<float>(theta), fractal3d::Radians(30.0f),
          fractal3d::Radians(static_cast<float>(jitter_deg))};
}

const Family& MvFractalDbFamily() {
  static const Fractal3dFamily family("mv-fractaldb", Kind::kMultiView,
                                      {{"mv-fractaldb-1k", 1000}});
  return family;
}

const Family& ExFractalDbFamily() {
  static const Fractal3dFamily family("exfractaldb", Kind::kRandomView,
                                      {{"exfractaldb-1k", 1000}, {"exfractaldb-21k", 21000}});
  return family;
}

const Family& Ofdb3dFamily() {
  static const Fractal3dFamily family("3d-ofdb", Kind::kOneInstance,
                                      {{"3d-ofdb-1k", 1000}, {"3d-ofdb-21k", 21000}});
  return family;
}

}  // namespace synthub::recipe
