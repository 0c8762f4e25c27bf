#!/usr/bin/env bash
# The demo: builds replay and agent-sim, starts agent-sim on a free loopback port, replays the
# bundled trace (traces/demo.zst, the seeds' traffic mix) open-loop at 40 requests/s for 20 s
# with the seeds' thresholds, and prints the report. Installs missing packages first (as root).
# Usage: tools/demo.sh [extra replay run flags, e.g. --rate 80/s --duration 30s]
set -euo pipefail
cd "$(dirname "$0")/.."
tools/install-deps.sh
cmake --preset release >/dev/null
cmake --build --preset release --target replay agent-sim >/dev/null

out=build/demo
mkdir -p "$out"
build/agent-sim --listen 127.0.0.1:0 --rate-limit 0 >"$out/agent-sim.out" 2>"$out/agent-sim.log" &
sim=$!
trap 'kill $sim 2>/dev/null; wait $sim 2>/dev/null || true' EXIT
for _ in $(seq 50); do
  grep -q '^listening on' "$out/agent-sim.out" && break
  sleep 0.1
done
target="http://$(sed -n 's/^listening on //p' "$out/agent-sim.out")"
echo "agent-sim listening on $target"
echo

build/replay inspect traces/demo.zst
echo
set +e
build/replay run traces/demo.zst --target "$target" --rate 40/s --duration 20s --loop \
  --threshold 'health:p95<500ms' --threshold 'chat:p95<2s' --threshold 'chat-stream:p95<3s' \
  --threshold 'errors<1%' --probe "queue=$target/metrics#queue_depth" \
  --out "$out/result.json" --html "$out/report.html" --csv "$out/timeline.csv" "$@"
status=$?
set -e
echo
echo "replay exited with $status (0 ok, 99 a threshold was crossed)"
