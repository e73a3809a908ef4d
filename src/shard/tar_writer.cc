#include "shard/tar_writer.h"

#include <cstdio>
#include <cstring>

#include "shard/tar_format.h"
#include "synthub/error.h"

namespace synthub::shard {
namespace {

void PutOctal(char* field, int len, uint64_t value) {
  // len - 1 zero-padded octal digits and a NUL, as GNU tar and Python write.
  std::snprintf(field, len, "%0*llo", len - 1, static_cast<unsigned long long>(value));
}

}  // namespace

std::string UstarHeader(const std::string& name, uint64_t size) {
  if (name.empty() || name.size() > kMaxNameLength) {
    throw Error("tar: member name '" + name + "' must be 1.." +
                std::to_string(kMaxNameLength) + " bytes (plain ustar)");
  }
  if (size > kMaxMemberSize) {
    throw Error("tar: member '" + name + "' is over 8 GiB");
  }
  std::string h(kBlockSize, '\0');
  char* b = h.data();
  std::memcpy(b + kNameOff, name.data(), name.size());
  PutOctal(b + kModeOff, 8, kFileMode);
  PutOctal(b + kUidOff, 8, 0);
  PutOctal(b + kGidOff, 8, 0);
  PutOctal(b + kSizeOff, 12, size);
  PutOctal(b + kMtimeOff, 12, kFixedMtime);
  b[kTypeOff] = '0';
  std::memcpy(b + kMagicOff, "ustar\0" "00", 8);
  PutOctal(b + kDevMajorOff, 8, 0);
  PutOctal(b + kDevMinorOff, 8, 0);
  std::memset(b + kChksumOff, ' ', kChksumLen);
  unsigned sum = 0;
  for (int i = 0; i < kBlockSize; ++i) sum += static_cast<unsigned char>(b[i]);
  std::snprintf(b + kChksumOff, 7, "%06o", sum);  // 6 digits, NUL, space
  b[kChksumOff + 7] = ' ';
  return h;
}

TarWriter::TarWriter(const std::string& path) : file_(path) {}

void TarWriter::Put(const void* data, size_t size) {
  file_.Write(data, size);
  hash_.Update(data, size);
  offset_ += size;
}

void TarWriter::AddFile(const std::string& name, std::string_view data) {
  const std::string header = UstarHeader(name, data.size());
  members_.push_back({name, offset_, data.size()});
  Put(header.data(), header.size());
  Put(data.data(), data.size());
  static const char kZeros[kBlockSize] = {};
  const size_t pad = (kBlockSize - data.size() % kBlockSize) % kBlockSize;
  Put(kZeros, pad);
}

void TarWriter::Finish() {
  static const char kZeros[2 * kBlockSize] = {};
  Put(kZeros, sizeof(kZeros));
  file_.Commit();
  sha256_ = hash_.HexDigest();
}

}  // namespace synthub::shard
