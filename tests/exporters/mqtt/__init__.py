"""Tests of exporters/mqtt."""
