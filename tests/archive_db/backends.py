"""The two archive backends the tests run on: an SQLite file, and PostgreSQL on loopback.

PostgreSQL cases get a database of their own with a unique name, dropped afterwards. The
server is 127.0.0.1:5432 unless NEWSARCHIVE_TEST_POSTGRES gives another administrative
URL (one allowed to create databases). When it cannot be reached, PostgreSQL cases skip
with the reason; in CI (the CI variable is set) they fail instead, since CI starts it.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from contextlib import contextmanager

import pytest
from sqlalchemy import create_engine
from sqlalchemy.engine import Engine, make_url
from sqlalchemy.exc import DBAPIError

from archive_db.engine import mask_url

BACKENDS = ("sqlite", "postgresql")
SQLITE_ONLY = "sqlite_only"  # the marker of a test about SQLite itself
DEFAULT_ADMIN_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
DATABASE_PREFIX = "newsarchive_test_"


def admin_url() -> str:
    return os.environ.get("NEWSARCHIVE_TEST_POSTGRES") or DEFAULT_ADMIN_URL


def register_marker(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers",
        f"{SQLITE_ONLY}: about SQLite itself (FTS5, PRAGMAs, files); "
        "runs on the SQLite backend only",
    )


def parametrize_backend(metafunc: pytest.Metafunc) -> None:
    """Run each test that uses an archive once per backend, SQLite-only ones on SQLite."""
    if "backend" not in metafunc.fixturenames:
        return
    sqlite_only = metafunc.definition.get_closest_marker(SQLITE_ONLY) is not None
    backends = ["sqlite"] if sqlite_only else list(BACKENDS)
    metafunc.parametrize("backend", backends, indirect=True, scope="function")


def admin_engine() -> Engine:
    """An AUTOCOMMIT engine on the server's maintenance database (CREATE DATABASE needs it)."""
    return create_engine(admin_url(), isolation_level="AUTOCOMMIT", pool_pre_ping=True)


def require_server() -> None:
    """Skip (or, in CI, fail) the test when the PostgreSQL server cannot be reached."""
    try:
        engine = admin_engine()
    except ImportError as error:
        unavailable(f"the PostgreSQL driver is not installed ({error.name})")
        return
    try:
        with engine.connect() as connection:
            connection.exec_driver_sql("SELECT 1")
    except DBAPIError as error:
        first_line = str(error.orig).splitlines()[0] if error.orig else type(error).__name__
        unavailable(f"PostgreSQL at {mask_url(admin_url())} is unreachable: {first_line}")
    finally:
        engine.dispose()


def unavailable(reason: str) -> None:
    if "CI" in os.environ:
        pytest.fail(f"{reason} (CI is set: the server must be running)", pytrace=False)
    pytest.skip(reason)


def database_url(name: str) -> str:
    """The URL of database `name` on the test server, credentials included."""
    return make_url(admin_url()).set(database=name).render_as_string(hide_password=False)


def create_database(*, template: str | None = None) -> str:
    """Create a database with a unique name (a copy of `template` if given); its name."""
    name = f"{DATABASE_PREFIX}{uuid.uuid4().hex[:16]}"
    engine = admin_engine()
    try:
        with engine.connect() as connection:
            # Names come from uuid4 and this module's constants, never from test input.
            statement = f'CREATE DATABASE "{name}"'
            if template is not None:
                statement += f' TEMPLATE "{template}"'
            connection.exec_driver_sql(statement)
    finally:
        engine.dispose()
    return name


def drop_database(name: str) -> None:
    """Drop a test database, closing any connection a test left open."""
    engine = admin_engine()
    try:
        with engine.connect() as connection:
            connection.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    finally:
        engine.dispose()


@contextmanager
def fresh_database(*, template: str | None = None) -> Iterator[str]:
    """A new database on the test server for the duration of the block; yields its URL."""
    name = create_database(template=template)
    try:
        yield database_url(name)
    finally:
        drop_database(name)
