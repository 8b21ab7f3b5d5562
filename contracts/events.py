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
    """One kind of line: the ``params`` keys it may carry (``open``: the fault's own
    attributes too, as the control API stored them), and when it is written."""

    name: str
    params: tuple[str, ...]
    when: str
    open: bool = False

    def __str__(self) -> str:
        return self.name


# Every step's params may also carry ``rollback: true`` (a rollback step) and, when the step
# failed (``ok: false``), ``error`` beside the step's own params.
STEP_EXTRA = ("rollback", "error")

# -- lifecycle ------------------------------------------------------------------------------
RUN_START = EventKind("run-start", ("scenario", "run_dir", "distribution", "distribution_sha256",
                                   "code_version", "machine"),
                      "the runner starts; params say what ran where (contracts.provenance)")
STACK_READY = EventKind("stack-ready", ("origins", "edge", "target", "remote", "tls_ca"),
                        "every process listens; params name each one's address and PID "
                        "(a remote run: target, remote: true, origins by control URL; an "
                        "HTTPS run: tls_ca, the CA its viewers trust)")
LOAD_START = EventKind("load-start", ("host", "users", "workers", "mode"),
                       "Locust's load starts; anchors every `t`")
LOAD_END = EventKind("load-end", ("locust_exit_code",), "Locust's load ended")
RUN_END = EventKind("run-end", ("status", "pids"),
                    "the run ended; status completed|interrupted|failed|deviated, pids every child")
INTERRUPTED = EventKind("interrupted", ("signal",), "SIGINT or SIGTERM reached the runner")
ERROR = EventKind("error", ("message",), "something broke (ok: false)")
STEADY_STATE = EventKind("steady-state", ("phase", "from_t", "to_t", "values", "problems", "skipped"),
                         "a steady-state check and its result (or why it was skipped)")
ABORT = EventKind("abort", ("reason",), "an abort rule fired (ok: false)")
# -- steps (see scenarios/spec/steps.py for the origin state machine) --------------------------
FAULT = EventKind("fault", ("name", "type", "probability", "paths"),
                  "a fault added on an origin's control API, as it stored it", open=True)
CLEAR = EventKind("clear", ("name",), "one fault (by name) or all of an origin's faults cleared")
KILL = EventKind("kill", ("pid", "exit_code"), "SIGKILL of an origin")
STOP = EventKind("stop", ("pid", "exit_code"), "SIGTERM of an origin")
RESTART = EventKind("restart", ("pid", "listen", "control"), "an origin started again on its ports")
PAUSE = EventKind("pause", ("pid",), "SIGSTOP of an origin")
RESUME = EventKind("resume", ("pid",), "SIGCONT of an origin")
BLACKHOLE = EventKind("blackhole", ("port", "tool", "rule"),
                      "every packet to an origin's data port dropped")
UNBLACKHOLE = EventKind("unblackhole", ("port",), "that rule removed")
INVALIDATE = EventKind("invalidate", ("paths", "id", "status", "objects_removed"),
                       "a CreateInvalidation on the edge")
CONTROL = EventKind("control", ("method", "path", "status"), "one API call; opens no window")

KINDS = {k.name: k for k in (RUN_START, STACK_READY, LOAD_START, LOAD_END, RUN_END, INTERRUPTED,
                             ERROR, STEADY_STATE, ABORT, FAULT, CLEAR, KILL, STOP, RESTART, PAUSE,
                             RESUME, BLACKHOLE, UNBLACKHOLE, INVALIDATE, CONTROL)}
LIFECYCLE = ("run-start", "stack-ready", "load-start", "load-end", "run-end", "interrupted", "error")
STEPS = ("fault", "clear", "kill", "stop", "restart", "pause", "resume", "blackhole",
         "unblackhole", "invalidate", "control")
RUN_STATUSES = ("completed", "interrupted", "failed", "deviated")


def undeclared(event: dict[str, object]) -> list[str]:
    """What a line of events.jsonl carries that its kind does not declare (empty: it conforms)."""
    kind = KINDS.get(str(event.get("kind")))
    if kind is None:
        return [f"kind {event.get('kind')!r}"]
    if kind.open:
        return []
    is_step = kind.name in STEPS
    if is_step and event.get("ok") is False:
        return []  # a failed step records the step as written, plus its error
    allowed = set(kind.params) | (set(STEP_EXTRA) if is_step else set())
    params = event.get("params")
    keys = params.keys() if isinstance(params, dict) else ()
    return sorted(f"{kind.name}.params.{k}" for k in keys if k not in allowed)
