"""The live progress line, from ``requests.csv`` read incrementally as Locust appends to it.

``[ 21/60 s] fault 0 on primary (kill) | 812 req/s | hit 0.93 | errors 3``
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from contracts.requests_csv import ERROR as _ERROR
from contracts.requests_csv import HIT_WORDS as _HITS
from contracts.requests_csv import OK as _OK
from contracts.requests_csv import X_CACHE as _X_CACHE
from contracts.requests_csv import interrupted


@dataclass
class Window:
    """What the rows read since the last tick say."""

    rows: int = 0
    hits: int = 0
    misses: int = 0
    errors: int = 0

    @property
    def hit_ratio(self) -> float | None:
        cached = self.hits + self.misses
        return self.hits / cached if cached else None


def count_rows(lines: list[str]) -> Window:
    """Tally complete CSV lines (pure). Header and malformed lines are skipped."""
    window = Window()
    for line in lines:
        cols = line.split(",")
        if len(cols) < 12 or cols[0] == "ts" or interrupted(cols[_ERROR]):
            continue
        # `name` never holds a comma (request names are path kinds), so fields 0..7 are fixed.
        window.rows += 1
        if cols[_OK] != "1":
            window.errors += 1
        if cols[_X_CACHE] in _HITS:
            window.hits += 1
        elif cols[_X_CACHE] == "Miss":
            window.misses += 1
    return window


class RequestsTail:
    """Reads the lines appended to a CSV since the last call (keeps a partial last line)."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.offset = 0
        self.partial = ""
        self.total_rows = 0
        self.total_errors = 0

    def read_lines(self) -> list[str]:
        """The complete lines appended since the last call."""
        try:
            with open(self.path, encoding="utf-8", errors="replace") as f:
                f.seek(self.offset)
                chunk = f.read()
                self.offset = f.tell()
        except FileNotFoundError:
            return []
        text = self.partial + chunk
        lines = text.split("\n")
        self.partial = lines.pop()
        return lines

    def read(self) -> Window:
        window = count_rows(self.read_lines())
        self.count(window)
        return window

    def count(self, window: Window) -> None:
        self.total_rows += window.rows
        self.total_errors += window.errors


def progress_line(elapsed_s: float, duration_s: float, state: str, rate: float,
                  hit_ratio: float | None, errors: int) -> str:
    """One status line (pure)."""
    width = len(f"{duration_s:.0f}")
    hit = f"{hit_ratio:.2f}" if hit_ratio is not None else "-"
    return (f"[{elapsed_s:{width}.0f}/{duration_s:.0f} s] {state or 'steady'} | {rate:.0f} req/s"
            f" | hit {hit} | errors {errors}")
