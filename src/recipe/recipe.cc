#include "recipe/recipe.h"

#include <nlohmann/json.hpp>

#include "recipe/family.h"
#include "synthub/error.h"
#include "util/json_get.h"

namespace synthub::recipe {
namespace {

using nlohmann::json;

}  // namespace

int Recipe::Rows() const { return FamilyOf(*this).Rows(*this); }

int Recipe::EffectiveDraws() const { return FamilyOf(*this).Draws(*this); }

int Recipe::Instances() const {
  const int all = Rows() * EffectiveDraws() * flips;
  return instances_per_category > 0 ? instances_per_category : all;
}

void ValidateRecipe(const Recipe& r) {
  const Family& family = FamilyOf(r);  // throws UsageError for an unknown family
  if (r.name.empty() || r.name.size() > 40 ||
      r.name.find_first_not_of("abcdefghijklmnopqrstuvwxyz"
                               "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-") !=
          std::string::npos) {
    throw UsageError("--name must be 1..40 characters of [A-Za-z0-9_-]");
  }
  if (r.categories < 1) throw UsageError("--categories must be >= 1");
  family.Validate(r);
  if (r.flips < 1 || r.flips > 4) throw UsageError("--flips must be in [1, 4]");
  const int all = r.Rows() * r.EffectiveDraws() * r.flips;
  if (r.instances_per_category < 0 || r.instances_per_category > all ||
      r.Instances() % r.flips != 0) {
    throw UsageError("--instances-per-category must be a multiple of --flips (" +
                     std::to_string(r.flips) + ") and at most " + std::to_string(all) +
                     " (" + std::to_string(r.Rows()) + " rows x " +
                     std::to_string(r.EffectiveDraws()) + " draws x flips)");
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

// The common keys here; each family writes and reads its own group
// (Family::WriteJson / ReadJson).
std::string RecipeToJson(const Recipe& r) {
  json j;
  if (r.family != "fractaldb") j["family"] = r.family;
  j["name"] = r.name;
  j["seed"] = r.seed;
  j["categories"] = r.categories;
  j["params_sha256"] = r.params_sha256;
  j["instances_per_category"] = r.Instances();
  j["encode"] = {
      {"format", codec::FormatExtension(r.encode.format)},
      {"png_deflate", r.encode.png_level == codec::kPngRle
                          ? std::string("rle")
                          : "level-" + std::to_string(r.encode.png_level)},
      {"quality", r.encode.quality},
  };
  j["shard_size"] = r.shard_size;
  FamilyOf(r).WriteJson(r, &j);
  return j.dump();
}

Recipe ParseRecipe(const std::string& text, const std::string& where) {
  try {
    const json j = json::parse(text);
    std::string family = "fractaldb";
    if (j.contains("family")) family = JsonGet<std::string>(j, "family", where);
    Recipe r = FamilyNamed(family).Defaults();  // throws UsageError for an unknown family
    r.family = family;
    r.name = JsonGet<std::string>(j, "name", where);
    r.seed = JsonGet<uint64_t>(j, "seed", where);
    r.categories = JsonGet<int>(j, "categories", where);
    r.params_sha256 = JsonGet<std::string>(j, "params_sha256", where);
    FamilyOf(r).ReadJson(j, where, &r);
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
