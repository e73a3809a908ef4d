// The Loader: an epoch plan, one reader thread (streams shards in plan
// order, or reads by offset for global shuffle, or names samples to render)
// that cuts the delivery order into batch jobs, worker threads that decode
// or render and augment each job into a batch, and the consumer taking the
// batches in order. Deterministic for any number of workers.
#include "synthub/loader.h"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <map>
#include <mutex>
#include <nlohmann/json.hpp>
#include <numeric>
#include <thread>

#include "generate/params.h"
#include "generate/plan.h"
#include "generate/recipe.h"
#include "loader/epoch_plan.h"
#include "loader/http_stream.h"
#include "loader/sample_decoder.h"
#include "loader/sample_reader.h"
#include "loader/spec.h"
#include "shard/manifest.h"
#include "shard/tar_reader.h"
#include "synthub/error.h"
#include "util/file.h"
#include "util/json_get.h"
#include "util/log.h"

namespace synthub {
namespace {

using Clock = std::chrono::steady_clock;
double Since(Clock::time_point t) {
  return std::chrono::duration<double>(Clock::now() - t).count();
}

struct Item {
  uint64_t global = 0;  // sample number in the dataset (augmentation key)
  std::string key;
  std::string image;    // encoded bytes (shard sources)
  int64_t label = -1;
  generate::SampleId render{};  // render sources
  bool failed = false;
  std::string error;
};

struct Job {
  uint64_t batch = 0;
  std::vector<Item> items;
};

// Random-access index of a local shard: per sample, where its image and
// label bytes are.
struct MemberRef {
  uint64_t offset = 0, size = 0;
};
struct SampleRef {
  std::string key;
  MemberRef image, label;
};

std::vector<SampleRef> IndexShard(const std::string& path) {
  shard::TarReader tar(path);
  std::vector<SampleRef> index;
  shard::TarEntry e;
  std::string key, ext;
  while (tar.Next(&e, /*with_data=*/false)) {
    shard::SplitKey(e.name, &key, &ext);
    if (index.empty() || index.back().key != key) index.push_back({key, {}, {}});
    const MemberRef ref{e.header_offset + 512, e.size};
    if (ext == "cls") index.back().label = ref;
    if (ext == "png" || ext == "jpg" || ext == "jpeg" || ext == "webp") index.back().image = ref;
  }
  return index;
}

}  // namespace

class Loader::Impl {
 public:
  explicit Impl(const LoaderOptions& o);
  ~Impl() { StopEpoch(); }

  uint64_t BatchesPerEpoch() const {
    const uint64_t n = SamplesPerEpoch();
    return o_.drop_last ? n / o_.batch_size : (n + o_.batch_size - 1) / o_.batch_size;
  }
  uint64_t SamplesPerEpoch() const { return loader::SamplesPerRank(total_, o_.world_size, o_.uneven); }
  uint64_t total() const { return total_; }
  int num_classes() const { return num_classes_; }

  bool Next(Batch* batch);
  void SetEpoch(uint64_t epoch, uint64_t batches_done);
  LoaderState State() const;
  LoaderStats Stats() const;

 private:
  void StartEpoch();
  void StopEpoch();
  void ReadLoop(uint64_t start_batch);
  void ReadPieces(uint64_t first, uint64_t end, const std::function<void(uint64_t, Item&&)>& put);
  void ReadGlobal(uint64_t first, uint64_t end, const std::function<void(uint64_t, Item&&)>& put);
  Item ReadLooseFile(uint64_t index);
  void WorkLoop();
  void MakeBatch(Job& job, loader::SampleDecoder& decoder, Batch* batch);
  void Fail(const std::string& what);
  uint64_t GlobalNumber(uint32_t shard, uint64_t index) const { return prefix_[shard] + index; }
  const std::vector<generate::SampleId>& RenderOrder(uint32_t shard);

