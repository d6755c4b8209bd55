"""DeduplicatePipeline: keep the first of several records of one article within a crawl."""

from __future__ import annotations

from typing import TYPE_CHECKING, Self

from scrapy.exceptions import DropItem

from archive_db.writes import content_hash_of
from items import ArticleRecord

if TYPE_CHECKING:
    from scrapy.crawler import Crawler
    from scrapy.statscollectors import StatsCollector


class DeduplicatePipeline:
    """Drop a record whose archive key, or whose content under another URL, came earlier.

    Counts ``dropped/duplicate``. Memory grows with the crawl: one key and one hash per
    article, a few hundred bytes each.
    """

    def __init__(self, stats: StatsCollector) -> None:
        self.stats = stats
        self.keys: set[str] = set()
        self.hashes: dict[str, str] = {}  # content hash -> archive key of its first record

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        assert crawler.stats is not None
        return cls(crawler.stats)

    def process_item(self, item: object) -> object:
        if not isinstance(item, ArticleRecord):
            return item
        key = item.archive_key
        if key in self.keys:
            self.drop(f"archive key seen earlier in this crawl: {key}")
        content_hash = content_hash_of(item)
        if (first := self.hashes.get(content_hash)) is not None:
            self.drop(f"same content as {first}: {item.url}")
        self.keys.add(key)
        self.hashes[content_hash] = key
        return item

    def drop(self, message: str) -> None:
        self.stats.inc_value("dropped/duplicate")
        raise DropItem(message, log_level="DEBUG")
