#!/usr/bin/env python3
"""Measure what a user of downhill over SSH feels, through a real pseudo-terminal.

    cargo build --release
    python3 scripts/measure.py [path/to/downhill]

Needs Python 3 (standard library only) and, unless QUICK=1, tmux and
/usr/bin/time (GNU time). Numbers vary with the machine's load.

First part, for a 100x30 pseudo-terminal (TERM=xterm-256color) read as raw
bytes:
  * start-up: exec to the first complete frame (the footer drawn), ms
  * bytes per second: running at default settings, running with --fps 10,
    paused and idle (after the first frame)
  * idle CPU: % of one core used while paused
  * key latency: a key press (space) until the screen says "paused", ms
QUICK=1 stops there and prints those as JSON.

Second part, on one scenario file written to a temporary directory (the
peaks surface, 6 runs, no tolerance, so every run goes to the last epoch).
The dashboard only sends the cells that change, so its byte stream cannot be
scraped for the epoch; instead tmux is the terminal emulator
(`tmux -L measure`, a private server, 100x30) and the rendered screen is read
with `capture-pane`:
  * headless step rate: `downhill run FILE --format json > /dev/null`,
    epochs x runs / wall seconds, median of 3, with the epoch count chosen
    (from a 10^5-epoch trial) so one run takes about 5 s
  * max pace: the dashboard at pace `max` (`+` until the header says max);
    the header's `epoch N/M` read at moments a few seconds apart gives
    epochs/s per run, x 6 runs = steps/s; each 3 s window is set against
    the mean of the headless runs made just before and just after it (the
    dashboard paused meanwhile), and the median of the seven ratios is
    reported (target >= 90 % since issue 19; 80 % before)
  * key latency at max pace: space until the header says "paused" (capture-
    pane polled every ~2 ms), ms, median of several
  * dashboard memory: the same file at BIG epochs (default 5x10^7, env BIG),
    run at pace max until
    every run is done; peak resident (VmHWM) and resident at the end (VmRSS)
    from /proc (target < 64 MB), and how long that took
  * headless memory: `downhill run FILE --format json` over BIG epochs x 6
    runs, peak resident via `/usr/bin/time -f %M` (target < 16 MB); its
    wall time gives a second headless rate, to cross-check the ratio
Each figure is printed with its unit and target (and the load average,
since a busy machine skews the rates), then all as JSON.
"""

import json
import os
import pty
import re
import select
import shlex
import shutil
import signal
import struct
import statistics
import subprocess
import sys
import tempfile
import termios
import fcntl
import time

BIN = sys.argv[1] if len(sys.argv) > 1 else "target/release/downhill"
COLS, ROWS = 100, 30
CLK = os.sysconf("SC_CLK_TCK")


class Pty:
    def __init__(self, args, env=None):
        pid, fd = pty.fork()
        if pid == 0:
            e = dict(os.environ, TERM="xterm-256color")
            e.pop("NO_COLOR", None)
            e.update(env or {})
            os.execve(BIN, [BIN] + args, e)
        fcntl.ioctl(fd, termios.TIOCSWINSZ, struct.pack("HHHH", ROWS, COLS, 0, 0))
        self.pid, self.fd, self.out = pid, fd, bytearray()
        self.t0 = time.monotonic()

    def read_for(self, seconds):
        """Read whatever arrives during `seconds`; return the bytes."""
        got = bytearray()
        end = time.monotonic() + seconds
        while True:
            left = end - time.monotonic()
            if left <= 0:
                break
            r, _, _ = select.select([self.fd], [], [], left)
            if r:
                try:
                    chunk = os.read(self.fd, 65536)
                except OSError:
                    break
                if not chunk:
                    break
                got += chunk
        self.out += got
        return got

    def wait_for(self, pattern, timeout=10.0):
        """Read until `pattern` (bytes regex) appears in new output; seconds taken."""
        start = time.monotonic()
        seen = bytearray()
        while time.monotonic() - start < timeout:
            r, _, _ = select.select([self.fd], [], [], 0.005)
            if r:
                chunk = os.read(self.fd, 65536)
                seen += chunk
                self.out += chunk
                if re.search(pattern, seen):
                    return time.monotonic() - start
        raise TimeoutError(pattern)

    def send(self, s):
        os.write(self.fd, s.encode())

    def cpu_seconds(self):
        with open(f"/proc/{self.pid}/stat") as f:
            fields = f.read().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / CLK

    def rss_mb(self):
        with open(f"/proc/{self.pid}/status") as f:
            for line in f:
                if line.startswith("VmRSS"):
                    return int(line.split()[1]) / 1024
        return float("nan")

    def close(self):
        try:
            os.kill(self.pid, signal.SIGTERM)
            os.waitpid(self.pid, 0)
        except OSError:
            pass
        os.close(self.fd)


