"""Remote origins: the stand-in for :class:`~scenarios.stack.local.Stack` when a scenario names
``origins: {NAME: {control: URL, token_env: VAR}}`` (see :mod:`scenarios.spec.remote_config`).

No edge and no origin is started. Before the load, every control URL must answer
``GET /faults`` with the right token and the right origin Id, or the run is refused. Steps go
through the control API only (``fault``, ``clear``, origin ``control`` calls); at teardown
every remote origin gets ``POST /reset``, so a remote origin is never left broken. The only
local process is Locust.

:func:`prepare_run` is what ``python -m scenarios run`` calls first: it resolves the target,
applies the safety rails of :mod:`scenarios.remote.safety`, prints the plan, and checks the control
endpoints, all before any request goes to the target.
"""

from __future__ import annotations

import argparse
import sys
import time
from dataclasses import replace
from pathlib import Path
from typing import Any, TextIO

import requests

from origins.client import ControlError, OriginControl
from scenarios.errors import ScenarioInputError, StackError
from scenarios.remote import safety
from scenarios.spec import steps as st
from scenarios.spec.control_step import ACTION as CONTROL
from scenarios.spec.model import Scenario, Step
from scenarios.spec.remote_config import RemoteOrigin
from scenarios.spec.urls import check_url
from scenarios.stack import procs
from scenarios.stack.control import call as control_call
from scenarios.stack.local import Stack

CONTROL_TIMEOUT_S = 5.0
TARGET_TRIES = 3            # a dead target is refused after this many GETs, before any load
TARGET_TIMEOUT_S = 3.0
TARGET_PATH = "/api/probe"  # what the probe user asks for anyway
CHECK_RETRY_S = 2.0        # a control API that refuses connections is retried this long


def check_target(target: str) -> str:
    """A few GETs (each bounded) before any load: the plan line saying what the target answered,
    or ScenarioInputError naming the target and what went wrong. Any HTTP answer counts as
    alive (a real distribution may well say 403 to this path); no answer at all does not."""
    problem = ""
    for _ in range(TARGET_TRIES):
        started = time.monotonic()
        try:
            answer = requests.get(target + TARGET_PATH, timeout=TARGET_TIMEOUT_S, allow_redirects=False)
        except requests.Timeout:
            problem = f"no answer within {TARGET_TIMEOUT_S:g} s"
        except requests.ConnectionError as exc:
            problem = "connection refused" if "refused" in str(exc).lower() else \
                "cannot connect (" + str(exc).rsplit(": ", 1)[-1][:120] + ")"
        except requests.RequestException as exc:
            problem = str(exc)[:160]
        else:
            took_ms = (time.monotonic() - started) * 1000
            return f"plan: target {target} answered GET {TARGET_PATH} with {answer.status_code} in {took_ms:.0f} ms"
    raise ScenarioInputError(f"--target {target}: {problem} on {TARGET_TRIES} tries of GET {TARGET_PATH}; "
                             "refusing to start the load")


def check_control(origin: RemoteOrigin, token: str | None) -> dict[str, Any]:
    """``GET /faults`` on the origin's control API; ScenarioInputError (exit 2: refused before any load) naming the origin when it fails."""
    control = OriginControl(origin.control, token=token, timeout=CONTROL_TIMEOUT_S)
    try:
        answer = control.wait_ready(timeout=CHECK_RETRY_S)
    except ControlError as exc:
        if exc.status == 401:
            problem = f"refused the token (401); check ${origin.token_env or '(no token_env)'}"
        elif exc.status:
            problem = f"answered {exc.status}: {exc}"
        else:
            problem = "did not answer (" + str(exc).rsplit(": ", 1)[-1][:160] + ")"
        raise ScenarioInputError(f"origin {origin.origin_id}: control API {origin.control} {problem}; "
                         "refusing to start the load") from None
    finally:
        control.close()
    if answer.get("id") != origin.origin_id:
        raise ScenarioInputError(f"origin {origin.origin_id}: control API {origin.control} belongs to origin "
                         f"{answer.get('id')!r}; refusing to start the load")
    return {"control": origin.control, "faults": len(answer.get("faults") or [])}


