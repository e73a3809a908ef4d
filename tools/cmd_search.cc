// synthub search: FractalDB category search into NNNNN.csv files.
#include <atomic>
#include <chrono>
#include <cstdio>
#include <nlohmann/json.hpp>
#include <vector>

#include "args.h"
#include "commands.h"
#include "fractal/search.h"
#include "recipe/params.h"
#include "synthub/error.h"
#include "util/file.h"
#include "util/parallel.h"
#include "util/progress.h"

namespace synthub::cli {
namespace {

const CommandSpec kSpec = {
    "search",
    "synthub search --out DIR [flags]",
    "Searches FractalDB categories: random IFS accepted when their points cover\n"
    "at least --threshold of the raster. --mode numpy (default) is the published\n"
    "sequential stream: with the defaults it reproduces the published FractalDB-1k\n"
    "CSVs bit for bit. --mode keyed gives category i its own stream (seed, i), so\n"
    "--shards i/N or mpirun -np N split the work with identical results: use it\n"
    "for large sets. Existing valid CSVs are kept in keyed mode (resume).",
    {
        {"out", "", "output folder for NNNNN.csv files (required)"},
        {"categories", "1000", "number of categories"},
        {"seed", "1", "search seed"},
        {"mode", "numpy", "numpy | keyed"},
        {"threshold", "0.2", "minimum fraction of covered pixels"},
        {"points", "100000", "chaos-game points per trial"},
        {"search-size", "512", "raster size of the coverage check"},
        {"pad", "6", "raster padding in pixels"},
        {"maps", "2..7", "range of the number of maps N"},
        {"param-range", "1.0", "a..f drawn from uniform(-r, r)"},
        {"sampler", "uniform", "uniform (published) | svd (contractive, Anderson & Farrell)"},
        {"max-trials", "1000000", "give up (exit 1) when a category finds nothing in this many trials"},
        {"shards", "0/1", "keyed mode: this process searches categories c % N == i"},
        {"threads", "0", "threads (0 = all cores)"},
        {"quiet", "false", "no progress output", true},
    }};

}  // namespace

void ParsePart(const std::string& flag, const std::string& value, int* index, int* count) {
  const size_t slash = value.find('/');
  try {
    if (slash == std::string::npos) throw std::invalid_argument("no slash");
    size_t used = 0;
    *index = std::stoi(value.substr(0, slash), &used);
    if (used != slash) throw std::invalid_argument("index");
    const std::string rest = value.substr(slash + 1);
    *count = std::stoi(rest, &used);
    if (used != rest.size()) throw std::invalid_argument("count");
  } catch (const std::exception&) {
    throw UsageError("--" + flag + ": expected i/N, got '" + value + "'");
  }
  if (*count < 1 || *index < 0 || *index >= *count) {
    throw UsageError("--" + flag + ": need 0 <= i < N, got '" + value + "'");
  }
}

void ParseIntRange(const std::string& flag, const std::string& value, int* lo, int* hi) {
  const size_t dots = value.find("..");
  try {
    if (dots == std::string::npos) {
      size_t used = 0;
      *lo = *hi = std::stoi(value, &used);
      if (used != value.size()) throw std::invalid_argument("x");
      return;
    }
    size_t used = 0;
    *lo = std::stoi(value.substr(0, dots), &used);
    if (used != dots) throw std::invalid_argument("lo");
    const std::string rest = value.substr(dots + 2);
    *hi = std::stoi(rest, &used);
    if (used != rest.size()) throw std::invalid_argument("hi");
  } catch (const std::exception&) {
    throw UsageError("--" + flag + ": expected A..B or A, got '" + value + "'");
  }
}

int RunSearch(int argc, char** argv, World& world) {
  Args args(kSpec, argc, argv);
  if (!args.positional().empty()) throw UsageError("unexpected argument '" + args.positional()[0] + "'");
  const std::string out = args.Str("out");
  if (out.empty()) throw UsageError("--out is required");
  fractal::SearchOptions o;
  o.mode = fractal::ParseSearchMode(args.Str("mode"));
  o.seed = args.U64("seed");
  o.threshold = args.Double("threshold");
  o.points = args.Int("points");
  o.size = args.Int("search-size");
  o.pad = args.Int("pad");
  ParseIntRange("maps", args.Str("maps"), &o.min_maps, &o.max_maps);
  o.param_range = args.Double("param-range");
  o.sampler = fractal::ParseMapSampler(args.Str("sampler"));
  o.max_trials_per_category = args.U64("max-trials");
  const int categories = args.Int("categories");
  if (categories < 0) throw UsageError("--categories must be >= 0");
  fractal::ValidateSearchOptions(o);
  int part = 0, parts = 1;
  ParsePart("shards", args.Str("shards"), &part, &parts);
  const int threads = args.Int("threads") > 0 ? args.Int("threads") : DefaultThreads();
  const bool progress = !args.Switch("quiet");
  if (o.mode == fractal::SearchMode::kNumpy && (parts > 1 || world.size() > 1)) {
    throw UsageError("--mode numpy is one sequential stream and cannot be split; "
                     "use --mode keyed with --shards or mpirun");
  }
  MakeDirs(out);
  const auto start = std::chrono::steady_clock::now();
  uint64_t trials = 0;
  int written = 0, kept = 0;
  if (o.mode == fractal::SearchMode::kNumpy) {
    Progress bar("search", categories, "categories", progress);
    trials = fractal::SearchNumpy(o, categories, threads, [&](int c, const fractal::Ifs& ifs, uint64_t) {
      WriteFileAtomic(JoinPath(out, recipe::ParamsFileName(c)), fractal::FormatIfsCsv(ifs));
      ++written;
      bar.Add(1);
    });
  } else {
    std::vector<int> mine;
    int selected = 0;
    for (int c = 0; c < categories; ++c) {
      if (c % parts != part) continue;
      if (selected++ % world.size() != world.rank()) continue;
      const std::string path = JoinPath(out, recipe::ParamsFileName(c));
      if (PathExists(path)) {
        fractal::ParseIfsCsv(ReadFile(path), path);  // a damaged file stops the run
        ++kept;
        continue;
      }
      mine.push_back(c);
    }
    Progress bar("search", mine.size(), "categories", progress);
    std::atomic<uint64_t> total{0};
    ParallelFor(mine.size(), threads, [&](size_t i) {
      uint64_t t = 0;
      const fractal::Ifs ifs = fractal::SearchKeyed(o, mine[i], &t);
      WriteFileAtomic(JoinPath(out, recipe::ParamsFileName(mine[i])), fractal::FormatIfsCsv(ifs));
      total += t;
      bar.Add(1);
    });
    trials = total;
    written = static_cast<int>(mine.size());
  }
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  if (world.rank() == 0 && part == 0) {
    nlohmann::json j = {{"mode", fractal::SearchModeName(o.mode)}, {"seed", o.seed},
                        {"categories", categories}, {"threshold", o.threshold},
                        {"points", o.points}, {"size", o.size}, {"pad", o.pad},
                        {"min_maps", o.min_maps}, {"max_maps", o.max_maps},
                        {"param_range", o.param_range},
                        {"sampler", fractal::MapSamplerName(o.sampler)}};
    if (o.mode == fractal::SearchMode::kNumpy) j["trials"] = trials;
    WriteFileAtomic(JoinPath(out, "search.json"), j.dump(1) + "\n");
  }
  std::printf("searched %d categories (%d kept) in %llu trials, %.2f s, rank %d/%d\n", written,
              kept, static_cast<unsigned long long>(trials), seconds, world.rank(), world.size());
  return 0;
}

}  // namespace synthub::cli
