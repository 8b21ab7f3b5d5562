"""Benchmark: how long a run takes to get its stack (two origins and the edge) ready.

A fresh interpreter is started the way ``python -m scenarios run`` starts (the runner's
imports included), it starts the stack of the default distribution exactly as a run does
(:class:`scenarios.stack.local.Stack`) and says when ``stack-ready`` would be recorded; the
time is counted from just before the interpreter was launched. Five times, the median and
the spread. Target: ready within 1.5 s of the runner's start.

    python -m bench stack
"""

from __future__ import annotations

import json
import subprocess
import sys
import time
from typing import Any

from bench.edge_bench import _median
from scenarios.stack.procs import REPO_ROOT

TIMES = 5
TARGET_S = 1.5
CHILD = """
import json, sys, tempfile, time
from pathlib import Path
import scenarios.__main__  # what the runner imports before it starts anything
from scenarios.spec.loader import parse_scenario
from scenarios.stack.local import Stack
imported = time.time()
scenario = parse_scenario(json.dumps({"name": "bench", "distribution": "distributions/default.json"}),
                          "bench", base=Path.cwd())
with tempfile.TemporaryDirectory(prefix="stack-bench-") as tmp:
    (Path(tmp) / "logs").mkdir()
    stack = Stack(scenario, Path(tmp))
    try:
        stack.start()
        print(json.dumps({"imported": imported, "ready": time.time()}))
    finally:
        stack.stop()
"""


def measure_once() -> dict[str, float]:
    launched = time.time()
    done = subprocess.run([sys.executable, "-c", CHILD], cwd=REPO_ROOT, capture_output=True, text=True,
                          timeout=60, check=False)
    if done.returncode != 0:
        raise RuntimeError(f"stack start failed: {done.stderr.strip()[-300:]}")
    times = json.loads(done.stdout.strip().splitlines()[-1])
    return {"imports_s": times["imported"] - launched, "ready_s": times["ready"] - launched}


def main() -> dict[str, Any]:
    runs = [measure_once() for _ in range(TIMES)]
    ready = [r["ready_s"] for r in runs]
    imports = [r["imports_s"] for r in runs]
    result = {"ready_s": round(_median(ready), 3), "ready_spread_s": [round(min(ready), 3), round(max(ready), 3)],
              "imports_s": round(_median(imports), 3), "target_s": TARGET_S,
              "met": _median(ready) <= TARGET_S}
    print(f"stack ready {result['ready_s']:.2f} s after the runner's start (median of {TIMES}; "
          f"{result['ready_spread_s'][0]:.2f}-{result['ready_spread_s'][1]:.2f}), of which the runner's "
          f"own imports {result['imports_s']:.2f} s (target <= {TARGET_S:g} s: "
          f"{'met' if result['met'] else 'NOT met'})")
    return result
