"""A fresh archive at the newest schema for each test, on each backend, and a session on it.

Tests that take `engine`, `session` or `archive_url` run twice: on an SQLite file and on
a PostgreSQL database of their own (see tests/archive_db/backends.py). A test about
SQLite itself is marked ``@pytest.mark.sqlite_only``; `archive_path` (the SQLite file)
is only for those.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from archive_db.engine import make_engine
from archive_db.migrations import upgrade_archive
from tests.archive_db import backends


@pytest.fixture(scope="session")
def postgres_template() -> Iterator[str]:
    """A database migrated to the newest schema once, copied for each PostgreSQL test."""
    backends.require_server()
    name = backends.create_database()
    try:
        upgrade_archive(backends.database_url(name))
        yield name
    finally:
        backends.drop_database(name)


@pytest.fixture
def archive_path(backend: str, tmp_path: Path) -> Path:
    if backend != "sqlite":
        pytest.fail("a test that uses the archive's file is SQLite-only: mark it sqlite_only")
    return tmp_path / "archive.sqlite"


@pytest.fixture
def archive_url(backend: str, tmp_path: Path, request: pytest.FixtureRequest) -> Iterator[str]:
    """The archive for this test, at the newest schema: a file path, or a PostgreSQL URL."""
    if backend == "sqlite":
        path = tmp_path / "archive.sqlite"
        upgrade_archive(str(path))
        yield str(path)
        return
    template = request.getfixturevalue("postgres_template")
    with backends.fresh_database(template=template) as url:
        yield url


@pytest.fixture
def engine(archive_url: str) -> Iterator[Engine]:
    engine = make_engine(archive_url)
    yield engine
    engine.dispose()


@pytest.fixture
def session(engine: Engine) -> Iterator[Session]:
    with Session(engine) as session:
        yield session
