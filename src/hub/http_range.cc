#include "hub/http_range.h"

#include <algorithm>

namespace synthub::hub {
namespace {

bool Number(const std::string& s, uint64_t* v) {
  if (s.empty() || s.size() > 18 || s.find_first_not_of("0123456789") != std::string::npos) return false;
  *v = std::stoull(s);
  return true;
}

}  // namespace

ByteRange ResolveRange(const std::string& range, uint64_t size) {
  ByteRange whole;
  whole.length = size;
  if (range.rfind("bytes=", 0) != 0 || range.find(',') != std::string::npos) return whole;
  const std::string spec = range.substr(6);
  const size_t dash = spec.find('-');
  if (dash == std::string::npos) return whole;
  const std::string a = spec.substr(0, dash), b = spec.substr(dash + 1);
  uint64_t first = 0, last = 0;
  ByteRange r;
  if (a.empty()) {  // suffix: the last N bytes
    if (!Number(b, &last)) return whole;
    if (last == 0 || size == 0) {
      r.status = 416;
    } else {
      r.length = std::min(last, size);
      r.begin = size - r.length;
    }
  } else {
    if (!Number(a, &first)) return whole;
    if (!b.empty() && (!Number(b, &last) || last < first)) return whole;  // not a valid range
    if (first >= size) {
      r.status = 416;
    } else {
      const uint64_t end = b.empty() ? size : std::min(last + 1, size);
      r.begin = first;
      r.length = end - first;
    }
  }
  if (r.status == 416) {
    r.content_range = "bytes */" + std::to_string(size);
    return r;
  }
  r.status = 206;
  r.content_range = "bytes " + std::to_string(r.begin) + "-" + std::to_string(r.begin + r.length - 1) + "/" +
                    std::to_string(size);
  return r;
}

}  // namespace synthub::hub
