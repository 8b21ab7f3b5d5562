"""Safety rails for runs that send traffic off this machine (decided without IO).

Everything here is checked before the first connection is opened, from the scenario and
the command line alone (no DNS lookup either: a name is loopback only if it is
``localhost`` or a loopback IP literal):

1. A URL whose host is not loopback (the target, or an origin's control URL) needs the
   explicit opt-in ``--real-target``. A scenario file cannot opt in on its own: a real
   distribution is only ever driven by someone who asked for it on the command line.
2. The planned request rate, ``viewers x VIEWER_MAX_RPS + probe ticks per second`` (the most
   Locust can send: every viewer is throughput-capped, the probe ticks on a fixed grid), must
   be within ``--max-rps`` (default :data:`DEFAULT_MAX_RPS`, never above :data:`HARD_MAX_RPS`).
3. The time under load, ``duration x repeat``, must be within ``--max-duration`` (default
   :data:`DEFAULT_MAX_DURATION_S`, never above :data:`HARD_MAX_DURATION_S`).
4. No extra Locust arguments (``stack.locust``) against a real target: they could add users
   (attackers, checkouts) or a faster probe that the plan does not count.
5. During the run an abort rule stops the load if the measured rate ever goes
   :data:`RATE_GUARD_FACTOR` over the cap (:func:`rate_guard`).

The plan (:class:`Plan`) is printed before anything is sent: target, origins, rate,
duration, and every fault with its time.
"""

from __future__ import annotations

import argparse
from dataclasses import dataclass, replace

from contracts.address import is_loopback
from contracts.defaults import VIEWER_MAX_RPS
from reports.metrics.thresholds import parse_condition
from scenarios.errors import ScenarioInputError
from scenarios.spec.durations import parse_duration
from scenarios.spec.model import LoadProfile, Scenario
from scenarios.spec.rules import AbortRule, WindowCheck
from scenarios.spec.urls import url_host

DEFAULT_MAX_RPS = 100.0
HARD_MAX_RPS = 2000.0
DEFAULT_MAX_DURATION_S = 600.0
HARD_MAX_DURATION_S = 3600.0
RATE_GUARD_FACTOR = 1.25     # constant_throughput jitter stays well inside this
RATE_GUARD_WINDOW_S = 5.0
OPT_IN_FLAG = "--real-target"


@dataclass(frozen=True)
class Limits:
    """The caps of a real-target run; raise them only with explicit flags, never past the hard ones."""

    max_rps: float = DEFAULT_MAX_RPS
    max_duration_s: float = DEFAULT_MAX_DURATION_S

    def __post_init__(self) -> None:
        if not 0 < self.max_rps <= HARD_MAX_RPS:
            raise ScenarioInputError(f"--max-rps: must be within 1..{HARD_MAX_RPS:g} requests/s, "
                                     f"got {self.max_rps:g}")
        if not 0 < self.max_duration_s <= HARD_MAX_DURATION_S:
            raise ScenarioInputError(f"--max-duration: must be within 1..{HARD_MAX_DURATION_S:g} s, "
                                     f"got {self.max_duration_s:g}")

    def __repr__(self) -> str:
        return f"Limits(at most {self.max_rps:g} requests/s for {self.max_duration_s:g} s)"


def planned_rate(load: LoadProfile) -> float:
    """The most requests per second Locust can send with ``load`` (viewers at their cap + probe)."""
    users = max((s.users for s in load.stages), default=load.users)
    return users * VIEWER_MAX_RPS + 1000.0 / load.probe_interval_ms


