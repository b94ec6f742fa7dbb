"""Throughput through the production web server: ``guanxi serve`` (gunicorn, 2 processes × 4 threads, the
application preloaded) on the benchmark database, 20 clients calling one URL for about ten seconds, then the
memory each web process holds. With a baseline commit, the same server is built from that commit in a
temporary ``git worktree`` (sharing this virtualenv) and measured in the same run, so the two figures come
from the same machine in the same minute."""

from __future__ import annotations

import http.client
import os
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO

from .harness import Out, percentile

ROOT = Path(__file__).resolve().parents[2]
WORKERS, THREADS = 2, 4  # as docs/scaling.md runs a web node
NAME = "throughput: API customer detail through gunicorn"


@dataclass
class Load:
    requests: int = 0
    seconds: float = 0.0
    errors: dict[str, int] = field(default_factory=dict)
    latencies_ms: list[float] = field(default_factory=list)

    @property
    def per_second(self) -> float:
        return self.requests / self.seconds if self.seconds else 0.0

    def describe(self) -> str:
        p50, p95 = percentile(self.latencies_ms, 50), percentile(self.latencies_ms, 95)
        text = f"{self.per_second:6.1f} requests/s ({self.requests} in {self.seconds:.1f} s"
        if p50 is not None and p95 is not None:
            text += f", latency p50 {p50:.1f} ms, p95 {p95:.1f} ms"
        if self.errors:
            text += ", errors: " + ", ".join(f"{count}× {what}" for what, count in sorted(self.errors.items()))
        return text + ")"


@dataclass(frozen=True)
class Memory:
    """One web process: its resident set (VmRSS), its proportional share of pages it shares with the other
    processes (Pss) and the pages it alone holds (Private_Clean + Private_Dirty), in MB."""

    pid: int
    rss_mb: float
    pss_mb: float | None
    private_mb: float | None

    def describe(self) -> str:
        text = f"worker {self.pid}: RSS {self.rss_mb:.0f} MB"
        if self.pss_mb is not None and self.private_mb is not None:
            text += f" (PSS {self.pss_mb:.0f} MB, private {self.private_mb:.0f} MB)"
        return text


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@contextmanager
def server(tree: Path, *, timeout: float = 600) -> Iterator[tuple[int, int]]:
    """``guanxi serve`` of the source in ``tree`` on a free port, on this process's database and Redis: its
    port and its master's process id. Stopped (SIGTERM to that master, gunicorn's graceful stop) on the way out."""
    port = free_port()
    env = {
        **os.environ,
        "PYTHONPATH": str(tree / "src"),  # ahead of the virtualenv's editable install of this tree
        "GUANXI_VAR_DIR": str(ROOT / "var"),  # the same secret key and collected static files
        "DEBUG": "0",
    }
    command = [sys.executable, "-m", "guanxi.cli", "serve", "--bind", f"127.0.0.1:{port}"]
    command += ["--workers", str(WORKERS), "--threads", str(THREADS)]
    with tempfile.TemporaryFile() as log:
        master = subprocess.Popen(command, cwd=tree, env=env, stdout=subprocess.DEVNULL, stderr=log)
        try:
            yield port, _started(master, port, log, tree, timeout)
        finally:
            if master.poll() is None:
                master.terminate()
                try:
                    master.wait(timeout=30)
                except subprocess.TimeoutExpired:
                    master.kill()
                    master.wait()


def _started(master: subprocess.Popen[bytes], port: int, log: IO[bytes], tree: Path, timeout: float) -> int:
    """The master's process id once the server answers /healthz."""
    deadline = time.monotonic() + timeout
    while not _answers(port, "/healthz"):
        if master.poll() is not None or time.monotonic() > deadline:
            log.seek(0)
            tail = log.read().decode(errors="replace")[-2000:]
            raise RuntimeError(f"the web server in {tree} did not start:\n{tail}")
        time.sleep(0.5)
    return master.pid


def _answers(port: int, path: str) -> bool:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
    try:
        connection.request("GET", path)
        return connection.getresponse().status < 500
    except OSError:
        return False
    finally:
        connection.close()


