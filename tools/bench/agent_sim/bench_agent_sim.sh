#!/usr/bin/env bash
# Measures agent-sim's GET /health/live throughput over keep-alive on one core: the sim pinned
# to core 0, wrk (Debian's) pinned to core 1, 50 connections.
# Usage: tools/bench/agent_sim/bench_agent_sim.sh [BUILD_DIR (default build)] [DURATION (10s)]
# Prints wrk's report, then one line: agent-sim.health: N req/s
set -euo pipefail
root="$(cd "$(dirname "$0")/../../.." && pwd)"
build="${1:-$root/build}"
duration="${2:-10s}"
connections="${CONNECTIONS:-50}"
sim="$build/agent-sim"

if [[ ! -x "$sim" ]]; then
  echo "bench_agent_sim: $sim not found: build the agent-sim target first" >&2
  exit 1
fi
if ! command -v wrk >/dev/null; then
  echo "bench_agent_sim: wrk is not installed (tools/install-deps.sh --bench)" >&2
  exit 1
fi
sim_pin=(taskset -c 0)
wrk_pin=(taskset -c 1)
if [[ $(nproc) -lt 2 ]] || ! command -v taskset >/dev/null; then
  echo "bench_agent_sim: fewer than 2 cores or no taskset: running unpinned" >&2
  sim_pin=()
  wrk_pin=()
fi

out="$(mktemp)"
err="$(mktemp)"
"${sim_pin[@]}" "$sim" --listen 127.0.0.1:0 >"$out" 2>"$err" &
pid=$!
cleanup() {
  kill "$pid" 2>/dev/null || true
  wait "$pid" 2>/dev/null || true
  rm -f "$out" "$err"
}
trap cleanup EXIT

port=""
for _ in $(seq 200); do
  port="$(sed -n 's/^listening on 127\.0\.0\.1:\([0-9]*\)$/\1/p' "$out")"
  [[ -n "$port" ]] && break
  sleep 0.05
done
if [[ -z "$port" ]]; then
  echo "bench_agent_sim: agent-sim did not start:" >&2
  cat "$err" >&2
  exit 1
fi

report="$("${wrk_pin[@]}" wrk -t1 -c"$connections" -d"$duration" "http://127.0.0.1:$port/health/live")"
echo "$report"
if grep -qE "Non-2xx|Socket errors" <<<"$report"; then
  echo "bench_agent_sim: wrk saw errors (see above)" >&2
fi
rps="$(awk '/^Requests\/sec:/ { printf "%d", $2 }' <<<"$report")"
echo "agent-sim.health: $rps req/s"

kill -TERM "$pid"
status=0
wait "$pid" || status=$?
if [[ $status -ne 0 ]]; then
  echo "bench_agent_sim: agent-sim exited with $status" >&2
  exit 1
fi
