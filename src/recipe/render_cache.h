// Work that several samples share, kept for the renderers of one loader
// (its worker threads): FractalDB's canvases, each of which the grouped
// on-the-fly order asks for once per flip within a window of canvases.
// Holds at most `capacity` values, dropping the least recently used; a key
// being made by one thread is waited for, not made again, by the others.
// Values are immutable and shared: one dropped while in use stays alive for
// its users. Thread-safe.
#ifndef SYNTHUB_RECIPE_RENDER_CACHE_H_
#define SYNTHUB_RECIPE_RENDER_CACHE_H_

#include <condition_variable>
#include <cstdint>
#include <functional>
#include <list>
#include <memory>
#include <mutex>
#include <unordered_map>
#include <vector>

namespace synthub::recipe {

class RenderCache {
 public:
  using Value = std::shared_ptr<const std::vector<uint8_t>>;
  explicit RenderCache(size_t capacity) : capacity_(capacity < 1 ? 1 : capacity) {}

  // The value of `key`, made by `make` when no thread has it (exceptions
  // propagate to this caller; a waiting thread then makes it itself).
  Value Get(uint64_t key, const std::function<std::vector<uint8_t>()>& make);

 private:
  struct Slot {
    Value value;  // null while being made
    std::list<uint64_t>::iterator lru;
  };
  void Evict();  // locked

  const size_t capacity_;
  mutable std::mutex mu_;
  std::condition_variable made_;
  std::unordered_map<uint64_t, Slot> slots_;  // guarded
  std::list<uint64_t> lru_;                    // most recent first; made values only
};

}  // namespace synthub::recipe

#endif  // SYNTHUB_RECIPE_RENDER_CACHE_H_
