"""Session fixture for the real influxdb server (see its docstring)."""
