// An HTTP(S) GET streamed as it arrives (libcurl multi interface, driven
// from Read(): no thread, no full download first). Not thread-safe.
#ifndef SYNTHUB_UTIL_HTTP_STREAM_H_
#define SYNTHUB_UTIL_HTTP_STREAM_H_

#include <string>

#include "util/byte_stream.h"

namespace synthub {

class HttpStream : public ByteStream {
 public:
  explicit HttpStream(const std::string& url);
  ~HttpStream() override;
  HttpStream(const HttpStream&) = delete;
  HttpStream& operator=(const HttpStream&) = delete;

  // Throws Error "URL: HTTP 404" or "URL@offset: <curl error>" (a download
  // that fails or is cut mid-stream).
  size_t Read(void* out, size_t n) override;
  const std::string& name() const override { return url_; }

 private:
  static size_t OnData(char* data, size_t size, size_t count, void* self);
  void Pump();  // drives curl until data arrives or the transfer ends

  std::string url_;
  void* easy_;
  void* multi_;
  std::string buffer_;
  size_t buffer_pos_ = 0;
  bool done_ = false;
  bool paused_ = false;
  std::string error_;  // a failed transfer, raised after the buffered bytes
};

// Fetches a whole (small) resource, e.g. a manifest. Throws Error.
std::string HttpGet(const std::string& url);

bool IsUrl(const std::string& s);

}  // namespace synthub

#endif  // SYNTHUB_UTIL_HTTP_STREAM_H_