# ---------------------------------------------------------------------------
# Second part: the rendered screen, read through tmux.

SESSION_PREFIX = "downhill-measure"
TMUX_ENV = {k: v for k, v in os.environ.items() if k != "TMUX"}
TMUX_ENV.setdefault("LC_ALL", "C.UTF-8")

# The six-run scenario the benches use too; "epochs = 1000" is replaced.
SIX_RUNS = (
    open(os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "benches", "six-runs.toml"))
    .read()
    .replace("epochs = 1000", "epochs = EPOCHS")
)
RUNS = 6
# Max-pace windows, each against the headless runs either side of it.
PAIRS = 7
# Epochs of the big file: at least the target's 10^7, and enough that the
# dashboard is still running after the rate windows and the latency test.
BIG = int(os.environ.get("BIG", "50000000"))

# The header's right-hand status: `1/1 · epoch  1,968,057/50,000,000 · running · max`
# (counts grouped by thousands, padded).
HEADER = re.compile(
    r"epoch\s+([\d,]+)/([\d,]+)\W+(running|paused|done|error)\W+(max|[\d.]+[kM]? ep/s)"
)


def tmux(*args):
    """Run a tmux command on the private `measure` server; its stdout."""
    r = subprocess.run(
        ["tmux", "-L", "measure", "-f", "/dev/null", *map(str, args)],
        capture_output=True,
        text=True,
        errors="replace",
        env=TMUX_ENV,
    )
    if r.returncode != 0:
        raise RuntimeError(f"tmux {' '.join(map(str, args))}: {r.stderr.strip()}")
    return r.stdout


def proc_status(pid):
    """VmHWM and VmRSS of `pid` in MB (from /proc/<pid>/status)."""
    got = {}
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            key = line.split(":")[0]
            if key in ("VmHWM", "VmRSS"):
                got[key] = int(line.split()[1]) / 1024
    return got


def cpu_seconds(pid):
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / CLK


class Screen:
    """The dashboard in a detached tmux session; tmux renders its output."""

    def __init__(self, args, name):
        self.name = f"{SESSION_PREFIX}-{os.getpid()}-{name}"
        cmd = "exec " + " ".join(shlex.quote(a) for a in [BIN] + args)
        tmux("new-session", "-d", "-x", COLS, "-y", ROWS, "-s", self.name, cmd)
        self.t0 = time.monotonic()
        size = tmux("display-message", "-p", "-t", self.name, "#{pane_width}x#{pane_height}")
        if size.strip() != f"{COLS}x{ROWS}":
            raise RuntimeError(f"tmux pane is {size.strip()}, not {COLS}x{ROWS}")
        self.pane_pid = int(tmux("list-panes", "-t", self.name, "-F", "#{pane_pid}").split()[0])
        self.pid = self._downhill_pid(self.pane_pid)

    @staticmethod
    def _downhill_pid(pane_pid):
        """The pane's process (the shell execs downhill), or its child if not."""
        exe = os.path.realpath(BIN)
        for _ in range(200):
            try:
                if os.path.realpath(f"/proc/{pane_pid}/exe") == exe:
                    return pane_pid
            except OSError:
                pass
            for d in os.listdir("/proc"):
                if not d.isdigit():
                    continue
                try:
                    with open(f"/proc/{d}/stat") as f:
                        ppid = int(f.read().rsplit(")", 1)[1].split()[1])
                    if ppid == pane_pid and os.path.realpath(f"/proc/{d}/exe") == exe:
                        return int(d)
                except OSError:
                    pass
            time.sleep(0.01)
        raise RuntimeError("cannot find the downhill process in the tmux pane")

    def text(self):
        return tmux("capture-pane", "-p", "-t", self.name)

    def status(self):
        """(epoch, epochs, state, pace, capture time) from the header, or None."""
        t = time.monotonic()
        text = self.text()
        t = (t + time.monotonic()) / 2  # the capture happened about midway
        m = HEADER.search(text)
        if not m:
            return None
        return int(m[1].replace(",", "")), int(m[2].replace(",", "")), m[3], m[4], t

    def wait(self, pred, timeout, poll=0.002):
        """Poll the header until pred(status) holds; that status."""
        end = time.monotonic() + timeout
        while time.monotonic() < end:
            s = self.status()
            if s and pred(s):
                return s
            time.sleep(poll)
        raise TimeoutError(f"screen never matched; last screen:\n{self.text()}")

    def send(self, *keys):
        tmux("send-keys", "-t", self.name, *keys)

    def to_max_pace(self):
        """`+` until the header says max (the ladder has 20 rungs)."""
        for _ in range(40):
            s = self.wait(lambda s: True, 10)
            if s[3] == "max":
                return
            self.send("+")
            self.wait(lambda s, was=s[3]: s[3] != was, 5)
        raise RuntimeError("pace never reached max")

    def close(self):
        try:
            tmux("kill-session", "-t", self.name)
        except RuntimeError:
            pass


