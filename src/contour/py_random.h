// PyRandom: CPython 3.11's random.Random (Mersenne Twister MT19937), value
// for value. The published contour generators (VisualAtom, RCDB) draw every
// parameter and every noise input from Python's `random` module; this class
// reproduces random.seed(n) for a non-negative int n and the methods they
// call, with CPython's formulas and operation order. ExpoVariate uses the C
// library's log() as CPython's math.log does (same results with the same
// libm). Not thread-safe; copying takes a snapshot of the state.
#ifndef SYNTHUB_CONTOUR_PY_RANDOM_H_
#define SYNTHUB_CONTOUR_PY_RANDOM_H_

#include <cstdint>

namespace synthub::contour {

class PyRandom {
 public:
  // random.seed(seed): init_by_array over the 32-bit words of the integer,
  // least significant first (seed 0 -> key [0]).
  explicit PyRandom(uint64_t seed);

  // genrand_uint32: the next tempered 32-bit word.
  uint32_t NextU32() {
    if (index_ >= kN) Twist();
    uint32_t y = state_[index_++];
    y ^= y >> 11;
    y ^= (y << 7) & 0x9d2c5680u;
    y ^= (y << 15) & 0xefc60000u;
    y ^= y >> 18;
    return y;
  }

  // random.random(): 53 bits from two words, (a >> 5, b >> 6).
  double Random() {
    const uint32_t a = NextU32() >> 5;
    const uint32_t b = NextU32() >> 6;
    return (a * 67108864.0 + b) * (1.0 / 9007199254740992.0);
  }

  // random.getrandbits(k) for 1 <= k <= 64: one word shifted right for
  // k <= 32; otherwise the low word first, then the high word shifted.
  uint64_t GetRandBits(int k);

  // random._randbelow(n) for n >= 1: getrandbits(n.bit_length()), redrawn
  // while >= n.
  int64_t RandBelow(int64_t n);

  // random.randint(a, b) = randrange(a, b + 1) = a + _randbelow(b - a + 1).
  // Throws Error when b < a (Python raises ValueError) or the range does
  // not fit in int64.
  int64_t RandInt(int64_t a, int64_t b);

  // random.uniform(a, b): a + (b - a) * random().
  double Uniform(double a, double b) { return a + (b - a) * Random(); }

  // random.expovariate(lambd) of 3.11: -log(1.0 - random()) / lambd.
  double ExpoVariate(double lambd);

  // Skips n words, as n calls of NextU32() would, without tempering them.
  void Discard(uint64_t n);

 private:
  static constexpr int kN = 624;
  void Twist();  // the next block of kN words; index_ = 0

  uint32_t state_[kN];
  int index_;
};

}  // namespace synthub::contour

#endif  // SYNTHUB_CONTOUR_PY_RANDOM_H_
