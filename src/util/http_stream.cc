#include "util/http_stream.h"

#include <cstring>
#include <curl/curl.h>
#include <mutex>

#include "synthub/error.h"

namespace synthub {
namespace {

constexpr size_t kMaxBuffered = 4 << 20;  // pause the transfer above this

void GlobalInit() {
  static std::once_flag once;
  std::call_once(once, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
}

}  // namespace

bool IsUrl(const std::string& s) {
  return s.rfind("http://", 0) == 0 || s.rfind("https://", 0) == 0;
}

HttpStream::HttpStream(const std::string& url) : url_(url) {
  GlobalInit();
  CURL* easy = curl_easy_init();
  CURLM* multi = curl_multi_init();
  if (!easy || !multi) throw Error(url + ": cannot initialise libcurl");
  curl_easy_setopt(easy, CURLOPT_URL, url.c_str());
  curl_easy_setopt(easy, CURLOPT_WRITEFUNCTION, &HttpStream::OnData);
  curl_easy_setopt(easy, CURLOPT_WRITEDATA, this);
  curl_easy_setopt(easy, CURLOPT_FOLLOWLOCATION, 1L);
  curl_easy_setopt(easy, CURLOPT_FAILONERROR, 1L);
  curl_easy_setopt(easy, CURLOPT_CONNECTTIMEOUT, 30L);
  curl_easy_setopt(easy, CURLOPT_LOW_SPEED_LIMIT, 1L);   // stalled for 60 s:
  curl_easy_setopt(easy, CURLOPT_LOW_SPEED_TIME, 60L);   // an error, never a hang
  curl_easy_setopt(easy, CURLOPT_NOSIGNAL, 1L);
  curl_multi_add_handle(multi, easy);
  easy_ = easy;
  multi_ = multi;
}

HttpStream::~HttpStream() {
  curl_multi_remove_handle(static_cast<CURLM*>(multi_), static_cast<CURL*>(easy_));
  curl_easy_cleanup(static_cast<CURL*>(easy_));
  curl_multi_cleanup(static_cast<CURLM*>(multi_));
}

size_t HttpStream::OnData(char* data, size_t size, size_t count, void* self_ptr) {
  auto* self = static_cast<HttpStream*>(self_ptr);
  if (self->buffer_.size() - self->buffer_pos_ > kMaxBuffered) {
    self->paused_ = true;
    return CURL_WRITEFUNC_PAUSE;
  }
  self->buffer_.append(data, size * count);
  return size * count;
}

void HttpStream::Pump() {
  auto* multi = static_cast<CURLM*>(multi_);
  auto* easy = static_cast<CURL*>(easy_);
  if (paused_) {
    paused_ = false;
    curl_easy_pause(easy, CURLPAUSE_CONT);
  }
  while (!done_ && buffer_pos_ == buffer_.size()) {
    int running = 0;
    if (curl_multi_perform(multi, &running) != CURLM_OK) {
      throw Error(url_ + ": libcurl multi error");
    }
    int queued = 0;
    while (CURLMsg* msg = curl_multi_info_read(multi, &queued)) {
      if (msg->msg != CURLMSG_DONE) continue;
      done_ = true;
      if (msg->data.result != CURLE_OK) {
        long status = 0;
        curl_easy_getinfo(easy, CURLINFO_RESPONSE_CODE, &status);
        std::string what = curl_easy_strerror(msg->data.result);
        if (status >= 400) what = "HTTP " + std::to_string(status);
        // Raised once the bytes that did arrive have been read.
        error_ = url_ + "@" + std::to_string(bytes_read_ + (buffer_.size() - buffer_pos_)) +
                 ": download failed: " + what;
      }
    }
    if (!done_ && buffer_pos_ == buffer_.size()) curl_multi_poll(multi, nullptr, 0, 1000, nullptr);
  }
}

size_t HttpStream::Read(void* out, size_t n) {
  size_t done = 0;
  while (done < n) {
    if (buffer_pos_ == buffer_.size()) {
      buffer_.clear();
      buffer_pos_ = 0;
      Pump();
      if (buffer_pos_ == buffer_.size()) {
        if (!error_.empty()) throw Error(error_);
        break;  // end of the stream
      }
    }
    const size_t take = std::min(n - done, buffer_.size() - buffer_pos_);
    std::memcpy(static_cast<char*>(out) + done, buffer_.data() + buffer_pos_, take);
    buffer_pos_ += take;
    done += take;
  }
  bytes_read_ += done;
  return done;
}

std::string HttpGet(const std::string& url) {
  HttpStream s(url);
  std::string out;
  char buf[1 << 15];
  size_t n;
  while ((n = s.Read(buf, sizeof(buf))) > 0) out.append(buf, n);
  return out;
}

}  // namespace synthub
