// synthub generate: a FractalDB dataset straight into WebDataset shards.
#include <cstdio>

#include "args.h"
#include "commands.h"
#include "generate/generator.h"
#include "recipe/recipe.h"
#include "synthub/error.h"

namespace synthub::cli {
namespace {

const CommandSpec kSpec = {
    "generate",
    "synthub generate --out DIR [--preset NAME] [--params DIR] [flags]",
    "Renders FractalDB images straight into WebDataset shards (<key>.png + <key>.cls),\n"
    "with manifest.json (recipe, per-shard sample count, bytes, SHA-256) written last.\n"
    "Without --params the recipe's category search runs first. Settings start from\n"
    "--preset (fractaldb-1k, -10k, -21k, -50k, -100k, -300k, demo) or the paper's\n"
    "defaults; each flag given overrides them. Rerunning the same command resumes:\n"
    "finished shards are verified and kept, missing ones are rendered.\n"
    "Under mpirun the shards are split across ranks; rank 0 writes the manifest.",
    {
        {"out", "", "output dataset folder (required)"},
        {"preset", "", "fractaldb-1k | fractaldb-10k | ... | fractaldb-300k | demo"},
        {"params", "", "folder of NNNNN.csv category parameters (skips the search)"},
        {"name", "fractaldb", "dataset name, the shard prefix"},
        {"categories", "1000", "number of categories (with --params: files present)"},
        {"instances-per-category", "0", "first M of rows x draws x flips (0 = all)"},
        {"draw", "patch_gray", "patch_gray | patch_color | point_gray | point_color"},
        {"size", "362", "image size in pixels (square)"},
        {"points", "200000", "chaos-game points per image"},
        {"pad", "6", "padding in pixels"},
        {"weight-k", "0.4", "weight table step k (rows 1-2k, 1-k, 1+k, 1+2k)"},
        {"draws", "10", "patch mask draws per weight row (the reference's 'instance')"},
        {"flips", "4", "flip variants per canvas (1..4)"},
        {"format", "png", "png | jpg | webp"},
        {"png-level", "rle", "PNG deflate: rle (zlib Z_RLE, fast and small here) or 0..9"},
        {"quality", "90", "JPEG/WebP quality (WebP 100 = lossless)"},
        {"shard-size", "10000", "samples per shard (a multiple of --flips)"},
        {"seed", "0", "dataset seed: patch masks and sample order"},
        {"search-mode", "numpy", "category search: numpy (published) | keyed (scalable)"},
        {"search-seed", "1", "category search seed"},
        {"threshold", "0.2", "search: minimum covered fraction"},
        {"search-points", "100000", "search: points per trial"},
        {"search-size", "512", "search: raster size"},
        {"maps", "2..7", "search: range of the number of maps"},
        {"sampler", "uniform", "search: uniform | svd"},
        {"threads", "0", "rendering threads (0 = all cores)"},
        {"shards", "0/1", "this process renders shards s % N == i (cluster array jobs)"},
        {"shard-range", "", "this process renders shards A..B (inclusive)"},
        {"dali-index", "false", "write NVIDIA DALI .idx files next to the shards", true},
        {"wids", "false", "write a wids.json index", true},
        {"quiet", "false", "no progress output", true},
    }};

}  // namespace

int RunGenerate(int argc, char** argv, World& world) {
  Args args(kSpec, argc, argv);
  if (!args.positional().empty()) throw UsageError("unexpected argument '" + args.positional()[0] + "'");
  generate::GenerateOptions o;
  o.out = args.Str("out");
  if (o.out.empty()) throw UsageError("--out is required");
  recipe::Recipe& r = o.recipe;
  if (args.Given("preset")) r = recipe::PresetRecipe(args.Str("preset"));
  o.params_dir = args.Str("params");
  if (args.Given("name")) r.name = args.Str("name");
  if (args.Given("categories")) r.categories = args.Int("categories");
  else if (!o.params_dir.empty()) r.categories = 0;  // count the files
  if (args.Given("instances-per-category")) r.instances_per_category = args.Int("instances-per-category");
  if (args.Given("draw")) r.render.mode = fractal::ParseDrawMode(args.Str("draw"));
  if (args.Given("size")) r.render.size = args.Int("size");
  if (args.Given("points")) r.render.points = args.Int("points");
  if (args.Given("pad")) r.render.pad = args.Int("pad");
  if (args.Given("weight-k")) r.render.weight_k = args.Double("weight-k");
  if (args.Given("draws")) r.draws = args.Int("draws");
  if (args.Given("flips")) r.flips = args.Int("flips");
  if (args.Given("format")) r.encode.format = codec::ParseImageFormat(args.Str("format"));
  if (args.Given("png-level")) {
    r.encode.png_level = args.Str("png-level") == "rle" ? codec::kPngRle : args.Int("png-level");
  }
  if (args.Given("quality")) r.encode.quality = args.Int("quality");
  if (args.Given("shard-size")) r.shard_size = args.Int("shard-size");
  if (args.Given("seed")) r.seed = args.U64("seed");
  if (args.Given("search-mode")) r.search.mode = fractal::ParseSearchMode(args.Str("search-mode"));
  if (args.Given("search-seed")) r.search.seed = args.U64("search-seed");
  if (args.Given("threshold")) r.search.threshold = args.Double("threshold");
  if (args.Given("search-points")) r.search.points = args.Int("search-points");
  if (args.Given("search-size")) r.search.size = args.Int("search-size");
  if (args.Given("maps")) ParseIntRange("maps", args.Str("maps"), &r.search.min_maps, &r.search.max_maps);
  if (args.Given("sampler")) r.search.sampler = fractal::ParseMapSampler(args.Str("sampler"));
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
