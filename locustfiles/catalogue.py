"""The viewers' object catalogue: which paths exist and how popular each one is.

Popularity follows a Zipf-like law (weight of rank ``k`` is ``1 / k**s``, ``s`` about 1.1),
the shape real CDN traffic has: a few objects take most requests, a long tail is rarely
asked for, so the hit ratio depends on the cache like it does in production.
Object sizes are deterministic (a function of the rank only), and the origin derives
the body size from the last ``-N`` of the name, so every run asks for the same bytes.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from functools import lru_cache
from itertools import accumulate

ZIPF_S = 1.1
# Sizes cycle with the rank so both small and larger bodies are hot.
SIZES = (1024, 2048, 4096, 8192, 16384)


def object_path(rank: int) -> str:
    """Path of the object of popularity ``rank`` (1 = most popular)."""
    size = SIZES[(rank * 7) % len(SIZES)]
    return f"/static/obj-{rank}-{size}"


@dataclass(frozen=True)
class Catalogue:
    """``size`` objects with precomputed cumulative Zipf weights."""

    paths: tuple[str, ...]
    cum_weights: tuple[float, ...]

    def pick(self, rng: random.Random) -> str:
        """One path, drawn by popularity (binary search over the cumulative weights)."""
        return rng.choices(self.paths, cum_weights=self.cum_weights, k=1)[0]


@lru_cache(maxsize=8)
def catalogue(size: int, s: float = ZIPF_S) -> Catalogue:
    """The catalogue of ``size`` objects (cached: every user of a run shares one)."""
    if size < 1:
        raise ValueError(f"catalogue size must be >= 1, got {size}")
    weights = [1.0 / rank**s for rank in range(1, size + 1)]
    return Catalogue(
        paths=tuple(object_path(rank) for rank in range(1, size + 1)),
        cum_weights=tuple(accumulate(weights)),
    )
