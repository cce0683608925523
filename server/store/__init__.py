"""The hub's storage: SQLite through sqlite-utils (WAL), one connection per thread."""
from .db import Store  # noqa: F401
