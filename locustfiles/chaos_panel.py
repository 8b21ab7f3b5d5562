"""The "Chaos" tab of Locust's web UI: the stack's state, fault buttons, live failover numbers.

Built on Locust's documented web-UI extension points (the ``extend_web_ui`` example):

* ``web_ui.template_args["extended_tabs"]`` / ``["extended_tables"]`` add the tab and its
  table, and an ``after_request`` hook adds the rows to ``/stats/requests`` as
  ``extended_stats``: one row per origin (state, faults, share of misses) and one for the edge
  (hit ratio), refreshed with Locust's own charts every 2 s.
* A Flask Blueprint under ``/chaos/`` serves the controls (``/chaos/`` is a page of its own;
  a small script added to Locust's index page shows it inside the tab, under the table).

Actions go to the launcher's API (``--chaos-api``, token in :data:`TOKEN_ENV`), which applies
them to the stack and records them in the run's ``events.jsonl``. Without ``--chaos-api`` (a
plain ``locust`` run, a headless scenario, a worker) nothing is installed.
"""

from __future__ import annotations

import logging
import os
import time
from pathlib import Path
from typing import Any

from flask import Blueprint, Response, jsonify, request, send_from_directory

from locustfiles.live_stats import LiveStats
from locustfiles.panel_client import TOKEN_ENV, PanelClient
from locustfiles.request_log import rows_logged

TAB_KEY = "chaos"
ASSETS = Path(__file__).resolve().parent / "panel"
TABLE = [
    {"key": "origin", "title": "Origin"},
    {"key": "state", "title": "State"},
    {"key": "faults", "title": "Active faults"},
    {"key": "share", "title": "Share of misses (10 s)"},
    {"key": "runshare", "title": "Share of misses (run)"},
    {"key": "hitratio", "title": "Hit ratio (10 s)"},
    {"key": "runhitratio", "title": "Hit ratio (run)"},
]
TAB_SCRIPT = '<script src="./chaos/assets/tab.js"></script>'

log = logging.getLogger(__name__)


def add_arguments(parser: Any) -> None:
    parser.add_argument("--chaos-api", type=str, default="", include_in_web_ui=False,
                        help="URL of the launcher's chaos API (set by `make ui`); enables the Chaos tab")


def describe_fault(fault: dict[str, Any]) -> str:
    """``status-2: status 503 p=0.5 /api/*`` (pure)."""
    skip = {"name", "type", "probability", "paths"}
    shown = {k: v for k, v in fault.items() if k not in skip and v not in (None, {}, [], "")}
    # the status code reads best bare and first: "status 503 body=..."
    attrs = " ".join([str(shown.pop("status"))] if "status" in shown else [])
    attrs += "".join(f" {k}={v}" for k, v in shown.items())
    text = f"{fault.get('name')}: {fault.get('type')} {attrs}".strip()
    if fault.get("probability") not in (None, 1, 1.0):
        text += f" p={fault['probability']}"
    if fault.get("paths"):
        paths = fault["paths"]
        text += " " + (" ".join(paths) if isinstance(paths, list) else str(paths))
    return text


def _pct(value: float | None) -> str:
    return "" if value is None else f"{value * 100:.1f}%"


def table_rows(session: dict[str, Any] | None, live: dict[str, Any]) -> list[dict[str, str]]:
    """The tab's table: one row per origin and one for the edge (pure)."""
    window = live.get("window", {})
    rows = []
    origins = (session or {}).get("origins") or [
        {"id": o, "state": "?", "faults": []} for o in sorted(live.get("miss_share", {}))]
    for origin in origins:
        rows.append({
            "origin": origin["id"],
            "state": origin.get("state", "?"),
            "faults": "; ".join(describe_fault(f) for f in origin.get("faults") or []) or "-",
            "share": _pct(window.get("miss_share", {}).get(origin["id"], 0.0)),
            "runshare": _pct(live.get("miss_share", {}).get(origin["id"], 0.0)),
            "hitratio": "", "runhitratio": "",
        })
    edge_up = ((session or {}).get("edge") or {}).get("alive", True)
    rows.append({"origin": "edge (all requests)", "state": "up" if edge_up else "down",
                 "faults": f"{window.get('rps', 0)} req/s, {window.get('errors', 0)} errors (10 s)",
                 "share": "", "runshare": "",
                 "hitratio": _pct(window.get("hit_ratio")), "runhitratio": _pct(live.get("hit_ratio"))})
    return rows


