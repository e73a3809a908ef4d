// libFuzzer target: the tar reader and webdataset sample grouping on
// arbitrary bytes. Any input must give samples or an Error, never a crash,
// a hang or a sanitizer report. Build: cmake --preset fuzz (clang).
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <memory>
#include <string>

#include "shard/sample_group.h"
#include "util/byte_stream.h"
#include "synthub/error.h"

namespace {

class MemoryStream : public synthub::ByteStream {
 public:
  MemoryStream(const uint8_t* data, size_t size) : data_(data), size_(size) {}
  size_t Read(void* out, size_t n) override {
    const size_t take = std::min(n, size_ - pos_);
    std::memcpy(out, data_ + pos_, take);
    pos_ += take;
    bytes_read_ += take;
    return take;
  }
  const std::string& name() const override { return name_; }

 private:
  const uint8_t* data_;
  size_t size_, pos_ = 0;
  std::string name_ = "fuzz.tar";
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  try {
    synthub::shard::SampleGrouper reader(std::make_unique<MemoryStream>(data, size));
    synthub::shard::Sample sample;
    bool with_data = size % 2 == 0;  // exercise both the read and skip paths
    for (int i = 0; i < 10000 && reader.Next(&sample, with_data); ++i) {
      if (const auto* label = synthub::shard::FindLabel(sample)) {
        synthub::shard::ParseLabel(label->data);
      }
      synthub::shard::FindImage(sample);
      with_data = !with_data;
    }
  } catch (const synthub::Error&) {
  }
  return 0;
}
