"""ArchivePipeline on a shared frontier: ResponseDone items are announced only once what came
before them is committed, and what waits is committed when the crawl idles or the last
commit is ARCHIVE_FLUSH_SECONDS old (spiders/frontier.py acknowledges requests then)."""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import datetime
from urllib.parse import urlsplit

from scrapy import Spider, signals
from scrapy.crawler import Crawler
from scrapy.utils.misc import build_from_crawler
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from archive_db.models import Article, ArticleVersion, CrawlRun
from archive_db.models import FetchFailure as FetchFailureRow
from archive_db.queries import crawl_runs
from items import ARCHIVE_COMMITTED, ArticleRecord, ResponseDone
from pipelines.health import HealthPipeline
from pipelines.store import ArchivePipeline
from tests.factories import make_failure, make_record

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


# --- a crawl run per site ------------------------------------------------------------------


SITES = {"north.example.org": "north", "south.example.org": "south"}


class TwoSiteSpider(Spider):
    """A worker's spider as the pipelines see it: it tells the site of a URL."""

    name = "frontier"

    def site_of(self, url: str) -> str | None:
        return SITES.get(urlsplit(url).hostname or "")


def two_site_crawler(make_crawler: Callable[..., Crawler], **settings: object) -> Crawler:
    crawler = make_crawler(ARCHIVE_RUN_ARGUMENTS={"command": "worker", "frontier": "f"}, **settings)
    crawler.spider = TwoSiteSpider()
    return crawler


def article_on(host: str, n: int, **fields: object) -> ArticleRecord:
    url = f"https://{host}/story-{n}"
    return make_record(url=url, canonical_url=url, site=host, title=f"Story {n}", **fields)


def test_a_crawl_of_many_sites_records_a_run_per_site_with_its_own_counts(
    make_crawler: Callable[..., Crawler], read_archive: Callable[[], Session]
) -> None:
    crawler = two_site_crawler(make_crawler, ARCHIVE_BATCH_SIZE=4, ARCHIVE_WRITER_THREAD=True)
    health = build_from_crawler(HealthPipeline, crawler)
    health.open_spider()
    pipeline = opened(crawler)
    items = [
        article_on("north.example.org", 1),
        article_on("south.example.org", 1, authors=()),
        article_on("north.example.org", 2, published=None),
        make_failure(url="https://north.example.org/gone"),
        article_on("elsewhere.example.net", 1),  # on no site of the crawl: its own run
        ResponseDone(token="1"),
    ]
    for item in items:
        pipeline.process_item(health.process_item(item))
    pipeline.close_spider()
    crawler.signals.send_catch_log(signal=signals.spider_closed, spider=SPIDER, reason="finished")

    with read_archive() as session:
        runs = {run.site: run for run in session.scalars(select(CrawlRun))}
        assert set(runs) == {None, "north", "south"}
        own, north, south = runs[None], runs["north"], runs["south"]
        assert own.arguments == {"command": "worker", "frontier": "f"}
        assert north.arguments == south.arguments == own.arguments | {"part_of_run": own.id}
        assert own.counts is not None and north.counts is not None and south.counts is not None
        assert own.counts["archive/inserted"] == 4
        assert not [key for key in own.counts if key.startswith("sites/")]
        assert (north.counts["archive/inserted"], north.counts["archive/failures"]) == (2, 1)
        assert south.counts["archive/inserted"] == 1 and "archive/failures" not in south.counts
        assert [run.finish_reason for run in (own, north, south)] == ["finished"] * 3
        # Each site's extraction health is its own: drift is judged per site.
        assert (north.articles_parsed, north.with_published, north.with_authors) == (2, 1, 2)
        assert (south.articles_parsed, south.with_published, south.with_authors) == (1, 1, 0)
        assert own.articles_parsed == 4
        # The rows the run wrote point at the site's run.
        versions = session.execute(
            select(Article.canonical_url, ArticleVersion.crawl_run_id).join(ArticleVersion)
        )
        run_of_url = {url: run_id for url, run_id in versions}
        assert run_of_url["https://north.example.org/story-2"] == north.id
        assert run_of_url["https://south.example.org/story-1"] == south.id
        assert run_of_url["https://elsewhere.example.net/story-1"] == own.id
        (failure,) = session.scalars(select(FetchFailureRow))
        assert failure.crawl_run_id == north.id
        # As `newsarchive runs` lists them: the sites, and the process's run under no site.
        summaries = {run.site: run for run in crawl_runs(session)}
        assert set(summaries) == {None, "north", "south"}
        assert (summaries["north"].inserted, summaries["north"].failures) == (2, 1)


def test_a_site_run_opened_for_a_batch_the_archive_refused_is_not_lost(
    make_crawler: Callable[..., Crawler], read_archive: Callable[[], Session]
) -> None:
    """A bad record spoils its batch, which is then saved an item at a time: the site runs
    were opened in a transaction of their own and still hold what was saved."""
    crawler = two_site_crawler(make_crawler, ARCHIVE_BATCH_SIZE=3, ARCHIVE_WRITER_THREAD=False)
    pipeline = opened(crawler)
    naive = datetime(2024, 5, 1, 9, 0)  # no time zone: the archive refuses the record
    pipeline.process_item(article_on("north.example.org", 1))
    pipeline.process_item(article_on("south.example.org", 1, fetched_at=naive))
    pipeline.process_item(article_on("south.example.org", 2))
    pipeline.close_spider()
    crawler.signals.send_catch_log(signal=signals.spider_closed, spider=SPIDER, reason="finished")
    with read_archive() as session:
        runs = {run.site: run for run in session.scalars(select(CrawlRun))}
        assert set(runs) == {None, "north", "south"}
        south = runs["south"]
        assert south.counts is not None
        assert (south.counts["archive/inserted"], south.counts["archive/rejected"]) == (1, 1)
        assert {failure.crawl_run_id for failure in session.scalars(select(FetchFailureRow))} == {
            south.id
        }
