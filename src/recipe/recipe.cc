#include "recipe/recipe.h"

#include <nlohmann/json.hpp>

#include "recipe/family.h"
#include "synthub/error.h"
#include "util/json_get.h"

namespace synthub::recipe {
namespace {

using nlohmann::json;

}  // namespace

int Recipe::Instances() const {
  const int all = fractal::kWeightRows * EffectiveDraws() * flips;
  return instances_per_category > 0 ? instances_per_category : all;
}

void ValidateRecipe(const Recipe& r) {
  if (r.name.empty() || r.name.size() > 40 ||
      r.name.find_first_not_of("abcdefghijklmnopqrstuvwxyz"
                               "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-") !=
          std::string::npos) {
    throw UsageError("--name must be 1..40 characters of [A-Za-z0-9_-]");
  }
  if (r.categories < 1) throw UsageError("--categories must be >= 1");
  fractal::ValidateSearchOptions(r.search);
  fractal::ValidateRenderOptions(r.render);
  if (r.draws < 1 || r.draws > 999) throw UsageError("--draws must be in [1, 999]");
  if (r.flips < 1 || r.flips > 4) throw UsageError("--flips must be in [1, 4]");
  const int all = fractal::kWeightRows * r.EffectiveDraws() * r.flips;
  if (r.instances_per_category < 0 || r.instances_per_category > all ||
      r.Instances() % r.flips != 0) {
    throw UsageError("--instances-per-category must be a multiple of --flips (" +
                     std::to_string(r.flips) + ") and at most " + std::to_string(all) +
                     " (25 weight rows x draws x flips)");
  }
  if (r.shard_size < 1 || r.shard_size % r.flips != 0) {
    throw UsageError("--shard-size must be a positive multiple of --flips (" +
                     std::to_string(r.flips) + ")");
  }
  if (r.encode.png_level < codec::kPngRle || r.encode.png_level > 9) {
    throw UsageError("--png-level must be rle or 0..9");
  }
  if (r.encode.quality < 1 || r.encode.quality > 100) {
    throw UsageError("--quality must be in [1, 100]");
  }
}

std::string RecipeToJson(const Recipe& r) {
  json j;
  if (r.family != "fractaldb") j["family"] = r.family;
  j["name"] = r.name;
  j["seed"] = r.seed;
  j["categories"] = r.categories;
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
  j["params_sha256"] = r.params_sha256;
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
  j["instances_per_category"] = r.Instances();
  j["encode"] = {
      {"format", codec::FormatExtension(r.encode.format)},
      {"png_deflate", r.encode.png_level == codec::kPngRle
                          ? std::string("rle")
                          : "level-" + std::to_string(r.encode.png_level)},
      {"quality", r.encode.quality},
  };
  j["shard_size"] = r.shard_size;
  return j.dump();
}

Recipe ParseRecipe(const std::string& text, const std::string& where) {
  try {
    const json j = json::parse(text);
    Recipe r;
    if (j.contains("family")) r.family = JsonGet<std::string>(j, "family", where);
    FamilyNamed(r.family);  // throws UsageError for an unknown family
    r.name = JsonGet<std::string>(j, "name", where);
    r.seed = JsonGet<uint64_t>(j, "seed", where);
    r.categories = JsonGet<int>(j, "categories", where);
    const json s = JsonGet<json>(j, "search", where);
    r.search.mode = fractal::ParseSearchMode(JsonGet<std::string>(s, "mode", where));
    r.search.seed = JsonGet<uint64_t>(s, "seed", where);
    r.search.threshold = JsonGet<double>(s, "threshold", where);
    r.search.points = JsonGet<int>(s, "points", where);
    r.search.size = JsonGet<int>(s, "size", where);
    r.search.pad = JsonGet<int>(s, "pad", where);
    r.search.min_maps = JsonGet<int>(s, "min_maps", where);
    r.search.max_maps = JsonGet<int>(s, "max_maps", where);
    r.search.param_range = JsonGet<double>(s, "param_range", where);
    r.search.sampler = fractal::ParseMapSampler(JsonGet<std::string>(s, "sampler", where));
    r.params_sha256 = JsonGet<std::string>(j, "params_sha256", where);
    const json d = JsonGet<json>(j, "render", where);
    r.render.size = JsonGet<int>(d, "size", where);
    r.render.points = JsonGet<int>(d, "points", where);
    r.render.pad = JsonGet<int>(d, "pad", where);
    r.render.mode = fractal::ParseDrawMode(JsonGet<std::string>(d, "draw", where));
    r.render.weight_k = JsonGet<double>(d, "weight_k", where);
    r.draws = JsonGet<int>(j, "draws", where);
    r.flips = JsonGet<int>(j, "flips", where);
    r.instances_per_category = JsonGet<int>(j, "instances_per_category", where);
    const json e = JsonGet<json>(j, "encode", where);
    r.encode.format = codec::ParseImageFormat(JsonGet<std::string>(e, "format", where));
    const std::string deflate = JsonGet<std::string>(e, "png_deflate", where);
    if (deflate == "rle") {
      r.encode.png_level = codec::kPngRle;
    } else if (deflate.size() == 7 && deflate.rfind("level-", 0) == 0 &&
               deflate[6] >= '0' && deflate[6] <= '9') {
      r.encode.png_level = deflate[6] - '0';
    } else {
      throw Error(where + ": bad encode.png_deflate '" + deflate + "'");
    }
    r.encode.quality = JsonGet<int>(e, "quality", where);
    r.shard_size = JsonGet<int>(j, "shard_size", where);
    ValidateRecipe(r);
    return r;
  } catch (const json::exception& e) {
    throw Error(where + ": bad recipe: " + e.what());
  } catch (const UsageError& e) {
    throw Error(where + ": bad recipe: " + e.what());
  }
}

}  // namespace synthub::recipe
