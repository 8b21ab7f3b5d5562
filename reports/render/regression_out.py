"""What a regression run leaves for people and CI: ``index.html`` and ``junit.xml``.

Both are pure functions of the regression's ``summary.json`` document::

    {"kind": "regression", "started": "20261128T020000Z", "ts": 1764295200.0,
     "passed": false, "exit_code": 1, "duration_s": 20.0,
     "scenarios": [{"name": "primary-killed", "source": "scenarios/library/primary-killed.yaml",
                    "run_dir": "primary-killed", "report": "primary-killed/report.html",
                    "status": "completed", "exit_code": 1, "passed": false,
                    "duration_s": 20.0, "seconds": 31.2, "note": "",
                    "metrics": {"faults[0].time_to_failover_s": 0.41, ...},
                    "expect": [{"metric": ..., "condition": ..., "value": ...,
                                "passed": ..., "reason": ...}]}]}

Each scenario may also carry ``"baseline"``: its verdict against the run history's
baseline (``how``, ``baseline_id``, ``worse``: the key metrics worse beyond their noise,
``rows``: every key metric judged; reports.history.judge).

In ``junit.xml`` every scenario is a test suite, every threshold a test case (a passing one
says its value in ``system-out``), one more case per scenario says whether the run itself
completed (a run that deviated or crashed fails even when it has no thresholds) and one
whether a key metric is worse than the baseline, so any CI server shows what failed and why.
``summary.md`` is the same in Markdown, for a CI job summary.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from datetime import datetime, timezone
from typing import Any

from reports.metrics.repeats import KEY_METRICS
from reports.render.htmlkit import e, fmt, fmt_in, page, table, verdict


def _case(suite: ET.Element, scenario: str, name: str, seconds: float,
          failure: str | None, detail: str = "") -> None:
    case = ET.SubElement(suite, "testcase", classname=f"regression.{scenario}", name=name,
                         time=f"{seconds:.3f}")
    if failure is not None:
        node = ET.SubElement(case, "failure", message=failure, type="threshold")
        node.text = detail or failure
    elif detail:
        ET.SubElement(case, "system-out").text = detail


def iso_time(doc: dict[str, Any]) -> str:
    """The regression's start as JUnit's ``timestamp`` wants it: ISO 8601, UTC, no zone suffix."""
    ts = doc.get("ts")
    if not isinstance(ts, (int, float)):
        return ""
    return datetime.fromtimestamp(ts, tz=timezone.utc).strftime("%Y-%m-%dT%H:%M:%S")


def baseline_case(scenario: dict[str, Any]) -> tuple[str | None, str]:
    """(failure message or None, detail) of the "no key metric worse than the baseline" case."""
    base = scenario.get("baseline") or {"how": "off", "worse": [], "rows": []}
    worse = [r for r in base.get("rows", []) if r.get("verdict") == "worse"]
    lines = [f"{r['metric']}: baseline {fmt(r['baseline'])}, this run {fmt(r['value'])}, "
             f"noise ±{fmt(r['band'])}: {r['verdict'] or 'no verdict'}" for r in base.get("rows", [])]
    if base.get("baseline_id") is None:
        lines.insert(0, f"no baseline to compare with ({base.get('note') or base.get('how')})")
    else:
        lines.insert(0, f"baseline: run {base['baseline_id']} ({base['how']})")
    failure = f"worse than baseline run {base.get('baseline_id')}: " + ", ".join(
        r["metric"] for r in worse) if worse else None
    return failure, "\n".join(lines)


def junit_xml(doc: dict[str, Any]) -> str:
    """The regression as JUnit XML: a suite per scenario, a case per threshold."""
    root = ET.Element("testsuites", name="regression")
    total = failures = 0
    for scenario in doc.get("scenarios") or []:
        name = str(scenario["name"])
        rows = scenario.get("expect") or []
        suite = ET.SubElement(root, "testsuite", name=name, timestamp=iso_time(doc),
                              tests=str(len(rows) + 2), time=f"{scenario.get('seconds', 0.0):.3f}")
        status, code = scenario.get("status"), scenario.get("exit_code")
        ran_ok = status == "completed"
        why = f"run {status} (exit code {code})" + (f": {scenario['note']}" if scenario.get("note") else "")
        _case(suite, name, "run completed", float(scenario.get("seconds", 0.0)), None if ran_ok else why)
        suite_failures = 0 if ran_ok else 1
        for row in rows:
            passed = bool(row.get("passed"))
            suite_failures += not passed
            detail = f"{row['metric']} {row['condition']}: value {fmt(row.get('value'))}"
            _case(suite, name, f"{row['metric']} {row['condition']}", 0.0,
                  None if passed else (row.get("reason") or "threshold failed"), detail)
        worse, detail = baseline_case(scenario)
        _case(suite, name, "no key metric worse than the baseline", 0.0, worse, detail)
        suite_failures += worse is not None
        suite.set("failures", str(suite_failures))
        suite.set("errors", "0")
        out = ET.SubElement(suite, "system-out")
        out.text = f"report: {scenario.get('report') or 'not built'}"
        total += len(rows) + 2
        failures += suite_failures
    root.set("tests", str(total))
    root.set("failures", str(failures))
    ET.indent(root)
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(root, encoding="unicode") + "\n"


def index_html(doc: dict[str, Any]) -> str:
    """One row per scenario with its headline numbers and a link to its report."""
    rows = []
    failing = []
    for scenario in doc.get("scenarios") or []:
        expect = scenario.get("expect") or []
        held = sum(1 for row in expect if row.get("passed"))
        link = (f'<a href="{e(scenario["report"])}">{e(scenario["name"])}</a>'
                if scenario.get("report") else e(scenario["name"]))
        metrics = scenario.get("metrics") or {}
        rows.append([link, e(scenario.get("status")), verdict(bool(scenario.get("passed"))),
                     e(f"{held} / {len(expect)}"),
                     *(e(fmt_in(metrics, metric)) for metric, _, _ in KEY_METRICS),
                     _baseline_cell(scenario), e(fmt(scenario.get("duration_s"))),
                     e(scenario.get("note") or "")])
        failing += [(e(scenario["name"]), e(row["metric"]), e(row["condition"]), e(fmt(row.get("value"))),
                     e(row.get("reason") or "")) for row in expect if not row.get("passed")]
    body = (f"<h1>Regression {e(doc.get('started', ''))} {verdict(bool(doc.get('passed')))}</h1>"
            f"<p>{len(rows)} scenarios, short versions of {e(fmt(doc.get('duration_s')))} s each. "
            "Files: <a href='summary.json'>summary.json</a>, <a href='junit.xml'>junit.xml</a>.</p>"
            + table(("scenario", "status", "result", "thresholds held",
                     *(metric for metric, _, _ in KEY_METRICS), "vs baseline", "duration s", "note"), rows))
    if failing:
        body += "<h2>Failed thresholds</h2>" + table(("scenario", "metric", "condition", "value", "reason"),
                                                     failing)
    return page(f"regression {doc.get('started', '')}", body)


def _baseline_cell(scenario: dict[str, Any]) -> str:
    base = scenario.get("baseline") or {}
    if base.get("baseline_id") is None:
        return e({"none": "no baseline yet", "off": "no history"}.get(base.get("how", "off"), "unavailable"))
    if base.get("worse"):
        return f'<span class="fail">worse: {e(", ".join(base["worse"]))}</span> (run {base["baseline_id"]})'
    return f'same or better than run {e(base["baseline_id"])} ({e(base["how"])})'


def markdown(doc: dict[str, Any]) -> str:
    """The regression in a few lines of Markdown (a CI job summary): verdict, then a row per
    scenario with its thresholds, its key metrics and its verdict against the baseline."""
    mark = "✅ passed" if doc.get("passed") else "❌ failed"
    lines = [f"## Regression {doc.get('started', '')}: {mark}", "",
             f"{len(doc.get('scenarios') or [])} scenario(s), short versions of {fmt(doc.get('duration_s'))} s.",
             "", "| scenario | result | thresholds | " + " | ".join(m for m, _, _ in KEY_METRICS)
             + " | vs baseline |", "|---" * (4 + len(KEY_METRICS)) + "|"]
    for scenario in doc.get("scenarios") or []:
        expect = scenario.get("expect") or []
        held = sum(1 for row in expect if row.get("passed"))
        metrics = scenario.get("metrics") or {}
        base = scenario.get("baseline") or {}
        rows = {r["metric"]: r for r in base.get("rows", [])}
        cells = []
        for metric, _, _ in KEY_METRICS:
            verdict = rows.get(metric, {}).get("verdict")
            value = "none" if verdict == "worse" and rows[metric]["value"] is None else fmt_in(metrics, metric)
            cells.append(value + (f" ({verdict})" if verdict else ""))
        versus = ("worse: " + ", ".join(base["worse"])) if base.get("worse") else \
            (f"same or better than run {base['baseline_id']}" if base.get("baseline_id") is not None
             else "no baseline yet")
        lines.append(f"| {scenario['name']} | {'✅' if scenario.get('passed') else '❌'} {scenario.get('status')} "
                     f"| {held}/{len(expect)} | " + " | ".join(cells) + f" | {versus} |")
    failing = [(s["name"], row) for s in doc.get("scenarios") or [] for row in s.get("expect") or []
               if not row.get("passed")]
    if failing:
        lines += ["", "Failed thresholds:", ""]
        lines += [f"- {name}: `{row['metric']} {row['condition']}`, value {fmt(row.get('value'))}"
                  for name, row in failing]
    return "\n".join(lines) + "\n"
