"""Tests of exporters/home_assistant."""
