"""DistributionConfig JSON -> frozen, validated model (no IO beyond reading the file)."""
