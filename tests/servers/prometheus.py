"""Session fixture for the real prometheus server (see its docstring)."""
