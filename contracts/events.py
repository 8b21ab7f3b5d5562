"""``events.jsonl``: the kinds of line a run writes, each declared once with its params.

One JSON object a line::

    {"ts": epoch s, "t": s since load-start or null, "kind": KIND, "target": str or null,
     "params": {...}, "ok": bool, ["fault_id": int, "fault_edge": "start" | "end"]}

Steps that open a fault window carry ``fault_id`` and ``fault_edge: "start"``; the step that
closes it the same ``fault_id`` and ``"end"``. Reports compute fault windows from those two
keys only; a window never closed ends at ``load-end``. Rollback steps add
``params.rollback: true``.

Each kind below is declared the way Locust's ``event.py`` declares a hook: a name, the
params it carries, one sentence on when it is written.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class EventKind:
    name: str
    params: tuple[str, ...]
    when: str

    def __str__(self) -> str:
        return self.name


# -- lifecycle ------------------------------------------------------------------------------
RUN_START = EventKind("run-start", ("scenario", "run_dir"), "the runner starts")
STACK_READY = EventKind("stack-ready", ("origins", "edge"),
                        "every process listens; params name each one's address and PID")
LOAD_START = EventKind("load-start", ("host", "users"), "Locust's load starts; anchors every `t`")
LOAD_END = EventKind("load-end", ("locust_exit_code",), "Locust's load ended")
RUN_END = EventKind("run-end", ("status", "pids"),
                    "the run ended; status completed|interrupted|failed|deviated, pids every child")
INTERRUPTED = EventKind("interrupted", ("signal",), "SIGINT or SIGTERM reached the runner")
ERROR = EventKind("error", ("message",), "something broke (ok: false)")
STEADY_STATE = EventKind("steady-state", ("phase",), "a steady-state check and its result")
ABORT = EventKind("abort", ("reason",), "an abort rule fired (ok: false)")
# -- steps (see scenarios/spec/steps.py for the origin state machine) --------------------------
FAULT = EventKind("fault", ("type",), "a fault was added on an origin's control API")
CLEAR = EventKind("clear", ("name",), "faults were cleared")
KILL = EventKind("kill", (), "SIGKILL of an origin")
STOP = EventKind("stop", (), "SIGTERM of an origin")
RESTART = EventKind("restart", (), "an origin started again on its ports")
PAUSE = EventKind("pause", (), "SIGSTOP of an origin")
RESUME = EventKind("resume", (), "SIGCONT of an origin")
BLACKHOLE = EventKind("blackhole", ("port",), "every packet to an origin's data port dropped")
UNBLACKHOLE = EventKind("unblackhole", ("port",), "that rule removed")
INVALIDATE = EventKind("invalidate", ("paths",), "a CreateInvalidation on the edge")
CONTROL = EventKind("control", ("method", "path", "status"), "one API call; opens no window")

KINDS = {k.name: k for k in (RUN_START, STACK_READY, LOAD_START, LOAD_END, RUN_END, INTERRUPTED,
                             ERROR, STEADY_STATE, ABORT, FAULT, CLEAR, KILL, STOP, RESTART, PAUSE,
                             RESUME, BLACKHOLE, UNBLACKHOLE, INVALIDATE, CONTROL)}
LIFECYCLE = ("run-start", "stack-ready", "load-start", "load-end", "run-end", "interrupted", "error")
RUN_STATUSES = ("completed", "interrupted", "failed", "deviated")
