"""Shared helpers of the benchmarks: machine facts, percentiles, process sampling, RESULTS.md sections."""

from __future__ import annotations

import contextlib
import os
import platform
import re
import socket
import subprocess
import threading
import time
from datetime import UTC, datetime
from pathlib import Path

import psutil

HERE = Path(__file__).resolve().parent
RESULTS = HERE / "RESULTS.md"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def percentile(values: list[float], pct: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(pct / 100 * (len(ordered) - 1))))
    return ordered[index]


def machine() -> str:
    """One line about where and when this ran (the numbers mean nothing without it)."""
    commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True,  # noqa: S607
                            cwd=HERE, check=False).stdout.strip() or "unknown"
    dirty = subprocess.run(["git", "status", "--porcelain", "--untracked-files=no"], capture_output=True,  # noqa: S607
                           text=True, cwd=HERE, check=False).stdout.strip()
    load = ", ".join(f"{x:.2f}" for x in os.getloadavg())
    return (f"{datetime.now(UTC):%Y-%m-%d %H:%M} UTC · commit {commit}{' (+ local changes)' if dirty else ''} · "
            f"{psutil.cpu_count()} cores ({platform.processor() or platform.machine()}), "
            f"{psutil.virtual_memory().total / 2**30:.1f} GiB · Python {platform.python_version()} · "
            f"load average at start {load}")


class Sampler:
    """Sample CPU and RSS of a process tree (a server and its workers) until stopped."""

    def __init__(self, pid: int, every: float = 0.25):
        self.root = psutil.Process(pid)
        self.every = every
        self.peak_rss = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._cpu_start = self.cpu()
        self._wall_start = time.monotonic()

    def procs(self) -> list[psutil.Process]:
        try:
            return [self.root, *self.root.children(recursive=True)]
        except psutil.NoSuchProcess:
            return []

    def cpu(self) -> float:
        total = 0.0
        for proc in self.procs():
            try:
                times = proc.cpu_times()
                total += times.user + times.system
            except psutil.NoSuchProcess:
                pass
        return total

    def rss(self) -> int:
        total = 0
        for proc in self.procs():
            with contextlib.suppress(psutil.NoSuchProcess):
                total += proc.memory_info().rss
        return total

    def _run(self) -> None:
        while not self._stop.is_set():
            self.peak_rss = max(self.peak_rss, self.rss())
            self._stop.wait(self.every)

    def start(self) -> Sampler:
        self.reset()
        self._thread.start()
        return self

    def reset(self) -> None:
        self._cpu_start, self._wall_start, self.peak_rss = self.cpu(), time.monotonic(), self.rss()

    def cpu_percent(self) -> float:
        """CPU used since start/reset, in % of one core."""
        wall = max(time.monotonic() - self._wall_start, 1e-6)
        return 100 * (self.cpu() - self._cpu_start) / wall

    def stop(self) -> None:
        self._stop.set()


def table(headers: list[str], rows: list[list]) -> str:
    """A Markdown table (also what the benchmarks print while they run)."""
    out = ["| " + " | ".join(headers) + " |", "|" + "|".join("---" for _ in headers) + "|"]
    out += ["| " + " | ".join(str(cell) for cell in row) + " |" for row in rows]
    return "\n".join(out)


def write_section(name: str, body: str) -> None:
    """Replace (or add) the section `## name` of RESULTS.md, keeping the other benchmark's section."""
    text = RESULTS.read_text() if RESULTS.exists() else "# Benchmark results\n\nWritten by `bench/live_room.py` and `bench/pages.py`; see the README's Benchmarks section.\n"
    marker = f"<!-- {name} -->"
    block = f"{marker}\n{body.rstrip()}\n{marker}\n"
    pattern = re.compile(re.escape(marker) + r".*?" + re.escape(marker) + r"\n", re.S)
    text = pattern.sub(lambda _m: block, text) if pattern.search(text) else text.rstrip() + "\n\n" + block
    RESULTS.write_text(text)
