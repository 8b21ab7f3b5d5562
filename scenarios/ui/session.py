"""The session behind the chaos panel: hand-made steps, applied to the stack and recorded.

The panel (in Locust's web UI) sends JSON like ``{"action": "fault", "target": "primary",
"params": {"type": "status", "status": 503}}``; :func:`parse_step_request` checks it without
IO into the same :class:`~scenarios.spec.model.Step` a scenario file would give, and
:class:`PanelSession` applies it with :class:`~scenarios.stack.local.Stack` and records it in
``events.jsonl`` exactly as the runner records a step (``fault_id``/``fault_edge`` included).

Two liberties a scenario file does not take, because people exploring do this: a second fault
can be added to an origin that already has one (it joins the open fault window), and clearing
one of several faults by name leaves the window open until the last one goes.

One session is one load run: Locust's start opens it (``load-start``), its stop closes it
(``load-end``, ``run-end``); the report covers that run.
"""

from __future__ import annotations

import json
import threading
import time
from pathlib import Path
from typing import Any

import requests
import yaml

from origins.errors import FaultSpecError
from origins.faults import parse_fault, required_attributes
from scenarios.errors import ScenarioError
from scenarios.run.events import EventLog
from scenarios.spec import steps as st
from scenarios.spec.durations import StepTime
from scenarios.spec.model import Step
from scenarios.spec.parse_steps import FUNCTION_FAULTS

FAULTED = "faulted"
EDGE_LOG_FLUSH_S = 1.5  # the edge flushes its access log every second


class PanelError(ScenarioError):
    """A panel request that cannot be carried out: one line and an HTTP status."""

    def __init__(self, message: str, status: int = 400) -> None:
        super().__init__(message)
        self.status = status


def _known(values: Any) -> str:
    return ", ".join(sorted(values))


def parse_step_request(body: Any, origin_ids: tuple[str, ...], t: float, index: int = 0) -> Step:
    """The step a panel request asks for; :class:`PanelError` (400) naming the bad field."""
    if not isinstance(body, dict):
        raise PanelError("body: expected a JSON object like {\"action\": \"kill\", \"target\": \"primary\"}", status=400)
    action = body.get("action")
    if action not in st.ACTIONS:
        raise PanelError(f"action: unknown {action!r} (known: {_known(st.ACTIONS)})", status=400)
    params = body.get("params") or {}
    if not isinstance(params, dict):
        raise PanelError("params: expected a JSON object", status=400)
    if action in st.EDGE_ACTIONS:
        paths = params.get("paths")
        if isinstance(paths, str):
            paths = paths.split()
        if not paths or not all(isinstance(p, str) and p.startswith("/") for p in paths):
            raise PanelError("params.paths: expected paths starting with '/', e.g. [\"/static/*\"]", status=400)
        return Step(at=StepTime(t), at_s=t, action=action, target=st.EDGE_TARGET,
                    params={"paths": list(paths)}, index=index)
    target = body.get("target")
    if target == st.EDGE_TARGET and action in ("fault", "clear"):  # edge code: a function's chaos
        if action == "fault":
            unknown = set(params) - {"function", "type"}
            if unknown or not isinstance(params.get("function"), str) or params.get("type") not in FUNCTION_FAULTS:
                raise PanelError("params: an edge fault is {\"function\": NAME, \"type\": "
                                 f"{' | '.join(FUNCTION_FAULTS)}}}", status=400)
        return Step(at=StepTime(t), at_s=t, action=action, target=st.EDGE_TARGET,
                    params=dict(params) if action == "fault" else {}, index=index)
    if target not in origin_ids:
        raise PanelError(f"target: unknown origin {target!r} (known: {_known(origin_ids)})", status=400)
    if action == "fault":
        try:
            parse_fault(params)  # as the origin's control API will judge it
        except FaultSpecError as exc:
            raise PanelError("params" + str(exc).removeprefix("faults"), status=400) from None
    elif action == "clear":
        extra = set(params) - {"name"}
        if extra or not isinstance(params.get("name", ""), str):
            raise PanelError("params: clear takes only an optional fault 'name'", status=400)
        params = {"name": params["name"]} if params.get("name") else {}
    elif params:
        raise PanelError(f"params: {action} takes none", status=400)
    return Step(at=StepTime(t), at_s=t, action=action, target=str(target), params=dict(params), index=index)


