"""Tests of exporters/victoriametrics."""
