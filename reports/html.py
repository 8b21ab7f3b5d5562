"""report.html: one self-contained page (CSS inline, charts as base64 PNGs, no script)."""

from __future__ import annotations

import base64
import html
import json
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from reports.definitions import DEFINITIONS

CSS = """
body { font: 14px/1.45 system-ui, sans-serif; color: #222; max-width: 1260px;
       margin: 2em auto; padding: 0 1em; }
h1 { font-size: 1.6em; margin-bottom: .2em; }
h2 { margin-top: 1.8em; border-bottom: 1px solid #ddd; }
table { border-collapse: collapse; margin: .5em 0; }
td, th { padding: .25em .7em; border-bottom: 1px solid #eee; text-align: right; }
th { background: #f5f5f5; } td:first-child, th:first-child { text-align: left; }
.pass { color: #1a7f37; font-weight: 600; } .fail { color: #cf222e; font-weight: 600; }
.status { padding: .1em .5em; border-radius: 4px; background: #eee; }
img { max-width: 100%; display: block; margin: .8em 0; }
pre { background: #f6f8fa; padding: 1em; overflow-x: auto; }
dt { font-weight: 600; margin-top: .6em; } .note { color: #555; }
"""


def _e(value: Any) -> str:
    return html.escape(str(value))


def _fmt(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, float):
        return f"{value:.4g}" if abs(value) < 1e5 else f"{value:,.0f}"
    return str(value)


def table(headers: Iterable[str], rows: Iterable[Iterable[Any]]) -> str:
    head = "".join(f"<th>{_e(h)}</th>" for h in headers)
    body = "".join("<tr>" + "".join(f"<td>{cell}</td>" for cell in row) + "</tr>" for row in rows)
    return f"<table><tr>{head}</tr>{body}</table>"


def _verdict(passed: bool) -> str:
    return '<span class="pass">PASS</span>' if passed else '<span class="fail">FAIL</span>'


def _expect(summary: dict[str, Any]) -> str:
    rows = [(_e(r["metric"]), _e(r["condition"]), _e(_fmt(r["value"])), _verdict(r["passed"]),
             _e(r["reason"])) for r in summary["expect"]]
    if not rows:
        return "<p class='note'>The scenario sets no thresholds.</p>"
    return table(("metric", "condition", "value", "result", "reason"), rows)


def _key_numbers(summary: dict[str, Any]) -> str:
    lat = summary["latency_ms"]
    rows = [(name, _e(_fmt(summary[name]))) for name in
            ("duration_s", "requests", "errors", "error_ratio", "requests_per_s", "hit_ratio")]
    rows += [(f"latency_ms.{k}", _e(_fmt(v))) for k, v in lat.items()]
    for cache, stats in summary["latency_ms_by_cache"].items():
        rows.append((f"latency_ms_by_cache.{cache} p50 / p95 / p99",
                     _e(" / ".join(_fmt(stats[k]) for k in ("p50", "p95", "p99")))))
    for origin, info in summary["by_origin"].items():
        lat = info["latency_ms"]
        text = (f"{info['requests']} requests, share {_fmt(info['share'])}, "
                f"p50 {_fmt(lat['p50'])} ms, p95 {_fmt(lat['p95'])} ms")
        rows.append((f"by_origin.{_e(origin)}", _e(text)))
    return table(("metric", "value"), rows)


def _streams(summary: dict[str, Any]) -> str:
    rows = []
    for name in ("probe", "viewers"):
        s = summary[name]
        rows.append((name, s["requests"], s["errors"], _fmt(s["error_ratio"]),
                     _fmt(s["latency_ms"]["p50"]), _fmt(s["latency_ms"]["p99"]),
                     _fmt(s.get("interval_s")) if name == "probe" else "closed model"))
    return table(("stream", "requests", "errors", "error_ratio", "p50 ms", "p99 ms", "interval s"),
                 [[_e(c) for c in row] for row in rows])


FAULT_COLUMNS = ("id", "target", "kind", "t0", "t1", "time_to_failover_s", "failover_penalty_ms",
                 "error_window_s", "errors", "time_to_recover_s", "time_to_failback_s", "resolution_s")


