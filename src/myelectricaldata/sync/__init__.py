"""Sync: plans what to fetch from a source within its quota, and writes it to the store."""
