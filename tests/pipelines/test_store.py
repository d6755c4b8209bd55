"""ArchivePipeline: batches, counts, crawl runs, and bad records that spare the rest."""

from __future__ import annotations

import asyncio
import dataclasses
import warnings
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path

import pytest
from scrapy import Spider, signals
from scrapy.crawler import Crawler
from scrapy.exceptions import DropItem, NotConfigured, ScrapyDeprecationWarning
from scrapy.pipelines import ItemPipelineManager
from scrapy.utils.misc import build_from_crawler
from scrapy.utils.test import get_crawler
from sqlalchemy.orm import Session

from archive_db.engine import ArchiveError
from archive_db.queries import (
    article_count,
    exported_articles,
    fetch_failures,
    latest_crawl_run,
)
from items import ArticleRecord, RelatedLink
from pipelines.store import ArchivePipeline
from tests.factories import FETCHED_AT, make_failure, make_record

ReadArchive = Callable[[], Session]
SPIDER = Spider(name="news")


def story(n: int, **fields: object) -> ArticleRecord:
    """Article number `n`: its own archive key and title."""
    url = f"https://news.example.org/story-{n}"
    return make_record(**({"url": url, "canonical_url": url, "title": f"Story {n}"} | fields))


def end_crawl(crawler: Crawler, pipeline: ArchivePipeline, reason: str = "finished") -> None:
    """What Scrapy does at the end of a crawl: close the pipelines, then say why."""
    pipeline.close_spider()
    crawler.signals.send_catch_log(signal=signals.spider_closed, spider=SPIDER, reason=reason)


@pytest.mark.parametrize("settings", [{}, {"ARCHIVE_DB_URL": ""}])
def test_without_a_database_url_the_pipeline_is_not_configured(settings: dict[str, str]) -> None:
    with pytest.raises(NotConfigured, match="ARCHIVE_DB_URL"):
        build_from_crawler(ArchivePipeline, get_crawler(settings_dict=settings))


def test_unusable_archive_path_fails_when_the_spider_opens(tmp_path: Path) -> None:
    blocker = tmp_path / "file.txt"
    blocker.write_text("x")
    crawler = get_crawler(settings_dict={"ARCHIVE_DB_URL": str(blocker / "archive.sqlite")})
    pipeline = build_from_crawler(ArchivePipeline, crawler)
    with pytest.raises(ArchiveError, match="cannot create archive"):
        pipeline.open_spider()


def test_items_are_saved_a_batch_at_a_time(
    make_crawler: Callable[..., Crawler], read_archive: ReadArchive
) -> None:
    crawler = make_crawler(ARCHIVE_BATCH_SIZE=3)
    pipeline = build_from_crawler(ArchivePipeline, crawler)
    pipeline.open_spider()
    for n in range(2):
        assert pipeline.process_item(story(n)) is not None
    with read_archive() as session:
        assert article_count(session) == 0  # still buffered
    pipeline.process_item(story(2))
    with read_archive() as session:
        assert article_count(session) == 3  # one batch, committed
    pipeline.process_item(story(3))
    end_crawl(crawler, pipeline)
    with read_archive() as session:
        assert article_count(session) == 4  # the rest, saved at close


def test_outcomes_are_counted_in_crawl_stats(
    make_crawler: Callable[..., Crawler], read_archive: ReadArchive
) -> None:
    crawler = make_crawler(ARCHIVE_BATCH_SIZE=2)
    first = build_from_crawler(ArchivePipeline, crawler)
    first.open_spider()
    first.process_item(story(1))
    first.process_item(story(2))
    end_crawl(crawler, first)

    crawler = make_crawler(ARCHIVE_BATCH_SIZE=2)
    second = build_from_crawler(ArchivePipeline, crawler)
    second.open_spider()
    later = FETCHED_AT + timedelta(days=1)
    second.process_item(story(1, fetched_at=later))  # unchanged
    second.process_item(story(2, fetched_at=later, body=make_record().body + " Updated."))
    second.process_item(story(3, fetched_at=later))  # new
    second.process_item(make_failure())
    end_crawl(crawler, second)

    stats = crawler.stats.get_stats()
    assert (stats["archive/inserted"], stats["archive/updated"]) == (1, 1)
    assert (stats["archive/unchanged"], stats["archive/failures"]) == (1, 1)
    with read_archive() as session:
        archived = {a.record.title: a for a in exported_articles(session)}
        assert archived["Story 1"].last_seen == later
        assert archived["Story 2"].versions == 2
        assert [f.url for f in fetch_failures(session)] == [make_failure().url]


