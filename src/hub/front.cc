#include "hub/front.h"

#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <strings.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/sendfile.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <condition_variable>
#include <cstring>
#include <deque>

#include "hub/http_range.h"
#include "hub/http_route.h"
#include "synthub/error.h"
#include "util/hex.h"
#include "util/log.h"

namespace synthub::hub {
namespace {

thread_local int t_socket = -1;
thread_local bool t_close_after = false;

int64_t NowMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

// Waits until `fd` is ready for `events`; false on timeout or error.
bool WaitFor(int fd, short events, int timeout_ms) {
  pollfd p{fd, events, 0};
  while (true) {
    const int n = ::poll(&p, 1, timeout_ms);
    if (n < 0 && errno == EINTR) continue;
    return n == 1 && (p.revents & events);
  }
}

// Closes a connection after its last response without losing the response:
// closing with request bytes still unread (an upload refused halfway) makes
// the kernel answer with a reset, and the client may never read what was
// sent. So: the end of our side first, then what the client still sends is
// read and dropped until it closes, goes quiet for 1 s, or 5 s have passed.
void LingeringClose(int fd) {
  ::shutdown(fd, SHUT_WR);
  char buf[16384];
  const int64_t end = NowMs() + 5000;
  for (int64_t now = NowMs(); now < end; now = NowMs()) {
    if (!WaitFor(fd, POLLIN, static_cast<int>(std::min<int64_t>(end - now, 1000)))) return;
    const ssize_t n = ::recv(fd, buf, sizeof buf, 0);
    if (n == 0 || (n < 0 && errno != EINTR && errno != EAGAIN && errno != EWOULDBLOCK)) return;
  }
}

std::string Address(const sockaddr_storage& a, socklen_t len, int* port) {
  char host[NI_MAXHOST], serv[NI_MAXSERV];
  if (::getnameinfo(reinterpret_cast<const sockaddr*>(&a), len, host, sizeof host, serv, sizeof serv,
                    NI_NUMERICHOST | NI_NUMERICSERV) != 0) {
    *port = 0;
    return "";
  }
  *port = std::atoi(serv);
  return host;
}

}  // namespace

int CurrentConnectionSocket() { return t_socket; }

void CloseAfterThisResponse() { t_close_after = true; }

void LogRequest(const std::string& method, const std::string& path, int status, const std::string& bytes) {
  std::string shown = path.substr(0, 300);
  for (char& c : shown) {
    if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) c = '?';
  }
  LogInfo(method + " " + shown + " " + std::to_string(status) + " " + bytes);
}

// --- request threads ---------------------------------------------------------

// A fixed set of threads taking jobs; the most recently idle thread gets the
// next job (a stack, not a queue), so a light load keeps to a few threads
// whose catalogue connections and caches are warm, instead of waking every
// thread in turn (each then opening its own PostgreSQL connection).
class Front::RequestThreads {
 public:
  explicit RequestThreads(int n) {
    for (int i = 0; i < n; ++i) threads_.emplace_back([this] { Work(); });
  }
  ~RequestThreads() { Shutdown(); }
  RequestThreads(const RequestThreads&) = delete;
  RequestThreads& operator=(const RequestThreads&) = delete;

  void Enqueue(std::function<void()> job) {
    std::unique_lock<std::mutex> lock(mu_);
    if (!idle_.empty()) {
      Idle* w = idle_.back();  // the one that went idle last
      idle_.pop_back();
      w->job = std::move(job);
      w->cv.notify_one();
      return;
    }
    jobs_.push_back(std::move(job));
  }

  // Runs the jobs already queued, then joins the threads.
  void Shutdown() {
    {
      std::lock_guard<std::mutex> lock(mu_);
      if (shutdown_) return;
      shutdown_ = true;
      for (Idle* w : idle_) w->cv.notify_one();
    }
    for (std::thread& t : threads_) t.join();
  }

 private:
  struct Idle {
    std::condition_variable cv;
    std::function<void()> job;
  };

  void Work() {
    Idle self;
    std::unique_lock<std::mutex> lock(mu_);
    while (true) {
      std::function<void()> job;
      if (!jobs_.empty()) {
        job = std::move(jobs_.front());
        jobs_.pop_front();
      } else if (shutdown_) {
        return;
      } else {
        idle_.push_back(&self);
        self.cv.wait(lock, [&] { return self.job || shutdown_; });
        if (!self.job) {  // shut down while idle: leave the stack
          idle_.erase(std::find(idle_.begin(), idle_.end(), &self));
          continue;
        }
        job = std::move(self.job);
        self.job = nullptr;
      }
      lock.unlock();
      job();
      lock.lock();
    }
  }

