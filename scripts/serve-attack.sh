#!/usr/bin/env bash
# `downhill serve` under attack, measured with OpenSSH clients on 127.0.0.1:
# what a flood of keys costs after its client left, a flood of sweeps
# (threads, memory), a 1 MB picker filter, a flood of silent sockets (does a
# real `ssh` still get in?), and clients that stop reading at 500x200.
#
#   cargo build --release && scripts/serve-attack.sh
#   BIN=path/to/downhill PORT=2399 scripts/serve-attack.sh [1 2 3 4 5]
#
# Each numbered part starts a fresh server (`--authorized-keys`, bundled
# scenarios, defaults otherwise) and reads its CPU time, threads and memory
# from /proc. Clients are `ssh -tt` fed from a pipe (keys) or, for part 5,
# under `script` in a 500x200 pty, stopped with SIGSTOP so they read
# nothing. Part 4 binds sockets to 127.0.0.1-8 (Linux routes all of
# 127/8 to loopback). Needs ssh, ssh-keygen, python3, script, /proc.
set -euo pipefail

BIN=${BIN:-${CARGO_TARGET_DIR:-target}/release/downhill}
PORT=${PORT:-2399}
HZ=$(getconf CLK_TCK)
PARTS=${*:-1 2 3 4 5}
work=$(mktemp -d)
pids=()
SRV=

cleanup() {
    for p in "${pids[@]}"; do kill -CONT "$p" 2>/dev/null || true; kill "$p" 2>/dev/null || true; done
    [[ -n "$SRV" ]] && kill "$SRV" 2>/dev/null || true
    wait 2>/dev/null || true
    rm -rf "$work"
}
trap cleanup EXIT

ssh-keygen -q -t ed25519 -N "" -f "$work/key" -C attack
cp "$work/key.pub" "$work/authorized_keys"
SSH=(ssh -tt -p "$PORT" -i "$work/key" -o StrictHostKeyChecking=no
     -o UserKnownHostsFile=/dev/null -o LogLevel=ERROR -o ConnectTimeout=10)

start_server() {
    : >"$work/server.log"
    "$BIN" serve --listen "127.0.0.1:$PORT" --host-key "$work/host" \
        --authorized-keys "$work/authorized_keys" "$@" 2>"$work/server.log" &
    SRV=$!
    for _ in $(seq 100); do grep -q listening "$work/server.log" && return; sleep 0.1; done
    echo "the server did not start"; cat "$work/server.log"; exit 1
}
stop_server() { kill "$SRV" 2>/dev/null || true; wait "$SRV" 2>/dev/null || true; SRV=; sleep 1; }
ticks() { awk '{print $14 + $15}' "/proc/$SRV/stat"; }
threads() { awk '/^Threads/ {print $2}' "/proc/$SRV/status"; }
rss_kib() { awk '/^VmRSS/ {print $2}' "/proc/$SRV/status"; }
hwm_kib() { awk '/^VmHWM/ {print $2}' "/proc/$SRV/status"; }
secs() { awk -v t="$1" -v hz="$HZ" 'BEGIN {printf "%.1f", t / hz}'; }
wait_log() { # wait_log TEXT SECONDS
    for _ in $(seq $(($2 * 10))); do grep -q "$1" "$work/server.log" && return 0; sleep 0.1; done
    return 1
}

# CPU the server uses from now until it has been idle (under 0.05 s of CPU
# a second) for 3 s in a row, at most MAX seconds: "CPU-s over N s".
cpu_until_idle() {
    local max=$1 t0 last now quiet=0 n=0
    t0=$(ticks); last=$t0
    while (( n < max )); do
        sleep 1; n=$((n + 1)); now=$(ticks)
        if (( now - last < HZ / 20 )); then quiet=$((quiet + 1)); else quiet=0; fi
        last=$now
        (( quiet >= 3 )) && break
    done
    echo "$(secs $((now - t0))) CPU-s over $((n - quiet)) s"
}

# One ssh dashboard fed from a command's output; killed after SECONDS.
client() { # client SECONDS COMMAND…
    local t=$1; shift
    "$@" | timeout "$t" "${SSH[@]}" 127.0.0.1 >/dev/null 2>&1 || true
}