class PanelSession:
    """The run of one ``make ui`` session: its stack, its event log and its phase."""

    def __init__(self, stack: Any, events: EventLog, run_dir: Path, load_params: dict[str, Any]) -> None:
        self.stack = stack
        self.events = events
        self.run_dir = run_dir
        self.load_params = load_params
        self.origin_ids: tuple[str, ...] = tuple(stack.scenario.origin_ids)
        self.phase = "waiting"  # -> running (Locust started) -> stopped (Locust stopped)
        self.applied: list[Step] = []
        self.load_end: float | None = None
        self.report: dict[str, Any] | None = None
        self.lock = threading.Lock()  # one action at a time, in the order they arrive

    def _t(self) -> float:
        start = self.events.load_start
        return round(time.time() - start, 3) if start is not None else 0.0

    def load(self, edge: str) -> dict[str, Any]:
        """Locust started (``start``) or stopped (``stop``) the load."""
        with self.lock:
            if edge == "start" and self.phase == "waiting":
                self.events.load_start = time.time()
                self.events.record("load-start", ts=self.events.load_start, params=self.load_params)
                self.phase = "running"
            elif edge == "stop" and self.phase == "running":
                self.finish("completed")
            elif edge not in ("start", "stop"):
                raise PanelError(f"edge: expected 'start' or 'stop', got {edge!r}", status=400)
            return {"phase": self.phase}

    def finish(self, status: str) -> None:
        """Close the run: ``load-end`` (if the load ran), ``run-end``; scenario.yaml gets the steps."""
        if self.phase == "running":
            self.load_end = time.time()
            self.events.record("load-end", ts=self.load_end)
        if "run-end" not in self.events.kinds:
            self.events.record("run-end", params={"status": status})
            self._write_steps()
        self.phase = "stopped"

    def _write_steps(self) -> None:
        """Add the hand-made steps to scenario.yaml, as a scenario file would have them."""
        path = self.run_dir / "scenario.yaml"
        try:
            data = yaml.safe_load(path.read_text()) or {}
        except (OSError, yaml.YAMLError):
            return
        data["steps"] = [s.to_dict() for s in self.applied]
        if self.load_end is not None and self.events.load_start is not None:
            data.setdefault("load", {})["duration"] = round(self.load_end - self.events.load_start, 3)
        path.write_text(yaml.safe_dump(data, sort_keys=False, allow_unicode=True))

    def step(self, body: Any) -> dict[str, Any]:
        """Apply one panel action; returns the recorded event. :class:`PanelError` when refused."""
        with self.lock:
            if self.phase == "stopped":
                raise PanelError("the run is over (the load was stopped); start `make ui` again for a new run", status=409)
            step = parse_step_request(body, self.origin_ids, self._t(), len(self.applied))
            state = self.stack.state.get(step.target, st.UP)
            stacked = step.action == "fault" and state == FAULTED
            if not stacked and not st.allowed(step.action, state):
                before = st.TRANSITIONS[step.action][0]
                raise PanelError(f"cannot {step.action} {step.target}: it is {state} (it must be {before})", status=409)
            sent = time.time()  # the step's time: nothing it causes can come before it
            try:
                params = self.stack.apply(step)
            except Exception as exc:  # the origin's or the edge's own message, one line
                message = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
                self.events.step(step.action, step.target, {**step.params, "error": message}, ok=False, ts=sent)
                if stacked:
                    self.stack.state[step.target] = FAULTED
                raise PanelError(f"{step.describe()} failed: {message}", status=502) from None
            self.applied.append(step)
            if stacked:  # joins the origin's open window
                return self.events.record("fault", step.target, params)
            if step.action == "clear" and step.params.get("name") and self._faults(step.target):
                self.stack.state[step.target] = FAULTED  # other faults remain: the window stays open
                return self.events.record("clear", step.target, params)
            return self.events.step(step.action, step.target, params, ok=True, ts=sent)

    def _faults(self, origin_id: str) -> list[dict[str, Any]]:
        try:
            return list(self.stack.control(origin_id).faults())
        except Exception:
            return []

    def _functions(self) -> dict[str, Any]:
        """The edge's functions and their faults (``GET /functions``); {} without any."""
        edge = self.stack.edge
        if edge is None or not edge.alive() or not edge.ready.get("admin"):
            return {}
        try:
            answer = requests.get(f"http://{edge.ready['admin']}/functions", timeout=2,
                                  headers={"Authorization": f"Bearer {self.stack.admin_token}"})
            return dict(answer.json()) if answer.status_code == 200 else {}
        except (requests.RequestException, ValueError):
            return {}

    def state(self) -> dict[str, Any]:
        """What the panel shows: the phase, each origin's state and faults, the recent events."""
        origins = []
        for origin_id in self.origin_ids:
            child = self.stack.origins.get(origin_id)
            state = self.stack.state.get(origin_id, st.UP)
            alive = child is not None and child.alive()
            # A paused origin never answers its control port either: do not wait for it.
            faults = self._faults(origin_id) if alive and state not in ("paused", "down") else []
            origins.append({"id": origin_id, "state": state, "alive": alive,
                            "pid": child.pid if child is not None else None, "faults": faults})
        edge = self.stack.edge
        return {
            "run_dir": str(self.run_dir),
            "phase": self.phase,
            "t": self._t() if self.phase == "running" else None,
            "origins": origins,
            "edge": {"url": self.stack.edge_url if edge is not None else None,
                     "alive": bool(edge is not None and edge.alive()),
                     "functions": self._functions()},
            "actions": list(st.ACTIONS),
            "fault_types": {k: list(v) for k, v in required_attributes().items()},
            "events": self._recent_events(),
            "load_start": self.events.load_start,
            "windows": self._windows(),
            "report": self.report,
        }

    def _windows(self) -> list[dict[str, Any]]:
        """Every fault window of the run so far: id, target, what opened it, start and end
        (epoch seconds; no end while open), for the panel's markers and live failover time."""
        try:
            lines = self.events.path.read_text().splitlines()
        except OSError:
            return []
        windows: dict[int, dict[str, Any]] = {}
        for line in lines:
            try:
                event = json.loads(line)
            except ValueError:
                continue  # a line being written
            fault_id = event.get("fault_id")
            if event.get("fault_edge") == "start" and isinstance(fault_id, int):
                windows[fault_id] = {"id": fault_id, "target": event.get("target"),
                                     "label": self.events.labels.get(fault_id, str(event.get("kind"))),
                                     "ts0": event["ts"], "ts1": None}
            elif event.get("fault_edge") == "end" and fault_id in windows:
                windows[fault_id]["ts1"] = event["ts"]
        return [windows[k] for k in sorted(windows)]

    def _recent_events(self, limit: int = 12) -> list[dict[str, Any]]:
        try:
            lines = self.events.path.read_text().splitlines()[-limit:]
        except OSError:
            return []
        return [json.loads(line) for line in lines if line.strip()]

    def build_report(self) -> dict[str, Any]:
        """Build the run's report (the same as a headless run's); returns its path and headline."""
        if self.phase != "stopped":
            raise PanelError("stop the test first: the report covers one load run, start to stop", status=409)
        from reports.build import build_report
        from reports.errors import ReportError
        from scenarios.run.report import summary_lines

        if self.load_end is not None:  # let the edge write its last access-log lines
            time.sleep(max(0.0, self.load_end + EDGE_LOG_FLUSH_S - time.time()))
        with self.lock:
            try:
                summary = build_report(self.run_dir)
            except ReportError as exc:
                raise PanelError(f"report not built: {exc}", status=500) from None
            self.report = {"path": str(self.run_dir / "report.html"),
                           "lines": summary_lines(summary, self.run_dir)}
            return self.report
