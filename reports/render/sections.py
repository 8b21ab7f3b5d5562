"""The sections of report.html, each a pure function of ``summary.json`` returning HTML."""

from __future__ import annotations

import json
from typing import Any

from reports.render.htmlkit import e, fmt, table, verdict
from reports.values import with_resolution


def headline(summary: dict[str, Any]) -> str:
    """One line per fault, the numbers people quote: failover, errors, recovery, failback."""
    lines = []
    for f in summary["faults"]:
        tick = f.get("resolution_s")
        what = " ".join(str(part) for part in (f"#{f['id']}", f["target"], f["kind"], f.get("detail")) if part)
        if f["target"] == "edge":  # edge code broke, no origin: nothing to fail over
            lines.append(f"<li>fault {e(what)}: <b>{e(f['errors'])} errors</b> (a fault in the edge's "
                         f"own code: no origin failed, nothing failed over), recovered after "
                         f"{e(fmt(f['time_to_recover_s']))} s</li>")
            continue
        failover = _timed(f["time_to_failover_s"], tick, "time_to_failover_s")
        failback = _timed(f["time_to_failback_s"], tick, "time_to_failback_s")
        if f["time_to_failover_s"] is None:  # no miss was served by another origin meanwhile
            lines.append(f"<li>fault {e(what)}: <b>did not fail over</b> (no miss in the window was served "
                         f"by another origin), {e(f['errors'])} errors, recovered after "
                         f"{e(fmt(f['time_to_recover_s']))} s</li>")
            continue
        lines.append(f"<li>fault {e(what)}: failed over in <b>{e(failover)} s</b>, "
                     f"{e(f['errors'])} errors, recovered after {e(fmt(f['time_to_recover_s']))} s, "
                     f"failed back in {e(failback)} s</li>")
    return f"<ul>{''.join(lines)}</ul>" if lines else ""


def expect(summary: dict[str, Any]) -> str:
    rows = [(e(r["metric"]), e(r["condition"]), e(fmt(r["value"])), verdict(r["passed"]),
             e(r["reason"])) for r in summary["expect"]]
    if not rows:
        return "<p class='note'>The scenario sets no thresholds.</p>"
    return table(("metric", "condition", "value", "result", "reason"), rows)


def _trio(stats: dict[str, Any]) -> str:
    return " / ".join(fmt(stats[k]) for k in ("p50", "p95", "p99"))


def _origins(by_origin: dict[str, dict[str, Any]]) -> str:
    """Successful misses per origin with their share of the misses (hits name the origin
    that filled the cache, not the one serving now: they are counted apart)."""
    return ", ".join(f"{name} {info['misses']}"
                     + (f" ({info['miss_share'] * 100:.0f} %)" if info.get("miss_share") is not None else "")
                     for name, info in sorted(by_origin.items())) or "none"


def key_numbers(summary: dict[str, Any]) -> str:
    rows = [(name, e(fmt(summary[name]))) for name in
            ("duration_s", "requests", "errors", "error_ratio", "requests_per_s", "hit_ratio")]
    rows += [(f"latency_ms.{k}", e(fmt(v))) for k, v in summary["latency_ms"].items()]
    for cache, stats in summary["latency_ms_by_cache"].items():
        rows.append((f"latency_ms_by_cache.{cache} p50 / p95 / p99", e(_trio(stats))))
    for origin, info in summary["by_origin"].items():
        lat = info["latency_ms"]
        text = (f"{info['misses']} misses served (share of misses {fmt(info['miss_share'])}); "
                f"{info['requests']} responses naming it in all, hits included "
                f"(share {fmt(info['share'])}), p50 {fmt(lat['p50'])} ms, p95 {fmt(lat['p95'])} ms")
        rows.append((f"by_origin.{e(origin)}", e(text)))
    for kind, info in (summary.get("errors_by_kind") or {}).items():
        statuses = ", ".join(f"{n:,} at status {status}" for status, n in info["by_status"].items())
        looks_fine = " (answers that looked fine: a 200 that was not what was asked for)" \
            if kind == "WrongContent" else ""
        rows.append((f"errors_by_kind.{e(kind)}", e(f"{info['errors']:,}: {statuses}{looks_fine}")))
    return table(("metric", "value"), rows)


