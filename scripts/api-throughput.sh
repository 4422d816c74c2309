#!/usr/bin/env bash
# Upload-to-response throughput of `vouch serve`, through the HTTP API.
#
#   scripts/api-throughput.sh VOUCH_BINARY [MASTER_ROWS] [SUBJECTS] [WORK_DIR]
#
# Builds nothing: pass a built binary (e.g. target/release/vouch). It makes a
# synthetic data set (`vouch synth`, default 1,000,000 master rows and
# 100,000 subjects), builds the master index, registers the agency and its
# officials with the CLI, starts `vouch serve` on a free loopback port, uploads
# the signed request with curl, approves it with each officer's own key (a
# signed statement, `vouch sign-decision`; twice when the policy asks two
# approvals for a batch this size), waits until it is completed, downloads the
# response and prints: subjects, seconds from upload to completed,
# subjects/second, and the server's peak RSS (VmHWM).
#
# Needs bash, curl, sed, awk and /proc. WORK_DIR (default: a new temporary
# directory) is left in place with the data, the state and serve.log.
set -euo pipefail

if [[ $# -lt 1 ]]; then
    sed -n '2,16p' "$0" >&2
    exit 2
fi
VOUCH=$(realpath "$1")
MASTER=${2:-1000000}
SUBJECTS=${3:-100000}
WORK=${4:-$(mktemp -d -t vouch-api-throughput.XXXXXX)}
SEED=7
DATA=$WORK/data
STATE=$WORK/state
INDEX=$WORK/index
mkdir -p "$WORK"

now() { date +%s.%N; }
secs() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", b - a }'; }
log() { printf '%s\n' "$*" >&2; }
# The string value of "key" in a one-object JSON text.
field() { sed -n "s/.*\"$1\":\"\\([^\"]*\\)\".*/\\1/p" | head -n1; }
num_field() { sed -n "s/.*\"$1\":\\([0-9][0-9]*\\).*/\\1/p" | head -n1; }
vouch() { "$VOUCH" --state "$STATE" "$@"; }

SERVER_PID=
cleanup() {
    if [[ -n $SERVER_PID ]] && kill -0 "$SERVER_PID" 2>/dev/null; then
        kill -TERM "$SERVER_PID" 2>/dev/null || true
        wait "$SERVER_PID" 2>/dev/null || true
    fi
}
trap cleanup EXIT

log "work directory: $WORK"
t=$(now)
vouch synth --master "$MASTER" --subjects "$SUBJECTS" --seed "$SEED" --out "$DATA" >/dev/null
log "synth: $(secs "$t" "$(now)") s"
t=$(now)
vouch index build --master "$DATA/master.csv" --out "$INDEX" >/dev/null
log "index build: $(secs "$t" "$(now)") s"

# The agency and officials the synthetic request names.
# (The synthetic letter is dated in 2025: its safeguards report date must fit.)
vouch keys init >/dev/null
vouch agencies add --id DHS-ICE --ssr-approved 2025-01-15 >/dev/null
vouch officials add --id ice-director --agency DHS-ICE --role signer \
    --public-key "$DATA/keys/signer.pub" >/dev/null
for r in ice-agent-0001 ice-agent-0002 ice-agent-0003; do
    vouch officials add --id "$r" --agency DHS-ICE --role recipient >/dev/null
done
# Each disclosure officer has their own signing key (kept outside the state).
mkdir -p "$WORK/officers"
for o in irs-do-1 irs-do-2; do
    [[ -e $WORK/officers/$o.key ]] || "$VOUCH" keygen --out "$WORK/officers/$o.key" >/dev/null
    vouch officials add --id "$o" --agency IRS --role disclosure-officer \
        --public-key "$WORK/officers/$o.key.pub" >/dev/null
done

"$VOUCH" --state "$STATE" serve --index "$INDEX" --listen 127.0.0.1:0 >"$WORK/serve.out" 2>"$WORK/serve.log" &
SERVER_PID=$!
for _ in $(seq 600); do
    grep -q '^first start:' "$WORK/serve.out" 2>/dev/null && [[ $(wc -l <"$WORK/serve.out") -ge 3 ]] && break
    kill -0 "$SERVER_PID" 2>/dev/null || { cat "$WORK/serve.log" >&2; exit 1; }
    sleep 0.1
done
URL=$(sed -n 's|.*listening on \(http://[^ ]*\)/ .*|\1|p' "$WORK/serve.out")
ADMIN=$(sed -n '/^first start:/{n;p;}' "$WORK/serve.out")
[[ -n $URL && -n $ADMIN ]] || { log "vouch serve did not start"; cat "$WORK/serve.out" "$WORK/serve.log" >&2; exit 1; }
log "serving on $URL (pid $SERVER_PID)"

token() {
    curl -sS -X POST -H "Authorization: Bearer $ADMIN" "$URL/v1/officials/$1/tokens" | field token
}
RECIPIENT=$(token ice-agent-0001)
DO1=$(token irs-do-1)
DO2=$(token irs-do-2)
REQ=$(field request_id <"$DATA/request/request.json")
[[ -z $REQ ]] && REQ=$(tr -d '\n ' <"$DATA/request/request.json" | field request_id)

status_json() { curl -sS -H "Authorization: Bearer $DO1" "$URL/v1/requests/$REQ"; }
status() { status_json | tr -d '\n' | field status; }
wait_status() { # wait until the status is not one of the arguments
    local s
    while :; do
        s=$(status)
        case " $* " in *" $s "*) sleep 0.05 ;; *) echo "$s"; return ;; esac
    done
}
approve() { # officer token, officer id → HTTP code
    # The service states the decision; the officer signs it with their own
    # key (vouch sign-decision) and posts the signature.
    local st at sig
    st=$(curl -sS -X POST -H "Authorization: Bearer $1" -H 'Content-Type: application/json' \
        -d '{"decision":"approve","comment":"throughput run"}' "$URL/v1/requests/$REQ/statement")
    at=$(printf '%s' "$st" | field at)
    [[ -n $at ]] || { echo "statement: $st" >&2; echo 000; return; }
    sig=$(printf '%b' "$(printf '%s' "$st" | field statement)" |
        "$VOUCH" sign-decision --key "$WORK/officers/$2.key")
    curl -sS -o /dev/null -w '%{http_code}' -X POST -H "Authorization: Bearer $1" \
        -H 'Content-Type: application/json' \
        -d "{\"comment\":\"throughput run\",\"at\":\"$at\",\"signature\":\"$sig\"}" \
        "$URL/v1/requests/$REQ/approve"
}

