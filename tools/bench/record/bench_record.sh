#!/usr/bin/env bash
# replay record's overhead (issues 6, 20): replay run offers 5000 req/s of GET /health/live to
# agent-sim directly, through `replay record`, and through nginx's proxy_pass (the reverse
# proxy users would otherwise put in front), and compares the corrected p99 (and p50) from the
# result.json files and the CPU per proxied request of the two proxies; the recording must
# hold every request. agent-sim and the proxies share core 0, the load generator runs on
# core 1. Loopback only, every run bounded by --duration.
# Usage: [ROUNDS=3] tools/bench/record/bench_record.sh [seconds per run, default 10] [build dir, default build]
set -euo pipefail
cd "$(dirname "$0")/../../.."
secs="${1:-10}"
build="${2:-build}"
rate=5000
if [[ "$build" == "build" ]]; then
  tools/install-deps.sh --bench
  cmake --preset release >/dev/null
  cmake --build --preset release --target replay agent-sim >/dev/null
fi
replay="$PWD/$build/replay"
sim="$PWD/$build/agent-sim"

work=$(mktemp -d /tmp/replay-bench-record-XXXXXX)
sim_pid=""
rec_pid=""
nginx_pid=""
cleanup() {
  [[ -n "$rec_pid" ]] && kill "$rec_pid" 2>/dev/null || true
  [[ -n "$nginx_pid" ]] && kill "$nginx_pid" 2>/dev/null || true
  [[ -n "$sim_pid" ]] && kill "$sim_pid" 2>/dev/null || true
  wait 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT
ulimit -n 65536 2>/dev/null || true

taskset -c 0 "$sim" --listen 127.0.0.1:0 --no-auth >"$work/sim.out" 2>/dev/null &
sim_pid=$!
for _ in $(seq 100); do grep -q "listening on" "$work/sim.out" 2>/dev/null && break; sleep 0.05; done
sim_url="http://$(sed -n 's/^listening on //p' "$work/sim.out")"

taskset -c 0 "$replay" record --proxy 127.0.0.1:0 --upstream "$sim_url" -o "$work/rec.zst" \
  >"$work/rec.out" 2>"$work/rec.err" &
rec_pid=$!
for _ in $(seq 100); do grep -q "listening on" "$work/rec.out" 2>/dev/null && break; sleep 0.05; done
proxy_url="http://$(sed -n 's/^listening on \([^,]*\),.*/\1/p' "$work/rec.out")"

# nginx as a plain reverse proxy, one process, keep-alive to the upstream as a proxy
# in production would have.
nginx_port=$((20000 + RANDOM % 20000))
cat >"$work/nginx.conf" <<NGINX
worker_processes 1;
master_process off;
daemon off;
pid $work/nginx.pid;
error_log $work/nginx-error.log;
events { worker_connections 4096; }
http {
  access_log off;
  upstream sim { server ${sim_url#http://}; keepalive 64; }
  server {
    listen 127.0.0.1:$nginx_port backlog=4096;
    location / {
      proxy_pass http://sim;
      proxy_http_version 1.1;
      proxy_set_header Connection "";
    }
  }
}
NGINX
taskset -c 0 nginx -c "$work/nginx.conf" -p "$work" &
nginx_pid=$!
nginx_url="http://127.0.0.1:$nginx_port"
for _ in $(seq 50); do curl -s "$nginx_url/health/live" >/dev/null && break; sleep 0.1; done

printf '%s\n%s\n' '{"format":"replay-trace","version":1}' \
  '{"offset_us":0,"method":"GET","target":"/health/live"}' | zstd -q -o "$work/one.zst"

# run TARGET NAME: a bounded open-loop run on core 1; prints "p50_us p99_us completed errors".
run() {
  taskset -c 1 "$replay" run "$work/one.zst" --target "$1" --rate "$rate/s" --duration "${secs}s" \
    --loop --threads 1 --quiet --out "$work/$2.json" >/dev/null 2>&1 || true
  jq -r '"\(.overall.latency_us.corrected.p50) \(.overall.latency_us.corrected.p99) \(.overall.completed) \(.overall.errors // 0)"' \
    "$work/$2.json"
}

# Warm both paths (connections, page cache), then alternate direct and proxied runs so that
# other load on the machine hits both alike (odd rounds start direct, even rounds proxied);
# each round's figures, the medians of the rounds and the median of the per-round p99
# differences are reported (a noisy round moves the latter least).
run "$sim_url" warm-direct >/dev/null
run "$proxy_url" warm-proxy >/dev/null
run "$nginx_url" warm-nginx >/dev/null
rounds="${ROUNDS:-3}"
: >"$work/direct.txt"
: >"$work/proxy.txt"
: >"$work/nginx.txt"
p_done=0
p_err=0
rec_ticks=0
n_total=0
nginx_ticks=0
# cpu_ticks PID: user + system clock ticks the process has used.
cpu_ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }
run_proxied() {
  local ticks_before a b n_done n_err
  ticks_before=$(cpu_ticks "$rec_pid")
  read -r a b n_done n_err < <(run "$proxy_url" "proxy$1")
  rec_ticks=$((rec_ticks + $(cpu_ticks "$rec_pid") - ticks_before))
  echo "$a $b $n_done $n_err" >>"$work/proxy.txt"
  p_done=$((p_done + n_done))
  p_err=$((p_err + n_err))
}
run_nginx() {
  local ticks_before a b n_done n_err
  ticks_before=$(cpu_ticks "$nginx_pid")
  read -r a b n_done n_err < <(run "$nginx_url" "nginx$1")
  nginx_ticks=$((nginx_ticks + $(cpu_ticks "$nginx_pid") - ticks_before))
  echo "$a $b $n_done $n_err" >>"$work/nginx.txt"
  n_total=$((n_total + n_done))
}
for i in $(seq "$rounds"); do
  run_nginx "$i"
  if ((i % 2 == 1)); then
    run "$sim_url" "direct$i" >>"$work/direct.txt"
    run_proxied "$i"
  else
    run_proxied "$i"
    run "$sim_url" "direct$i" >>"$work/direct.txt"
  fi
done
median() { sort -n | sed -n "$(((rounds + 1) / 2))p"; }
d50=$(cut -d' ' -f1 "$work/direct.txt" | median)
d99=$(cut -d' ' -f2 "$work/direct.txt" | median)
d_done=$(cut -d' ' -f3 "$work/direct.txt" | paste -sd+ | bc)
p50=$(cut -d' ' -f1 "$work/proxy.txt" | median)
p99=$(cut -d' ' -f2 "$work/proxy.txt" | median)
kill -INT "$rec_pid"
wait "$rec_pid" || true
rec_pid=""
recorded=$(sed -n 's/^recorded \([0-9]*\) requests.*/\1/p' "$work/rec.out")
expected=$(jq -r '.overall.completed' "$work/warm-proxy.json")
expected=$((expected + p_done))

paste -d' ' "$work/direct.txt" "$work/proxy.txt" | awk '{
  printf "record.round %d: direct p50 %s p99 %s us | proxied p50 %s p99 %s us | p99 difference %d us\n",
    NR, $1, $2, $5, $6, $6 - $2 }'
diff99=$(paste -d' ' "$work/direct.txt" "$work/proxy.txt" | awk '{ print $6 - $2 }' | median)
printf 'record.direct_p50: %s us   record.direct_p99: %s us (median of %s runs of %ss at %s req/s, %s requests)\n' \
  "$d50" "$d99" "$rounds" "$secs" "$rate" "$d_done"
printf 'record.proxied_p50: %s us   record.proxied_p99: %s us (same, %s requests, %s errors)\n' \
  "$p50" "$p99" "$p_done" "$p_err"
printf 'record.overhead_p50: %s us (%s req/s)\n' "$((p50 - d50))" "$rate"
printf 'record.overhead_p99: %s us (%s req/s)\n' "$((p99 - d99))" "$rate"
printf 'record.overhead_p99_median_of_round_differences: %s us\n' "$diff99"
printf 'record.recorder_cpu_per_request: %.1f us (user+sys of the recorder / proxied requests)\n' \
  "$(echo "$rec_ticks * 1000000 / $(getconf CLK_TCK) / $p_done" | bc -l)"
n99=$(cut -d' ' -f2 "$work/nginx.txt" | median)
printf 'nginx_proxy.overhead_p99: %s us (proxy_pass, keep-alive upstream, same runs)\n' "$((n99 - d99))"
rec_cpu=$(echo "$rec_ticks * 1000000 / $(getconf CLK_TCK) / $p_done" | bc -l)
nginx_cpu=$(echo "$nginx_ticks * 1000000 / $(getconf CLK_TCK) / $n_total" | bc -l)
printf 'nginx_proxy.cpu_per_request: %.1f us\n' "$nginx_cpu"
printf 'record.cpu_ratio_to_nginx_proxy: %.2f\n' "$(echo "$rec_cpu / $nginx_cpu" | bc -l)"
printf 'record.recorded: %s of %s proxied requests (%s)\n' "$recorded" "$expected" \
  "$(sed -n 's/^recorded [0-9]* requests in [0-9.]*s to [^ ]* (\(.*\))$/\1/p' "$work/rec.out")"