  std::mutex mu_;
  std::deque<std::function<void()>> jobs_;  // waiting for a thread
  std::vector<Idle*> idle_;                 // idle threads, most recent last
  bool shutdown_ = false;
  std::vector<std::thread> threads_;
};

// --- PinnedFiles --------------------------------------------------------------

void PinnedFiles::Add(const std::string& id, std::shared_ptr<const Revision> r) {
  std::lock_guard<std::mutex> lock(mu_);
  if (!by_id_.emplace(id, std::move(r)).second) return;
  order_.push_back(id);
  if (order_.size() > kMaxRevisions) {
    by_id_.erase(order_.front());
    order_.erase(order_.begin());
  }
}

bool PinnedFiles::Has(const std::string& id) const {
  std::lock_guard<std::mutex> lock(mu_);
  return by_id_.count(id) > 0;
}

std::shared_ptr<const PinnedFiles::Revision> PinnedFiles::Find(const std::string& id) const {
  std::lock_guard<std::mutex> lock(mu_);
  const auto it = by_id_.find(id);
  return it == by_id_.end() ? nullptr : it->second;
}

// --- a connection ---------------------------------------------------------------

struct Front::Connection {
  int fd = -1;
  Loop* loop = nullptr;  // the loop that accepted it, and takes it back
  std::string in;        // received; unread from in_pos on
  size_t in_pos = 0;
  size_t requests = 0;
  std::string remote_ip, local_ip;  // filled on first use
  int remote_port = 0, local_port = 0;

  // The response a loop is sending: `out`, then `file_left` bytes of `file`.
  bool sending = false, close_after = false;
  std::string out;
  size_t out_sent = 0;
  int file = -1;
  off_t file_offset = 0;
  uint64_t file_left = 0;

  int64_t deadline_ms = 0;  // a loop closes it when idle or stalled past this
  uint32_t watching = 0;    // the events its loop's epoll waits for

  Connection() = default;
  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;
  ~Connection() {
    if (file >= 0) ::close(file);
    if (fd >= 0) ::close(fd);
  }

  size_t Unread() const { return in.size() - in_pos; }

  void Compact() {
    if (in_pos == 0) return;
    in.erase(0, in_pos);
    in_pos = 0;
  }

  // One recv of what the socket has, appended to `in`: > 0 bytes, 0 at the
  // end of the stream, -1 on an error or (errno EAGAIN) nothing yet.
  ssize_t Fill() {
    Compact();
    thread_local char buf[16384];  // `in` itself stays as small as what is unread
    ssize_t n;
    do {
      n = ::recv(fd, buf, sizeof buf, 0);
    } while (n < 0 && errno == EINTR);
    if (n > 0) in.append(buf, static_cast<size_t>(n));
    return n;
  }

  void FillAddresses() {
    if (!remote_ip.empty()) return;
    sockaddr_storage a{};
    socklen_t len = sizeof a;
    if (::getpeername(fd, reinterpret_cast<sockaddr*>(&a), &len) == 0) remote_ip = Address(a, len, &remote_port);
    len = sizeof a;
    if (::getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len) == 0) local_ip = Address(a, len, &local_port);
  }
};

// What both streams below tell cpp-httplib about their connection.
class FrontStream : public httplib::Stream {
 public:
  explicit FrontStream(Front::Connection* c) : c_(c) {}

  void get_remote_ip_and_port(std::string& ip, int& port) const override {
    c_->FillAddresses();
    ip = c_->remote_ip;
    port = c_->remote_port;
  }
  void get_local_ip_and_port(std::string& ip, int& port) const override {
    c_->FillAddresses();
    ip = c_->local_ip;
    port = c_->local_port;
  }
  socket_t socket() const override { return c_->fd; }

 protected:
  Front::Connection* c_;
};

// A connection as cpp-httplib's request parser and handlers see it: reads
// come from what the front has buffered first, then from the socket; the
// socket stays non-blocking, waits are polls with the I/O timeout.
class ConnectionStream : public FrontStream {
 public:
  ConnectionStream(Front::Connection* c, int timeout_ms) : FrontStream(c), timeout_ms_(timeout_ms) {}

