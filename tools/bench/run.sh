#!/usr/bin/env bash
# Runs every benchmark and prints its figures: histogram, trace I/O, agent-sim, the engine.
# All traffic stays on 127.0.0.1; every run is bounded. Installs what it misses (as root).
set -euo pipefail
cd "$(dirname "$0")/../.."
tools/install-deps.sh --bench
cmake --preset release >/dev/null
cmake --build --preset release >/dev/null
echo "== histogram"
build/tools/bench/histogram/bench_histogram
echo "== trace"
build/tools/bench/trace/bench_trace
echo "== llm"
build/tools/bench/llm/bench_llm
echo "== synth"
build/tools/bench/synth/bench_synth
echo "== agent-sim"
tools/bench/agent_sim/bench_agent_sim.sh build 10s
echo "== engine"
tools/bench/engine/bench_engine.sh 10
for extra in tools/bench/*/bench_*.sh; do
  case "$extra" in
    */agent_sim/*|*/engine/*) ;;
    *) echo "== $(basename "$(dirname "$extra")")"; "$extra" ;;
  esac
done