  LoaderOptions o_;
  loader::ResolvedSpec spec_;
  std::vector<uint64_t> counts_, prefix_;
  uint64_t total_ = 0;
  int num_classes_ = 0;
  // Render source.
  std::unique_ptr<generate::Recipe> recipe_;
  std::unique_ptr<generate::DatasetPlan> render_plan_;
  std::vector<fractal::Ifs> params_;
  std::mutex render_mu_;
  std::map<uint32_t, std::vector<generate::SampleId>> render_orders_;  // guarded
  // Global shuffle: per-shard indexes.
  std::vector<std::vector<SampleRef>> index_;

  // Epoch state (consumer thread).
  uint64_t epoch_ = 0;
  uint64_t next_batch_ = 0;  // next batch the consumer takes
  bool running_ = false;
  loader::EpochPlan plan_;

  // Shared between threads.
  std::mutex mu_;
  std::condition_variable cv_;
  std::map<uint64_t, Job> jobs_;        // waiting for a worker
  std::map<uint64_t, Batch> ready_;     // waiting for the consumer
  std::vector<std::vector<float>> free_f32_;  // recycled batch buffers
  std::vector<std::vector<uint8_t>> free_u8_;
  uint64_t consumer_at_ = 0;            // mirror of next_batch_ for the reader
  bool stop_ = false;
  bool reader_done_ = false;
  std::string error_;
  std::vector<std::thread> threads_;

  // Stats.
  static constexpr int kMaxSkipLogs = 10;
  std::atomic<int> skip_logs_{0};
  mutable std::mutex stats_mu_;
  LoaderStats stats_;
  double ready_sum_ = 0;
  uint64_t ready_count_ = 0;
};

Loader::Impl::Impl(const LoaderOptions& o) : o_(o) {
  if (o_.batch_size < 1) throw UsageError("batch size must be >= 1");
  if (o_.workers < 1) throw UsageError("workers must be >= 1");
  if (o_.prefetch < 1) throw UsageError("prefetch must be >= 1");
  if (o_.world_size < 1 || o_.rank < 0 || o_.rank >= o_.world_size) {
    throw UsageError("need 0 <= rank < world size");
  }
  if (o_.image_size < 8 || o_.image_size > 4096) throw UsageError("image size must be in [8, 4096]");
  if (!(o_.scale_min > 0 && o_.scale_min <= o_.scale_max && o_.scale_max <= 1.0)) {
    throw UsageError("need 0 < scale min <= scale max <= 1");
  }
  spec_ = loader::ResolveSpec(o_.spec);
  num_classes_ = spec_.num_classes;
  if (spec_.render) {
    recipe_ = std::make_unique<generate::Recipe>(generate::ParseRecipe(spec_.recipe_json, o_.spec));
    render_plan_ = std::make_unique<generate::DatasetPlan>(*recipe_);
    if (!spec_.params_tar.empty() && !loader::IsUrl(spec_.params_tar)) {
      params_ = generate::ReadParamsTar(spec_.params_tar);
    } else {
      LogInfo("render source: searching " + std::to_string(recipe_->categories) + " categories");
      params_ = generate::SearchAll(recipe_->search, static_cast<int>(std::thread::hardware_concurrency()), false);
    }
    for (uint64_t s = 0; s < render_plan_->num_shards(); ++s) counts_.push_back(render_plan_->ShardSamples(s));
    num_classes_ = recipe_->categories;
  } else {
    for (const auto& s : spec_.shards) {
      uint64_t n = s.samples;
      if (n == loader::kUnknownCount) {  // no manifest: count by walking the headers
        n = 0;
        try {
          loader::SampleReader reader(loader::OpenLocation(s.location));
          loader::RawSample raw;
          while (reader.Next(&raw, false)) ++n;
        } catch (const Error& e) {
          if (o_.on_error == ErrorPolicy::kError) throw;
          LogWarn(std::string(e.what()) + "; using the " + std::to_string(n) + " samples before it");
          std::lock_guard<std::mutex> lock(stats_mu_);
          ++stats_.skipped;
        }
      }
      counts_.push_back(n);
    }
    if (o_.shuffle == ShuffleMode::kGlobal && !spec_.image_folder) {
      for (const auto& s : spec_.shards) {
        if (loader::IsUrl(s.location)) {
          throw UsageError("global shuffle reads samples by offset: it needs local shards "
                           "(use --shuffle local for URLs)");
        }
        index_.push_back(IndexShard(s.location));
        if (index_.back().size() != counts_[index_.size() - 1]) {
          throw Error(s.location + ": " + std::to_string(index_.back().size()) +
                      " samples, the manifest says " + std::to_string(counts_[index_.size() - 1]));
        }
      }
    }
  }
  prefix_.resize(counts_.size());
  for (size_t i = 0; i < counts_.size(); ++i) {
    prefix_[i] = total_;
    total_ += counts_[i];
  }
  if (total_ == 0) throw Error(o_.spec + ": no samples");
}

const std::vector<generate::SampleId>& Loader::Impl::RenderOrder(uint32_t shard) {
  std::lock_guard<std::mutex> lock(render_mu_);
  auto it = render_orders_.find(shard);
  if (it == render_orders_.end()) {
    if (render_orders_.size() > 64) render_orders_.erase(render_orders_.begin());
    it = render_orders_.emplace(shard, render_plan_->ShardSamplesInOrder(shard)).first;
  }
  return it->second;
}

void Loader::Impl::Fail(const std::string& what) {
  std::lock_guard<std::mutex> lock(mu_);
  if (error_.empty()) error_ = what;
  stop_ = true;
  cv_.notify_all();
}

void Loader::Impl::SetEpoch(uint64_t epoch, uint64_t batches_done) {
  StopEpoch();
  epoch_ = epoch;
  next_batch_ = batches_done;
}

void Loader::Impl::StopEpoch() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    stop_ = true;
    cv_.notify_all();
  }
  for (std::thread& t : threads_) t.join();
  threads_.clear();
  jobs_.clear();
  ready_.clear();
  running_ = false;
}

