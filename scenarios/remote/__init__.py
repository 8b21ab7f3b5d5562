"""Runs against a real distribution: remote origins by control URL, and the safety rails of real targets."""
