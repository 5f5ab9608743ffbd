#!/usr/bin/env bash
# The whole `downhill run` against a hand-written loop of the same descent,
# each timed as a whole process (start-up, parsing, native code, the loop,
# the output), alternately, side by side in one run.
#
#   scripts/whole-process.sh [EPOCHS] [ROUNDS]      # default 3000000 15
#
# The descent: peaks, fixed lr 0.01, one run from the lesson's start
# (scenarios/03-peaks.toml's first run), EPOCHS epochs, no tolerance. The
# hand-written loop is examples/hand_loop.rs. Builds both in release first
# (set NO_BUILD=1 to skip; DOWNHILL=path to time another downhill binary).
# Prints each round, then per command the median and best ns/epoch and the
# ratios of the medians and of the bests; also a 0-epoch `downhill run`
# (the start-up alone) for reference.
set -euo pipefail
cd "$(dirname "$0")/.."
epochs=${1:-3000000}
rounds=${2:-15}
if [ -z "${NO_BUILD:-}" ]; then
    cargo build --release --quiet --bin downhill --example hand_loop
fi
downhill=${DOWNHILL:-target/release/downhill}
hand=target/release/examples/hand_loop
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
# The first run of the peaks lesson, with EPOCHS epochs.
awk -v e="$epochs" '/^\[\[run\]\]/{n++} n<2 { if ($1=="epochs") print "epochs = " e; else print }' \
    scenarios/03-peaks.toml > "$dir/peaks.toml"
awk '/^\[\[run\]\]/{n++} n<2 { if ($1=="epochs") print "epochs = 0"; else print }' \
    scenarios/03-peaks.toml > "$dir/zero.toml"

now() { date +%s%N; }
time_ns() { # command... → wall ns
    local t0 t1
    t0=$(now)
    "$@" > "$dir/out" 2>&1
    t1=$(now)
    echo $((t1 - t0))
}

# The two must agree on where the descent ends (to the bit).
"$downhill" run "$dir/peaks.toml" --format json > "$dir/d.json"
"$hand" "$epochs" > "$dir/h.json"
python3 - "$dir/d.json" "$dir/h.json" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))["runs"][0]
h = json.load(open(sys.argv[2]))
assert d["final"] == h["final"] and d["loss"] == h["loss"], (d["final"], h["final"])
PY

echo "round  downhill run ns/epoch  hand loop ns/epoch  ratio  (start-up alone, ms)"
: > "$dir/d"; : > "$dir/h"; : > "$dir/z"
for r in $(seq "$rounds"); do
    if [ $((r % 2)) -eq 1 ]; then
        d=$(time_ns "$downhill" run "$dir/peaks.toml" --format json)
        h=$(time_ns "$hand" "$epochs")
    else
        h=$(time_ns "$hand" "$epochs")
        d=$(time_ns "$downhill" run "$dir/peaks.toml" --format json)
    fi
    z=$(time_ns "$downhill" run "$dir/zero.toml" --format json)
    echo "$d" >> "$dir/d"; echo "$h" >> "$dir/h"; echo "$z" >> "$dir/z"
    awk -v d="$d" -v h="$h" -v z="$z" -v e="$epochs" -v r="$r" \
        'BEGIN { printf "%5d  %21.1f  %18.1f  %5.2f  %.1f\n", r, d/e, h/e, d/h, z/1e6 }'
done
median() { sort -n "$1" | awk '{a[NR]=$1} END {print (NR%2) ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2}'; }
best() { sort -n "$1" | head -1; }
awk -v dm="$(median "$dir/d")" -v hm="$(median "$dir/h")" -v db="$(best "$dir/d")" \
    -v hb="$(best "$dir/h")" -v zm="$(median "$dir/z")" -v e="$epochs" -v n="$rounds" 'BEGIN {
    printf "\n%d epochs, %d rounds, whole process (wall):\n", e, n
    printf "  downhill run --format json  median %.1f ns/epoch  best %.1f\n", dm/e, db/e
    printf "  hand-written loop           median %.1f ns/epoch  best %.1f\n", hm/e, hb/e
    printf "  ratio                       median %.2f×          best %.2f×\n", dm/hm, db/hb
    printf "  downhill start-up alone (0 epochs): median %.1f ms\n", zm/1e6
}'
