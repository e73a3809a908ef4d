// Test driver for tests/fractal3d_check.py: prints what src/fractal3d/ifs3d
// computes, for the script to compare with its own numpy transcription of
// the published scripts. Doubles are printed with 17 significant digits
// (they read back exactly).
//   search --mode keyed|numpy --seed S --categories K [--variance V]
//          [--points P] [--max-trials M] [--threads T]
//       each category: a line "# category C trials T", then its CSV;
//       on stderr the total trials, the seconds and trials per second
//   trials --seed S --trials N [--points P] [--variance V]
//       N trials drawn from one stream np.random.seed(S), one line each:
//       "maps var_x var_y var_z finite accepted"
//   cloud --csv FILE --table-rows R --row W --seed S --category C --points P
//         [--out FILE.npy]
//       the float32 instance cloud as .npy bytes (to stdout without --out)
//   weights --table-rows R
//       the weight table, one row of 12 multipliers per line
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <iostream>
#include <map>
#include <string>
#include <vector>

#include "codec/npy.h"
#include "fractal3d/ifs3d.h"
#include "synthub/error.h"
#include "util/file.h"

namespace {

namespace f3 = synthub::fractal3d;

// --name value pairs after the subcommand.
class Flags {
 public:
  Flags(int argc, char** argv) {
    for (int i = 2; i < argc; i += 2) {
      const std::string name = argv[i];
      if (name.rfind("--", 0) != 0 || i + 1 >= argc) {
        throw synthub::UsageError("expected --flag value, got " + name);
      }
      values_[name.substr(2)] = argv[i + 1];
    }
  }
  std::string Get(const std::string& name, const std::string& fallback = "") const {
    auto it = values_.find(name);
    if (it != values_.end()) return it->second;
    if (fallback.empty()) throw synthub::UsageError("missing --" + name);
    return fallback;
  }
  long long Int(const std::string& name, const std::string& fallback = "") const {
    return std::strtoll(Get(name, fallback).c_str(), nullptr, 10);
  }
  uint64_t U64(const std::string& name) const {
    return std::strtoull(Get(name).c_str(), nullptr, 10);
  }
  double Double(const std::string& name, const std::string& fallback = "") const {
    return std::strtod(Get(name, fallback).c_str(), nullptr);
  }

 private:
  std::map<std::string, std::string> values_;
};

int Search(const Flags& flags) {
  f3::Search3Options o;
  const std::string mode = flags.Get("mode");
  if (mode != "keyed" && mode != "numpy") throw synthub::UsageError("--mode keyed|numpy");
  o.mode = mode == "numpy" ? synthub::fractal::SearchMode::kNumpy
                           : synthub::fractal::SearchMode::kKeyed;
  o.seed = flags.U64("seed");
  o.variance = flags.Double("variance", "0.05");
  o.points = static_cast<int>(flags.Int("points", "10000"));
  o.max_trials_per_category = static_cast<uint64_t>(flags.Int("max-trials", "20000"));
  const int categories = static_cast<int>(flags.Int("categories"));
  const int threads = static_cast<int>(flags.Int("threads", "2"));
  std::vector<std::string> out(categories);
  const auto start = std::chrono::steady_clock::now();
  const uint64_t total = f3::Search3(
      o, categories, threads,
      [&](int c, const f3::Ifs3& ifs, uint64_t trials) {
        out[c] = "# category " + std::to_string(c) + " trials " + std::to_string(trials) +
                 "\n" + f3::Ifs3ToCsv(ifs);
      },
      nullptr);
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  for (const std::string& s : out) std::cout << s;
  std::fprintf(stderr, "search: %d categories, %llu trials, %.3f s, %.0f trials/s on %d threads\n",
               categories, static_cast<unsigned long long>(total), seconds, total / seconds,
               threads);
  return 0;
}

int Trials(const Flags& flags) {
  synthub::fractal::Mt19937 mt(static_cast<uint32_t>(flags.U64("seed")));
  const long long n = flags.Int("trials");
  const int points = static_cast<int>(flags.Int("points", "10000"));
  const double variance = flags.Double("variance", "0.05");
  for (long long t = 0; t < n; ++t) {
    const f3::Trial3 trial = f3::DrawTrial3(mt, points);
    const f3::CloudStats& s = trial.stats;
    const bool accepted =
        s.finite && s.var[0] > variance && s.var[1] > variance && s.var[2] > variance;
    std::printf("%zu %.17g %.17g %.17g %d %d\n", trial.ifs.maps.size(), s.var[0], s.var[1],
                s.var[2], s.finite ? 1 : 0, accepted ? 1 : 0);
  }
  return 0;
}

int Cloud(const Flags& flags) {
  const std::string csv = flags.Get("csv");
  const f3::Ifs3 ifs = f3::Ifs3FromCsv(synthub::ReadFile(csv), csv);
  const std::vector<float> cloud = f3::InstanceCloud(
      ifs, static_cast<int>(flags.Int("table-rows")), static_cast<int>(flags.Int("row")),
      static_cast<int>(flags.Int("points")), flags.U64("seed"),
      static_cast<uint32_t>(flags.Int("category")));
  const std::string npy = synthub::codec::EncodeNpyF32(cloud.data(), cloud.size() / 3, 3);
  const std::string out = flags.Get("out", "-");
  if (out == "-") {
    std::fwrite(npy.data(), 1, npy.size(), stdout);
  } else {
    synthub::WriteFileAtomic(out, npy);
  }
  return 0;
}

int Weights(const Flags& flags) {
  const int rows = static_cast<int>(flags.Int("table-rows"));
  for (int r = 0; r < rows; ++r) {
    double w[12];
    f3::WeightRow3(rows, r, w);
    for (int k = 0; k < 12; ++k) std::printf("%s%.17g", k ? "," : "", w[k]);
    std::printf("\n");
  }
  return 0;
}

}  // namespace

int main(int argc, char** argv) try {
  const std::string cmd = argc > 1 ? argv[1] : "";
  const Flags flags(argc, argv);
  if (cmd == "search") return Search(flags);
  if (cmd == "trials") return Trials(flags);
  if (cmd == "cloud") return Cloud(flags);
  if (cmd == "weights") return Weights(flags);
  std::cerr << "usage: fractal3d_tool search|trials|cloud|weights --flag value ... "
               "(see tests/fractal3d_tool.cc)\n";
  return 2;
} catch (const synthub::UsageError& e) {
  std::cerr << "fractal3d_tool: " << e.what() << "\n";
  return 2;
} catch (const std::exception& e) {
  std::cerr << "fractal3d_tool: " << e.what() << "\n";
  return 1;
}
