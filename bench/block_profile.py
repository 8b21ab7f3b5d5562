"""What the edge's core did during each of its loop blocks, from a kernel profile.

The edge lists its last blocks over 1 ms in ``GET /stats`` (``loop.recent_blocks``: when each
began on ``CLOCK_MONOTONIC``, how long it took, where). ``perf record -k CLOCK_MONOTONIC``
stamps its samples with the same clock, so the samples of the edge's loop thread inside a
block say what held it: the thread off the core (waiting for it), in the kernel's network
receive path (``net_rx_action``: the loopback delivery of what the edge wrote, run in the
writing thread), elsewhere in the kernel, or in user space (Python, uvloop). BENCHMARKS.md
gives the commands::

    perf record -F 4000 -g -k CLOCK_MONOTONIC -p EDGE_PID -o edge.data -- sleep 60
    perf script -i edge.data -F tid,time,ip,sym > edge.txt
    curl -s -H "Authorization: Bearer TOKEN" http://ADMIN/stats > stats.json
    python -m bench.block_profile stats.json edge.txt --pid EDGE_PID --hz 4000
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from collections.abc import Iterable
from dataclasses import dataclass

_HEADER = re.compile(r"^\s*(\d+)\s+(\d+\.\d+):")
SOFTIRQ_FRAMES = ("net_rx_action", "handle_softirqs", "__do_softirq")


@dataclass(frozen=True)
class Sample:
    tid: int
    at: float  # seconds, the clock perf was told to use
    frames: tuple[str, ...]  # symbols, innermost first
    kernel: bool  # the innermost frame is the kernel's


def read_samples(lines: Iterable[str]) -> list[Sample]:
    """Samples from ``perf script -F tid,time,ip,sym`` (a header line, then a frame a line)."""
    samples: list[Sample] = []
    head: tuple[int, float] | None = None
    frames: list[str] = []
    kernel = False

    def done() -> None:
        if head is not None:
            samples.append(Sample(head[0], head[1], tuple(frames), kernel))

    for line in lines:
        match = _HEADER.match(line)
        if match:
            done()
            head, frames, kernel = (int(match.group(1)), float(match.group(2))), [], False
            continue
        parts = line.split()
        if head is not None and parts:
            if not frames:
                kernel = parts[0].startswith("ffffffff")  # x86-64's kernel half of the address space
            frames.append(parts[1] if len(parts) > 1 else parts[0])
    done()
    return samples


def attribute(block: dict[str, float | str], samples: list[Sample], tid: int, hz: float) -> dict[str, object]:
    """Shares of one block's time: on the core in the softirq receive path, elsewhere in the
    kernel, in user space, and off the core (the time no sample of the thread covers)."""
    began = float(block["at"])
    ended = began + float(block["ms"]) / 1000
    mine = [s for s in samples if s.tid == tid and began <= s.at <= ended]
    softirq = sum(1 for s in mine if any(f in SOFTIRQ_FRAMES for f in s.frames))
    kernel = sum(1 for s in mine if s.kernel) - softirq
    user = len(mine) - softirq - kernel
    expected = max(1.0, float(block["ms"]) / 1000 * hz)
    share = {name: round(min(1.0, n / expected), 2) for name, n in
             (("softirq", softirq), ("kernel", kernel), ("user", user))}
    off = round(max(0.0, 1.0 - len(mine) / expected), 2)
    return {"at": began, "ms": block["ms"], "in": block["in"], "samples": len(mine), **share, "off_core": off}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.block_profile", description=__doc__.split("\n")[0])
    parser.add_argument("stats", help="the edge's GET /stats answer, saved as JSON")
    parser.add_argument("perf_script", help="perf script -F tid,time,ip,sym output")
    parser.add_argument("--pid", type=int, required=True, help="the edge's process id (its loop thread's id)")
    parser.add_argument("--hz", type=float, default=4000.0, help="perf record's -F (default 4000)")
    args = parser.parse_args(argv)
    with open(args.stats, encoding="utf-8") as fh:
        blocks = json.load(fh)["loop"]["recent_blocks"]
    with open(args.perf_script, encoding="utf-8", errors="replace") as fh:
        samples = read_samples(fh)
    if samples:
        first, last = samples[0].at, samples[-1].at
        blocks = [b for b in blocks if first <= b["at"] <= last]
    print("began (s)\tms\tin\tsamples\tsoftirq\tkernel\tuser\toff core")
    for block in blocks:
        r = attribute(block, samples, args.pid, args.hz)
        print(f"{r['at']:.6f}\t{r['ms']}\t{r['in']}\t{r['samples']}\t{r['softirq']:.0%}\t{r['kernel']:.0%}\t"
              f"{r['user']:.0%}\t{r['off_core']:.0%}")
    if not blocks:
        print("(no block over 1 ms inside the profile's time)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
