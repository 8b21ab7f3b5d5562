"""Benchmarks of the project (``python -m bench``; see BENCHMARKS.md)."""
