#!/usr/bin/env bash
# Builds replay and runs every unit and integration test: tools/test.sh [release|asan|debug]
# Installs missing Debian packages first (needs root for that).
set -euo pipefail
cd "$(dirname "$0")/.."
preset="${1:-release}"
tools/install-deps.sh --test
cmake --preset "$preset" >/dev/null
cmake --build --preset "$preset"
# Every test runs in the release stage. Under ASan the browser-driven checks (label
# `browser`: the dashboard page in Chromium, Prometheus scraping a run) are left out: they
# check what a browser or Prometheus reads, and the C++ they talk to is tested under ASan by
# integration_live's server tests. That keeps .ci/run (release, then ASan) under 30 minutes.
if [[ "$preset" == asan ]]; then
  ctest --preset "$preset" -j2 -LE browser
else
  ctest --preset "$preset" -j2
fi
