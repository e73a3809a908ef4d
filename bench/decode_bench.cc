// The decode ceiling: bare libturbojpeg (tjDecompress2, RGB, full image) on
// the JPEG members of the given shards, one thread, from memory.
// Usage: synthub_decode_bench SHARD... ; prints images per CPU-second.
#include <cstdio>
#include <ctime>
#include <string>
#include <turbojpeg.h>
#include <vector>

#include "shard/manifest.h"
#include "shard/sample_group.h"
#include "shard/tar_reader.h"

int main(int argc, char** argv) {
  std::vector<std::string> images;
  for (int i = 1; i < argc; ++i) {
    synthub::shard::TarReader tar(argv[i]);
    synthub::shard::TarEntry e;
    std::string key, ext;
    while (tar.Next(&e)) {
      synthub::shard::SplitKey(e.name, &key, &ext);
      if (ext == "jpg" || ext == "jpeg") images.push_back(std::move(e.data));
    }
  }
  if (images.empty()) {
    std::fprintf(stderr, "no JPEG members\n");
    return 1;
  }
  tjhandle tj = tjInitDecompress();
  std::vector<unsigned char> rgb;
  timespec t0, t1;
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t0);
  size_t decoded = 0;
  for (int pass = 0; pass < 3; ++pass) {
    for (const std::string& img : images) {
      int w, h, sub, cs;
      const auto* src = reinterpret_cast<const unsigned char*>(img.data());
      tjDecompressHeader3(tj, src, img.size(), &w, &h, &sub, &cs);
      rgb.resize(static_cast<size_t>(w) * h * 3);
      if (tjDecompress2(tj, src, img.size(), rgb.data(), w, 0, h, TJPF_RGB, 0) != 0) return 1;
      ++decoded;
    }
  }
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t1);
  const double s = (t1.tv_sec - t0.tv_sec) + (t1.tv_nsec - t0.tv_nsec) * 1e-9;
  std::printf("{\"images\": %zu, \"cpu_s\": %.3f, \"images_per_cpu_s\": %.1f}\n", decoded, s, decoded / s);
  tjDestroy(tj);
  return 0;
}