void Loader::Impl::StartEpoch() {
  loader::PlanOptions po;
  po.rank = o_.rank;
  po.world = o_.world_size;
  po.seed = o_.seed;
  po.epoch = epoch_;
  po.shuffle = o_.shuffle;
  po.buffer = static_cast<uint64_t>(std::max(1, o_.shuffle_buffer));
  po.uneven = o_.uneven;
  plan_ = loader::MakeEpochPlan(counts_, po);
  stop_ = false;
  reader_done_ = false;
  error_.clear();
  consumer_at_ = next_batch_;
  running_ = true;
  const uint64_t start = next_batch_;
  threads_.emplace_back([this, start] { ReadLoop(start); });
  for (int w = 0; w < o_.workers; ++w) threads_.emplace_back([this] { WorkLoop(); });
}

// Reading positions [p0, p1) along the pieces: stream each needed piece,
// skipping samples already delivered (resume) or beyond the epoch.
void Loader::Impl::ReadPieces(uint64_t first, uint64_t end,
                              const std::function<void(uint64_t, Item&&)>& put) {
  uint64_t p = 0;
  for (const loader::Piece& piece : plan_.pieces) {
    const uint64_t len = piece.end - piece.begin;
    bool needed = false;
    for (uint64_t i = 0; i < len && !needed; ++i) {
      const uint64_t d = plan_.deliver_at[p + i];
      needed = d >= first && d < end;
    }
    if (!needed) {
      p += len;
      continue;
    }
    const std::string& where = spec_.shards[piece.shard].location;
    if (spec_.image_folder) {  // one file per sample
      for (uint64_t i = 0; i < len && !stop_; ++i) {
        const uint64_t d = plan_.deliver_at[p + i];
        if (d < first || d >= end) continue;
        put(d, ReadLooseFile(piece.begin + i));
      }
      p += len;
      continue;
    }
    uint64_t i = 0;
    try {
      const auto t0 = Clock::now();
      loader::SampleReader reader(loader::OpenLocation(where));
      {
        std::lock_guard<std::mutex> lock(stats_mu_);
        ++stats_.files_opened;
      }
      loader::RawSample raw;
      for (uint64_t k = 0; k < piece.begin; ++k) {
        if (!reader.Next(&raw, false)) throw Error(where + ": fewer samples than counted");
      }
      double read_s = Since(t0);
      for (; i < len; ++i) {
        const uint64_t d = plan_.deliver_at[p + i];
        const bool want = d >= first && d < end;
        const auto t1 = Clock::now();
        if (!reader.Next(&raw, want)) {
          throw Error(where + ": ends after " + std::to_string(piece.begin + i) +
                      " samples, expected " + std::to_string(counts_[piece.shard]) + " (truncated?)");
        }
        read_s += Since(t1);
        if (!want) continue;
        Item item;
        item.global = GlobalNumber(piece.shard, piece.begin + i);
        item.key = raw.key;
        item.label = loader::SampleLabel(raw);
        std::string* image = const_cast<std::string*>(loader::SampleImage(raw));
        if (!image) {
          item.failed = true;
          item.error = where + "@" + std::to_string(raw.offset) + ": sample '" + raw.key + "' has no image";
        } else if (item.label < 0) {
          item.failed = true;
          item.error = where + "@" + std::to_string(raw.offset) + ": sample '" + raw.key + "' has no .cls label";
        } else {
          item.image = std::move(*image);  // raw is refilled by the next read
        }
        put(d, std::move(item));
        if (stop_) return;
      }
      std::lock_guard<std::mutex> lock(stats_mu_);
      stats_.read_s += read_s;
      stats_.bytes_read += reader.bytes_read();
    } catch (const Error& e) {
      if (o_.on_error == ErrorPolicy::kError) throw;
      // Skip policy: the rest of this piece is lost; its slots are filled
      // with other samples of their batches (counted as skipped).
      for (; i < len; ++i) {
        const uint64_t d = plan_.deliver_at[p + i];
        if (d < first || d >= end) continue;
        Item item;
        item.failed = true;
        item.error = e.what();
        put(d, std::move(item));
      }
    }
    p += len;
  }
}

