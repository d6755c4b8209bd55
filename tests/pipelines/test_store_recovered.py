"""ArchivePipeline and FetchRecovered: a page that failed before and is fetched fine now."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

from scrapy import Spider, signals
from scrapy.crawler import Crawler
from scrapy.utils.misc import build_from_crawler
from sqlalchemy.orm import Session

from archive_db.queries import fetch_failures
from items import FetchRecovered
from pipelines.store import ArchivePipeline
from tests.factories import FETCHED_AT, make_failure

ReadArchive = Callable[[], Session]
SECTION = "https://news.example.org/business/"


def run(crawler: Crawler, *items: object) -> None:
    pipeline = build_from_crawler(ArchivePipeline, crawler)
    pipeline.open_spider()
    for item in items:
        pipeline.process_item(item)
    pipeline.close_spider()
    crawler.signals.send_catch_log(
        signal=signals.spider_closed, spider=Spider(name="news"), reason="finished"
    )


def test_a_recovery_resolves_the_failures_of_its_urls_only(
    make_crawler: Callable[..., Crawler], read_archive: ReadArchive
) -> None:
    other = make_failure(url="https://news.example.org/2024/05/still-broken")
    run(make_crawler(), make_failure(url=SECTION), make_failure(url=SECTION), other)
    later = FETCHED_AT + timedelta(days=1)
    crawler = make_crawler()
    run(crawler, FetchRecovered(urls=(SECTION, SECTION + "page/1/"), fetched_at=later))
    assert crawler.stats.get_value("archive/recovered") == 1
    with read_archive() as session:
        assert [failure.url for failure in fetch_failures(session)] == [other.url]
        resolved = [f for f in fetch_failures(session, unresolved_only=False) if f.resolved_at]
        assert [(f.url, f.resolved_at) for f in resolved] == [(SECTION, later)] * 2
