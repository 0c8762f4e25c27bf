#!/usr/bin/python3
"""An HTTP/1.1 server that counts the requests it receives, for replay's injection tests.

Listens on 127.0.0.1 (an ephemeral port) and prints "listening on 127.0.0.1:PORT". Every
request head it reads (up to its blank line, then its Content-Length body) is one request:
its request line is appended to --log at once, one line each, and answered with a keep-alive
200 "ok". A request smuggled inside another by a CR LF shows up as a line of its own. Exits by
itself after --lifetime seconds, so a test that dies leaves nothing running for long.
"""

import argparse
import socket
import sys
import threading
import time

RESPONSE = b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok"


def serve(conn, log, lock):
    pending = b""
    with conn:
        while True:
            while b"\r\n\r\n" not in pending:
                chunk = conn.recv(65536)
                if not chunk:
                    return
                pending += chunk
            head, pending = pending.split(b"\r\n\r\n", 1)
            lines = head.split(b"\r\n")
            length = 0
            for line in lines[1:]:
                name, _, value = line.partition(b":")
                if name.strip().lower() == b"content-length":
                    try:
                        length = int(value.strip())
                    except ValueError:
                        length = 0
            while len(pending) < length:
                chunk = conn.recv(65536)
                if not chunk:
                    return
                pending += chunk
            pending = pending[length:]
            with lock:
                log.write(lines[0].decode("latin-1") + "\n")
                log.flush()
            conn.sendall(RESPONSE)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--log", required=True)
    parser.add_argument("--lifetime", type=float, default=60)
    args = parser.parse_args()
    listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    listener.bind(("127.0.0.1", 0))
    listener.listen(64)
    listener.settimeout(0.2)
    print("listening on 127.0.0.1:%d" % listener.getsockname()[1], flush=True)
    log = open(args.log, "a")
    lock = threading.Lock()
    deadline = time.monotonic() + args.lifetime
    while time.monotonic() < deadline:
        try:
            conn, _ = listener.accept()
        except socket.timeout:
            continue
        conn.settimeout(args.lifetime)
        threading.Thread(target=serve, args=(conn, log, lock), daemon=True).start()
    sys.exit(0)


if __name__ == "__main__":
    main()
