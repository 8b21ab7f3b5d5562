"""Scenario YAML -> frozen, validated `Scenario` (no IO beyond reading the file)."""
