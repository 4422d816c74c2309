#!/usr/bin/env bash
# The latency two witnesses on loopback add to a batch (issue 15): the same
# synthetic batch run twice, in two fresh states, once without witnesses and
# once with two (`vouch witness serve`, each its own state), printing each
# run's stage timings ("witnesses" is the round trip to both, in parallel).
# Usage: scripts/witness-latency.sh [VOUCH_BINARY] [SUBJECTS]
set -euo pipefail
VOUCH=${1:-${CARGO_TARGET_DIR:-target}/release/vouch}
SUBJECTS=${2:-5000}
work=$(mktemp -d /tmp/vouch-witness-latency.XXXXXX)
pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; rm -rf "$work"; }
trap cleanup EXIT

"$VOUCH" synth --master $((SUBJECTS * 10)) --subjects "$SUBJECTS" --seed 7 --out "$work/data" >/dev/null
"$VOUCH" keygen --out "$work/do1.key" >/dev/null
"$VOUCH" index build --master "$work/data/master.csv" --out "$work/index" >/dev/null

setup() { # STATE
  local s=$1
  "$VOUCH" --state "$s" keys init >/dev/null
  "$VOUCH" --state "$s" agencies add --id DHS-ICE --ssr-approved 2025-01-15 >/dev/null
  "$VOUCH" --state "$s" officials add --id ice-director --agency DHS-ICE --role signer --public-key "$work/data/keys/signer.pub" >/dev/null
  for r in ice-agent-0001 ice-agent-0002 ice-agent-0003; do
    "$VOUCH" --state "$s" officials add --id "$r" --agency DHS-ICE --role recipient >/dev/null
  done
  "$VOUCH" --state "$s" officials add --id irs-do-1 --agency IRS --role disclosure-officer --public-key "$work/do1.key.pub" >/dev/null
  "$VOUCH" --state "$s" officials add --id irs-admin-1 --agency IRS --role administrator >/dev/null
}

run() { # STATE OUT
  "$VOUCH" --state "$1" verify --index "$work/index" --request "$work/data/request" --out "$2" \
    --approve-as irs-do-1 --officer-key "$work/do1.key" | grep -E "^stages|ledger size"
}

setup "$work/plain"
echo "== without witnesses"
run "$work/plain" "$work/r-plain"

setup "$work/witnessed"
origin=$("$VOUCH" --state "$work/witnessed" ledger origin)
logkey=$("$VOUCH" --state "$work/witnessed" ledger public-key)
for i in 1 2; do
  w="$work/witness-$i"
  key=$("$VOUCH" --state "$w" witness keys init --name "oversight$i.example/witness")
  "$VOUCH" --state "$w" witness add-log --origin "$origin" --verifier "$logkey" >/dev/null
  port=$((18440 + i))
  "$VOUCH" --state "$w" witness serve --listen "127.0.0.1:$port" >/dev/null 2>&1 &
  pids+=($!)
  "$VOUCH" --state "$work/witnessed" witnesses add --url "http://127.0.0.1:$port" --verifier "$key" --as irs-admin-1 >/dev/null
done
sleep 1
echo "== with two witnesses on loopback"
run "$work/witnessed" "$work/r-witnessed"
grep -c "^— oversight" < <(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["ledger_checkpoint"]["signed_note"])' "$work/r-witnessed/response.json") | sed 's/^/cosignatures in response.json: /'
