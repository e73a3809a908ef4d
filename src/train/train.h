// Pre-training, fine-tuning and evaluation of ViTs on synthub datasets
// (shards, image folders or on-the-fly fractals). The interface is free of
// libtorch headers: only src/train/*.cc include torch. docs/train.md
// describes the recipe, the files a run writes and the metrics.
#ifndef SYNTHUB_TRAIN_TRAIN_H_
#define SYNTHUB_TRAIN_TRAIN_H_

#include <cstdint>
#include <string>

#include "synthub/loader.h"
#include "util/mpi_world.h"
#include "train/model_config.h"

namespace synthub::generate {
class World;
}

namespace synthub::train {

struct TrainOptions {
  std::string command = "pretrain";  // pretrain | finetune (only the defaults differ)
  std::string data;                  // loader spec of the training set
  std::string val;                   // loader spec of the validation set ("" = none)
  std::string out;                   // run folder
  std::string init;                  // finetune: checkpoint folder or model.safetensors
  bool resume = false;               // continue from out/train_state.safetensors if present
  ModelConfig model;
  int classes = 0;                   // 0: the training set's class count
  int freeze_blocks = -1;            // finetune: freeze patch embedding + this many blocks (-1 none)

  // The DeiT / FractalDB recipe (docs/train.md lists the paper's values).
  int epochs = 300;
  int accum = 1;        // micro-batches per optimizer step
  std::string optimizer = "adamw";  // adamw | sgd
  double lr = 5e-4, min_lr = 1e-5, warmup_lr = 1e-6;
  double warmup_epochs = 5;
  double weight_decay = 0.05;
  double momentum = 0.9;  // sgd
  double label_smoothing = 0.1;
  double mixup = 0.8, cutmix = 1.0;  // Beta alphas; 0 turns one off
  double mixup_switch_prob = 0.5;    // cutmix instead of mixup when both are on
  double clip_grad = 0.0;            // max global gradient norm (0 = off)

  // The training set's loader: batch_size is per rank and micro-batch (before
  // accumulation); seed also seeds the initialisation, mixup and drop-path.
  // RunTrain sets spec (= data), rank and world size (the MPI world),
  // image_size (the model's), layout (f32), uneven (drop) and drop_last.
  // The validation set is read with the same options, as Evaluate does.
  LoaderOptions loader;

  int threads = 0;            // torch intra-op threads (0 = cores / ranks on this node)
  std::string device = "cpu";  // cpu | cuda | cuda:N
  std::string amp = "none";    // none | bf16 | fp16 (autocast)
  int log_every = 10;          // steps
  int save_every = 0;          // steps between training-state saves (0: each epoch)
  int64_t max_steps = 0;       // stop (with a saved state) after this many steps; 0 = all
  // Benchmark: every step trains on the first batch again, so the step is
  // timed without the loader running beside it (bench/train_run.sh).
  bool fixed_batch = false;
};

// Runs pre-training or fine-tuning; returns the exit code. Throws Error /
// UsageError on bad input; a NaN loss stops with exit 1 and keeps the last
// good state.
int RunTrain(const TrainOptions& options, World& world);

struct EvalOptions {
  std::string checkpoint;  // folder with model.safetensors + config.json
  std::string data;        // loader spec
  std::string out;         // folder for eval.json, per_class.csv, confusion.csv ("" = none)
  std::string dump;        // safetensors file: the first batch's input and logits
  LoaderOptions loader;    // batch size, workers, normalisation; Evaluate sets the rest
  int threads = 0;
  std::string device = "cpu";
  int64_t limit = 0;  // batches (0 = all)
};

int RunEval(const EvalOptions& options);

// Sets OPENBLAS_CORETYPE for this CPU and re-executes the program when the
// variable is unset and OpenBLAS would misdetect the CPU (docs/train.md);
// returns normally otherwise. A value already set is kept.
void MaybeFixBlasCoretype(char** argv);

}  // namespace synthub::train

#endif  // SYNTHUB_TRAIN_TRAIN_H_
