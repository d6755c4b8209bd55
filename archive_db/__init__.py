"""The archive: schema, engine, writes and named queries over SQLAlchemy 2."""

from __future__ import annotations

import logging

# Alembic announces each of its autogenerate plugins at INFO as soon as it is imported:
# seven lines of noise at the top of every crawl log, before anything is migrated.
logging.getLogger("alembic.runtime.plugins").setLevel(logging.WARNING)
