"""Tests of exporters/webhook."""
