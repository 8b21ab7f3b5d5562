"""The live progress line, from ``requests.csv`` read incrementally as Locust appends to it.

``[ 21/60 s] fault 0 on primary (kill) | 812 req/s | hit 0.93 | misses served by primary 0,
secondary 40 | errors 3 (5 so far)``

Each line is one second of the load, counted by when requests were *sent*, exactly as the
report bins them: the line for second 21 counts the rows sent in [20, 21) s. Rows are logged
when a request completes and flushed about once a second, so a second is printed once it is
``FLUSH_LAG_S`` old; a request still in flight then (a hung origin) is counted in no line.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from contracts.requests_csv import ERROR as _ERROR
from contracts.requests_csv import HIT_WORDS as _HITS
from contracts.requests_csv import OK as _OK
from contracts.requests_csv import X_CACHE as _X_CACHE
from contracts.requests_csv import interrupted
from scenarios.spec.window import Row


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


@dataclass(frozen=True)
class Second:
    """The requests *sent* in one second of the load, as the progress line shows them."""

    requests: int
    hits: int
    misses: int
    errors: int
    misses_by_origin: dict[str, int]

    @property
    def hit_ratio(self) -> float | None:
        cached = self.hits + self.misses
        return self.hits / cached if cached else None


def tally(rows: Iterable[Row]) -> Second:
    """Count rows (pure): hits and misses as the report counts them, misses by origin."""
    requests = hits = misses = errors = 0
    by_origin: dict[str, int] = {}
    for row in rows:
        requests += 1
        errors += not row.ok
        if row.x_cache in _HITS:
            hits += 1
        elif row.x_cache == "Miss":
            misses += 1
            if row.ok and row.origin:
                by_origin[row.origin] = by_origin.get(row.origin, 0) + 1
    return Second(requests, hits, misses, errors, by_origin)


def progress_line(second: int, duration_s: float, state: str, counts: Second, total_errors: int,
                  origins: tuple[str, ...] = ()) -> str:
    """The line for second ``second`` of the load (requests sent in ``[second - 1, second)``):

    ``[ 5/20 s] fault 0 on primary (kill) | 110 req/s | hit 0.83 | misses served by primary 0,
    secondary 19 | errors 2 (3 so far)``. ``origins``: the scenario's origins, each shown
    even at 0 so a switch reads as one; others that served a miss follow.
    """
    width = len(f"{duration_s:.0f}")
    hit = f"{counts.hit_ratio:.2f}" if counts.hit_ratio is not None else "-"
    names = list(origins) + sorted(set(counts.misses_by_origin) - set(origins))
    served = ", ".join(f"{name} {counts.misses_by_origin.get(name, 0)}" for name in names) or "-"
    return (f"[{second:{width}d}/{duration_s:.0f} s] {state or 'steady'} | {counts.requests} req/s"
            f" | hit {hit} | misses served by {served} | errors {counts.errors} ({total_errors} so far)")


def progress_record(second: int, state: str, counts: Second, total_errors: int) -> dict[str, object]:
    """The same second as one JSON object, a line of the run folder's ``progress.jsonl``."""
    return {"t": second, "state": state or "steady", "requests": counts.requests, "hits": counts.hits,
            "misses": counts.misses, "hit_ratio": None if counts.hit_ratio is None else round(counts.hit_ratio, 4),
            "misses_by_origin": dict(sorted(counts.misses_by_origin.items())), "errors": counts.errors,
            "errors_so_far": total_errors}
