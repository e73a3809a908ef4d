// Groups the members of a tar stream into webdataset samples: consecutive
// regular files sharing a key; names starting with "__" are skipped. Not
// thread-safe.
#ifndef SYNTHUB_LOADER_SAMPLE_READER_H_
#define SYNTHUB_LOADER_SAMPLE_READER_H_

#include <cstdint>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "shard/tar_reader.h"

namespace synthub::loader {

struct RawSample {
  std::string key;
  std::vector<std::pair<std::string, std::string>> parts;  // (ext, bytes)
  uint64_t offset = 0;  // of the first member's header
};

class SampleReader {
 public:
  SampleReader(std::unique_ptr<ByteStream> stream);

  // The next sample, with its bytes (or only its key when !with_data).
  // False at the end. Throws Error "shard@offset: ..." on a corrupt tar or a
  // repeated extension within one sample.
  bool Next(RawSample* sample, bool with_data = true);
  uint64_t bytes_read() const { return tar_.stream().bytes_read(); }

 private:
  shard::TarReader tar_;
  shard::TarEntry pending_;  // header read, data not yet consumed
  bool has_pending_ = false;
  bool done_ = false;
};

// The label of a sample: its ".cls" member as a decimal integer, or -1.
int64_t SampleLabel(const RawSample& s);
// The first image member (png, jpg, jpeg, webp), or nullptr.
const std::string* SampleImage(const RawSample& s);

}  // namespace synthub::loader

#endif  // SYNTHUB_LOADER_SAMPLE_READER_H_
