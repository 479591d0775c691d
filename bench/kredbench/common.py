"""Timing, tables and machine facts shared by the benchmark sections."""

import datetime
import os
import platform
import statistics
import subprocess
import sys
import threading
import time

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


# --------------------------------------------------------------------------
# Timing


class Stats:
    """Times of the measured runs of one (workload, library) cell, in seconds;
    other_cores: how many cores other processes kept busy meanwhile."""

    def __init__(self, times, other_cores=None):
        self.times = list(times)
        self.other_cores = other_cores

    @property
    def median(self):
        return statistics.median(self.times)

    @property
    def best(self):
        return min(self.times)

    @property
    def runs(self):
        return len(self.times)

    def as_dict(self):
        return {"median_s": self.median, "best_s": self.best, "runs": self.runs, "times_s": self.times,
                "other_cores": self.other_cores}


class Skipped:
    """A cell that was not measured, with the reason (printed as a note)."""

    def __init__(self, reason):
        self.reason = reason

    def as_dict(self):
        return {"skipped": self.reason}


class Timer:
    """Run counts: at least min_runs, at most max_runs, stop after budget_s."""

    def __init__(self, min_runs=3, max_runs=11, budget_s=10.0):
        self.min_runs = min_runs
        self.max_runs = max_runs
        self.budget_s = budget_s

    def measure(self, fn, sync=None):
        """Median-ready times of fn() (already warmed up by the caller)."""
        times = []
        snap = cpu_snapshot()
        start = time.perf_counter()
        while True:
            t0 = time.perf_counter()
            fn()
            if sync is not None:
                sync()
            times.append(time.perf_counter() - t0)
            if len(times) >= self.max_runs:
                break
            if len(times) >= self.min_runs and time.perf_counter() - start >= self.budget_s:
                break
        return Stats(times, other_cores(snap, cpu_snapshot()))


def median_call_time(fn, calls=200, budget_s=2.0):
    """Median time of a cheap call (overheads): many calls, after 5 warm-ups."""
    for _ in range(5):
        fn()
    times = []
    start = time.perf_counter()
    while len(times) < calls and (len(times) < 20 or time.perf_counter() - start < budget_s):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return Stats(times)


# --------------------------------------------------------------------------
# Formatting


def fmt_ms(cell):
    if cell is None:
        return "n/a"
    if isinstance(cell, Skipped):
        return "skip"
    ms = cell.median * 1e3
    if ms >= 100:
        return f"{ms:.0f}"
    if ms >= 10:
        return f"{ms:.1f}"
    if ms >= 1:
        return f"{ms:.2f}"
    return f"{ms:.3f}"


def ratio(num, den):
    """num/den of two medians (a speedup when num is the slower one), or None."""
    if not isinstance(num, Stats) or not isinstance(den, Stats):
        return None
    return num.median / den.median


def fmt_ratio(r):
    if r is None:
        return "-"
    if r >= 100:
        return f"{r:.0f}x"
    if r >= 10:
        return f"{r:.1f}x"
    return f"{r:.2f}x"


def table(headers, rows, align=None):
    """A markdown pipe table, padded so that it also reads well in a terminal."""
    rows = [[str(c) for c in row] for row in rows]
    widths = [max([len(h)] + [len(r[i]) for r in rows]) for i, h in enumerate(headers)]
    align = align or ["l"] + ["r"] * (len(headers) - 1)

    def line(cells):
        out = []
        for c, w, a in zip(cells, widths, align):
            out.append(c.ljust(w) if a == "l" else c.rjust(w))
        return "| " + " | ".join(out) + " |"

    sep = "|" + "|".join(("-" * (w + 1) + ":") if a == "r" else ("-" * (w + 2)) for w, a in zip(widths, align)) + "|"
    return "\n".join([line(headers), sep] + [line(r) for r in rows])


def say(*args, **kwargs):
    print(*args, **kwargs)
    sys.stdout.flush()


# --------------------------------------------------------------------------
# Machine


def lscpu_model():
    try:
        out = subprocess.run(["lscpu"], capture_output=True, text=True, check=True).stdout
        for line in out.splitlines():
            if line.startswith("Model name:"):
                return line.split(":", 1)[1].strip()
    except (OSError, subprocess.CalledProcessError):
        pass
    return platform.processor() or "unknown"


