#!/usr/bin/env bash
# HTTP/2 benchmark (issue 18): nginx from Debian serves h2c (`listen ... http2`) on core 0 and
# returns a 3-byte body; the generator runs on core 1. At 20k req/s for 10 s (or RATE, SECONDS):
# replay over h2c (one connection, streams multiplexed) beside `h2load -p h2c` at the same
# offered rate on one connection: CPU per request (perf task-clock / completed), the ratio,
# and replay's send lag p99 and corrected p50 against its service p50.
# Everything targets 127.0.0.1 and every run is bounded (--duration / -D).
# Usage: tools/bench/h2/bench_h2.sh [seconds per run, default 10] [rate, default 20000]
set -euo pipefail
cd "$(dirname "$0")/../../.."
secs="${1:-10}"
rate="${2:-20000}"
tools/install-deps.sh --bench
cmake --preset release >/dev/null
cmake --build --preset release --target replay >/dev/null
replay="$PWD/build/replay"

work=$(mktemp -d /tmp/replay-bench-h2-XXXXXX)
port=$((20000 + RANDOM % 20000))
mkdir -p "$work/tmp"
cat >"$work/nginx.conf" <<NGINX
worker_processes 1;
daemon off;
pid $work/nginx.pid;
error_log $work/nginx-error.log;
events { worker_connections 4096; }
http {
  access_log off;
  client_body_temp_path $work/tmp;
  proxy_temp_path $work/tmp;
  fastcgi_temp_path $work/tmp;
  uwsgi_temp_path $work/tmp;
  scgi_temp_path $work/tmp;
  keepalive_requests 100000000;
  keepalive_timeout 300s;
  server {
    listen 127.0.0.1:$port http2 backlog=4096;
    location / { return 200 "ok\n"; }
  }
}
NGINX
taskset -c 0 nginx -c "$work/nginx.conf" -p "$work" &
nginx_pid=$!
cleanup() {
  kill "$nginx_pid" 2>/dev/null || true
  wait 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT
for _ in $(seq 50); do curl -s --http2-prior-knowledge "http://127.0.0.1:$port/" >/dev/null && break; sleep 0.1; done
target="h2c://127.0.0.1:$port"

printf '%s\n%s\n' '{"format":"replay-trace","version":1}' '{"offset_us":0,"method":"GET","target":"/"}' \
  | zstd -q -o "$work/one.zst"

# cpu_of CMD...: runs CMD pinned to core 1; prints its CPU seconds (perf's task-clock).
cpu_of() {
  perf stat -x, -e task-clock -o "$work/perf" taskset -c 1 "$@" >"$work/out" 2>&1 || true
  echo "$(sed -n 's/^\([0-9.]*\),msec,task-clock.*/\1/p' "$work/perf") / 1000" | bc -l
}

echo "== h2c at ${rate}/s for ${secs}s against nginx (one connection, up to 100 streams)"
h_cpu=$(cpu_of h2load -p h2c -t1 -c1 -m100 -D "$secs" --rps "$rate" "http://127.0.0.1:$port/")
h_done=$(sed -n 's/^requests: .* \([0-9]*\) succeeded.*/\1/p' "$work/out")
r_cpu=$(cpu_of "$replay" run "$work/one.zst" --target "$target" --rate "${rate}/s" \
  --duration "${secs}s" --loop --threads 1 --max-connections 1 --quiet --out "$work/r.json")
read -r r_done r_lag r_c50 r_s50 r_conns < <(jq -r \
  '"\(.overall.completed) \(.overall.latency_us.send_lag.p99) \(.overall.latency_us.corrected.p50) \(.overall.latency_us.service.p50) \(.connections_opened)"' \
  "$work/r.json")
hc=$(echo "$h_cpu * 1000000 / $h_done" | bc -l)
rc=$(echo "$r_cpu * 1000000 / $r_done" | bc -l)
printf 'h2load.h2c.%d.cpu_per_request: %.2f us (%s requests)\n' "$rate" "$hc" "$h_done"
printf 'replay.h2c.%d.cpu_per_request: %.2f us (%s requests on %s connection(s))\n' "$rate" "$rc" \
  "$r_done" "$r_conns"
printf 'replay.h2c.%d.cpu_ratio_to_h2load: %.2f\n' "$rate" "$(echo "$rc / $hc" | bc -l)"
printf 'replay.h2c.%d.send_lag_p99: %.3f ms\n' "$rate" "$(echo "$r_lag / 1000" | bc -l)"
printf 'replay.h2c.%d.corrected_p50_minus_service_p50: %.3f ms\n' "$rate" \
  "$(echo "($r_c50 - $r_s50) / 1000" | bc -l)"
