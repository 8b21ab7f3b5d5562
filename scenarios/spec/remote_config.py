"""A scenario's ``target`` and remote ``origins``: the same timeline against a real distribution.

::

    target: https://d111111abcdef8.cloudfront.net        # drive this URL; no local edge is started
    origins:                                               # this project's origins, deployed elsewhere
      primary:   {control: https://primary.example.com:9443, token_env: PRIMARY_CONTROL_TOKEN}
      secondary: {control: https://secondary.example.com:9443, token_env: SECONDARY_CONTROL_TOKEN}

With ``origins`` the runner starts no edge and no origins: it checks that every control URL
answers (:mod:`scenarios.remote.origins`) and applies ``fault``, ``clear`` and origin ``control``
steps through them. Steps that need a process on this machine are refused here, at
validation, with the reason (:data:`LOCAL_ONLY`). Tokens are read from the named environment
variables at run time and never written to the run folder. ``--target`` overrides ``target``.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from typing import Any

from contracts.address import is_loopback
from scenarios.errors import ScenarioInputError
from scenarios.spec.fields import Checker
from scenarios.spec.steps import EDGE_TARGET
from scenarios.spec.urls import check_url, url_host

ORIGIN_KEYS = ("control", "token_env")
_ENV_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")

_USE_A_FAULT = "use a fault through the control API instead, e.g. {type: refuse} or {type: status, status: 503}"
LOCAL_ONLY: dict[str, str] = {
    "kill": f"signals the origin's process, which runs on another host; {_USE_A_FAULT}",
    "stop": f"signals the origin's process, which runs on another host; {_USE_A_FAULT}",
    "restart": "starts the origin's process on this machine; a remote origin is never stopped, "
               "so there is nothing to restart (clear its fault instead)",
    "pause": "sends SIGSTOP to the origin's process, which runs on another host; use a fault {type: hang} instead",
    "resume": "sends SIGCONT to the origin's process, which runs on another host; clear a hang fault instead",
    "blackhole": "adds a firewall rule on this machine, which is not on the path between CloudFront "
                 "and the origin; use a fault {type: hang} instead",
    "unblackhole": "removes a firewall rule on this machine; clear a hang fault instead",
    "invalidate": "goes to the emulated edge's admin API; invalidate a real distribution with "
                  "'aws cloudfront create-invalidation'",
}
EDGE_CONTROL = "calls the emulated edge's admin API, which a real distribution does not have"


@dataclass(frozen=True)
class RemoteOrigin:
    """An origin of this project deployed elsewhere, reached only through its control API."""

    origin_id: str
    control: str
    token_env: str | None = None

    def token(self) -> str | None:
        """The control token from ``token_env``; ScenarioInputError when that variable is unset."""
        if self.token_env is None:
            return None
        value = os.environ.get(self.token_env, "")
        if not value:
            raise ScenarioInputError(f"origins.{self.origin_id}.token_env: environment variable "
                                     f"{self.token_env} is not set (it holds the control API token)")
        return value

    def __repr__(self) -> str:
        token = f", token from ${self.token_env}" if self.token_env else ""
        return f"RemoteOrigin({self.origin_id} at {self.control}{token})"


@dataclass(frozen=True)
class RemoteSetup:
    """Where the load goes (``target``, maybe given later by ``--target``) and the remote origins."""

    target: str | None
    origins: tuple[RemoteOrigin, ...] = ()

    def origin(self, origin_id: str) -> RemoteOrigin:
        return next(o for o in self.origins if o.origin_id == origin_id)

    def to_dict(self) -> dict[str, Any]:
        """For the run folder's ``scenario.yaml``: URLs and variable names, never token values."""
        return {"target": self.target,
                "origins": {o.origin_id: {"control": o.control, "token_env": o.token_env}
                            for o in self.origins}}


def _url(value: Any, path: tuple[Any, ...], check: Checker) -> str:
    try:
        return check_url(str(value), "x")
    except ScenarioInputError as exc:
        raise check.fail(path, str(exc).split(": ", 1)[1]) from None


