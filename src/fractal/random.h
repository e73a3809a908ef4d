// Random streams used by the FractalDB algorithm.
//
// Mt19937 reproduces numpy's legacy RandomState word for word (the published
// FractalDB search uses np.random.seed(1)); Philox4x32-10 is the
// counter-based generator (Salmon et al., SC'11) that keys every other draw
// by (seed, category, ...), so any value can be computed independently.
// NumpyRandom/NumpyUniform/NumpyRandInt turn 32-bit words into numbers the
// way numpy's legacy generator does. None of these types are thread-safe.
#ifndef SYNTHUB_FRACTAL_RANDOM_H_
#define SYNTHUB_FRACTAL_RANDOM_H_

#include <cstddef>
#include <cstdint>

namespace synthub::fractal {

// MT19937's init_by_array (Matsumoto & Nishimura 2002): the 624-word state
// that numpy's RandomState([k0, k1, ...]) and CPython's random.seed(int)
// (the int's 32-bit words) start from.
void Mt19937InitByArray(const uint32_t* key, int length, uint32_t state[624]);

class Mt19937 {
 public:
  // init_genrand: numpy RandomState(seed) and std::mt19937(seed).
  explicit Mt19937(uint32_t seed);
  // init_by_array: numpy RandomState([k0, k1, ...]).
  Mt19937(const uint32_t* key, int length);
  uint32_t NextU32() {
    if (index_ >= kN) Refill();
    return out_[index_++];
  }
  // n numpy random_sample() doubles; same values as NumpyRandomFill, but
  // converting whole blocks at a time.
  void FillDoubles(double* out, size_t n);

 private:
  static constexpr int kN = 624;
  void Refill();
  uint32_t state_[kN];
  uint32_t out_[kN];  // tempered words of the current block
  int index_;
};

struct PhiloxBlock {
  uint32_t v[4];
};

// One Philox4x32-10 evaluation: 128 random bits from (key, counter).
PhiloxBlock Philox4x32(const uint32_t key[2], const uint32_t ctr[4]);

// Philox of `blocks` consecutive counters (first_block + i, c1, c2, c3):
// out[4 * i + k] = Philox4x32(key, ctr_i).v[k]. Same values as the scalar
// function, computed lane-parallel so that the compiler vectorises it.
void PhiloxFill(const uint32_t key[2], uint32_t first_block, uint32_t c1, uint32_t c2,
                uint32_t c3, size_t blocks, uint32_t* out);

// A sequential word stream over Philox: block b of the stream is
// Philox(key = seed, counter = (b_lo, b_hi, c2, c3)). (c2, c3) name the stream.
class PhiloxStream {
 public:
  PhiloxStream(uint64_t seed, uint32_t c2, uint32_t c3);
  uint32_t NextU32() {
    if (used_ == 4) Refill();
    return block_.v[used_++];
  }

 private:
  void Refill();
  uint32_t key_[2];
  uint32_t ctr_[4];
  uint64_t next_block_ = 0;
  PhiloxBlock block_{};
  int used_ = 4;
};

// numpy legacy random_sample(): 53-bit double in [0, 1) from two words.
template <class Source>
inline double NumpyRandom(Source& s) {
  uint32_t a = s.NextU32() >> 5;
  uint32_t b = s.NextU32() >> 6;
  return (a * 67108864.0 + b) / 9007199254740992.0;
}

template <class Source>
inline void NumpyRandomFill(Source& s, double* out, size_t n) {
  for (size_t i = 0; i < n; ++i) out[i] = NumpyRandom(s);
}

inline void NumpyRandomFill(Mt19937& s, double* out, size_t n) { s.FillDoubles(out, n); }

// numpy legacy uniform(lo, hi).
template <class Source>
inline double NumpyUniform(Source& s, double lo, double hi) {
  return lo + (hi - lo) * NumpyRandom(s);
}

// numpy legacy randint(lo, hi) for hi - lo < 2^32: masked rejection on
// 32-bit words, no word consumed when the range holds one value.
template <class Source>
inline int64_t NumpyRandInt(Source& s, int64_t lo, int64_t hi) {
  uint32_t range = static_cast<uint32_t>(hi - 1 - lo);
  if (range == 0) return lo;
  uint32_t mask = range;
  mask |= mask >> 1;
  mask |= mask >> 2;
  mask |= mask >> 4;
  mask |= mask >> 8;
  mask |= mask >> 16;
  uint32_t v;
  while ((v = s.NextU32() & mask) > range) {
  }
  return lo + v;
}

// Uniform integer in [0, n) by multiply-shift (bias below n / 2^32).
inline uint32_t ScaleU32(uint32_t word, uint32_t n) {
  return static_cast<uint32_t>((static_cast<uint64_t>(word) * n) >> 32);
}

// Stream tags: the c3 word of every Philox counter says what it is for.
enum StreamTag : uint32_t {
  kTagSearch = 0x53524348,   // "SRCH": keyed category search
  kTagMask = 0x4d41534b,     // "MASK": patch masks
  kTagShuffle = 0x53485546,  // "SHUF": order of samples within a shard
  kTagFeistel = 0x46535445,  // "FSTE": unit -> shard permutation
  kTagBase = 0x42415345,     // "BASE": 1p-frac's base system
  kTagPerturb = 0x50525442,  // "PRTB": 1p-frac's per-class perturbations
};

}  // namespace synthub::fractal

#endif  // SYNTHUB_FRACTAL_RANDOM_H_
