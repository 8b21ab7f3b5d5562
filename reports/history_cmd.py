"""``python -m reports history``: the run history as a table and a page; baselines; import.

    python -m reports history [--scenario S] [--distribution D] [--machine M] [--limit N] [--out DIR]
    python -m reports history --baseline RUN          pin RUN as its scenario's baseline
    python -m reports history --baseline last-passing --scenario S    back to the default
    python -m reports history --import DIR            file every run folder under DIR (once)

``--history URL`` (or ``HARNESS_HISTORY``) says which history (reports.history.store).
"""

from __future__ import annotations

import json
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from reports.build import is_run
from reports.errors import HistoryError
from reports.history.judge import Versus, versus
from reports.history.location import DEFAULT_PATH
from reports.history.options import LAST_PASSING
from reports.history.record import entry
from reports.history.store import History, open_history
from reports.metrics.repeats import KEY_METRICS
from reports.render.history_page import render
from reports.render.htmlkit import fmt


def run(args: Any) -> int:
    history = open_history(args.history)
    if history is None:
        raise HistoryError("the run history is off (HARNESS_HISTORY=off): nothing to show")
    with history:
        if args.import_dir is not None:
            count = import_runs(history, args.import_dir)
            print(f"filed {count} runs from {args.import_dir} in {history.where}")
            return 0
        if args.baseline is not None:
            return _baseline(history, args.baseline, args.scenario)
        found = history.runs(args.scenario, args.distribution, args.machine, args.limit)
        items = [versus(history, r) for r in found]
        values = history.metrics({r.id for r in found} | {v.baseline.id for v in items if v.baseline})
        print(text_table(items, values))
        out = args.out or DEFAULT_PATH.parent / "history"
        filters = "".join(f"; {name} {value!r}" for name, value in (
            ("scenario", args.scenario), ("distribution", args.distribution), ("machine", args.machine)) if value)
        baselines = {scenario: history.baseline(scenario) for scenario in {r.scenario for r in found}}
        values.update(history.metrics({b.id for b, _ in baselines.values() if b and b.id not in values}))
        print(render(items, values, out, history.where, filters, baselines))
    return 0


def _baseline(history: History, ref: str, scenario: str | None) -> int:
    if ref == LAST_PASSING:
        if not scenario:
            raise HistoryError(f"--baseline {LAST_PASSING}: say which scenario with --scenario")
        removed = history.unpin(scenario)
        print(f"{scenario}: baseline is the last passing run{'' if removed else ' (it was already)'}")
        return 0
    chosen = history.run(ref)
    history.pin(chosen)
    print(f"{chosen.scenario}: baseline pinned to run {chosen.id} ({chosen.run_key})")
    return 0


def import_runs(history: History, root: Path) -> int:
    """File every run folder under ``root`` with a summary.json; re-importing updates."""
    root = Path(root)
    if not root.is_dir():
        raise HistoryError(f"{root}: {'not a folder' if root.exists() else 'no such folder'}")
    count = 0
    for summary_path in sorted(root.rglob("summary.json")):
        folder = summary_path.parent
        if not is_run(folder):
            continue  # a regression's or repeat's own summary: its runs are filed one by one
        try:
            summary = json.loads(summary_path.read_text(encoding="utf-8"))
        except (OSError, ValueError) as exc:
            print(f"skipped {folder}: summary.json unreadable ({exc})")
            continue
        history.record(entry(folder, summary, _events(folder), summary_path.stat().st_mtime))
        count += 1
    return count


def _events(folder: Path) -> list[dict[str, Any]]:
    try:
        lines = (folder / "events.jsonl").read_text(encoding="utf-8").splitlines()
    except OSError:
        return []
    out = []
    for line in lines:
        try:
            out.append(json.loads(line))
        except ValueError:
            continue
    return out


def text_table(items: list[Versus], values: dict[int, dict[str, float]]) -> str:
    """One line per run for the terminal: id, start, scenario, result, key metrics vs baseline."""
    if not items:
        return "no runs in the history (yet)"
    heads = ["id", "started (UTC)", "scenario", "result", "baseline",
             *(m for m, _, _ in KEY_METRICS)]
    lines = []
    for v in items:
        result = v.run.status if v.run.passed is None else ("PASS" if v.run.passed else "FAIL")
        cells = []
        for metric, _, _ in KEY_METRICS:
            row = next((r for r in v.rows if r["metric"] == metric), None)
            value = fmt(values[v.run.id].get(metric)) if metric in values[v.run.id] else "-"
            if row and row["value"] is None and row["verdict"] == "worse":
                value = "none"  # a failover that never happened
            cells.append(f"{value} {row['verdict']}".strip() if row and row["verdict"] else value)
        when = datetime.fromtimestamp(v.run.started_at, tz=timezone.utc).strftime("%Y-%m-%d %H:%M")
        lines.append([str(v.run.id), when, v.run.scenario, result,
                      f"{v.baseline.id} ({v.how})" if v.baseline else "-", *cells])
    widths = [max(len(h), *(len(line[i]) for line in lines)) for i, h in enumerate(heads)]
    return "\n".join("  ".join(c.ljust(w) for c, w in zip(row, widths)).rstrip()
                     for row in [heads, *lines])
