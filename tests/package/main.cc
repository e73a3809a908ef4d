// A downstream project: find_package(synthub), link synthub::synthub_core,
// render one sample through the installed public headers only.
#include <cstdio>
#include <string>

#include "synthub/error.h"
#include "synthub/render.h"

int main() {
  bool has_1k = false;
  for (const std::string& name : synthub::PresetNames()) has_1k |= name == "fractaldb-1k";
  // One category's parameters as `synthub search` writes them: two maps
  // (a, b, c, d, e, f, probability).
  const std::string csv = "0.5,0,0,0.5,0,0,0.5\n0.5,0,0,0.5,0.5,0.5,0.5\n";
  synthub::SampleIndex sample;
  sample.category = 7;
  sample.flip = 1;
  const synthub::RenderedImage image = synthub::RenderPresetSample("fractaldb-1k", csv, sample);
  int lit = 0;
  for (uint8_t p : image.pixels) lit += p != 0;
  std::printf("fractaldb-1k sample: %d x %d x %d, %d pixels drawn\n", image.width, image.height,
              image.channels, lit);
  bool refused = false;
  try {
    synthub::RenderPresetSample("no-such-preset", csv, sample);
  } catch (const synthub::UsageError&) {
    refused = true;
  }
  const bool ok = has_1k && refused && image.width == 362 && image.height == 362 &&
                  image.channels == 1 && image.pixels.size() == 362u * 362u && lit > 0;
  return ok ? 0 : 1;
}
