"""Session fixture for the real victoriametrics server (see its docstring)."""
