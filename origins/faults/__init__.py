"""The fault catalogue: typed fault effects, their registry, and request planning.

See ``origins/README.md`` for the catalogue with attributes and defaults.
"""

from __future__ import annotations

from origins.faults.base import Context, Effect, Plan
from origins.faults.connection import Hang, Reset, Truncate
from origins.faults.plan import ActiveFault, plan_request
from origins.faults.refuse import Refuse
from origins.faults.registry import REGISTRY, Fault, parse_fault, required_attributes
from origins.faults.shaping import Bandwidth, Latency, SlowHeaders
from origins.faults.status import Flap, Status
from origins.faults.tls import Tls

__all__ = [
    "REGISTRY", "ActiveFault", "Bandwidth", "Context", "Effect", "Fault", "Flap", "Hang",
    "Latency", "Plan", "Refuse", "Reset", "SlowHeaders", "Status", "Tls", "Truncate",
    "parse_fault", "plan_request", "required_attributes",
]