void Loader::Impl::ReadGlobal(uint64_t first, uint64_t end,
                              const std::function<void(uint64_t, Item&&)>& put) {
  std::map<uint32_t, std::unique_ptr<shard::FileStream>> files;
  for (uint64_t d = first; d < end && !stop_; ++d) {
    if (spec_.image_folder) {
      put(d, ReadLooseFile(plan_.global_order[d]));
      continue;
    }
    const uint64_t g = plan_.global_order[d];
    const uint32_t s = static_cast<uint32_t>(std::upper_bound(prefix_.begin(), prefix_.end(), g) - prefix_.begin() - 1);
    const SampleRef& ref = index_[s][g - prefix_[s]];
    Item item;
    item.global = g;
    item.key = ref.key;
    const auto t0 = Clock::now();
    try {
      auto& f = files[s];
      if (!f) {
        f = std::make_unique<shard::FileStream>(spec_.shards[s].location);
        std::lock_guard<std::mutex> lock(stats_mu_);
        ++stats_.files_opened;
      }
      if (ref.image.size == 0 || ref.label.size == 0) {
        throw Error(spec_.shards[s].location + ": sample '" + ref.key + "' lacks an image or a label");
      }
      item.image.resize(ref.image.size);
      f->ReadAt(ref.image.offset, item.image.data(), ref.image.size);
      std::string cls(ref.label.size, '\0');
      f->ReadAt(ref.label.offset, cls.data(), cls.size());
      loader::RawSample raw;
      raw.parts.emplace_back("cls", cls);
      item.label = loader::SampleLabel(raw);
      if (item.label < 0) throw Error(spec_.shards[s].location + ": sample '" + ref.key + "': bad label");
    } catch (const Error& e) {
      if (o_.on_error == ErrorPolicy::kError) throw;
      item.failed = true;
      item.error = e.what();
    }
    {
      std::lock_guard<std::mutex> lock(stats_mu_);
      stats_.read_s += Since(t0);
      stats_.bytes_read += ref.image.size + ref.label.size;
    }
    put(d, std::move(item));
  }
}

