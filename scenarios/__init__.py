"""Chaos scenarios: what load to run, what to break when, and what must hold.

A scenario file (``scenarios/NAME.yaml``) opens with a comment saying what it proves::

    # primary-killed: the primary origin dies (SIGKILL) under load and comes back.
    distribution: distributions/default.json      # DistributionConfig JSON; its origin Ids are started
    load: {users: 20, spawn_rate: 20, duration: 60s, probe_interval: 100ms, catalogue_size: 200}
    steps:                                         # at: seconds ("20s", "1m", 20) or "33%" of the duration
      - {at: 33%, kill: primary}                   # kill (SIGKILL) | stop (SIGTERM) | pause (SIGSTOP)
      - {at: 67%, restart: primary}                # restart (same ports) | resume (SIGCONT)
      # - {at: 10s, fault: {target: primary, type: status, status: 503}}  # any control-API fault
      # - {at: 20s, clear: primary}                # or {target: primary, name: status}
    steady_state: {success_ratio: 0.99}
    report: {error_grace_s: 5}
    expect:                                        # summary.json metric path -> condition
      faults[0].time_to_failover_s: "< 1.0"
      hit_ratio: "> 0.7"
    regression: true

``python -m scenarios run NAME`` starts the origins and the edge, drives Locust at it, applies
the steps on time, tears everything down and builds the report (see :mod:`scenarios.runner`).
"""
