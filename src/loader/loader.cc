// The Loader: an epoch plan, one reader thread (streams shards in plan
// order, or reads by offset for global shuffle, or names samples to render)
// that cuts the delivery order into batch jobs, worker threads that decode
// or render and augment each job into a batch, and the consumer taking the
// batches in order. Deterministic for any number of workers.
#include "synthub/loader.h"

#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstdint>
#include <mutex>
#include <nlohmann/json.hpp>
#include <thread>

#include "recipe/family.h"
#include "recipe/params_cache.h"
#include "util/http_client.h"
#include "loader/loader_impl.h"
#include "shard/sample_group.h"
#include "shard/sample_index.h"
#include "synthub/error.h"
#include "util/json_get.h"
#include "util/log.h"

namespace synthub {

using loader_impl::Clock;
using loader_impl::Since;

void loader_impl::NiceThisThread(int nice) {
  if (nice <= 0) return;
  // Linux: the niceness of one thread is set through its thread id.
  const id_t tid = static_cast<id_t>(::syscall(SYS_gettid));
  errno = 0;
  const int now = ::getpriority(PRIO_PROCESS, tid);
  if (errno == 0) ::setpriority(PRIO_PROCESS, tid, std::min(19, now + nice));
}

Loader::Impl::Impl(const LoaderOptions& o) : o_(o) {
  ValidateLoaderOptions(o_);
  spec_ = loader::ResolveSpec(o_.spec);
  num_classes_ = spec_.num_classes;
  if (spec_.render) {
    recipe_ = std::make_unique<recipe::Recipe>(recipe::ParseRecipe(spec_.recipe_json, o_.spec));
    render_plan_ = std::make_unique<recipe::DatasetPlan>(*recipe_);
    if (!spec_.params_file.empty() && !IsUrl(spec_.params_file)) {
      params_ = recipe::FamilyOf(*recipe_).ReadParamsArchive(spec_.params_file);
    } else {
      // A preset (or a dataset served over HTTP): its categories are a pure
      // function of the recipe, searched once per cache folder and kept.
      recipe::ParamsCacheOptions pc;
      pc.threads = static_cast<int>(std::thread::hardware_concurrency());
      params_ = recipe::CachedParams(*recipe_, pc);
    }
    if (!recipe::FamilyOf(*recipe_).NewRenderer(*recipe_, params_)->HasImage()) {
      throw Error(o_.spec + ": the recipe makes point clouds only (" + recipe_->family +
                  " --clouds only): there are no images to render; read the .npy members of "
                  "its shards instead");
    }
    for (uint64_t s = 0; s < render_plan_->num_shards(); ++s) counts_.push_back(render_plan_->ShardSamples(s));
    if (o_.shuffle == ShuffleMode::kLocal && !o_.one_view_per_category) {
      // The grouped order (epoch_plan.h): windows of whole canvases, each
      // drawn once, in a cache a little larger than a window.
      const uint64_t w = RenderWindow();
      render_cache_ = std::make_unique<recipe::RenderCache>(w + w / 4 + 2);
    }
    num_classes_ = recipe_->categories;
  } else {
    const bool indexed = o_.shuffle == ShuffleMode::kGlobal && !spec_.image_folder;
    for (const auto& s : spec_.shards) {  // refused before counting streams a URL once
      if (!indexed || !IsUrl(s.location)) continue;
      if (o_.one_view_per_category) {
        throw UsageError("one_view_per_category learns the categories from an index of local "
                         "shards; a URL cannot be indexed (" + s.location + "): use local "
                         "shards or render:");
      }
      throw UsageError("shuffle: global reads samples by offset and needs local shards; "
                       "use local for URLs (" + s.location + ")");
    }
    if (indexed) {
      // The sample index comes with the dataset (<shard>.sidx): nothing is
      // read here when the manifest gives the counts. Shards without one
      // are walked now, as before sidecars existed.
      index_ = std::make_unique<loader::ShardIndex>(o_.on_error, o_.one_view_per_category);
      uint64_t skipped = 0;
      for (const auto& s : spec_.shards) counts_.push_back(index_->Add(s, &skipped));
      index_->ReportSetup();
      std::lock_guard<std::mutex> lock(stats_mu_);
      stats_.skipped += skipped;
      stats_.shards_walked = index_->shards_walked();
    }
    for (const auto& s : spec_.shards) {
      if (indexed) break;  // counted above
      uint64_t n = s.samples;
      if (n == loader::kUnknownCount) {  // no manifest: count by walking the headers
        n = 0;
        try {
          shard::SampleGrouper reader(loader::OpenLocation(s.location));
          shard::Sample raw;
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
  }
  prefix_.resize(counts_.size());
  for (size_t i = 0; i < counts_.size(); ++i) {
    prefix_[i] = total_;
    total_ += counts_[i];
  }
  if (total_ == 0) throw Error(o_.spec + ": no samples");
  if (o_.one_view_per_category) GroupByCategory();
}

// one_view_per_category: each category's samples, from the render plan or
// from the keys in the global-shuffle index of the shards.
void Loader::Impl::GroupByCategory() {
  if (spec_.image_folder) {
    throw UsageError("one_view_per_category reads the category from synthub sample keys or a "
                     "render: recipe; an image folder has neither");
  }
  std::map<uint32_t, std::vector<uint64_t>> by_category;
  for (uint32_t s = 0; s < counts_.size(); ++s) {
    if (spec_.render) {
      const std::vector<recipe::SampleId>& order = RenderOrder(s);
      for (uint64_t i = 0; i < order.size(); ++i) by_category[order[i].category].push_back(GlobalNumber(s, i));
      continue;
    }
    // The category of each sample: from its key (CCCCCC of a synthub key),
    // or from the sidecar's labels when it says they are those categories.
    const std::string& where = spec_.shards[s].location;
    const std::vector<shard::SampleIndexEntry> entries = index_->AllEntries(s);
    const auto category_of = [&](const std::string& key, uint64_t offset) {
      recipe::SampleId id;
      if (!recipe::DatasetPlan::ParseSampleKey(key, &id)) {
        throw Error(where + "@" + std::to_string(offset) + ": sample key '" + key +
                    "' is not a synthub key CCCCCC_RR_DDD_F; one_view_per_category "
                    "takes the category from it");
      }
      return id.category;
    };
    const std::vector<std::string>* keys = index_->Keys(s);
    const bool labels = !keys && index_->LabelsAreCategories(s);
    std::string bytes;
    shard::Sample parsed;
    for (uint64_t i = 0; i < entries.size(); ++i) {
      const shard::SampleIndexEntry& e = entries[i];
      if (e.span == 0) continue;  // past damage (on_error skip): unreadable
      uint32_t category = 0;
      if (keys) {
        category = category_of((*keys)[i], e.offset);
      } else if (labels) {
        if (e.label < 0) throw Error(shard::SampleIndexPath(where) + ": sample " + std::to_string(i) + " has no label");
        category = static_cast<uint32_t>(e.label);
      } else {  // a sidecar without categories: read the sample's key
        bool opened = false;
        const int fd = shard_files_.Get(s, where, &opened);
        bytes.resize(e.span);
        loader::PreadExact(fd, e.offset, bytes.data(), bytes.size(), where);
        shard::ParseIndexedSample(bytes, e, true, where, &parsed);
        category = category_of(parsed.key, e.offset + parsed.offset);
      }
      by_category[category].push_back(GlobalNumber(s, i));
    }
  }
  if (index_) index_->DropKeys();
  for (auto& [id, samples] : by_category) categories_.push_back({id, std::move(samples)});
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
  if (o_.one_view_per_category) {
    plan_ = loader::MakeEpochPlanOnePerCategory(categories_, po);
  } else if (render_cache_) {
    plan_ = loader::MakeGroupedEpochPlan(render_plan_->num_groups(), render_plan_->group_size(),
                                         RenderWindow(), po);
  } else {
    plan_ = loader::MakeEpochPlan(counts_, po);
  }
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
  // Recycled buffers: a fresh 38 MB batch costs more in page faults than its
  // augmentation.
  bool reused = false;
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (o_.layout == OutputLayout::kFloat32Nchw && !free_f32_.empty()) {
      batch->f32.swap(free_f32_.back());
      free_f32_.pop_back();
      reused = true;
    }
    if (o_.layout == OutputLayout::kUint8Nhwc && !free_u8_.empty()) {
      batch->u8.swap(free_u8_.back());
      free_u8_.pop_back();
      reused = true;
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
  {
    constexpr size_t kMaxSpares = 256;
    std::lock_guard<std::mutex> lock(spare_mu_);
    for (Item& item : job.items) {
      if (spare_images_.size() >= kMaxSpares) break;
      if (item.image.capacity() > 0) spare_images_.push_back(std::move(item.image));
    }
  }
  std::lock_guard<std::mutex> lock(stats_mu_);
  stats_.decode_s += decode_s;
  stats_.augment_s += augment_s;
  stats_.collate_s += Since(t0);
  stats_.skipped += failed.size();
  stats_.buffers_reused += reused ? 1 : 0;
}

void Loader::Impl::WorkLoop() {
  loader_impl::NiceThisThread(o_.nice);
  loader::SampleDecoder decoder(o_, recipe_.get(), spec_.render ? &params_ : nullptr);
  if (render_cache_) decoder.UseRenderCache(render_cache_.get());
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
  PoolLocked(ready);
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

void Loader::Impl::PoolLocked(Batch& batch) {
  const size_t keep = static_cast<size_t>(o_.prefetch + o_.workers);
  if (batch.f32.capacity() > 0 && free_f32_.size() < keep) free_f32_.push_back(std::move(batch.f32));
  if (batch.u8.capacity() > 0 && free_u8_.size() < keep) free_u8_.push_back(std::move(batch.u8));
}

void Loader::Impl::Recycle(Batch&& batch) {
  std::lock_guard<std::mutex> lock(mu_);
  PoolLocked(batch);
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
void Loader::Recycle(Batch&& batch) { impl_->Recycle(std::move(batch)); }
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