def streams(summary: dict[str, Any]) -> str:
    rows = []
    for name, model in (("probe", "open (fixed rate)"), ("viewers", "closed (wait for answer)")):
        s = summary[name]
        lat = s["latency_ms"]
        rows.append([e(c) for c in (name, model, s["requests"], s["errors"], fmt(s["error_ratio"]),
                                    fmt(lat["p50"]), fmt(lat["p95"]), fmt(lat["p99"]),
                                    fmt(lat["max"]), fmt(s.get("interval_s")) if name == "probe" else "")])
    note = ("<p class='note'>Viewers are a closed model: during slow periods they send less, "
            "so their percentiles understate the slowness (coordinated omission). The probe is "
            "an open model: one request per tick whatever the previous one is doing, so its "
            "latency is the one to trust for the fault periods.</p>")
    per_phase = []
    for p in summary["phases"]:
        both = p.get("streams") or {}
        if both:
            per_phase.append([e(p["name"]), *(e(f"{_trio(both[k]['latency_ms'])} ({both[k]['errors']} errors)")
                                               for k in ("probe", "viewers"))])
    by_phase = ("<p>Per phase, p50 / p95 / p99 in ms:</p>"
                + table(("phase", "probe", "viewers"), per_phase)) if per_phase else ""
    return table(("stream", "model", "requests", "errors", "error_ratio", "p50 ms", "p95 ms",
                  "p99 ms", "max ms", "interval s"), rows) + by_phase + note


FAULT_COLUMNS = ("id", "target", "kind", "t0", "t1", "time_to_failover_s", "failover_penalty_ms",
                 "error_window_s", "errors", "time_to_recover_s", "time_to_failback_s")
_PROBE_TIMED = ("time_to_failover_s", "time_to_failback_s")
PROBE_COLUMNS = ("time_to_failover_s", "time_to_failback_s", "error_window_s", "errors")


def _timed(value: Any, tick: float | None, column: str) -> str:
    """A probe-timed figure rounded to its resolution, e.g. ``0.3 ± 0.1`` (not ``0.3312 ±
    0.0999``): the resolution to one significant digit, the value to the same decimal."""
    if column in _PROBE_TIMED and value is not None and tick:
        return with_resolution(float(value), float(tick))
    return fmt(value)


def threshold_verdict(summary: dict[str, Any]) -> str:
    """The verdict line's word: PASS or FAIL only when thresholds were set and judged."""
    if not summary.get("expect"):
        return "none set"
    if summary.get("status") != "completed":
        return f"not judged (the run {e(summary.get('status'))})"
    return verdict(bool(summary.get("passed")))


def faults(summary: dict[str, Any]) -> str:
    if not summary["faults"]:
        return "<p class='note'>No fault windows in this run.</p>"
    rows = []
    for fault in summary["faults"]:
        tick = fault.get("resolution_s")
        row = []
        for column in FAULT_COLUMNS:
            text = _timed(fault[column], tick, column)
            if column == "t1" and not fault.get("closed", True):
                text += " (open)"
            row.append(e(text))
        rows.append(row)
    note = ("<p class='note'>± is the probe's resolution (resolution_s, one probe tick): "
            "failover and failback times are exact to about one tick either way.</p>")
    probe_rows = [[e(fault["id"]), *(e(_timed(fault["probe"][k], fault.get("resolution_s"), k))
                                      for k in PROBE_COLUMNS)]
                  for fault in summary["faults"] if fault.get("probe")]
    probe = ""
    if probe_rows:
        probe = ("<p>The same figures from the probe alone (open model, one request per tick, "
                 "so a fixed resolution whatever the viewers do):</p>"
                 + table(("id", *(f"probe {k}" for k in PROBE_COLUMNS)), probe_rows))
    return table(FAULT_COLUMNS, rows) + note + probe


def phases(summary: dict[str, Any]) -> str:
    rows = []
    for p in summary["phases"]:
        by_cache = p.get("latency_ms_by_cache") or {}
        cells = [fmt(v) for v in (p["name"], p["t_start"], p["t_end"], p["requests"], p["errors"],
                                  p["error_ratio"], p["hit_ratio"], p["latency_ms"]["p50"],
                                  p["latency_ms"]["p95"], p["latency_ms"]["p99"])]
        cells += [_trio(by_cache[k]) if k in by_cache else "" for k in ("hit", "miss")]
        cells.append(_origins(p.get("by_origin") or {}))
        rows.append([e(c) for c in cells])
    return table(("phase", "from s", "to s", "requests", "errors", "error_ratio", "hit_ratio",
                  "p50 ms", "p95 ms", "p99 ms", "hit p50/p95/p99 ms", "miss p50/p95/p99 ms",
                  "misses served by (share of misses)"), rows)