  bool is_readable() const override { return c_->Unread() > 0 || WaitFor(c_->fd, POLLIN, timeout_ms_); }
  bool is_writable() const override { return WaitFor(c_->fd, POLLOUT, timeout_ms_); }

  ssize_t read(char* ptr, size_t size) override {
    while (c_->Unread() == 0) {
      if (size >= 4096) {  // a body: straight into the caller's buffer
        c_->in.clear();
        c_->in_pos = 0;
        const ssize_t n = ::recv(c_->fd, ptr, size, 0);
        if (n >= 0) return n;
      } else {
        const ssize_t n = c_->Fill();
        if (n == 0) return 0;
        if (n > 0) break;
      }
      if (errno == EINTR) continue;
      if (errno != EAGAIN && errno != EWOULDBLOCK) return -1;
      if (!WaitFor(c_->fd, POLLIN, timeout_ms_)) return -1;
    }
    const size_t n = std::min(size, c_->Unread());
    std::memcpy(ptr, c_->in.data() + c_->in_pos, n);
    c_->in_pos += n;
    return static_cast<ssize_t>(n);
  }

  ssize_t write(const char* ptr, size_t size) override {
    size_t done = 0;
    while (done < size) {
      const ssize_t n = ::send(c_->fd, ptr + done, size - done, MSG_NOSIGNAL);
      if (n > 0) {
        done += static_cast<size_t>(n);
        continue;
      }
      if (n < 0 && errno == EINTR) continue;
      if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK) && WaitFor(c_->fd, POLLOUT, timeout_ms_)) continue;
      return -1;
    }
    return static_cast<ssize_t>(size);
  }


 private:
  int timeout_ms_;
};

// A request whose head a loop holds in full, for cpp-httplib's parser and
// handlers on the loop thread: reads come from the head only, writes go to
// the connection's output buffer (sent by the loop without blocking).
class MemoryStream : public FrontStream {
 public:
  MemoryStream(Front::Connection* c, size_t head_size) : FrontStream(c), pos_(c->in_pos), end_(c->in_pos + head_size) {}

  bool is_readable() const override { return pos_ < end_; }
  bool is_writable() const override { return true; }
  ssize_t read(char* ptr, size_t size) override {
    const size_t n = std::min(size, end_ - pos_);
    std::memcpy(ptr, c_->in.data() + pos_, n);
    pos_ += n;
    return static_cast<ssize_t>(n);
  }
  ssize_t write(const char* ptr, size_t size) override {
    c_->out.append(ptr, size);
    return static_cast<ssize_t>(size);
  }

 private:
  size_t pos_, end_;  // the head's bytes in c_->in
};

// --- answering a file download in a loop -----------------------------------------

// What a loop sends for the request at the head of a connection's input.
struct Front::FileAnswer {
  RequestHead head;  // head.size 0: incomplete
  std::string method, target;
  std::shared_ptr<const PinnedFiles::Revision> revision;  // keeps `file` alive
  const PinnedFiles::File* file = nullptr;
  std::string id;
  bool hf = false;  // a Hugging Face route: its headers too
  bool immutable = true;  // addressed by id
  int status = 200;  // 200, 206 or 304
  ByteRange range;
  bool close = false;
};

bool Front::PlanFile(Connection& c, FileAnswer* a) const {
  c.Compact();
  const RequestHead& head = a->head;
  ParseRequestHead(c.in, &a->head);
  if (head.size == 0 || !head.simple || head.version != "HTTP/1.1" || head.has_body) return false;
  if (head.method != "GET" && head.method != "HEAD") return false;
  FileTarget target;
  if (!ParseFileTarget(head.target, &target)) return false;
  std::string id = target.rev;
  a->immutable = IsSha256Hex(id);
  if (!a->immutable) {
    // By tag: only the /files route (the Hugging Face routes' "main" has
    // rules of its own), and only where the catalogue answers at once.
    if (!target.kind.empty() || !options_.resolve) return false;
    id = options_.resolve(target.name, target.rev);
    if (id.empty()) return false;
  }
  a->revision = pinned_->Find(id);
  if (!a->revision || a->revision->name != target.name) return false;
  if (!target.kind.empty() && target.kind != a->revision->kind) return false;
  const auto f = a->revision->files.find(target.path);
  if (f == a->revision->files.end()) return false;
  a->file = &f->second;
  const std::string etag = "\"" + a->file->sha256 + "\"";
  if (head.if_none_match == etag) {
    a->status = 304;
  } else if (!head.range.empty()) {
    // Only a satisfiable single range; the rest (416, ignored or
    // conditional ranges) as the request threads answer them.
    if (!head.if_range.empty() && head.if_range != etag) return false;
    a->range = ResolveRange(head.range, a->file->size);
    if (a->range.status != 206) return false;
    a->status = 206;
  } else {
    a->range = ResolveRange("", a->file->size);
    if (a->range.length == 0) return false;
  }
  a->method = head.method;
  a->target = head.target;
  a->id = id;
  a->hf = !target.kind.empty();
  a->close = ::strcasecmp(head.connection.c_str(), "close") == 0 ||
             c.requests + 1 >= static_cast<size_t>(options_.keep_alive_max);
  return true;
}

