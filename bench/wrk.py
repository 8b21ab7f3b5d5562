"""Run wrk and read its summary: requests/s, latency percentiles, errors (parsing without IO)."""

from __future__ import annotations

import re
import shutil
import subprocess
from dataclasses import dataclass

_UNITS = {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60000.0}
_PERCENTILE = re.compile(r"^\s*(50|75|90|99)%\s+([\d.]+)(us|ms|s|m)\s*$", re.M)
_RPS = re.compile(r"^Requests/sec:\s+([\d.]+)", re.M)
_NON_2XX = re.compile(r"Non-2xx or 3xx responses:\s+(\d+)")
_SOCKET_ERRORS = re.compile(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)")
_TOTAL = re.compile(r"(\d+) requests in")
# "Latency   407.66us  216.40us   3.19ms   85.00%": average, deviation, longest, share within one deviation
_LONGEST = re.compile(r"^[ \t]*Latency[ \t]+\S+[ \t]+\S+[ \t]+([\d.]+)(us|ms|s|m)[ \t]", re.M)


@dataclass(frozen=True)
class WrkResult:
    """One wrk run: throughput, latency percentiles in ms, and what went wrong."""

    requests: int
    rps: float
    p50_ms: float
    p90_ms: float
    p99_ms: float
    errors: int
    max_ms: float | None = None  # the longest any request waited (None: the report had no Latency line)


def parse_wrk(text: str) -> WrkResult:
    """The numbers of a ``wrk --latency`` report."""
    percentiles = {int(p): float(v) * _UNITS[u] for p, v, u in _PERCENTILE.findall(text)}
    rps = _RPS.search(text)
    total = _TOTAL.search(text)
    if rps is None or total is None or 50 not in percentiles:
        raise ValueError(f"unexpected wrk output: {text[:200]!r}")
    errors = sum(int(n) for n in _NON_2XX.findall(text))
    socket_errors = _SOCKET_ERRORS.search(text)
    if socket_errors:
        errors += sum(int(n) for n in socket_errors.groups())
    longest = _LONGEST.search(text)
    return WrkResult(int(total.group(1)), float(rps.group(1)), percentiles[50],
                     percentiles.get(90, 0.0), percentiles.get(99, 0.0), errors,
                     float(longest.group(1)) * _UNITS[longest.group(2)] if longest else None)


def pinned(cpu: int | None, argv: list[str]) -> list[str]:
    """``argv`` pinned to one CPU with taskset, when there is one to pin to."""
    if cpu is None or shutil.which("taskset") is None:
        return argv
    return ["taskset", "-c", str(cpu), *argv]


# A different request head every time (a counter header that is not in any cache key), so
# nothing that remembers repeated heads can help.
UNIQUE_HEADS_LUA = """counter = 0
request = function()
  counter = counter + 1
  return wrk.format(nil, nil, {["X-Bench-Request"] = tostring(counter)})
end
"""


def run_wrk(url: str, seconds: float, connections: int, cpu: int | None,
            script: str | None = None) -> WrkResult:
    """One bounded wrk run (``seconds`` long) against a loopback ``url`` (``script``: a Lua
    file for wrk ``-s``)."""
    argv = pinned(cpu, ["wrk", "-t1", f"-c{connections}", f"-d{seconds:g}s", "--latency",
                        "--timeout", "5s", *(["-s", script] if script else []), url])
    done = subprocess.run(argv, capture_output=True, text=True, timeout=seconds + 30,
                          check=False)
    if done.returncode != 0:
        raise RuntimeError(f"wrk failed: {done.stderr.strip() or done.stdout.strip()}")
    return parse_wrk(done.stdout)
