// The training loop: pre-training and fine-tuning of a ViT with the
// DeiT / FractalDB recipe, data-parallel over MPI ranks, exact resume.
#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <random>
#include <sstream>
#include <thread>
#include <ATen/autocast_mode.h>
#include <torch/torch.h>
#include <unistd.h>

#include "checkpoint/safetensors.h"
#include "util/mpi_world.h"
#include "synthub/error.h"
#include "train/checkpoint.h"
#include "train/evaluate.h"
#include "train/train.h"
#include "train/vit.h"
#include "util/file.h"
#include "util/log.h"

namespace synthub::train {
namespace {

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

double Since(Clock::time_point t0) {
  return std::chrono::duration<double>(Clock::now() - t0).count();
}

uint64_t Mix64(uint64_t x) {  // splitmix64 finaliser
  x += 0x9e3779b97f4a7c15ULL;
  x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
  x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
  return x ^ (x >> 31);
}

uint64_t StepSeed(uint64_t seed, int64_t step, int micro, int rank) {
  return Mix64(Mix64(Mix64(seed) ^ static_cast<uint64_t>(step)) ^
               (static_cast<uint64_t>(micro) << 32 | static_cast<uint32_t>(rank)));
}

// AdamW (decoupled weight decay) or SGD with momentum (coupled L2, as
// torch.optim.SGD), written out so its state is plain named tensors.
class Optimizer {
 public:
  Optimizer(VisionTransformer& model, const TrainOptions& o) : o_(o) {
    for (auto& item : model->named_parameters()) {
      if (!item.value().requires_grad()) continue;
      const std::string& name = item.key();
      // No decay on biases, norms, the class token and position embedding (timm).
      const bool decay = item.value().dim() > 1 && name != "pos_embed" && name != "cls_token";
      slots_.push_back({name, item.value(), torch::zeros_like(item.value()),
                        o.optimizer == "adamw" ? torch::zeros_like(item.value()) : torch::Tensor(),
                        decay});
    }
  }

  void Step(double lr) {
    torch::NoGradGuard no_grad;
    ++t_;
    for (Slot& s : slots_) {
      if (!s.param.grad().defined()) continue;
      torch::Tensor g = s.param.grad();
      const double wd = s.decay ? o_.weight_decay : 0.0;
      if (o_.optimizer == "adamw") {
        const double b1 = 0.9, b2 = 0.999, eps = 1e-8;
        s.param.mul_(1.0 - lr * wd);
        s.m.mul_(b1).add_(g, 1.0 - b1);
        s.v.mul_(b2).addcmul_(g, g, 1.0 - b2);
        const double bc1 = 1.0 - std::pow(b1, static_cast<double>(t_));
        const double bc2 = 1.0 - std::pow(b2, static_cast<double>(t_));
        auto denom = (s.v / bc2).sqrt_().add_(eps);
        s.param.addcdiv_(s.m, denom, -lr / bc1);
      } else {
        if (wd > 0) g = g.add(s.param, wd);
        s.m.mul_(o_.momentum).add_(g);
        s.param.add_(s.m, -lr);
      }
    }
  }

  std::vector<torch::Tensor> Params() const {
    std::vector<torch::Tensor> p;
    for (const Slot& s : slots_) p.push_back(s.param);
    return p;
  }

  void AppendState(std::vector<std::pair<std::string, torch::Tensor>>* out) const {
    for (const Slot& s : slots_) {
      out->emplace_back("optim." + s.name + ".m", s.m);
      if (s.v.defined()) out->emplace_back("optim." + s.name + ".v", s.v);
    }
  }

  void LoadState(const checkpoint::SafetensorsFile& f, int64_t t, const std::string& where) {
    torch::NoGradGuard no_grad;
    t_ = t;
    for (Slot& s : slots_) {
      const std::pair<const char*, torch::Tensor*> parts[] = {{".m", &s.m}, {".v", &s.v}};
      for (const auto& [suffix, tensor] : parts) {
        if (!tensor->defined()) continue;
        const std::string name = "optim." + s.name + suffix;
        const checkpoint::TensorInfo* info = f.Find(name);
        if (info == nullptr) throw Error(where + ": optimizer state '" + name + "' is missing");
        torch::Tensor v = ReadTensor(f, *info, where);
        if (v.sizes() != tensor->sizes()) throw Error(where + ": optimizer state '" + name + "' has the wrong shape");
        tensor->copy_(v);
      }
    }
  }

