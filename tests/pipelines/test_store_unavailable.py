"""ArchivePipeline when the archive itself fails: nothing it was given is lost.

The failure is real: another connection holds the SQLite archive's write lock (BEGIN
IMMEDIATE) while the pipeline writes, with the busy timeout shortened so the pipeline's
"database is locked" comes in milliseconds rather than seconds.
"""

from __future__ import annotations

import json
import logging
import sqlite3
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from scrapy.crawler import Crawler
from scrapy.utils.misc import build_from_crawler

from archive_db import engine as archive_engine
from archive_db.queries import exported_articles, latest_crawl_run
from items import ArticleRecord, record_from_json
from pipelines.store import ARCHIVE_UNAVAILABLE, ArchivePipeline, rescue_path_of
from tests.factories import make_failure
from tests.pipelines.test_store import ReadArchive, end_crawl, story

pytestmark = pytest.mark.sqlite_only


@pytest.fixture(autouse=True)
def short_busy_timeout(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(archive_engine, "BUSY_TIMEOUT_MS", 50)


@contextmanager
def write_lock_held(archive: str) -> Iterator[None]:
    """Another process's writer holding the archive's write lock for the whole block."""
    connection = sqlite3.connect(archive, isolation_level=None, timeout=10)
    try:
        connection.execute("BEGIN IMMEDIATE")
        yield
        connection.execute("ROLLBACK")
    finally:
        connection.close()


def archived_titles(read_archive: ReadArchive) -> list[str]:
    with read_archive() as session:
        return sorted(article.record.title or "" for article in exported_articles(session))


def rescued(path: Path) -> list[ArticleRecord]:
    return [record_from_json(json.loads(line)) for line in path.read_text("utf-8").splitlines()]


def no_tracebacks(caplog: pytest.LogCaptureFixture) -> bool:
    return all(
        record.exc_info is None and "\n" not in record.getMessage() for record in caplog.records
    )


def test_a_batch_the_locked_archive_refused_is_saved_with_the_next(
    make_crawler: Callable[..., Crawler],
    read_archive: ReadArchive,
    archive_url: str,
    caplog: pytest.LogCaptureFixture,
) -> None:
    crawler = make_crawler(ARCHIVE_BATCH_SIZE=2)
    pipeline = build_from_crawler(ArchivePipeline, crawler)
    pipeline.open_spider()
    with write_lock_held(archive_url):
        pipeline.process_item(story(1))
        pipeline.process_item(story(2))
    assert pipeline.pending == [story(1), story(2)]  # kept, not dropped
    assert "database is locked" in caplog.text
    pipeline.process_item(story(3))  # not yet: the retry waits for a whole new batch
    assert archived_titles(read_archive) == []
    pipeline.process_item(story(4))
    assert archived_titles(read_archive) == ["Story 1", "Story 2", "Story 3", "Story 4"]
    end_crawl(crawler, pipeline)

    stats = crawler.stats.get_stats()
    assert stats["archive/inserted"] == 4
    assert "archive/unsaved" not in stats and "archive/error" not in stats
    with read_archive() as session:
        run = latest_crawl_run(session)
        assert run is not None and run.finish_reason == "finished"
    assert no_tracebacks(caplog)


def test_a_second_failure_in_a_row_gives_up_and_rescues_every_article(
    make_crawler: Callable[..., Crawler],
    read_archive: ReadArchive,
    archive_url: str,
    caplog: pytest.LogCaptureFixture,
) -> None:
    crawler = make_crawler(ARCHIVE_BATCH_SIZE=2)
    pipeline = build_from_crawler(ArchivePipeline, crawler)
    pipeline.open_spider()
    for n in (1, 2):
        pipeline.process_item(story(n))  # committed
    unsaved = [story(3), make_failure(), story(4), story(5), story(6)]
    with write_lock_held(archive_url):
        for item in unsaved[:4]:
            pipeline.process_item(item)
        assert pipeline.unavailable_reason is not None
        assert "database is locked" in pipeline.unavailable_reason
        pipeline.process_item(unsaved[4])  # given up: it waits for the rescue file
    end_crawl(crawler, pipeline)

    assert archived_titles(read_archive) == ["Story 1", "Story 2"]
    rescue_file = Path(f"{archive_url}.unsaved-{pipeline.run_id}.jsonl")
    articles = [item for item in unsaved if isinstance(item, ArticleRecord)]
    assert rescued(rescue_file) == articles
    stats = crawler.stats.get_stats()
    assert (stats["archive/unsaved"], stats["archive/rescued"]) == (5, 4)
    message = stats["archive/error"]
    assert "\n" not in message
    assert "database is locked" in message and "5 items" in message and str(rescue_file) in message
    with read_archive() as session:
        run = latest_crawl_run(session)
        assert run is not None and run.finish_reason == ARCHIVE_UNAVAILABLE
        assert run.counts is not None and run.counts["archive/unsaved"] == 5
    assert no_tracebacks(caplog)


def test_a_locked_archive_at_the_end_of_the_crawl_rescues_the_last_batch(
    make_crawler: Callable[..., Crawler],
    read_archive: ReadArchive,
    archive_url: str,
    caplog: pytest.LogCaptureFixture,
) -> None:
    crawler = make_crawler(ARCHIVE_BATCH_SIZE=10)
    pipeline = build_from_crawler(ArchivePipeline, crawler)
    pipeline.open_spider()
    pipeline.process_item(story(1))
    with write_lock_held(archive_url):
        end_crawl(crawler, pipeline)  # neither the batch nor the crawl run can be written

    assert archived_titles(read_archive) == []
    assert rescued(rescue_path_of(archive_url, run_id=pipeline.run_id)) == [story(1)]
    assert crawler.stats.get_value("archive/unsaved") == 1
    errors = [record.getMessage() for record in caplog.records if record.levelno >= logging.ERROR]
    assert any("could not close crawl run" in error for error in errors)
    with read_archive() as session:
        run = latest_crawl_run(session)
        assert run is not None and run.finished_at is None
    assert no_tracebacks(caplog)


def test_a_rescue_file_that_cannot_be_written_is_one_line_too(
    make_crawler: Callable[..., Crawler],
    archive_url: str,
    tmp_path: Path,
    caplog: pytest.LogCaptureFixture,
) -> None:
    crawler = make_crawler(ARCHIVE_BATCH_SIZE=10)
    pipeline = build_from_crawler(ArchivePipeline, crawler)
    pipeline.open_spider()
    rescue_file = rescue_path_of(archive_url, run_id=pipeline.run_id)
    rescue_file.symlink_to("/dev/full")  # every write: ENOSPC, as on a full disk
    pipeline.process_item(story(1))
    with write_lock_held(archive_url):
        end_crawl(crawler, pipeline)

    message = crawler.stats.get_value("archive/error")
    assert "\n" not in message
    assert "could not be written" in message and "No space left on device" in message
    assert crawler.stats.get_value("archive/rescued") is None
    assert no_tracebacks(caplog)


def test_the_rescue_file_sits_beside_an_sqlite_archive(tmp_path: Path) -> None:
    archive = tmp_path / "news.sqlite"
    expected = tmp_path / "news.sqlite.unsaved-7.jsonl"
    assert rescue_path_of(str(archive), run_id=7) == expected
    assert rescue_path_of(f"sqlite:///{archive}", run_id=7) == expected
    in_cwd = Path.cwd() / "newsarchive-unsaved-7.jsonl"
    assert rescue_path_of("postgresql+psycopg://u:p@127.0.0.1/news", run_id=7) == in_cwd
    assert rescue_path_of(":memory:", run_id=7) == in_cwd