def cpu_flags():
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("flags"):
                    return set(line.split(":", 1)[1].split())
    except OSError:
        pass
    return set()


def git_commit():
    def git(*args):
        return subprocess.run(["git", "-C", REPO] + list(args), capture_output=True, text=True).stdout

    head = git("rev-parse", "--short=12", "HEAD").strip() or "unknown"
    dirty = [line[3:] for line in git("status", "--porcelain", "--untracked-files=no").splitlines() if line.strip()]
    return head, dirty


def machine_facts():
    head, dirty = git_commit()
    return {
        "cpu": lscpu_model(),
        "logical_cpus": os.cpu_count(),
        "commit": head,
        "modified_files": dirty,
        "date": datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
        "loadavg_at_start": os.getloadavg(),
        "python": platform.python_version(),
    }


_HZ = os.sysconf("SC_CLK_TCK")


def cpu_snapshot():
    """(wall s, busy CPU s of the whole machine, steal s, CPU s of this process
    and its waited-for children), from /proc/stat and os.times()."""
    try:
        with open("/proc/stat") as f:
            fields = [int(v) for v in f.readline().split()[1:]]
    except OSError:
        return None
    user, nice, system, idle, iowait, irq, softirq, steal = (fields + [0] * 8)[:8]
    t = os.times()
    return (time.perf_counter(), (user + nice + system + irq + softirq) / _HZ, steal / _HZ,
            t.user + t.system + t.children_user + t.children_system)


def other_cores(s0, s1):
    """Average number of cores that other processes kept busy between two snapshots."""
    if not s0 or not s1 or s1[0] <= s0[0]:
        return None
    # /proc/stat ticks at 1/HZ: a short interval rounds to 0.
    if s1[0] - s0[0] < 0.05:
        return None
    return max(0.0, (s1[1] - s0[1]) - (s1[3] - s0[3])) / (s1[0] - s0[0])


class CpuMonitor:
    """Samples /proc/stat while the benchmark runs: how many cores *other*
    processes used (total busy time minus this process's own CPU time) and
    the hypervisor's steal time, both as average cores busy."""

    def __init__(self, interval=1.0):
        self.interval = interval
        self.hz = os.sysconf("SC_CLK_TCK")
        self.samples = []  # (wall, busy_s, steal_s, own_s)
        self._stop = threading.Event()
        self._thread = None
        self.load_samples = []

    def _read(self):
        return cpu_snapshot()

    def _loop(self):
        while not self._stop.wait(self.interval):
            self.samples.append(self._read())
            self.load_samples.append(os.getloadavg()[0])

    def start(self):
        self.samples = [self._read()]
        self._thread = threading.Thread(target=self._loop, daemon=True)
        self._thread.start()
        return self

    def stop(self):
        self._stop.set()
        if self._thread:
            self._thread.join()
        self.samples.append(self._read())
        self.load_samples.append(os.getloadavg()[0])

    def mark(self):
        """An index to summarize from (see summary)."""
        return len(self.samples)

    def summary(self, since=0):
        s = self.samples[max(0, since - 1):] if since else self.samples
        if len(s) < 2:
            return None
        w0, b0, st0, o0 = s[0]
        w1, b1, st1, o1 = s[-1]
        wall = max(w1 - w0, 1e-9)
        loads = self.load_samples[max(0, since - 1):] if since else self.load_samples
        return {
            "wall_s": wall,
            "other_cores": max(0.0, (b1 - b0) - (o1 - o0)) / wall,
            "steal_cores": (st1 - st0) / wall,
            "own_cores": (o1 - o0) / wall,
            "load1_max": max(loads) if loads else None,
            "load1_mean": statistics.mean(loads) if loads else None,
        }


def fmt_monitor(m):
    if not m:
        return "n/a"
    return (
        f"other processes used {m['other_cores']:.2f} cores on average, steal {m['steal_cores']:.2f} cores, "
        f"this benchmark {m['own_cores']:.2f} cores; 1-min load average (includes this benchmark) "
        f"mean {m['load1_mean']:.2f}, max {m['load1_max']:.2f}"
    )
