"""Reliability: crashes, hostile requests, database faults and load, on real processes."""