def load(port: int, path: str, token: str, *, clients: int, seconds: float, warmup: float = 2.0) -> Load:
    """``clients`` threads, each on its own kept-alive connection, calling ``path`` as fast as answers come;
    the first ``warmup`` seconds are not counted."""
    result = Load()
    lock = threading.Lock()
    start = time.monotonic() + warmup
    stop = start + seconds
    headers = {"Authorization": f"Token {token}", "Accept": "application/json"}

    def client() -> None:
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        while (now := time.monotonic()) < stop:
            try:
                connection.request("GET", path, headers=headers)
                response = connection.getresponse()
                response.read()
                problem = None if response.status == 200 else f"HTTP {response.status}"
            except (OSError, http.client.HTTPException) as error:
                problem = type(error).__name__
                connection.close()
                connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
            done = time.monotonic()
            if now < start or done > stop:
                continue
            with lock:
                if problem:
                    result.errors[problem] = result.errors.get(problem, 0) + 1
                else:
                    result.requests += 1
                    result.latencies_ms.append((done - now) * 1000)
        connection.close()

    threads = [threading.Thread(target=client, daemon=True) for _ in range(clients)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    result.seconds = seconds
    return result


def workers(master: int) -> list[int]:
    """The processes gunicorn's master forked (its children, from /proc)."""
    children: list[int] = []
    for task in Path(f"/proc/{master}/task").iterdir():
        children += [int(pid) for pid in (task / "children").read_text().split()]
    return sorted(children)


def memory(pid: int) -> Memory:
    status = _kilobytes(Path(f"/proc/{pid}/status"))
    try:
        rollup = _kilobytes(Path(f"/proc/{pid}/smaps_rollup"))
    except OSError:  # an older kernel
        rollup = {}
    private = (
        (rollup["Private_Clean"] + rollup["Private_Dirty"]) / 1024
        if "Private_Clean" in rollup and "Private_Dirty" in rollup
        else None
    )
    pss = rollup["Pss"] / 1024 if "Pss" in rollup else None
    return Memory(pid, status["VmRSS"] / 1024, pss, private)


def _kilobytes(path: Path) -> dict[str, float]:
    values = {}
    for line in path.read_text().splitlines():
        key, _, rest = line.partition(":")
        parts = rest.split()
        if len(parts) == 2 and parts[1] == "kB":
            values[key] = float(parts[0])
    return values


@contextmanager
def worktree(commit: str) -> Iterator[Path]:
    """The source of ``commit`` in a temporary git worktree, removed on the way out."""
    folder = Path(tempfile.mkdtemp(prefix="guanxi-baseline-"))
    git = ["git", "worktree"]
    subprocess.run([*git, "add", "--detach", str(folder), commit], cwd=ROOT, check=True, capture_output=True)
    try:
        yield folder
    finally:
        subprocess.run([*git, "remove", "--force", str(folder)], cwd=ROOT, check=False, capture_output=True)


def label(tree: Path) -> str:
    described = subprocess.run(
        ["git", "log", "-1", "--format=%h %cs"], cwd=tree, capture_output=True, text=True, check=False
    )
    return described.stdout.strip() or str(tree)


def measure(
    path: str, token: str, *, baseline: str | None, clients: int, seconds: float, out: Out
) -> list[tuple[str, Load, list[Memory]]]:
    """This tree's server (and the baseline's first, when asked), each loaded in turn; what each answered
    and each web process's memory after the load."""
    figures = []

    def run(tree: Path, name: str) -> None:
        out(f"  starting guanxi serve ({WORKERS} processes × {THREADS} threads) from {name}")
        with server(tree) as (port, master):
            result = load(port, path, token, clients=clients, seconds=seconds)
            held = [memory(pid) for pid in workers(master)]
        out(f"  {name}: {result.describe()}")
        for item in held:
            out(f"    {item.describe()}")
        figures.append((name, result, held))

    if baseline:
        with worktree(baseline) as tree:
            run(tree, f"baseline {label(tree)}")
    run(ROOT, f"this tree {label(ROOT)}" + (" + uncommitted changes" if _dirty() else ""))
    return figures


def _dirty() -> bool:
    status = subprocess.run(["git", "status", "--porcelain", "src"], cwd=ROOT, capture_output=True, text=True)
    return bool(status.stdout)


def summary(figures: list[tuple[str, Load, list[Memory]]], *, clients: int) -> str:
    lines = [f"{NAME}, {clients} clients:"]
    first = figures[0][1].per_second if figures else 0
    for name, result, held in figures:
        times = f"  ({result.per_second / first:.2f}× the baseline)" if len(figures) > 1 and first else ""
        rss = ", ".join(f"{item.rss_mb:.0f}" for item in held)
        lines.append(f"  {name:<40} {result.per_second:7.1f} requests/s{times}; web processes' RSS {rss} MB")
    return "\n".join(lines)