bool Front::AnswersInLoop(const RequestHead& head) const {
  if (!options_.resolve || !head.simple || head.version != "HTTP/1.1" || head.has_body) return false;
  if (head.method != "GET" && head.method != "HEAD") return false;
  return head.target.compare(0, 5, "/api/") == 0;
}

// --- an event loop ------------------------------------------------------------

class Front::Loop {
 public:
  explicit Loop(Front* front) : front_(front) {
    epfd_ = ::epoll_create1(EPOLL_CLOEXEC);
    wake_fd_ = ::eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
    if (epfd_ < 0 || wake_fd_ < 0) throw Error(std::string("hub serve: cannot make an event loop: ") + std::strerror(errno));
    epoll_event e{};
    e.events = EPOLLIN;
    e.data.fd = wake_fd_;
    ::epoll_ctl(epfd_, EPOLL_CTL_ADD, wake_fd_, &e);
    e.events = EPOLLIN | EPOLLEXCLUSIVE;
    e.data.fd = front_->listen_fd_;
    ::epoll_ctl(epfd_, EPOLL_CTL_ADD, front_->listen_fd_, &e);
  }
  ~Loop() {
    ::close(epfd_);
    ::close(wake_fd_);
  }
  Loop(const Loop&) = delete;
  Loop& operator=(const Loop&) = delete;

  // Serves until the front stops; then stops accepting, closes idle
  // connections and lets the responses under way finish (each within the
  // I/O timeout) before it returns.
  void Run() {
    epoll_event events[128];
    int64_t next_sweep = NowMs() + 1000;
    bool draining = false;
    while (!draining || !conns_.empty()) {
      if (front_->stopping_ && !draining) {
        draining = true;
        ::epoll_ctl(epfd_, EPOLL_CTL_DEL, front_->listen_fd_, nullptr);
        for (auto it = conns_.begin(); it != conns_.end();) {
          it->second->close_after = true;
          it = it->second->sending ? std::next(it) : conns_.erase(it);
        }
        continue;
      }
      const int n = ::epoll_wait(epfd_, events, 128, 500);
      for (int i = 0; i < n; ++i) {
        const int fd = events[i].data.fd;
        if (fd == front_->listen_fd_) {
          if (!draining) Accept();
        } else if (fd == wake_fd_) {
          AdoptReturned();
        } else if (const auto it = conns_.find(fd); it != conns_.end()) {
          OnEvent(it->second.get(), events[i].events);
        }
      }
      if (NowMs() >= next_sweep) {
        Sweep();
        next_sweep = NowMs() + 1000;
      }
    }
  }

  // From a request thread: `c` comes back to this loop.
  void Return(std::unique_ptr<Connection> c) {
    {
      std::lock_guard<std::mutex> lock(returned_mu_);
      returned_.push_back(std::move(c));
    }
    Wake();
  }

  void Wake() {
    const uint64_t one = 1;
    [[maybe_unused]] const ssize_t n = ::write(wake_fd_, &one, sizeof one);
  }

  // Connections that came back after the loop stopped.
  void DropReturned() {
    std::lock_guard<std::mutex> lock(returned_mu_);
    returned_.clear();
  }

 private:
  enum class Sent { kDone, kBlocked, kFailed };

