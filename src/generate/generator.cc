#include "generate/generator.h"

#include <algorithm>
#include <chrono>
#include <cerrno>
#include <csignal>
#include <exception>
#include <future>
#include <memory>
#include <mutex>
#include <numeric>
#include <thread>
#include <vector>

#include "codec/image.h"
#include "codec/npy.h"
#include "fractal/render.h"
#include "recipe/family.h"
#include "recipe/plan.h"
#include "shard/manifest.h"
#include "shard/sample_index.h"
#include "shard/tar_writer.h"
#include "synthub/error.h"
#include "util/file.h"
#include "util/log.h"
#include "util/parallel.h"
#include "util/progress.h"
#include "util/sha256.h"

#ifndef SYNTHUB_VERSION
#define SYNTHUB_VERSION "dev"
#endif

namespace synthub::generate {
namespace {

using recipe::DatasetPlan;
using recipe::Recipe;
using recipe::SampleId;

struct Context {
  const Recipe& recipe;
  const DatasetPlan& plan;
  const GenerateOptions& options;
  std::string state_dir;
};

std::string RecordPath(const Context& ctx, const std::string& shard_name) {
  return JoinPath(ctx.state_dir, shard_name + ".json");
}

// A finished shard: file and record present, size and SHA-256 match.
bool ShardIsComplete(const Context& ctx, const std::string& name, uint64_t samples) {
  const std::string path = JoinPath(ctx.options.out, name);
  const std::string record_path = RecordPath(ctx, name);
  if (!PathExists(path) || !PathExists(record_path)) return false;
  const shard::ShardRecord rec = shard::ParseShardRecord(ReadFile(record_path), record_path);
  uint64_t bytes = 0;
  const std::string sha = Sha256File(path, &bytes);
  if (rec.samples != samples || rec.bytes != bytes || rec.sha256 != sha) {
    LogWarn(path + ": does not match its record (damaged?); regenerating it");
    return false;
  }
  return true;
}

// Per-thread renderers for the whole command: a worker takes one, renders a
// canvas's samples, and gives it back, so caches (the last point cloud)
// outlive a shard without any thread-local state.
class RendererPool {
 public:
  RendererPool(const recipe::Recipe& recipe, const recipe::CategoryParams& params)
      : family_(recipe::FamilyOf(recipe)), recipe_(recipe), params_(params) {}

  std::unique_ptr<recipe::SampleRenderer> Take() {
    {
      std::lock_guard<std::mutex> lock(mu_);
      if (!free_.empty()) {
        std::unique_ptr<recipe::SampleRenderer> r = std::move(free_.back());
        free_.pop_back();
        return r;
      }
    }
    return family_.NewRenderer(recipe_, params_);
  }
  void Give(std::unique_ptr<recipe::SampleRenderer> r) {
    std::lock_guard<std::mutex> lock(mu_);
    free_.push_back(std::move(r));
  }

