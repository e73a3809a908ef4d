// The loader's reader thread: streams the pieces of the epoch plan (local
// files or HTTP), reads samples by offset for global shuffle, reads loose
// files, or names the samples to render; cuts the delivery order into batch
// jobs at most `prefetch` batches ahead of the consumer.
#include <algorithm>

#include "util/http_client.h"
#include "loader/loader_impl.h"
#include "util/byte_stream.h"
#include "shard/sample_group.h"
#include "shard/sample_index.h"
#include "synthub/error.h"
#include "util/file.h"
#include "util/log.h"

namespace synthub {
namespace {

// Why a sample cannot be used ("" when it can): no image, no label or a
// label that is not an integer >= 0. Streaming and global reads say the same.
std::string SampleProblem(const std::string& where, uint64_t offset, const std::string& key,
                          bool has_image, bool has_label, int64_t label) {
  const std::string at = where + "@" + std::to_string(offset) + ": sample '" + key + "' ";
  if (!has_image) return at + "has no image (.png, .jpg, .jpeg or .webp)";
  if (!has_label) return at + "has no label (.cls, .cls.txt or .label)";
  if (label < 0) return at + "has a label that is not an integer >= 0";
  return "";
}

}  // namespace

using loader_impl::Clock;
using loader_impl::Since;

const std::vector<recipe::SampleId>& Loader::Impl::RenderOrder(uint32_t shard) {
  std::lock_guard<std::mutex> lock(render_mu_);
  auto it = render_orders_.find(shard);
  if (it == render_orders_.end()) {
    // At most about 4M sample ids (64 MiB): all shards of a 1k-category
    // set, so a global shuffle does not redo a shard's order per sample.
    size_t held = 0;
    for (const auto& [s, order] : render_orders_) held += order.size();
    if (held > (size_t{1} << 22)) render_orders_.erase(render_orders_.begin());
    it = render_orders_.emplace(shard, render_plan_->ShardSamplesInOrder(shard)).first;
  }
  return it->second;
}

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
      shard::SampleGrouper reader(loader::OpenLocation(where));
      CountRead(0, 0, 1);
      // Counted sample by sample, so that the figures are right however the
      // run ends: the piece read, a --limit or a consumer that stops (the
      // reader then returns mid-piece), or an error.
      uint64_t counted = 0;
      const auto count = [&](Clock::time_point since) {
        const uint64_t bytes = reader.bytes_read();
        CountRead(Since(since), bytes - counted, 0);
        counted = bytes;
      };
      shard::Sample raw;
      std::vector<std::string> spares;  // taken from the workers in bulk
      for (uint64_t k = 0; k < piece.begin; ++k) {
        if (!reader.Next(&raw, false)) throw Error(where + ": fewer samples than counted");
      }
      count(t0);
      for (; i < len; ++i) {
        const uint64_t d = plan_.deliver_at[p + i];
        const bool want = d >= first && d < end;
        if (want) {
          if (spares.empty()) {
            std::lock_guard<std::mutex> lock(spare_mu_);
            spares.swap(spare_images_);
          }
          if (!spares.empty()) {
            reader.Recycle(std::move(spares.back()));
            spares.pop_back();
          }
        }
        const auto t1 = Clock::now();
        if (!reader.Next(&raw, want)) {
          throw Error(where + ": ends after " + std::to_string(piece.begin + i) +
                      " samples, expected " + std::to_string(counts_[piece.shard]) + " (truncated?)");
        }
        count(t1);
        if (!want) continue;
        Item item;
        item.global = GlobalNumber(piece.shard, piece.begin + i);
        item.key = raw.key;
        shard::SampleMember* image = shard::FindImage(&raw);
        const shard::SampleMember* label = shard::FindLabel(raw);
        item.label = label ? shard::ParseLabel(label->data) : -1;
        item.error = SampleProblem(where, raw.offset, raw.key, image, label, item.label);
        if (!item.error.empty()) {
          item.failed = true;
        } else {
          item.image = std::move(image->data);  // raw is refilled by the next read
        }
        put(d, std::move(item));
        if (stop_) return;
      }
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

// Reading in the global permutation: each sample by its index entry, with
// one read of its records (headers and members), checked against the entry.
void Loader::Impl::ReadGlobal(uint64_t first, uint64_t end,
                              const std::function<void(uint64_t, Item&&)>& put) {
  std::string bytes;  // one sample's records, reused
  shard::Sample parsed;
  std::vector<std::string> spares;  // image buffers taken from the workers in bulk
  uint64_t walked = index_ ? index_->shards_walked() : 0;
  for (uint64_t d = first; d < end && !stop_; ++d) {
    if (spec_.image_folder) {
      put(d, ReadLooseFile(plan_.GlobalSample(d)));
      continue;
    }
    const uint64_t g = plan_.GlobalSample(d);
    const uint32_t s = static_cast<uint32_t>(std::upper_bound(prefix_.begin(), prefix_.end(), g) - prefix_.begin() - 1);
    const std::string& where = spec_.shards[s].location;
    Item item;
    item.global = g;
    const auto t0 = Clock::now();
    uint64_t read = 0;
    try {
      const shard::SampleIndexEntry e = index_->Entry(s, g - prefix_[s]);
      if (e.span == 0) {
        throw Error(where + ": sample " + std::to_string(g - prefix_[s]) + " lies past damage in the shard");
      }
      bool opened = false;
      const int fd = shard_files_.Get(s, where, &opened);
      if (opened) CountRead(0, 0, 1);
      bytes.resize(e.span);
      loader::PreadExact(fd, e.offset, bytes.data(), bytes.size(), where);
      read = bytes.size();
      shard::ParseIndexedSample(bytes, e, index_->LabelsKnown(s), where, &parsed);
      item.key = parsed.key;
      const shard::SampleMember* image = shard::FindImage(parsed);
      const shard::SampleMember* label = shard::FindLabel(parsed);
      if (image && label) {
        item.label = shard::ParseLabel(bytes.substr(label->data_offset, label->size));
        if (spares.empty()) {
          std::lock_guard<std::mutex> lock(spare_mu_);
          spares.swap(spare_images_);
        }
        if (!spares.empty()) {
          item.image = std::move(spares.back());
          spares.pop_back();
        }
        item.image.assign(bytes, image->data_offset, image->size);
      }
      const std::string problem =
          SampleProblem(where, e.offset + parsed.offset, parsed.key, image, label, item.label);
      if (!problem.empty()) throw Error(problem);
    } catch (const Error& e) {
      if (o_.on_error == ErrorPolicy::kError) throw;
      item.failed = true;
      item.error = e.what();
    }
    CountRead(Since(t0), read, 0);
    if (index_->shards_walked() != walked) {  // a sidecar that did not match its shard
      walked = index_->shards_walked();
      std::lock_guard<std::mutex> lock(stats_mu_);
      stats_.shards_walked = walked;
    }
    put(d, std::move(item));
  }
}

loader_impl::Item Loader::Impl::ReadLooseFile(uint64_t index) {
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
  CountRead(Since(t0), item.image.size(), 1);
  return item;
}

void Loader::Impl::CountRead(double seconds, uint64_t bytes, uint64_t files) {
  std::lock_guard<std::mutex> lock(stats_mu_);
  stats_.read_s += seconds;
  stats_.bytes_read += bytes;
  stats_.files_opened += files;
}

void Loader::Impl::ReadLoop(uint64_t start_batch) {
  loader_impl::NiceThisThread(o_.nice);
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
        } else if (have_good && o_.on_error == ErrorPolicy::kSkip) {
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
      if (spec_.render && plan_.group_size > 0) {
        // The grouped order: name each sample by its group-major number.
        for (uint64_t d = first; d < end && !stop_; ++d) {
          const uint64_t n = plan_.GlobalSample(d);
          Item item;
          item.global = n;
          item.render = render_plan_->GroupSample(n);
          item.key = recipe::DatasetPlan::SampleKey(item.render);
          item.label = item.render.category;
          put(d, std::move(item));
        }
      } else if (spec_.render && o_.shuffle == ShuffleMode::kGlobal) {
        // Render in the global permutation: name each delivered sample.
        for (uint64_t d = first; d < end && !stop_; ++d) {
          const uint64_t g = plan_.GlobalSample(d);
          const uint32_t s = static_cast<uint32_t>(
              std::upper_bound(prefix_.begin(), prefix_.end(), g) - prefix_.begin() - 1);
          const recipe::SampleId id = RenderOrder(s)[g - prefix_[s]];
          Item item;
          item.global = g;
          item.render = id;
          item.key = recipe::DatasetPlan::SampleKey(id);
          item.label = id.category;
          put(d, std::move(item));
        }
      } else if (spec_.render) {
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
            item.key = recipe::DatasetPlan::SampleKey(order[i]);
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

}  // namespace synthub
