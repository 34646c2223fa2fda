#!/usr/bin/env bash
# Benchmark (not a test): authenticated request throughput and latency with the session looked
# up in the database on every request (SM-2), against a real `helio serve` over loopback,
# driven by wrk. Four endpoints, each for a fixed time, with 1 connection (the cost of one
# request) and with many (throughput and tail latency under load):
#   GET /healthz            no session, no database: the HTTP stack alone (the baseline)
#   GET /account/password   the lightest signed-in page: the session guard (ID format check,
#                           SHA-256, one SELECT of the session joined to its account; last-seen
#                           written at most every 15 s) and a small rendered page
#   POST /session/keep-alive the guard, the CSRF token check and a forced last-seen UPDATE
#   GET /account            a whole signed-in page: the guard plus profile decryption, the
#                           session list, passkeys, security activity and template rendering
# The difference between the first two is what the session check adds to a request.
# Figures go to docs/benchmarks.md by hand, with the machine they were measured on.
#   usage: bench/session_load.sh [path/to/helio] [mysql|sqlite] [seconds] [connections]
# For mysql it uses MariaDB at 127.0.0.1:3306 as root (the development machine's), in a
# database helio_bench that it creates afresh. Loopback only; bounded duration.
set -euo pipefail
binary="$(realpath "${1:-${CARGO_TARGET_DIR:-target}/release/helio}")"
backend="${2:-mysql}"
seconds="${3:-15}"
connections="${4:-16}"
port=18090
base="http://127.0.0.1:${port}"
dir="$(mktemp -d)"
log="${dir}/helio.log"
trap 'kill -TERM "${pid:-0}" 2>/dev/null || true; wait "${pid:-0}" 2>/dev/null || true; rm -rf "$dir"' EXIT
command -v wrk >/dev/null || { echo "wrk is needed (Debian package wrk)" >&2; exit 1; }

case "$backend" in
  mysql)
    mysql --protocol=TCP -h127.0.0.1 -P3306 -uroot -e \
      'DROP DATABASE IF EXISTS helio_bench; CREATE DATABASE helio_bench CHARACTER SET utf8mb4 COLLATE utf8mb4_bin'
    export HELIO_DATABASE_URL="mysql://root@127.0.0.1:3306/helio_bench"
    ;;
  sqlite) ;;
  *) echo "backend must be mysql or sqlite" >&2; exit 2 ;;
esac

(cd "$dir" && HELIO_SERVER_BIND="127.0.0.1:${port}" HELIO_LOG_LEVEL=warn,helio::dev_mail=info \
  exec "$binary" serve >"$log" 2>&1) &
pid=$!
until curl -fs -o /dev/null "${base}/healthz"; do sleep 0.05; done

email="bench.user@example.com"
password="seven lanterns over a quiet canal"
curl -fs -o /dev/null -H 'content-type: application/json' -H 'accept: application/json' \
  -d "{\"name\":\"Bench User\",\"email\":\"${email}\",\"password\":\"${password}\"}" \
  "${base}/api/v1/accounts"
token=""
for _ in $(seq 1 100); do
  token="$(grep -o 'verify-email?token=[A-Za-z0-9_-]\{43\}' "$log" | head -1 | cut -d= -f2 || true)"
  [ -n "$token" ] && break
  sleep 0.1
done
[ -n "$token" ] || { echo "no verification mail in the log" >&2; exit 1; }
curl -fs -o /dev/null -H "origin: ${base}" --data-urlencode "token=${token}" "${base}/verify-email"
# One session per connection (so concurrent requests touch different session rows, as many
# users do), each with a CSRF token from its own account page.
sessions="${dir}/sessions.lua"
echo 'sessions = {' >"$sessions"
for _ in $(seq 1 "$connections"); do
  cookie="$(curl -s -o /dev/null -D - -H "origin: ${base}" \
    --data-urlencode "email=${email}" --data-urlencode "password=${password}" "${base}/login" \
    | grep -i '^set-cookie: __Host-helio=' | sed 's/^[^=]*=//; s/;.*//' | tr -d '\r')"
  [ -n "$cookie" ] || { echo "login failed" >&2; exit 1; }
  csrf="$(curl -fs -H "cookie: __Host-helio=${cookie}" "${base}/account" \
    | grep -o 'data-csrf="[^"]*"' | head -1 | cut -d'"' -f2)"
  echo "  { cookie = \"__Host-helio=${cookie}\", csrf = \"${csrf}\" }," >>"$sessions"
done
echo '}' >>"$sessions"

# Each request takes the next session in turn.
script() {
  local method="$1" path="$2" out="${dir}/${3}.lua"
  cat "$sessions" >"$out"
  cat >>"$out" <<LUA
local i = 0
request = function()
  i = i % #sessions + 1
  local s = sessions[i]
  local headers = { ["cookie"] = s.cookie, ["x-csrf-token"] = s.csrf, ["origin"] = "${base}" }
  return wrk.format("${method}", "${path}", headers)
end
LUA
  echo "$out"
}

run() {
  local label="$1"; shift
  for c in 1 "$connections"; do
    echo "== ${label} (${backend}, ${seconds}s, ${c} connection(s), $(( c > 1 ? 2 : 1 )) thread(s))"
    wrk --latency -t"$(( c > 1 ? 2 : 1 ))" -c"$c" -d"${seconds}s" "$@" \
      | grep -E 'Requests/sec|Latency  |50%|90%|99%|Non-2xx'
  done
}

run "GET /healthz (no session)" "${base}/healthz"
run "GET /account/password (session check, read path)" -s "$(script GET /account/password password)" "${base}"
run "POST /session/keep-alive (session check and a write)" -s "$(script POST /session/keep-alive keep_alive)" "${base}"
run "GET /account (signed-in page)" -s "$(script GET /account account)" "${base}"
