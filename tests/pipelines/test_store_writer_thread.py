"""ArchivePipeline with ARCHIVE_WRITER_THREAD: batches written by a thread of their own, and
whatever becomes of them dealt with as without it."""

from __future__ import annotations

import dataclasses
import threading
from collections.abc import Callable
from pathlib import Path

import pytest
from scrapy.crawler import Crawler
from scrapy.utils.misc import build_from_crawler
from sqlalchemy import event

from archive_db import engine as archive_engine
from archive_db.queries import exported_articles, fetch_failures
from items import RelatedLink
from pipelines.store import ArchivePipeline
from tests.factories import FETCHED_AT, make_failure
from tests.pipelines.test_store import ReadArchive, end_crawl, story
from tests.pipelines.test_store_unavailable import archived_titles, rescued, write_lock_held


def threaded_pipeline(make_crawler: Callable[..., Crawler], batch_size: int) -> ArchivePipeline:
    crawler = make_crawler(ARCHIVE_BATCH_SIZE=batch_size, ARCHIVE_WRITER_THREAD=True)
    pipeline = build_from_crawler(ArchivePipeline, crawler)
    pipeline.crawler = crawler
    pipeline.open_spider()
    return pipeline


def test_batches_are_committed_by_the_writer_thread(
    make_crawler: Callable[..., Crawler], read_archive: ReadArchive
) -> None:
    pipeline = threaded_pipeline(make_crawler, batch_size=3)
    assert pipeline.engine is not None
    committed_by: list[str] = []
    event.listen(
        pipeline.engine, "commit", lambda _: committed_by.append(threading.current_thread().name)
    )
    for n in range(1, 8):
        pipeline.process_item(story(n))
    assert pipeline.in_flight is not None  # the second batch, on its way
    assert pipeline.crawler is not None
    end_crawl(pipeline.crawler, pipeline)

    assert archived_titles(read_archive) == [f"Story {n}" for n in range(1, 8)]
    assert pipeline.crawler.stats.get_value("archive/inserted") == 7
    # Two full batches by the thread; the last item, and the crawl run, at the close.
    assert [name.startswith("archive-writer") for name in committed_by[:2]] == [True, True]
    assert not any(name.startswith("archive-writer") for name in committed_by[2:])
    assert pipeline.pending == [] and pipeline.in_flight is None


def test_a_bad_record_in_a_threaded_batch_spares_the_rest(
    make_crawler: Callable[..., Crawler], read_archive: ReadArchive
) -> None:
    pipeline = threaded_pipeline(make_crawler, batch_size=2)
    broken_link = RelatedLink(url="https://news.example.org/x", title=None)  # type: ignore[arg-type]
    bad = dataclasses.replace(story(2), related=(broken_link,))
    naive = story(4, fetched_at=FETCHED_AT.replace(tzinfo=None))
    for item in (story(1), bad, story(3), naive, make_failure(), story(5)):
        pipeline.process_item(item)
    assert pipeline.crawler is not None
    end_crawl(pipeline.crawler, pipeline)

    stats = pipeline.crawler.stats.get_stats()
    assert (stats["archive/inserted"], stats["archive/rejected"]) == (3, 2)
    assert stats["archive/failures"] == 3
    with read_archive() as session:
        assert sorted(a.record.title or "" for a in exported_articles(session)) == [
            "Story 1",
            "Story 3",
            "Story 5",
        ]
        assert {bad.url, naive.url} <= {f.url for f in fetch_failures(session)}


@pytest.mark.sqlite_only
def test_a_threaded_batch_the_locked_archive_refused_is_kept_then_rescued(
    make_crawler: Callable[..., Crawler],
    read_archive: ReadArchive,
    archive_url: str,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(archive_engine, "BUSY_TIMEOUT_MS", 50)
    pipeline = threaded_pipeline(make_crawler, batch_size=2)
    for n in (1, 2):
        pipeline.process_item(story(n))
    pipeline.settle_in_flight()  # committed
    with write_lock_held(archive_url):
        for n in (3, 4):  # the writer thread meets the lock
            pipeline.process_item(story(n))
        pipeline.settle_in_flight()
        assert pipeline.pending == [story(3), story(4)]  # kept, not dropped
        assert pipeline.unavailable_reason is None  # one failure: try again with the next
        for n in (5, 6):
            pipeline.process_item(story(n))  # not yet due: the retry waits for a new batch
        for n in (7, 8):
            pipeline.process_item(story(n))  # due: all six, refused again
        pipeline.settle_in_flight()
        assert pipeline.unavailable_reason is not None
        assert "database is locked" in pipeline.unavailable_reason
    assert pipeline.crawler is not None
    end_crawl(pipeline.crawler, pipeline)

    assert archived_titles(read_archive) == ["Story 1", "Story 2"]
    rescue_file = Path(f"{archive_url}.unsaved-{pipeline.run_id}.jsonl")
    assert rescued(rescue_file) == [story(n) for n in range(3, 9)]
    assert pipeline.crawler.stats.get_value("archive/unsaved") == 6
