"""Benchmarks, run on demand (`make bench`); each prints figures and ratios against a baseline."""
