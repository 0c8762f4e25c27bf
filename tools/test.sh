#!/usr/bin/env bash
# Builds replay and runs every unit and integration test: tools/test.sh [release|asan|debug]
# Installs missing Debian packages first (needs root for that).
set -euo pipefail
cd "$(dirname "$0")/.."
preset="${1:-release}"
tools/install-deps.sh --test
cmake --preset "$preset" >/dev/null
cmake --build --preset "$preset"
# Every test runs in the release stage. Under ASan two kinds are left out: the browser-driven
# checks (label `browser`: the dashboard page in Chromium, Prometheus scraping a run), which
# check what a browser or Prometheus reads while the C++ they talk to is tested under ASan by
# integration_live's server tests; and the bundled seed scenarios (label `scenarios`), which
# check the scenario files and their thresholds while the code that runs them is tested under
# ASan by integration_synth, integration_replay_run and the truth tests. That keeps .ci/run
# (release, then ASan) under 30 minutes.
if [[ "$preset" == asan ]]; then
  ctest --preset "$preset" -j2 -LE 'browser|scenarios'
else
  ctest --preset "$preset" -j2
fi