def headless(path, epochs):
    """`downhill run FILE --format json > /dev/null`: wall seconds, steps/s."""
    t = time.monotonic()
    subprocess.run([BIN, "run", path, "--format", "json"], stdout=subprocess.DEVNULL, check=True)
    wall = time.monotonic() - t
    return wall, epochs * RUNS / wall


def second_part(d, results):
    def write(epochs):
        path = os.path.join(d, f"six-{epochs}.toml")
        with open(path, "w") as f:
            f.write(SIX_RUNS.replace("EPOCHS", str(epochs)))
        r = subprocess.run([BIN, "check", path], capture_output=True, text=True)
        if r.returncode != 0:
            sys.exit(f"downhill check {path} failed:\n{r.stdout}{r.stderr}")
        return path

    def say(line):
        print(line, flush=True)

    big = write(BIG)
    say(f"load average at start of part 2: {' '.join(f'{x:.2f}' for x in os.getloadavg())} ({os.cpu_count()} cores)")

    # 1. Headless step rate. Calibrate on 10^5 epochs, then time a run of a
    # few seconds (whole scenario, all 6 runs to the end).
    _, rough = headless(write(100_000), 100_000)
    epochs = int(min(BIG, max(100_000, rough * 5.0 / RUNS)))
    epochs = int(float(f"{epochs:.1g}"))  # a round number
    path = write(epochs)
    rates = [headless(path, epochs) for _ in range(3)]
    wall, rate = sorted(rates, key=lambda r: r[1])[1]
    results["headless_epochs_timed"] = epochs
    results["headless_seconds_median_of_3"] = wall
    results["headless_steps_per_s_median_of_3"] = rate
    say(f"headless rate: {rate:,.0f} steps/s ({RUNS} runs x {epochs:,} epochs in {wall:.2f} s, median of 3)")

    # 2. The dashboard at pace max, on the big file.
    scr = Screen([big], "max")
    try:
        scr.wait(lambda s: True, 10)
        scr.to_max_pace()
        results["dashboard_pid_is_pane_process"] = scr.pid == scr.pane_pid
        time.sleep(1.0)  # settle at max
        # Paired: the machine's speed drifts by tens of percent over
        # seconds, so each window at max pace is set against the mean of
        # the headless runs made just before and just after it (with the
        # dashboard paused meanwhile: 0 % CPU), which cancels a steady drift.
        def headless_paused():
            scr.send("Space")
            scr.wait(lambda s: s[2] == "paused", 5)
            _, rate = headless(path, epochs)
            scr.send("Space")
            scr.wait(lambda s: s[2] == "running", 5)
            return rate

        windows, cpu, pairs = [], [], []
        before = headless_paused()
        for _ in range(PAIRS):
            time.sleep(0.5)
            c0, a = cpu_seconds(scr.pid), scr.status()
            time.sleep(3.0)
            c1, b = cpu_seconds(scr.pid), scr.status()
            if a[2] != "running" or b[2] != "running":
                break
            after = headless_paused()
            w = (b[0] - a[0]) / (b[4] - a[4])
            windows.append(w)
            cpu.append((c1 - c0) / (b[4] - a[4]) * 100)
            pairs.append(w * RUNS / ((before + after) / 2))
            before = after
        per_run = statistics.median(windows)
        dash = per_run * RUNS
        ratio = statistics.median(pairs)
        results["max_pace_epochs_per_s_per_run"] = per_run
        results["max_pace_steps_per_s"] = dash
        results["max_pace_windows_epochs_per_s"] = windows
        results["max_pace_cpu_percent_of_one_core"] = statistics.median(cpu)
        results["max_pace_over_headless_percent"] = ratio * 100
        results["max_pace_over_headless_pairs_percent"] = [r * 100 for r in pairs]
        say(
            f"max pace: {per_run:,.0f} epochs/s per run x {RUNS} = {dash:,.0f} steps/s"
            f" (median of {len(windows)} windows of 3 s; dashboard CPU {statistics.median(cpu):.0f} % of one core)"
        )
        say(
            f"max pace / headless: {ratio * 100:.1f} % median of {len(pairs)} pairs"
            f" ({', '.join(f'{r * 100:.0f}' for r in pairs)}; target >= 90 %, issue 19)"
            f" -> {'met' if ratio >= 0.9 else 'MISSED'}"
        )

        # Key latency at max pace: space until the header says paused. A
        # fast build may have finished the race during the windows: restart
        # it (`r` keeps the pace).
        if scr.wait(lambda s: True, 5)[2] == "done":
            scr.send("r")
            scr.wait(lambda s: s[2] == "running", 5)
        rt = []
        for _ in range(20):
            t = time.monotonic()
            scr.status()
            rt.append(time.monotonic() - t)
        lat, resume = [], []
        for _ in range(7):
            t = time.monotonic()
            scr.send("Space")
            scr.wait(lambda s: s[2] == "paused", 5)
            lat.append((time.monotonic() - t) * 1000)
            time.sleep(0.3)
            t = time.monotonic()
            scr.send("Space")
            scr.wait(lambda s: s[2] != "paused", 5)
            resume.append((time.monotonic() - t) * 1000)
            time.sleep(0.5)
        results["key_latency_at_max_pace_ms_median_of_7"] = statistics.median(lat)
        results["key_latency_at_max_pace_ms_all"] = lat
        results["resume_latency_at_max_pace_ms_median_of_7"] = statistics.median(resume)
        results["capture_pane_round_trip_ms_median"] = statistics.median(rt) * 1000
        say(
            f"key latency at max pace: {statistics.median(lat):.1f} ms median of 7"
            f" (min {min(lat):.1f}, max {max(lat):.1f}; resume {statistics.median(resume):.1f} ms;"
            f" includes tmux send-keys and a capture-pane round trip of ~{statistics.median(rt) * 1000:.1f} ms)"
        )

        # 3. Memory: let the same dashboard run every run to the last epoch.
        scr.wait(lambda s: s[2] == "running" and s[3] == "max", 5)
        t_run = time.monotonic()
        peak_rss = 0.0
        last = None
        deadline = t_run + 1800
        while time.monotonic() < deadline:
            m = proc_status(scr.pid)
            peak_rss = max(peak_rss, m["VmRSS"])
            last = scr.status() or last
            if last and last[2] == "done":
                break
            time.sleep(0.5)
        took = time.monotonic() - t_run
        since_start = time.monotonic() - scr.t0
        time.sleep(1.0)
        m = proc_status(scr.pid)
        peak_rss = max(peak_rss, m["VmRSS"])
        final = scr.text()
        header = final.splitlines()[0].strip() if final else ""
        stopped_early = [l.strip() for l in final.splitlines() if re.search(r"diverged|converged", l)]
        results["dashboard_epochs_reached"] = last[0] if last else None
        results["dashboard_state_at_end"] = last[2] if last else None
        results["dashboard_seconds_to_done_since_start"] = since_start
        results["dashboard_seconds_to_done_after_latency_test"] = took
        results["dashboard_vmhwm_mb"] = m["VmHWM"]
        results["dashboard_vmrss_mb_at_end"] = m["VmRSS"]
        results["dashboard_vmrss_mb_peak_sampled"] = peak_rss
        say(
            f"dashboard memory, {RUNS} runs x {BIG:,} epochs: VmHWM {m['VmHWM']:.1f} MB,"
            f" VmRSS at the end {m['VmRSS']:.1f} MB (target < 64 MB)"
            f" -> {'met' if m['VmHWM'] < 64 else 'MISSED'}"
        )
        say(
            f"  reached: {header!r} after {results['dashboard_seconds_to_done_since_start']:.0f} s"
            f" from start-up ({took:.0f} s after the latency test)"
            + (f"; stopped early: {stopped_early}" if stopped_early else "")
        )
        if not last or last[2] != "done" or last[0] < BIG:
            say("  WARNING: the dashboard did not reach the last epoch")
    finally:
        scr.close()

    # 4. Headless JSON over BIG epochs x 6 runs: peak RSS via GNU time.
    tf = os.path.join(d, "time.txt")
    out = os.path.join(d, "run.json")
    with open(out, "w") as f:
        subprocess.run(
            ["/usr/bin/time", "-o", tf, "-f", "%M %e", BIN, "run", big, "--format", "json"],
            stdout=f,
            check=True,
        )
    kb, secs = open(tf).read().split()[-2:]
    mb, secs = int(kb) / 1024, float(secs)
    runs = json.load(open(out))["runs"]
    statuses = sorted({f"{r.get('status')} @ {r.get('epochs')}" for r in runs})
    results["headless_json_max_rss_mb_big_epochs"] = mb
    results["headless_json_seconds_big_epochs"] = secs
    results["headless_json_steps_per_s_big_epochs"] = BIG * RUNS / secs
    results["headless_json_run_statuses"] = statuses
    say(
        f"headless memory, run --format json, {RUNS} runs x {BIG:,} epochs: max RSS {mb:.1f} MB"
        f" (target < 16 MB) -> {'met' if mb < 16 else 'MISSED'}"
        f"; took {secs:.1f} s = {BIG * RUNS / secs:,.0f} steps/s; runs: {statuses}"
    )
    again = results["max_pace_steps_per_s"] / (BIG * RUNS / secs)
    results["max_pace_over_headless_big_run_percent"] = again * 100
    say(f"max pace / that BIG-epoch headless run: {again * 100:.1f} % (cross-check of the ratio above)")
    results["load_average_at_end"] = os.getloadavg()


