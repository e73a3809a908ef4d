// The hub server's connections: accepted and read by a few event-loop threads
// (epoll, non-blocking sockets). The loops answer file downloads themselves
// (headers, then sendfile(2) from the page cache, resumed when the socket
// drains): a revision's file by its id, or on a SQLite catalogue also by tag;
// on a SQLite catalogue they also run the GET /api/ handlers. Every other
// request goes to cpp-httplib's handlers on a pool of request threads, one
// request at a time; a connection whose next request a loop can answer goes
// back to its loop.
//
// Why: shards and model files are what clients download by the megabyte, by
// id (the URLs the hub hands out). Served from request threads, every one
// cost thread switches and a poll per write; an event loop sends on all its
// ready connections per wake-up, as nginx does. PostgreSQL queries stay on
// the request threads: a round trip, or a restart, must not stall a loop.
#ifndef SYNTHUB_HUB_FRONT_H_
#define SYNTHUB_HUB_FRONT_H_

#include <httplib.h>

#include "hub/http_route.h"

#include <atomic>
#include <functional>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <unordered_map>
#include <vector>

namespace synthub::hub {

// cpp-httplib's server with its per-request entry point public: the front
// reads requests off its own connections and hands them over one at a time.
// Its handlers write bodies only while it counts as listening, so the front
// marks it so while it serves (a socket it never reads, nor closes).
class HttpServer : public httplib::Server {
 public:
  using httplib::Server::process_request;
  void SetServing(int listen_fd) { svr_sock_ = listen_fd; }
};

// The files of revisions the request threads have resolved, by revision id:
// what the loops need to answer a pinned download without the catalogue.
// Revisions never change, so an entry never goes stale. Thread-safe.
class PinnedFiles {
 public:
  struct File {
    std::string blob_path, sha256, content_type;
    uint64_t size = 0;
  };
  struct Revision {
    std::string kind, name;
    std::unordered_map<std::string, File> files;  // by path
  };
  static constexpr size_t kMaxRevisions = 1024;  // the oldest go first

  void Add(const std::string& id, std::shared_ptr<const Revision> r);
  bool Has(const std::string& id) const;
  std::shared_ptr<const Revision> Find(const std::string& id) const;

 private:
  mutable std::mutex mu_;
  std::unordered_map<std::string, std::shared_ptr<const Revision>> by_id_;
  std::vector<std::string> order_;  // ids, oldest first
};

// The socket of the connection this request thread is answering, -1 when
// none (for handlers that send a body with sendfile).
int CurrentConnectionSocket();

// One log line per request: method, path, status, bytes. Never headers (tokens).
void LogRequest(const std::string& method, const std::string& path, int status, const std::string& bytes);

// Marks the response this request thread is writing as the connection's last
// (a handler's "Connection: close").
void CloseAfterThisResponse();

struct FrontOptions {
  int loops = 2;                 // event-loop threads
  int request_threads = 8;       // cpp-httplib handlers
  int keep_alive_timeout_s = 2;  // idle time before a kept-alive connection is closed
  int keep_alive_max = 1000;     // requests per connection
  int io_timeout_s = 30;         // a stalled read or write
  // Set only where the catalogue answers reads without waiting (SQLite in WAL
  // mode: readers never wait for writers): the id of revision NAME@REV (a tag
  // or an id prefix), "" when there is none. With it the loops serve /files
  // by tag and run the GET /api/ handlers themselves.
  std::function<std::string(const std::string& name, const std::string& rev)> resolve;
};

class Front {
 public:
  Front(HttpServer* http, const PinnedFiles* pinned, const FrontOptions& options);
  ~Front();
  Front(const Front&) = delete;
  Front& operator=(const Front&) = delete;

  // Listens on HOST:PORT (PORT 0: a free one); returns the port. Throws Error.
  int Bind(const std::string& host, int port);
  // Serves until Stop(); returns when the loops and request threads are done.
  void Run();
  // From any thread, once Bind has returned (a signal handler's thread too).
  void Stop();

  struct Connection;

 private:
  class Loop;
  class RequestThreads;
  struct FileAnswer;

  // Whether a loop can answer the request at the head of `c`'s input itself
  // (a complete head; a plain GET or HEAD of a file of a revision in
  // PinnedFiles, by id, or by tag through options_.resolve), and how.
  // a->head.size is 0 while the head is incomplete.
  bool PlanFile(Connection& c, FileAnswer* a) const;
  // Whether a loop answers the request `head` itself through cpp-httplib's
  // handlers (a read of the catalogue; see FrontOptions::resolve).
  bool AnswersInLoop(const RequestHead& head) const;
  // Runs on a request thread: requests of `c` through cpp-httplib until the
  // connection closes or its next request is one a loop answers.
  void ServeOnRequestThread(std::unique_ptr<Connection> c);

  HttpServer* http_;
  const PinnedFiles* pinned_;
  FrontOptions options_;
  int listen_fd_ = -1;
  std::atomic<bool> stopping_{false};
  std::vector<std::unique_ptr<Loop>> loops_;  // made by Bind
  std::unique_ptr<RequestThreads> pool_;
};

}  // namespace synthub::hub

#endif  // SYNTHUB_HUB_FRONT_H_
