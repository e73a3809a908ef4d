#include "util/http_client.h"

#include <algorithm>
#include <chrono>
#include <cstring>
#include <curl/curl.h>
#include <mutex>
#include <nlohmann/json.hpp>
#include <vector>

#include "synthub/error.h"

namespace synthub {
namespace {

constexpr size_t kMaxBuffered = 4 << 20;   // pause the transfer above this
constexpr size_t kMaxErrorBody = 4 << 10;  // of an error response, for its message

void GlobalInit() {
  static std::once_flag once;
  std::call_once(once, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
}

bool Accepted(long status) { return status == 200 || status == 206; }

// The server's own words for an error: the hub's {"error": "..."}, else the
// first line of a plain text body (not an HTML page).
std::string ServerMessage(const std::string& body) {
  const nlohmann::json j = nlohmann::json::parse(body, nullptr, false);
  if (j.is_object() && j.contains("error") && j["error"].is_string()) return j["error"].get<std::string>();
  if (body.empty() || body[0] == '<') return "";
  std::string line = body.substr(0, body.find('\n'));
  if (line.size() > 200) line = line.substr(0, 200) + "...";
  for (char& c : line) {
    if (static_cast<unsigned char>(c) < 0x20) c = ' ';
  }
  return line;
}

}  // namespace

bool IsUrl(const std::string& s) {
  return s.rfind("http://", 0) == 0 || s.rfind("https://", 0) == 0;
}

HttpStream::HttpStream(const std::string& url, const HttpOptions& options) : url_(url), options_(options) {
  GlobalInit();
  CURL* easy = curl_easy_init();
  CURLM* multi = curl_multi_init();
  if (!easy || !multi) {
    if (easy) curl_easy_cleanup(easy);
    if (multi) curl_multi_cleanup(multi);
    throw Error(url + ": cannot initialise libcurl");
  }
  curl_slist* headers = nullptr;
  if (!options.token.empty()) {
    headers = curl_slist_append(headers, ("Authorization: Bearer " + options.token).c_str());
  }
  curl_easy_setopt(easy, CURLOPT_URL, url.c_str());
  curl_easy_setopt(easy, CURLOPT_HTTPHEADER, headers);
  curl_easy_setopt(easy, CURLOPT_WRITEFUNCTION, &HttpStream::OnData);
  curl_easy_setopt(easy, CURLOPT_WRITEDATA, this);
  curl_easy_setopt(easy, CURLOPT_FOLLOWLOCATION, 1L);
  curl_easy_setopt(easy, CURLOPT_CONNECTTIMEOUT, static_cast<long>(options.connect_seconds));
  curl_easy_setopt(easy, CURLOPT_NOSIGNAL, 1L);
  if (options.range_from > 0) {
    curl_easy_setopt(easy, CURLOPT_RANGE, (std::to_string(options.range_from) + "-").c_str());
  }
  if (options.max_bytes_per_second > 0) {
    curl_easy_setopt(easy, CURLOPT_MAX_RECV_SPEED_LARGE, static_cast<curl_off_t>(options.max_bytes_per_second));
  }
  curl_multi_add_handle(multi, easy);
  easy_ = easy;
  multi_ = multi;
  headers_ = headers;
}

HttpStream::~HttpStream() {
  curl_multi_remove_handle(static_cast<CURLM*>(multi_), static_cast<CURL*>(easy_));
  curl_easy_cleanup(static_cast<CURL*>(easy_));
  curl_multi_cleanup(static_cast<CURLM*>(multi_));
  curl_slist_free_all(static_cast<curl_slist*>(headers_));
}

size_t HttpStream::OnData(char* data, size_t size, size_t count, void* self_ptr) {
  auto* self = static_cast<HttpStream*>(self_ptr);
  const size_t n = size * count;
  self->last_byte_ = std::chrono::steady_clock::now();
  if (self->status_ == 0) curl_easy_getinfo(static_cast<CURL*>(self->easy_), CURLINFO_RESPONSE_CODE, &self->status_);
  if (!Accepted(self->status_)) {  // an error body: keep its start for the message
    self->error_body_.append(data, std::min(n, kMaxErrorBody - std::min(kMaxErrorBody, self->error_body_.size())));
    return n;
  }
  if (self->buffer_.size() - self->buffer_pos_ > kMaxBuffered) {
    self->paused_ = true;
    return CURL_WRITEFUNC_PAUSE;
  }
  self->buffer_.append(data, n);
  return n;
}

// The resource offset just past the bytes that arrived (read or buffered).
uint64_t HttpStream::ArrivedOffset() const {
  return options_.range_from + bytes_read_ + (buffer_.size() - buffer_pos_);
}

void HttpStream::Stalled() {
  done_ = true;
  error_ = url_ + "@" + std::to_string(ArrivedOffset()) + ": download failed: stalled, no byte for " +
           std::to_string(options_.stall_seconds) + " s";
}

void HttpStream::Finish(int curl_code) {
  done_ = true;
  long status = 0;
  curl_easy_getinfo(static_cast<CURL*>(easy_), CURLINFO_RESPONSE_CODE, &status);
  if (status_ == 0) status_ = status;
  if (status_ != 0 && !Accepted(status_)) {
    const std::string message = ServerMessage(error_body_);
    error_ = url_ + ": HTTP " + std::to_string(status_) + (message.empty() ? "" : ": " + message);
    return;
  }
  if (curl_code == CURLE_OK) return;
  std::string what = curl_easy_strerror(static_cast<CURLcode>(curl_code));
  // Raised once the bytes that did arrive have been read.
  error_ = url_ + "@" + std::to_string(ArrivedOffset()) + ": download failed: " + what;
}

void HttpStream::PumpOnce() {
  auto* multi = static_cast<CURLM*>(multi_);
  int running = 0;
  if (curl_multi_perform(multi, &running) != CURLM_OK) throw Error(url_ + ": libcurl multi error");
  int queued = 0;
  while (CURLMsg* msg = curl_multi_info_read(multi, &queued)) {
    if (msg->msg == CURLMSG_DONE) Finish(msg->data.result);
  }
  if (!done_ && buffer_pos_ == buffer_.size()) curl_multi_poll(multi, nullptr, 0, 1000, nullptr);
}

void HttpStream::Pump() {
  if (paused_) {
    paused_ = false;
    curl_easy_pause(static_cast<CURL*>(easy_), CURLPAUSE_CONT);
  }
  PumpWhile([this] { return buffer_pos_ == buffer_.size(); });
}

// Drives curl while `waiting()`; waiting more than stall_seconds for a byte
// (time the reader spends elsewhere does not count) fails the transfer.
template <class F>
void HttpStream::PumpWhile(F waiting) {
  const auto start = std::chrono::steady_clock::now();
  const auto stall = std::chrono::seconds(options_.stall_seconds);
  while (!done_ && waiting()) {
    PumpOnce();
    if (!done_ && waiting() && std::chrono::steady_clock::now() - std::max(start, last_byte_) > stall) Stalled();
  }
}

long HttpStream::status() {
  PumpWhile([this] { return !Accepted(status_); });
  if (!Accepted(status_)) {
    throw Error(error_.empty() ? url_ + ": no HTTP response" : error_);
  }
  return status_;
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
    bytes_read_ += take;
  }
  return done;
}

long HttpFetch(const std::string& url, const HttpOptions& options, const HttpSink& sink) {
  HttpStream stream(url, options);
  const long status = stream.status();
  std::vector<char> buf(1 << 20);
  while (const size_t n = stream.Read(buf.data(), buf.size())) {
    if (!sink(buf.data(), n)) {
      throw Error(url + "@" + std::to_string(options.range_from + stream.bytes_read()) +
                  ": the download was refused by its writer");
    }
  }
  return status;
}

std::string HttpGet(const std::string& url, const HttpOptions& options, size_t max_bytes) {
  std::string out;
  HttpFetch(url, options, [&](const char* data, size_t n) {
    if (out.size() + n > max_bytes) throw Error(url + ": larger than " + std::to_string(max_bytes) + " bytes");
    out.append(data, n);
    return true;
  });
  return out;
}

}  // namespace synthub