 private:
  struct Slot {
    std::string name;
    torch::Tensor param, m, v;
    bool decay;
  };
  const TrainOptions& o_;
  std::vector<Slot> slots_;
  int64_t t_ = 0;
};

// Label smoothing as timm: off-targets smoothing / classes, the target
// 1 - smoothing + smoothing / classes.
torch::Tensor SoftTargets(const torch::Tensor& labels, int classes, double smoothing) {
  const double off = smoothing / classes;
  auto t = torch::full({labels.size(0), classes}, off, torch::TensorOptions().device(labels.device()));
  return t.scatter_(1, labels.unsqueeze(1), 1.0 - smoothing + off);
}

double SampleBeta(double alpha, std::mt19937_64& rng) {
  std::gamma_distribution<double> g(alpha, 1.0);
  const double a = g(rng), b = g(rng);
  return a + b > 0 ? a / (a + b) : 0.5;
}

// timm's Mixup in batch mode: per batch either mixup or cutmix (both on:
// cutmix with probability mixup_switch_prob), mixing each image with the
// batch reversed; soft targets mixed by the (area-corrected) lambda.
torch::Tensor MixBatch(torch::Tensor& x, const torch::Tensor& labels, int classes,
                       const TrainOptions& o, std::mt19937_64& rng) {
  auto y = SoftTargets(labels, classes, o.label_smoothing);
  if (o.mixup <= 0 && o.cutmix <= 0) return y;
  std::uniform_real_distribution<double> u(0.0, 1.0);
  const bool use_cutmix = o.cutmix > 0 && (o.mixup <= 0 || u(rng) < o.mixup_switch_prob);
  double lam = SampleBeta(use_cutmix ? o.cutmix : o.mixup, rng);
  torch::NoGradGuard no_grad;
  auto flipped = x.flip(0);
  if (use_cutmix) {
    const int64_t h = x.size(2), w = x.size(3);
    const double cut = std::sqrt(1.0 - lam);
    const int64_t ch = static_cast<int64_t>(h * cut), cw = static_cast<int64_t>(w * cut);
    const int64_t cy = static_cast<int64_t>(u(rng) * h), cx = static_cast<int64_t>(u(rng) * w);
    const int64_t y0 = std::clamp<int64_t>(cy - ch / 2, 0, h), y1 = std::clamp<int64_t>(cy + ch / 2, 0, h);
    const int64_t x0 = std::clamp<int64_t>(cx - cw / 2, 0, w), x1 = std::clamp<int64_t>(cx + cw / 2, 0, w);
    if (y1 > y0 && x1 > x0) {
      using torch::indexing::Slice;
      x.index_put_({Slice(), Slice(), Slice(y0, y1), Slice(x0, x1)},
                   flipped.index({Slice(), Slice(), Slice(y0, y1), Slice(x0, x1)}));
    }
    lam = 1.0 - static_cast<double>((y1 - y0) * (x1 - x0)) / static_cast<double>(h * w);
  } else {
    x = x * lam + flipped * (1.0 - lam);
  }
  return y * lam + y.flip(0) * (1.0 - lam);
}

double LearningRate(const TrainOptions& o, int64_t step, int64_t total, int64_t warmup) {
  if (step < warmup) return o.warmup_lr + (o.lr - o.warmup_lr) * static_cast<double>(step) / warmup;
  const double progress = static_cast<double>(step - warmup) / std::max<int64_t>(1, total - warmup);
  return o.min_lr + 0.5 * (o.lr - o.min_lr) * (1.0 + std::cos(M_PI * std::min(1.0, progress)));
}

// Element-wise mean of every gradient over the ranks, in one flat buffer.
void AverageGradients(const std::vector<torch::Tensor>& params, World& world) {
  if (world.size() == 1) return;
  std::vector<torch::Tensor> grads;
  for (const auto& p : params) grads.push_back(p.grad().defined() ? p.grad().reshape(-1) : torch::zeros({p.numel()}, p.options()));
  torch::Tensor flat = torch::cat(grads).to(torch::kCPU).contiguous();
  world.AllSum(flat.data_ptr<float>(), static_cast<size_t>(flat.numel()));
  flat.div_(world.size());
  flat = flat.to(params[0].device());
  int64_t offset = 0;
  torch::NoGradGuard no_grad;
  for (const auto& p : params) {
    const int64_t n = p.numel();
    if (!p.grad().defined()) p.mutable_grad() = torch::zeros_like(p);
    p.grad().copy_(flat.slice(0, offset, offset + n).view_as(p));
    offset += n;
  }
}

// Every rank starts from rank 0's weights.
void BroadcastParameters(VisionTransformer& model, World& world) {
  if (world.size() == 1) return;
  torch::NoGradGuard no_grad;
  for (auto& p : model->parameters()) {
    torch::Tensor c = p.detach().to(torch::kCPU).contiguous();
    world.Broadcast(c.data_ptr<float>(), static_cast<size_t>(c.numel()) * sizeof(float));
    p.copy_(c);
  }
}

// True when every rank holds rank 0's weights bit for bit (a collective).
bool SameWeightsEverywhere(VisionTransformer& model, World& world) {
  std::vector<torch::Tensor> flat;
  for (auto& p : model->parameters()) flat.push_back(p.detach().reshape(-1).to(torch::kCPU));
  torch::Tensor mine = torch::cat(flat).contiguous();
  torch::Tensor lead = mine.clone();
  world.Broadcast(lead.data_ptr<float>(), static_cast<size_t>(lead.numel()) * sizeof(float));
  return world.AllOk(std::memcmp(lead.data_ptr<float>(), mine.data_ptr<float>(),
                                 static_cast<size_t>(mine.numel()) * sizeof(float)) == 0);
}

bool AllFinite(const std::vector<torch::Tensor>& params) {
  for (const auto& p : params) {
    if (!torch::isfinite(p).all().item<bool>()) return false;
  }
  return true;
}

// metrics.jsonl without the lines of steps after `step` (a resumed run
// rewrites what the killed one logged past its last saved state).
void TrimMetrics(const std::string& path, int64_t step) {
  std::ifstream in(path);
  if (!in) return;
  std::string line, kept;
  while (std::getline(in, line)) {
    try {
      const auto j = nlohmann::json::parse(line);
      if (j.value("step", int64_t{0}) <= step) kept += line + "\n";
    } catch (const nlohmann::json::exception&) {
      // a torn last line of a killed run
    }
  }
  WriteFileAtomic(path, kept);
}

std::string F(double v, int digits = 6) {
  if (!std::isfinite(v)) return "null";
  std::ostringstream s;
  s.precision(digits);
  s << v;
  return s.str();
}

// --- the steps of RunTrain, in the order it takes them ----------------------

// What the steps share: the options, the world, where the run writes, the
// model's shape and the step schedule.
struct Run {
  Run(const TrainOptions& options, World& w) : o(options), world(w), lead(w.rank() == 0) {}
  const TrainOptions& o;
  World& world;
  const bool lead;  // rank 0: logs and writes the files
  torch::Device device = torch::kCPU;
  std::string state_path, metrics_path;
  ModelConfig mc;
  int64_t steps_per_epoch = 0, total_steps = 0, warmup_steps = 0;
  int64_t step = 0;  // optimizer steps done
};

// 1. Options the loop cannot run with (usage errors, before any work).
void CheckOptions(const TrainOptions& o) {
  if (o.data.empty()) throw UsageError("--data is required");
  if (o.out.empty()) throw UsageError("--out is required");
  if (o.accum <= 0 || o.epochs <= 0) throw UsageError("--accum and --epochs must be positive");
  ValidateLoaderOptions(o.loader);  // names the field: the CLI says which flag
  if (o.optimizer != "adamw" && o.optimizer != "sgd") throw UsageError("--opt must be adamw or sgd");
  if (o.amp != "none" && o.amp != "bf16" && o.amp != "fp16") throw UsageError("--amp must be none, bf16 or fp16");
}

// 2. Threads, device and the run folder's files.
void SetUp(Run& run) {
  SetThreads(run.o.threads);
  at::globalContext().setFlushDenormal(true);  // denormals made early steps 10x slower
  run.device = ParseDevice(run.o.device);
  fs::create_directories(run.o.out);
  run.state_path = (fs::path(run.o.out) / "train_state.safetensors").string();
  run.metrics_path = (fs::path(run.o.out) / "metrics.jsonl").string();
}

// 3. The model's shape: from the flags, or from the checkpoint fine-tuned
// (then `init` holds its weights, read in step 6).
ModelConfig ModelShape(const TrainOptions& o, std::unique_ptr<checkpoint::SafetensorsFile>* init,
                       std::string* init_where) {
  if (o.init.empty()) return o.model;
  std::string config_path, weights_path;
  CheckpointPaths(o.init, &config_path, &weights_path);
  ModelConfig mc = ConfigFromJson(ReadFile(config_path), config_path);
  mc.drop_path = o.model.drop_path;
  *init = std::make_unique<checkpoint::SafetensorsFile>(checkpoint::OpenChecked(weights_path, config_path));
  *init_where = weights_path;
  return mc;
}

// 4. The training set's loader; the head's class count from it (or --classes).
std::unique_ptr<Loader> OpenLoader(Run& run) {
  const TrainOptions& o = run.o;
  LoaderOptions lo = o.loader;
  lo.spec = o.data;
  lo.rank = run.world.rank();
  lo.world_size = run.world.size();
  lo.uneven = UnevenPolicy::kDrop;
  lo.drop_last = true;
  lo.image_size = run.mc.img_size;
  lo.layout = OutputLayout::kFloat32Nchw;
  auto loader = std::make_unique<Loader>(lo);
  run.mc.num_classes = o.classes > 0 ? o.classes : loader->num_classes();
  if (run.mc.num_classes <= 0) throw UsageError(o.data + ": the class count is unknown; pass --classes");
  if (o.classes > 0 && loader->num_classes() > o.classes) {
    throw Error(o.data + ": the dataset has " + std::to_string(loader->num_classes()) +
                " classes, more than the model's " + std::to_string(o.classes));
  }
  return loader;
}

// 5. Steps per epoch (equal on every rank), in all, and of the warm-up.
void PlanSteps(Run& run, const Loader& loader) {
  const TrainOptions& o = run.o;
  run.steps_per_epoch = static_cast<int64_t>(loader.BatchesPerEpoch()) / o.accum;
  if (run.steps_per_epoch == 0) {
    throw Error(o.data + ": fewer than batch-size x accum x ranks samples; no full step per epoch");
  }
  run.total_steps = run.steps_per_epoch * o.epochs;
  run.warmup_steps = static_cast<int64_t>(std::llround(o.warmup_epochs * run.steps_per_epoch));
}

// 6. The model, initialised from the seed, then from the checkpoint fine-tuned.
VisionTransformer BuildModel(const Run& run, const checkpoint::SafetensorsFile* init,
                             const std::string& init_where) {
  VisionTransformer model(run.mc);
  model->InitWeights(run.o.loader.seed);
  if (init) {
    const bool head = LoadWeights(model, *init, "", /*drop_head=*/true, init_where);
    if (run.lead) {
      LogInfo("initialised from " + init_where +
              (head ? "" : " (new head of " + std::to_string(run.mc.num_classes) + " classes)"));
    }
  }
  return model;
}

// 7. --resume: the saved weights and step, from a run with the same seed and
// schedule. Returns the state file (its optimizer state is read in step 8),
// or null when there is nothing to resume.
std::unique_ptr<checkpoint::SafetensorsFile> Resume(Run& run, VisionTransformer& model) {
  const TrainOptions& o = run.o;
  if (!o.resume || !fs::exists(run.state_path)) return nullptr;
  auto state = std::make_unique<checkpoint::SafetensorsFile>(checkpoint::OpenChecked(run.state_path, ""));
  LoadWeights(model, *state, "model.", false, run.state_path);
  auto it = state->metadata().find("state");
  if (it == state->metadata().end()) throw Error(run.state_path + ": no training state in the metadata");
  const nlohmann::json resumed = nlohmann::json::parse(it->second);
  run.step = resumed.at("step").get<int64_t>();
  if (resumed.at("seed").get<uint64_t>() != o.loader.seed) {
    throw Error(run.state_path + ": saved by a run with --seed " + resumed.at("seed").dump() +
                "; resume with the same seed (or start a new --out)");
  }
  if (resumed.at("steps_per_epoch").get<int64_t>() != run.steps_per_epoch) {
    throw Error(run.state_path + ": saved with " + resumed.at("steps_per_epoch").dump() +
                " steps per epoch, this run has " + std::to_string(run.steps_per_epoch) +
                " (other data, batch size, accumulation or ranks?)");
  }
  return state;
}

// 8a. --freeze: the patch embedding, tokens and the first `blocks` blocks.
void Freeze(VisionTransformer& model, int blocks, int depth) {
  if (blocks < 0) return;
  model->patch_embed->proj->weight.set_requires_grad(false);
  model->patch_embed->proj->bias.set_requires_grad(false);
  model->cls_token.set_requires_grad(false);
  model->pos_embed.set_requires_grad(false);
  for (int i = 0; i < std::min(blocks, depth); ++i) {
    for (auto& p : (*model->blocks)[i]->parameters()) p.set_requires_grad(false);
  }
}

// 9. metrics.jsonl (rank 0 only: null elsewhere), trimmed to the resumed
// step; and the resolved configuration, logged first.
std::FILE* OpenMetrics(const Run& run) {
  if (!run.lead) return nullptr;
  if (run.step > 0) {
    TrimMetrics(run.metrics_path, run.step);
  } else {
    WriteFileAtomic(run.metrics_path, "");
  }
  std::FILE* metrics = std::fopen(run.metrics_path.c_str(), "a");
  if (!metrics) throw Error(run.metrics_path + ": cannot open for writing");
  const ModelConfig& mc = run.mc;
  LogInfo(run.o.command + ": " + mc.architecture + " (" + std::to_string(mc.embed_dim) + " wide, " +
          std::to_string(mc.depth) + " deep, " + std::to_string(mc.img_size) + " px / " +
          std::to_string(mc.patch_size) + "), " + std::to_string(mc.num_classes) + " classes, " +
          std::to_string(run.world.size()) + " rank(s), " + std::to_string(run.steps_per_epoch) +
          " steps per epoch, " + std::to_string(run.total_steps) + " steps" +
          (run.step > 0 ? ", resuming at step " + std::to_string(run.step) : "") + "; OpenBLAS kernel " +
          (std::getenv("OPENBLAS_CORETYPE") ? std::getenv("OPENBLAS_CORETYPE") : "auto-detected") +
          ", " + std::to_string(torch::get_num_threads()) + " torch threads");
  return metrics;
}

// 10a. The loader at `first` steps into `epoch` (a resumed epoch) or at its start.
void PositionLoader(const Run& run, Loader& loader, int64_t epoch, int64_t first) {
  if (first > 0) {
    loader.Restore(LoaderState{run.o.loader.seed, static_cast<uint64_t>(epoch),
                               static_cast<uint64_t>(first * run.o.accum)});
  } else {
    loader.SetEpoch(static_cast<uint64_t>(epoch));
  }
}

// Seconds waited for data and computing, and the mean loss, of one step.
struct StepTimes {
  double wait = 0, compute = 0, loss = 0;
};

// 10b. Forward and backward of one step's micro-batches (gradients summed,
// scaled by 1/accum), mixup/cutmix seeded by (seed, step, micro, rank).
void ForwardBackward(const Run& run, VisionTransformer& model, Loader& loader, Batch& batch,
                     StepTimes* t) {
  const TrainOptions& o = run.o;
  const ModelConfig& mc = run.mc;
  const bool amp = o.amp != "none";
  const auto amp_type = o.amp == "fp16" ? at::kHalf : at::kBFloat16;
  double loss_sum = 0;
  for (int micro = 0; micro < o.accum; ++micro) {
    auto t0 = Clock::now();
    const bool reuse = o.fixed_batch && batch.size > 0;
    if (!reuse && !loader.Next(&batch)) throw Error("the loader ended an epoch early (internal error)");
    t->wait += Since(t0);
    t0 = Clock::now();
    const int64_t n = batch.size;
    auto labels = torch::from_blob(batch.labels.data(), {n}, torch::kInt64);
    if (labels.max().item<int64_t>() >= mc.num_classes || labels.min().item<int64_t>() < 0) {
      throw Error(o.data + ": a label is outside the model's " + std::to_string(mc.num_classes) +
                  " classes (sample " + batch.keys[0] + "...); the dataset does not match the head");
    }
    auto x = torch::from_blob(batch.f32.data(), {n, 3, batch.height, batch.width}, torch::kFloat32)
                 .to(run.device, /*non_blocking=*/false, /*copy=*/true);
    labels = labels.to(run.device, false, true);
    torch::manual_seed(StepSeed(o.loader.seed, run.step, micro, run.world.rank()));
    std::mt19937_64 rng(StepSeed(o.loader.seed ^ 0x6d6978ULL, run.step, micro, run.world.rank()));
    auto target = MixBatch(x, labels, mc.num_classes, o, rng);
    torch::Tensor logits;
    if (amp) {
      if (run.device.is_cuda()) {
        at::autocast::set_enabled(true);
        at::autocast::set_autocast_gpu_dtype(amp_type);
      } else {
        at::autocast::set_cpu_enabled(true);
        at::autocast::set_autocast_cpu_dtype(amp_type);
      }
      logits = model->forward(x).to(torch::kFloat32);
      at::autocast::set_enabled(false);
      at::autocast::set_cpu_enabled(false);
      at::autocast::clear_cache();
    } else {
      logits = model->forward(x);
    }
    auto loss = -(target * torch::log_softmax(logits, 1)).sum(1).mean();
    (loss / o.accum).backward();
    loss_sum += loss.item<double>();
    t->compute += Since(t0);
  }
  t->loss = loss_sum / o.accum;
}

// 10c. Gradients and loss averaged over the ranks, a non-finite loss refused,
// clipping, the optimizer step at this step's learning rate. Returns the
// mean loss over the ranks and sets *lr.
double UpdateWeights(Run& run, Optimizer& opt, const std::vector<torch::Tensor>& params,
                     int64_t epoch, double local_loss, double* lr) {
  const TrainOptions& o = run.o;
  AverageGradients(params, run.world);
  double stats[2] = {local_loss, 1.0};
  run.world.AllSum(stats, 2);
  const double loss = stats[0] / stats[1];
  if (!std::isfinite(loss)) {
    throw Error("the loss is " + F(loss) + " at step " + std::to_string(run.step) + " (epoch " +
                std::to_string(epoch) + "); stopped. The last good state is " + run.state_path +
                (fs::exists(run.state_path) ? "" : " (none saved yet)") +
                "; lower --lr, set --clip-grad, or check the data");
  }
  if (o.clip_grad > 0) torch::nn::utils::clip_grad_norm_(params, o.clip_grad);
  *lr = LearningRate(o, run.step, run.total_steps, run.warmup_steps);
  opt.Step(*lr);
  for (auto& p : params) p.mutable_grad() = torch::Tensor();
  if (run.device.is_cuda()) torch::cuda::synchronize();
  return loss;
}

// 10d. The metrics of the steps since the last line: one JSON line in
// metrics.jsonl and a progress line on stderr every --log-every steps.
class MetricsWindow {
 public:
  void Add(const StepTimes& t, double loss, int64_t images) {
    wait_ += t.wait, compute_ += t.compute, loss_ += loss;
    ++steps_;
    images_ += images;
  }
  void Exclude(Clock::duration d) { start_ += d; }  // evaluation is not training time

