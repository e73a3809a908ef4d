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

LoaderOptions TrainLoaderOptions(const TrainOptions& o, const ModelConfig& m, World& w) {
  LoaderOptions lo = o.loader;
  lo.spec = o.data;
  lo.rank = w.rank();
  lo.world_size = w.size();
  lo.uneven = UnevenPolicy::kDrop;
  lo.drop_last = true;
  lo.image_size = m.img_size;
  lo.layout = OutputLayout::kFloat32Nchw;
  return lo;
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

}  // namespace

int RunTrain(const TrainOptions& o, World& world) {
  const bool lead = world.rank() == 0;
  if (o.data.empty()) throw UsageError("--data is required");
  if (o.out.empty()) throw UsageError("--out is required");
  if (o.accum <= 0 || o.epochs <= 0) throw UsageError("--accum and --epochs must be positive");
  ValidateLoaderOptions(o.loader);  // names the field: the CLI says which flag
  if (o.optimizer != "adamw" && o.optimizer != "sgd") throw UsageError("--opt must be adamw or sgd");
  if (o.amp != "none" && o.amp != "bf16" && o.amp != "fp16") throw UsageError("--amp must be none, bf16 or fp16");
  SetThreads(o.threads);
  at::globalContext().setFlushDenormal(true);  // denormals made early steps 10x slower
  const torch::Device device = ParseDevice(o.device);
  fs::create_directories(o.out);
  const std::string state_path = (fs::path(o.out) / "train_state.safetensors").string();
  const std::string metrics_path = (fs::path(o.out) / "metrics.jsonl").string();

  // The model: its shape from the flags, or from the checkpoint fine-tuned.
  ModelConfig mc = o.model;
  std::unique_ptr<checkpoint::SafetensorsFile> init;
  std::string init_where;
  if (!o.init.empty()) {
    std::string config_path, weights_path;
    CheckpointPaths(o.init, &config_path, &weights_path);
    mc = ConfigFromJson(ReadFile(config_path), config_path);
    mc.drop_path = o.model.drop_path;
    init = std::make_unique<checkpoint::SafetensorsFile>(checkpoint::OpenChecked(weights_path, config_path));
    init_where = weights_path;
  }
  Loader loader(TrainLoaderOptions(o, mc, world));
  mc.num_classes = o.classes > 0 ? o.classes : loader.num_classes();
  if (mc.num_classes <= 0) throw UsageError(o.data + ": the class count is unknown; pass --classes");
  if (o.classes > 0 && loader.num_classes() > o.classes) {
    throw Error(o.data + ": the dataset has " + std::to_string(loader.num_classes()) +
                " classes, more than the model's " + std::to_string(o.classes));
  }
  const int64_t steps_per_epoch = static_cast<int64_t>(loader.BatchesPerEpoch()) / o.accum;
  if (steps_per_epoch == 0) {
    throw Error(o.data + ": fewer than batch-size x accum x ranks samples; no full step per epoch");
  }
  const int64_t total_steps = steps_per_epoch * o.epochs;
  const int64_t warmup_steps = static_cast<int64_t>(std::llround(o.warmup_epochs * steps_per_epoch));

  VisionTransformer model(mc);
  model->InitWeights(o.loader.seed);
  if (init) {
    const bool head = LoadWeights(model, *init, "", /*drop_head=*/true, init_where);
    if (lead) LogInfo("initialised from " + init_where + (head ? "" : " (new head of " + std::to_string(mc.num_classes) + " classes)"));
  }
  int64_t step = 0;
  nlohmann::json resumed;
  std::unique_ptr<checkpoint::SafetensorsFile> state;
  if (o.resume && fs::exists(state_path)) {
    state = std::make_unique<checkpoint::SafetensorsFile>(checkpoint::OpenChecked(state_path, ""));
    LoadWeights(model, *state, "model.", false, state_path);
    auto it = state->metadata().find("state");
    if (it == state->metadata().end()) throw Error(state_path + ": no training state in the metadata");
    resumed = nlohmann::json::parse(it->second);
    step = resumed.at("step").get<int64_t>();
    if (resumed.at("seed").get<uint64_t>() != o.loader.seed) {
      throw Error(state_path + ": saved by a run with --seed " + resumed.at("seed").dump() +
                  "; resume with the same seed (or start a new --out)");
    }
    if (resumed.at("steps_per_epoch").get<int64_t>() != steps_per_epoch) {
      throw Error(state_path + ": saved with " + resumed.at("steps_per_epoch").dump() +
                  " steps per epoch, this run has " + std::to_string(steps_per_epoch) +
                  " (other data, batch size, accumulation or ranks?)");
    }
  }
  BroadcastParameters(model, world);
  if (o.freeze_blocks >= 0) {
    model->patch_embed->proj->weight.set_requires_grad(false);
    model->patch_embed->proj->bias.set_requires_grad(false);
    model->cls_token.set_requires_grad(false);
    model->pos_embed.set_requires_grad(false);
    for (int i = 0; i < std::min<int>(o.freeze_blocks, mc.depth); ++i) {
      for (auto& p : (*model->blocks)[i]->parameters()) p.set_requires_grad(false);
    }
  }
  model->to(device);
  Optimizer opt(model, o);
  if (state) opt.LoadState(*state, step, state_path);
  const std::vector<torch::Tensor> params = opt.Params();

  const std::string extra = nlohmann::json{
      {"synthub", {{"command", o.command}, {"data", o.data}, {"seed", o.loader.seed}, {"epochs", o.epochs},
                   {"batch_size_total", o.loader.batch_size * o.accum * world.size()}, {"lr", o.lr},
                   {"optimizer", o.optimizer}, {"init", o.init}}}}.dump();
  auto save_state = [&](int64_t at_step) {
    std::vector<std::pair<std::string, torch::Tensor>> tensors;
    for (auto& item : model->named_parameters()) tensors.emplace_back("model." + item.key(), item.value());
    opt.AppendState(&tensors);
    const int64_t epoch = at_step / steps_per_epoch;
    const nlohmann::json meta = {{"step", at_step}, {"epoch", epoch},
                                 {"steps_per_epoch", steps_per_epoch}, {"seed", o.loader.seed},
                                 {"loader", {{"epoch", epoch}, {"batches", (at_step % steps_per_epoch) * o.accum}}},
                                 {"config", nlohmann::json::parse(ConfigJson(mc, ""))}};
    SaveTensors(state_path, tensors, {{"format", "pt"}, {"state", meta.dump()}});
  };

  std::FILE* metrics = nullptr;
  if (lead) {
    if (step > 0) {
      TrimMetrics(metrics_path, step);
    } else {
      WriteFileAtomic(metrics_path, "");
    }
    metrics = std::fopen(metrics_path.c_str(), "a");
    if (!metrics) throw Error(metrics_path + ": cannot open for writing");
    LogInfo(o.command + ": " + mc.architecture + " (" + std::to_string(mc.embed_dim) + " wide, " +
            std::to_string(mc.depth) + " deep, " + std::to_string(mc.img_size) + " px / " +
            std::to_string(mc.patch_size) + "), " + std::to_string(mc.num_classes) + " classes, " +
            std::to_string(world.size()) + " rank(s), " + std::to_string(steps_per_epoch) +
            " steps per epoch, " + std::to_string(total_steps) + " steps" +
            (step > 0 ? ", resuming at step " + std::to_string(step) : "") + "; OpenBLAS kernel " +
            (std::getenv("OPENBLAS_CORETYPE") ? std::getenv("OPENBLAS_CORETYPE") : "auto-detected") +
            ", " + std::to_string(torch::get_num_threads()) + " torch threads");
  }
  struct Closer {
    std::FILE* f;
    ~Closer() { if (f) std::fclose(f); }
  } closer{metrics};

  at::autocast::set_enabled(false);
  const bool amp = o.amp != "none";
  const auto amp_type = o.amp == "fp16" ? at::kHalf : at::kBFloat16;
  Batch batch;
  double win_wait = 0, win_compute = 0, win_loss = 0;
  int64_t win_steps = 0, win_images = 0;
  auto win_start = Clock::now();
  bool stopped_early = false;
  for (int64_t epoch = step / steps_per_epoch; epoch < o.epochs && !stopped_early; ++epoch) {
    const int64_t first = step - epoch * steps_per_epoch;
    if (first > 0) {
      loader.Restore(LoaderState{o.loader.seed, static_cast<uint64_t>(epoch), static_cast<uint64_t>(first * o.accum)});
    } else {
      loader.SetEpoch(static_cast<uint64_t>(epoch));
    }
    model->train();
    for (int64_t s = first; s < steps_per_epoch; ++s) {
      double wait = 0, compute = 0, loss_sum = 0;
      for (int micro = 0; micro < o.accum; ++micro) {
        auto t0 = Clock::now();
        if (!loader.Next(&batch)) throw Error("the loader ended an epoch early (internal error)");
        wait += Since(t0);
        t0 = Clock::now();
        const int64_t n = batch.size;
        auto labels = torch::from_blob(batch.labels.data(), {n}, torch::kInt64);
        if (labels.max().item<int64_t>() >= mc.num_classes || labels.min().item<int64_t>() < 0) {
          throw Error(o.data + ": a label is outside the model's " + std::to_string(mc.num_classes) +
                      " classes (sample " + batch.keys[0] + "...); the dataset does not match the head");
        }
        auto x = torch::from_blob(batch.f32.data(), {n, 3, batch.height, batch.width}, torch::kFloat32)
                     .to(device, /*non_blocking=*/false, /*copy=*/true);
        labels = labels.to(device, false, true);
        torch::manual_seed(StepSeed(o.loader.seed, step, micro, world.rank()));
        std::mt19937_64 rng(StepSeed(o.loader.seed ^ 0x6d6978ULL, step, micro, world.rank()));
        auto target = MixBatch(x, labels, mc.num_classes, o, rng);
        torch::Tensor logits;
        if (amp) {
          if (device.is_cuda()) {
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
        compute += Since(t0);
      }
      auto t0 = Clock::now();
      AverageGradients(params, world);
      double stats[2] = {loss_sum / o.accum, 1.0};
      world.AllSum(stats, 2);
      const double loss = stats[0] / stats[1];
      if (!std::isfinite(loss)) {
        throw Error("the loss is " + F(loss) + " at step " + std::to_string(step) + " (epoch " +
                    std::to_string(epoch) + "); stopped. The last good state is " + state_path +
                    (fs::exists(state_path) ? "" : " (none saved yet)") +
                    "; lower --lr, set --clip-grad, or check the data");
      }
      if (o.clip_grad > 0) torch::nn::utils::clip_grad_norm_(params, o.clip_grad);
      const double lr = LearningRate(o, step, total_steps, warmup_steps);
      opt.Step(lr);
      for (auto& p : params) p.mutable_grad() = torch::Tensor();
      if (device.is_cuda()) torch::cuda::synchronize();
      compute += Since(t0);
      ++step;
      win_wait += wait, win_compute += compute, win_loss += loss;
      ++win_steps;
      win_images += static_cast<int64_t>(o.loader.batch_size) * o.accum * world.size();
      const bool last = step == total_steps || (o.max_steps > 0 && step >= o.max_steps);
      if (lead && (step % o.log_every == 0 || last)) {
        const double wall = Since(win_start);
        std::fprintf(metrics,
                     "{\"kind\": \"train\", \"epoch\": %lld, \"step\": %lld, \"loss\": %s, "
                     "\"window_loss\": %s, \"lr\": %s, \"images_per_s\": %s, \"data_wait_s\": %s, "
                     "\"compute_s\": %s, \"data_wait_frac\": %s}\n",
                     static_cast<long long>(epoch), static_cast<long long>(step), F(loss).c_str(),
                     F(win_loss / win_steps).c_str(), F(lr).c_str(), F(win_images / wall, 5).c_str(),
                     F(win_wait, 5).c_str(), F(win_compute, 5).c_str(),
                     F(win_wait / std::max(1e-12, win_wait + win_compute), 4).c_str());
        std::fflush(metrics);
        std::fprintf(stderr, "\repoch %lld step %lld/%lld  loss %.4f  lr %.2e  %.1f img/s  data wait %.1f%%   ",
                     static_cast<long long>(epoch), static_cast<long long>(step),
                     static_cast<long long>(total_steps), win_loss / win_steps, lr, win_images / wall,
                     100.0 * win_wait / std::max(1e-12, win_wait + win_compute));
        win_wait = win_compute = win_loss = 0;
        win_steps = win_images = 0;
        win_start = Clock::now();
      }
      const bool epoch_end = s + 1 == steps_per_epoch;
      if (last || epoch_end || (o.save_every > 0 && step % o.save_every == 0)) {
        // Never replace a good state with non-finite weights.
        if (!world.AllOk(AllFinite(params))) {
          throw Error("the weights became non-finite at step " + std::to_string(step) +
                      "; stopped. The last good state is " + state_path +
                      "; lower --lr or set --clip-grad");
        }
        if (lead) save_state(step);
      }
      if (o.max_steps > 0 && step >= o.max_steps && !epoch_end) {
        stopped_early = true;
        break;
      }
    }
    if (lead) std::fputc('\n', stderr);
    if (!o.val.empty() && !stopped_early) {
      const auto eval_start = Clock::now();
      if (lead) {
        LoaderOptions val = o.loader;
        val.spec = o.val;
        EvalResult r = Evaluate(model, val, mc, device, 0);
        std::fprintf(metrics,
                     "{\"kind\": \"eval\", \"epoch\": %lld, \"step\": %lld, \"loss\": %s, \"top1\": %s, "
                     "\"top5\": %s, \"samples\": %lld}\n",
                     static_cast<long long>(epoch), static_cast<long long>(step), F(r.loss).c_str(),
                     F(r.top1).c_str(), F(r.top5).c_str(), static_cast<long long>(r.samples));
        std::fflush(metrics);
        LogInfo("epoch " + std::to_string(epoch) + ": val top-1 " + F(r.top1, 4) + " %, top-5 " +
                F(r.top5, 4) + " %, loss " + F(r.loss, 4));
      }
      world.Barrier();
      win_start += Clock::now() - eval_start;  // evaluation is not training time
    }
    if (o.max_steps > 0 && step >= o.max_steps) stopped_early = true;
  }
  if (world.size() > 1) {
    if (!SameWeightsEverywhere(model, world)) throw Error("the ranks' weights differ (internal error)");
    if (lead) LogInfo("weights identical on all " + std::to_string(world.size()) + " ranks");
  }
  if (lead) {
    SaveModel(o.out, model, extra);
    LogInfo("wrote " + (fs::path(o.out) / "model.safetensors").string() + " and config.json" +
            (stopped_early ? " (stopped at --max-steps; --resume continues)" : ""));
  }
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
