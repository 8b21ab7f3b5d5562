"""What a chart of a run is drawn from: a few numpy arrays and words, never the rows.

:mod:`reports.render.plots` makes them from a run (pandas); :mod:`reports.render.draw`
draws them (matplotlib), here or in the chart worker (:mod:`reports.render.chart_worker`),
so neither side loads the other's library. Everything here pickles small.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np

from reports.read.timeline import FaultWindow


@dataclass(frozen=True)
class Steps:
    """Binned series drawn as steps: ``x`` is every bin's start and then where the last bin
    ends (one more than the values of each column); ``columns`` maps a series' name to one
    value per bin, in the order the table had them."""

    x: np.ndarray
    columns: dict[str, np.ndarray]

    @property
    def empty(self) -> bool:
        """No bin or no series: nothing to draw."""
        return len(self.x) < 2 or not self.columns


@dataclass(frozen=True)
class Job:
    """One chart to draw into ``<name>.png``: which drawing (``kind``, a key of
    :data:`reports.render.draw.DRAWINGS`) of what ``data``, over a run's fault windows."""

    name: str
    kind: str
    data: dict[str, Any]
    faults: list[FaultWindow] = field(default_factory=list)
    duration_s: float = 0.0
