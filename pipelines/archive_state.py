"""ArchiveStateExtension: what the archive holds, for crawls that no `newsarchive crawl` wraps.

`newsarchive crawl` takes each site's crawl lock (archive_db.locks) and reads the archive's
unresolved failures and archived articles before it starts, then hands them to the spiders
(spiders/news.py: failures are retried, archived articles fetched again only when due). A
crawl Scrapy starts by itself (`scrapy crawl news`, a scrapyd job) has no such wrapper:
without this extension it would fetch every archived article again every night, never
retry a failure, and could run twice at once. So, when the archive pipeline is on and the
spider was not given the archive's state, this extension does the same at spider_opened:
takes the lock (a held one closes the crawl with reason "locked") and hands the state over.

It sits with the pipelines because they are the layer that may speak to both Scrapy and
the archive; the spider takes the state through `NewsSpider.use_archive_state`.
"""

from __future__ import annotations

from contextlib import ExitStack
from typing import TYPE_CHECKING, Self

from scrapy import signals
from scrapy.exceptions import NotConfigured
from sqlalchemy.orm import Session

from archive_db.engine import make_engine
from archive_db.locks import CrawlLocked, crawl_lock
from archive_db.queries import archived_pages_on, unresolved_failures_on
from items import SITES_ADDED

if TYPE_CHECKING:
    from scrapy import Spider
    from scrapy.crawler import Crawler

    from items import ArchivedPage, FetchFailure
    from profiles import SiteProfile

ARCHIVE_PIPELINE = "pipelines.store.ArchivePipeline"


class ArchiveStateExtension:
    """Lock the crawled sites on the archive and hand the spider what the archive holds."""

    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler
        self.db_url: str = crawler.settings.get("ARCHIVE_DB_URL")
        # False when the caller holds the locks itself (the CLI does, before the crawl).
        self.take_locks = crawler.settings.getbool("ARCHIVE_CRAWL_LOCK", True)
        self.locks = ExitStack()

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        pipelines = crawler.settings.getdict("ITEM_PIPELINES")
        if pipelines.get(ARCHIVE_PIPELINE) is None:
            raise NotConfigured("no archive: the crawl stores nothing")
        extension = cls(crawler)
        crawler.signals.connect(extension.spider_opened, signal=signals.spider_opened)
        crawler.signals.connect(extension.spider_closed, signal=signals.spider_closed)
        crawler.signals.connect(extension.sites_added, signal=SITES_ADDED)
        return extension

    async def spider_opened(self, spider: Spider) -> None:
        names = list(dict.fromkeys(profile.name for profile in getattr(spider, "profiles", ())))
        if self.take_locks:
            try:
                for name in names:
                    self.locks.enter_context(crawl_lock(self.db_url, name))
            except CrawlLocked as error:
                spider.logger.error("%s; this crawl stops", error)
                self.locks.close()
                assert self.crawler.engine is not None
                await self.crawler.engine.close_spider_async(reason="locked")
                return
        if getattr(spider, "archive_state_given", True):
            return
        profiles: list[SiteProfile] = list(spider.profiles)  # type: ignore[attr-defined]
        failures, pages = self.archive_state_of(profiles)
        spider.use_archive_state(past_failures=failures, archived_pages=pages)  # type: ignore[attr-defined]
        self.crawler.stats.set_value("archive_state/past_failures", len(failures))

    def sites_added(self, profiles: list[SiteProfile]) -> None:
        """Sites a worker on a shared frontier learnt of: what the archive holds of them."""
        spider = self.crawler.spider
        if getattr(spider, "archive_state_given", True):
            return
        failures, pages = self.archive_state_of(profiles)
        spider.add_archive_state(past_failures=failures, archived_pages=pages)  # type: ignore[union-attr]
        self.crawler.stats.inc_value("archive_state/past_failures", len(failures))

    def archive_state_of(
        self, profiles: list[SiteProfile]
    ) -> tuple[list[FetchFailure], list[ArchivedPage]]:
        """The unresolved failures and archived pages on the sites' domains."""
        domains = [domain for profile in profiles for domain in profile.domains]
        engine = make_engine(self.db_url)
        try:
            with Session(engine) as session:
                return (
                    list(unresolved_failures_on(session, domains)),
                    list(archived_pages_on(session, domains)),
                )
        finally:
            engine.dispose()

    def spider_closed(self, spider: Spider, reason: str) -> None:
        self.locks.close()
