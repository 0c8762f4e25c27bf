#!/usr/bin/env bash
# Memory of 10,000 idle replayed WebSocket sessions over loopback: agent-sim (no auth, a ping
# to each session every 2 s) and bench_ws_idle. Usage: tools/bench/ws/bench_ws.sh [BUILD] [N]
set -euo pipefail
cd "$(dirname "$0")/../../.."
build=${1:-build}
n=${2:-10000}
ulimit -n "$(ulimit -Hn)" 2>/dev/null || true
port_file=$(mktemp)
"$build/agent-sim" --listen 127.0.0.1:0 --no-auth --ws-ping-interval 2s >"$port_file" 2>&1 &
sim=$!
trap 'kill "$sim" 2>/dev/null || true; rm -f "$port_file"' EXIT
for _ in $(seq 50); do grep -q "listening on" "$port_file" && break; sleep 0.1; done
port=$(grep -o 'listening on 127.0.0.1:[0-9]*' "$port_file" | head -1 | cut -d: -f2)
"$build/tools/bench/ws/bench_ws_idle" --target "http://127.0.0.1:$port" --connections "$n" --hold 10
