"""Pure numbers from the run's rows: run-wide metrics, per-fault failover metrics, thresholds, series."""
