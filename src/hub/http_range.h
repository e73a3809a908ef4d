// HTTP Range requests on one file (RFC 9110 section 14): the server's choice
// between the whole file (200), one part (206) and 416. Only single byte
// ranges are honoured; several ranges get the whole file, as RFC 9110 allows.
#ifndef SYNTHUB_HUB_HTTP_RANGE_H_
#define SYNTHUB_HUB_HTTP_RANGE_H_

#include <cstdint>
#include <string>

namespace synthub::hub {

struct ByteRange {
  int status = 200;     // 200 whole file, 206 part, 416 not satisfiable
  uint64_t begin = 0;   // first byte sent
  uint64_t length = 0;  // bytes sent
  std::string content_range;  // "bytes A-B/SIZE" (206), "bytes */SIZE" (416), else ""
};

// `range`: the Range header ("" when absent); `size`: the file's size.
// "bytes=A-B", "bytes=A-", "bytes=-N"; an end past the file is clipped; a
// start at or past the end (or "-0", or any range of an empty file) is 416;
// a header that is not one valid byte range is ignored (200).
ByteRange ResolveRange(const std::string& range, uint64_t size);

}  // namespace synthub::hub

#endif  // SYNTHUB_HUB_HTTP_RANGE_H_