  void Log(std::FILE* metrics, int64_t epoch, int64_t step, int64_t total_steps, double loss, double lr) {
    const double wall = Since(start_);
    std::fprintf(metrics,
                 "{\"kind\": \"train\", \"epoch\": %lld, \"step\": %lld, \"loss\": %s, "
                 "\"window_loss\": %s, \"lr\": %s, \"images_per_s\": %s, \"data_wait_s\": %s, "
                 "\"compute_s\": %s, \"data_wait_frac\": %s}\n",
                 static_cast<long long>(epoch), static_cast<long long>(step), F(loss).c_str(),
                 F(loss_ / steps_).c_str(), F(lr).c_str(), F(images_ / wall, 5).c_str(),
                 F(wait_, 5).c_str(), F(compute_, 5).c_str(),
                 F(wait_ / std::max(1e-12, wait_ + compute_), 4).c_str());
    std::fflush(metrics);
    std::fprintf(stderr, "\repoch %lld step %lld/%lld  loss %.4f  lr %.2e  %.1f img/s  data wait %.1f%%   ",
                 static_cast<long long>(epoch), static_cast<long long>(step),
                 static_cast<long long>(total_steps), loss_ / steps_, lr, images_ / wall,
                 100.0 * wait_ / std::max(1e-12, wait_ + compute_));
    wait_ = compute_ = loss_ = 0;
    steps_ = images_ = 0;
    start_ = Clock::now();
  }

