#!/usr/bin/env bash
# Bounded loopback load test of `vouch serve` with wrk (10 s per endpoint).
# Usage: scripts/load-test.sh VOUCH_BIN [DATABASE] [WORKDIR]
#   DATABASE: sqlite (default) or a postgres:// URL (a fresh database).
# Prints requests/s and latency percentiles per endpoint. Needs wrk and curl.
set -euo pipefail
VOUCH=${1:?usage: scripts/load-test.sh VOUCH_BIN [DATABASE] [WORKDIR]}
DB=${2:-sqlite}
WORK=${3:-$(mktemp -d /tmp/vouch-load.XXXXXX)}
PORT=${PORT:-18080}
mkdir -p "$WORK"
cd "$WORK"
"$VOUCH" synth --master 50000 --subjects 100 --seed 3 --out data >/dev/null
"$VOUCH" index build --master data/master.csv --out index >/dev/null
export VOUCH_HOME="$WORK/state" VOUCH_DATABASE="$DB"
"$VOUCH" keys init >/dev/null
"$VOUCH" serve --index index --listen "127.0.0.1:$PORT" >serve.out 2>serve.err &
PID=$!
trap 'kill $PID 2>/dev/null || true' EXIT
for _ in $(seq 100); do grep -q "^first start" serve.out 2>/dev/null && break; sleep 0.1; done
sleep 0.3
ADMIN=$(grep -A1 "^first start" serve.out | tail -n 1)
BASE="http://127.0.0.1:$PORT"
curl -sf -X POST "$BASE/v1/officials" -H "Authorization: Bearer $ADMIN" \
  -H 'Content-Type: application/json' -d '{"id":"irs-aud-1","agency":"IRS","role":"auditor"}' >/dev/null
TOKEN=$(curl -sf -X POST "$BASE/v1/officials/irs-aud-1/tokens" -H "Authorization: Bearer $ADMIN" |
  sed -n 's/.*"token":"\([^"]*\)".*/\1/p')
# A console session for the auditor.
CSRF=$(curl -sf -c jar "$BASE/console/sign-in" | sed -n 's/.*name="csrf" value="\([^"]*\)".*/\1/p' | head -n 1)
curl -sf -b jar -c jar -o /dev/null -X POST "$BASE/console/sign-in" --data-urlencode "token=$TOKEN" --data-urlencode "csrf=$CSRF"
SESSION=$(awk '$6=="vouch_session"{print $7}' jar)
echo "store: $DB; server pid $PID; $(nproc) cores shared by server and wrk"
run() {
  local name=$1; shift
  echo "== $name"
  wrk -t2 -c16 -d10s --latency "$@" | grep -E "Requests/sec|^ +50%|^ +99%|Non-2xx"
}
run "GET /healthz (no auth)" "$BASE/healthz"
run "GET /v1/ledger/public-key (token)" -H "Authorization: Bearer $TOKEN" "$BASE/v1/ledger/public-key"
run "GET /v1/requests (token, store read)" -H "Authorization: Bearer $TOKEN" "$BASE/v1/requests"
run "GET /console/requests (session, HTML)" -H "Cookie: vouch_session=$SESSION" "$BASE/console/requests"
echo "peak RSS of the server: $(grep VmHWM /proc/$PID/status | awk '{print $2/1024 " MiB"}')"
