// The one HTTP(S) client (libcurl): a GET with an optional bearer token, a
// byte range and a stall timeout, streamed as it arrives, either pulled as a
// ByteStream (HttpStream: the loader's shards and manifests) or pushed into
// a callback (HttpFetch: hub pull and materialize). Errors name the URL and
// the HTTP status (with the server's own message), never the token.
#ifndef SYNTHUB_UTIL_HTTP_CLIENT_H_
#define SYNTHUB_UTIL_HTTP_CLIENT_H_

#include <chrono>
#include <cstdint>
#include <functional>
#include <string>

#include "util/byte_stream.h"

namespace synthub {

struct HttpOptions {
  std::string token;                  // sent as "Authorization: Bearer TOKEN"; never logged
  uint64_t range_from = 0;            // > 0: asks for "Range: bytes=N-"
  int stall_seconds = 60;             // waiting this long for a byte fails the transfer
  int connect_seconds = 30;
  uint64_t max_bytes_per_second = 0;  // a bandwidth cap (0: none)
};

// True for "http://..." and "https://...".
bool IsUrl(const std::string& s);

// An HTTP(S) GET streamed as it arrives (libcurl's multi interface, driven
// from Read(): no thread, no full download first). Not thread-safe.
class HttpStream : public ByteStream {
 public:
  explicit HttpStream(const std::string& url, const HttpOptions& options = HttpOptions());
  ~HttpStream() override;
  HttpStream(const HttpStream&) = delete;
  HttpStream& operator=(const HttpStream&) = delete;

  // Throws Error "URL: HTTP 401: <the server's message>" for a status other
  // than 200/206, "URL@offset: download failed: <why>" for a transfer that
  // fails, stalls or is cut mid-stream (after the bytes that did arrive).
  size_t Read(void* out, size_t n) override;
  const std::string& name() const override { return url_; }

  // Waits for the response: 200, or 206 when a range was honoured. Throws
  // as Read does for anything else.
  long status();

 private:
  static size_t OnData(char* data, size_t size, size_t count, void* self);
  void PumpOnce();  // one step of curl: perform, collect the result, poll
  void Pump();      // drives curl until data arrives or the transfer ends
  template <class F>
  void PumpWhile(F waiting);
  void Finish(int curl_code);
  void Stalled();
  uint64_t ArrivedOffset() const;

  std::string url_;
  HttpOptions options_;
  void* easy_;
  void* multi_;
  void* headers_ = nullptr;
  std::string buffer_;
  size_t buffer_pos_ = 0;
  std::chrono::steady_clock::time_point last_byte_;  // of the body
  long status_ = 0;          // known once the body starts or the transfer ends
  std::string error_body_;   // the start of an error response's body
  bool done_ = false;
  bool paused_ = false;
  std::string error_;        // a failed transfer, raised after the buffered bytes
};

// Streams the body of a GET into `sink` (which returns false to stop: an
// Error). Returns 200, or 206 when the range was honoured; throws as
// HttpStream::Read for anything else.
using HttpSink = std::function<bool(const char* data, size_t n)>;
long HttpFetch(const std::string& url, const HttpOptions& options, const HttpSink& sink);

// Fetches a whole (small) resource, e.g. a manifest, of at most `max_bytes`.
// Throws Error.
std::string HttpGet(const std::string& url, const HttpOptions& options = HttpOptions(),
                    size_t max_bytes = size_t{256} << 20);

}  // namespace synthub

#endif  // SYNTHUB_UTIL_HTTP_CLIENT_H_
