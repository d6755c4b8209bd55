"""HealthPipeline: count how many parsed articles had a title, a date, an author and a body."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any, Self

from archive_db.health import ExtractionCounts
from items import ArticleRecord, site_stat
from pipelines.validate import DEFAULT_MIN_BODY_CHARS

if TYPE_CHECKING:
    from scrapy.crawler import Crawler
    from scrapy.statscollectors import StatsCollector

# The stats this pipeline keeps; the archive pipeline stores them on the crawl run.
ARTICLES_STAT = "health/articles"
FIELD_STATS = {
    "title": "health/title",
    "published": "health/published",
    "authors": "health/authors",
    "body": "health/body",
}


class HealthPipeline:
    """Count, of the ArticleRecords parsed, those with each field: ``health/articles``,
    ``health/title``, ``health/published``, ``health/authors`` and ``health/body`` (a body
    of ARCHIVE_MIN_BODY_CHARS or more). Other items pass untouched.

    It runs before ValidatePipeline on purpose: a record Validate drops for want of a
    title or a body is the worst extraction failure of all, and must count. The stats start
    at 0 when the spider opens, so a crawl that parsed no article says so, where a crawl
    without this pipeline says nothing.

    A spider of many sites that tells the site of a URL (``site_of``, a worker on a shared
    frontier) has each count kept per site as well (``items.site_stat``): the archive
    records a crawl run per site, whose health is compared with the site's earlier runs.
    """

    def __init__(
        self,
        stats: StatsCollector,
        *,
        min_body_chars: int,
        site_of: Callable[[str], str | None] | None = None,
    ) -> None:
        self.stats = stats
        self.min_body_chars = min_body_chars
        self.site_of = site_of

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        assert crawler.stats is not None
        return cls(
            crawler.stats,
            min_body_chars=crawler.settings.getint(
                "ARCHIVE_MIN_BODY_CHARS", DEFAULT_MIN_BODY_CHARS
            ),
            site_of=getattr(crawler.spider, "site_of", None),
        )

    def open_spider(self) -> None:
        for stat in (ARTICLES_STAT, *FIELD_STATS.values()):
            self.stats.set_value(stat, 0)

    def process_item(self, item: object) -> object:
        if not isinstance(item, ArticleRecord):
            return item
        present = {
            "title": bool(item.title),
            "published": item.published is not None,
            "authors": bool(item.authors),
            "body": len(item.body) >= self.min_body_chars,
        }
        site = None if self.site_of is None else self.site_of(item.url)
        counted = [
            ARTICLES_STAT,
            *(FIELD_STATS[field] for field, found in present.items() if found),
        ]
        for stat in counted:
            self.stats.inc_value(stat)
            if site is not None:
                self.stats.inc_value(site_stat(site, stat))
        return item


def extraction_counts_of(stats: Mapping[str, Any]) -> ExtractionCounts | None:
    """The crawl's health counts for its crawl_run row; None when no HealthPipeline ran."""
    if ARTICLES_STAT not in stats:
        return None
    return ExtractionCounts(
        articles=stats[ARTICLES_STAT],
        title=stats.get(FIELD_STATS["title"], 0),
        published=stats.get(FIELD_STATS["published"], 0),
        authors=stats.get(FIELD_STATS["authors"], 0),
        body=stats.get(FIELD_STATS["body"], 0),
    )
