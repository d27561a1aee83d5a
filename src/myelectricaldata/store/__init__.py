"""Local store: readings, contract history and sync bookkeeping (SQLite or PostgreSQL)."""
