"""The run history: every run's figures in one database (SQLite or PostgreSQL), baselines."""