Item Loader::Impl::ReadLooseFile(uint64_t index) {
  const auto& [path, label] = spec_.files[index];
  Item item;
  item.global = index;
  item.key = path;
  item.label = label;
  const auto t0 = Clock::now();
  try {
    item.image = ReadFile(path);
  } catch (const Error& e) {
    if (o_.on_error == ErrorPolicy::kError) throw;
    item.failed = true;
    item.error = e.what();
  }
  std::lock_guard<std::mutex> lock(stats_mu_);
  stats_.read_s += Since(t0);
  stats_.bytes_read += item.image.size();
  ++stats_.files_opened;
  return item;
}

void Loader::Impl::ReadLoop(uint64_t start_batch) {
  const uint64_t bs = o_.batch_size;
  const uint64_t n = plan_.samples;
  const uint64_t batches = o_.drop_last ? n / bs : (n + bs - 1) / bs;
  const uint64_t end = std::min(n, batches * bs);
  const uint64_t first = start_batch * bs;
  try {
    // Delivery indices arrive out of order (shuffle buffer); emit them in
    // order, one batch job at a time, at most `prefetch` batches ahead.
    std::map<uint64_t, Item> pending;
    uint64_t next = first;
    Job job;
    job.batch = start_batch;
    // Skip policy: a sample that could not be read is replaced by the last
    // good one in delivery order (deterministic; counted as skipped).
    Item last_good;
    bool have_good = false;
    auto put = [&](uint64_t d, Item&& item) {
      pending.emplace(d, std::move(item));
      while (!pending.empty() && pending.begin()->first == next) {
        Item& it = pending.begin()->second;
        if (!it.failed) {
          if (o_.on_error == ErrorPolicy::kSkip) last_good = it;  // a copy only when needed
          have_good = true;
        } else if (have_good) {
          if (++skip_logs_ <= kMaxSkipLogs) {
            LogWarn("skipped: " + it.error + (skip_logs_ == kMaxSkipLogs ? " (further skips counted, not logged)" : ""));
          }
          it = last_good;
          std::lock_guard<std::mutex> lock(stats_mu_);
          ++stats_.skipped;
        }
        job.items.push_back(std::move(it));
        pending.erase(pending.begin());
        ++next;
        if (job.items.size() == bs || next == end) {
          std::unique_lock<std::mutex> lock(mu_);
          cv_.wait(lock, [&] { return stop_ || job.batch < consumer_at_ + o_.prefetch; });
          if (stop_) return;
          const uint64_t b = job.batch;
          jobs_.emplace(b, std::move(job));
          job = Job();
          job.batch = b + 1;
          cv_.notify_all();
        }
      }
    };
    if (first < end) {
      if (spec_.render) {
        // Render: walk the pieces like a reader, without I/O; the workers
        // render.
        uint64_t p = 0;
        for (const loader::Piece& piece : plan_.pieces) {
          const auto& order = RenderOrder(piece.shard);
          for (uint64_t i = piece.begin; i < piece.end; ++i, ++p) {
            const uint64_t d = plan_.deliver_at[p];
            if (d < first || d >= end) continue;
            Item item;
            item.global = GlobalNumber(piece.shard, i);
            item.render = order[i];
            item.key = generate::DatasetPlan::SampleKey(order[i]);
            item.label = order[i].category;
            put(d, std::move(item));
            if (stop_) break;
          }
        }
      } else if (o_.shuffle == ShuffleMode::kGlobal) {
        ReadGlobal(first, end, put);
      } else {
        ReadPieces(first, end, put);
      }
    }
  } catch (const std::exception& e) {
    Fail(e.what());
  }
  std::lock_guard<std::mutex> lock(mu_);
  reader_done_ = true;
  cv_.notify_all();
}

