#!/usr/bin/env python3
"""A loopback hub whose reads need a token: a reverse proxy in front of
`synthub hub serve` that answers 401 (JSON, as the hub does) to any request
without 'Authorization: Bearer TOKEN' and forwards the others, Range included.
Usage: token_proxy.py UPSTREAM_URL TOKEN PORT_FILE (writes the chosen port there)."""
import http.client
import http.server
import json
import sys
import urllib.parse

UPSTREAM = urllib.parse.urlparse(sys.argv[1])
TOKEN = sys.argv[2]
FORWARDED = ("Range", "If-Range", "If-None-Match")
RETURNED = ("Content-Type", "Content-Range", "Accept-Ranges", "ETag", "Cache-Control")


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def forward(self, method):
        if self.headers.get("Authorization") != "Bearer " + TOKEN:
            body = json.dumps({"error": "this hub needs a read token", "status": 401}).encode()
            self.send_response(401)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            if method != "HEAD":
                self.wfile.write(body)
            return
        conn = http.client.HTTPConnection(UPSTREAM.hostname, UPSTREAM.port, timeout=60)
        headers = {k: self.headers[k] for k in FORWARDED if self.headers.get(k)}
        conn.request(method, self.path, headers=headers)
        res = conn.getresponse()
        self.send_response(res.status)
        for k in RETURNED:
            if res.getheader(k):
                self.send_header(k, res.getheader(k))
        length = res.getheader("Content-Length")
        self.send_header("Content-Length", length if length is not None else "0")
        self.end_headers()
        if method != "HEAD":
            while True:
                chunk = res.read(1 << 16)
                if not chunk:
                    break
                self.wfile.write(chunk)
        conn.close()

    def do_GET(self):
        self.forward("GET")

    def do_HEAD(self):
        self.forward("HEAD")

    def log_message(self, *args):
        pass


with http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler) as server:
    with open(sys.argv[3], "w") as f:
        f.write(str(server.server_address[1]))
    server.serve_forever()
