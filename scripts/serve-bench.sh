#!/usr/bin/env bash
# Measure `downhill serve` with N OpenSSH clients on 127.0.0.1: the server's
# memory (RSS) and CPU, and the bytes each client receives per second, with
# no session, with N paused (idle) dashboards and with N running ones.
#
#   cargo build --release && scripts/serve-bench.sh
#   N=20 WINDOW=20 PORT=2299 SIZE=160x48 BIN=target/release/downhill scripts/serve-bench.sh
#
# Each client is `ssh -tt` reading keys from a FIFO; its output goes to a
# file whose growth is the bytes per second. Without SIZE the server sees no
# terminal size (stdin is a pipe) and uses 80x24; with SIZE=COLSxROWS each
# ssh runs under `script` in a pty of that size. "running" keeps the scenario playing at its default
# pace by pressing `r` (restart) every 8 s. Needs ssh, ssh-keygen, /proc.
# Only 127.0.0.1 is used; everything is cleaned up on exit.
#
# CLASS=1: a classroom instead (`--teacher-keys`). One teacher client runs
# the lesson alone first, then the N clients join as followers; every key
# (`r`, `7`, space) goes to the teacher, and `q` to everyone at the end.
#   CLASS=1 N=100 WINDOW=20 BIN=target/release/downhill scripts/serve-bench.sh
set -euo pipefail

N=${N:-20}
WINDOW=${WINDOW:-20}
PORT=${PORT:-2299}
BIN=${BIN:-${CARGO_TARGET_DIR:-target}/release/downhill}
HZ=$(getconf CLK_TCK)
work=$(mktemp -d)
pids=()

cleanup() {
    for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
    [[ -n "${SRV:-}" ]] && kill "$SRV" 2>/dev/null || true
    wait 2>/dev/null || true
    rm -rf "$work"
}
trap cleanup EXIT

ssh-keygen -q -t ed25519 -N "" -f "$work/key" -C bench
cp "$work/key.pub" "$work/authorized_keys"
class=()
if [[ -n "${CLASS:-}" ]]; then
    ssh-keygen -q -t ed25519 -N "" -f "$work/teacher" -C teacher
    cp "$work/teacher.pub" "$work/teacher_keys"
    class=(--teacher-keys "$work/teacher_keys")
fi
"$BIN" serve --listen "127.0.0.1:$PORT" --host-key "$work/host" \
    --authorized-keys "$work/authorized_keys" --max-per-ip "$((N + 1))" \
    --max-sessions "$((N + 1))" "${class[@]}" "$@" 2>"$work/server.log" &
SRV=$!
for _ in $(seq 50); do grep -q listening "$work/server.log" && break; sleep 0.1; done

rss_kib() { awk '/^VmRSS/ {print $2}' "/proc/$SRV/status"; }
cpu_ticks() { awk '{print $14 + $15}' "/proc/$SRV/stat"; }
out_bytes() { { cat "$work"/out* 2>/dev/null || true; } | wc -c; }
live() {
    local a b
    a=$(grep -c "dashboard started" "$work/server.log" || true)
    b=$(grep -c "dashboard ended" "$work/server.log" || true)
    echo $((a - b))
}
press() { for fd in "${fds[@]}"; do printf '%s' "$1" >&"$fd"; done; }
# In a class only the teacher's keys matter.
teach() {
    if [[ -n "${CLASS:-}" ]]; then printf '%s' "$1" >&"$tfd"; else press "$1"; fi
}

# measure LABEL [KEY_EVERY_8S]: CPU and bytes over WINDOW seconds, then RSS.
measure() {
    local label=$1 key=${2:-}
    local t0 b0 t1 b1 rss
    t0=$(cpu_ticks); b0=$(out_bytes)
    local start=$SECONDS
    while (( SECONDS - start < WINDOW )); do
        sleep 1
        if [[ -n "$key" && $(( (SECONDS - start) % 8 )) == 0 ]]; then teach "$key"; fi
    done
    t1=$(cpu_ticks); b1=$(out_bytes); rss=$(rss_kib)
    awk -v l="$label" -v s="$(live)" -v dt="$((t1 - t0))" -v hz="$HZ" \
        -v w="$WINDOW" -v db="$((b1 - b0))" -v rss="$rss" 'BEGIN {
        cpu = 100 * dt / hz / w
        printf "| %-24s | %8d | %7.1f MiB | %6.1f %% | %11s | %15s |\n", l, s, rss / 1024, cpu,
            (s ? sprintf("%.2f %%", cpu / s) : "-"), (s ? sprintf("%.0f B/s", db / w / s) : "-")
    }'
}

echo "| state                    | sessions |         RSS |    CPU | CPU/session | bytes/s/session |"
echo "| ------------------------ | -------: | ----------: | -----: | ----------: | --------------: |"
fds=()
measure "no session"

# client I KEY USER: an ssh client reading keys from FIFO in$I; its fd in fds.
client() {
    local i=$1 key=$2 user=$3 fd
    mkfifo "$work/in$i"
    exec {fd}<>"$work/in$i"
    fds+=("$fd")
    cmd="ssh -tt -p $PORT -i $key -o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null -o LogLevel=ERROR $user@127.0.0.1"
    if [[ -n "${SIZE:-}" ]]; then
        script -qfec "stty cols ${SIZE%x*} rows ${SIZE#*x}; $cmd" /dev/null \
            <"$work/in$i" >"$work/out$i" 2>/dev/null &
    else
        $cmd <"$work/in$i" >"$work/out$i" 2>/dev/null &
    fi
    pids+=("$!")
}
started() {
    local want=$1
    for _ in $(seq 300); do
        (( $(grep -c "dashboard started" "$work/server.log" || true) >= want )) && return
        sleep 0.1
    done
}

if [[ -n "${CLASS:-}" ]]; then
    client 0 "$work/teacher" teacher
    tfd=${fds[0]}
    started 1
    sleep 1
    measure "teacher alone: 1D lesson" r
    for i in $(seq "$N"); do client "$i" "$work/key" "s$i"; done
    started $((N + 1))
    sleep 1
    measure "1D lesson, all following" r
    teach "7"   # Rosenbrock, 2D, 5000 epochs
    measure "Rosenbrock, all following" r
    teach " "
    sleep 1
    measure "paused, all following"
    press "q"
    sleep 3
    measure "after all quit"
    echo "sessions ended by q: $(grep -c "dashboard ended (quit)" "$work/server.log" || true) of $((N + 1))"
    exit 0
fi

for i in $(seq "$N"); do client "$i" "$work/key" bench; done
started "$N"
sleep 1
press " "   # pause: idle dashboards
sleep 1
measure "paused (idle)"
press " "   # resume
measure "running: 1D lesson" r
press "7"   # Rosenbrock, 2D, 5000 epochs
measure "running: Rosenbrock (2D)" r
press "q"
sleep 2
measure "after all quit"
echo "sessions ended by q: $(grep -c "dashboard ended (quit)" "$work/server.log" || true) of $N"
echo "terminal sizes: $(grep -o "dashboard started ([0-9x]*)" "$work/server.log" | sort | uniq -c | tr -s ' ')"
