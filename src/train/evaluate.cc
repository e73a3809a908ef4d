#include "train/evaluate.h"

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <thread>
#include <nlohmann/json.hpp>

#include "checkpoint/safetensors.h"
#include "synthub/error.h"
#include "synthub/loader.h"
#include "train/checkpoint.h"
#include "train/train.h"
#include "util/file.h"
#include "util/log.h"

namespace synthub::train {

namespace fs = std::filesystem;

torch::Device ParseDevice(const std::string& name) {
  if (name == "cpu") return torch::kCPU;
  if (name.rfind("cuda", 0) == 0) {
    if (!torch::cuda::is_available()) {
      throw Error("--device " + name + ": this libtorch has no CUDA or no GPU is visible");
    }
    return torch::Device(name);
  }
  throw UsageError("--device must be cpu, cuda or cuda:N");
}

namespace {

int LocalRanks() {
  for (const char* v : {"OMPI_COMM_WORLD_LOCAL_SIZE", "MPI_LOCALNRANKS", "SLURM_NTASKS_PER_NODE"}) {
    if (const char* s = std::getenv(v)) return std::max(1, std::atoi(s));
  }
  return 1;
}

}  // namespace

void SetThreads(int threads) {
  const int cores = static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
  torch::set_num_threads(threads > 0 ? threads : std::max(1, cores / LocalRanks()));
}

EvalResult Evaluate(VisionTransformer& model, const LoaderOptions& data, const ModelConfig& config,
                    const torch::Device& device, int64_t limit) {
  const std::string& spec = data.spec;
  LoaderOptions lo = data;
  lo.rank = 0;
  lo.world_size = 1;
  lo.shuffle = ShuffleMode::kNone;
  lo.one_view_per_category = false;  // every view is evaluated
  lo.drop_last = false;
  lo.random_resized_crop = false;
  lo.hflip = lo.vflip = false;
  lo.rand_augment.clear();
  lo.color_jitter = lo.random_erasing = 0;
  lo.layout = OutputLayout::kFloat32Nchw;
  lo.image_size = config.img_size;
  Loader loader(lo);
  const int classes = config.num_classes;
  if (loader.num_classes() > 0 && loader.num_classes() != classes) {
    throw Error(spec + ": the dataset has " + std::to_string(loader.num_classes()) +
                " classes, the model's head " + std::to_string(classes) +
                " (fine-tune it onto this dataset first)");
  }
  EvalResult r;
  r.classes = classes;
  r.confusion.assign(static_cast<size_t>(classes) * classes, 0);
  torch::NoGradGuard no_grad;
  model->eval();
  Batch b;
  double loss_sum = 0;
  int64_t correct1 = 0, correct5 = 0, batches = 0;
  while ((limit == 0 || batches < limit) && loader.Next(&b)) {
    ++batches;
    const int64_t n = b.size;
    auto labels = torch::from_blob(b.labels.data(), {n}, torch::kInt64).clone();
    if (labels.max().item<int64_t>() >= classes) {
      throw Error(spec + ": label " + std::to_string(labels.max().item<int64_t>()) +
                  " is outside the model's " + std::to_string(classes) + " classes");
    }
    auto x = torch::from_blob(b.f32.data(), {n, 3, b.height, b.width}, torch::kFloat32).clone();
    auto logits = model->forward(x.to(device)).to(torch::kCPU, torch::kFloat32);
    if (!r.first_input.defined()) {
      r.first_input = x;
      r.first_logits = logits.clone();
    }
    loss_sum += torch::nn::functional::cross_entropy(logits, labels,
                    torch::nn::functional::CrossEntropyFuncOptions().reduction(torch::kSum)).item<double>();
    const int k = std::min(5, classes);
    auto top = std::get<1>(logits.topk(k, 1));
    auto hit = top.eq(labels.unsqueeze(1));
    correct1 += hit.select(1, 0).sum().item<int64_t>();
    correct5 += hit.any(1).sum().item<int64_t>();
    auto pred = top.select(1, 0);
    for (int64_t i = 0; i < n; ++i) {
      ++r.confusion[static_cast<size_t>(b.labels[i]) * classes + pred[i].item<int64_t>()];
    }
    r.samples += n;
  }
  if (r.samples == 0) throw Error(spec + ": no samples to evaluate");
  r.loss = loss_sum / r.samples;
  r.top1 = 100.0 * correct1 / r.samples;
  r.top5 = 100.0 * correct5 / r.samples;
  model->train();
  return r;
}

int RunEval(const EvalOptions& o) {
  if (o.checkpoint.empty() || o.data.empty()) throw UsageError("expected CHECKPOINT and --data");
  SetThreads(o.threads);
  std::string config_path, weights_path;
  CheckpointPaths(o.checkpoint, &config_path, &weights_path);
  const ModelConfig mc = ConfigFromJson(ReadFile(config_path), config_path);
  VisionTransformer model(mc);
  const auto file = checkpoint::OpenChecked(weights_path, config_path);
  LoadWeights(model, file, "", false, weights_path);
  const torch::Device device = ParseDevice(o.device);
  model->to(device);
  LoaderOptions data = o.loader;
  data.spec = o.data;
  const EvalResult r = Evaluate(model, data, mc, device, o.limit);
  std::printf("{\"checkpoint\": \"%s\", \"data\": \"%s\", \"samples\": %lld, \"loss\": %.6f, "
              "\"top1\": %.4f, \"top5\": %.4f}\n",
              o.checkpoint.c_str(), o.data.c_str(), static_cast<long long>(r.samples), r.loss, r.top1,
              r.top5);
  if (!o.out.empty()) {
    fs::create_directories(o.out);
    nlohmann::json j = {{"checkpoint", o.checkpoint}, {"data", o.data}, {"samples", r.samples},
                        {"loss", r.loss}, {"top1", r.top1}, {"top5", r.top5}};
    std::string per_class = "class,samples,correct,accuracy\n", confusion = "true\\predicted";
    for (int c = 0; c < r.classes; ++c) confusion += "," + std::to_string(c);
    confusion += "\n";
    for (int c = 0; c < r.classes; ++c) {
      int64_t total = 0;
      confusion += std::to_string(c);
      for (int p = 0; p < r.classes; ++p) {
        const int64_t v = r.confusion[static_cast<size_t>(c) * r.classes + p];
        total += v;
        confusion += "," + std::to_string(v);
      }
      confusion += "\n";
      const int64_t hit = r.confusion[static_cast<size_t>(c) * r.classes + c];
      char line[128];
      std::snprintf(line, sizeof(line), "%d,%lld,%lld,%.4f\n", c, static_cast<long long>(total),
                    static_cast<long long>(hit), total ? 100.0 * hit / total : 0.0);
      per_class += line;
    }
    WriteFileAtomic((fs::path(o.out) / "eval.json").string(), j.dump(2) + "\n");
    WriteFileAtomic((fs::path(o.out) / "per_class.csv").string(), per_class);
    WriteFileAtomic((fs::path(o.out) / "confusion.csv").string(), confusion);
  }
  if (!o.dump.empty()) {
    SaveTensors(o.dump, {{"input", r.first_input}, {"logits", r.first_logits}}, {{"format", "pt"}});
  }
  return 0;
}

}  // namespace synthub::train
