#!/usr/bin/python3
"""HTTP servers that misbehave in one known way each, for replay's truth tests.

Listens on 127.0.0.1 (an ephemeral port unless --port) and prints one line on stdout,
"listening on 127.0.0.1:PORT", followed by what the mode will do. A thread per connection;
the process exits by itself after --lifetime seconds, so a test that dies leaves nothing
running for long.

Modes (every request is read up to its blank line first; request bodies are read too):
  close-delimited  HTTP/1.1 200 with neither Content-Length nor chunking: the body at once,
                   then the connection is closed --close-after-ms later (0: at once).
  reset-mid-body   Content-Length: 1000, 100 body bytes, --reset-after-ms of silence, then an
                   RST (SO_LINGER {1, 0}).
  trickle-headers  the status line and headers one byte every --byte-interval-ms (each byte
                   due at a fixed time from the first, so sleeps do not add up), then a
                   5-byte body at once; keep-alive.
  garbage          non-HTTP bytes, then the connection is held open until the client leaves.
  delay            a keep-alive HTTP/1.1 200 with Content-Length, --delay-ms after the request.
"""

import argparse
import os
import socket
import struct
import sys
import threading
import time

TRICKLED_HEAD = (b"HTTP/1.1 200 OK\r\n"
                 b"Content-Type: text/plain\r\n"
                 b"Content-Length: 5\r\n"
                 b"\r\n")
TRICKLED_BODY = b"hello"
GARBAGE = b"SSH-2.0-OpenSSH_9.2p1 not-http\r\n\x00\x01\x02\xff\xfe\r\n\r\n"


def read_request(conn, pending):
    """Reads one request (head and Content-Length body); returns the bytes after it, or None
    when the client closed first."""
    while b"\r\n\r\n" not in pending:
        chunk = conn.recv(65536)
        if not chunk:
            return None
        pending += chunk
    head, rest = pending.split(b"\r\n\r\n", 1)
    length = 0
    for line in head.split(b"\r\n")[1:]:
        name, _, value = line.partition(b":")
        if name.strip().lower() == b"content-length":
            length = int(value.strip())
    while len(rest) < length:
        chunk = conn.recv(65536)
        if not chunk:
            return None
        rest += chunk
    return rest[length:]


def serve_close_delimited(conn, args):
    if read_request(conn, b"") is None:
        return
    body = b"x" * args.body_bytes
    conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\n\r\n" + body)
    if args.close_after_ms > 0:
        time.sleep(args.close_after_ms / 1000.0)


def serve_reset_mid_body(conn, args):
    if read_request(conn, b"") is None:
        return
    conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 1000\r\n\r\n" +
                 b"y" * 100)
    time.sleep(args.reset_after_ms / 1000.0)
    conn.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))


def serve_trickle_headers(conn, args):
    pending = b""
    while True:
        pending = read_request(conn, pending)
        if pending is None:
            return
        first = time.monotonic()
        for i in range(len(TRICKLED_HEAD)):
            wait = first + i * args.byte_interval_ms / 1000.0 - time.monotonic()
            if wait > 0:
                time.sleep(wait)
            conn.sendall(TRICKLED_HEAD[i:i + 1])
        conn.sendall(TRICKLED_BODY)


def serve_garbage(conn, args):
    if read_request(conn, b"") is None:
        return
    conn.sendall(GARBAGE)
    conn.settimeout(args.lifetime)
    try:
        while conn.recv(65536):
            pass
    except OSError:
        pass


def serve_delay(conn, args):
    pending = b""
    body = b"z" * args.body_bytes
    while True:
        pending = read_request(conn, pending)
        if pending is None:
            return
        time.sleep(args.delay_ms / 1000.0)
        conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: %d\r\n\r\n" %
                     len(body) + body)


MODES = {
    "close-delimited": serve_close_delimited,
    "reset-mid-body": serve_reset_mid_body,
    "trickle-headers": serve_trickle_headers,
    "garbage": serve_garbage,
    "delay": serve_delay,
}


def describe(args):
    if args.mode == "close-delimited":
        return "%d-byte body, close %d ms after it" % (args.body_bytes, args.close_after_ms)
    if args.mode == "reset-mid-body":
        return "100 of 1000 body bytes, RST %d ms later" % args.reset_after_ms
    if args.mode == "trickle-headers":
        return "%d head bytes, one every %d ms: the last at %d ms" % (
            len(TRICKLED_HEAD), args.byte_interval_ms,
            (len(TRICKLED_HEAD) - 1) * args.byte_interval_ms)
    if args.mode == "garbage":
        return "%d non-HTTP bytes, connection held open" % len(GARBAGE)
    return "%d-byte body after %d ms" % (args.body_bytes, args.delay_ms)


def handle(conn, args):
    try:
        conn.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        MODES[args.mode](conn, args)
    except OSError:
        pass
    finally:
        conn.close()


def main():
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--mode", choices=sorted(MODES), required=True)
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--close-after-ms", type=int, default=0)
    parser.add_argument("--reset-after-ms", type=int, default=50)
    parser.add_argument("--byte-interval-ms", type=int, default=10)
    parser.add_argument("--delay-ms", type=int, default=100)
    parser.add_argument("--body-bytes", type=int, default=2000)
    parser.add_argument("--lifetime", type=float, default=120.0)
    args = parser.parse_args()

    listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    listener.bind(("127.0.0.1", args.port))
    listener.listen(128)
    print("listening on 127.0.0.1:%d (%s: %s)" % (listener.getsockname()[1], args.mode,
                                                  describe(args)), flush=True)
    threading.Timer(args.lifetime, lambda: os._exit(3)).start()
    while True:
        conn, _ = listener.accept()
        threading.Thread(target=handle, args=(conn, args), daemon=True).start()


if __name__ == "__main__":
    sys.exit(main())
