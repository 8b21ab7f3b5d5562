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

In ``junit.xml`` every scenario is a test suite, every threshold a test case, and one more
case per scenario says whether the run itself completed (a run that deviated or crashed
fails even when it has no thresholds), so any CI server shows what failed and why.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
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


def junit_xml(doc: dict[str, Any]) -> str:
    """The regression as JUnit XML: a suite per scenario, a case per threshold."""
    root = ET.Element("testsuites", name="regression")
    total = failures = 0
    for scenario in doc.get("scenarios") or []:
        name = str(scenario["name"])
        rows = scenario.get("expect") or []
        suite = ET.SubElement(root, "testsuite", name=name, timestamp=str(doc.get("started", "")),
                              tests=str(len(rows) + 1), time=f"{scenario.get('seconds', 0.0):.3f}")
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
        suite.set("failures", str(suite_failures))
        suite.set("errors", "0")
        out = ET.SubElement(suite, "system-out")
        out.text = f"report: {scenario.get('report') or 'not built'}"
        total += len(rows) + 1
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
                     e(fmt(scenario.get("duration_s"))), e(scenario.get("note") or "")])
        failing += [(e(scenario["name"]), e(row["metric"]), e(row["condition"]), e(fmt(row.get("value"))),
                     e(row.get("reason") or "")) for row in expect if not row.get("passed")]
    body = (f"<h1>Regression {e(doc.get('started', ''))} {verdict(bool(doc.get('passed')))}</h1>"
            f"<p>{len(rows)} scenarios, short versions of {e(fmt(doc.get('duration_s')))} s each. "
            "Files: <a href='summary.json'>summary.json</a>, <a href='junit.xml'>junit.xml</a>.</p>"
            + table(("scenario", "status", "result", "thresholds held",
                     *(metric for metric, _, _ in KEY_METRICS), "duration s", "note"), rows))
    if failing:
        body += "<h2>Failed thresholds</h2>" + table(("scenario", "metric", "condition", "value", "reason"),
                                                     failing)
    return page(f"regression {doc.get('started', '')}", body)
