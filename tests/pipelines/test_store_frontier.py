"""ArchivePipeline on a shared frontier: ResponseDone items are announced only once what came
before them is committed, and what waits is committed when the crawl idles or the last
commit is ARCHIVE_FLUSH_SECONDS old (spiders/frontier.py acknowledges requests then)."""

from __future__ import annotations

import time
from collections.abc import Callable

from scrapy import Spider, signals
from scrapy.crawler import Crawler
from scrapy.utils.misc import build_from_crawler
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from archive_db.models import Article
from items import ARCHIVE_COMMITTED, ResponseDone
from pipelines.store import ArchivePipeline
from tests.factories import make_record

SPIDER = Spider(name="frontier")


def story(n: int) -> object:
    url = f"https://news.example.org/story-{n}"
    return make_record(url=url, canonical_url=url, title=f"Story {n}")


def article_count(session: Session) -> int:
    return int(session.scalar(select(func.count()).select_from(Article)) or 0)


def opened(crawler: Crawler) -> ArchivePipeline:
    """The archive pipeline, built as Scrapy builds it and opened."""
    pipeline = build_from_crawler(ArchivePipeline, crawler)
    pipeline.open_spider()
    return pipeline


def announced(crawler: Crawler) -> list[str]:
    """The tokens the pipeline announces as committed, as they come."""
    tokens: list[str] = []

    def committed(done: list[ResponseDone]) -> None:
        tokens.extend(item.token for item in done)

    crawler.signals.connect(committed, signal=ARCHIVE_COMMITTED, weak=False)
    return tokens


def test_a_response_is_announced_done_only_after_its_records_are_committed(
    make_crawler: Callable[..., Crawler], read_archive: Callable[[], Session]
) -> None:
    crawler = make_crawler(ARCHIVE_BATCH_SIZE=3, ARCHIVE_WRITER_THREAD=False)
    tokens = announced(crawler)
    pipeline = opened(crawler)
    pipeline.process_item(story(1))
    pipeline.process_item(ResponseDone(token="7"))
    assert tokens == []  # story 1 is not committed yet: request 7 may still be lost
    pipeline.process_item(story(2))  # the third item: the batch is committed
    assert tokens == ["7"]
    with read_archive() as session:
        assert article_count(session) == 2
    pipeline.process_item(ResponseDone(token="8"))
    pipeline.close_spider()
    assert tokens == ["7", "8"]
    assert crawler.stats.get_value("archive/inserted") == 2
    assert crawler.stats.get_value("archive/unsaved") is None


def test_what_waits_is_committed_when_the_crawl_is_idle(
    make_crawler: Callable[..., Crawler], read_archive: Callable[[], Session]
) -> None:
    crawler = make_crawler(ARCHIVE_FLUSH_SECONDS=60, ARCHIVE_WRITER_THREAD=True)
    tokens = announced(crawler)
    pipeline = opened(crawler)
    pipeline.process_item(story(1))
    pipeline.process_item(ResponseDone(token="1"))
    crawler.signals.send_catch_log(signal=signals.spider_idle, spider=SPIDER)
    assert tokens == ["1"]
    with read_archive() as session:
        assert article_count(session) == 1
    pipeline.close_spider()


def test_what_waits_is_committed_once_the_last_commit_is_old_enough(
    make_crawler: Callable[..., Crawler], read_archive: Callable[[], Session]
) -> None:
    crawler = make_crawler(ARCHIVE_FLUSH_SECONDS=0.2, ARCHIVE_WRITER_THREAD=False)
    tokens = announced(crawler)
    pipeline = opened(crawler)
    pipeline.process_item(ResponseDone(token="1"))
    assert tokens == []  # a batch of 100 is far off, and the last commit is recent
    time.sleep(0.25)
    pipeline.process_item(ResponseDone(token="2"))
    assert tokens == ["1", "2"]
    pipeline.close_spider()


def test_without_flush_seconds_an_idle_crawl_commits_nothing_early(
    make_crawler: Callable[..., Crawler], read_archive: Callable[[], Session]
) -> None:
    crawler = make_crawler(ARCHIVE_WRITER_THREAD=False)  # a crawl of its own: batches only
    pipeline = opened(crawler)
    pipeline.process_item(story(1))
    crawler.signals.send_catch_log(signal=signals.spider_idle, spider=SPIDER)
    with read_archive() as session:
        assert article_count(session) == 0
    pipeline.close_spider()
    with read_archive() as session:
        assert article_count(session) == 1
