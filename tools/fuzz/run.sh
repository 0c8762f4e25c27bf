#!/usr/bin/env bash
# Fuzzes replay's parsers of untrusted input with libFuzzer (ASan + UBSan), each target for a
# bounded time, starting from its checked-in corpus (tests/fuzz/corpus/<name>/, left as it is:
# the growing corpus lives in build-fuzz/corpus/<name>/).
#
#   tools/fuzz/run.sh [SECONDS_PER_TARGET] [TARGET...]     (default 60 s, every target)
#
# Targets: trace_line trace_file har access_log http_request http_response result_json
# scenario. Prints each target's runs, speed and coverage; a crash leaves its input in
# build-fuzz/crashes/ and the script exits 1 at the end. Once the bug is fixed, copy that
# input into tests/fuzz/corpus/<name>/: ctest then tries it on every build.
set -euo pipefail
cd "$(dirname "$0")/../.."

seconds=${1:-60}
shift || true
targets=("$@")
if ((${#targets[@]} == 0)); then
  targets=(trace_line trace_file har access_log http_request http_response result_json scenario)
fi
[[ $seconds =~ ^[0-9]+$ ]] || { echo "fuzz: SECONDS_PER_TARGET must be a whole number" >&2; exit 1; }

tools/install-deps.sh --fuzz
cmake --preset fuzz >/dev/null
cmake --build --preset fuzz --target "${targets[@]/#/fuzz_}"

mkdir -p build-fuzz/crashes
failed=()
for name in "${targets[@]}"; do
  corpus=build-fuzz/corpus/$name
  mkdir -p "$corpus"
  log=build-fuzz/fuzz_$name.log
  status=0
  ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
    "build-fuzz/tests/fuzz/fuzz_$name" -max_total_time="$seconds" -timeout=10 \
    -rss_limit_mb=2048 -max_len=65536 -print_final_stats=1 \
    -artifact_prefix="build-fuzz/crashes/$name-" "$corpus" "tests/fuzz/corpus/$name" \
    >"$log" 2>&1 || status=$?
  runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
  speed=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$log" | tail -1)
  cov=$({ grep -o 'cov: [0-9]*' "$log" || true; } | tail -1 | cut -d' ' -f2)
  printf '%-14s %10s runs  %7s/s  coverage %5s edges  corpus %5s inputs' "$name" \
    "${runs:-?}" "${speed:-?}" "${cov:-?}" "$(find "$corpus" -type f | wc -l)"
  if ((status != 0)); then
    printf '  FAILED (exit %d): %s\n' "$status" "$(grep -m1 -E 'ERROR|SUMMARY|deadly' "$log" || echo "see $log")"
    failed+=("$name")
  else
    printf '\n'
  fi
done
if ((${#failed[@]} > 0)); then
  echo "fuzz: ${failed[*]} failed; inputs in build-fuzz/crashes/, logs in build-fuzz/fuzz_*.log" >&2
  exit 1
fi
