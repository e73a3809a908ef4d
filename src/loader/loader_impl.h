// The loader's internals, shared by loader.cc (epochs, workers, consumer)
// and loader_read.cc (the reader thread and its sources). Not a public API.
#ifndef SYNTHUB_LOADER_LOADER_IMPL_H_
#define SYNTHUB_LOADER_LOADER_IMPL_H_

#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "recipe/family.h"
#include "recipe/plan.h"
#include "recipe/recipe.h"
#include "recipe/render_cache.h"
#include "loader/epoch_plan.h"
#include "loader/sample_decoder.h"
#include "loader/shard_index.h"
#include "loader/spec.h"
#include "synthub/loader.h"

namespace synthub {
namespace loader_impl {

// Raises the calling thread's niceness by `nice` (LoaderOptions::nice); a
// failure leaves it as it was.
void NiceThisThread(int nice);

using Clock = std::chrono::steady_clock;
inline double Since(Clock::time_point t) {
  return std::chrono::duration<double>(Clock::now() - t).count();
}

struct Item {
  uint64_t global = 0;  // sample number in the dataset (augmentation key)
  std::string key;
  std::string image;    // encoded bytes (shard sources)
  int64_t label = -1;
  recipe::SampleId render{};  // render sources
  bool failed = false;
  std::string error;
};

struct Job {
  uint64_t batch = 0;
  std::vector<Item> items;
};

}  // namespace loader_impl

class Loader::Impl {
  using Item = loader_impl::Item;
  using Job = loader_impl::Job;

 public:
  explicit Impl(const LoaderOptions& o);
  ~Impl() { StopEpoch(); }

  uint64_t BatchesPerEpoch() const {
    const uint64_t n = SamplesPerEpoch();
    return o_.drop_last ? n / o_.batch_size : (n + o_.batch_size - 1) / o_.batch_size;
  }
  // Samples of one epoch over all ranks: every sample, or one per category.
  uint64_t EpochTotal() const { return o_.one_view_per_category ? categories_.size() : total_; }
  uint64_t SamplesPerEpoch() const {
    return loader::SamplesPerRank(EpochTotal(), o_.world_size, o_.uneven);
  }
  uint64_t total() const { return total_; }
  int num_classes() const { return num_classes_; }

  bool Next(Batch* batch);
  void Recycle(Batch&& batch);
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
  void CountRead(double seconds, uint64_t bytes, uint64_t files);  // stats, locked
  void WorkLoop();
  void MakeBatch(Job& job, loader::SampleDecoder& decoder, Batch* batch);
  void Fail(const std::string& what);
  void GroupByCategory();  // fills categories_
  uint64_t GlobalNumber(uint32_t shard, uint64_t index) const { return prefix_[shard] + index; }
  const std::vector<recipe::SampleId>& RenderOrder(uint32_t shard);
  // Groups mixed at a time in the grouped render order: the shuffle buffer's
  // samples in whole groups.
  uint64_t RenderWindow() const {
    return std::max<uint64_t>(1, static_cast<uint64_t>(std::max(1, o_.shuffle_buffer)) /
                                     render_plan_->group_size());
  }

  LoaderOptions o_;
  loader::ResolvedSpec spec_;
  std::vector<uint64_t> counts_, prefix_;
  uint64_t total_ = 0;
  int num_classes_ = 0;
  // Render source.
  std::unique_ptr<recipe::Recipe> recipe_;
  std::unique_ptr<recipe::DatasetPlan> render_plan_;
  recipe::CategoryParams params_;
  std::mutex render_mu_;
  std::map<uint32_t, std::vector<recipe::SampleId>> render_orders_;  // guarded
  std::unique_ptr<recipe::RenderCache> render_cache_;  // the grouped order (kLocal)
  // Global shuffle: the sample index (sidecars read on first touch, or
  // walked shards), and the shards open for reads by offset (reader thread).
  std::unique_ptr<loader::ShardIndex> index_;
  loader::FdCache shard_files_{128};
  // one_view_per_category: each category's samples, by category id.
  std::vector<loader::Category> categories_;

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
  void PoolLocked(Batch& batch);  // moves batch's image buffers into free_*_ (mu_ held)
  // Encoded-image buffers the workers are done with, back to the reader
  // (SampleGrouper::Recycle): no allocation or page faults per member.
  std::mutex spare_mu_;
  std::vector<std::string> spare_images_;  // guarded by spare_mu_
  uint64_t consumer_at_ = 0;            // mirror of next_batch_ for the reader
  std::atomic<bool> stop_{false};  // set under mu_; the reader also polls it unlocked
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

}  // namespace synthub

#endif  // SYNTHUB_LOADER_LOADER_IMPL_H_
