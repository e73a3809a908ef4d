// synthub's streaming loader: samples from WebDataset shards (local files or
// http(s) URLs, streamed) or rendered on the fly from a FractalDB recipe,
// decoded, augmented and batched on worker threads, with exact epochs across
// ranks, deterministic shuffling from one seed, mid-epoch resume and
// per-stage timing. docs/loader.md explains the semantics.
//
// Thread-safety: one consumer thread calls Next(); the loader owns its
// worker threads and joins them in the destructor.
#ifndef SYNTHUB_LOADER_H_
#define SYNTHUB_LOADER_H_

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

namespace synthub {

enum class ShuffleMode {
  kNone,    // reading order
  kLocal,   // shards in a new order each epoch + a shuffle buffer per rank;
            // render: sources: the grouped order (whole canvases mixed a
            // window of shuffle_buffer samples at a time, docs/loader.md)
  kGlobal,  // one permutation of all samples of all shards (random access)
};
enum class UnevenPolicy {
  kDrop,  // every rank gets floor(N / world) samples
  kWrap,  // ceil(N / world); the extra ones wrap to the start of the epoch
  kPad,   // ceil(N / world); the extra ones repeat the rank's last sample
};
enum class ErrorPolicy { kError, kSkip };
enum class OutputLayout { kUint8Nhwc, kFloat32Nchw };
enum class Interpolation { kBilinear, kBicubic };

// The one spelling of each option value, shared by the command line's flags
// and the Python keywords: shuffle none|local|global, uneven drop|wrap|pad,
// on_error error|skip, layout u8|f32, interpolation bilinear|bicubic. Parse*
// throws UsageError naming the field ("shuffle: expected none, local or
// global, got 'x'"); *Name is its inverse; *Names lists them in order.
ShuffleMode ParseShuffleMode(const std::string& name);
UnevenPolicy ParseUnevenPolicy(const std::string& name);
ErrorPolicy ParseErrorPolicy(const std::string& name);
OutputLayout ParseOutputLayout(const std::string& name);
Interpolation ParseInterpolation(const std::string& name);
std::string ShuffleModeName(ShuffleMode mode);
std::string UnevenPolicyName(UnevenPolicy policy);
std::string ErrorPolicyName(ErrorPolicy policy);
std::string OutputLayoutName(OutputLayout layout);
std::string InterpolationName(Interpolation interpolation);
std::vector<std::string> ShuffleModeNames();
std::vector<std::string> UnevenPolicyNames();
std::vector<std::string> ErrorPolicyNames();
std::vector<std::string> OutputLayoutNames();
std::vector<std::string> InterpolationNames();

struct LoaderOptions {
  // Shards: "d/x-{000000..000099}.tar", several joined with "::", a dataset
  // folder (its manifest.json), http(s):// URLs of either, or
  // "render:RECIPE" for on-the-fly FractalDB (RECIPE = a dataset folder,
  // its manifest.json / recipe.json, or a preset name).
  std::string spec;
  int batch_size = 64;
  int rank = 0;
  int world_size = 1;
  int workers = 2;    // decode/augment threads
  int prefetch = 4;   // batches in flight ahead of the consumer
  // Added to the niceness of the loader's threads (0-19). A trainer sets 10:
  // its compute threads then always win a core, and the loader runs on the
  // time they leave idle (a decode thread that preempts one thread of a
  // parallel region makes the whole region wait).
  int nice = 0;
  uint64_t seed = 0;
  ShuffleMode shuffle = ShuffleMode::kLocal;
  int shuffle_buffer = 5000;  // samples (kLocal; render: the window, in whole canvases)
  UnevenPolicy uneven = UnevenPolicy::kDrop;
  bool drop_last = true;      // drop a partial last batch
  // Each epoch, one sample per category (a keyed choice of (seed, epoch,
  // category), a new view each epoch): how 3D-OFDB trains on its 12 views.
  // Categories come from synthub's sample keys (CCCCCC_RR_DDD_F) or the
  // render: plan. Needs shuffle global (it picks samples by index).
  bool one_view_per_category = false;
  ErrorPolicy on_error = ErrorPolicy::kError;

