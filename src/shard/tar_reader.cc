#include "shard/tar_reader.h"

#include <algorithm>
#include <cerrno>
#include <cstring>

#include "shard/tar_format.h"
#include "synthub/error.h"
#include "util/file.h"

namespace synthub::shard {
namespace {

bool AllZero(const char* b) {
  for (int i = 0; i < kBlockSize; ++i) {
    if (b[i]) return false;
  }
  return true;
}

// Octal (NUL/space padded) or GNU base-256 (high bit of first byte set).
bool ParseNumber(const char* field, int len, uint64_t* out) {
  const auto* f = reinterpret_cast<const unsigned char*>(field);
  if (f[0] & 0x80) {
    uint64_t v = f[0] & 0x3f;
    for (int i = 1; i < len; ++i) {
      if (v >> 56) return false;
      v = (v << 8) | f[i];
    }
    *out = v;
    return true;
  }
  uint64_t v = 0;
  int i = 0;
  while (i < len && f[i] == ' ') ++i;
  bool any = false;
  for (; i < len && f[i] >= '0' && f[i] <= '7'; ++i) {
    v = (v << 3) | (f[i] - '0');
    any = true;
  }
  for (; i < len; ++i) {
    if (f[i] != ' ' && f[i] != '\0') return false;
  }
  *out = v;
  return any || f[0] == '\0';
}

std::string FieldString(const char* field, int len) {
  return std::string(field, strnlen(field, len));
}

}  // namespace

TarReader::TarReader(const std::string& path)
    : TarReader(std::make_unique<FileStream>(path)) {}

TarReader::TarReader(std::unique_ptr<ByteStream> stream)
    : stream_(std::move(stream)), path_(stream_->name()) {}

TarReader::~TarReader() = default;

void TarReader::Fail(uint64_t at, const std::string& what) const {
  throw Error(path_ + "@" + std::to_string(at) + ": " + what);
}

bool TarReader::ReadBlock(char* block) {
  const size_t n = stream_->Read(block, kBlockSize);
  if (n == 0) return false;
  if (n != kBlockSize) Fail(offset_, "truncated header (" + std::to_string(n) + " of 512 bytes)");
  offset_ += kBlockSize;
  return true;
}

void TarReader::ReadExact(char* out, uint64_t size, const char* what) {
  const size_t n = stream_->Read(out, size);
  if (n != size) {
    Fail(offset_, std::string("truncated ") + what + " (" + std::to_string(n) +
                      " of " + std::to_string(size) + " bytes)");
  }
  offset_ += size;
}

void TarReader::Skip(uint64_t size) {
  if (size == 0) return;
  const uint64_t skipped = stream_->Skip(size);
  if (skipped != size) {
    Fail(offset_ + skipped, "truncated data (" + std::to_string(skipped) + " of " +
                                std::to_string(size) + " bytes)");
  }
  offset_ += size;
}

bool TarReader::Next(TarEntry* entry, bool with_data) {
  if (!NextHeader(entry)) return false;
  if (with_data) {
    ReadData(entry);
  } else {
    entry->data.clear();
    SkipData();
  }
  return true;
}

void TarReader::ReadData(TarEntry* entry) {
  // Grow with the bytes that actually arrive: a corrupt size field must not
  // make us allocate gigabytes before the stream runs dry. A recycled
  // buffer (SampleGrouper::Recycle) is resized, not cleared: no zero fill of
  // bytes about to be overwritten.
  constexpr uint64_t kChunk = 4 << 20;
  if (entry->size == 0) entry->data.clear();
  for (uint64_t done = 0; done < entry->size;) {
    const uint64_t step = std::min(kChunk, entry->size - done);
    entry->data.resize(done + step);
    ReadExact(entry->data.data() + done, step, ("data of '" + entry->name + "'").c_str());
    done += step;
  }
  char pad[kBlockSize];
  ReadExact(pad, data_left_ - entry->size, "padding");
  data_left_ = 0;
}

void TarReader::SkipData() {
  Skip(data_left_);
  data_left_ = 0;
}

bool TarReader::NextHeader(TarEntry* entry) {
  SYNTHUB_CHECK(data_left_ == 0);
  std::string long_name;
  uint64_t pax_size = 0;
  bool has_pax_size = false;
  char block[kBlockSize];
  constexpr uint64_t kNoRecord = ~uint64_t{0};
  uint64_t record_at = kNoRecord;  // first record of the member being read
  while (true) {
    const uint64_t header_at = offset_;
    if (record_at == kNoRecord) record_at = header_at;
    if (!ReadBlock(block)) return false;
    if (AllZero(block)) {
      char second[kBlockSize];
      if (ReadBlock(second) && !AllZero(second)) {
        Fail(header_at, "lone zero block in the middle of the archive");
      }
      saw_end_ = true;
      return false;
    }
    uint64_t stored = 0;
    if (!ParseNumber(block + kChksumOff, kChksumLen, &stored)) {
      Fail(header_at, "bad header checksum field");
    }
    uint64_t sum = 0;
    for (int i = 0; i < kBlockSize; ++i) {
      sum += (i >= kChksumOff && i < kChksumOff + kChksumLen)
                 ? ' '
                 : static_cast<unsigned char>(block[i]);
    }
    if (sum != stored) {
      Fail(header_at, "header checksum mismatch (stored " + std::to_string(stored) +
                          ", computed " + std::to_string(sum) + ")");
    }
    uint64_t size = 0;
    if (!ParseNumber(block + kSizeOff, kSizeLen, &size)) Fail(header_at, "bad size field");
    if (has_pax_size) size = pax_size;
    const uint64_t padded = (size + kBlockSize - 1) / kBlockSize * kBlockSize;
    const char type = block[kTypeOff];
    if (type == 'L' || type == 'x' || type == 'g') {
      if (size > (1u << 20)) Fail(header_at, "oversized extended header");
      std::string body(size, '\0');
      ReadExact(body.data(), size, "extended header");
      Skip(padded - size);
      if (type == 'L') {
        long_name.assign(body.c_str());
      } else if (type == 'x') {
        // Records "LEN key=value\n".
        size_t pos = 0;
        while (pos < body.size()) {
          const size_t space = body.find(' ', pos);
          if (space == std::string::npos) Fail(header_at, "bad pax record");
          const uint64_t len = std::strtoull(body.c_str() + pos, nullptr, 10);
          if (len == 0 || pos + len > body.size()) Fail(header_at, "bad pax record length");
          const std::string rec = body.substr(space + 1, pos + len - space - 2);
          const size_t eq = rec.find('=');
          if (eq != std::string::npos) {
            const std::string key = rec.substr(0, eq), value = rec.substr(eq + 1);
            if (key == "path") long_name = value;
            if (key == "size") {
              pax_size = std::strtoull(value.c_str(), nullptr, 10);
              has_pax_size = true;
            }
          }
          pos += len;
        }
      }
      continue;
    }
    std::string name = long_name;
    if (name.empty()) {
      name = FieldString(block + kNameOff, kNameLen);
      const bool ustar = std::memcmp(block + kMagicOff, "ustar", 5) == 0;
      const std::string prefix = ustar ? FieldString(block + kPrefixOff, kPrefixLen) : "";
      if (!prefix.empty() && std::memcmp(block + kMagicOff, "ustar\0", 6) == 0) {
        name = prefix + "/" + name;
      }
    }
    long_name.clear();
    has_pax_size = false;
    const bool regular = type == '0' || type == '\0' || type == '7';
    if (!regular) {  // directories, links, devices: skipped like the reference
      Skip(type == '1' || type == '2' || type == '5' ? 0 : padded);
      record_at = kNoRecord;
      continue;
    }
    entry->name = std::move(name);
    entry->header_offset = header_at;
    entry->record_offset = record_at;
    entry->size = size;
    entry->data.clear();
    data_left_ = padded;
    return true;
  }
}

}  // namespace synthub::shard
