#include "recipe/render_cache.h"

namespace synthub::recipe {

RenderCache::Value RenderCache::Get(uint64_t key, const std::function<std::vector<uint8_t>()>& make) {
  std::unique_lock<std::mutex> lock(mu_);
  for (;;) {
    auto it = slots_.find(key);
    if (it == slots_.end()) break;
    if (it->second.value) {
      lru_.splice(lru_.begin(), lru_, it->second.lru);
      return it->second.value;
    }
    made_.wait(lock);  // another thread is making it
  }
  slots_.emplace(key, Slot{});
  lock.unlock();
  Value value;
  try {
    value = std::make_shared<const std::vector<uint8_t>>(make());
  } catch (...) {
    lock.lock();
    slots_.erase(key);
    made_.notify_all();
    throw;
  }
  lock.lock();
  Slot& slot = slots_[key];
  slot.value = value;
  lru_.push_front(key);
  slot.lru = lru_.begin();
  Evict();
  made_.notify_all();
  return value;
}

void RenderCache::Evict() {
  while (lru_.size() > capacity_) {
    const uint64_t key = lru_.back();
    lru_.pop_back();
    slots_.erase(key);
  }
}

}  // namespace synthub::recipe
