"""Pipelines built the way Scrapy builds them, over a fresh file archive."""

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


@pytest.fixture
def archive_path(tmp_path: Path) -> Path:
    return tmp_path / "archive.sqlite"


@pytest.fixture
def make_crawler(archive_path: Path) -> Callable[..., Crawler]:
    """A crawler whose settings archive to `archive_path`, plus any given as keywords."""

    def make(**settings: Any) -> Crawler:
        # No extensions: their signal handlers expect a running crawl (a reactor, timers).
        defaults = {"ARCHIVE_DB_URL": str(archive_path), "EXTENSIONS_BASE": {}}
        return get_crawler(settings_dict=defaults | settings)

    return make


@pytest.fixture
def read_archive(archive_path: Path) -> Iterator[Callable[[], Session]]:
    """Open the archive read-only, as an analyst would, even while a pipeline writes."""
    engines: list[Engine] = []

    def session() -> Session:
        engines.append(readonly_engine(str(archive_path)))
        return Session(engines[-1])

    yield session
    for engine in engines:
        engine.dispose()
