#!/usr/bin/env bash
# Installs (as root, with apt-get) what replay's build and demo need; `--test` adds what the
# tests use (Chromium for the HTML report and live dashboard tests, httpbin and hey for the
# recorder's, Java's HdrHistogram for the .hlog interop test, Prometheus for the
# --metrics-listen test, python3-websockets for the WebSocket tests' client and echo server),
# `--bench` what the benchmarks use (nginx, h2load, wrk), `--fuzz` clang and libFuzzer for
# tools/fuzz/run.sh. Idempotent and quick when all is present: apt is only called for what is
# missing.
set -euo pipefail

packages=(
  build-essential cmake ninja-build pkg-config git
  libuv1-dev node-llhttp libnghttp2-dev libssl-dev libzstd-dev libcli11-dev doctest-dev libsimdjson-dev libwslay-dev
  zlib1g-dev zstd jq curl python3
)
for group in "$@"; do
  case "$group" in
    --test) packages+=(hey python3-httpbin gunicorn nginx-light chromium
                      default-jre-headless libhdrhistogram-java prometheus
                      python3-websockets) ;;
    --bench) packages+=(wrk nghttp2-client nginx-light util-linux bc time linux-perf) ;;
    --fuzz) packages+=(clang libclang-rt-14-dev) ;;
    *) echo "install-deps: unknown option '$group' (--test, --bench, --fuzz)" >&2; exit 1 ;;
  esac
done

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if ((${#missing[@]} == 0)); then
  exit 0
fi
if [[ $(id -u) -ne 0 ]]; then
  echo "install-deps: missing packages: ${missing[*]} (run as root, or: sudo $0)" >&2
  exit 1
fi
echo "install-deps: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