  // One connection per wake-up: the listening socket stays ready while more
  // wait, and the next wake-up may go to another loop (EPOLLEXCLUSIVE), so
  // a burst of connections spreads over the loops.
  void Accept() {
    const int fd = ::accept4(front_->listen_fd_, nullptr, nullptr, SOCK_NONBLOCK | SOCK_CLOEXEC);
    if (fd < 0) {
      if (errno == EMFILE || errno == ENFILE) {
        LogWarn("hub serve: out of file descriptors; new connections wait");
        ::usleep(10000);
      }
      return;
    }
    const int on = 1;
    ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &on, sizeof on);
    auto c = std::make_unique<Connection>();
    c->fd = fd;
    c->loop = this;
    c->deadline_ms = NowMs() + front_->options_.keep_alive_timeout_s * 1000;
    Connection* raw = c.get();
    conns_.emplace(fd, std::move(c));
    Watch(raw, EPOLLIN, /*added=*/false);
  }

  void AdoptReturned() {
    uint64_t count;
    [[maybe_unused]] const ssize_t r = ::read(wake_fd_, &count, sizeof count);
    std::vector<std::unique_ptr<Connection>> back;
    {
      std::lock_guard<std::mutex> lock(returned_mu_);
      back.swap(returned_);
    }
    for (auto& c : back) {
      if (front_->stopping_) continue;  // closes it
      Connection* raw = c.get();
      raw->watching = 0;
      conns_.emplace(raw->fd, std::move(c));
      Advance(raw);
    }
  }

  void OnEvent(Connection* c, uint32_t events) {
    if (!c->sending && (events & (EPOLLIN | EPOLLHUP | EPOLLERR))) {
      const ssize_t n = c->Fill();
      if (n == 0 || (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK)) {
        Close(c);
        return;
      }
    }
    Advance(c);
  }

  // Answers what it can of `c`'s input until it would block; hands the
  // connection to a request thread at the first request it cannot answer.
  void Advance(Connection* c) {
    const FrontOptions& o = front_->options_;
    while (true) {
      if (c->sending) {
        const Sent s = Send(c);
        if (s == Sent::kFailed) return Close(c);
        if (s == Sent::kBlocked) {
          c->deadline_ms = NowMs() + o.io_timeout_s * 1000;
          return Watch(c, EPOLLOUT);
        }
        c->sending = false;
        if (c->close_after) return Close(c);
      }
      FileAnswer a;
      if (front_->PlanFile(*c, &a)) {
        if (!Start(c, a)) return HandOff(c);
      } else if (a.head.size == 0) {  // the rest of a request, or the next one, is yet to come
        c->deadline_ms = NowMs() + (c->in.empty() ? o.keep_alive_timeout_s : o.io_timeout_s) * 1000;
        return Watch(c, EPOLLIN);
      } else if (front_->AnswersInLoop(a.head)) {
        AnswerHere(c, a.head);
      } else {
        return HandOff(c);
      }
      c->in_pos += a.head.size;
    }
  }

  // Begins the response `a` on `c`: false when the blob cannot be opened
  // (the request threads answer that).
  bool Start(Connection* c, const FileAnswer& a) {
    const PinnedFiles::File& f = *a.file;
    int file = -1;
    const bool body = a.method == "GET" && a.status != 304;
    if (body) {
      file = ::open(f.blob_path.c_str(), O_RDONLY | O_CLOEXEC);
      if (file < 0) return false;
    }
    const FrontOptions& o = front_->options_;
    std::string& h = c->out;
    h.clear();
    h += a.status == 200 ? "HTTP/1.1 200 OK\r\n"
         : a.status == 206 ? "HTTP/1.1 206 Partial Content\r\n"
                           : "HTTP/1.1 304 Not Modified\r\n";
    // Headers in cpp-httplib's order (by name, ignoring case), as the request threads send them.
    h += "Accept-Ranges: bytes\r\n";
    h += a.immutable ? "Cache-Control: public, max-age=31536000, immutable\r\n" : "Cache-Control: no-cache\r\n";
    if (a.close) h += "Connection: close\r\n";
    const std::string length = a.status == 304 ? "0" : std::to_string(a.range.length);
    h += "Content-Length: " + length + "\r\n";
    if (a.status == 206) h += "Content-Range: " + a.range.content_range + "\r\n";
    h += "Content-Security-Policy: default-src 'none'; style-src 'unsafe-inline'; sandbox\r\n";
    if (a.status != 304) h += "Content-Type: " + f.content_type + "\r\n";
    h += "ETag: \"" + f.sha256 + "\"\r\n";
    if (!a.close) {
      h += "Keep-Alive: timeout=" + std::to_string(o.keep_alive_timeout_s) +
           ", max=" + std::to_string(o.keep_alive_max) + "\r\n";
    }
    h += "X-Content-Type-Options: nosniff\r\n";
    if (a.hf) {
      h += "X-Linked-Etag: \"" + f.sha256 + "\"\r\n";
      h += "X-Linked-Size: " + std::to_string(f.size) + "\r\n";
      h += "X-Repo-Commit: " + a.id + "\r\n";
    }
    h += "\r\n";
    c->out_sent = 0;
    c->file = file;
    c->file_offset = static_cast<off_t>(a.range.begin);
    c->file_left = body ? a.range.length : 0;
    c->close_after = a.close || front_->stopping_;
    c->sending = true;
    ++c->requests;
    LogRequest(a.method, a.target, a.status, length);
    return true;
  }

  // Runs cpp-httplib's handler for the request `head` on this thread, its
  // response written to `c->out`, then sent as a pinned one is.
  void AnswerHere(Connection* c, const RequestHead& head) {
    MemoryStream stream(c, head.size);
    const bool last = c->requests + 1 >= static_cast<size_t>(front_->options_.keep_alive_max);
    bool closed = false;
    t_close_after = false;
    c->out.clear();
    const bool ok = front_->http_->process_request(stream, last, closed, nullptr);
    c->out_sent = 0;
    c->file_left = 0;
    c->close_after = !ok || closed || last || t_close_after || front_->stopping_;
    c->sending = true;
    ++c->requests;
  }

  // Sends what the socket takes of the response under way.
  Sent Send(Connection* c) {
    while (c->out_sent < c->out.size()) {
      // The headers wait for the body's first bytes (full packets, as nginx's tcp_nopush).
      const int more = c->file_left > 0 ? MSG_MORE : 0;
      const ssize_t n = ::send(c->fd, c->out.data() + c->out_sent, c->out.size() - c->out_sent, MSG_NOSIGNAL | more);
      if (n > 0) {
        c->out_sent += static_cast<size_t>(n);
      } else if (n < 0 && errno == EINTR) {
        continue;
      } else {
        return n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK) ? Sent::kBlocked : Sent::kFailed;
      }
    }
    while (c->file_left > 0) {
      const ssize_t n = ::sendfile(c->fd, c->file, &c->file_offset, std::min<uint64_t>(c->file_left, 1u << 30));
      if (n > 0) {
        c->file_left -= static_cast<uint64_t>(n);
      } else if (n < 0 && errno == EINTR) {
        continue;
      } else {
        // n == 0: the blob is shorter than its catalogue entry; the response cannot be completed.
        return n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK) ? Sent::kBlocked : Sent::kFailed;
      }
    }
    if (c->file >= 0) ::close(c->file);
    c->file = -1;
    c->out.clear();
    return Sent::kDone;
  }

  void Watch(Connection* c, uint32_t events, bool added = true) {
    if (added && c->watching == events) return;
    epoll_event e{};
    e.events = events;
    e.data.fd = c->fd;
    ::epoll_ctl(epfd_, added && c->watching ? EPOLL_CTL_MOD : EPOLL_CTL_ADD, c->fd, &e);
    c->watching = events;
  }

  void Close(Connection* c) { conns_.erase(c->fd); }  // closes the socket

  void HandOff(Connection* c) {
    if (front_->stopping_) return Close(c);
    ::epoll_ctl(epfd_, EPOLL_CTL_DEL, c->fd, nullptr);
    c->watching = 0;
    const auto it = conns_.find(c->fd);
    Connection* raw = it->second.release();
    conns_.erase(it);
    Front* front = front_;
    front_->pool_->Enqueue([front, raw] { front->ServeOnRequestThread(std::unique_ptr<Connection>(raw)); });
  }

  // Closes connections idle past the keep-alive timeout, or stalled past the I/O timeout.
  void Sweep() {
    const int64_t now = NowMs();
    for (auto it = conns_.begin(); it != conns_.end();) {
      it = now >= it->second->deadline_ms ? conns_.erase(it) : std::next(it);
    }
  }

  Front* front_;
  int epfd_ = -1, wake_fd_ = -1;
  std::unordered_map<int, std::unique_ptr<Connection>> conns_;  // by socket
  std::mutex returned_mu_;
  std::vector<std::unique_ptr<Connection>> returned_;  // guarded by returned_mu_
};

