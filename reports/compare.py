"""``python -m reports compare A B``: two runs side by side, with deltas and overlaid charts.

The metric rows are a pure function of the two summaries (:func:`metric_rows`). A delta
is B - A; whether it is better or worse depends on the metric (lower latency and fewer
errors are better, a higher hit ratio is better; counts such as ``requests`` are neutral).
Writes ``compare.html`` (self-contained), ``compare.json`` and ``plots/*.png``.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from reports.build import summarize
from reports.metrics.repeats import FAULT_METRICS, sibling_summaries
from reports.metrics.thresholds import resolve
from reports.metrics.verdict import judge_between, plain
from reports.read.load import read_run
from reports.render import compare_plots
from reports.render.htmlkit import e, fmt, images, page, table
from reports.values import number

RUN_ROWS = ("duration_s", "requests", "requests_per_s", "errors", "error_ratio", "hit_ratio",
            "latency_ms.p50", "latency_ms.p90", "latency_ms.p95", "latency_ms.p99", "latency_ms.max",
            "latency_ms_by_cache.hit.p95", "latency_ms_by_cache.miss.p95",
            "probe.latency_ms.p95", "probe.errors", "viewers.latency_ms.p95", "viewers.errors")
def _value(summary: dict[str, Any], path: str) -> float | None:
    parts: list[str | int] = []
    for segment in path.split("."):
        name, _, index = segment.partition("[")
        parts.append(name)
        if index:
            parts.append(int(index.rstrip("]")))
    value, _ = resolve(summary, tuple(parts))
    return float(value) if isinstance(value, (int, float)) and not isinstance(value, bool) else None


def metric_rows(a: dict[str, Any], b: dict[str, Any], a_runs: list[dict[str, Any]] | None = None,
                b_runs: list[dict[str, Any]] | None = None) -> list[dict[str, Any]]:
    """One row per metric: values of A and B, delta (B - A), relative change, verdict.

    ``a_runs``/``b_runs``: every run of A's (B's) repeat, itself included, when it is one;
    the verdict then weighs the spread too (:mod:`reports.metrics.verdict`).
    """
    fault_ids = sorted({f["id"] for f in a.get("faults", [])} | {f["id"] for f in b.get("faults", [])})
    paths = list(RUN_ROWS) + [f"faults[{i}].{name}" for i in fault_ids for name in FAULT_METRICS]
    rows = []
    for path in paths:
        va, vb = _value(a, path), _value(b, path)
        delta = None if va is None or vb is None else vb - va
        change = None if delta is None or va == 0 else delta / abs(va)  # type: ignore[operator]
        verdict = judge_between(path, lambda p: _value(a, p), lambda p: _value(b, p),
                                [_value(s, path) for s in a_runs or [a]], [_value(s, path) for s in b_runs or [b]])
        rows.append({"metric": path, "a": number(va), "b": number(vb), "delta": number(delta),
                     "change": number(change, 4), "verdict": verdict.word,
                     "band": number(verdict.band), "why": verdict.why})
    return rows


def _cell(row: dict[str, Any]) -> list[str]:
    change = "" if row["change"] is None else f"{row['change'] * 100:+.1f} %"
    delta = "" if row["delta"] is None else f"{row['delta']:+.4g}"
    css = f' class="{row["verdict"]}"' if row["verdict"] in ("better", "worse") else ""
    band = "" if row.get("band") is None else f"±{plain(row['band'])}"
    return [e(row["metric"]), e(fmt(row["a"])), e(fmt(row["b"])),
            f"<span{css}>{e(delta)}</span>", f"<span{css}>{e(change)}</span>", e(band),
            f"<span{css}>{e(row['verdict'])}</span>", e(row.get("why", ""))]


def text_table(rows: list[dict[str, Any]], name_a: str, name_b: str) -> str:
    """The metric rows as plain text for the terminal."""
    width = max(len(r["metric"]) for r in rows)
    lines = [f"A = {name_a}", f"B = {name_b}",
             f"{'metric':{width}}  {'A':>10}  {'B':>10}  {'B - A':>10}  {'change':>8}"]
    for r in rows:
        delta = "" if r["delta"] is None else f"{r['delta']:+.4g}"
        change = "" if r["change"] is None else f"{r['change'] * 100:+.1f}%"
        lines.append(f"{r['metric']:{width}}  {fmt(r['a']):>10}  {fmt(r['b']):>10}  {delta:>10}  "
                     f"{change:>8}  {r['verdict']}")
    return "\n".join(lines)


def _repeat_of(run_dir: Path, summary: dict[str, Any]) -> list[dict[str, Any]] | None:
    """Every run of the repeat ``run_dir`` belongs to (itself included), or None."""
    siblings = sibling_summaries(run_dir)
    return None if siblings is None else [*siblings, summary]


def default_out(a: Path, b: Path) -> Path:
    return a.resolve().parent / f"compare-{a.resolve().name}--{b.resolve().name}"


def compare_runs(a_dir: Path, b_dir: Path, out: Path | None = None) -> tuple[Path, list[dict[str, Any]]]:
    """Compare two run folders; write compare.html, compare.json and plots into ``out``."""
    run_a, run_b = read_run(Path(a_dir)), read_run(Path(b_dir))
    sum_a, sum_b = summarize(run_a), summarize(run_b)
    rows = metric_rows(sum_a, sum_b, _repeat_of(run_a.path, sum_a), _repeat_of(run_b.path, sum_b))
    out = Path(out) if out is not None else default_out(Path(a_dir), Path(b_dir))
    out.mkdir(parents=True, exist_ok=True)
    plots = compare_plots.render_all(run_a, run_b, out / "plots")
    names = (run_a.path.name, run_b.path.name)
    (out / "compare.json").write_text(json.dumps(
        {"a": str(run_a.path), "b": str(run_b.path), "rows": rows}, indent=2, allow_nan=False) + "\n")
    body = (f"<h1>Compare: A = {e(names[0])}, B = {e(names[1])}</h1>"
            f"<p>A: {e(sum_a['scenario'])} ({e(sum_a['status'])}), B: {e(sum_b['scenario'])} "
            f"({e(sum_b['status'])}). Deltas are B - A. A delta is called <span class='better'>better</span> "
            "or <span class='worse'>worse</span> only when it is larger than the metric's noise band "
            "(one probe tick for failover times; for latencies a doubling for single runs, 10 % for "
            "repeated ones; Poisson noise for error counts) and, for repeated runs, significant "
            "(Mann-Whitney U, p &lt; 0.05); inside it the runs are the same.</p>"
            + table(("metric", "A", "B", "B - A", "change", "noise band", "verdict", "why"),
                    [_cell(r) for r in rows])
            + "<h2>Charts (A solid, B dashed)</h2>" + images(plots))
    (out / "compare.html").write_text(page(f"compare {names[0]} vs {names[1]}", body), encoding="utf-8")
    return out, rows
