"""The regional edge cache between the POPs and the origins (``--regional-tier``, Origin Shield).

One more cache shared by every POP of the process, and one in-flight map, so that
concurrent misses of one key at several POPs make one origin request.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from typing import Any

from edge.config.model import CacheBehavior, Distribution
from edge.core.cache import Cache


@dataclass
class RegionalTier:
    """The cache between the POPs and the origins, and its shared in-flight map."""

    cache: Cache = field(default_factory=Cache)
    inflight: dict[Any, asyncio.Future[Any]] = field(default_factory=dict)

    def hit_word(self, behavior: CacheBehavior, distribution: Distribution) -> str:
        """The detailed result type of a hit in this tier."""
        target = distribution.target(behavior.target_origin_id)
        return "OriginShieldHit" if any(o.origin_shield for o in target.origins) else "Hit"


def needs_tier(distribution: Distribution, asked: bool) -> bool:
    return asked or any(o.origin_shield for o in distribution.origins.values())