class RemoteOrigins(Stack):
    """Remote origins of one run: checked, faulted and reset through their control APIs."""

    def __init__(self, scenario: Scenario, run_dir: Path) -> None:
        super().__init__(scenario, run_dir)
        assert scenario.remote is not None and scenario.remote.target is not None
        self.remote = scenario.remote
        self.tokens = {o.origin_id: o.token() for o in self.remote.origins}
        self.checked = False

    @property
    def edge(self) -> Any:  # type: ignore[override]
        """The target once the origins were checked (None before: nothing to roll back)."""
        return self.remote.target if self.checked else None

    @edge.setter
    def edge(self, _value: Any) -> None:
        pass  # there is no local edge to remember

    @property
    def edge_url(self) -> str:
        assert self.remote.target is not None
        return self.remote.target

    def start(self) -> dict[str, Any]:
        """Check every control endpoint; returns what ``stack-ready`` records."""
        origins = {o.origin_id: check_control(o, self.tokens[o.origin_id]) for o in self.remote.origins}
        self.checked = True
        return {"target": self.remote.target, "remote": True, "origins": origins}

    def control(self, origin_id: str) -> OriginControl:
        return OriginControl(self.remote.origin(origin_id).control, token=self.tokens[origin_id],
                             timeout=CONTROL_TIMEOUT_S)

    def apply(self, step: Step) -> dict[str, Any]:
        """Carry out a ``fault``, ``clear`` or origin ``control`` step. Raises on failure."""
        if step.action == CONTROL:
            return control_call(self.remote.origin(step.target).control, step.params,
                                self.tokens[step.target])
        if step.action not in ("fault", "clear"):  # refused at validation; never reached
            raise StackError(f"{step.action} cannot be applied to a remote origin")
        control = self.control(step.target)
        try:
            if step.action == "fault":
                params = dict(control.add_fault(**step.params))
            elif step.params.get("name"):
                control.delete_fault(step.params["name"])
                params = dict(step.params)
            else:
                control.reset()
                params = {}
        except ControlError as exc:
            raise StackError(f"origin {step.target}: {exc}") from None
        finally:
            control.close()
        self.state[step.target] = st.TRANSITIONS[step.action][1]
        return params

    def applicable(self, step: Step) -> bool:
        return step.target in self.tokens and st.allowed(step.action, self.state[step.target])

    def unexpected_exit(self) -> str | None:
        return None  # remote processes are not ours to watch; Locust is watched by the runner

    def reset_faults(self) -> list[str]:
        """``POST /reset`` on every remote origin; returns the failures."""
        problems = []
        for origin_id in self.tokens:
            control = self.control(origin_id)
            try:
                control.reset()
            except ControlError as exc:
                problems.append(f"{origin_id}: {exc}")
            finally:
                control.close()
        return problems

    def stop(self) -> None:
        """Stop the local children (Locust); the remote origins keep running."""
        for child in self.children:
            procs.stop(child)


def stack_for(scenario: Scenario, run_dir: Path) -> Stack:
    """The stack of a run: remote origins when the scenario names them, else the local one."""
    if scenario.remote is not None and scenario.remote.origins:
        return RemoteOrigins(scenario, run_dir)
    return Stack(scenario, run_dir)


def prepare_run(scenario: Scenario, args: argparse.Namespace,
                out: TextIO = sys.stdout) -> tuple[Scenario, str | None]:
    """Resolve the target, apply the safety rails, print the plan, check the control endpoints.

    Returns the scenario to run and the target to hand the runner (None when a stack, local
    or remote, provides it). Raises ScenarioInputError (exit 2) before
    anything is sent.
    """
    remote = scenario.remote
    raw_target = getattr(args, "target", None) or (remote.target if remote else None)
    if raw_target is None:
        if remote is not None and remote.origins:
            raise ScenarioInputError(f"{scenario.source}: remote origins need a target: give "
                                     "'target: URL' in the file or --target URL")
        return scenario, None
    target = check_url(raw_target, "--target")
    has_origins = remote is not None and bool(remote.origins)
    if not has_origins and scenario.steps:
        raise ScenarioInputError(f"--target: {scenario.source} has steps, which need the local stack "
                                 "or remote origins (origins: {NAME: {control: URL, token_env: VAR}})")
    if remote is not None:
        scenario = replace(scenario, remote=replace(remote, target=target))
    limits = safety.Limits(max_rps=float(getattr(args, "max_rps", safety.DEFAULT_MAX_RPS)),
                           max_duration_s=float(getattr(args, "max_duration", safety.DEFAULT_MAX_DURATION_S)))
    plan = safety.make_plan(scenario, target, limits)
    reason = safety.refusal(plan, bool(getattr(args, "real_target", False)), scenario.stack_args.locust)
    if reason is not None:
        raise ScenarioInputError(reason)
    for line in plan.lines():
        print(line, file=out, flush=True)
    if plan.real:
        scenario = safety.rate_guard(scenario, limits)
    if has_origins:
        assert scenario.remote is not None
        for origin in scenario.remote.origins:
            check_control(origin, origin.token())
        print(f"plan: every control API answered ({len(scenario.remote.origins)} origins)", file=out, flush=True)
        return scenario, None
    return scenario, target