R=$DATA/request
t_upload=$(now)
code=$(curl -sS -o "$WORK/upload.json" -w '%{http_code}' -H "Authorization: Bearer $RECIPIENT" \
    -F "request.json=@$R/request.json" -F "request.json.sig=@$R/request.json.sig" \
    -F "subjects.csv=@$R/subjects.csv" "$URL/v1/requests")
t_uploaded=$(now)
[[ $code == 202 ]] || { log "upload: HTTP $code: $(cat "$WORK/upload.json")"; exit 1; }
s=$(wait_status received "")
t_checked=$(now)
[[ $s == pending_review ]] || { log "after upload: status $s"; status_json >&2; exit 1; }
# The run that checked the upload (then the first approval's run) may hold
# the request for a moment after its status shows: 409 means try again.
for _ in $(seq 1200); do
    code=$(approve "$DO1" irs-do-1)
    [[ $code == 409 ]] || break
    sleep 0.05
done
[[ $code == 202 ]] || { log "approval 1: HTTP $code"; exit 1; }
approvals=1
# A large batch needs a second officer.
for _ in $(seq 1200); do
    s=$(status)
    [[ $s != pending_review ]] && break
    code=$(approve "$DO2" irs-do-2)
    if [[ $code == 202 ]]; then approvals=2; break; fi
    [[ $code == 409 ]] || { log "approval 2: HTTP $code"; exit 1; }
    sleep 0.05
done
t_approved=$(now)
s=$(wait_status pending_review approved logged)
t_done=$(now)
[[ $s == completed ]] || { log "final status $s"; status_json >&2; exit 1; }
HWM_KB=$(awk '/^VmHWM:/ { print $2 }' "/proc/$SERVER_PID/status")
curl -sS -H "Authorization: Bearer $RECIPIENT" -o "$WORK/response.csv" "$URL/v1/requests/$REQ/response"
ROWS=$(($(grep -c . "$WORK/response.csv") - 1))
cleanup
SERVER_PID=

total=$(secs "$t_upload" "$t_done")
echo "subjects:                 $SUBJECTS (master rows $MASTER; response rows $ROWS; approvals $approvals)"
echo "upload (HTTP):            $(secs "$t_upload" "$t_uploaded") s"
echo "upload -> pending_review: $(secs "$t_upload" "$t_checked") s"
echo "approved -> completed:    $(secs "$t_approved" "$t_done") s"
echo "upload -> completed:      $total s"
echo "subjects/second:          $(awk -v n="$SUBJECTS" -v s="$total" 'BEGIN { printf "%.0f", n / s }')"
echo "server peak RSS (VmHWM):  $((HWM_KB / 1024)) MiB"
echo "cores:                    $(nproc)"
[[ $ROWS == "$SUBJECTS" ]] || { log "response has $ROWS rows, want $SUBJECTS"; exit 1; }
