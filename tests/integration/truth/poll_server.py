#!/usr/bin/env python3
"""A job API to poll, on the standard library only: POST /jobs answers 202 {"id": N}; GET
/jobs/N answers {"status": "pending"} until --done-after-ms after the job was made, then
{"status": "done"}. It prints "listening on 127.0.0.1:PORT" and exits after --lifetime seconds.
"""
import argparse
import itertools
import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

JOBS = {}
IDS = itertools.count(1)
LOCK = threading.Lock()


def make_handler(done_after_s):
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, *args):
            pass

        def answer(self, status, body):
            data = json.dumps(body).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def do_POST(self):
            length = int(self.headers.get("Content-Length", "0"))
            self.rfile.read(length)
            if self.path != "/jobs":
                return self.answer(404, {"error": "not found"})
            with LOCK:
                job = next(IDS)
                JOBS[job] = {"made": time.monotonic(), "polls": 0}
            self.answer(202, {"id": job})

        def do_GET(self):
            parts = self.path.split("/")
            if len(parts) != 3 or parts[1] != "jobs" or not parts[2].isdigit():
                return self.answer(404, {"error": "not found"})
            with LOCK:
                job = JOBS.get(int(parts[2]))
                if job is None:
                    return self.answer(404, {"error": "no such job"})
                job["polls"] += 1
                done = time.monotonic() - job["made"] >= done_after_s
            self.answer(200, {"status": "done" if done else "pending", "polls": job["polls"]})

    return Handler


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--done-after-ms", type=int, default=500)
    parser.add_argument("--lifetime", type=float, default=60)
    args = parser.parse_args()
    server = ThreadingHTTPServer(("127.0.0.1", 0), make_handler(args.done_after_ms / 1000))
    server.daemon_threads = True
    threading.Timer(args.lifetime, server.shutdown).start()
    print("listening on 127.0.0.1:%d" % server.server_address[1], flush=True)
    server.serve_forever()


if __name__ == "__main__":
    main()