  // Augmentation (the FractalDB / DeiT recipes).
  int image_size = 224;
  bool random_resized_crop = true;  // false: resize the whole image
  double scale_min = 0.08, scale_max = 1.0;
  double ratio_min = 3.0 / 4.0, ratio_max = 4.0 / 3.0;
  bool hflip = false;  // each with probability 0.5
  bool vflip = false;
  Interpolation interpolation = Interpolation::kBilinear;  // also RandAugment's affine ops
  OutputLayout layout = OutputLayout::kFloat32Nchw;
  float mean[3] = {0.5f, 0.5f, 0.5f};
  float std[3] = {0.5f, 0.5f, 0.5f};

  // timm's augmentations after the crop and flips (the OFDB / DeiT recipes;
  // docs/loader.md). All off by default; each costs nothing when off.
  // RandAugment in timm's syntax, e.g. "rand-m9-mstd0.5-inc1" ("" = off), on
  // the resized 8-bit image; affine ops fill with round(255 x mean).
  std::string rand_augment;
  // torchvision ColorJitter strength for brightness, contrast and saturation
  // (0 = off). As timm, it is not applied when rand_augment is set.
  double color_jitter = 0;
  // timm RandomErasing probability (0 = off): one box of 2%..1/3 of the
  // image filled with per-pixel normal noise after normalisation.
  double random_erasing = 0;
};

struct Batch {
  uint64_t epoch = 0;
  uint64_t index = 0;  // batch number within the epoch
  int size = 0, channels = 3, height = 0, width = 0;
  OutputLayout layout = OutputLayout::kFloat32Nchw;
  std::vector<float> f32;    // size x 3 x H x W (kFloat32Nchw)
  std::vector<uint8_t> u8;   // size x H x W x 3 (kUint8Nhwc)
  std::vector<int64_t> labels;
  std::vector<std::string> keys;
};

// Where time goes. Stage times are summed over worker threads (CPU-side
// seconds of real work, steady clock around each stage); wait_s is wall time
// the consumer spent blocked in Next(). docs/loader.md says how to read them.
struct LoaderStats {
  double read_s = 0, decode_s = 0, augment_s = 0, collate_s = 0, wait_s = 0;
  uint64_t samples = 0, batches = 0, bytes_read = 0, files_opened = 0, skipped = 0;
  // Global shuffle: shards whose tar headers were walked to index them
  // (no sample index sidecar, or one that did not match the shard).
  uint64_t shards_walked = 0;
  double mean_ready_batches = 0;  // batches ready when Next() was called
  // Batches written into a recycled image buffer (Next()'s previous batch or
  // Recycle()) rather than a freshly allocated one.
  uint64_t buffers_reused = 0;
};

// Where an epoch stands: enough to continue with exactly the samples not yet
// delivered. Small and serialisable.
struct LoaderState {
  uint64_t seed = 0;
  uint64_t epoch = 0;
  uint64_t batches = 0;  // delivered in this epoch
  std::string ToJson() const;
  static LoaderState FromJson(const std::string& json);  // throws Error
};

// Checks the options a Loader would refuse before touching the data; the
// UsageError names the LoaderOptions field ("batch_size must be >= 1") so
// that a caller can say which flag or keyword it was.
void ValidateLoaderOptions(const LoaderOptions& options);

class Loader {
 public:
  // Throws Error, or UsageError naming a LoaderOptions field (see above).
  explicit Loader(const LoaderOptions& options);
  ~Loader();
  Loader(const Loader&) = delete;
  Loader& operator=(const Loader&) = delete;

  // Exact, equal on every rank: the DDP-safe len().
  uint64_t BatchesPerEpoch() const;
  uint64_t SamplesPerEpoch() const;  // per rank
  uint64_t TotalSamples() const;     // in the dataset
  int num_classes() const;           // from the manifest or recipe; 0 unknown

  // Fills the next batch; false at the end of the epoch (the next call
  // starts the next epoch). Re-raises worker errors as Error.
  bool Next(Batch* batch);
  // Hands a batch's image buffers back for reuse by later batches (Next()
  // does this itself with the buffers of the Batch it overwrites); the caller
  // must not touch them after. For a consumer that gives each batch's memory
  // away (Python: a numpy array, then a torch tensor, owns it until released)
  // and returns it when the last view dies. Keeps at most prefetch + workers
  // buffers of each kind and frees the rest. Thread-safe: any thread may call
  // it, also while the consumer is in Next().
  void Recycle(Batch&& batch);
  void SetEpoch(uint64_t epoch);  // restarts at the start of that epoch
  LoaderState State() const;
  void Restore(const LoaderState& state);
  LoaderStats Stats() const;

 private:
  class Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace synthub

#endif  // SYNTHUB_LOADER_H_
