"""A synthetic run folder with known numbers, written the way the harness writes one.

Load runs 0..30 s. A probe sends /api/probe every 0.1 s (always a miss) and a viewer
gets a cache hit every 0.1 s (offset 0.05 s). Fault #0 kills the primary at t=10 and
restarts it at t=20: probes sent at 10.0, 10.1, 10.2 fail (502, 5 ms); from 10.3 the
secondary serves them in 30 ms; the primary serves misses in 10 ms otherwise and hits
take 2 ms.
"""

from __future__ import annotations

import csv
import json
from pathlib import Path

START = 1764333000.0
HEADER = ["ts", "latency_ms", "method", "name", "status", "ok", "bytes",
          "x_cache", "origin", "pop", "user", "error"]
EDGE_FIELDS = ("date time x-edge-location sc-bytes c-ip cs-method cs(Host) cs-uri-stem sc-status "
               "cs(Referer) cs(User-Agent) cs-uri-query cs(Cookie) x-edge-result-type "
               "x-edge-request-id x-host-header cs-protocol cs-bytes time-taken x-forwarded-for "
               "ssl-protocol ssl-cipher x-edge-response-result-type cs-protocol-version fle-status "
               "fle-encrypted-fields c-port time-to-first-byte x-edge-detailed-result-type "
               "sc-content-type sc-content-len sc-range-start sc-range-end "
               "x-origin-attempts x-failover-reason").split()

SCENARIO = """\
# primary-killed: synthetic
name: primary-killed
expect:
  faults[0].time_to_failover_s: "< 1.0"
  faults[0].errors: "<= 5"
  hit_ratio: "> 0.7"
  latency_ms.p95: "< 250"
"""


def rows(end_t: float = 30.0) -> list[list[object]]:
    """The requests of the synthetic run sent before ``end_t``, in send order."""
    out: list[list[object]] = []
    for k in range(int(round(end_t * 10))):
        t = k / 10
        if 10.0 <= t < 10.3:
            out.append([t, 5.0, "GET", "/api/probe", 502, 0, 0, "Error", "", "LOC1", "Probe", "HTTP 502"])
        elif 10.3 <= t < 20.0:
            out.append([t, 30.0, "GET", "/api/probe", 200, 1, 80, "Miss", "secondary", "LOC1", "Probe", ""])
        else:
            out.append([t, 10.0, "GET", "/api/probe", 200, 1, 80, "Miss", "primary", "LOC1", "Probe", ""])
        out.append([t + 0.05, 2.0, "GET", "/static/a-4096", 200, 1, 4096, "Hit", "primary", "LOC1",
                    "Viewer", ""])
    return out


def write_requests(path: Path, requests: list[list[object]], truncate_last: bool = False) -> None:
    with path.open("w", newline="") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(HEADER)
        for row in requests:
            writer.writerow([f"{START + float(row[0]):.6f}", *row[1:]])
        if truncate_last:
            handle.write(f"{START + 29.95:.6f},2.0,GET,/sta")


def event(t: float, kind: str, target: str = "", **extra: object) -> dict[str, object]:
    return {"ts": round(START + t, 6), "t": t, "kind": kind, "target": target,
            "params": extra.pop("params", {}), "ok": True, **extra}


def write_events(path: Path, events: list[dict[str, object]], tail: str = "") -> None:
    path.write_text("".join(json.dumps(e) + "\n" for e in events) + tail)


def standard_events() -> list[dict[str, object]]:
    return [
        event(-2.0, "run-start"), event(-1.0, "stack-ready"), event(0.0, "load-start"),
        event(10.0, "kill", "primary", fault_id=0, fault_edge="start"),
        event(20.0, "restart", "primary", fault_id=0, fault_edge="end"),
        event(30.0, "load-end"), event(30.5, "run-end", params={"status": "completed"}),
    ]


def write_edge_log(path: Path, requests: list[list[object]]) -> None:
    lines = ["#Version: 1.0\n", "#Fields: " + " ".join(EDGE_FIELDS) + "\n"]
    for row in requests:
        cells = dict.fromkeys(EDGE_FIELDS, "-")
        failed_over = row[8] == "secondary"
        attempts = {"Miss": "primary:200", "Error": "primary:connect-refused"}.get(str(row[7]), "-")
        cells.update({"sc-status": str(row[4]), "x-edge-result-type": str(row[7]),
                      "x-origin-attempts": "primary:connect-refused|secondary:200" if failed_over else attempts,
                      "x-failover-reason": "connect-error" if failed_over else "-"})
        lines.append("\t".join(cells[f] for f in EDGE_FIELDS) + "\n")
    path.write_text("".join(lines))


def make_run(folder: Path) -> Path:
    """The complete synthetic run in ``folder`` (created)."""
    folder.mkdir(parents=True, exist_ok=True)
    requests = rows()
    (folder / "scenario.yaml").write_text(SCENARIO)
    write_requests(folder / "requests.csv", requests)
    write_events(folder / "events.jsonl", standard_events())
    write_edge_log(folder / "edge-access.log", requests)
    return folder
