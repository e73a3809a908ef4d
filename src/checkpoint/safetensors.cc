#include "checkpoint/safetensors.h"

#include <algorithm>
#include <limits>
#include <nlohmann/json.hpp>
#include <set>
#include <string_view>
#include <tuple>
#include <utility>

#include "synthub/error.h"
#include "util/file.h"
#include "util/sha256.h"

namespace synthub::checkpoint {
namespace {

using nlohmann::json;

struct DTypeEntry {
  DType dtype;
  const char* name;
  size_t size;
};

constexpr DTypeEntry kDTypes[] = {
    {DType::kF32, "F32", 4}, {DType::kF16, "F16", 2}, {DType::kBF16, "BF16", 2},
    {DType::kF64, "F64", 8}, {DType::kI64, "I64", 8}, {DType::kI32, "I32", 4},
    {DType::kI16, "I16", 2}, {DType::kI8, "I8", 1},   {DType::kU8, "U8", 1},
    {DType::kBool, "BOOL", 1},
};

const DTypeEntry& Entry(DType dtype) {
  for (const DTypeEntry& e : kDTypes) {
    if (e.dtype == dtype) return e;
  }
  throw Error("safetensors: invalid DType value " + std::to_string(static_cast<int>(dtype)));
}

constexpr const char* kMetadataKey = "__metadata__";

// prod(shape) * element size, or false on overflow.
bool ByteLength(const std::vector<int64_t>& shape, size_t element_size, uint64_t* bytes) {
  uint64_t n = 1;
  for (int64_t d : shape) {
    if (__builtin_mul_overflow(n, static_cast<uint64_t>(d), &n)) return false;
  }
  return !__builtin_mul_overflow(n, static_cast<uint64_t>(element_size), bytes);
}

std::string ShapeText(const std::vector<int64_t>& shape) {
  std::string s = "[";
  for (size_t i = 0; i < shape.size(); ++i) s += (i ? ", " : "") + std::to_string(shape[i]);
  return s + "]";
}

// The 8-byte length prefix and the padded JSON header; validates the tensors.
std::string BuildHeader(const std::vector<TensorView>& tensors,
                        const std::map<std::string, std::string>& metadata,
                        const std::string& where_file) {
  json header = json::object();
  json meta = json::object();
  meta["format"] = "pt";
  for (const auto& [key, value] : metadata) meta[key] = value;
  header[kMetadataKey] = meta;
  uint64_t offset = 0;
  for (const TensorView& t : tensors) {
    const std::string where = where_file + ": tensor '" + t.name + "'";
    if (t.name.empty()) throw Error(where_file + ": a tensor has an empty name");
    if (t.name == kMetadataKey) throw Error(where + ": the name is reserved");
    if (header.contains(t.name)) throw Error(where + ": duplicate name");
    for (int64_t d : t.shape) {
      if (d < 0) throw Error(where + ": negative dimension in shape " + ShapeText(t.shape));
    }
    uint64_t expected = 0;
    if (!ByteLength(t.shape, DTypeSize(t.dtype), &expected)) {
      throw Error(where + ": shape " + ShapeText(t.shape) + " overflows");
    }
    if (expected != t.bytes) {
      throw Error(where + ": shape " + ShapeText(t.shape) + " x " + DTypeName(t.dtype) + " needs " +
                  std::to_string(expected) + " bytes, got " + std::to_string(t.bytes));
    }
    if (t.bytes > 0 && t.data == nullptr) throw Error(where + ": null data");
    header[t.name] = {{"dtype", DTypeName(t.dtype)},
                      {"shape", t.shape},
                      {"data_offsets", {offset, offset + t.bytes}}};
    offset += t.bytes;
  }
  std::string text;
  try {
    header[kMetadataKey].erase(kChecksumKey);
    Sha256 checksum;
    checksum.Update(header.dump());  // strict: throws on a string that is not UTF-8
    for (const TensorView& t : tensors) checksum.Update(t.data, t.bytes);
    header[kMetadataKey][kChecksumKey] = checksum.HexDigest();
    text = header.dump();
  } catch (const json::exception& e) {
    throw Error(where_file + ": cannot write the header: " + e.what());
  }
  text.append((8 - text.size() % 8) % 8, ' ');
  std::string out(8, '\0');
  const uint64_t n = text.size();
  for (int i = 0; i < 8; ++i) out[i] = static_cast<char>((n >> (8 * i)) & 0xff);
  return out + text;
}

// Parses the header JSON, rejecting duplicate keys at any level (nlohmann
// keeps the last of a duplicate silently) and nesting deeper than the format
// uses (object > tensor object > shape array).
json ParseHeaderJson(std::string_view text, const std::string& where) {
  std::vector<std::set<std::string>> keys;  // keys seen, by object depth
  auto callback = [&](int depth, json::parse_event_t event, json& parsed) {
    switch (event) {
      case json::parse_event_t::object_start:
      case json::parse_event_t::array_start:
        if (depth >= 3) throw Error(where + ": header JSON is nested deeper than the format allows");
        if (event == json::parse_event_t::object_start) {
          keys.resize(static_cast<size_t>(depth) + 1);
          keys[depth].clear();
        }
        break;
      case json::parse_event_t::key: {
        const std::string& key = parsed.get_ref<const std::string&>();
        if (depth < 1 || keys.size() < static_cast<size_t>(depth)) {
          throw Error(where + ": header JSON: key outside an object");  // cannot happen
        }
        if (!keys[depth - 1].insert(key).second) {
          throw Error(where + ": header JSON has the key '" + key + "' twice");
        }
        break;
      }
      default:
        break;
    }
    return true;
  };
  if (text.size() >= 3 && text.substr(0, 3) == "\xEF\xBB\xBF") {
    throw Error(where + ": header JSON starts with a byte-order mark");
  }
  // nlohmann stops at a NUL as if the input ended there; JSON never holds one
  // raw (a string escapes it as \u0000).
  const size_t nul = text.find('\0');
  if (nul != std::string_view::npos) {
    throw Error(where + ": header is not valid UTF-8 JSON: a NUL byte at header offset " +
                std::to_string(nul));
  }
  try {
    return json::parse(text.begin(), text.end(), callback);
  } catch (const json::exception& e) {
    throw Error(where + ": header is not valid UTF-8 JSON: " + e.what());
  }
}

uint64_t GetUnsigned(const json& v, const std::string& what) {
  if (!v.is_number_integer()) throw Error(what + " must be an integer, got " + v.dump());
  if (v.is_number_unsigned()) return v.get<uint64_t>();
  const int64_t s = v.get<int64_t>();
  if (s < 0) throw Error(what + " must not be negative, got " + std::to_string(s));
  return static_cast<uint64_t>(s);
}

TensorInfo ParseEntry(const std::string& name, const json& entry, const std::string& where) {
  const std::string what = where + ": tensor '" + name + "'";
  if (!entry.is_object()) throw Error(what + ": expected an object");
  TensorInfo t;
  t.name = name;
  auto dtype = entry.find("dtype");
  if (dtype == entry.end()) throw Error(what + ": missing 'dtype'");
  if (!dtype->is_string()) throw Error(what + ": 'dtype' must be a string");
  try {
    t.dtype = ParseDType(dtype->get<std::string>());
  } catch (const Error& e) {
    throw Error(what + ": " + e.what());
  }
  auto shape = entry.find("shape");
  if (shape == entry.end()) throw Error(what + ": missing 'shape'");
  if (!shape->is_array()) throw Error(what + ": 'shape' must be an array");
  for (const json& d : *shape) {
    const uint64_t dim = GetUnsigned(d, what + ": shape dimension");
    if (dim > static_cast<uint64_t>(std::numeric_limits<int64_t>::max())) {
      throw Error(what + ": shape dimension " + std::to_string(dim) + " is too large");
    }
    t.shape.push_back(static_cast<int64_t>(dim));
  }
  auto offsets = entry.find("data_offsets");
  if (offsets == entry.end()) throw Error(what + ": missing 'data_offsets'");
  if (!offsets->is_array() || offsets->size() != 2) {
    throw Error(what + ": 'data_offsets' must be [begin, end]");
  }
  t.begin = GetUnsigned((*offsets)[0], what + ": data_offsets begin");
  t.end = GetUnsigned((*offsets)[1], what + ": data_offsets end");
  if (t.end < t.begin) {
    throw Error(what + ": data_offsets end " + std::to_string(t.end) + " is before begin " +
                std::to_string(t.begin));
  }
  uint64_t expected = 0;
  if (!ByteLength(t.shape, DTypeSize(t.dtype), &expected)) {
    throw Error(what + ": shape " + ShapeText(t.shape) + " overflows 64 bits");
  }
  if (expected != t.bytes()) {
    throw Error(what + ": shape " + ShapeText(t.shape) + " x " + DTypeName(t.dtype) + " is " +
                std::to_string(expected) + " bytes but data_offsets span " +
                std::to_string(t.bytes()));
  }
  return t;
}

}  // namespace

const char* DTypeName(DType dtype) { return Entry(dtype).name; }

size_t DTypeSize(DType dtype) { return Entry(dtype).size; }

DType ParseDType(const std::string& name) {
  for (const DTypeEntry& e : kDTypes) {
    if (name == e.name) return e.dtype;
  }
  throw Error("unknown or unsupported dtype '" + name + "'");
}

std::string SerializeSafetensors(const std::vector<TensorView>& tensors,
                                 const std::map<std::string, std::string>& metadata) {
  std::string out = BuildHeader(tensors, metadata, "safetensors");
  for (const TensorView& t : tensors) {
    if (t.bytes > 0) out.append(static_cast<const char*>(t.data), t.bytes);
  }
  return out;
}

void WriteSafetensors(const std::string& path, const std::vector<TensorView>& tensors,
                      const std::map<std::string, std::string>& metadata) {
  const std::string header = BuildHeader(tensors, metadata, path);
  AtomicFile file(path);  // removes the temporary if anything below throws
  file.Write(header);
  for (const TensorView& t : tensors) {
    if (t.bytes > 0) file.Write(t.data, t.bytes);
  }
  file.Commit();
}

SafetensorsFile SafetensorsFile::Open(const std::string& path) {
  return Parse(ReadFile(path), path);
}

SafetensorsFile SafetensorsFile::Parse(std::string bytes, const std::string& where) {
  SafetensorsFile f;
  f.bytes_ = std::move(bytes);
  const uint64_t size = f.bytes_.size();
  if (size < 8) {
    throw Error(where + ": " + std::to_string(size) +
                " bytes, too short for the 8-byte header length");
  }
  uint64_t n = 0;
  for (int i = 0; i < 8; ++i) n |= static_cast<uint64_t>(static_cast<uint8_t>(f.bytes_[i])) << (8 * i);
  if (n > kSafetensorsMaxHeader) {
    throw Error(where + ": header length " + std::to_string(n) + " exceeds the limit of " +
                std::to_string(kSafetensorsMaxHeader));
  }
  if (n > size - 8) {
    throw Error(where + ": header length " + std::to_string(n) + " runs past the end of the " +
                std::to_string(size) + "-byte file");
  }
  f.data_start_ = 8 + n;
  json header = ParseHeaderJson(std::string_view(f.bytes_).substr(8, n), where);
  if (!header.is_object()) throw Error(where + ": header is not a JSON object");

  for (const auto& [key, value] : header.items()) {
    if (key == kMetadataKey) {
      if (!value.is_object()) throw Error(where + ": __metadata__ must be an object");
      for (const auto& [mkey, mvalue] : value.items()) {
        if (!mvalue.is_string()) {
          throw Error(where + ": __metadata__ value for '" + mkey + "' must be a string, got " +
                      mvalue.dump());
        }
        f.metadata_[mkey] = mvalue.get<std::string>();
      }
      continue;
    }
    f.tensors_.push_back(ParseEntry(key, value, where));
  }

  std::sort(f.tensors_.begin(), f.tensors_.end(), [](const TensorInfo& a, const TensorInfo& b) {
    return std::tie(a.begin, a.end, a.name) < std::tie(b.begin, b.end, b.name);
  });
  uint64_t covered = 0;
  for (const TensorInfo& t : f.tensors_) {
    if (t.begin != covered) {
      throw Error(where + ": tensor '" + t.name + "' starts at data offset " +
                  std::to_string(t.begin) + " but the previous tensor ends at " +
                  std::to_string(covered) + (t.begin > covered ? " (a gap)" : " (an overlap)"));
    }
    covered = t.end;
  }
  const uint64_t data_size = size - f.data_start_;
  if (covered != data_size) {
    throw Error(where + ": the tensors cover " + std::to_string(covered) +
                " bytes but the data section has " + std::to_string(data_size) +
                (covered < data_size ? " (trailing bytes)" : " (file truncated)"));
  }
  for (size_t i = 0; i < f.tensors_.size(); ++i) f.index_[f.tensors_[i].name] = i;
  if (header.contains(kMetadataKey)) header[kMetadataKey].erase(kChecksumKey);
  f.canonical_header_ = header.dump();  // valid UTF-8: the parser checked it
  return f;
}

const TensorInfo* SafetensorsFile::Find(const std::string& name) const {
  auto it = index_.find(name);
  return it == index_.end() ? nullptr : &tensors_[it->second];
}

const uint8_t* SafetensorsFile::data(const TensorInfo& t) const {
  SYNTHUB_CHECK(data_start_ <= bytes_.size() && t.begin <= t.end &&
                t.end <= bytes_.size() - data_start_);
  return reinterpret_cast<const uint8_t*>(bytes_.data()) + data_start_ + t.begin;
}

std::string SafetensorsFile::Checksum() const {
  Sha256 h;
  h.Update(canonical_header_);
  h.Update(std::string_view(bytes_).substr(data_start_));
  return h.HexDigest();
}

std::string VerifyChecksum(const SafetensorsFile& file, ChecksumPolicy policy,
                           const std::string& where) {
  const auto it = file.metadata().find(kChecksumKey);
  if (it == file.metadata().end()) {
    if (policy == ChecksumPolicy::kIfPresent) return "";
    return where + ": no " + kChecksumKey + " in its header (not written by synthub, or the "
           "header was changed)";
  }
  if (it->second != file.Checksum()) {
    return where + ": the file does not match the " + kChecksumKey +
           " recorded in its header (changed or corrupted after writing)";
  }
  return "";
}

std::string VerifySafetensorsFile(const std::string& path, ChecksumPolicy policy) {
  try {
    return VerifyChecksum(SafetensorsFile::Open(path), policy, path);
  } catch (const Error& e) {
    return e.what();
  }
}

}  // namespace synthub::checkpoint
