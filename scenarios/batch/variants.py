"""``variants``: the same timeline on two or more distributions, reported side by side.

Each variant runs (one after the other, each ``repeat`` times if asked) into
``<run folder>/<variant name>/``; then the first two are compared with ``reports.compare``
(``compare/compare.html``) and a table of their key metrics is printed. The exit code is the
worst of the variants' (each judged on its own ``expect``, merged over the scenario's).
"""

from __future__ import annotations

from pathlib import Path
from typing import Callable

from contracts.errors import EXIT_BROKE
from scenarios.spec.model import Scenario

RunScenario = Callable[[Scenario, Path, "str | None"], int]


def run_variants(scenario: Scenario, parent: Path, target: str | None, run: RunScenario) -> int:
    """Run every variant of ``scenario`` under ``parent``; returns the worst exit code."""
    codes: list[int] = []
    folders: list[tuple[str, Path]] = []
    for variant in scenario.variants:
        print(f"variant {variant.name}: {variant.distribution.name}", flush=True)
        folder = parent / variant.name
        code = run(scenario.variant(variant), folder, target)
        codes.append(code)
        folders.append((variant.name, folder))
        if code == EXIT_BROKE:  # interrupted or broken: do not start the next variant
            return code
    if len(folders) >= 2:
        _compare(folders[0], folders[1], parent / "compare")
    for (name, _folder), code in zip(folders, codes):
        print(f"variant {name}: {'passed' if code == 0 else f'FAILED (exit {code})'}", flush=True)
    return max(codes, default=0)


def _compare(a: tuple[str, Path], b: tuple[str, Path], out: Path) -> None:
    """Side by side via the reports package; a comparison that cannot be built is only noted."""
    try:
        from reports.compare import compare_runs, text_table
        from reports.errors import ReportError
    except ImportError as exc:
        print(f"comparison not built: {exc}", flush=True)
        return
    try:
        folder, rows = compare_runs(a[1], b[1], out)
    except (ReportError, OSError) as exc:
        print(f"comparison not built: {exc}", flush=True)
        return
    print(text_table(rows, a[0], b[0]), flush=True)
    print(f"comparison: {folder / 'compare.html'}", flush=True)
