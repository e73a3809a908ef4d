#include "pack/pack_cifar.h"

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "codec/image.h"
#include "synthub/error.h"
#include "util/file.h"

namespace synthub::pack {
namespace {

// CIFAR photographs compress better with real deflate than with Z_RLE.
constexpr int kPngLevel = 6;

// The records of one split, concatenated in file order.
struct CifarSplit {
  std::string name;  // "train" / "test"
  std::string data;
  uint64_t records = 0;
};

std::string ResolveSource(const std::string& src) {
  if (!IsDirectory(src)) throw Error(src + ": not a folder");
  for (const char* sub : {"cifar-10-batches-bin", "cifar-100-binary"}) {
    if (IsDirectory(JoinPath(src, sub))) return JoinPath(src, sub);
  }
  return src;
}

void AppendRecords(const std::string& path, uint64_t record_size, const std::string& hint,
                   CifarSplit* split) {
  if (!PathExists(path)) throw Error(path + ": missing (" + hint + ")");
  const std::string bytes = ReadFile(path);
  if (bytes.empty() || bytes.size() % record_size != 0) {
    throw Error(path + ": size " + std::to_string(bytes.size()) +
                " is not a whole number of " + std::to_string(record_size) +
                "-byte records (truncated?)");
  }
  split->data += bytes;
  split->records += bytes.size() / record_size;
}

// Checks every label before anything is written; names file and record.
void CheckLabels(const CifarSplit& split, const std::vector<std::string>& files,
                 const std::string& dir, uint64_t record_size, int label_offset,
                 uint32_t classes) {
  for (uint64_t i = 0; i < split.records; ++i) {
    const uint32_t label = static_cast<uint8_t>(split.data[i * record_size + label_offset]);
    if (label < classes) continue;
    // Find the file the record came from (every file before it is whole).
    uint64_t first = 0;
    std::string file = files.back();
    for (const std::string& f : files) {
      const uint64_t n = FileSize(JoinPath(dir, f)) / record_size;
      if (i < first + n) {
        file = f;
        break;
      }
      first += n;
    }
    throw Error(JoinPath(dir, file) + ": record " + std::to_string(i - first) + " (offset " +
                std::to_string((i - first) * record_size) + "): label " +
                std::to_string(label) + " >= " + std::to_string(classes) + " classes");
  }
}

// One name per non-empty line; empty if the file is absent.
std::vector<std::string> ReadLabelNames(const std::string& path, uint32_t classes) {
  std::vector<std::string> names;
  if (!PathExists(path)) return names;
  const std::string text = ReadFile(path);
  size_t pos = 0;
  while (pos < text.size()) {
    size_t end = text.find('\n', pos);
    if (end == std::string::npos) end = text.size();
    std::string line = text.substr(pos, end - pos);
    while (!line.empty() && (line.back() == '\r' || line.back() == ' ')) line.pop_back();
    if (!line.empty()) names.push_back(line);
    pos = end + 1;
  }
  if (names.size() != classes) {
    throw Error(path + ": " + std::to_string(names.size()) + " label names, expected " +
                std::to_string(classes));
  }
  return names;
}

PackStats PackSplit(const CifarOptions& o, const CifarSplit& split, const std::string& kind,
                    uint64_t record_size, int label_offset, uint32_t classes,
                    const std::vector<std::string>& names) {
  PackOptions po = o.pack;
  po.out = JoinPath(o.pack.out, split.name);
  po.name = o.pack.name + "-" + split.name;
  PackInfo info;
  info.num_classes = classes;
  info.class_names = names;
  info.extensions = {"png"};
  nlohmann::json recipe = {{"packed_from", kind}, {"split", split.name},
                           {"shard_size", o.pack.shard_size}};
  if (kind == "cifar100") recipe["labels"] = o.labels;
  info.recipe_json = recipe.dump();
  codec::EncodeOptions enc;
  enc.format = codec::ImageFormat::kPng;
  enc.png_level = kPngLevel;
  return WritePackedShards(po, split.records, info, [&](uint64_t pos) {
    const uint8_t* rec =
        reinterpret_cast<const uint8_t*>(split.data.data()) + pos * record_size;
    const uint8_t* planes = rec + record_size - kCifarPixelBytes;
    constexpr int kArea = kCifarSide * kCifarSide;
    uint8_t rgb[kCifarPixelBytes];
    for (int p = 0; p < kArea; ++p) {
      rgb[3 * p] = planes[p];
      rgb[3 * p + 1] = planes[kArea + p];
      rgb[3 * p + 2] = planes[2 * kArea + p];
    }
    PackSample s;
    s.image = codec::EncodeImage(rgb, kCifarSide, kCifarSide, 3, enc);
    s.ext = "png";
    s.label = rec[label_offset];
    return s;
  });
}

}  // namespace

CifarStats PackCifar(const CifarOptions& o) {
  CifarStats stats;
  stats.src = ResolveSource(o.pack.src);
  const std::string& dir = stats.src;
  const auto has = [&](const char* f) { return PathExists(JoinPath(dir, f)); };

  std::vector<std::string> train_files, test_files;
  std::string kind, hint, names_file;
  uint64_t record_size = 0;
  int label_offset = 0;
  uint32_t classes = 0;
  if (has("data_batch_1.bin") || has("test_batch.bin")) {
    stats.kind = CifarKind::kCifar10;
    kind = "cifar10";
    if (o.labels_given) throw UsageError("--labels applies to CIFAR-100 only; " + dir + " is CIFAR-10");
    train_files = {"data_batch_1.bin", "data_batch_2.bin", "data_batch_3.bin",
                   "data_batch_4.bin", "data_batch_5.bin"};
    test_files = {"test_batch.bin"};
    hint = "CIFAR-10 needs data_batch_1.bin .. data_batch_5.bin and test_batch.bin";
    record_size = 1 + kCifarPixelBytes;
    classes = 10;
    names_file = "batches.meta.txt";
  } else if (has("train.bin") || has("test.bin")) {
    stats.kind = CifarKind::kCifar100;
    kind = "cifar100";
    if (o.labels != "fine" && o.labels != "coarse") {
      throw UsageError("--labels: expected fine or coarse, got '" + o.labels + "'");
    }
    train_files = {"train.bin"};
    test_files = {"test.bin"};
    hint = "CIFAR-100 needs train.bin and test.bin";
    record_size = 2 + kCifarPixelBytes;
    const bool fine = o.labels == "fine";
    label_offset = fine ? 1 : 0;
    classes = fine ? 100 : 20;
    names_file = fine ? "fine_label_names.txt" : "coarse_label_names.txt";
  } else {
    throw Error(dir + ": not a CIFAR binary folder (expected data_batch_1.bin .. "
                "data_batch_5.bin + test_batch.bin for CIFAR-10, or train.bin + test.bin "
                "for CIFAR-100)");
  }
  CifarSplit train{"train", "", 0}, test{"test", "", 0};
  for (const std::string& f : train_files) AppendRecords(JoinPath(dir, f), record_size, hint, &train);
  for (const std::string& f : test_files) AppendRecords(JoinPath(dir, f), record_size, hint, &test);
  CheckLabels(train, train_files, dir, record_size, label_offset, classes);
  CheckLabels(test, test_files, dir, record_size, label_offset, classes);
  const std::vector<std::string> names = ReadLabelNames(JoinPath(dir, names_file), classes);

  CifarOptions named = o;
  if (named.pack.name.empty()) named.pack.name = kind;
  stats.train = PackSplit(named, train, kind, record_size, label_offset, classes, names);
  stats.test = PackSplit(named, test, kind, record_size, label_offset, classes, names);
  return stats;
}

}  // namespace synthub::pack