part1() {
    echo "## 1. 1 MB of \`r\` on the first scenario, then the client leaves"
    start_server
    client 4 bash -c 'sleep 1; head -c 1048576 /dev/zero | tr "\0" r; sleep 10'
    wait_log "dashboard ended" 20 || echo "(no end logged)"
    echo "- after the client left: $(cpu_until_idle 200), RSS $(( $(rss_kib) / 1024 )) MiB (peak $(( $(hwm_kib) / 1024 )) MiB)"
    stop_server
    echo "## 1b. 1 MB of Tab, then the client leaves"
    start_server
    client 4 bash -c 'sleep 1; head -c 1048576 /dev/zero | tr "\0" "\t"; sleep 10'
    wait_log "dashboard ended" 20 || echo "(no end logged)"
    echo "- after the client left: $(cpu_until_idle 200), RSS $(( $(rss_kib) / 1024 )) MiB (peak $(( $(hwm_kib) / 1024 )) MiB)"
    stop_server
}

part2() {
    echo "## 2. 300 000 × \`rww\` on the first sweep scenario (13-sweep-start)"
    start_server
    (client 8 bash -c 'sleep 1; printf "\t\t\t\t\t\t\t\t\t\t\t\t"; sleep 1; yes rww | tr -d "\n" | head -c 900000; sleep 10') &
    local c=$! most=0 n
    for _ in $(seq 80); do
        n=$(threads); (( n > most )) && most=$n
        sleep 0.1
    done
    wait "$c" || true
    wait_log "dashboard ended" 20 || echo "(no end logged)"
    echo "- during the flood: at most $most threads; peak RSS $(( $(hwm_kib) / 1024 )) MiB"
    echo "- after the client left: $(cpu_until_idle 200); then $(threads) threads, RSS $(( $(rss_kib) / 1024 )) MiB"
    stop_server
}

part3() {
    echo "## 3. \`o\`, then 1 MB of \`a\` (the picker filter), --idle-timeout 10s"
    start_server --idle-timeout 10s
    local t0
    t0=$(ticks)
    client 30 bash -c 'sleep 1; printf o; sleep 0.5; head -c 1048576 /dev/zero | tr "\0" a; sleep 60'
    local ended
    if grep -q "dashboard ended (idle timeout)" "$work/server.log"; then ended="the idle timeout closed it"; else ended="the idle timeout did NOT close it within 30 s"; fi
    echo "- CPU from the first key to 30 s later: $(secs $(( $(ticks) - t0 ))) s; $ended"
    wait_log "dashboard ended" 20 || echo "(no end logged)"
    echo "- after the client left: $(cpu_until_idle 200)"
    stop_server
}

# Silent sockets: N from each of 127.0.0.1 … 127.0.0.ADDRS, reopened when
# the server closes them; they never send a byte.
silent_flood() { # silent_flood ADDRS N
    python3 - "$PORT" "$1" "$2" <<'EOF' &
import selectors, socket, sys, time
port, addrs, n = int(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3])
sel = selectors.DefaultSelector()
def open_one(a):
    while True:
        try:
            s = socket.socket(); s.bind((f"127.0.0.{a}", 0)); s.connect(("127.0.0.1", port))
            sel.register(s, selectors.EVENT_READ, a); return
        except OSError:
            s.close(); time.sleep(0.05)
for a in range(1, addrs + 1):
    for _ in range(n):
        open_one(a)
while True:
    for key, _ in sel.select(1):
        s = key.fileobj
        try:
            data = s.recv(4096)
        except OSError:
            data = b""
        if not data:
            sel.unregister(s); s.close(); open_one(key.data)
EOF
    pids+=("$!")
}

# Connections refused as too many: logged lines, and the counts of those
# a line stands for.
refusals() {
    local lines more
    lines=$(grep -c "refused: too many" "$work/server.log" || true)
    more=$(grep -o "([0-9]* more refused" "$work/server.log" | tr -dc '0-9\n' | awk '{ s += $1 } END { print s + 0 }')
    echo $((lines + more))
}