// --- the front ------------------------------------------------------------------

Front::Front(HttpServer* http, const PinnedFiles* pinned, const FrontOptions& options)
    : http_(http), pinned_(pinned), options_(options) {
  // What the handlers' responses announce (Keep-Alive: timeout=, max=).
  http_->set_keep_alive_timeout(options_.keep_alive_timeout_s);
  http_->set_keep_alive_max_count(static_cast<size_t>(options_.keep_alive_max));
}

Front::~Front() {
  if (listen_fd_ >= 0) ::close(listen_fd_);
}

int Front::Bind(const std::string& host, int port) {
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  hints.ai_flags = AI_PASSIVE | AI_NUMERICSERV;
  addrinfo* found = nullptr;
  const std::string where = host + ":" + std::to_string(port);
  if (const int e = ::getaddrinfo(host.c_str(), std::to_string(port).c_str(), &hints, &found); e != 0) {
    throw Error(where + ": " + ::gai_strerror(e));
  }
  std::string why = "no address";
  for (addrinfo* ai = found; ai; ai = ai->ai_next) {
    const int fd = ::socket(ai->ai_family, ai->ai_socktype | SOCK_NONBLOCK | SOCK_CLOEXEC, ai->ai_protocol);
    if (fd < 0) continue;
    const int on = 1;
    ::setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &on, sizeof on);
    if (::bind(fd, ai->ai_addr, ai->ai_addrlen) == 0 && ::listen(fd, SOMAXCONN) == 0) {
      listen_fd_ = fd;
      break;
    }
    why = std::strerror(errno);
    ::close(fd);
  }
  ::freeaddrinfo(found);
  if (listen_fd_ < 0) throw Error(where + ": cannot bind (" + why + ")");
  for (int i = 0; i < std::max(1, options_.loops); ++i) loops_.push_back(std::make_unique<Loop>(this));
  sockaddr_storage a{};
  socklen_t len = sizeof a;
  ::getsockname(listen_fd_, reinterpret_cast<sockaddr*>(&a), &len);
  int bound = 0;
  Address(a, len, &bound);
  return bound;
}

