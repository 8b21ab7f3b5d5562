"""Runs of runs: repeats, variants and the regression set."""
