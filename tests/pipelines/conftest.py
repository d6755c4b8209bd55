"""Pipelines built the way Scrapy builds them, over a fresh archive on each backend.

Tests that take `make_crawler` or `read_archive` run twice: on an SQLite file and on an
empty PostgreSQL database of their own, which the pipeline migrates when it opens (see
tests/archive_db/backends.py). A test about SQLite itself is marked
``@pytest.mark.sqlite_only``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from scrapy.crawler import Crawler
from scrapy.utils.test import get_crawler
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from archive_db.engine import readonly_engine
from tests.archive_db import backends


@pytest.fixture
def archive_url(backend: str, tmp_path: Path) -> Iterator[str]:
    """Where the pipeline archives: a file path not yet created, or an empty database."""
    if backend == "sqlite":
        yield str(tmp_path / "archive.sqlite")
        return
    backends.require_server()
    with backends.fresh_database() as url:
        yield url


@pytest.fixture
def make_crawler(archive_url: str) -> Callable[..., Crawler]:
    """A crawler whose settings archive to `archive_url`, plus any given as keywords."""

    def make(**settings: Any) -> Crawler:
        # No extensions: their signal handlers expect a running crawl (a reactor, timers).
        defaults = {"ARCHIVE_DB_URL": archive_url, "EXTENSIONS_BASE": {}}
        return get_crawler(settings_dict=defaults | settings)

    return make


@pytest.fixture
def read_archive(archive_url: str) -> Iterator[Callable[[], Session]]:
    """Open the archive read-only, as an analyst would, even while a pipeline writes."""
    engines: list[Engine] = []

    def session() -> Session:
        engines.append(readonly_engine(archive_url))
        return Session(engines[-1])

    yield session
    for engine in engines:
        engine.dispose()