def main():
    results = {}

    # Start-up: exec to the end of the first frame (its synchronized update closes).
    times = []
    for _ in range(5):
        p = Pty([])
        times.append(p.wait_for(rb"\x1b\[\?2026l") * 1000)
        p.close()
    results["startup_ms_median_of_5"] = sorted(times)[2]

    # Bytes per second, running at default settings (scenario 1, 1D).
    p = Pty([])
    p.wait_for(rb"\x1b\[\?2026l")
    p.read_for(0.5)
    results["running_bytes_per_s"] = len(p.read_for(5.0)) / 5.0
    # Key latency: space until "paused" is on screen.
    t = time.monotonic()
    p.send(" ")
    p.wait_for(rb"paused")
    results["key_latency_ms"] = (time.monotonic() - t) * 1000
    p.read_for(0.5)
    c0 = p.cpu_seconds()
    idle = p.read_for(5.0)
    results["paused_bytes_per_s"] = len(idle) / 5.0
    results["paused_cpu_percent"] = (p.cpu_seconds() - c0) / 5.0 * 100
    p.close()

    p = Pty(["--fps", "10"])
    p.wait_for(rb"\x1b\[\?2026l")
    p.read_for(0.5)
    results["running_fps10_bytes_per_s"] = len(p.read_for(5.0)) / 5.0
    p.close()

    if os.environ.get("QUICK"):
        print(json.dumps(results, indent=2))
        return

    print(json.dumps(results, indent=2), flush=True)
    if not shutil.which("tmux"):
        sys.exit("the second part needs tmux (QUICK=1 skips it)")
    with tempfile.TemporaryDirectory() as d:
        try:
            second_part(d, results)
        finally:
            # Stop the private tmux server if nothing else of ours is on it.
            try:
                if not tmux("list-sessions", "-F", "#{session_name}").strip():
                    tmux("kill-server")
            except RuntimeError:
                pass  # no server left

    print(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()