void Front::Run() {
  if (listen_fd_ < 0) throw Error("hub serve: Run before Bind");
  http_->SetServing(listen_fd_);
  pool_ = std::make_unique<RequestThreads>(options_.request_threads);
  std::vector<std::thread> threads;
  for (size_t i = 1; i < loops_.size(); ++i) threads.emplace_back([this, i] { loops_[i]->Run(); });
  loops_[0]->Run();
  for (std::thread& t : threads) t.join();
  pool_->Shutdown();  // request threads finish their request and close
  for (auto& loop : loops_) loop->DropReturned();
}

void Front::Stop() {
  stopping_ = true;
  http_->SetServing(INVALID_SOCKET);  // bodies being written stop
  for (auto& loop : loops_) loop->Wake();
}

void Front::ServeOnRequestThread(std::unique_ptr<Connection> c) {
  t_socket = c->fd;
  struct Reset {
    ~Reset() { t_socket = -1; }
  } reset;
  ConnectionStream stream(c.get(), options_.io_timeout_s * 1000);
  while (!stopping_) {
    if (c->Unread() == 0) {
      // Kept alive: wait for the next request, seeing Stop() within 100 ms.
      bool ready = false;
      for (int waited = 0; !ready && waited < options_.keep_alive_timeout_s * 1000 && !stopping_; waited += 100) {
        ready = WaitFor(c->fd, POLLIN, 100);
      }
      if (!ready) return;  // closes it
      const ssize_t n = c->Fill();
      if (n == 0 || (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK)) return;
      if (n < 0) continue;
    }
    FileAnswer a;
    if (PlanFile(*c, &a) || (a.head.size > 0 && AnswersInLoop(a.head))) {
      Loop* loop = c->loop;
      loop->Return(std::move(c));
      return;
    }
    const bool last = ++c->requests >= static_cast<size_t>(options_.keep_alive_max);
    bool closed = false;
    t_close_after = false;
    if (!http_->process_request(stream, last, closed, nullptr) || closed || last || t_close_after) {
      if (!stopping_) LingeringClose(c->fd);
      return;
    }
  }
}

}  // namespace synthub::hub