def _faults(summary: dict[str, Any]) -> str:
    if not summary["faults"]:
        return "<p class='note'>No fault windows in this run.</p>"
    rows = [[_e(_fmt(f[c])) + (" (open)" if c == "t1" and not f.get("closed", True) else "")
             for c in FAULT_COLUMNS] for f in summary["faults"]]
    note = ("<p class='note'>Failover figures are exact to about one probe tick "
            "(resolution_s) either way.</p>")
    return table(FAULT_COLUMNS, rows) + note


def _phases(summary: dict[str, Any]) -> str:
    rows = [[_e(_fmt(v)) for v in (p["name"], p["t_start"], p["t_end"], p["requests"], p["errors"],
                                   p["error_ratio"], p["hit_ratio"], p["latency_ms"]["p50"],
                                   p["latency_ms"]["p95"], p["latency_ms"]["p99"])]
            for p in summary["phases"]]
    return table(("phase", "from s", "to s", "requests", "errors", "error_ratio", "hit_ratio",
                  "p50 ms", "p95 ms", "p99 ms"), rows)


def _edge_log(summary: dict[str, Any]) -> str:
    edge = summary["edge_log"]
    if not edge.get("available"):
        return "<p class='note'>No edge access log in this run folder.</p>"
    flag = ('<span class="fail">MISMATCH</span>' if edge["mismatch"]
            else '<span class="pass">consistent</span>')
    rows = [(_e(k), _e(json.dumps(v) if isinstance(v, dict) else _fmt(v))) for k, v in edge.items()
            if k != "available"]
    return f"<p>edge log vs requests.csv: {flag}</p>" + table(("field", "value"), rows)


def _images(plots: dict[str, Path]) -> str:
    parts = []
    for name, path in plots.items():
        data = base64.b64encode(path.read_bytes()).decode("ascii")
        parts.append(f'<img alt="{_e(name)}" src="data:image/png;base64,{data}">')
    return "\n".join(parts)


def _timeline(events: list[dict[str, Any]]) -> str:
    rows = [(_e(_fmt(e.get("t"))), _e(e.get("kind", "")), _e(e.get("target", "") or ""),
             _e(json.dumps(e.get("params") or {})), _e(_fmt(e.get("ok"))),
             _e("" if e.get("fault_id") is None else f"#{e['fault_id']} {e.get('fault_edge', '')}"))
            for e in events]
    return table(("t (s)", "kind", "target", "params", "ok", "fault"), rows)


def render(summary: dict[str, Any], plots: dict[str, Path], events: list[dict[str, Any]],
           scenario_text: str) -> str:
    """The whole page as a string."""
    title = f"{summary['scenario']}: {summary['status']}"
    definitions = "".join(f"<dt>{_e(name)}</dt><dd>{_e(text)}</dd>" for name, text in DEFINITIONS)
    return f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>{_e(title)}</title><style>{CSS}</style></head>
<body>
<h1>{_e(summary['scenario'])} <span class="status">{_e(summary['status'])}</span></h1>
<p>Thresholds: {_verdict(summary['passed'])} &middot; duration {_e(_fmt(summary['duration_s']))} s
&middot; {_e(summary['requests'])} requests</p>
<h2>Thresholds</h2>{_expect(summary)}
<h2>Key numbers</h2>{_key_numbers(summary)}
<h2>Faults</h2>{_faults(summary)}
<h2>Phases</h2>{_phases(summary)}
<h2>Probe and viewers</h2>{_streams(summary)}
<p class="note">Viewers are a closed model: during slow periods they send less, so their
percentiles understate the slowness (coordinated omission). The probe is an open model.</p>
<h2>Edge log cross-check</h2>{_edge_log(summary)}
<h2>Charts</h2>{_images(plots)}
<h2>Definitions</h2><dl>{definitions}</dl>
<h2>Scenario as run</h2><pre>{_e(scenario_text or '(no scenario.yaml in the run folder)')}</pre>
<h2>Event timeline</h2>{_timeline(events)}
</body></html>
"""