def _origins(raw: Any, origin_ids: tuple[str, ...], check: Checker) -> tuple[RemoteOrigin, ...]:
    entries = check.mapping(raw, ("origins",), origin_ids)
    if not entries:
        raise check.fail(("origins",), "names no origin (give e.g. primary: {control: URL, token_env: VAR})")
    out = []
    for origin_id, value in entries.items():
        path = ("origins", origin_id)
        entry = check.mapping(value, path, ORIGIN_KEYS)
        if "control" not in entry:
            raise check.fail(path, "needs 'control: URL' (the origin's control API)")
        control = _url(entry["control"], (*path, "control"), check)
        token_env = entry.get("token_env")
        if token_env is not None and not (isinstance(token_env, str) and _ENV_NAME.match(token_env)):
            raise check.fail((*path, "token_env"), f"must be an environment variable name, got {token_env!r}")
        if token_env is None and not is_loopback(url_host(control)):
            raise check.fail(path, "a control URL off this machine needs 'token_env: VAR' "
                                   "(origins started with --token T; VAR holds T)")
        out.append(RemoteOrigin(str(origin_id), control, token_env))
    return tuple(out)


def _refuse_local_steps(steps: tuple[Any, ...], remote_ids: set[str], check: Checker) -> None:
    for step in steps:
        path = ("steps", step.index, step.action)
        if step.action in LOCAL_ONLY:
            raise check.fail(path, f"refused with remote origins: {step.action} {LOCAL_ONLY[step.action]}")
        if step.target == EDGE_TARGET:
            raise check.fail(path, f"refused with remote origins: {step.action} on the edge {EDGE_CONTROL}")
        if step.target not in remote_ids:
            raise check.fail(path, f"origin {step.target!r} has no control URL under 'origins' "
                                   f"(remote origins: {', '.join(sorted(remote_ids))})")


def _refuse_local_rest(top: dict[str, Any], check: Checker) -> None:
    """Rollback steps, ``stack`` and ``variants`` that need the local stack (checked on the raw YAML)."""
    for i, item in enumerate(top.get("rollback") or []):
        for action in item if isinstance(item, dict) else ():
            if action in LOCAL_ONLY:
                raise check.fail(("rollback", i, action),
                                 f"refused with remote origins: {action} {LOCAL_ONLY[action]}")
    raw_stack = top.get("stack")
    stack: dict[str, Any] = raw_stack if isinstance(raw_stack, dict) else {}
    for key in ("keys", "origins", "edge"):
        if stack.get(key):
            raise check.fail(("stack", key), "starts or configures local processes; with remote "
                                             "origins nothing is started here")
    for i, arg in enumerate(stack.get("locust") or []):
        if "{origin" in str(arg) or "{keys}" in str(arg):
            raise check.fail(("stack", "locust", i), "origin and key placeholders need the local stack")
    if top.get("variants"):
        raise check.fail(("variants",), "variants run other distribution files; a remote run has "
                                        "one real distribution")


def parse_remote(top: dict[str, Any], origin_ids: tuple[str, ...], steps: tuple[Any, ...],
                 check: Checker) -> RemoteSetup | None:
    """The ``target`` and ``origins`` sections (None when the scenario names neither).

    With remote origins, every step must be one the control API can carry out, on an origin
    that has a control URL; with a ``target`` and no remote origins there can be no steps.
    """
    if "target" not in top and "origins" not in top:
        return None
    target = _url(top["target"], ("target",), check) if top.get("target") is not None else None
    if "origins" not in top:
        if steps:
            raise check.fail(("steps",), "a scenario with a target and no remote origins cannot have "
                                         "steps (name origins: {NAME: {control: URL}})")
        return RemoteSetup(target)
    origins = _origins(top["origins"], origin_ids, check)
    _refuse_local_steps(steps, {o.origin_id for o in origins}, check)
    _refuse_local_rest(top, check)
    return RemoteSetup(target, origins)