 private:
  double wait_ = 0, compute_ = 0, loss_ = 0;
  int64_t steps_ = 0, images_ = 0;
  Clock::time_point start_ = Clock::now();
};

// 10e. train_state.safetensors: weights, optimizer state, step and the
// loader's position; never over a good state with non-finite weights.
void SaveState(const Run& run, VisionTransformer& model, const Optimizer& opt,
               const std::vector<torch::Tensor>& params) {
  if (!run.world.AllOk(AllFinite(params))) {
    throw Error("the weights became non-finite at step " + std::to_string(run.step) +
                "; stopped. The last good state is " + run.state_path + "; lower --lr or set --clip-grad");
  }
  if (!run.lead) return;
  std::vector<std::pair<std::string, torch::Tensor>> tensors;
  for (auto& item : model->named_parameters()) tensors.emplace_back("model." + item.key(), item.value());
  opt.AppendState(&tensors);
  const int64_t epoch = run.step / run.steps_per_epoch;
  const nlohmann::json meta = {
      {"step", run.step}, {"epoch", epoch}, {"steps_per_epoch", run.steps_per_epoch},
      {"seed", run.o.loader.seed},
      {"loader", {{"epoch", epoch}, {"batches", (run.step % run.steps_per_epoch) * run.o.accum}}},
      {"config", nlohmann::json::parse(ConfigJson(run.mc, ""))}};
  SaveTensors(run.state_path, tensors, {{"format", "pt"}, {"state", meta.dump()}});
}

// 11. --val after an epoch: one eval line in metrics.jsonl (rank 0 evaluates,
// the others wait).
void EvaluateEpoch(const Run& run, VisionTransformer& model, std::FILE* metrics, int64_t epoch) {
  if (run.lead) {
    LoaderOptions val = run.o.loader;
    val.spec = run.o.val;
    EvalResult r = Evaluate(model, val, run.mc, run.device, 0);
    std::fprintf(metrics,
                 "{\"kind\": \"eval\", \"epoch\": %lld, \"step\": %lld, \"loss\": %s, \"top1\": %s, "
                 "\"top5\": %s, \"samples\": %lld}\n",
                 static_cast<long long>(epoch), static_cast<long long>(run.step), F(r.loss).c_str(),
                 F(r.top1).c_str(), F(r.top5).c_str(), static_cast<long long>(r.samples));
    std::fflush(metrics);
    LogInfo("epoch " + std::to_string(epoch) + ": val top-1 " + F(r.top1, 4) + " %, top-5 " +
            F(r.top5, 4) + " %, loss " + F(r.loss, 4));
  }
  run.world.Barrier();
}

// 12. model.safetensors + config.json, once every rank holds the same weights.
void SaveFinalModel(const Run& run, VisionTransformer& model, bool stopped_early) {
  const TrainOptions& o = run.o;
  if (run.world.size() > 1) {
    if (!SameWeightsEverywhere(model, run.world)) throw Error("the ranks' weights differ (internal error)");
    if (run.lead) LogInfo("weights identical on all " + std::to_string(run.world.size()) + " ranks");
  }
  if (!run.lead) return;
  const std::string extra = nlohmann::json{
      {"synthub", {{"command", o.command}, {"data", o.data}, {"seed", o.loader.seed}, {"epochs", o.epochs},
                   {"batch_size_total", o.loader.batch_size * o.accum * run.world.size()}, {"lr", o.lr},
                   {"optimizer", o.optimizer}, {"init", o.init}}}}.dump();
  SaveModel(o.out, model, extra);
  LogInfo("wrote " + (fs::path(o.out) / "model.safetensors").string() + " and config.json" +
          (stopped_early ? " (stopped at --max-steps; --resume continues)" : ""));
}

}  // namespace

int RunTrain(const TrainOptions& o, World& world) {
  CheckOptions(o);                                                   // 1
  Run run(o, world);
  SetUp(run);                                                        // 2
  std::unique_ptr<checkpoint::SafetensorsFile> init;
  std::string init_where;
  run.mc = ModelShape(o, &init, &init_where);                        // 3
  const std::unique_ptr<Loader> loader = OpenLoader(run);            // 4
  PlanSteps(run, *loader);                                           // 5
  VisionTransformer model = BuildModel(run, init.get(), init_where); // 6
  const auto state = Resume(run, model);                             // 7
  BroadcastParameters(model, world);                                 // 8: every rank from rank 0
  Freeze(model, o.freeze_blocks, run.mc.depth);
  model->to(run.device);
  Optimizer opt(model, o);
  if (state) opt.LoadState(*state, run.step, run.state_path);
  const std::vector<torch::Tensor> params = opt.Params();
  const std::unique_ptr<std::FILE, int (*)(std::FILE*)> metrics(OpenMetrics(run), &std::fclose);  // 9

  // 10. The loop: per epoch, per step: forward/backward, update, log, save.
  at::autocast::set_enabled(false);
  Batch batch;
  MetricsWindow window;
  bool stopped_early = false;
  for (int64_t epoch = run.step / run.steps_per_epoch; epoch < o.epochs && !stopped_early; ++epoch) {
    const int64_t first = run.step - epoch * run.steps_per_epoch;
    PositionLoader(run, *loader, epoch, first);
    model->train();
    for (int64_t s = first; s < run.steps_per_epoch; ++s) {
      StepTimes t;
      ForwardBackward(run, model, *loader, batch, &t);
      const auto t0 = Clock::now();
      double lr = 0;
      const double loss = UpdateWeights(run, opt, params, epoch, t.loss, &lr);
      t.compute += Since(t0);
      ++run.step;
      window.Add(t, loss, static_cast<int64_t>(o.loader.batch_size) * o.accum * world.size());
      const bool last = run.step == run.total_steps || (o.max_steps > 0 && run.step >= o.max_steps);
      if (run.lead && (run.step % o.log_every == 0 || last)) {
        window.Log(metrics.get(), epoch, run.step, run.total_steps, loss, lr);
      }
      const bool epoch_end = s + 1 == run.steps_per_epoch;
      if (last || epoch_end || (o.save_every > 0 && run.step % o.save_every == 0)) {
        SaveState(run, model, opt, params);
      }
      if (o.max_steps > 0 && run.step >= o.max_steps && !epoch_end) {
        stopped_early = true;
        break;
      }
    }
    if (run.lead) std::fputc('\n', stderr);
    if (!o.val.empty() && !stopped_early) {                         // 11
      const auto eval_start = Clock::now();
      EvaluateEpoch(run, model, metrics.get(), epoch);
      window.Exclude(Clock::now() - eval_start);
    }
    if (o.max_steps > 0 && run.step >= o.max_steps) stopped_early = true;
  }
  SaveFinalModel(run, model, stopped_early);                         // 12
  return 0;
}

void MaybeFixBlasCoretype(char** argv) {
#if defined(__x86_64__)
  if (std::getenv("OPENBLAS_CORETYPE") != nullptr || std::getenv("SYNTHUB_NO_BLAS_FIX") != nullptr) return;
  const char* type = __builtin_cpu_supports("avx512f") ? "SkylakeX"
                     : __builtin_cpu_supports("avx2") ? "Haswell"
                                                      : nullptr;
  if (type == nullptr) return;
  setenv("OPENBLAS_CORETYPE", type, 1);
  execv("/proc/self/exe", argv);  // returns only on failure: carry on as we are
#else
  (void)argv;
#endif
}

}  // namespace synthub::train
