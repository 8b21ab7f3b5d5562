"""The two security scenarios end to end, as `make origin-access` / `make fle-checkout` run them."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from scenarios.stack.procs import REPO_ROOT


def run(name: str, duration_s: int, out: Path) -> dict[str, object]:
    result = subprocess.run([sys.executable, "-m", "scenarios", "run", name, "--duration", str(duration_s),
                             "--out", str(out)], cwd=REPO_ROOT, capture_output=True, text=True,
                            timeout=duration_s + 90)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-2000:]
    return json.loads((out / "summary.json").read_text())


@pytest.mark.slow
def test_origin_access(tmp_path: Path) -> None:
    summary = run("origin-access", 30, tmp_path / "run")
    security = summary["security"]
    assert security["attacker"]["not_refused"] == 0 and security["attacker"]["requests"] >= 60
    assert set(security["attacker"]["by_kind"]) >= {"unsigned", "forged-signature", "expired-signature",
                                                     "replayed-signature", "wrong-distribution",
                                                     "guessed-header", "stale-header"}
    assert summary["errors"] == 0
    events = [json.loads(x) for x in (tmp_path / "run" / "events.jsonl").read_text().splitlines()]
    assert [e["ok"] for e in events if e["kind"] == "control"] == [True, True, True]


@pytest.mark.slow
def test_fle_checkout(tmp_path: Path) -> None:
    summary = run("fle-checkout", 40, tmp_path / "run")
    security = summary["security"]
    assert security["plaintext_found"] == 0
    checkout = security["checkout"]
    assert checkout["verified"] >= 100 and checkout["plaintext"] == checkout["mismatch"] == 0
    # Every post that reached the edge had its three card fields encrypted.
    assert security["fle"]["encrypted_fields"] == 3 * security["fle"]["requests"]
    assert not (tmp_path / "run" / "keys" / "fle-private-key.pem").stat().st_mode & 0o077