 private:
  const recipe::Family& family_;
  const recipe::Recipe& recipe_;
  const recipe::CategoryParams& params_;
  std::mutex mu_;  // guards free_
  std::vector<std::unique_ptr<recipe::SampleRenderer>> free_;
};

// Renders and encodes every sample of one shard, on `threads` threads, in
// tar order.
// The encoded samples of a shard, in tar order; masks[i] is sample i's
// <key>.mask.png and clouds[i] its <key>.npy ("" when the family draws
// none); images[i] is "" for a family with clouds only.
struct EncodedShard {
  std::vector<std::string> images, masks, clouds;
};

EncodedShard RenderShard(const Context& ctx, const std::vector<SampleId>& order, int threads,
                         RendererPool& renderers) {
  // Group the flips of one canvas, and canvases of one point cloud, together.
  std::vector<uint32_t> idx(order.size());
  std::iota(idx.begin(), idx.end(), 0u);
  std::sort(idx.begin(), idx.end(), [&](uint32_t a, uint32_t b) {
    const SampleId &x = order[a], &y = order[b];
    return std::tie(x.category, x.row, x.draw, x.flip) <
           std::tie(y.category, y.row, y.draw, y.flip);
  });
  std::vector<size_t> group_start;
  for (size_t i = 0; i < idx.size(); ++i) {
    const SampleId& s = order[idx[i]];
    if (i == 0 || s.category != order[idx[i - 1]].category ||
        s.row != order[idx[i - 1]].row || s.draw != order[idx[i - 1]].draw) {
      group_start.push_back(i);
    }
  }
  group_start.push_back(idx.size());

  EncodedShard encoded;
  encoded.images.resize(order.size());
  encoded.masks.resize(order.size());
  encoded.clouds.resize(order.size());
  ParallelFor(group_start.size() - 1, threads, [&](size_t g) {
    std::unique_ptr<recipe::SampleRenderer> renderer = renderers.Take();
    codec::Image image;
    for (size_t i = group_start[g]; i < group_start[g + 1]; ++i) {
      const uint32_t slot = idx[i];
      renderer->Render(order[slot], &image);
      if (renderer->HasImage()) {
        encoded.images[slot] = codec::EncodeImage(image.pixels.data(), image.width,
                                                  image.height, image.channels, ctx.recipe.encode);
      }
      if (const std::vector<float>* cloud = renderer->LastCloud()) {
        encoded.clouds[slot] = codec::EncodeNpyF32(cloud->data(), cloud->size() / 3, 3);
      }
      if (const std::vector<uint16_t>* mask = renderer->LastMask()) {
        encoded.masks[slot] = codec::EncodePng16(mask->data(), image.width, image.height);
      }
    }
    renderers.Give(std::move(renderer));
  });
  return encoded;
}

void WriteShard(const Context& ctx, uint64_t shard, const std::vector<SampleId>& order,
                const EncodedShard& encoded) {
  const std::string name = ctx.plan.ShardName(shard);
  const std::string ext = "." + codec::FormatExtension(ctx.recipe.encode.format);
  shard::TarWriter tar(JoinPath(ctx.options.out, name));
  for (size_t i = 0; i < order.size(); ++i) {
    const std::string key = DatasetPlan::SampleKey(order[i]);
    if (!encoded.images[i].empty()) tar.AddFile(key + ext, encoded.images[i]);
    tar.AddFile(key + ".cls", std::to_string(order[i].category));
    if (!encoded.masks[i].empty()) tar.AddFile(key + ".mask.png", encoded.masks[i]);
    if (!encoded.clouds[i].empty()) tar.AddFile(key + ".npy", encoded.clouds[i]);
  }
  tar.Finish();
  // The sample index (before the record: a shard counts as finished only
  // with both). Labels are the key's category (DatasetPlan::SampleKey).
  std::vector<int32_t> labels(order.size());
  for (size_t i = 0; i < order.size(); ++i) labels[i] = static_cast<int32_t>(order[i].category);
  shard::WriteSampleIndex(JoinPath(ctx.options.out, name), tar, labels,
                          shard::kSidxLabelsAreKeyCategories);
  if (ctx.options.dali_index) {
    WriteFileAtomic(JoinPath(ctx.options.out, name.substr(0, name.size() - 4) + ".idx"),
                    shard::DaliIndex(tar.members()));
  }
  shard::ShardRecord rec{name, order.size(), tar.bytes(), tar.sha256()};
  WriteFileAtomic(RecordPath(ctx, name), shard::ShardRecordToJson(rec));
}

// Removes temporaries left by killed runs of this host (their pid is gone).
void RemoveStaleTemporaries(const std::string& dir) {
  std::vector<std::string> stale;
  for (const std::string& name : ListDirectory(dir)) {
    const size_t at = name.rfind(".tmp.");
    if (at == std::string::npos) continue;
    const std::string pid = name.substr(at + 5);
    if (pid.empty() || pid.find_first_not_of("0123456789") != std::string::npos) continue;
    if (::kill(std::stoi(pid), 0) != 0 && errno == ESRCH) stale.push_back(name);
  }
  for (const std::string& name : stale) std::remove(JoinPath(dir, name).c_str());
}

// The recipe a folder already holds must be this one.
void CheckSameRecipe(const std::string& out, const std::string& state_dir,
                     const std::string& recipe_json) {
  const std::string path = JoinPath(state_dir, "recipe.json");
  if (PathExists(path)) {
    const std::string existing = ReadFile(path);
    if (existing != recipe_json + "\n") {
      throw Error(out + ": holds a dataset of a different recipe (" + path +
                  "); use another --out folder or the same settings");
    }
  } else if (PathExists(JoinPath(out, shard::kManifestName))) {
    throw Error(out + ": holds a dataset not made by this generator (manifest.json "
                "without " + std::string(kStateDir) + "/recipe.json); use another --out");
  }
}

// The parameter file of the dataset, as the manifest lists it.
struct ParamsFile {
  std::string name;  // params.ustar, or params.tar in a folder of the old layout
  std::string sha256;
  uint64_t bytes = 0;
};

// `images`: whether the samples carry images (not a point-cloud-only
// dataset); the manifest lists the member extensions every sample has.
shard::Manifest BuildManifest(const Context& ctx, const std::string& recipe_json,
                              const ParamsFile& params, bool images) {
  shard::Manifest m;
  m.name = ctx.recipe.name;
  m.generator_version = SYNTHUB_VERSION;
  m.num_classes = ctx.recipe.categories;
  m.num_samples = ctx.plan.num_samples();
  m.samples_per_shard = ctx.recipe.shard_size;
  if (images) {
    m.extensions = {codec::FormatExtension(ctx.recipe.encode.format), "cls"};
  } else {
    m.extensions = {"cls", "npy"};
  }
  m.recipe_json = recipe_json;
  for (uint64_t s = 0; s < ctx.plan.num_shards(); ++s) {
    const std::string rp = RecordPath(ctx, ctx.plan.ShardName(s));
    m.shards.push_back(shard::ParseShardRecord(ReadFile(rp), rp));
  }
  m.files.push_back({params.name, params.bytes, params.sha256});
  return m;
}

// 0. The output folder and its state folder (.synthub/). Temporaries of dead
//    runs are removed only when this is the one process writing there.
std::string PrepareOutput(const GenerateOptions& o, const World& world) {
  MakeDirs(o.out);
  const std::string state_dir = JoinPath(o.out, kStateDir);
  MakeDirs(state_dir);
  const bool alone = world.size() == 1 && o.part_count == 1;
  if (alone) RemoveStaleTemporaries(o.out), RemoveStaleTemporaries(state_dir);
  return state_dir;
}

// The name of the parameter file in OUT: as given, the old params.tar when
// the folder holds that one (a dataset of the old layout, resumed), else
// params.ustar (never *.tar, so that a shard glob cannot match it).
std::string ChooseParamsFileName(const GenerateOptions& o) {
  if (!o.params_file.empty()) {
    if (!shard::IsParamsFileName(o.params_file)) {
      throw UsageError("parameter file '" + o.params_file + "': expected " +
                       shard::kParamsFileName + " or " + shard::kLegacyParamsFileName);
    }
    return o.params_file;
  }
  if (!PathExists(JoinPath(o.out, shard::kParamsFileName)) &&
      PathExists(JoinPath(o.out, shard::kLegacyParamsFileName))) {
    return shard::kLegacyParamsFileName;
  }
  return shard::kParamsFileName;
}

// 1a. The categories: a folder (which also sets their count), this output's
//     parameter file (resume), or the recipe's search (on rank 0; the other
//     ranks read what it wrote).
recipe::CategoryParams LoadOrMakeParams(const GenerateOptions& o, const std::string& params_path,
                                        int threads, World& world, Recipe* recipe) {
  const recipe::Family& family = recipe::FamilyOf(*recipe);
  recipe::CategoryParams params;
  if (!o.params_dir.empty()) {
    params = family.ReadParamsFolder(o.params_dir, recipe->categories);
    recipe->categories = static_cast<int>(params.size());
  } else if (PathExists(params_path)) {
    params = family.ReadParamsArchive(params_path);
    if (static_cast<int>(params.size()) != recipe->categories) {
      throw Error(params_path + ": holds " + std::to_string(params.size()) +
                  " categories, the recipe asks for " + std::to_string(recipe->categories) +
                  "; use another --out folder");
    }
  } else {
    if (world.rank() == 0) {
      LogInfo("making the parameters of " + std::to_string(recipe->categories) + " " +
              family.name() + " categories (docs/families.md)");
      params = family.MakeParams(*recipe, threads, o.progress);
      family.WriteParamsArchive(params_path, params);
    }
    world.Barrier();
    if (world.rank() != 0) params = family.ReadParamsArchive(params_path);
  }
  return params;
}

// 1b. Completes the recipe with the parameters' hash (the parameter file is
//     deterministic: fixed tar metadata), checks that the folder holds this
//     recipe or none, puts the parameter file in place and records the
//     recipe.
ParamsFile PinParams(const GenerateOptions& o, const std::string& state_dir,
                     const std::string& params_name, const recipe::CategoryParams& params,
                     World& world, Recipe* recipe, std::string* recipe_json) {
  ValidateRecipe(*recipe);
  const recipe::Family& family = recipe::FamilyOf(*recipe);
  const std::string params_path = JoinPath(o.out, params_name);
  const std::string tmp_params =
      JoinPath(state_dir, params_name + ".r" + std::to_string(world.rank()));
  ParamsFile file;
  file.name = params_name;
  file.sha256 = family.WriteParamsArchive(tmp_params, params);
  file.bytes = FileSize(tmp_params);
  recipe->params_sha256 = file.sha256;
  *recipe_json = RecipeToJson(*recipe);
  CheckSameRecipe(o.out, state_dir, *recipe_json);
  if (PathExists(params_path)) {
    std::remove(tmp_params.c_str());
    if (Sha256File(params_path) != file.sha256) {
      throw Error(params_path + ": holds other categories than this run's; use another --out");
    }
  } else if (std::rename(tmp_params.c_str(), params_path.c_str()) != 0) {
    throw Error(params_path + ": rename failed: " + ErrnoText(errno));
  }
  world.Barrier();
  if (world.rank() == 0) WriteFileAtomic(JoinPath(state_dir, "recipe.json"), *recipe_json + "\n");
  return file;
}

// 2. Which shards are mine: the --shard-range, then --shards i/N, then this
//    MPI rank's share of what is left.
std::vector<uint64_t> MyShards(const DatasetPlan& plan, const GenerateOptions& o,
                               const World& world) {
  std::vector<uint64_t> mine;
  uint64_t selected = 0;
  for (uint64_t s = o.range_begin; s < std::min(o.range_end, plan.num_shards()); ++s) {
    if (s % o.part_count != static_cast<uint64_t>(o.part_index)) continue;
    if (selected++ % world.size() == static_cast<uint64_t>(world.rank())) mine.push_back(s);
  }
  return mine;
}

// 3. Verifies what is done and renders the rest, writing one shard while the
//    next renders. A failure on any rank fails every rank.
void RenderMyShards(const Context& ctx, const std::vector<uint64_t>& mine, int threads,
                    RendererPool& renderers, World& world, GenerateStats* stats) {
  const DatasetPlan& plan = ctx.plan;
  bool ok = true;
  std::string failure;
  try {
    std::vector<uint64_t> todo;
    for (uint64_t s : mine) {
      if (ShardIsComplete(ctx, plan.ShardName(s), plan.ShardSamples(s))) {
        ++stats->shards_kept;
      } else {
        todo.push_back(s);
      }
    }
    if (stats->shards_kept > 0) {
      LogInfo(std::to_string(stats->shards_kept) + " shard(s) already complete and verified");
    }
    uint64_t todo_images = 0;
    for (uint64_t s : todo) todo_images += plan.ShardSamples(s);
    Progress bar(world.size() > 1 ? "generate[rank " + std::to_string(world.rank()) + "]"
                                  : "generate",
                 todo_images, "images", ctx.options.progress);
    std::future<void> writing;
    for (uint64_t s : todo) {
      auto order = std::make_shared<std::vector<SampleId>>(plan.ShardSamplesInOrder(s));
      auto encoded = std::make_shared<EncodedShard>(RenderShard(ctx, *order, threads, renderers));
      if (writing.valid()) writing.get();
      writing = std::async(std::launch::async, [&ctx, s, order, encoded] {
        WriteShard(ctx, s, *order, *encoded);
      });
      bar.Add(order->size());
      stats->images_written += order->size();
      ++stats->shards_written;
    }
    if (writing.valid()) writing.get();
  } catch (const std::exception& e) {
    ok = false;
    failure = e.what();
  }
  if (!world.AllOk(ok)) {
    throw Error(failure.empty() ? "another MPI rank failed (see its message)" : failure);
  }
}

// 4. On rank 0: wids.json and manifest.json (last) once every shard, of every
//    process, has its record. Returns whether the manifest was written.
bool WriteManifestWhenComplete(const Context& ctx, const std::string& recipe_json,
                               const ParamsFile& params, bool images) {
  const DatasetPlan& plan = ctx.plan;
  uint64_t done = 0;
  for (uint64_t s = 0; s < plan.num_shards(); ++s) {
    done += PathExists(RecordPath(ctx, plan.ShardName(s))) &&
            PathExists(JoinPath(ctx.options.out, plan.ShardName(s)));
  }
  if (done != plan.num_shards()) {
    LogInfo(std::to_string(done) + " of " + std::to_string(plan.num_shards()) +
            " shards done; manifest.json is written when all are (rerun any part)");
    return false;
  }
  const shard::Manifest m = BuildManifest(ctx, recipe_json, params, images);
  if (ctx.options.wids) WriteFileAtomic(JoinPath(ctx.options.out, "wids.json"), shard::WidsIndex(m));
  shard::WriteManifest(ctx.options.out, m);
  return true;
}

}  // namespace

GenerateStats Generate(GenerateOptions o, World& world) {
  const auto start = std::chrono::steady_clock::now();
  const int threads = o.threads > 0 ? o.threads : DefaultThreads();
  if (o.part_count < 1 || o.part_index < 0 || o.part_index >= o.part_count) {
    throw UsageError("--shards i/N: need 0 <= i < N");
  }
  const std::string state_dir = PrepareOutput(o, world);
  Recipe recipe = o.recipe;  // completed below: category count, parameters' hash
  const std::string params_name = ChooseParamsFileName(o);
  const recipe::CategoryParams params =
      LoadOrMakeParams(o, JoinPath(o.out, params_name), threads, world, &recipe);
  std::string recipe_json;
  const ParamsFile params_file =
      PinParams(o, state_dir, params_name, params, world, &recipe, &recipe_json);

  const DatasetPlan plan(recipe);
  const Context ctx{recipe, plan, o, state_dir};
  GenerateStats stats;
  stats.shards_total = plan.num_shards();
  const std::vector<uint64_t> mine = MyShards(plan, o, world);
  stats.shards_mine = mine.size();
  RendererPool renderers(recipe, params);
  RenderMyShards(ctx, mine, threads, renderers, world, &stats);
  if (world.rank() == 0) {
    std::unique_ptr<recipe::SampleRenderer> renderer = renderers.Take();
    const bool images = renderer->HasImage();
    renderers.Give(std::move(renderer));
    stats.manifest_written = WriteManifestWhenComplete(ctx, recipe_json, params_file, images);
  }
  world.Barrier();
  stats.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  return stats;
}

}  // namespace synthub::generate
