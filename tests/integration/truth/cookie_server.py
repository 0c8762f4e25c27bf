#!/usr/bin/env python3
"""A login server for replay's cookie-jar test, on Python's http.server: GET /login sets a new
session cookie (sid, one per login), GET /me answers 200 with a valid sid and 401 without one,
GET /logout expires the cookie with Max-Age=0. Prints "port N" once listening on 127.0.0.1."""

import http.server
import itertools
import sys
import threading

sessions = set()
lock = threading.Lock()
counter = itertools.count(1)


def cookie_sid(header):
    for part in (header or "").split(";"):
        name, _, value = part.strip().partition("=")
        if name == "sid":
            return value
    return None


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def answer(self, status, body, extra=()):
        data = body.encode()
        self.send_response(status)
        for name, value in extra:
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def do_GET(self):
        sid = cookie_sid(self.headers.get("Cookie"))
        if self.path == "/login":
            new = "s%d" % next(counter)
            with lock:
                sessions.add(new)
            self.answer(200, "logged in", [("Set-Cookie", "sid=%s; Path=/; HttpOnly" % new),
                                          ("Set-Cookie", "theme=dark; Path=/")])
        elif self.path == "/me":
            with lock:
                ok = sid in sessions
            self.answer(200 if ok else 401, sid if ok else "no session")
        elif self.path == "/logout":
            with lock:
                sessions.discard(sid)
            self.answer(200, "bye", [("Set-Cookie", "sid=gone; Path=/; Max-Age=0")])
        else:
            self.answer(404, "not found")

    def log_message(self, *args):
        pass


server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
print("port %d" % server.server_address[1], flush=True)
server.serve_forever()
