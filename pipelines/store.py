"""ArchivePipeline: save records, fetch failures and recoveries, a batch per transaction."""

from __future__ import annotations

import logging
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any, Self

from scrapy import signals
from scrapy.exceptions import NotConfigured
from sqlalchemy.exc import DataError, DBAPIError, IntegrityError, StatementError
from sqlalchemy.orm import Session, sessionmaker

from archive_db.engine import make_engine, mask_url
from archive_db.migrations import upgrade_archive
from archive_db.writes import (
    RecordError,
    finish_crawl_run,
    resolve_failures,
    save_article,
    save_failure,
    start_crawl_run,
)
from items import ArticleRecord, FetchFailure, FetchRecovered

if TYPE_CHECKING:
    from scrapy import Spider
    from scrapy.crawler import Crawler
    from scrapy.statscollectors import StatsCollector
    from sqlalchemy.engine import Engine

logger = logging.getLogger(__name__)

DEFAULT_BATCH_SIZE = 100

Item = ArticleRecord | FetchFailure | FetchRecovered


class ArchivePipeline:
    """Save ArticleRecords and FetchFailures to the archive in batches, one transaction each.

    A FetchRecovered resolves the earlier failures of its URLs. Counts ``archive/inserted``,
    ``archive/updated``, ``archive/unchanged``, ``archive/failures`` (failure rows written),
    ``archive/recovered`` and ``archive/rejected`` (records the archive refused; each also
    becomes a failure row). Each crawl is a ``crawl_run`` row.
    """

    def __init__(
        self,
        db_url: str,
        stats: StatsCollector,
        *,
        batch_size: int = DEFAULT_BATCH_SIZE,
        run_arguments: Mapping[str, Any] | None = None,
    ) -> None:
        if batch_size < 1:
            raise ValueError(f"ARCHIVE_BATCH_SIZE must be at least 1, not {batch_size}")
        self.db_url = db_url
        self.stats = stats
        self.batch_size = batch_size
        self.run_arguments = dict(run_arguments or {})
        self.pending: list[Item] = []
        self.engine: Engine | None = None
        self.sessions: sessionmaker[Session] | None = None
        self.run_id: int | None = None

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        if not (db_url := crawler.settings.get("ARCHIVE_DB_URL")):
            raise NotConfigured("ARCHIVE_DB_URL is not set")
        assert crawler.stats is not None
        pipeline = cls(
            str(db_url),
            crawler.stats,
            batch_size=crawler.settings.getint("ARCHIVE_BATCH_SIZE", DEFAULT_BATCH_SIZE),
            run_arguments=crawler.settings.getdict("ARCHIVE_RUN_ARGUMENTS"),
        )
        # Scrapy closes pipelines before it announces why the spider closed, so the
        # finish reason reaches the crawl_run row from this signal.
        crawler.signals.connect(pipeline.spider_closed, signal=signals.spider_closed)
        return pipeline

    def open_spider(self) -> None:
        self.engine = make_engine(self.db_url)
        upgrade_archive(self.engine)
        self.sessions = sessionmaker(self.engine, expire_on_commit=False)
        with self.sessions.begin() as session:
            self.run_id = start_crawl_run(session, arguments=self.run_arguments)
        logger.info("archiving to %s (crawl run %d)", mask_url(self.db_url), self.run_id)

    def process_item(self, item: object) -> object:
        if isinstance(item, ArticleRecord | FetchFailure | FetchRecovered):
            self.pending.append(item)
            if len(self.pending) >= self.batch_size:
                self.flush()
        return item

    def close_spider(self) -> None:
        """Save what is still buffered and close the crawl run (its reason follows)."""
        self.flush()
        self.finish_run(finish_reason=None)
        if self.engine is not None:
            self.engine.dispose()

    def spider_closed(self, spider: Spider, reason: str) -> None:
        """Record why the crawl ended, e.g. "finished" or "closespider_itemcount"."""
        self.finish_run(finish_reason=reason)
        if self.engine is not None:
            self.engine.dispose()

    def flush(self) -> None:
        """Save the buffered items in one transaction; on a bad record, one at a time."""
        batch, self.pending = self.pending, []
        if not batch or self.sessions is None:
            return
        try:
            with self.sessions.begin() as session:
                outcomes = [self.save(session, item) for item in batch]
        except (StatementError, RecordError) as error:
            if not is_bad_record(error):
                raise
            logger.warning(
                "a batch of %d items was not archived (%s); saving them one at a time",
                len(batch),
                one_line(error),
            )
            outcomes = self.save_one_at_a_time(batch)
        for outcome in outcomes:
            self.stats.inc_value(f"archive/{outcome}")

    def save(self, session: Session, item: Item) -> str:
        """Save one item; returns the stat it counts towards (after archive/)."""
        if isinstance(item, FetchFailure):
            save_failure(session, item, crawl_run_id=self.run_id)
            return "failures"
        if isinstance(item, FetchRecovered):
            resolve_failures(session, item.urls, resolved_at=item.fetched_at)
            return "recovered"
        seen_at = item.fetched_at or datetime.now(UTC)
        return save_article(session, item, seen_at=seen_at, crawl_run_id=self.run_id).value

    def save_one_at_a_time(self, batch: list[Item]) -> list[str]:
        outcomes: list[str] = []
        assert self.sessions is not None
        for item in batch:
            try:
                with self.sessions.begin() as session:
                    outcomes.append(self.save(session, item))
            except (StatementError, RecordError) as error:
                if not is_bad_record(error):
                    raise
                url = item.urls[0] if isinstance(item, FetchRecovered) else item.url
                reason = f"not archived: {one_line(error)}"
                logger.error("%s: %s", url, reason)
                rejected = FetchFailure(url=url, reason=reason, failed_at=datetime.now(UTC))
                with self.sessions.begin() as session:
                    save_failure(session, rejected, crawl_run_id=self.run_id)
                outcomes += ["rejected", "failures"]
        return outcomes

    def finish_run(self, *, finish_reason: str | None) -> None:
        if self.sessions is None or self.run_id is None:
            return
        counts = {
            key: value
            for key, value in self.stats.get_stats().items()
            if isinstance(value, int) and not isinstance(value, bool)
        }
        with self.sessions.begin() as session:
            finish_crawl_run(session, self.run_id, counts=counts, finish_reason=finish_reason)


def is_bad_record(error: Exception) -> bool:
    """Whether a record is to blame, not the database itself (locked, disk full, ...)."""
    return not isinstance(error, DBAPIError) or isinstance(error, IntegrityError | DataError)


def one_line(error: Exception) -> str:
    """The error's first line, without SQLAlchemy's SQL echo and background link."""
    if isinstance(error, StatementError) and error.orig is not None:
        error_text = f"{type(error.orig).__name__}: {error.orig}"
    else:
        error_text = f"{type(error).__name__}: {error}"
    return error_text.splitlines()[0] if error_text else type(error).__name__
