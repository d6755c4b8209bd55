"""ArchivePipeline and raw captures: stored before their batch's records, each version linked
to the capture it was read from, counted, and never lost silently."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from datetime import timedelta

import pytest
from scrapy.crawler import Crawler
from scrapy.utils.misc import build_from_crawler
from sqlalchemy import select

from archive_db import engine as archive_engine
from archive_db.models import ArticleVersion, Capture, Payload
from items import ArticleRecord, RawCapture
from pipelines.store import ArchivePipeline
from tests.factories import FETCHED_AT
from tests.pipelines.test_store import ReadArchive, end_crawl, story
from tests.pipelines.test_store_unavailable import write_lock_held


def capture_of(record: ArticleRecord, body: bytes | None = None) -> RawCapture:
    """The capture a crawl yields before `record`, which names it."""
    return RawCapture(
        url=record.url,
        method="GET",
        request_headers=(("User-Agent", "newsarchive"),),
        status=200,
        protocol="HTTP/1.1",
        response_headers=(("Content-Type", "text/html"),),
        body=body if body is not None else f"<html>{record.title}</html>".encode(),
        fetched_at=FETCHED_AT,
    )


def crawled(n: int, **fields: object) -> tuple[RawCapture, ArticleRecord]:
    record = story(n, parser_version="2026.11.26", **fields)
    capture = capture_of(record)
    return capture, dataclasses.replace(record, capture_key=capture.key)


def versions_and_captures(read_archive: ReadArchive) -> list[tuple[str, str, int, str | None]]:
    """(title, capture URL, capture status, parser version) of every version."""
    with read_archive() as session:
        rows = session.execute(
            select(
                ArticleVersion.record, Capture.url, Capture.status, ArticleVersion.parser_version
            )
            .join(Capture, Capture.id == ArticleVersion.capture_id)
            .order_by(ArticleVersion.id)
        )
        return [(record["title"], url, status, version) for record, url, status, version in rows]


@pytest.mark.parametrize("batch_size", [1, 2, 100])
def test_each_version_points_at_the_capture_it_was_read_from(
    make_crawler: Callable[..., Crawler], read_archive: ReadArchive, batch_size: int
) -> None:
    """Whether a record shares its capture's batch or comes in the next one."""
    crawler = make_crawler(ARCHIVE_BATCH_SIZE=batch_size)
    pipeline = build_from_crawler(ArchivePipeline, crawler)
    pipeline.open_spider()
    redirect = dataclasses.replace(capture_of(story(0)), status=301, body=b"")
    pipeline.process_item(redirect)  # a hop before story 1's page: no record names it
    for n in (1, 2, 3):
        for item in crawled(n):
            pipeline.process_item(item)
    end_crawl(crawler, pipeline)
    assert versions_and_captures(read_archive) == [
        (f"Story {n}", f"https://news.example.org/story-{n}", 200, "2026.11.26") for n in (1, 2, 3)
    ]
    stats = crawler.stats.get_stats()
    assert stats["archive/captures"] == 4
    assert stats["archive/payloads_new"] == 4
    assert stats["archive/inserted"] == 3
    with read_archive() as session:
        runs = {run_id for (run_id,) in session.execute(select(Capture.crawl_run_id))}
        assert runs == {pipeline.run_id}


def test_a_second_crawl_of_unchanged_pages_adds_captures_but_no_payload(
    make_crawler: Callable[..., Crawler], read_archive: ReadArchive
) -> None:
    for crawl in range(2):
        crawler = make_crawler(ARCHIVE_BATCH_SIZE=10)
        pipeline = build_from_crawler(ArchivePipeline, crawler)
        pipeline.open_spider()
        for n in (1, 2):
            capture, record = crawled(n, fetched_at=FETCHED_AT + timedelta(days=crawl))
            pipeline.process_item(capture)
            pipeline.process_item(record)
        end_crawl(crawler, pipeline)
    stats = crawler.stats.get_stats()
    assert stats["archive/captures"] == 2
    assert "archive/payloads_new" not in stats
    assert stats["archive/unchanged"] == 2
    with read_archive() as session:
        assert len(session.scalars(select(Capture)).all()) == 4
        assert len(session.scalars(select(Payload)).all()) == 2


def test_a_record_whose_capture_was_not_stored_has_no_capture_id(
    make_crawler: Callable[..., Crawler], read_archive: ReadArchive
) -> None:
    crawler = make_crawler()
    pipeline = build_from_crawler(ArchivePipeline, crawler)
    pipeline.open_spider()
    _capture, record = crawled(1)
    pipeline.process_item(record)  # its capture never came
    pipeline.process_item(story(2))  # no capture named at all
    end_crawl(crawler, pipeline)
    with read_archive() as session:
        ids = session.scalars(select(ArticleVersion.capture_id)).all()
    assert ids == [None, None]


@pytest.mark.sqlite_only
def test_captures_a_refused_batch_held_are_saved_with_the_next_and_linked(
    make_crawler: Callable[..., Crawler],
    read_archive: ReadArchive,
    archive_url: str,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(archive_engine, "BUSY_TIMEOUT_MS", 50)
    crawler = make_crawler(ARCHIVE_BATCH_SIZE=2)
    pipeline = build_from_crawler(ArchivePipeline, crawler)
    pipeline.open_spider()
    with write_lock_held(archive_url):
        for item in crawled(1):
            pipeline.process_item(item)  # the batch is refused, and kept
    assert pipeline.capture_ids == {}  # nothing of a rolled-back transaction is remembered
    for item in crawled(2):
        pipeline.process_item(item)
    end_crawl(crawler, pipeline)
    assert [title for title, *_ in versions_and_captures(read_archive)] == ["Story 1", "Story 2"]


@pytest.mark.sqlite_only
def test_captures_are_counted_not_rescued_when_the_archive_gives_up(
    make_crawler: Callable[..., Crawler],
    archive_url: str,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(archive_engine, "BUSY_TIMEOUT_MS", 50)
    crawler = make_crawler(ARCHIVE_BATCH_SIZE=10)
    pipeline = build_from_crawler(ArchivePipeline, crawler)
    pipeline.open_spider()
    for item in (*crawled(1), *crawled(2)):
        pipeline.process_item(item)
    with write_lock_held(archive_url):
        end_crawl(crawler, pipeline)
    stats = crawler.stats.get_stats()
    assert (stats["archive/unsaved"], stats["archive/rescued"]) == (4, 2)
    assert stats["archive/captures_lost"] == 2
    message = stats["archive/error"]
    assert "4 items were not saved (2 of them raw captures" in message
