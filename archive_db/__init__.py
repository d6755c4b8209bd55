"""The archive: schema, engine, writes and named queries over SQLAlchemy 2."""
