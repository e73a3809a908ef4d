// synthub pretrain / finetune / eval: ViT training with libtorch
// (src/train/). Built into synthub-train only (tools/train_main.cc).
#include <cstdio>
#include <string>
#include <utility>
#include <vector>

#include "args.h"
#include "commands.h"
#include "loader_flags.h"
#include "synthub/error.h"

#include "util/mpi_world.h"
#include "train/train.h"

namespace synthub::cli {
namespace {

const std::vector<std::string> kTrainLoaderFlags = {
    "batch-size", "workers", "prefetch", "loader-nice", "seed", "shuffle", "shuffle-buffer", "on-error",
    "no-crop", "scale", "hflip", "vflip", "interpolation", "mean", "std", "rand-augment",
    "color-jitter", "random-erasing", "one-view-per-category"};
// eval reads every sample once, resized, in order.
const std::vector<std::string> kEvalLoaderFlags = {
    "batch-size", "workers", "prefetch", "on-error", "interpolation", "mean", "std"};

// A published pre-training recipe: the defaults it gives pretrain's flags;
// a flag given on the command line still wins. docs/train.md gives the
// source of every value.
struct TrainRecipe {
  const char* name;
  std::vector<std::pair<const char*, const char*>> defaults;
};

const TrainRecipe kRecipes[] = {
    // FractalDB / DeiT-Tiny (Nakashima et al., AAAI 2022): TrainFlags' own defaults.
    {"fractaldb", {}},
    // OFDB (Nakamura et al., ICCV 2023): the released pre-train.sh over
    // configs/data/grayimagefolder.yaml and configs/model/vit.yaml, through
    // timm 0.4.12's create_transform, Mixup and create_scheduler. Their
    // main.py scales lr, warmup_lr and min_lr by total batch / 512; these are
    // the scaled values at the published total batch of 256 (1e-3, 1e-6, 1e-5
    // x 0.5). 80000 epochs of the 1000 images of OFDB-1k.
    {"ofdb",
     {{"model", "vit_tiny_patch16_224"}, {"epochs", "80000"}, {"batch-size", "256"},
      {"opt", "adamw"}, {"lr", "5e-4"}, {"warmup-lr", "5e-7"}, {"min-lr", "5e-6"},
      {"warmup-epochs", "5"}, {"weight-decay", "0.05"}, {"drop-path", "0.1"},
      {"smoothing", "0.1"}, {"mixup", "0.8"}, {"cutmix", "1.0"}, {"scale", "0.08,1"},
      {"hflip", "true"}, {"vflip", "true"}, {"interpolation", "bicubic"}, {"mean", "0.5"},
      {"std", "0.5"}, {"rand-augment", "rand-m9-mstd0.5-inc1"}, {"color-jitter", "0.4"},
      {"random-erasing", "0.5"}}},
};

std::string RecipeNames() {
  std::string names;
  for (const TrainRecipe& r : kRecipes) names += std::string(names.empty() ? "" : " | ") + r.name;
  return names;
}

const TrainRecipe& FindRecipe(const std::string& name) {
  for (const TrainRecipe& r : kRecipes) {
    if (name == r.name) return r;
  }
  throw UsageError("--recipe: expected " + RecipeNames() + ", got '" + name + "'");
}

// --recipe's value, read before the flags are parsed because it sets their
// defaults (and what --help shows). The last one wins, as for any flag.
std::string RecipeArgument(int argc, char** argv) {
  std::string name = kRecipes[0].name;
  for (int i = 0; i < argc; ++i) {
    const std::string arg = argv[i];
    if (arg == "--recipe" && i + 1 < argc) name = argv[++i];
    if (arg.rfind("--recipe=", 0) == 0) name = arg.substr(9);
  }
  return name;
}

// Defaults are the FractalDB / DeiT-Tiny pre-training recipe (AAAI 2022);
// finetune switches to its CIFAR recipe (SGD, lr 0.01, wd 1e-4, no mixup).
std::vector<FlagSpec> TrainFlags(bool finetune) {
  std::vector<FlagSpec> f = {
      {"data", "", "training set: loader spec (shards, dataset folder, URL, render:RECIPE)"},
      {"val", "", "validation set evaluated after each epoch (loader spec)"},
      {"out", "", "run folder: metrics.jsonl, train_state.safetensors, model.safetensors, config.json"},
      {"resume", "false", "continue from OUT/train_state.safetensors when it exists", true},
      {"classes", "0", "classes of the head (0 = the training set's)"},
      {"epochs", finetune ? "100" : "300", "epochs"},
      {"accum", "1", "micro-batches per optimizer step (gradient accumulation)"},
      {"opt", finetune ? "sgd" : "adamw", "adamw | sgd"},
      {"lr", finetune ? "0.01" : "5e-4", "peak learning rate"},
      {"min-lr", "1e-5", "final learning rate of the cosine schedule"},
      {"warmup-lr", "1e-6", "learning rate at the start of the warm-up"},
      {"warmup-epochs", finetune ? "0" : "5", "linear warm-up, in epochs (fractions allowed)"},
      {"weight-decay", finetune ? "1e-4" : "0.05", "weight decay (AdamW: decoupled; SGD: L2)"},
      {"momentum", "0.9", "SGD momentum"},
      {"smoothing", finetune ? "0" : "0.1", "label smoothing"},
      {"mixup", finetune ? "0" : "0.8", "mixup Beta alpha (0 = off)"},
      {"cutmix", finetune ? "0" : "1.0", "cutmix Beta alpha (0 = off)"},
      {"clip-grad", "0", "clip the global gradient norm to this (0 = off)"},
      {"drop-path", "0.1", "stochastic depth rate (last block; linear in depth)"},
      {"threads", "0", "torch threads per rank (0 = cores / local ranks)"},
      {"device", "cpu", "cpu | cuda | cuda:N"},
      {"amp", "none", "autocast: none | bf16 | fp16"},
      {"log-every", "10", "steps between metrics lines"},
      {"save-every", "0", "steps between training-state saves (0 = each epoch)"},
      {"max-steps", "0", "stop after this many steps with the state saved (0 = all)"},
      {"fixed-batch", "false",
       "benchmark: every step on the first batch again (times the step without the loader)", true},
  };
  // The loader's flags (tools/loader_flags.h), less those the trainer sets:
  // rank and world size (MPI), image size (the model's), layout, uneven, keep-last.
  std::vector<FlagSpec> loader = LoaderFlags(kTrainLoaderFlags);
  SetDefault(&loader, "batch-size", finetune ? "96" : "64");
  SetDefault(&loader, "loader-nice", "10");
  for (FlagSpec& l : loader) {
    if (l.name == "batch-size") l.help = "samples per rank and micro-batch";
    if (l.name == "seed") l.help = "seed of init, shuffling, augmentation, mixup, drop-path";
    if (l.name == "hflip") l.help += " (off in the FractalDB recipe)";
    if (l.name == "rand-augment" || l.name == "random-erasing") l.help += " (off in the FractalDB recipe)";
  }
  f.insert(f.end(), loader.begin(), loader.end());
  if (finetune) {
    f.push_back({"init", "", "checkpoint to start from (folder or model.safetensors; required)"});
    f.push_back({"freeze", "-1", "freeze the patch embedding and this many blocks (-1 = none)"});
  } else {
    f.insert(f.begin(), {"recipe", kRecipes[0].name,
                         RecipeNames() + ": the published recipe the defaults below come from "
                         "(flags given still override it)"});
    f.push_back({"model", "vit_tiny_patch16_224",
                 "vit_tiny_patch16_224 | vit_small_patch16_224 | vit_base_patch16_224 | vit_custom"});
    f.push_back({"img-size", "", "image size (vit_custom, or to override a preset)"});
    f.push_back({"patch", "", "patch size"});
    f.push_back({"depth", "", "blocks"});
    f.push_back({"dim", "", "embedding width"});
    f.push_back({"heads", "", "attention heads"});
  }
  return f;
}

// pretrain's flags with the defaults of `recipe` (--help shows them).
CommandSpec PretrainSpec(const TrainRecipe& recipe) {
  CommandSpec s = {
      "pretrain", "synthub pretrain --data SPEC --out RUN [--recipe fractaldb|ofdb] [flags]",
      "Pre-trains a ViT on a dataset (shards, image folder, URL) or on fractals rendered\n"
      "on the fly (render:RECIPE). Data-parallel under mpirun. Writes RUN/metrics.jsonl,\n"
      "RUN/train_state.safetensors (exact resume) and RUN/model.safetensors + config.json\n"
      "(timm names and fields). The defaults below follow --recipe (docs/train.md):\n"
      "  fractaldb  FractalDB / DeiT-Tiny, Nakashima et al., AAAI 2022\n"
      "  ofdb       OFDB, Nakamura et al., ICCV 2023, from the authors' release\n"
      "             (github.com/ryoo-nakamura/OFDB, timm 0.4.12): pre-train.sh gives\n"
      "             RandAugment rand-m9-mstd0.5-inc1, random erasing 0.5 (pixel, 1 box),\n"
      "             colour jitter 0.4 (not applied beside RandAugment, as timm), hflip and\n"
      "             vflip 0.5, scale 0.08-1, mixup 0.8, cutmix 1.0, lr 1e-3, 5 warm-up\n"
      "             epochs, 80000 epochs, 8 ranks x 32 = 256 a step (here --batch-size 256\n"
      "             on one rank: pass 256/ranks); grayimagefolder.yaml: bicubic, mean and\n"
      "             std 0.5, smoothing 0.1; vit.yaml: vit_tiny, AdamW, weight decay 0.05,\n"
      "             drop-path 0.1, warmup-lr 1e-6, min-lr 1e-5; main.py scales the three\n"
      "             rates by 256/512: --lr 5e-4 --warmup-lr 5e-7 --min-lr 5e-6.",
      TrainFlags(false)};
  SetDefault(&s.flags, "recipe", recipe.name);
  for (const auto& [flag, value] : recipe.defaults) SetDefault(&s.flags, flag, value);
  return s;
}
const CommandSpec kFinetune = {
    "finetune", "synthub finetune --init CKPT --data SPEC --out RUN [flags]",
    "Fine-tunes a checkpoint on another dataset: a new head when the class count\n"
    "differs (as timm), optional freezing, SGD or AdamW.",
    TrainFlags(true)};
CommandSpec EvalSpec() {
  CommandSpec s = {
      "eval", "synthub eval CKPT --data SPEC [--out DIR] [flags]",
      "Evaluates a checkpoint: loss, top-1/top-5; with --out also per_class.csv and\n"
      "confusion.csv (rows: true class, columns: predicted). Pass the --mean, --std and\n"
      "--interpolation the model was trained with when they were not the defaults.",
      {{"data", "", "dataset (loader spec)"},
       {"out", "", "folder for eval.json, per_class.csv, confusion.csv"},
       {"dump", "", "write the first batch's input and logits to this safetensors file"},
       {"threads", "0", "torch threads (0 = all cores)"},
       {"device", "cpu", "cpu | cuda | cuda:N"},
       {"limit", "0", "batches to evaluate (0 = all)"}}};
  for (const FlagSpec& f : LoaderFlags(kEvalLoaderFlags)) s.flags.push_back(f);
  return s;
}
const CommandSpec kEval = EvalSpec();

train::TrainOptions ParseTrain(const Args& a, bool finetune) {
  train::TrainOptions o;
  o.command = finetune ? "finetune" : "pretrain";
  o.data = a.Str("data");
  o.val = a.Str("val");
  o.out = a.Str("out");
  o.resume = a.Switch("resume");
  o.classes = a.Int("classes");
  o.epochs = a.Int("epochs");
  FillLoaderOptions(a, &o.loader);
  o.accum = a.Int("accum");
  o.optimizer = a.Str("opt");
  o.lr = a.Double("lr");
  o.min_lr = a.Double("min-lr");
  o.warmup_lr = a.Double("warmup-lr");
  o.warmup_epochs = a.Double("warmup-epochs");
  o.weight_decay = a.Double("weight-decay");
  o.momentum = a.Double("momentum");
  o.label_smoothing = a.Double("smoothing");
  o.mixup = a.Double("mixup");
  o.cutmix = a.Double("cutmix");
  o.clip_grad = a.Double("clip-grad");
  o.threads = a.Int("threads");
  o.device = a.Str("device");
  o.amp = a.Str("amp");
  o.log_every = a.Int("log-every");
  o.save_every = a.Int("save-every");
  o.max_steps = a.Int64("max-steps");
  o.fixed_batch = a.Switch("fixed-batch");
  if (o.log_every <= 0) throw UsageError("--log-every must be positive");
  if (o.label_smoothing < 0 || o.label_smoothing >= 1) throw UsageError("--smoothing must be in [0, 1)");
  o.model.drop_path = a.Double("drop-path");
  if (finetune) {
    o.init = a.Str("init");
    if (o.init.empty()) throw UsageError("--init is required");
    o.freeze_blocks = a.Int("freeze");
  } else {
    const std::string name = a.Str("model");
    const double dp = o.model.drop_path;
    if (name == "vit_custom") {
      o.model.architecture = "vit_custom";
      for (const char* need : {"img-size", "patch", "depth", "dim", "heads"}) {
        if (!a.Given(need)) throw UsageError(std::string("vit_custom needs --") + need);
      }
    } else {
      o.model = train::PresetConfig(name);
    }
    o.model.drop_path = dp;
    if (a.Given("img-size")) o.model.img_size = a.Int("img-size");
    if (a.Given("patch")) o.model.patch_size = a.Int("patch");
    if (a.Given("depth")) o.model.depth = a.Int("depth");
    if (a.Given("dim")) o.model.embed_dim = a.Int("dim");
    if (a.Given("heads")) o.model.num_heads = a.Int("heads");
    if (name != "vit_custom" && (a.Given("img-size") || a.Given("patch") || a.Given("depth") ||
                                 a.Given("dim") || a.Given("heads"))) {
      o.model.architecture = "vit_custom";  // no longer the timm preset's shape
    }
    o.model.num_classes = 1;  // set from the data; Validate() checks the rest now
    o.model.Validate();
  }
  return o;
}

}  // namespace

int RunTrainCommand(const std::string& cmd, int argc, char** argv, World& world) {
  const std::string recipe = cmd == "pretrain" ? RecipeArgument(argc, argv) : "";
  const CommandSpec pretrain = cmd == "pretrain" ? PretrainSpec(FindRecipe(recipe)) : CommandSpec{};
  const CommandSpec& spec = cmd == "pretrain" ? pretrain : cmd == "finetune" ? kFinetune : kEval;
  Args a(spec, argc, argv);
  if (cmd == "pretrain" && a.Str("recipe") != recipe) {  // "--recipe" was another flag's value
    throw UsageError("--recipe: give it as --recipe NAME or --recipe=NAME");
  }
  if (!a.positional().empty() && cmd != "eval") throw UsageError("unexpected argument '" + a.positional()[0] + "'");
  if (cmd == "eval") {
    if (a.positional().size() != 1) throw UsageError("expected one CKPT");
    train::EvalOptions o;
    o.checkpoint = a.positional()[0];
    o.data = a.Str("data");
    o.out = a.Str("out");
    o.dump = a.Str("dump");
    FillLoaderOptions(a, &o.loader);
    o.threads = a.Int("threads");
    o.device = a.Str("device");
    o.limit = a.Int64("limit");
    return MappingLoaderErrors(a, [&] { return train::RunEval(o); });
  }
  const train::TrainOptions o = ParseTrain(a, cmd == "finetune");
  return MappingLoaderErrors(a, [&] { return train::RunTrain(o, world); });
}

}  // namespace synthub::cli
