"""The events.jsonl contract: what a line may carry, judged as the end-to-end tests judge runs."""

from __future__ import annotations

import pytest

from contracts.events import KINDS, undeclared


@pytest.mark.parametrize(("event", "problems"), [
    ({"kind": "kill", "params": {"pid": 1, "exit_code": -9}, "ok": True}, []),
    ({"kind": "kill", "params": {"pid": 1, "rollback": True}, "ok": True}, []),
    ({"kind": "kill", "params": {"pid": 1, "signal": 9}, "ok": True}, ["kill.params.signal"]),
    ({"kind": "kill", "params": {"anything": 1, "error": "gone"}, "ok": False}, []),  # a failed step
    ({"kind": "fault", "params": {"type": "status", "status": 503, "name": "s"}, "ok": True}, []),
    ({"kind": "run-end", "params": {"status": "completed", "pids": []}, "ok": True}, []),
    ({"kind": "run-end", "params": {"status": "completed", "rollback": True}, "ok": True},
     ["run-end.params.rollback"]),  # lifecycle lines take no step extras
    ({"kind": "explode", "params": {}}, ["kind 'explode'"]),
])
def test_undeclared(event: dict[str, object], problems: list[str]) -> None:
    assert undeclared(event) == problems


def test_every_kind_is_declared_once_under_its_own_name() -> None:
    assert all(name == kind.name for name, kind in KINDS.items())
    assert len(KINDS) == 20
