// Prints what src/fractal3d computes, for tests/fractal3d_check.py to compare
// with its own numpy transcription of the published scripts.
//   fractal3d_tool search keyed|numpy SEED CATEGORIES [VARIANCE]
//       each category's CSV after a line "# category C trials T"
//   fractal3d_tool trials SEED N [POINTS]
//       N trials from one stream np.random.seed(SEED): "maps var_x var_y var_z finite"
//   fractal3d_tool cloud CSV TABLE_ROWS ROW SEED CATEGORY POINTS OUT.npy
//       the instance cloud as float32 .npy
//   fractal3d_tool weights TABLE_ROWS
//       the weight table, one row per line
#include <cstdio>
#include <cstdlib>
#include <iostream>
#include <string>

#include "codec/npy.h"
#include "fractal3d/ifs3d.h"
#include "synthub/error.h"
#include "util/file.h"

namespace f3 = synthub::fractal3d;

int main(int argc, char** argv) try {
  const std::string cmd = argc > 1 ? argv[1] : "";
  if (cmd == "search" && argc >= 5) {
    f3::Search3Options o;
    o.mode = std::string(argv[2]) == "numpy" ? synthub::fractal::SearchMode::kNumpy
                                             : synthub::fractal::SearchMode::kKeyed;
    o.seed = std::strtoull(argv[3], nullptr, 10);
    if (argc > 5) o.variance = std::atof(argv[5]);
    const int n = std::atoi(argv[4]);
    std::vector<std::string> out(n);
    f3::Search3(o, n, 2, [&](int c, const f3::Ifs3& ifs, uint64_t t) {
      out[c] = "# category " + std::to_string(c) + " trials " + std::to_string(t) + "\n" +
               f3::Ifs3ToCsv(ifs);
    }, nullptr);
    for (const std::string& s : out) std::cout << s;
    return 0;
  }
  if (cmd == "trials" && argc >= 4) {
    synthub::fractal::Mt19937 mt(static_cast<uint32_t>(std::strtoul(argv[2], nullptr, 10)));
    const int n = std::atoi(argv[3]);
    const int points = argc > 4 ? std::atoi(argv[4]) : 10000;
    for (int t = 0; t < n; ++t) {
      const f3::Trial3 trial = f3::DrawTrial3(mt, points);
      std::printf("%zu %.17g %.17g %.17g %d\n", trial.ifs.maps.size(), trial.stats.var[0],
                  trial.stats.var[1], trial.stats.var[2], trial.stats.finite ? 1 : 0);
    }
    return 0;
  }
  if (cmd == "cloud" && argc == 9) {
    const f3::Ifs3 ifs = f3::Ifs3FromCsv(synthub::ReadFile(argv[2]), argv[2]);
    const std::vector<float> cloud =
        f3::InstanceCloud(ifs, std::atoi(argv[3]), std::atoi(argv[4]), std::atoi(argv[7]),
                          std::strtoull(argv[5], nullptr, 10),
                          static_cast<uint32_t>(std::atoi(argv[6])));
    synthub::WriteFileAtomic(argv[8], synthub::codec::EncodeNpyF32(cloud.data(),
                                                                   cloud.size() / 3, 3));
    return 0;
  }
  if (cmd == "weights" && argc == 3) {
    const int rows = std::atoi(argv[2]);
    for (int r = 0; r < rows; ++r) {
      double w[12];
      f3::WeightRow3(rows, r, w);
      for (int k = 0; k < 12; ++k) std::printf("%s%.17g", k ? "," : "", w[k]);
      std::printf("\n");
    }
    return 0;
  }
  std::cerr << "usage: see the comment at the top of tests/fractal3d_tool.cc\n";
  return 2;
} catch (const std::exception& e) {
  std::cerr << "fractal3d_tool: " << e.what() << "\n";
  return 1;
}
