#include "recipe/plan.h"

#include <cstdint>
#include <cstdio>

#include "fractal/random.h"
#include "recipe/family.h"
#include "synthub/error.h"

namespace synthub::recipe {

using fractal::Philox4x32;
using fractal::PhiloxStream;

uint64_t PermuteIndex(uint64_t index, uint64_t n, uint64_t seed) {
  SYNTHUB_CHECK(index < n);
  if (n <= 1) return index;
  int bits = 0;
  while ((1ull << bits) < n) ++bits;
  const int half = (bits + 1) / 2;
  const uint64_t mask = (1ull << half) - 1;
  const uint32_t key[2] = {static_cast<uint32_t>(seed), static_cast<uint32_t>(seed >> 32)};
  uint64_t x = index;
  do {
    uint64_t left = x >> half, right = x & mask;
    for (uint32_t round = 0; round < 4; ++round) {
      const uint32_t ctr[4] = {static_cast<uint32_t>(right),
                               static_cast<uint32_t>(right >> 32), round,
                               fractal::kTagFeistel};
      const uint64_t f = Philox4x32(key, ctr).v[0] & mask;
      const uint64_t next = left ^ f;
      left = right;
      right = next;
    }
    x = (left << half) | right;
  } while (x >= n);  // cycle walking stays a bijection on [0, n)
  return x;
}

DatasetPlan::DatasetPlan(const Recipe& r)
    : name_(r.name),
      seed_(r.seed),
      units_per_category_(static_cast<uint32_t>(r.Instances() / r.flips)),
      draws_(static_cast<uint32_t>(r.EffectiveDraws())),
      flips_(static_cast<uint32_t>(r.flips)),
      sequential_(FamilyOf(r).SequentialPlan(r)) {
  num_units_ = static_cast<uint64_t>(r.categories) * units_per_category_;
  units_per_shard_ = static_cast<uint64_t>(r.shard_size) / flips_;
  num_shards_ = (num_units_ + units_per_shard_ - 1) / units_per_shard_;
}

SampleId DatasetPlan::GroupSample(uint64_t n) const {
  const uint64_t unit = n / flips_;
  const uint32_t in_category = static_cast<uint32_t>(unit % units_per_category_);
  return {static_cast<uint32_t>(unit / units_per_category_), in_category / draws_,
          in_category % draws_, static_cast<uint32_t>(n % flips_)};
}

std::string DatasetPlan::ShardName(uint64_t shard) const {
  char buf[32];
  std::snprintf(buf, sizeof(buf), "-%06llu.tar", static_cast<unsigned long long>(shard));
  return name_ + buf;
}

uint64_t DatasetPlan::ShardSamples(uint64_t shard) const {
  const uint64_t begin = shard * units_per_shard_;
  const uint64_t end = std::min(num_units_, begin + units_per_shard_);
  return (end - begin) * flips_;
}

std::vector<SampleId> DatasetPlan::ShardSamplesInOrder(uint64_t shard) const {
  SYNTHUB_CHECK(shard < num_shards_);
  const uint64_t begin = shard * units_per_shard_;
  const uint64_t end = std::min(num_units_, begin + units_per_shard_);
  std::vector<SampleId> samples;
  samples.reserve((end - begin) * flips_);
  for (uint64_t pos = begin; pos < end; ++pos) {
    const uint64_t unit = sequential_ ? pos : PermuteIndex(pos, num_units_, seed_);
    const uint32_t category = static_cast<uint32_t>(unit / units_per_category_);
    const uint32_t in_category = static_cast<uint32_t>(unit % units_per_category_);
    for (uint32_t f = 0; f < flips_; ++f) {
      samples.push_back({category, in_category / draws_, in_category % draws_, f});
    }
  }
  if (sequential_) return samples;
  PhiloxStream rng(seed_, static_cast<uint32_t>(shard), fractal::kTagShuffle);
  for (size_t i = samples.size(); i > 1; --i) {
    const size_t j = fractal::ScaleU32(rng.NextU32(), static_cast<uint32_t>(i));
    std::swap(samples[i - 1], samples[j]);
  }
  return samples;
}

std::string DatasetPlan::SampleKey(const SampleId& s) {
  char buf[48];
  std::snprintf(buf, sizeof(buf), "%06u_%02u_%03u_%u", s.category, s.row, s.draw, s.flip);
  return buf;
}

bool DatasetPlan::ParseSampleKey(const std::string& key, SampleId* s) {
  std::vector<std::string> fields;
  size_t at = 0;
  for (size_t end; (end = key.find('_', at)) != std::string::npos; at = end + 1) {
    fields.push_back(key.substr(at, end - at));
  }
  fields.push_back(key.substr(at));
  if (fields.size() != 4) return false;
  uint32_t v[4];
  for (int k = 0; k < 4; ++k) {
    const std::string& f = fields[k];
    if (f.empty() || f.size() > 10 || f.find_first_not_of("0123456789") != std::string::npos) {
      return false;
    }
    const uint64_t x = std::stoull(f);
    if (x > UINT32_MAX) return false;
    v[k] = static_cast<uint32_t>(x);
  }
  *s = {v[0], v[1], v[2], v[3]};
  return true;
}

}  // namespace synthub::recipe
