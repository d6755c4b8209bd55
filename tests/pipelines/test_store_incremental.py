"""Incremental crawls' items through the pipelines: checks (304) and gone pages, counted."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from datetime import timedelta

import pytest
from scrapy import Spider, signals
from scrapy.crawler import Crawler
from scrapy.utils.misc import build_from_crawler
from scrapy.utils.test import get_crawler
from sqlalchemy import select
from sqlalchemy.orm import Session

from archive_db.models import Article
from items import ArticleRecord, PageGone, PageNotModified
from pipelines.clean import CleanPipeline
from pipelines.deduplicate import DeduplicatePipeline
from pipelines.store import ArchivePipeline
from pipelines.validate import ValidatePipeline
from tests.factories import FETCHED_AT, make_record

SPIDER = Spider(name="news")
LATER = FETCHED_AT + timedelta(days=1)


def story(n: int) -> ArticleRecord:
    url = f"https://news.example.org/story-{n}"
    return make_record(url=url, canonical_url=url, title=f"Story {n}", etag=f'"{n}"')


def test_the_other_pipelines_pass_checks_and_gone_pages_untouched() -> None:
    crawler = get_crawler(settings_dict={"EXTENSIONS_BASE": {}})
    items = [
        PageNotModified("https://news.example.org/a", 1, checked_at=LATER),
        PageGone("https://news.example.org/b", 2, status=410, gone_at=LATER),
    ]
    for pipeline_class in (CleanPipeline, ValidatePipeline, DeduplicatePipeline):
        pipeline = build_from_crawler(pipeline_class, crawler)
        for item in items:
            assert pipeline.process_item(item) is item


@pytest.mark.parametrize("writer_thread", [False, True])
def test_checks_and_gone_pages_are_saved_in_batches_and_counted(
    make_crawler: Callable[..., Crawler],
    read_archive: Callable[[], Session],
    writer_thread: bool,
) -> None:
    first = make_crawler(ARCHIVE_BATCH_SIZE=2)
    pipeline = build_from_crawler(ArchivePipeline, first)
    pipeline.open_spider()
    for n in range(4):
        pipeline.process_item(story(n))
    pipeline.close_spider()
    with read_archive() as session:
        ids = {url: id_ for id_, url in session.execute(select(Article.id, Article.url))}

    crawler = make_crawler(ARCHIVE_BATCH_SIZE=3, ARCHIVE_WRITER_THREAD=writer_thread)
    pipeline = build_from_crawler(ArchivePipeline, crawler)
    pipeline.open_spider()
    url = "https://news.example.org/story-{}".format
    edited = dataclasses.replace(story(3), body=make_record().body + " Edited.")
    for item in [
        PageNotModified(url(0), ids[url(0)], checked_at=LATER),
        PageNotModified(url(1), ids[url(1)], checked_at=LATER),
        PageGone(url(2), ids[url(2)], status=404, gone_at=LATER),
        dataclasses.replace(edited, fetched_at=LATER),
        PageNotModified(url(1), ids[url(1)], checked_at=LATER + timedelta(hours=1)),
    ]:
        assert pipeline.process_item(item) is item
    pipeline.close_spider()
    crawler.signals.send_catch_log(signal=signals.spider_closed, spider=SPIDER, reason="finished")

    stats = crawler.stats.get_stats()
    assert (stats["archive/not_modified"], stats["archive/gone"]) == (3, 1)
    assert stats["archive/updated"] == 1
    with read_archive() as session:
        rows = {row.url: row for row in session.scalars(select(Article))}
        assert rows[url(0)].last_checked_at == LATER
        assert rows[url(1)].last_checked_at == LATER + timedelta(hours=1)
        assert (rows[url(2)].gone_status, rows[url(2)].gone_at) == (404, LATER)
        assert rows[url(3)].current_version == 2
        assert rows[url(3)].etag == '"3"'