class ChaosPanel:
    """The tab's server side, in the Locust process that serves the web UI."""

    def __init__(self, environment: Any, client: PanelClient) -> None:
        self.environment = environment
        self.client = client
        self.live = LiveStats()
        self.stopped_at: float | None = None  # after STOP the figures hold still
        rows_logged.add_listener(lambda rows, **_kw: self.live.add(rows))
        environment.events.test_start.add_listener(lambda **_kw: self._started())
        environment.events.test_stop.add_listener(lambda **_kw: self._stopped())

    def _started(self) -> None:
        self.stopped_at = None
        self._load("start")

    def _stopped(self) -> None:
        self.stopped_at = time.time() + 2.0  # the last requests still complete and get logged
        self._load("stop")

    def _load(self, edge: str) -> None:
        status, body = self.client.load(edge)
        if status != 200:
            log.error("chaos panel: recording load %s failed: %s", edge, body.get("error"))

    def snapshot(self) -> dict[str, Any]:
        status, session = self.client.state()
        windows = (session.get("windows") or []) if status == 200 else []
        for window in windows:  # each fault's failover, timed live as the report times it
            self.live.watch(str(window["id"]), float(window["ts0"]), str(window["target"]))
            if window.get("ts1") is not None:
                self.live.cut(float(window["ts1"]))
        now = time.time() if self.stopped_at is None else min(time.time(), self.stopped_at)
        live = self.live.snapshot(now)
        for window in windows:
            window["failover_s"] = live["failover"].get(str(window["id"]))
        return {"session": session if status == 200 else None,
                "error": None if status == 200 else session.get("error"),
                "live": live, "frozen": self.stopped_at is not None and time.time() >= self.stopped_at}

    def blueprint(self) -> Blueprint:
        bp = Blueprint("chaos", __name__, url_prefix="/chaos", static_folder=str(ASSETS),
                       static_url_path="/assets")

        @bp.route("/")
        def page() -> Response:
            return send_from_directory(ASSETS, "panel.html")

        @bp.route("/ping")
        def ping() -> str:
            return "ok"

        @bp.route("/state")
        def state() -> Response:
            return jsonify(self.snapshot())

        @bp.route("/step", methods=["POST"])
        def step() -> tuple[Response, int]:
            status, body = self.client.step(request.get_json(silent=True))
            return jsonify(body), status

        @bp.route("/report", methods=["POST"])
        def report() -> tuple[Response, int]:
            status, body = self.client.report()
            return jsonify(body), status

        @bp.route("/report.html")
        def report_page() -> Response | tuple[str, int]:
            status, session = self.client.state()
            run_dir = session.get("run_dir") if status == 200 else None
            if not run_dir or not (Path(run_dir) / "report.html").exists():
                return "no report yet: stop the test, then build it", 404
            return send_from_directory(run_dir, "report.html")

        return bp

    def extend_response(self, response: Response) -> Response:
        """``after_request``: the tab's rows into ``/stats/requests``, the tab script into ``/``."""
        if request.path == "/stats/requests" and response.is_json:
            data = response.get_json()
            snap = self.snapshot()
            data["extended_stats"] = [{"key": TAB_KEY, "data": table_rows(snap["session"], snap["live"])}]
            response.set_data(jsonify(data).get_data())
        elif request.path == "/" and response.mimetype == "text/html":
            html = response.get_data(as_text=True)
            response.set_data(html.replace("</body>", TAB_SCRIPT + "</body>", 1))
        return response

    def register(self, web_ui: Any) -> None:
        web_ui.app.register_blueprint(self.blueprint())
        web_ui.app.after_request(self.extend_response)
        web_ui.template_args["extended_tabs"] = [{"title": "Chaos", "key": TAB_KEY}]
        web_ui.template_args["extended_tables"] = [{"key": TAB_KEY, "structure": TABLE}]


def install(environment: Any) -> ChaosPanel | None:
    """Add the Chaos tab when this process serves the web UI and ``--chaos-api`` is set."""
    options = environment.parsed_options
    url = str(getattr(options, "chaos_api", "") or "") if options is not None else ""
    if environment.web_ui is None or not url:
        return None
    panel = ChaosPanel(environment, PanelClient(url, os.environ.get(TOKEN_ENV, "")))
    panel.register(environment.web_ui)
    return panel
