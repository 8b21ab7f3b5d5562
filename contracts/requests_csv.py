"""``requests.csv``: one row per viewer request, written by Locust, read by the runner and reports.

Columns, in this order (the header row names them)::

    ts,latency_ms,method,name,status,ok,bytes,x_cache,origin,pop,user,error

``ts`` is epoch seconds when the request was sent; ``status`` 0 means no response; ``ok``
is 1/0; ``x_cache`` is the result word of ``X-Cache`` only (below) or empty; ``origin`` is
``X-Origin-Id`` or empty; ``user`` is the Locust user class; ``error`` is empty or one line.

A request still in flight when the load stops (the run's end, Ctrl-C, an abort) is a row
too: ``status`` 0, ``ok`` 0, ``latency_ms`` the time it had waited so far, and an ``error``
that starts with :data:`INTERRUPTED`. Reports count those apart: they are neither errors
nor latencies (the answer never came, through no fault of the target).
"""

from __future__ import annotations

COLUMNS = ("ts", "latency_ms", "method", "name", "status", "ok",
           "bytes", "x_cache", "origin", "pop", "user", "error")
# Column positions, for readers that split raw lines (the live window, progress, the panel).
TS, LATENCY_MS, METHOD, NAME, STATUS, OK, BYTES, X_CACHE, ORIGIN, POP, USER, ERROR = range(len(COLUMNS))

# The result words of ``X-Cache: <word> from cloudfront``.
HIT, REFRESH_HIT, MISS, ERROR_WORD = "Hit", "RefreshHit", "Miss", "Error"
RESULT_WORDS = (HIT, REFRESH_HIT, MISS, ERROR_WORD)
HIT_WORDS = (HIT, REFRESH_HIT)  # what the hit ratio counts as hits

INTERRUPTED = "Interrupted"  # the error column of a request the end of the load cut short


def interrupted(error: object) -> bool:
    """Is this row's ``error`` that of a request the end of the load cut short? Every reader
    (reports, the runner's live window and progress line, the Chaos tab) sets those apart."""
    return str(error).startswith(INTERRUPTED)
