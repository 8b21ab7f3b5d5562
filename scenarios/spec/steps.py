"""Step actions and the origin state machine they drive.

Each origin is in one state at a time; a step moves it along one edge of this table. The
validator replays the steps through it (so "restart an origin that is running" is refused
before anything starts) and the runner uses the same table to number fault windows: a step
that leaves ``up`` opens a window on its target, the step that returns it to ``up`` closes
that window. One window per target at a time keeps every window well defined.

    action    from     to        what the runner does
    fault     up       faulted   POST /faults on the origin's control port
    clear     faulted  up        DELETE /faults/NAME (or POST /reset when no name)
    kill      up       down      SIGKILL the origin process
    stop      up       down      SIGTERM (a graceful shutdown)
    restart   down     up        start the origin again on the same ports
    pause     up       paused    SIGSTOP (accepts connections, never answers)
    resume    paused   up        SIGCONT
    blackhole up       blackholed  drop every packet to its data port (connects time out)
    unblackhole blackholed up    remove that rule

``invalidate`` acts on the edge, not on an origin: it moves no state and opens no window.
The edge itself moves through ``fault`` and ``clear`` only: a fault on one of its CloudFront
functions (``fault: {target: edge, function: NAME, type: ...}``) opens a window like an origin's.
"""

from __future__ import annotations

UP = "up"
TRANSITIONS: dict[str, tuple[str, str]] = {
    "fault": (UP, "faulted"),
    "clear": ("faulted", UP),
    "kill": (UP, "down"),
    "stop": (UP, "down"),
    "restart": ("down", UP),
    "pause": (UP, "paused"),
    "resume": ("paused", UP),
    "blackhole": (UP, "blackholed"),
    "unblackhole": ("blackholed", UP),
}
EDGE_ACTIONS = ("invalidate", "control")  # control: a stateless API call (scenarios/spec/control_step.py)
ACTIONS = (*TRANSITIONS, *EDGE_ACTIONS)
EDGE_TARGET = "edge"



def opens_window(action: str) -> bool:
    return action in TRANSITIONS and TRANSITIONS[action][0] == UP


def closes_window(action: str) -> bool:
    return action in TRANSITIONS and TRANSITIONS[action][1] == UP


def allowed(action: str, state: str) -> bool:
    """Whether ``action`` applies to an origin in ``state`` (edge actions always do)."""
    return action not in TRANSITIONS or TRANSITIONS[action][0] == state


def transition(action: str, state: str) -> str:
    """The state after ``action``; ``ValueError`` saying what the origin must be in first."""
    before, after = TRANSITIONS[action]
    if state != before:
        raise ValueError(f"cannot {action} an origin that is {state} (it must be {before})")
    return after
