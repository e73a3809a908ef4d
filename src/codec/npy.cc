#include "codec/npy.h"

#include <cstring>

#include "synthub/error.h"

namespace synthub::codec {
namespace {

constexpr char kMagic[] = "\x93NUMPY";
constexpr size_t kMagicSize = 6;

// The value of `key` in a .npy header dict ("'descr': '<f4', ..."), up to the
// next ", '" or the closing brace; "" when absent.
std::string HeaderValue(const std::string& header, const std::string& key) {
  const std::string quoted = "'" + key + "':";
  size_t at = header.find(quoted);
  if (at == std::string::npos) return "";
  at += quoted.size();
  while (at < header.size() && header[at] == ' ') ++at;
  size_t end = at;
  if (end < header.size() && header[end] == '(') {
    end = header.find(')', end);
    return end == std::string::npos ? "" : header.substr(at, end + 1 - at);
  }
  while (end < header.size() && header[end] != ',' && header[end] != '}') ++end;
  return header.substr(at, end - at);
}

}  // namespace

std::string EncodeNpyF32(const float* data, size_t rows, size_t cols) {
  // numpy's format 1.0: magic, version, a little-endian uint16 header length,
  // then the dict padded with spaces and a newline so the data starts at a
  // multiple of 64 bytes.
  std::string header = "{'descr': '<f4', 'fortran_order': False, 'shape': (" +
                       std::to_string(rows) + ", " + std::to_string(cols) + "), }";
  const size_t unpadded = kMagicSize + 2 + 2 + header.size() + 1;
  header.append((64 - unpadded % 64) % 64, ' ');
  header += '\n';
  std::string out(kMagic, kMagicSize);
  out += '\x01';
  out += '\x00';
  out += static_cast<char>(header.size() & 0xff);
  out += static_cast<char>(header.size() >> 8);
  out += header;
  const size_t bytes = rows * cols * sizeof(float);
  const size_t at = out.size();
  out.resize(at + bytes);
  if (bytes) std::memcpy(&out[at], data, bytes);  // little-endian hosts only (x86-64, arm64)
  return out;
}

std::vector<float> DecodeNpyF32(const std::string& bytes, const std::string& where,
                                size_t* rows, size_t* cols) {
  if (bytes.size() < kMagicSize + 4 || bytes.compare(0, kMagicSize, kMagic, kMagicSize) != 0) {
    throw Error(where + ": not a .npy file (bad magic)");
  }
  const uint8_t major = static_cast<uint8_t>(bytes[6]);
  size_t header_len, header_at;
  if (major == 1) {
    header_len = static_cast<uint8_t>(bytes[8]) | static_cast<uint8_t>(bytes[9]) << 8;
    header_at = 10;
  } else if (major == 2 || major == 3) {
    if (bytes.size() < 12) throw Error(where + ": truncated .npy header");
    header_len = 0;
    for (int k = 3; k >= 0; --k) header_len = header_len << 8 | static_cast<uint8_t>(bytes[8 + k]);
    header_at = 12;
  } else {
    throw Error(where + ": unsupported .npy version " + std::to_string(major));
  }
  if (bytes.size() < header_at + header_len) throw Error(where + ": truncated .npy header");
  const std::string header = bytes.substr(header_at, header_len);
  const std::string descr = HeaderValue(header, "descr");
  if (descr != "'<f4'") {
    throw Error(where + ": dtype " + (descr.empty() ? "(none)" : descr) +
                ", expected float32 ('<f4')");
  }
  if (HeaderValue(header, "fortran_order") != "False") {
    throw Error(where + ": Fortran-order arrays are not supported (save a C-order array)");
  }
  const std::string shape = HeaderValue(header, "shape");
  unsigned long long r = 0, c = 0;
  char tail = 0;
  if (std::sscanf(shape.c_str(), "(%llu, %llu%c", &r, &c, &tail) != 3 || tail != ')') {
    throw Error(where + ": shape " + (shape.empty() ? "(none)" : shape) +
                ", expected a 2-D shape (rows, columns)");
  }
  const size_t data_at = header_at + header_len;
  if (c != 0 && r > (bytes.size() - data_at) / sizeof(float) / c) {
    throw Error(where + ": truncated data: shape " + shape + " needs " +
                std::to_string(r * c * sizeof(float)) + " bytes, the file holds " +
                std::to_string(bytes.size() - data_at));
  }
  if (bytes.size() - data_at != r * c * sizeof(float)) {
    throw Error(where + ": " + std::to_string(bytes.size() - data_at - r * c * sizeof(float)) +
                " bytes after the data of shape " + shape);
  }
  std::vector<float> out(r * c);
  if (!out.empty()) std::memcpy(out.data(), bytes.data() + data_at, out.size() * sizeof(float));
  *rows = r;
  *cols = c;
  return out;
}

}  // namespace synthub::codec