void Loader::Impl::MakeBatch(Job& job, loader::SampleDecoder& decoder, Batch* batch) {
  const int size = o_.image_size;
  const size_t slot = static_cast<size_t>(size) * size * 3;
  batch->epoch = epoch_;
  batch->index = job.batch;
  batch->size = static_cast<int>(job.items.size());
  batch->channels = 3;
  batch->height = batch->width = size;
  batch->layout = o_.layout;
  batch->labels.assign(job.items.size(), 0);
  batch->keys.assign(job.items.size(), "");
  {
    // Recycled buffers: a fresh 38 MB batch costs more in page faults than
    // its augmentation.
    std::lock_guard<std::mutex> lock(mu_);
    if (!free_f32_.empty()) {
      batch->f32.swap(free_f32_.back());
      free_f32_.pop_back();
    }
    if (!free_u8_.empty()) {
      batch->u8.swap(free_u8_.back());
      free_u8_.pop_back();
    }
  }
  if (o_.layout == OutputLayout::kFloat32Nchw) {
    batch->f32.resize(slot * job.items.size());
  } else {
    batch->u8.resize(slot * job.items.size());
  }
  double decode_s = 0, augment_s = 0;
  std::vector<size_t> failed;
  for (size_t i = 0; i < job.items.size(); ++i) {
    Item& item = job.items[i];
    if (!item.failed) {
      try {
        decoder.Decode(epoch_, item.global, item.key, item.image,
                       spec_.render ? &item.render : nullptr,
                       o_.layout == OutputLayout::kFloat32Nchw ? batch->f32.data() + i * slot : nullptr,
                       o_.layout == OutputLayout::kUint8Nhwc ? batch->u8.data() + i * slot : nullptr,
                       &decode_s, &augment_s);
      } catch (const Error& e) {
        if (o_.on_error == ErrorPolicy::kError) throw;
        item.failed = true;
        item.error = e.what();
      }
    }
    if (item.failed) {
      if (o_.on_error == ErrorPolicy::kError) throw Error(item.error);
      failed.push_back(i);
      if (++skip_logs_ <= kMaxSkipLogs) LogWarn("skipped: " + item.error);
      continue;
    }
    batch->labels[i] = item.label;
    batch->keys[i] = item.key;
  }
  // Skip policy: fill the failed slots with good samples of the same batch,
  // so that every rank still gets the same number of full batches.
  const auto t0 = Clock::now();
  if (failed.size() == job.items.size()) {
    throw Error("batch " + std::to_string(job.batch) + ": every sample failed (" +
                job.items[0].error + ")");
  }
  size_t good = 0;
  for (size_t f : failed) {
    while (std::find(failed.begin(), failed.end(), good) != failed.end()) ++good;
    if (o_.layout == OutputLayout::kFloat32Nchw) {
      std::copy_n(batch->f32.data() + good * slot, slot, batch->f32.data() + f * slot);
    } else {
      std::copy_n(batch->u8.data() + good * slot, slot, batch->u8.data() + f * slot);
    }
    batch->labels[f] = batch->labels[good];
    batch->keys[f] = batch->keys[good];
  }
  std::lock_guard<std::mutex> lock(stats_mu_);
  stats_.decode_s += decode_s;
  stats_.augment_s += augment_s;
  stats_.collate_s += Since(t0);
  stats_.skipped += failed.size();
}

void Loader::Impl::WorkLoop() {
  loader::SampleDecoder decoder(o_, recipe_.get(), spec_.render ? &params_ : nullptr);
  while (true) {
    Job job;
    {
      std::unique_lock<std::mutex> lock(mu_);
      cv_.wait(lock, [&] { return stop_ || !jobs_.empty() || reader_done_; });
      if (stop_) return;
      if (jobs_.empty()) return;  // reader done, nothing left
      job = std::move(jobs_.begin()->second);
      jobs_.erase(jobs_.begin());
    }
    Batch batch;
    try {
      MakeBatch(job, decoder, &batch);
    } catch (const std::exception& e) {
      Fail(e.what());
      return;
    }
    std::lock_guard<std::mutex> lock(mu_);
    ready_.emplace(job.batch, std::move(batch));
    cv_.notify_all();
  }
}

