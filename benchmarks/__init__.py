"""Benchmarks: `make bench` (python -m benchmarks). They print figures and ratios; they are
not timed tests."""
