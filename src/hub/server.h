// The hub's HTTP server: JSON API, file downloads with Range,
// authenticated uploads and tag moves, and the web page (cpp-httplib's
// handlers behind an event-driven front, hub/front.h). docs/hub.md lists the
// routes.
#ifndef SYNTHUB_HUB_SERVER_H_
#define SYNTHUB_HUB_SERVER_H_

#include <string>

namespace synthub::hub {

struct ServeOptions {
  std::string dir;                  // the hub store
  std::string host = "127.0.0.1";
  int port = 8080;                  // 0: pick a free port (printed on stdout)
  int threads = 8;                  // request threads (src/hub/front.h): uploads, commits, PostgreSQL queries
};

// Serves until SIGINT or SIGTERM; prints "listening on http://HOST:PORT" first.
void Serve(const ServeOptions& options);

}  // namespace synthub::hub

#endif  // SYNTHUB_HUB_SERVER_H_
