"""Exporters: push history and state to destinations; one module per destination type."""
