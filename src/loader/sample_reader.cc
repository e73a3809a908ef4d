#include "loader/sample_reader.h"

#include <cstdlib>

#include "shard/manifest.h"
#include "synthub/error.h"

namespace synthub::loader {

SampleReader::SampleReader(std::unique_ptr<ByteStream> stream) : tar_(std::move(stream)) {}

bool SampleReader::Next(RawSample* sample, bool with_data) {
  sample->key.clear();
  sample->parts.clear();
  std::string key, ext;
  while (true) {
    shard::TarEntry entry;
    if (has_pending_) {
      entry = std::move(pending_);
      has_pending_ = false;
    } else if (done_ || !tar_.NextHeader(&entry)) {
      done_ = true;
      return !sample->key.empty();
    }
    shard::SplitKey(entry.name, &key, &ext);
    const size_t slash = key.find_last_of('/');
    if (key.compare(slash == std::string::npos ? 0 : slash + 1, 2, "__") == 0) {
      tar_.SkipData();  // metadata members
      continue;
    }
    if (sample->key.empty()) {
      sample->key = key;
      sample->offset = entry.header_offset;
    } else if (key != sample->key) {
      pending_ = std::move(entry);  // its data stays in the stream
      has_pending_ = true;
      return true;
    }
    if (with_data) {
      tar_.ReadData(&entry);
    } else {
      tar_.SkipData();
    }
    for (const auto& part : sample->parts) {
      if (part.first == ext) {
        throw Error(tar_.stream().name() + "@" + std::to_string(entry.header_offset) +
                    ": sample '" + key + "' repeats extension '" + ext + "'");
      }
    }
    sample->parts.emplace_back(ext, std::move(entry.data));
  }
}

int64_t SampleLabel(const RawSample& s) {
  for (const auto& part : s.parts) {
    if (part.first == "cls" || part.first == "label" || part.first == "cls.txt") {
      char* end = nullptr;
      const long long v = std::strtoll(part.second.c_str(), &end, 10);
      if (end == part.second.c_str() || v < 0) return -1;
      return v;
    }
  }
  return -1;
}

const std::string* SampleImage(const RawSample& s) {
  for (const auto& part : s.parts) {
    if (part.first == "png" || part.first == "jpg" || part.first == "jpeg" ||
        part.first == "webp") {
      return &part.second;
    }
  }
  return nullptr;
}

}  // namespace synthub::loader