@dataclass(frozen=True)
class Plan:
    """What a run will send where, shown before anything is sent."""

    target: str
    real: bool                              # some URL is off this machine
    origins: tuple[tuple[str, str], ...]    # (origin Id, control URL)
    users: int
    rate_rps: float
    duration_s: float
    repeat: int
    faults: tuple[tuple[float, str], ...]   # (at seconds, what)
    limits: Limits

    def lines(self) -> list[str]:
        kind = "REAL (off this machine)" if self.real else "loopback"
        out = [f"plan: target {self.target} [{kind}]",
               f"plan: load {self.users} viewers + 1 probe, at most {self.rate_rps:g} requests/s, "
               f"for {self.duration_s:g} s" + (f" x {self.repeat} runs" if self.repeat > 1 else "")]
        if self.real:
            out.append(f"plan: caps {self.limits.max_rps:g} requests/s, {self.limits.max_duration_s:g} s "
                       f"(the load stops if it ever measures over {self.limits.max_rps * RATE_GUARD_FACTOR:g}/s)")
        for origin_id, control in self.origins:
            out.append(f"plan: origin {origin_id} controlled at {control} (no local process is started)")
        if not self.faults:
            out.append("plan: faults: none")
        out.extend(f"plan: fault at {at:g} s: {what}" for at, what in self.faults)
        return out


def make_plan(scenario: Scenario, target: str, limits: Limits) -> Plan:
    remote = scenario.remote
    origins = tuple((o.origin_id, o.control) for o in remote.origins) if remote else ()
    hosts = [url_host(target), *(url_host(control) for _, control in origins)]
    return Plan(target=target, real=not all(is_loopback(h) for h in hosts), origins=origins,
                users=max((s.users for s in scenario.load.stages), default=scenario.load.users),
                rate_rps=planned_rate(scenario.load), duration_s=scenario.load.duration_s,
                repeat=scenario.repeat,
                faults=tuple((s.at_s, s.describe()) for s in scenario.steps), limits=limits)


def refusal(plan: Plan, opted_in: bool, extra_locust_args: tuple[str, ...] = ()) -> str | None:
    """Why this plan must not run (one line), or None. Loopback-only plans are never refused."""
    if not plan.real:
        return None
    if not opted_in:
        off = url_host(plan.target)
        if is_loopback(off):
            off = next(url_host(c) for _, c in plan.origins if not is_loopback(url_host(c)))
        return (f"--target: {off} is not a loopback address; a real distribution is driven only "
                f"with {OPT_IN_FLAG} (read the plan printed with it first)")
    if plan.rate_rps > plan.limits.max_rps:
        return (f"load: {plan.users} viewers x {VIEWER_MAX_RPS}/s + probe is {plan.rate_rps:g} requests/s, "
                f"over the cap of {plan.limits.max_rps:g}/s for a real target (fewer --users, or "
                f"--max-rps up to {HARD_MAX_RPS:g})")
    total = plan.duration_s * plan.repeat
    if total > plan.limits.max_duration_s:
        return (f"load: {total:g} s under load is over the cap of {plan.limits.max_duration_s:g} s for a "
                f"real target (a shorter --duration, or --max-duration up to {HARD_MAX_DURATION_S:g})")
    if extra_locust_args:
        return (f"stack.locust: extra Locust arguments ({' '.join(extra_locust_args[:3])} ...) are not "
                "allowed against a real target: the rate plan would not count what they add")
    return None


def rate_guard(scenario: Scenario, limits: Limits) -> Scenario:
    """``scenario`` with an abort rule that stops the load when the measured rate breaks the cap."""
    check = WindowCheck("requests_per_s", parse_condition(f"> {limits.max_rps * RATE_GUARD_FACTOR:g}"))
    rule = AbortRule(check, window_s=RATE_GUARD_WINDOW_S, min_requests=1)
    return replace(scenario, abort=(*scenario.abort, rule))


def _seconds(text: str) -> float:
    try:
        return parse_duration(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """The safety flags of ``python -m scenarios run``."""
    parser.add_argument(OPT_IN_FLAG, action="store_true",
                        help="allow a target or control URL off this machine (a real distribution)")
    parser.add_argument("--max-rps", type=float, default=DEFAULT_MAX_RPS,
                        help=f"cap on the planned request rate of a real-target run "
                             f"(default {DEFAULT_MAX_RPS:g}, at most {HARD_MAX_RPS:g})")
    parser.add_argument("--max-duration", type=_seconds, default=DEFAULT_MAX_DURATION_S,
                        help=f"cap on the time under load of a real-target run "
                             f"(default {DEFAULT_MAX_DURATION_S:g}, at most {HARD_MAX_DURATION_S:g})")
