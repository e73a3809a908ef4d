#include "pack/pack_idx.h"

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <nlohmann/json.hpp>
#include <zlib.h>

#include "codec/image.h"
#include "synthub/error.h"
#include "util/file.h"

namespace synthub::pack {
namespace {

// Owns a gzFile; gzread reads gzip and plain files alike.
class GzFile {
 public:
  explicit GzFile(const std::string& path) : path_(path), f_(gzopen(path.c_str(), "rb")) {
    if (!f_) throw Error(path + ": cannot open (" + ErrnoText(errno) + ")");
  }
  ~GzFile() { gzclose(f_); }
  GzFile(const GzFile&) = delete;
  GzFile& operator=(const GzFile&) = delete;

  // Reads up to n bytes; returns how many (fewer only at the end).
  size_t Read(void* buf, size_t n) {
    size_t done = 0;
    while (done < n) {
      const unsigned chunk = static_cast<unsigned>(std::min<size_t>(n - done, 1u << 30));
      const int got = gzread(f_, static_cast<char*>(buf) + done, chunk);
      if (got < 0) {
        int err = 0;
        const char* msg = gzerror(f_, &err);
        throw Error(path_ + ": read failed (" + (msg ? msg : "zlib error") + ")");
      }
      if (got == 0) break;
      done += got;
    }
    return done;
  }

 private:
  std::string path_;
  gzFile f_;
};

std::string Hex(uint32_t v) {
  char buf[16];
  std::snprintf(buf, sizeof(buf), "0x%08x", v);
  return buf;
}

}  // namespace

IdxArray ReadIdx(const std::string& path, uint32_t magic, uint64_t limit) {
  if (!PathExists(path)) throw Error(path + ": no such file");
  GzFile f(path);
  uint8_t head[4];
  if (f.Read(head, 4) != 4) throw Error(path + ": shorter than an IDX header");
  const uint32_t got = (uint32_t{head[0]} << 24) | (uint32_t{head[1]} << 16) |
                       (uint32_t{head[2]} << 8) | head[3];
  if (got != magic) {
    throw Error(path + ": IDX magic " + Hex(got) + ", expected " + Hex(magic) +
                ((magic & 0xff) == 3 ? " (uint8 images [n, rows, cols])" : " (uint8 labels [n])"));
  }
  IdxArray a;
  a.dims.resize(magic & 0xff);
  uint64_t item = 1;
  for (size_t d = 0; d < a.dims.size(); ++d) {
    uint8_t b[4];
    if (f.Read(b, 4) != 4) throw Error(path + ": IDX header truncated");
    a.dims[d] = (uint32_t{b[0]} << 24) | (uint32_t{b[1]} << 16) | (uint32_t{b[2]} << 8) | b[3];
    if (d > 0) item *= a.dims[d];
  }
  if (item == 0 || item > (1u << 26)) {
    throw Error(path + ": implausible item size " + std::to_string(item) + " bytes");
  }
  const uint64_t n = limit > 0 ? std::min<uint64_t>(limit, a.dims[0]) : a.dims[0];
  a.data.resize(n * item);
  const size_t read = f.Read(a.data.data(), a.data.size());
  if (read != a.data.size()) {
    throw Error(path + ": truncated: header says " + std::to_string(a.dims[0]) + " items of " +
                std::to_string(item) + " bytes, data ends after " +
                std::to_string(read / item) + " whole items");
  }
  a.dims[0] = static_cast<uint32_t>(n);
  return a;
}

PackStats PackIdx(const IdxOptions& o) {
  if (o.classes < 0 || o.classes > 65536) throw UsageError("--classes must be 0..65536");
  const IdxArray images = ReadIdx(o.images, kIdxImagesMagic, o.limit);
  const IdxArray labels = ReadIdx(o.labels, kIdxLabelsMagic, o.limit);
  if (images.dims[0] != labels.dims[0]) {
    throw Error(o.labels + ": " + std::to_string(labels.dims[0]) + " labels for " +
                std::to_string(images.dims[0]) + " images in " + o.images);
  }
  const uint64_t n = images.dims[0];
  const int rows = static_cast<int>(images.dims[1]), cols = static_cast<int>(images.dims[2]);
  uint32_t classes = static_cast<uint32_t>(o.classes);
  if (classes == 0) {
    for (char c : labels.data) classes = std::max<uint32_t>(classes, static_cast<uint8_t>(c) + 1u);
  }
  for (uint64_t i = 0; i < n; ++i) {
    const uint32_t label = static_cast<uint8_t>(labels.data[i]);
    if (label >= classes) {
      throw Error(o.labels + ": label " + std::to_string(label) + " of item " +
                  std::to_string(i) + " >= " + std::to_string(classes) +
                  " classes (set --classes)");
    }
  }
  PackOptions po = o.pack;
  PackInfo info;
  info.num_classes = classes;
  info.extensions = {"png"};
  info.recipe_json = nlohmann::json{{"packed_from", "idx"},
                                    {"images", o.images},
                                    {"labels", o.labels},
                                    {"limit", o.limit},
                                    {"shard_size", o.pack.shard_size}}.dump();
  codec::EncodeOptions enc;
  enc.format = codec::ImageFormat::kPng;
  enc.png_level = 6;
  const uint64_t item = uint64_t{images.dims[1]} * images.dims[2];
  return WritePackedShards(po, n, info, [&](uint64_t pos) {
    PackSample s;
    s.image = codec::EncodeImage(
        reinterpret_cast<const uint8_t*>(images.data.data()) + pos * item, cols, rows, 1, enc);
    s.ext = "png";
    s.label = static_cast<uint8_t>(labels.data[pos]);
    return s;
  });
}

}  // namespace synthub::pack
