#!/usr/bin/env bash
# National scale on one machine: `vouch bench` at the taxpayer file's size.
#
#   scripts/scale.sh [MASTER_ROWS] [SUBJECTS] [DIR] [MEMORY]
#
# Defaults: 750,000,000 master rows (250 million taxpayers, three tax years
# each), 7,000,000 subjects, DIR=./scale-run, MEMORY a quarter of this
# machine's (the index build's sort budget, as `vouch index build --memory`).
# Runs `vouch bench` once with every core, and, at 1/25 of the size, once
# with one thread and once with every core (the scaling line); prints each
# run's stage lines, the index's bytes per row and the peak resident memory,
# and the machine it ran on. The data (master.csv about 85 bytes a row, the
# index about 65, the build's spilled runs up to about 60) is deleted after
# each run: check the disk first.
set -euo pipefail

ROWS=${1:-750000000}
SUBJECTS=${2:-7000000}
DIR=${3:-./scale-run}
MEMORY=${4:-}

here=$(cd "$(dirname "$0")/.." && pwd)
export CARGO_TARGET_DIR=${CARGO_TARGET_DIR:-$HOME/.cache/vouch-target}
cargo build --release -p vouch --manifest-path "$here/Cargo.toml" >&2
VOUCH="$CARGO_TARGET_DIR/release/vouch"

mkdir -p "$DIR"
need=$(( ROWS * 210 / 1024 / 1024 / 1024 + 5 ))
free=$(df -Pk "$DIR" | awk 'NR==2 { print int($4 / 1024 / 1024) }')
echo "machine: $(nproc) cores, $(awk '/MemTotal/ { printf "%.0f GiB", $2/1048576 }' /proc/meminfo), $(uname -sr)"
echo "disk: ${free} GiB free at $DIR; about ${need} GiB needed for ${ROWS} rows"
if (( free < need )); then
    echo "scale.sh: not enough disk at $DIR for ${ROWS} rows (${free} GiB free, ~${need} GiB needed)" >&2
    exit 2
fi

run() { # rows subjects threads
    local rows=$1 subjects=$2 threads=$3 out="$DIR/bench-$1"
    rm -rf "$out"
    local args=(bench --master "$rows" --subjects "$subjects" --dir "$out")
    [[ -n "$MEMORY" ]] && args+=(--memory "$MEMORY")
    [[ "$threads" != all ]] && args+=(--threads "$threads")
    echo "== vouch ${args[*]}"
    /usr/bin/time -f "process: %e s wall, %M KiB peak resident, %P CPU" \
        "$VOUCH" "${args[@]}" 2>&1 | grep -vE '^  noise '
    rm -rf "$out"
}

small=$(( ROWS / 25 ))
small_subjects=$(( SUBJECTS / 25 ))
run "$small" "$small_subjects" 1
run "$small" "$small_subjects" all
run "$ROWS" "$SUBJECTS" all
