// Test driver for tests/contour_primitives_check.py: reads commands on
// stdin, runs them on PyRandom, PNoise1 and the Pillow line rule, and prints
// the results (doubles as C99 hex floats, exact) on stdout, one line per
// command, for the script to compare with CPython's random, noise.pnoise1
// and Pillow. Commands (numbers in hex where they are doubles):
//   seed N | u32 COUNT | random COUNT | bits K COUNT | randint A B COUNT
//   uniform A B COUNT | expo LAMBD COUNT | discard N
//   noise OCTAVES PERSISTENCE LACUNARITY REPEAT BASE COUNT X...
//   noisebatch COUNT X...             (PNoise1Batch, the defaults)
//   canvas W H | line X0 Y0 X1 Y1 INK | poly CLOSED INK N X... Y...
//   dump PATH                         (the 8-bit canvas, raw, to PATH)
// INK is Pillow's fill integer (clipped to 0..255 by PilClip8); the uint16
// canvas gets INK + 1000 and must cover the same pixels.
#include <cinttypes>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <iostream>
#include <memory>
#include <sstream>
#include <string>
#include <vector>

#include "contour/perlin.h"
#include "contour/pil_line.h"
#include "contour/py_random.h"

namespace {

using synthub::contour::PyRandom;

double ReadDouble(std::istream& in) {
  std::string token;
  in >> token;
  return std::strtod(token.c_str(), nullptr);
}

void PrintDouble(double v) { std::printf("%a ", v); }

[[noreturn]] void Fail(const std::string& what) {
  std::fprintf(stderr, "contour_primitives_tool: %s\n", what.c_str());
  std::exit(1);
}

}  // namespace

int main() {
  std::unique_ptr<PyRandom> rng;
  int width = 0, height = 0;
  std::vector<uint8_t> canvas;
  std::vector<uint16_t> canvas16;
  std::string line;
  while (std::getline(std::cin, line)) {
    std::istringstream in(line);
    std::string cmd;
    in >> cmd;
    if (cmd.empty()) continue;
    if (cmd == "seed") {
      uint64_t seed;
      in >> seed;
      rng = std::make_unique<PyRandom>(seed);
      continue;  // no output line
    }
    if (cmd == "canvas") {
      in >> width >> height;
      canvas.assign(static_cast<size_t>(width) * height, 0);
      canvas16.assign(canvas.size(), 0);
      continue;
    }
    if (cmd == "line") {
      const double x0 = ReadDouble(in), y0 = ReadDouble(in), x1 = ReadDouble(in),
                   y1 = ReadDouble(in);
      int64_t ink;
      in >> ink;
      const uint8_t v = synthub::contour::PilClip8(ink);
      synthub::contour::DrawPilLine(canvas.data(), width, height, x0, y0, x1, y1, v);
      synthub::contour::DrawPilLine(canvas16.data(), width, height, x0, y0, x1, y1,
                                    static_cast<uint16_t>(v + 1000));
      continue;
    }
    if (cmd == "poly") {
      int closed, n;
      int64_t ink;
      in >> closed >> ink >> n;
      std::vector<double> xs(n), ys(n);
      for (auto& x : xs) x = ReadDouble(in);
      for (auto& y : ys) y = ReadDouble(in);
      const uint8_t v = synthub::contour::PilClip8(ink);
      synthub::contour::DrawPilPolyline(canvas.data(), width, height, xs.data(), ys.data(), n,
                                        closed != 0, v);
      synthub::contour::DrawPilPolyline(canvas16.data(), width, height, xs.data(), ys.data(), n,
                                        closed != 0, static_cast<uint16_t>(v + 1000));
      continue;
    }
    if (cmd == "dump") {
      std::string path;
      in >> path;
      for (size_t i = 0; i < canvas.size(); ++i) {
        if ((canvas16[i] != 0) != (canvas[i] != 0) ||
            (canvas16[i] != 0 && canvas16[i] != canvas[i] + 1000)) {
          Fail("uint16 canvas differs from the 8-bit one at pixel " + std::to_string(i));
        }
      }
      std::ofstream out(path, std::ios::binary);
      out.write(reinterpret_cast<const char*>(canvas.data()),
                static_cast<std::streamsize>(canvas.size()));
      if (!out) Fail("cannot write " + path);
      continue;
    }
    if (cmd == "noise" || cmd == "noisebatch") {
      int octaves = 1, repeat = 1024, base = 0, count;
      double persistence = 0.5, lacunarity = 2.0;
      if (cmd == "noise") {
        in >> octaves;
        persistence = ReadDouble(in);
        lacunarity = ReadDouble(in);
        in >> repeat >> base;
      }
      in >> count;
      std::vector<double> xs(count);
      for (auto& x : xs) x = ReadDouble(in);
      std::vector<float> out(count);
      if (cmd == "noise") {
        for (int i = 0; i < count; ++i) {
          out[i] = synthub::contour::PNoise1(synthub::contour::PNoise1ArgFromDouble(xs[i]), octaves,
                                             static_cast<float>(persistence),
                                             static_cast<float>(lacunarity), repeat, base);
        }
      } else {
        synthub::contour::PNoise1Batch(xs.data(), out.data(), count);
      }
      for (float v : out) PrintDouble(v);
      std::printf("\n");
      continue;
    }
    if (!rng) Fail("'" + cmd + "' before 'seed'");
    int64_t count = 0;
    if (cmd == "u32") {
      in >> count;
      for (int64_t i = 0; i < count; ++i) std::printf("%" PRIu32 " ", rng->NextU32());
    } else if (cmd == "random") {
      in >> count;
      for (int64_t i = 0; i < count; ++i) PrintDouble(rng->Random());
    } else if (cmd == "bits") {
      int k;
      in >> k >> count;
      for (int64_t i = 0; i < count; ++i) std::printf("%" PRIu64 " ", rng->GetRandBits(k));
    } else if (cmd == "randint") {
      int64_t a, b;
      in >> a >> b >> count;
      for (int64_t i = 0; i < count; ++i) std::printf("%" PRId64 " ", rng->RandInt(a, b));
    } else if (cmd == "uniform") {
      const double a = ReadDouble(in), b = ReadDouble(in);
      in >> count;
      for (int64_t i = 0; i < count; ++i) PrintDouble(rng->Uniform(a, b));
    } else if (cmd == "expo") {
      const double lambd = ReadDouble(in);
      in >> count;
      for (int64_t i = 0; i < count; ++i) {
        const double v = rng->ExpoVariate(lambd);
        std::printf("%a:%" PRId64 " ", v, static_cast<int64_t>(v));
      }
    } else if (cmd == "discard") {
      uint64_t n;
      in >> n;
      rng->Discard(n);
    } else {
      Fail("unknown command '" + cmd + "'");
    }
    std::printf("\n");
  }
  return 0;
}
