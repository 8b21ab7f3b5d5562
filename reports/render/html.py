"""report.html: one self-contained page (CSS inline, charts as base64 PNGs, no script).

Order: verdict, thresholds, key numbers, faults, phases, probe vs viewers, the edge-log
cross-check, repeats (when the run is one of a ``repeat: N``), charts, definitions, the
scenario as run and the event timeline.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from reports.render import sections
from reports.render.definitions import DEFINITIONS
from reports.render.htmlkit import e, fmt, images, page
from reports.render.security_section import section as security_section


def render(summary: dict[str, Any], plots: dict[str, Path], events: list[dict[str, Any]],
           scenario_text: str) -> str:
    """The whole page as a string."""
    title = f"{summary['scenario']}: {summary['status']}"
    definitions = "".join(f"<dt>{e(name)}</dt><dd>{e(text)}</dd>" for name, text in DEFINITIONS)
    body = f"""<h1>{e(summary['scenario'])} <span class="status">{e(summary['status'])}</span></h1>
<p>Thresholds: {sections.threshold_verdict(summary)} &middot; duration {e(fmt(summary['duration_s']))} s
&middot; {e(summary['requests'])} requests</p>
<p class="note">In this folder too: <a href="summary.json">summary.json</a>, <a href="locust.html">Locust's own
report</a> and its tables (<code>locust_stats.csv</code>, <code>locust_stats_history.csv</code>,
<code>locust_failures.csv</code>), <code>requests.csv</code>, <code>events.jsonl</code>,
<code>edge-access.log</code>.</p>
{sections.headline(summary)}
<h2>Thresholds</h2>{sections.expect(summary)}
<h2>Key numbers</h2>{sections.key_numbers(summary)}
<h2>Faults</h2>{sections.faults(summary)}
<h2>Phases</h2>{sections.phases(summary)}
<h2>Probe and viewers</h2>{sections.streams(summary)}
<h2>Edge log cross-check</h2>{sections.edge_log(summary)}
{security_section(summary)}
{sections.repeats(summary)}
<h2>Charts</h2>{images(plots)}
<h2>Definitions</h2><dl>{definitions}</dl>
<h2>Scenario as run</h2><pre>{e(scenario_text or '(no scenario.yaml in the run folder)')}</pre>
<h2>Event timeline</h2>{sections.timeline(events)}"""
    return page(title, body)
