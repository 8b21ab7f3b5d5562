"""The definition of every metric, as printed in the report (and stated in the docs)."""

from __future__ import annotations

DEFINITIONS: tuple[tuple[str, str], ...] = (
    ("requests, errors, error_ratio",
     "Every row of requests.csv is a request; an error is a row with ok = 0 (an error status "
     "or no response). error_ratio = errors / requests."),
    ("requests_per_s", "requests / duration_s; duration_s runs from load-start to load-end "
     "(or to the last request's completion when the run was interrupted)."),
    ("hit_ratio", "(Hit + RefreshHit) / (Hit + RefreshHit + Miss), counted from X-Cache. "
     "Errors and other results are left out of both sides."),
    ("latency_ms", "p50/p90/p95/p99/max over the raw per-request latencies (linear "
     "interpolation between rows, no histogram binning); also for successful hits vs "
     "successful misses, per origin, per phase and per second."),
    ("phases", "before the first fault, during each fault [t0, t1), and after each fault up "
     "to the next one; a request belongs to the phase in which it was sent. Each phase has "
     "its own latency for successful hits and misses and its own misses per origin."),
    ("by_origin", "per origin (X-Origin-Id): misses, the successful cache misses it served, "
     "and miss_share, their share of all successful misses (what the Phases table shows: who "
     "serves now); requests and share count every response naming it, hits included, and a "
     "hit names the origin that filled the cache entry, maybe long before a fault."),
    ("probe vs viewers", "The probe sends one request per tick whatever the previous one is "
     "doing (open model), so its numbers keep a fixed time resolution. Viewers wait for each "
     "answer before the next request (closed model): a slow period yields fewer viewer "
     "samples, so viewer percentiles understate it (coordinated omission)."),
    ("t0, t1", "A fault window opens at the step with fault_edge start and closes at the step "
     "with fault_edge end (same fault_id); a window never closed ends at load-end. Times are "
     "seconds since load-start; a request's time is when it was sent, its completion is "
     "sent + latency."),
    ("time_to_failover_s", "t0 to the completion of the first successful miss (ok, X-Cache "
     "Miss) sent in [t0, t1] and served by an origin other than the fault's target."),
    ("failover_penalty_ms", "median latency of successful misses sent during [t0, t1] minus "
     "the median of successful misses sent in the phase before t0."),
    ("error_window_s, errors", "first to last error sent in [t0, t1 + grace] "
     "(grace = report.error_grace_s, default 5 s); 0 with fewer than 2 errors. errors is how "
     "many errors were sent in that interval."),
    ("time_to_recover_s", "t0 until every following one-second window (aligned on t0, up to "
     "the next fault or the end of the run) has a success ratio of at least "
     "steady_state.success_ratio (default 0.99); 0 if it always held. Windows without "
     "requests do not count."),
    ("time_to_failback_s", "t1 to the completion of the first successful miss sent at or "
     "after t1 and served by the fault's target again; null if none was (or the window never "
     "closed)."),
    ("resolution_s", "the probe interval (median gap between probe sends): failover figures "
     "are exact to about one tick either way."),
    ("probe (per fault)", "time_to_failover_s, time_to_failback_s, error_window_s and errors "
     "computed from the probe's requests alone: exact to one probe tick."),
    ("edge_log", "requests, result types (x-edge-result-type vs X-Cache) and status codes of "
     "edge-access.log next to those of requests.csv; a count is flagged as a mismatch when "
     "the two differ by more than 2 % of the larger and by more than 3 requests (viewers "
     "still in flight at the end account for a few). Origins the edge tried come from "
     "x-origin-attempts; 'not available' when the run folder has no edge log (a real "
     "distribution)."),
    ("repeats", "for a run that is one of a repeat: N, the median, min and max of each key "
     "metric over the runs of the repeat that have a summary (runs where a metric is null "
     "are left out of it)."),
    ("latency charts", "per-second percentiles are over the requests sent in that second; "
     "the probe-vs-viewers chart shows what the closed-model viewers hide."),
    ("null", "a metric that cannot be computed (no rows to compute it from) is null, and a "
     "threshold on a null metric fails."),
)
