"""Benchmark: what the harness's viewers cost Locust, against a bare ``FastHttpUser``.

Both do the same GETs (nine catalogue objects, Zipf-popular, for one ``/api/`` call:
:func:`locustfiles.users.next_request`) with no wait, 32 users in one Locust process, against
a local stack serving a warm cache:

* **bare**: a ``FastHttpUser`` whose task is ``self.client.get(path, name=...)``, nothing else;
* **viewer**: the harness's locustfile as runs use it (the probe, its 10 ticks a second,
  included) with the request log on (``--requests-csv``), its ``Viewer`` with no wait.

CPU per request is the Locust process's CPU time over the requests the edge counted in a
steady window (:func:`bench.locust_bench.steady_window`); the two alternate, three rounds
each, and the ratio is the median of the rounds' paired ratios. Target: viewer <= 1.25x bare.

    python -m bench viewers
"""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import requests

from bench.edge_bench import _median
from bench.locust_bench import ROOT, RUN_S, default_stack, steady_window
from locustfiles.catalogue import catalogue
from locustfiles.headless import HARNESS
from scenarios.stack.local import Stack

USERS = 32
ROUNDS = 3
TARGET_RATIO = 1.25
PREAMBLE = f"import sys\nsys.path.insert(0, {str(ROOT)!r})\n"
BARE = PREAMBLE + """import random
from locust import constant, task
from locust.contrib.fasthttp import FastHttpUser
from locustfiles.catalogue import catalogue
from locustfiles.users import next_request


class Bare(FastHttpUser):
    wait_time = constant(0)

    def on_start(self):
        self.rng = random.Random()
        self.catalogue = catalogue(200)

    @task
    def one(self):
        path, name = next_request(self.rng, self.catalogue)
        self.client.get(path, name=name)
"""
VIEWER = PREAMBLE + f"""from locust import constant
exec(compile(open({str(HARNESS)!r}).read(), {str(HARNESS)!r}, "exec"))  # the harness's locustfile as is


class Viewer(Viewer):  # noqa: F821 (defined by the harness above)
    wait_time = constant(0)
"""


def run_once(stack: Stack, mode: str, out: Path) -> dict[str, float]:
    locustfile = out / f"{mode}.py"
    locustfile.write_text(BARE if mode == "bare" else VIEWER)
    log = ["--requests-csv", str(out / f"{mode}-requests.csv")] if mode == "viewer" else []
    argv = [sys.executable, "-m", "locust", "-f", str(locustfile), "--headless", "-u", str(USERS + 1),
            "-r", str(USERS + 1), "-t", f"{RUN_S}s", "--host", stack.edge_url, "--only-summary",
            "--stop-timeout", "2", "--exit-code-on-error", "0", "--loglevel", "ERROR", *log]
    process = subprocess.Popen(argv, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    try:
        assert stack.edge is not None
        rate, cpu_us = steady_window(str(stack.edge.ready["admin"]), stack.admin_token, [process.pid])
        _, err = process.communicate(timeout=RUN_S + 60)
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
    if not rate:
        raise RuntimeError(f"{mode}: no request reached the edge ({err.strip()[-300:]})")
    return {"rps": rate, "cpu_us": cpu_us}


def main() -> dict[str, Any]:
    started = time.monotonic()
    rounds: dict[str, list[dict[str, float]]] = {"bare": [], "viewer": []}
    with default_stack("viewer-bench-") as (stack, run_dir):
        for path in catalogue(200).paths:  # a warm cache: the edge is not what is measured
            requests.get(stack.edge_url + path, timeout=10)
        for n in range(ROUNDS):
            for mode in rounds:
                out = run_dir / f"{mode}-{n}"
                out.mkdir()
                rounds[mode].append(run_once(stack, mode, out))
    ratios = [v["cpu_us"] / b["cpu_us"] for v, b in zip(rounds["viewer"], rounds["bare"])]
    result = {mode: {"cpu_us_per_request": round(_median([r["cpu_us"] for r in rs]), 1),
                     "cpu_us_spread": [round(min(r["cpu_us"] for r in rs), 1), round(max(r["cpu_us"] for r in rs), 1)],
                     "rps": round(_median([r["rps"] for r in rs]))} for mode, rs in rounds.items()}
    result["ratio"] = round(_median(ratios), 3)
    result["ratio_spread"] = [round(min(ratios), 3), round(max(ratios), 3)]
    result["met"] = result["ratio"] <= TARGET_RATIO
    for mode in ("bare", "viewer"):
        r = result[mode]
        print(f"{mode:>6}: {r['cpu_us_per_request']:.1f} us of Locust CPU a request (rounds "
              f"{r['cpu_us_spread'][0]:.1f}-{r['cpu_us_spread'][1]:.1f}), {r['rps']:,} req/s")
    print(f"viewer / bare FastHttpUser: **{result['ratio']:.2f}x** (rounds {result['ratio_spread'][0]:.2f}-"
          f"{result['ratio_spread'][1]:.2f}; target <= {TARGET_RATIO}x: {'met' if result['met'] else 'NOT met'}) "
          f"({time.monotonic() - started:.0f} s)")
    return result
