"""Session fixture for the real mosquitto server (see its docstring)."""