part4() {
    echo "## 4. Silent sockets: does a real ssh (from 127.0.0.20) get in?"
    for spec in "4 15" "8 15"; do
        start_server
        silent_flood $spec
        local flood=${pids[-1]} ok=0 tries=5
        sleep 3
        for i in $(seq $tries); do
            before=$(grep -c "dashboard started" "$work/server.log" || true)
            printf 'q' | (sleep 2; cat) | timeout 10 "${SSH[@]}" -b 127.0.0.20 127.0.0.1 >/dev/null 2>&1 || true
            after=$(grep -c "dashboard started" "$work/server.log" || true)
            (( after > before )) && ok=$((ok + 1))
            sleep 4
        done
        set -- $spec
        echo "- $(( $1 * $2 )) silent sockets from $1 addresses: $ok of $tries ssh logins over ~35 s opened a dashboard ($(refusals) connections refused, $(grep -c 'silent since' "$work/server.log" || true) silent sockets displaced, $(grep -c 'no key exchange' "$work/server.log" || true) cut at the deadline)"
        kill "$flood"; wait "$flood" 2>/dev/null || true
        stop_server
    done
}

# A TCP proxy on PORT+1 to the server; after SIGUSR1 it stops reading what
# the server sends (the clients' keys still go through): clients that do
# not read, as the server sees them.
stalling_proxy() {
    python3 - "$PORT" <<'EOF' &
import signal, socket, sys, threading
port = int(sys.argv[1])
stalled = threading.Event()
signal.signal(signal.SIGUSR1, lambda *_: stalled.set())
def pipe(src, dst, up):
    try:
        while True:
            if not up and stalled.is_set():
                threading.Event().wait()
            data = src.recv(65536)
            if not data:
                break
            dst.sendall(data)
    except OSError:
        pass
lst = socket.socket(); lst.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
lst.bind(("127.0.0.1", port + 1)); lst.listen(64)
while True:
    c, _ = lst.accept()
    s = socket.create_connection(("127.0.0.1", port))
    threading.Thread(target=pipe, args=(c, s, True), daemon=True).start()
    threading.Thread(target=pipe, args=(s, c, False), daemon=True).start()
EOF
    pids+=("$!")
}

part5() {
    local n=6
    echo "## 5. $n clients at 500x200 that stop reading"
    start_server --max-per-ip 20
    stalling_proxy
    local proxy=${pids[-1]}
    sleep 1
    local base; base=$(rss_kib)
    local fds=()
    local via=("${SSH[@]}"); via[3]=$((PORT + 1))
    for i in $(seq $n); do
        mkfifo "$work/in$i"; exec {fd}<>"$work/in$i"; fds+=("$fd")
        script -qfec "stty cols 500 rows 200; ${via[*]} 127.0.0.1" /dev/null \
            <"$work/in$i" >/dev/null 2>&1 &
        pids+=("$!")
    done
    for _ in $(seq 100); do
        (( $(grep -c "dashboard started (500x200)" "$work/server.log" || true) >= n )) && break
        sleep 0.1
    done
    # Rosenbrock, slowed to 20 epochs a second: it changes every frame for
    # minutes.
    for fd in "${fds[@]}"; do printf '7-----' >&"$fd"; done
    sleep 3
    local running; running=$(rss_kib)
    local t0; t0=$(ticks); sleep 10; local cpu_running; cpu_running=$(( $(ticks) - t0 ))
    # They stop reading; the map toggled full-screen and back fills their
    # SSH windows with whole repaints.
    kill -USR1 "$proxy"
    for _ in $(seq 20); do for fd in "${fds[@]}"; do printf m >&"$fd"; done; sleep 0.2; done
    sleep 5
    local stalled; stalled=$(rss_kib)
    t0=$(ticks); sleep 10
    local cpu_stalled; cpu_stalled=$(( $(ticks) - t0 ))
    echo "- RSS: $((base / 1024)) MiB without clients, $((running / 1024)) MiB with $n running, $((stalled / 1024)) MiB with $n stalled: $(( (stalled - base) / n / 1024 )) MiB per stalled client ($(( (stalled - running) / n / 1024 )) MiB more than running)"
    echo "- CPU: $(awk -v t=$cpu_running -v hz=$HZ 'BEGIN {printf "%.0f", 10 * t / hz}') % of a core running, $(awk -v t=$cpu_stalled -v hz=$HZ 'BEGIN {printf "%.0f", 10 * t / hz}') % stalled (the dashboards keep running)"
    stop_server
    echo "- per session, as logged at shutdown: $(grep -o "after [^,]*, [0-9]* bytes sent, .*" "$work/server.log" | head -1)"
}

echo "binary: $BIN"
for p in $PARTS; do "part$p"; done
