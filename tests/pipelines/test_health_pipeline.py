"""HealthPipeline counts each field of the records it sees; the archive pipeline stores the
counts, and the site crawled, on the crawl run."""

from __future__ import annotations

from collections.abc import Callable

from scrapy import signals
from scrapy.crawler import Crawler
from scrapy.utils.misc import build_from_crawler
from scrapy.utils.test import get_crawler
from sqlalchemy.orm import Session

import settings
from archive_db.health import ExtractionCounts
from archive_db.queries import latest_crawl_run
from pipelines.health import HealthPipeline, extraction_counts_of
from pipelines.store import ArchivePipeline
from profiles import profile_for_url
from spiders.news import NewsSpider
from tests.factories import make_failure, make_record

MIN_BODY = 50


def health_pipeline() -> tuple[HealthPipeline, Crawler]:
    crawler = get_crawler(settings_dict={"ARCHIVE_MIN_BODY_CHARS": MIN_BODY})
    crawler.stats.open_spider()
    pipeline = build_from_crawler(HealthPipeline, crawler)
    pipeline.open_spider()
    return pipeline, crawler


def health_stats(crawler: Crawler) -> dict[str, int]:
    return {k: v for k, v in crawler.stats.get_stats().items() if k.startswith("health/")}


def test_each_field_is_counted_on_the_records_that_have_it() -> None:
    pipeline, crawler = health_pipeline()
    records = [
        make_record(),  # everything
        make_record(title=None, authors=()),
        make_record(published=None, body="x" * MIN_BODY),  # a body just long enough
        make_record(authors=(), body="x" * (MIN_BODY - 1)),  # one character short
    ]
    for record in records:
        assert pipeline.process_item(record) is record
    assert health_stats(crawler) == {
        "health/articles": 4,
        "health/title": 3,
        "health/published": 3,
        "health/authors": 2,
        "health/body": 3,
    }


def test_other_items_pass_untouched_and_uncounted() -> None:
    pipeline, crawler = health_pipeline()
    failure = make_failure()
    assert pipeline.process_item(failure) is failure
    assert health_stats(crawler) == dict.fromkeys(
        ["health/articles", "health/title", "health/published", "health/authors", "health/body"],
        0,
    )


def test_counts_are_read_back_only_when_the_pipeline_ran() -> None:
    assert extraction_counts_of({"archive/inserted": 3}) is None
    _, crawler = health_pipeline()
    assert extraction_counts_of(crawler.stats.get_stats()) == ExtractionCounts(0, 0, 0, 0, 0)


def test_health_counts_before_validate_drops_anything() -> None:
    order = settings.ITEM_PIPELINES
    health = order["pipelines.health.HealthPipeline"]
    assert order["pipelines.clean.CleanPipeline"] < health
    assert health < order["pipelines.validate.ValidatePipeline"]


def test_the_crawl_run_records_its_site_and_health(
    make_crawler: Callable[..., Crawler], read_archive: Callable[[], Session]
) -> None:
    crawler = make_crawler()
    profile = profile_for_url("https://news.example.org/")
    crawler.spider = NewsSpider(profile=profile)
    crawler.stats.open_spider()
    health = build_from_crawler(HealthPipeline, crawler)
    archive = build_from_crawler(ArchivePipeline, crawler)
    health.open_spider()
    archive.open_spider()
    for n in range(3):
        url = f"https://news.example.org/story-{n}"
        record = make_record(url=url, canonical_url=url, authors=() if n else ("A. Writer",))
        archive.process_item(health.process_item(record))
    archive.close_spider()
    crawler.signals.send_catch_log(
        signal=signals.spider_closed, spider=crawler.spider, reason="finished"
    )
    with read_archive() as session:
        run = latest_crawl_run(session)
        assert run is not None
        assert run.site == profile.name
        assert (run.articles_parsed, run.with_title, run.with_published) == (3, 3, 3)
        assert (run.with_authors, run.with_body) == (1, 3)
        assert run.finish_reason == "finished"


def test_a_run_without_the_health_pipeline_records_no_health(
    make_crawler: Callable[..., Crawler], read_archive: Callable[[], Session]
) -> None:
    crawler = make_crawler()
    crawler.stats.open_spider()
    archive = build_from_crawler(ArchivePipeline, crawler)
    archive.open_spider()
    archive.process_item(make_record())
    archive.close_spider()
    with read_archive() as session:
        run = latest_crawl_run(session)
        assert run is not None
        assert run.site is None  # no spider with a profile: a pipeline driven by hand
        assert run.articles_parsed is None
