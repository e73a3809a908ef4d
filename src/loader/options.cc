// The spellings of LoaderOptions' enums and the checks of its values: one
// table per enum, shared by the command line and the Python binding.
#include "synthub/loader.h"

#include <cmath>
#include <string>
#include <vector>

#include "loader/augment.h"
#include "synthub/error.h"

namespace synthub {
namespace {

// Constant-initialised (no static initialisation order to fear: the CLI
// builds its flag tables from these at start-up).
template <class E>
struct Spelling {
  E value;
  const char* name;
};
constexpr Spelling<ShuffleMode> kShuffle[] = {
    {ShuffleMode::kNone, "none"}, {ShuffleMode::kLocal, "local"}, {ShuffleMode::kGlobal, "global"}};
constexpr Spelling<UnevenPolicy> kUneven[] = {
    {UnevenPolicy::kDrop, "drop"}, {UnevenPolicy::kWrap, "wrap"}, {UnevenPolicy::kPad, "pad"}};
constexpr Spelling<ErrorPolicy> kOnError[] = {{ErrorPolicy::kError, "error"}, {ErrorPolicy::kSkip, "skip"}};
constexpr Spelling<OutputLayout> kLayout[] = {
    {OutputLayout::kUint8Nhwc, "u8"}, {OutputLayout::kFloat32Nchw, "f32"}};
constexpr Spelling<Interpolation> kInterpolation[] = {
    {Interpolation::kBilinear, "bilinear"}, {Interpolation::kBicubic, "bicubic"}};

template <class E, size_t N>
E Parse(const Spelling<E> (&table)[N], const char* field, const std::string& name) {
  std::string expected;
  for (size_t i = 0; i < N; ++i) {
    if (name == table[i].name) return table[i].value;
    expected += (i == 0 ? "" : i + 1 == N ? " or " : ", ") + std::string(table[i].name);
  }
  throw UsageError(std::string(field) + ": expected " + expected + ", got '" + name + "'");
}

template <class E, size_t N>
std::string Name(const Spelling<E> (&table)[N], E value) {
  for (const Spelling<E>& s : table) {
    if (s.value == value) return s.name;
  }
  return "?";
}

template <class E, size_t N>
std::vector<std::string> Names(const Spelling<E> (&table)[N]) {
  std::vector<std::string> names;
  for (const Spelling<E>& s : table) names.push_back(s.name);
  return names;
}

}  // namespace

ShuffleMode ParseShuffleMode(const std::string& name) { return Parse(kShuffle, "shuffle", name); }
UnevenPolicy ParseUnevenPolicy(const std::string& name) { return Parse(kUneven, "uneven", name); }
ErrorPolicy ParseErrorPolicy(const std::string& name) { return Parse(kOnError, "on_error", name); }
OutputLayout ParseOutputLayout(const std::string& name) { return Parse(kLayout, "layout", name); }
Interpolation ParseInterpolation(const std::string& name) {
  return Parse(kInterpolation, "interpolation", name);
}

std::string ShuffleModeName(ShuffleMode mode) { return Name(kShuffle, mode); }
std::string UnevenPolicyName(UnevenPolicy policy) { return Name(kUneven, policy); }
std::string ErrorPolicyName(ErrorPolicy policy) { return Name(kOnError, policy); }
std::string OutputLayoutName(OutputLayout layout) { return Name(kLayout, layout); }
std::string InterpolationName(Interpolation interpolation) {
  return Name(kInterpolation, interpolation);
}

std::vector<std::string> ShuffleModeNames() { return Names(kShuffle); }
std::vector<std::string> UnevenPolicyNames() { return Names(kUneven); }
std::vector<std::string> ErrorPolicyNames() { return Names(kOnError); }
std::vector<std::string> OutputLayoutNames() { return Names(kLayout); }
std::vector<std::string> InterpolationNames() { return Names(kInterpolation); }

void ValidateLoaderOptions(const LoaderOptions& o) {
  if (o.batch_size < 1) throw UsageError("batch_size must be >= 1");
  if (o.workers < 1) throw UsageError("workers must be >= 1");
  if (o.prefetch < 1) throw UsageError("prefetch must be >= 1");
  if (o.nice < 0 || o.nice > 19) throw UsageError("nice must be between 0 and 19");
  if (o.world_size < 1) throw UsageError("world_size must be >= 1");
  if (o.rank < 0 || o.rank >= o.world_size) {
    throw UsageError("rank must be in [0, world_size), got " + std::to_string(o.rank));
  }
  if (o.image_size < 8 || o.image_size > 4096) throw UsageError("image_size must be in [8, 4096]");
  if (!(o.scale_min > 0 && o.scale_min <= o.scale_max && o.scale_max <= 1.0)) {
    throw UsageError("scale: need 0 < min <= max <= 1");
  }
  if (!(o.ratio_min > 0 && o.ratio_min <= o.ratio_max)) throw UsageError("ratio: need 0 < min <= max");
  for (int c = 0; c < 3; ++c) {
    if (!(o.std[c] > 0)) throw UsageError("std must be > 0");
  }
  if (!o.rand_augment.empty()) loader::ParseRandAugment(o.rand_augment);
  if (!(o.color_jitter >= 0 && std::isfinite(o.color_jitter))) {
    throw UsageError("color_jitter must be >= 0 (0 = off)");
  }
  if (o.one_view_per_category && o.shuffle != ShuffleMode::kGlobal) {
    throw UsageError("one_view_per_category picks samples by index: it needs shuffle global");
  }
  if (!(o.random_erasing >= 0 && o.random_erasing <= 1)) {
    throw UsageError("random_erasing is a probability: it must be in [0, 1]");
  }
}

}  // namespace synthub
