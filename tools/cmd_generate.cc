// synthub generate: a dataset of any family straight into WebDataset shards.
#include <cstdio>

#include "args.h"
#include "commands.h"
#include "generate/generator.h"
#include "family_flags.h"
#include "recipe/family.h"
#include "recipe/recipe.h"
#include "synthub/error.h"

namespace synthub::cli {
namespace {

std::string PresetList() {
  std::string out;
  for (const std::string& n : recipe::PresetNames()) out += (out.empty() ? "" : " | ") + n;
  return out;
}

std::string FamilyList() {
  std::string out;
  for (const recipe::Family* f : recipe::Families()) {
    if (f->name() != "fractaldb") out += (out.empty() ? "" : " | ") + f->name();
  }
  return out;
}

// The common flags, then every family's (family_flags.cc).
const CommandSpec& Spec() {
  static const CommandSpec spec = [] {
    CommandSpec s = {
        "generate",
        "synthub generate --out DIR [--preset NAME | --family NAME] [--params DIR] [flags]",
        "Renders a formula-driven dataset straight into WebDataset shards (<key>.png +\n"
        "<key>.cls), with manifest.json (recipe, per-shard sample count, bytes, SHA-256)\n"
        "written last and the category parameters as readable files (params.ustar).\n"
        "Without --params the family's category search or sampling runs first. Settings\n"
        "start from --preset or from --family's paper defaults (FractalDB without either);\n"
        "each flag given overrides them. Rerunning the same command resumes: finished\n"
        "shards are verified and kept, missing ones are rendered.\n"
        "Under mpirun the shards are split across ranks; rank 0 writes the manifest.",
        {
            {"out", "", "output dataset folder (required)"},
            {"preset", "", "a named recipe: " + PresetList()},
            {"family", "fractaldb", "fractaldb | " + FamilyList() + " (its paper defaults)"},
            {"params", "", "folder of category parameter files (skips the search)"},
            {"name", "", "dataset name, the shard prefix (default: the preset's or family's)"},
            {"categories", "1000", "number of categories (with --params: files present)"},
            {"images", "", "images per category (families other than fractaldb)"},
            {"instances-per-category", "0", "first M of rows x draws x flips (0 = all)"},
            {"size", "362", "image size in pixels (square; default: the family's)"},
            {"format", "png", "png | jpg | webp"},
            {"png-level", "rle", "PNG deflate: rle (zlib Z_RLE, fast and small here) or 0..9"},
            {"quality", "90", "JPEG/WebP quality (WebP 100 = lossless)"},
            {"shard-size", "10000", "samples per shard (a multiple of --flips)"},
            {"seed", "0", "dataset seed: what keyed draws, patch masks and sample order use"},
            {"threads", "0", "rendering threads (0 = all cores)"},
            {"shards", "0/1", "this process renders shards s % N == i (cluster array jobs)"},
            {"shard-range", "", "this process renders shards A..B (inclusive)"},
            {"dali-index", "false", "write NVIDIA DALI .idx files next to the shards", true},
            {"wids", "false", "write a wids.json index", true},
            {"quiet", "false", "no progress output", true},
        }};
    for (FlagSpec& f : FamilyFlags()) s.flags.push_back(std::move(f));
    return s;
  }();
  return spec;
}

}  // namespace

int RunGenerate(int argc, char** argv, World& world) {
  Args args(Spec(), argc, argv);
  if (!args.positional().empty()) throw UsageError("unexpected argument '" + args.positional()[0] + "'");
  generate::GenerateOptions o;
  o.out = args.Str("out");
  if (o.out.empty()) throw UsageError("--out is required");
  recipe::Recipe& r = o.recipe;
  if (args.Given("preset")) {
    r = recipe::PresetRecipe(args.Str("preset"));
    if (args.Given("family") && args.Str("family") != r.family) {
      throw UsageError("--family " + args.Str("family") + " contradicts --preset " +
                       args.Str("preset") + " (a " + r.family + " preset)");
    }
  } else if (args.Given("family")) {
    const recipe::Family& family = recipe::FamilyNamed(args.Str("family"));
    r = family.Defaults();
    r.family = family.name();
  }
  o.params_dir = args.Str("params");
  if (args.Given("name")) r.name = args.Str("name");
  if (args.Given("categories")) r.categories = args.Int("categories");
  else if (!o.params_dir.empty()) r.categories = 0;  // count the files
  if (args.Given("images")) {
    if (r.family == "fractaldb") {
      throw UsageError("--images applies to the other families; FractalDB's samples per "
                       "category are --draws x --flips x 25 rows (--instances-per-category)");
    }
    if (r.family == "mv-fractaldb" || r.family == "3d-ofdb") {
      throw UsageError("--images applies to exfractaldb among the 3D families; " + r.family +
                       "'s images per category are its instances x --views");
    }
    r.draws = args.Int("images");
    if (r.draws < 1) throw UsageError("--images must be >= 1");
  }
  if (args.Given("instances-per-category")) r.instances_per_category = args.Int("instances-per-category");
  ApplyFamilyFlags(args, &r);
  if (args.Given("format")) r.encode.format = codec::ParseImageFormat(args.Str("format"));
  if (args.Given("png-level")) {
    r.encode.png_level = args.Str("png-level") == "rle" ? codec::kPngRle : args.Int("png-level");
  }
  if (args.Given("quality")) r.encode.quality = args.Int("quality");
  if (args.Given("shard-size")) r.shard_size = args.Int("shard-size");
  if (args.Given("seed")) r.seed = args.U64("seed");
  if (r.categories > 0) recipe::ValidateRecipe(r);
  o.threads = args.Int("threads");
  if (o.threads < 0) throw UsageError("--threads must be >= 0");
  ParsePart("shards", args.Str("shards"), &o.part_index, &o.part_count);
  if (args.Given("shard-range")) {
    int lo = 0, hi = 0;
    ParseIntRange("shard-range", args.Str("shard-range"), &lo, &hi);
    if (lo < 0 || hi < lo) throw UsageError("--shard-range: need 0 <= A <= B");
    o.range_begin = lo;
    o.range_end = static_cast<uint64_t>(hi) + 1;
  }
  o.dali_index = args.Switch("dali-index");
  o.wids = args.Switch("wids");
  o.progress = !args.Switch("quiet");
  const generate::GenerateStats s = generate::Generate(o, world);
  if (world.rank() == 0) {
    std::printf("%s: %llu shards in all; this run wrote %llu (%llu images), kept %llu verified, "
                "%.2f s, %.1f images/s%s\n",
                o.out.c_str(), static_cast<unsigned long long>(s.shards_total),
                static_cast<unsigned long long>(s.shards_written),
                static_cast<unsigned long long>(s.images_written),
                static_cast<unsigned long long>(s.shards_kept), s.seconds,
                s.seconds > 0 ? s.images_written / s.seconds : 0.0,
                s.manifest_written ? "; manifest.json written" : "");
  }
  return 0;
}

}  // namespace synthub::cli