bool Loader::Impl::Next(Batch* batch) {
  if (next_batch_ >= BatchesPerEpoch()) {  // epoch over: the next call starts the next
    StopEpoch();
    ++epoch_;
    next_batch_ = 0;
    return false;
  }
  if (!running_) StartEpoch();
  const auto t0 = Clock::now();
  std::unique_lock<std::mutex> lock(mu_);
  {
    std::lock_guard<std::mutex> slock(stats_mu_);
    ready_sum_ += static_cast<double>(ready_.size());
    ++ready_count_;
  }
  cv_.wait(lock, [&] { return !error_.empty() || ready_.count(next_batch_) > 0; });
  if (!error_.empty()) {
    const std::string error = error_;
    lock.unlock();
    StopEpoch();
    throw Error(error);
  }
  // The caller's previous buffers go back to the pool for the workers.
  Batch& ready = ready_[next_batch_];
  std::swap(*batch, ready);
  if (free_f32_.size() < static_cast<size_t>(o_.prefetch + o_.workers)) {
    if (ready.f32.capacity() > 0) free_f32_.push_back(std::move(ready.f32));
    if (ready.u8.capacity() > 0) free_u8_.push_back(std::move(ready.u8));
  }
  ready_.erase(next_batch_);
  ++next_batch_;
  consumer_at_ = next_batch_;
  cv_.notify_all();
  lock.unlock();
  std::lock_guard<std::mutex> slock(stats_mu_);
  stats_.wait_s += Since(t0);
  stats_.batches += 1;
  stats_.samples += batch->size;
  return true;
}

LoaderState Loader::Impl::State() const {
  LoaderState s;
  s.seed = o_.seed;
  s.epoch = epoch_;
  s.batches = next_batch_;
  return s;
}

LoaderStats Loader::Impl::Stats() const {
  std::lock_guard<std::mutex> lock(stats_mu_);
  LoaderStats s = stats_;
  s.mean_ready_batches = ready_count_ ? ready_sum_ / ready_count_ : 0;
  return s;
}

std::string LoaderState::ToJson() const {
  return nlohmann::json{{"format", "synthub-loader-state"}, {"version", 1}, {"seed", seed},
                        {"epoch", epoch}, {"batches", batches}}.dump();
}

LoaderState LoaderState::FromJson(const std::string& text) {
  try {
    const auto j = nlohmann::json::parse(text);
    const std::string where = "loader state";
    if (JsonGet<std::string>(j, "format", where) != "synthub-loader-state" ||
        JsonGet<int>(j, "version", where) != 1) {
      throw Error("loader state: unknown format");
    }
    LoaderState s;
    s.seed = JsonGet<uint64_t>(j, "seed", where);
    s.epoch = JsonGet<uint64_t>(j, "epoch", where);
    s.batches = JsonGet<uint64_t>(j, "batches", where);
    return s;
  } catch (const nlohmann::json::exception& e) {
    throw Error(std::string("loader state: ") + e.what());
  }
}

Loader::Loader(const LoaderOptions& options) : impl_(std::make_unique<Impl>(options)) {}
Loader::~Loader() = default;
uint64_t Loader::BatchesPerEpoch() const { return impl_->BatchesPerEpoch(); }
uint64_t Loader::SamplesPerEpoch() const { return impl_->SamplesPerEpoch(); }
uint64_t Loader::TotalSamples() const { return impl_->total(); }
int Loader::num_classes() const { return impl_->num_classes(); }
bool Loader::Next(Batch* batch) { return impl_->Next(batch); }
void Loader::SetEpoch(uint64_t epoch) { impl_->SetEpoch(epoch, 0); }
LoaderState Loader::State() const { return impl_->State(); }
LoaderStats Loader::Stats() const { return impl_->Stats(); }

void Loader::Restore(const LoaderState& state) {
  if (state.seed != impl_->State().seed) {
    throw Error("loader state: seed " + std::to_string(state.seed) + " differs from this loader's " +
                std::to_string(impl_->State().seed));
  }
  if (state.batches > impl_->BatchesPerEpoch()) throw Error("loader state: batch beyond the epoch");
  impl_->SetEpoch(state.epoch, state.batches);
}

}  // namespace synthub