def _flag(mismatch: bool) -> str:
    return '<span class="fail">MISMATCH</span>' if mismatch else '<span class="pass">ok</span>'


def edge_log(summary: dict[str, Any]) -> str:
    edge = summary["edge_log"]
    if not edge.get("available"):
        reason = edge.get("reason") or "not available: no edge log in the run folder"
        return f"<p class='note'>Edge log cross-check: {e(reason)}.</p>"
    overall = ('<span class="fail">MISMATCH</span>' if edge["mismatch"]
               else '<span class="pass">consistent</span>')
    rows = [(e(r["what"]), e(r["edge"]), e(r["csv"]), e(r["edge"] - r["csv"]), _flag(r["mismatch"]))
            for r in edge.get("rows", [])]
    parts = [f"<p>edge log vs requests.csv: {overall}</p>",
             table(("count", "edge-access.log", "requests.csv", "difference", "check"), rows)]
    if edge.get("csv_no_response"):
        parts.append(f"<p class='note'>{e(edge['csv_no_response'])} viewer requests got no "
                     "response at all (status 0): they have no status in requests.csv.</p>")
    tried = edge.get("origin_attempts") or {}
    seen, seen_all = edge.get("csv_origin_not_hits") or {}, edge.get("csv_origin") or {}
    origin_rows = [(e(origin), e(", ".join(f"{r}: {n}" for r, n in tried.get(origin, {}).items()) or "none"),
                    e(seen.get(origin, 0)), e(seen_all.get(origin, 0)))
                   for origin in sorted(set(tried) | set(seen) | set(seen_all))]
    if origin_rows:
        parts.append("<p>Which origin the edge tried (x-origin-attempts, by result) next to "
                     "what viewers saw (X-Origin-Id):</p>")
        parts.append(table(("origin", "edge attempts", "viewer misses and errors", "all viewer responses"),
                           origin_rows))
    if edge.get("failover_reasons"):
        reasons = ", ".join(f"{k}: {v}" for k, v in edge["failover_reasons"].items())
        parts.append(f"<p>failovers in the edge log: {e(edge['failovers'])} ({e(reasons)})</p>")
    edge_code = {k: v for k, v in (edge.get("detailed_result_types") or {}).items()
                 if k.startswith(("Function", "Lambda"))}
    if edge_code:
        parts.append("<p>Edge code outcomes in the edge log (x-edge-detailed-result-type): "
                     + e(", ".join(f"{k} {v:,}" for k, v in sorted(edge_code.items()))) + "</p>")
    spent = edge.get("edge_code_ms")
    if spent:
        parts.append(f"<p>Time in edge code (x-edge-code-ms), over the {spent['requests']:,} requests that "
                     f"ran some: p50 {e(fmt(spent['p50']))} ms, p99 {e(fmt(spent['p99']))} ms, "
                     f"max {e(fmt(spent['max']))} ms</p>")
    return "".join(parts)


def repeats(summary: dict[str, Any]) -> str:
    """The distribution across repeated runs (``repeat: N``), when this run is one of them."""
    info = summary.get("repeats")
    if not info:
        return ""
    rows = [(e(metric), e(fmt(d["median"])), e(fmt(d["min"])), e(fmt(d["max"])), e(d["n"]))
            for metric, d in info["metrics"].items()]
    return (f"<h2>Across {e(info['runs'])} repeated runs</h2>"
            "<p class='note'>Median, min and max of each metric over the runs of this repeat "
            "that have a summary so far (this one included).</p>"
            + table(("metric", "median", "min", "max", "runs"), rows))


def timeline(events: list[dict[str, Any]]) -> str:
    rows = [(e(fmt(ev.get("t"))), e(ev.get("kind", "")), e(ev.get("target", "") or ""),
             e(json.dumps(ev.get("params") or {})), e(fmt(ev.get("ok"))),
             e("" if ev.get("fault_id") is None else f"#{ev['fault_id']} {ev.get('fault_edge', '')}"))
            for ev in events]
    return table(("t (s)", "kind", "target", "params", "ok", "fault"), rows)
