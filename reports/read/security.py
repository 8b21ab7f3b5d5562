"""The security section of a report: attacks refused, fields encrypted, plaintext found.

Read from the run folder only:

* ``attacks.csv`` (direct hits on the origins by the ``Attacker`` users, which bypass the
  edge and so stay out of requests.csv): ``ts,kind,target,status,refused,error``;
* ``requests.csv`` rows of ``user=Checkout`` (card forms through the edge; a failed row's
  error says ``fle-plaintext:`` / ``fle-mismatch:`` / ... when a field arrived wrong);
* the edge access log's ``fle-status`` and ``fle-encrypted-fields``;
* every text file of the run folder, scanned for card numbers in clear: digit runs of 13-19
  digits starting with 3-6 that pass the Luhn check. No card number is ever written on
  purpose, so any hit is a leak.

``summarize`` returns None for runs with none of these (no security section, and a
``security.*`` threshold then fails as "not computed").
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pandas as pd

# Not part of a longer number, nor the fraction or integer part of a decimal (stats CSVs are
# full of long fractions like 0.45121557728247).
PAN = re.compile(rb"(?<![0-9.])[3-6][0-9]{12,18}(?![0-9]|\.[0-9])")
SCANNED_SUFFIXES = (".csv", ".log", ".jsonl", ".yaml", ".txt", ".json")
SKIPPED = ("summary.json",)  # written by the report itself
CHECKOUT_PROBLEMS = ("fle-plaintext", "fle-mismatch", "fle-undecryptable", "fle-altered", "fle-missing")


def luhn_ok(digits: bytes) -> bool:
    total = 0
    for i, ch in enumerate(reversed(digits)):
        d = ch - 48
        if i % 2 == 1:
            d = d * 2 - 9 if d * 2 > 9 else d * 2
        total += d
    return total % 10 == 0


def plaintext_cards(run_dir: Path) -> dict[str, int]:
    """``{relative file: number of Luhn-valid card numbers}`` for files that have any."""
    found: dict[str, int] = {}
    for path in sorted(run_dir.rglob("*")):
        if not path.is_file() or path.suffix not in SCANNED_SUFFIXES or path.name in SKIPPED:
            continue
        try:
            data = path.read_bytes()
        except OSError:
            continue
        hits = sum(1 for m in PAN.finditer(data) if luhn_ok(m.group()))
        if hits:
            found[str(path.relative_to(run_dir))] = hits
    return found


def attacker_counts(path: Path) -> dict[str, Any] | None:
    """Counts of ``attacks.csv``; None when the run had no attackers."""
    if not path.exists():
        return None
    try:
        rows = pd.read_csv(path, dtype={"kind": "str", "target": "str", "error": "str"})
    except (ValueError, pd.errors.EmptyDataError):
        return None
    if rows.empty:
        return None
    status = rows["status"].fillna(0).astype(int)
    by_kind = {str(kind): {"requests": int(len(group)), "refused": int((group["status"] == 403).sum())}
               for kind, group in rows.groupby("kind")}
    return {
        "requests": int(len(rows)),
        "refused": int((status == 403).sum()),
        "not_refused": int((status != 403).sum()),
        "accepted": int(((status >= 200) & (status < 400)).sum()),
        "by_kind": by_kind,
        "targets": sorted(str(t) for t in rows["target"].dropna().unique()),
    }


def checkout_counts(frame: pd.DataFrame) -> dict[str, Any] | None:
    rows = frame[frame["user"] == "Checkout"]
    if rows.empty:
        return None
    errors = rows["error"].fillna("").astype(str)
    counts = {p.removeprefix("fle-"): int(errors.str.contains(p, regex=False).sum()) for p in CHECKOUT_PROBLEMS}
    return {
        "posts": int(len(rows)),
        "verified": int((rows["ok"] == 1).sum()),
        "http_errors": int((rows["status"].astype(int) != 200).sum()),
        **counts,
    }


def fle_log_counts(log_path: Path) -> dict[str, Any] | None:
    """``fle-status`` words and the sum of ``fle-encrypted-fields`` in the edge log."""
    from reports.read.edgelog import fle_counts  # counted once, with the cross-check

    return fle_counts(log_path)


def summarize(frame: pd.DataFrame, run_dir: Path) -> dict[str, Any] | None:
    """The ``security`` block of summary.json, or None when the run exercised no security feature."""
    attacker = attacker_counts(run_dir / "attacks.csv")
    checkout = checkout_counts(frame)
    fle = fle_log_counts(run_dir / "edge-access.log")
    if attacker is None and checkout is None and fle is None:
        return None
    leaks = plaintext_cards(run_dir)
    return {
        "attacker": attacker,
        "checkout": checkout,
        "fle": fle,
        "plaintext_found": int(sum(leaks.values())),
        "plaintext_files": leaks,
    }


