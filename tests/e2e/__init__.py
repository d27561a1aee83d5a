"""End-to-end tests of the web UI in Debian's headless Chromium, against the real service."""
