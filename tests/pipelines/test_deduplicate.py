"""DeduplicatePipeline keeps the first record of each article within one crawl."""

from __future__ import annotations

import pytest
from scrapy.exceptions import DropItem
from scrapy.utils.misc import build_from_crawler
from scrapy.utils.test import get_crawler

from pipelines.deduplicate import DeduplicatePipeline
from tests.factories import make_failure, make_record


def test_second_record_with_the_same_archive_key_is_dropped() -> None:
    crawler = get_crawler()
    pipeline = build_from_crawler(DeduplicatePipeline, crawler)
    first = make_record()
    assert pipeline.process_item(first) is first
    with pytest.raises(DropItem, match="archive key"):
        pipeline.process_item(make_record(url=first.canonical_url, title="Other title"))
    assert crawler.stats.get_value("dropped/duplicate") == 1


def test_same_content_under_another_url_is_dropped() -> None:
    crawler = get_crawler()
    pipeline = build_from_crawler(DeduplicatePipeline, crawler)
    pipeline.process_item(make_record(canonical_url=None, url="https://x.example/a"))
    with pytest.raises(DropItem, match=r"same content as https://x\.example/a:"):
        pipeline.process_item(make_record(canonical_url=None, url="https://x.example/a?page=1"))
    assert crawler.stats.get_value("dropped/duplicate") == 1


def test_different_articles_pass() -> None:
    crawler = get_crawler()
    pipeline = build_from_crawler(DeduplicatePipeline, crawler)
    for n in range(3):
        record = make_record(canonical_url=f"https://x.example/{n}", title=f"Story {n}")
        assert pipeline.process_item(record) is record
    assert crawler.stats.get_value("dropped/duplicate") is None


def test_fetch_failures_pass_even_when_repeated() -> None:
    pipeline = build_from_crawler(DeduplicatePipeline, get_crawler())
    failure = make_failure()
    assert pipeline.process_item(failure) is failure
    assert pipeline.process_item(failure) is failure
