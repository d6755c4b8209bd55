"""ValidatePipeline: drop records that are not worth archiving, counting why."""

from __future__ import annotations

from typing import TYPE_CHECKING, Self

from scrapy.exceptions import DropItem

from items import RECORD_KEYS, ArticleRecord

if TYPE_CHECKING:
    from scrapy.crawler import Crawler
    from scrapy.statscollectors import StatsCollector

DEFAULT_REQUIRED_FIELDS = ("title", "body")
DEFAULT_MIN_BODY_CHARS = 200


class ValidatePipeline:
    """Drop records missing ARCHIVE_REQUIRED_FIELDS or with a body under ARCHIVE_MIN_BODY_CHARS.

    Counts ``dropped/missing_<field>`` (once per missing field) and ``dropped/short_body``.
    """

    def __init__(
        self, stats: StatsCollector, *, required: tuple[str, ...], min_body_chars: int
    ) -> None:
        unknown = sorted(set(required) - set(RECORD_KEYS))
        if unknown:
            raise ValueError(f"ARCHIVE_REQUIRED_FIELDS names no record field: {', '.join(unknown)}")
        self.stats = stats
        self.required = required
        self.min_body_chars = min_body_chars

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        assert crawler.stats is not None
        return cls(
            crawler.stats,
            required=tuple(
                crawler.settings.getlist("ARCHIVE_REQUIRED_FIELDS", list(DEFAULT_REQUIRED_FIELDS))
            ),
            min_body_chars=crawler.settings.getint(
                "ARCHIVE_MIN_BODY_CHARS", DEFAULT_MIN_BODY_CHARS
            ),
        )

    def process_item(self, item: object) -> object:
        if not isinstance(item, ArticleRecord):
            return item
        # "Missing" is None or empty: a record never holds "" for absent, but () it does.
        missing = [name for name in self.required if not getattr(item, name)]
        for name in missing:
            self.stats.inc_value(f"dropped/missing_{name}")
        if missing:
            raise DropItem(f"missing {', '.join(missing)}: {item.url}", log_level="INFO")
        if len(item.body) < self.min_body_chars:
            self.stats.inc_value("dropped/short_body")
            raise DropItem(
                f"body of {len(item.body)} characters (< {self.min_body_chars}): {item.url}",
                log_level="INFO",
            )
        return item
