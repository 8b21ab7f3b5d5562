"""`make ui`: the stack plus Locust's web UI with a Chaos tab, for exploratory runs."""
