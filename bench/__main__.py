"""``python -m bench [edge|scale|stack|viewers|reports|locust|all]``: the project's benchmarks (default: all).

* ``edge``: the edge against nginx proxy_cache (hits) and against the bare origin and nginx (misses), with wrk;
* ``scale``: hits against nginx at 1, 10,000 and 200,000 objects and 32 and 1,024 connections,
  memory per object, the loop's longest block, and a failed-over miss against nginx;
* ``stack``: how long a run takes to get its two origins and the edge ready;
* ``viewers``: Locust CPU a request of the harness's viewers against a bare FastHttpUser;
* ``reports``: building the report of a 1,000,000-request run (and of 10,000,000);
* ``locust``: requests/s the Locust harness generates.
"""

from __future__ import annotations

import importlib
import sys

SUITES = {"edge": "bench.edge_bench", "scale": "bench.scale_bench", "stack": "bench.stack_bench", "viewers": "bench.viewer_bench", "reports": "bench.reports_bench",
          "locust": "bench.locust_bench"}


def main(argv: list[str]) -> int:
    chosen = argv or ["all"]
    unknown = [name for name in chosen if name != "all" and name not in SUITES]
    if unknown:
        print(f"bench: error: unknown benchmark {unknown[0]!r} (known: all, "
              f"{', '.join(SUITES)})", file=sys.stderr)
        return 2
    names = list(SUITES) if "all" in chosen else chosen
    failed = []
    for name in names:
        print(f"== {name} ==", flush=True)
        try:
            module = importlib.import_module(SUITES[name])
        except ModuleNotFoundError as exc:
            print(f"note: {name} benchmark unavailable: {exc}")
            continue
        try:
            module.main()
        except Exception as exc:  # one broken benchmark must not hide the others' numbers
            print(f"bench: error: {name} failed: {type(exc).__name__}: {exc}", file=sys.stderr)
            failed.append(name)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
