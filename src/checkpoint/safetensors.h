// The safetensors checkpoint format (upstream: huggingface/safetensors),
// without Torch: a writer for tensors held anywhere in memory and a
// validating reader for untrusted files.
//
//   [0, 8)      N: uint64 little-endian, length of the header
//   [8, 8+N)    UTF-8 JSON object: optional "__metadata__" {string: string}
//               and per tensor {"dtype", "shape", "data_offsets": [begin, end]}
//   [8+N, EOF)  data; offsets relative to this section, end exclusive;
//               row-major, little-endian, no strides, no shared tensors.
#ifndef SYNTHUB_CHECKPOINT_SAFETENSORS_H_
#define SYNTHUB_CHECKPOINT_SAFETENSORS_H_

#include <cstddef>
#include <cstdint>
#include <map>
#include <string>
#include <vector>

namespace synthub::checkpoint {

// The largest header a reader accepts (the upstream limit).
constexpr uint64_t kSafetensorsMaxHeader = 100'000'000;

enum class DType { kF32, kF16, kBF16, kF64, kI64, kI32, kI16, kI8, kU8, kBool };

// "F32", "F16", "BF16", "F64", "I64", "I32", "I16", "I8", "U8", "BOOL".
const char* DTypeName(DType dtype);
// Bytes per element (BOOL is one byte).
size_t DTypeSize(DType dtype);
// The inverse of DTypeName; throws Error on an unknown name.
DType ParseDType(const std::string& name);

// One tensor to write. The caller owns `data`, which must stay valid during
// WriteSafetensors and hold `bytes` == prod(shape) * DTypeSize(dtype) bytes,
// row-major and little-endian. A scalar has an empty shape (one element).
struct TensorView {
  std::string name;
  DType dtype = DType::kF32;
  std::vector<int64_t> shape;
  const void* data = nullptr;
  size_t bytes = 0;
};

// Writes a safetensors file atomically (a temporary name, fsync, rename), so
// a crash never leaves a partial file at `path`. The data section holds the
// tensors in the order given, contiguous from offset 0; the header's JSON keys
// come out sorted by name (readers sort by offset, not by key). The header
// carries "__metadata__" with `metadata`, plus "format": "pt" unless
// `metadata` names a format, plus the file's checksum under kChecksumKey, and
// is padded with spaces to a multiple of 8 bytes so the data section starts
// 8-byte aligned. Throws Error on a
// duplicate, empty or reserved ("__metadata__") name, a negative dimension,
// a byte count that does not match the shape, a string that is not UTF-8, or
// an I/O failure (the previous file at `path`, if any, is then left intact).
void WriteSafetensors(const std::string& path, const std::vector<TensorView>& tensors,
                      const std::map<std::string, std::string>& metadata);

// The same bytes WriteSafetensors would write, in memory.
std::string SerializeSafetensors(const std::vector<TensorView>& tensors,
                                 const std::map<std::string, std::string>& metadata);

// One tensor of a parsed file. begin/end are offsets into the data section.
struct TensorInfo {
  std::string name;
  DType dtype = DType::kF32;
  std::vector<int64_t> shape;
  uint64_t begin = 0;
  uint64_t end = 0;

  uint64_t bytes() const { return end - begin; }
  uint64_t num_elements() const { return bytes() / DTypeSize(dtype); }
};

// A whole safetensors file held in memory and validated on construction:
// the header length (<= kSafetensorsMaxHeader, within the file), the header
// is a UTF-8 JSON object without duplicate keys, every entry has a known
// dtype, a shape of non-negative integers and integer data_offsets, each byte
// length equals prod(shape) * element size (overflow-checked), the tensors
// sorted by offset tile the data section exactly from 0 without gap or
// overlap, 8 + N + last end == file size, and "__metadata__" maps strings to
// strings. Any violation throws Error naming the file and the problem.
//
// Immutable after construction, so safe to read from several threads.
// Movable, not copyable (it may hold hundreds of megabytes).
class SafetensorsFile {
 public:
  // Reads and validates the file at `path`.
  static SafetensorsFile Open(const std::string& path);
  // Validates `bytes` (the whole file); `where` names it in error messages.
  static SafetensorsFile Parse(std::string bytes, const std::string& where);

  SafetensorsFile(SafetensorsFile&&) = default;
  SafetensorsFile& operator=(SafetensorsFile&&) = default;
  SafetensorsFile(const SafetensorsFile&) = delete;
  SafetensorsFile& operator=(const SafetensorsFile&) = delete;

  // The tensors sorted by offset (file order; for files this module writes,
  // the order given to WriteSafetensors).
  const std::vector<TensorInfo>& tensors() const { return tensors_; }
  // The tensor called `name`, or nullptr. Valid while this object lives.
  const TensorInfo* Find(const std::string& name) const;
  // The first byte of `t`'s data (t must come from this file's tensors()).
  // The data section starts at 8 + N, which is 8-byte aligned only when the
  // writer padded the header (this module does); copy with memcpy to be safe.
  // Valid while this object lives and is not moved from.
  const uint8_t* data(const TensorInfo& t) const;
  // "__metadata__", empty when the file has none.
  const std::map<std::string, std::string>& metadata() const { return metadata_; }
  // Where the data section starts in the file (8 + N).
  uint64_t data_start() const { return data_start_; }
  // The file's checksum recomputed (see kChecksumKey): hashes the whole data
  // section.
  std::string Checksum() const;

 private:
  SafetensorsFile() = default;

  std::string bytes_;
  uint64_t data_start_ = 0;
  std::vector<TensorInfo> tensors_;
  std::map<std::string, size_t> index_;  // name -> position in tensors_
  std::map<std::string, std::string> metadata_;
  std::string canonical_header_;  // compact, sorted, without kChecksumKey
};

// The metadata key under which the writer records the file's checksum: the
// SHA-256 of the header JSON without this key, written canonically (compact,
// keys sorted at every level: nlohmann::json's dump(), Python's
// json.dumps(h, sort_keys=True, separators=(",", ":"), ensure_ascii=False)),
// followed by the data section. A changed byte anywhere in the file, header
// or tensors, fails it; other readers ignore it as plain metadata.
constexpr const char* kChecksumKey = "synthub_sha256";

enum class ChecksumPolicy {
  kRequire,    // synthub's own files: a missing checksum is a problem
  kIfPresent,  // files from elsewhere (timm, PyTorch) may have none
};

// Checks a file: every structural check of Open, plus the checksum as
// `policy` says. Returns "" when good, else the problem.
std::string VerifySafetensorsFile(const std::string& path, ChecksumPolicy policy);
// The same for a parsed file; `where` names it.
std::string VerifyChecksum(const SafetensorsFile& file, ChecksumPolicy policy,
                           const std::string& where);

}  // namespace synthub::checkpoint

#endif  // SYNTHUB_CHECKPOINT_SAFETENSORS_H_
