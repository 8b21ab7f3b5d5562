"""One run of a scenario: stack up, load on, steps on time, everything down, report."""
