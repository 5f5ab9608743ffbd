#!/usr/bin/env python3
"""Measure what a user of downhill over SSH feels, through a real pseudo-terminal.

    cargo build --release
    python3 scripts/measure.py [path/to/downhill]

Prints, for a 100x30 terminal (TERM=xterm-256color):
  * start-up: exec to the first complete frame (the footer drawn), ms
  * bytes per second: running at default settings, running with --fps 10,
    paused and idle (after the first frame)
  * idle CPU: % of one core used while paused
  * key latency: a key press (space) until the screen says "paused", ms
  * max pace: epochs per second the dashboard sustains at pace `max`, and
    the key latency while it runs
  * memory: resident set size with 6 runs x 10^7 epochs of history, and of
    `downhill run --format json` over 10^7 epochs

Only the standard library is used. Numbers vary with the machine's load.
QUICK=1 stops after the terminal figures (start-up, bytes, CPU, latency).
"""

import json
import os
import pty
import re
import select
import signal
import struct
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


def epoch_of(screen_bytes):
    m = re.findall(rb"epoch (\d+)/", screen_bytes)
    return int(m[-1]) if m else None


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

    # Max pace on peaks (scenario 3): epochs per second, and key latency.
    with tempfile.TemporaryDirectory() as d:
        peaks = open("scenarios/03-peaks.toml").read().replace("epochs = 1000", "epochs = 10000000")
        path = os.path.join(d, "peaks.toml")
        open(path, "w").write(peaks)
        p = Pty([path])
        p.wait_for(rb"\x1b\[\?2026l")
        for _ in range(30):  # up to max
            p.send("+")
        p.read_for(1.0)
        e0 = epoch_of(p.out)
        t0 = time.monotonic()
        p.read_for(3.0)
        e1 = epoch_of(p.out)
        results["max_pace_epochs_per_s_4_runs"] = (e1 - e0) / (time.monotonic() - t0)
        t = time.monotonic()
        p.send(" ")
        p.wait_for(rb"paused")
        results["key_latency_at_max_pace_ms"] = (time.monotonic() - t) * 1000
        p.close()

        # Memory: 6 runs x 10^7 epochs of history.
        six = open("scenarios/03-peaks.toml").read().replace("epochs = 1000", "epochs = 10000000")
        six += '\n[[run]]\nname = "fixed 0.001"\nlr = 0.001\n\n[[run]]\nname = "cosine"\nschedule = "cosine"\nlr = 0.05\n'
        path6 = os.path.join(d, "six.toml")
        open(path6, "w").write(six)
        p = Pty([path6])
        p.wait_for(rb"\x1b\[\?2026l")
        for _ in range(30):
            p.send("+")
        deadline = time.monotonic() + 600
        while time.monotonic() < deadline:
            p.read_for(1.0)
            e = epoch_of(p.out[-20000:])
            if e is not None and e >= 10_000_000:
                break
        results["dashboard_rss_mb_6_runs_1e7_epochs"] = p.rss_mb()
        results["dashboard_epochs_reached"] = epoch_of(p.out[-20000:])
        p.close()

        # Headless JSON over 10^7 epochs: peak RSS via /usr/bin/time if present.
        t = time.monotonic()
        proc = subprocess.Popen([BIN, "run", path, "--format", "json"], stdout=subprocess.PIPE)
        peak = 0.0
        while proc.poll() is None:
            try:
                with open(f"/proc/{proc.pid}/status") as f:
                    for line in f:
                        if line.startswith("VmRSS"):
                            peak = max(peak, int(line.split()[1]) / 1024)
            except OSError:
                pass
            time.sleep(0.05)
        proc.stdout.read()
        results["headless_json_rss_mb_1e7_epochs"] = peak
        results["headless_json_seconds_4_runs_1e7_epochs"] = time.monotonic() - t

    print(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()
