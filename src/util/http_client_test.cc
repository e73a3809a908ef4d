#include "util/http_client.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <string>
#include <thread>

#include <gtest/gtest.h>

#include "synthub/error.h"

namespace synthub {
namespace {

// A loopback server for one connection: records the request head, sends
// `response`, then holds the connection open for `hold_ms` (a stall) and closes.
class OneShotServer {
 public:
  OneShotServer(std::string response, int hold_ms) : response_(std::move(response)), hold_ms_(hold_ms) {
    listener_ = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    addr.sin_port = 0;
    EXPECT_EQ(::bind(listener_, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)), 0);
    EXPECT_EQ(::listen(listener_, 1), 0);
    socklen_t len = sizeof(addr);
    ::getsockname(listener_, reinterpret_cast<sockaddr*>(&addr), &len);
    port_ = ntohs(addr.sin_port);
    thread_ = std::thread([this] { Serve(); });
  }
  ~OneShotServer() {
    thread_.join();
    ::close(listener_);
  }
  std::string url(const std::string& path) const { return "http://127.0.0.1:" + std::to_string(port_) + path; }
  const std::string& request() const { return request_; }  // valid after the client is done

 private:
  void Serve() {
    const int fd = ::accept(listener_, nullptr, nullptr);
    if (fd < 0) return;
    char buf[4096];
    while (request_.find("\r\n\r\n") == std::string::npos) {
      const ssize_t n = ::recv(fd, buf, sizeof(buf), 0);
      if (n <= 0) break;
      request_.append(buf, static_cast<size_t>(n));
    }
    ssize_t unused = ::send(fd, response_.data(), response_.size(), MSG_NOSIGNAL);
    (void)unused;
    std::this_thread::sleep_for(std::chrono::milliseconds(hold_ms_));
    ::close(fd);
  }

  std::string response_;
  int hold_ms_;
  int listener_ = -1;
  int port_ = 0;
  std::string request_;
  std::thread thread_;
};

TEST(HttpClientTest, SendsTokenAndRangeAndReadsThePartialContent) {
  OneShotServer server("HTTP/1.1 206 Partial Content\r\nContent-Length: 5\r\nContent-Range: bytes 10-14/15\r\n"
                       "Connection: close\r\n\r\nhello", 0);
  HttpOptions o;
  o.token = "shub_secret";
  o.range_from = 10;
  std::string got;
  const long status = HttpFetch(server.url("/files/a"), o, [&](const char* d, size_t n) {
    got.append(d, n);
    return true;
  });
  EXPECT_EQ(status, 206);
  EXPECT_EQ(got, "hello");
  EXPECT_NE(server.request().find("Authorization: Bearer shub_secret\r\n"), std::string::npos);
  EXPECT_NE(server.request().find("Range: bytes=10-\r\n"), std::string::npos);
}

TEST(HttpClientTest, AnErrorNamesTheUrlStatusAndServerMessage) {
  const std::string body = "{\"error\": \"this hub needs a read token\", \"status\": 401}";
  OneShotServer server("HTTP/1.1 401 Unauthorized\r\nContent-Type: application/json\r\nContent-Length: " +
                       std::to_string(body.size()) + "\r\nConnection: close\r\n\r\n" + body, 0);
  const std::string url = server.url("/api/revisions/x");
  try {
    HttpGet(url);
    FAIL() << "no error";
  } catch (const Error& e) {
    EXPECT_EQ(std::string(e.what()), url + ": HTTP 401: this hub needs a read token");
  }
  EXPECT_EQ(server.request().find("Authorization"), std::string::npos);  // no token, no header
}

TEST(HttpClientTest, AStalledTransferFailsAfterStallSeconds) {
  // Announces 100 bytes, sends 3, then nothing for 4 s.
  OneShotServer server("HTTP/1.1 200 OK\r\nContent-Length: 100\r\nConnection: close\r\n\r\nabc", 4000);
  HttpOptions o;
  o.stall_seconds = 1;
  HttpStream stream(server.url("/big"), o);
  char buf[100];
  const auto start = std::chrono::steady_clock::now();
  try {
    stream.Read(buf, sizeof(buf));
    FAIL() << "no error";
  } catch (const Error& e) {
    const std::string what = e.what();
    EXPECT_NE(what.find(server.url("/big") + "@3: download failed"), std::string::npos) << what;
    EXPECT_NE(what.find("no byte for 1 s"), std::string::npos) << what;
  }
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(4));
}

}  // namespace
}  // namespace synthub