def test_each_crawl_is_a_crawl_run_with_arguments_counts_and_reason(
    make_crawler: Callable[..., Crawler], read_archive: ReadArchive
) -> None:
    crawler = make_crawler(ARCHIVE_RUN_ARGUMENTS={"site": "example", "limit": 5})
    pipeline = build_from_crawler(ArchivePipeline, crawler)
    pipeline.open_spider()
    with read_archive() as session:
        run = latest_crawl_run(session)
        assert run is not None
        assert run.finished_at is None
        assert run.arguments == {"site": "example", "limit": 5}
    pipeline.process_item(story(1))
    end_crawl(crawler, pipeline, reason="closespider_itemcount")
    with read_archive() as session:
        run = latest_crawl_run(session)
        assert run is not None
        assert run.finished_at is not None
        assert run.finish_reason == "closespider_itemcount"
        assert run.counts is not None
        assert run.counts["archive/inserted"] == 1
        assert "archive/updated" not in run.counts
        (archived,) = exported_articles(session)
    assert archived.record == story(1)


def test_a_bad_record_does_not_lose_the_rest_of_its_batch(
    make_crawler: Callable[..., Crawler], read_archive: ReadArchive
) -> None:
    crawler = make_crawler(ARCHIVE_BATCH_SIZE=10)
    pipeline = build_from_crawler(ArchivePipeline, crawler)
    pipeline.open_spider()
    # A parser bug: a related link without a title, which the archive cannot hold.
    broken_link = RelatedLink(url="https://news.example.org/x", title=None)  # type: ignore[arg-type]
    bad = dataclasses.replace(story(2), related=(broken_link,))
    naive = story(4, fetched_at=FETCHED_AT.replace(tzinfo=None))
    for item in (story(1), bad, story(3), naive, make_failure()):
        pipeline.process_item(item)
    end_crawl(crawler, pipeline)

    stats = crawler.stats.get_stats()
    assert stats["archive/inserted"] == 2
    assert stats["archive/rejected"] == 2
    assert stats["archive/failures"] == 3  # the fetch failure and the two rejected records
    with read_archive() as session:
        titles = sorted(a.record.title or "" for a in exported_articles(session))
        assert titles == ["Story 1", "Story 3"]
        reasons = {f.url: f.reason for f in fetch_failures(session)}
    # SQLite: "NOT NULL constraint failed: article_link.title"; PostgreSQL: 'null value in
    # column "title" of relation "article_link" violates not-null constraint'.
    assert all(
        word in reasons[bad.url].lower() for word in ("not", "null", "article_link", "title")
    )
    assert "no time zone" in reasons[naive.url]
    assert all("\n" not in reason for reason in reasons.values())


def test_scrapy_runs_the_whole_chain_without_deprecation_warnings(
    make_crawler: Callable[..., Crawler], read_archive: ReadArchive
) -> None:
    crawler = make_crawler(
        ITEM_PIPELINES={
            "pipelines.clean.CleanPipeline": 100,
            "pipelines.validate.ValidatePipeline": 200,
            "pipelines.deduplicate.DeduplicatePipeline": 300,
            "pipelines.store.ArchivePipeline": 900,
        }
    )
    with warnings.catch_warnings():
        warnings.simplefilter("error", ScrapyDeprecationWarning)
        manager = ItemPipelineManager.from_crawler(crawler)

        async def crawl() -> None:
            await manager.open_spider_async()
            await manager.process_item_async(story(1, title="  Story\u200b 1 "))
            for item in (story(1), story(2, body="Too short.")):
                with pytest.raises(DropItem):
                    await manager.process_item_async(item)
            await manager.close_spider_async()

        asyncio.run(crawl())
    assert crawler.stats.get_value("dropped/duplicate") == 1
    assert crawler.stats.get_value("dropped/short_body") == 1
    with read_archive() as session:
        assert [a.record.title for a in exported_articles(session)] == ["Story 1"]
