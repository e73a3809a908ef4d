#include "pack/inspect.h"

#include <map>
#include <sstream>
#include <vector>

#include "codec/image.h"
#include "shard/manifest.h"
#include "shard/sample_group.h"
#include "synthub/error.h"
#include "util/file.h"

namespace synthub::pack {

std::string DatasetSummary(const std::string& dir) {
  const shard::Manifest m = shard::ReadManifest(dir);
  uint64_t bytes = 0;
  for (const auto& s : m.shards) bytes += s.bytes;
  std::ostringstream out;
  out << "name:           " << m.name << "\n"
      << "generator:      " << m.generator << " " << m.generator_version << "\n"
      << "classes:        " << m.num_classes << "\n"
      << "samples:        " << m.num_samples << "\n"
      << "shards:         " << m.shards.size() << " (" << m.samples_per_shard
      << " samples each, last may be short)\n"
      << "bytes:          " << bytes << " ("
      << (m.num_samples ? bytes / m.num_samples : 0) << " per sample, tar included)\n"
      << "files:          " << m.shards.size() + m.files.size() + 1
      << " (shards + other files + manifest)\n"
      << "source:         " << shard::SampleSourceName(m.source)
      << (shard::IsGenerated(m) ? " (can be regenerated from the recipe)" : "") << "\n"
      << "extensions:     ";
  for (const auto& e : m.extensions) out << e << " ";
  out << "\nrecipe:         " << m.recipe_json << "\n";
  return out.str();
}

void WriteContactSheet(const std::string& dir, const std::string& png_path,
                       int classes, int per_class, int thumb) {
  if (classes < 1 || per_class < 1 || thumb < 8) {
    throw UsageError("contact sheet: need classes >= 1, per-class >= 1, thumb >= 8");
  }
  const shard::Manifest m = shard::ReadManifest(dir);
  const int width = per_class * (thumb + 2), height = classes * (thumb + 2);
  std::vector<uint8_t> sheet(static_cast<size_t>(width) * height * 3, 40);
  std::map<std::string, int> rows;           // label -> grid row
  std::map<std::string, int> filled;         // label -> thumbnails placed
  std::map<std::string, std::string> images; // key -> image bytes awaiting label
  int placed = 0;
  auto place = [&](const std::string& label, const std::string& data, const std::string& where) {
    if (!rows.count(label)) {
      if (static_cast<int>(rows.size()) == classes) return;
      const int r = static_cast<int>(rows.size());
      rows[label] = r;
    }
    int& col = filled[label];
    if (col >= per_class) return;
    const codec::Image img = codec::DecodeImage(data, where);
    const int x0 = col * (thumb + 2) + 1, y0 = rows[label] * (thumb + 2) + 1;
    for (int y = 0; y < thumb; ++y) {
      for (int x = 0; x < thumb; ++x) {
        const int sx = x * img.width / thumb, sy = y * img.height / thumb;
        const uint8_t* p = &img.pixels[(static_cast<size_t>(sy) * img.width + sx) * 3];
        uint8_t* q = &sheet[(static_cast<size_t>(y0 + y) * width + x0 + x) * 3];
        q[0] = p[0], q[1] = p[1], q[2] = p[2];
      }
    }
    ++col;
    ++placed;
  };
  for (const auto& s : m.shards) {
    if (placed == classes * per_class) break;
    shard::SampleGrouper reader(JoinPath(dir, s.name));
    shard::Sample sample;
    while (placed < classes * per_class && reader.Next(&sample)) {
      const shard::SampleMember* image = shard::FindImage(sample);
      const shard::SampleMember* label = shard::FindLabel(sample);
      const int64_t value = label ? shard::ParseLabel(label->data) : -1;
      if (image && value >= 0) place(std::to_string(value), image->data, s.name + ":" + sample.key);
    }
  }
  if (placed == 0) {
    throw Error(dir + ": no sample has both an image and a label to show (a point-cloud dataset, "
                "--clouds only? draw a <key>.npy with synthub project)");
  }
  WriteFileAtomic(png_path, codec::EncodeImage(sheet.data(), width, height, 3,
                                               codec::EncodeOptions{}));
}

}  // namespace synthub::pack
