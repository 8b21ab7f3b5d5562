"""Several edge locations in one process, and the optional regional tier behind them.

``--pops N`` runs N POPs, each with its own cache and ``X-Amz-Cf-Pop``; each
viewer connection is given to the next POP in turn (as DNS would send viewers
to different locations) and stays there. A regional tier (``--regional-tier``,
or any origin with ``OriginShield`` enabled) is one more cache shared by all
POPs: a POP miss that the tier holds is answered from it (``Hit``; detailed type
``OriginShieldHit`` when the behaviour's origin has Origin Shield), and
concurrent misses of one key at several POPs make one origin request.
"""

from __future__ import annotations

import re
from typing import Any

from edge.pop.loop_health import HEALTH
from edge.pop.pop import Pop
from edge.pop.tier import RegionalTier

_POP = re.compile(r"([A-Z]+)(\d+)(-.*)?")


def pop_names(base: str, count: int) -> list[str]:
    """``EMU50-C1`` x3 -> ``EMU50-C1, EMU51-C1, EMU52-C1`` (suffix ``-2``... otherwise)."""
    match = _POP.fullmatch(base)
    if match is None:
        return [base] + [f"{base}-{i}" for i in range(2, count + 1)]
    letters, number, rest = match.group(1), int(match.group(2)), match.group(3) or ""
    return [f"{letters}{number + i}{rest}" for i in range(count)]


class Pops:
    """The POPs of this process; hands out one per viewer connection, round robin."""

    def __init__(self, edges: list[Pop], tier: RegionalTier | None = None) -> None:
        self.edges = edges
        self.tier = tier
        self._next = 0

    def next(self) -> Pop:
        edge = self.edges[self._next]
        self._next = (self._next + 1) % len(self.edges)
        return edge

    def functions(self) -> dict[str, Any]:
        """The CloudFront functions the POPs run (shared objects, one per name)."""
        code = self.edges[0].edge_code
        if code is None:
            return {}
        return {**code.functions, **(code.lambdas.handlers if code.lambdas is not None else {})}

    def invalidate(self, path: str) -> int:
        """Drop ``path`` (``*`` last means prefix) from every POP and the tier."""
        exact = not path.endswith("*")
        prefix = path[:-1] if not exact else path
        caches = [e.cache for e in self.edges] + ([self.tier.cache] if self.tier else [])
        return sum(c.invalidate(prefix, exact) for c in caches)

    def stats(self) -> dict[str, Any]:
        """``GET /stats``: the first POP's counters summed over all POPs, plus per-POP detail."""
        merged: dict[str, Any] = {}
        for edge in self.edges:
            one = edge.stats.as_json(len(edge.cache))
            for name, value in one.items():
                if name == "functions":
                    _merge_functions(merged.setdefault(name, {}), value)
                elif isinstance(value, dict):
                    slot = merged.setdefault(name, {})
                    for k, v in value.items():
                        slot[k] = slot.get(k, 0) + v
                else:
                    merged[name] = merged.get(name, 0) + value
        merged["cache_bytes"] = sum(e.cache.bytes for e in self.edges)  # as counted for --cache-size
        merged["cache_evicted"] = sum(e.cache.evicted for e in self.edges)
        merged["pop"] = self.edges[0].pop
        merged["pops"] = {e.pop: {"requests": e.stats.requests, "cache_objects": len(e.cache)}
                          for e in self.edges}
        if self.tier is not None:
            merged["regional_cache_objects"] = len(self.tier.cache)
        merged["loop"] = HEALTH.as_json()  # the process's event loop and collector (loop_health.py)
        return merged


def _merge_functions(into: dict[str, Any], one: dict[str, Any]) -> None:
    """Sum one POP's function counters into ``into`` (by function, then outcome)."""
    for name, entry in one.items():
        slot = into.setdefault(name, {"invocations": 0, "by_outcome": {}, "cpu_ms": 0.0})
        slot["invocations"] += entry["invocations"]
        slot["cpu_ms"] = round(slot["cpu_ms"] + entry["cpu_ms"], 3)
        for outcome, n in entry["by_outcome"].items():
            slot["by_outcome"][outcome] = slot["by_outcome"].get(outcome, 0) + n
