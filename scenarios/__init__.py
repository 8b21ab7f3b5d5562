"""Chaos scenarios: what load to run, what to break when, and what must hold.

A scenario file (``scenarios/library/NAME.yaml``) opens with a comment saying what it proves::

    # primary-killed: the primary origin dies (SIGKILL) under load and comes back.
    distribution: distributions/default.json      # DistributionConfig JSON; its origin Ids are started
    load: {users: 20, spawn_rate: 20, duration: 40s, probe_interval: 100ms, catalogue_size: 200}
    # load: {stages: [{users: 5, spawn_rate: 5, duration: 10s}, {users: 40, duration: 30s}]}
    steps:                                         # at: seconds ("20s", "1m", 20) or "33%" of the duration
      - {at: 33%, kill: primary}                   # kill (SIGKILL) | stop (SIGTERM) | pause (SIGSTOP)
      - {at: 67%, restart: primary}                # restart (same ports) | resume (SIGCONT)
      # - {at: 10s, fault: {target: primary, type: status, status: 503}}  # any control-API fault
      # - {at: 20s, clear: primary}                # or {target: primary, name: status}
      # - {at: 10s, blackhole: primary}            # unblackhole: packets dropped (root + iptables)
      # - {at: 10s, invalidate: "/*"}              # an invalidation on the edge's admin API
    rollback:                                      # run at the end of every run, when they apply
      - {restart: primary}
    steady_state: {success_ratio: 0.99, window: 5s, checks: {latency_ms.p95: "< 250"}}
    abort:                                         # end the run early (sliding window)
      - {metric: error_ratio, condition: "> 0.5", window: 10s}
    report: {error_grace_s: 5}
    expect:                                        # summary.json metric path -> condition
      faults[0].time_to_failover_s: "< 1.0"
      hit_ratio: "> 0.7"
    repeat: 1                                      # N runs: repeat-summary.json has each metric's spread
    # variants: [{name: a, distribution: ...}, {name: b, distribution: ...}]  # run side by side
    regression: true

The steady state is checked over the window before the first fault and after the last one
closes (a failure marks the run ``deviated``); window metrics are ``error_ratio``,
``success_ratio``, ``requests``, ``requests_per_s`` and ``latency_ms.p50/p95/p99/max``.

``python -m scenarios run NAME`` starts the origins and the edge, drives Locust at it, applies
the steps on time, tears everything down and builds the report (see :mod:`scenarios.run.runner`).
"""
