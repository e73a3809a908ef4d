// libFuzzer target for the text parsers of outside input: the manifest and
// recipe JSON, the parameter CSV, shard-spec brace expansion, the loader
// state, safetensors checkpoints, a model's config.json, and a shard's sample
// index sidecar and the sample span it points at. The first byte picks the
// parser (and, for the manifest, whether its checksum is checked; 0xf0 and
// above: the sample index). Any input must parse or
// throw synthub::Error, never crash.
#include <cstddef>
#include <cstdint>
#include <string>

#include "checkpoint/safetensors.h"
#include "fractal/ifs.h"
#include "recipe/recipe.h"
#include "loader/spec.h"
#include "shard/manifest.h"
#include "shard/sample_index.h"
#include "synthub/error.h"
#include "synthub/loader.h"
#include "train/model_config.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  const std::string text(reinterpret_cast<const char*>(data) + 1, size - 1);
  try {
    if (data[0] >= 0xf0) {
      if (data[0] & 1) {  // a whole sidecar: an accepted one lists what its header says
        synthub::shard::SampleIndexHeader h;
        const auto entries = synthub::shard::ParseSampleIndex(text, "fuzz", &h);
        if (entries.size() != h.samples) __builtin_trap();
      } else {  // a span of a shard read by offset, as one sample
        synthub::shard::SampleIndexEntry e;
        e.span = static_cast<uint32_t>(text.size());
        e.label = (data[0] >> 1) & 7;
        synthub::shard::Sample sample;
        synthub::shard::ParseIndexedSample(text, e, (data[0] & 2) != 0, "fuzz", &sample);
        if (sample.members.empty()) __builtin_trap();
      }
      return 0;
    }
    switch (data[0] % 7) {
      case 0:  // odd data[0] / 7: past the checksum, into the fields' own checks
        synthub::shard::ParseManifest(text, "fuzz",
                                      (data[0] / 7) % 2
                                          ? synthub::shard::ManifestCheck::kSkipChecksum
                                          : synthub::shard::ManifestCheck::kChecksum);
        break;
      case 1: synthub::recipe::ParseRecipe(text, "fuzz"); break;
      case 2: synthub::fractal::ParseIfsCsv(text, "fuzz"); break;
      case 3:
        if (text.size() < 64) synthub::loader::ExpandBraces(text);  // bounded fan-out
        break;
      case 4: synthub::LoaderState::FromJson(text); break;
      case 5: {
        const auto file = synthub::checkpoint::SafetensorsFile::Parse(text, "fuzz");
        uint64_t covered = 0;  // accepted tensors tile the data up to the end
        for (const auto& t : file.tensors()) {
          if (t.begin != covered || t.end < t.begin) __builtin_trap();
          covered = t.end;
        }
        if (file.data_start() + covered != text.size()) __builtin_trap();
        synthub::checkpoint::VerifyChecksum(file, synthub::checkpoint::ChecksumPolicy::kRequire, "fuzz");
        break;
      }
      case 6: {  // a model's config.json: an accepted one survives its own round trip
        const synthub::train::ModelConfig c = synthub::train::ConfigFromJson(text, "fuzz");
        synthub::train::ModelConfig back;
        try {
          back = synthub::train::ConfigFromJson(synthub::train::ConfigJson(c, ""), "fuzz");
        } catch (const synthub::Error&) {
          __builtin_trap();  // accepted once, refused once written back
        }
        if (back.architecture != c.architecture || back.img_size != c.img_size ||
            back.patch_size != c.patch_size || back.embed_dim != c.embed_dim ||
            back.depth != c.depth || back.num_heads != c.num_heads ||
            back.mlp_ratio != c.mlp_ratio || back.num_classes != c.num_classes) {
          __builtin_trap();
        }
        break;
      }
    }
  } catch (const synthub::Error&) {
  }
  return 0;
}
