#!/usr/bin/env bash
# Benchmark (not a test): time from `helio serve` to the first 200 from /healthz, and idle RSS,
# in dev mode from an empty directory (first start: keys generated, SQLite created, migrated)
# and from a warm directory (second start). Prints one line per run; figures go to
# docs/benchmarks.md by hand, with the machine they were measured on.
#   usage: bench/startup.sh [path/to/helio] [runs]
set -euo pipefail
binary="$(realpath "${1:-${CARGO_TARGET_DIR:-target}/release/helio}")"
runs="${2:-5}"
port=18080

measure() {
  local dir="$1" label="$2"
  local start end pid rss
  start=$(date +%s%N)
  (cd "$dir" && HELIO_SERVER_BIND="127.0.0.1:${port}" exec "$binary" serve >/dev/null 2>&1) &
  pid=$!
  until curl -fs -o /dev/null "http://127.0.0.1:${port}/healthz"; do sleep 0.002; done
  end=$(date +%s%N)
  sleep 2
  rss=$(awk '/VmRSS/ {print $2}' "/proc/${pid}/status")
  kill -TERM "$pid"; wait "$pid" || true
  printf '%-6s start_to_healthz_ms=%6.1f idle_rss_kib=%s\n' "$label" \
    "$(echo "($end - $start) / 1000000" | bc -l)" "$rss"
}

for _ in $(seq 1 "$runs"); do
  dir="$(mktemp -d)"
  measure "$dir" cold
  measure "$dir" warm
  rm -rf "$dir"
done
