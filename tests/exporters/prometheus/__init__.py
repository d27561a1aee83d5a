"""Tests of exporters/prometheus."""
