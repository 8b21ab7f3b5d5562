"""Defaults that more than one package must agree on."""

from __future__ import annotations

# The Viewer user's throughput cap per user (a bound on load, not a target); the remote
# safety rails compute the planned rate from it.
VIEWER_MAX_RPS = 10
# The probe's tick: one request every this many ms (open model).
PROBE_INTERVAL_MS = 100
# Steady state: the share of successful requests a one-second window needs to count as recovered.
SUCCESS_RATIO = 0.99
# Errors up to this long after a fault window closes are still charged to that fault.
ERROR_GRACE_S = 5.0
