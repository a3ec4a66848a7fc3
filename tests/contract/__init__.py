"""Contract tests every Store implementation must pass."""
