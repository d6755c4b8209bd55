"""A fresh file archive at the newest schema for each test, and a session on it."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from archive_db.engine import make_engine
from archive_db.migrations import upgrade_archive


@pytest.fixture
def archive_path(tmp_path: Path) -> Path:
    return tmp_path / "archive.sqlite"


@pytest.fixture
def engine(archive_path: Path) -> Iterator[Engine]:
    engine = make_engine(str(archive_path))
    upgrade_archive(engine)
    yield engine
    engine.dispose()


@pytest.fixture
def session(engine: Engine) -> Iterator[Session]:
    with Session(engine) as session:
        yield session
