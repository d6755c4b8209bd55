"""ArchivePipeline: save records, raw captures, fetch failures and recoveries, a batch per
transaction."""

from __future__ import annotations

import itertools
import json
import logging
import time
from collections import OrderedDict
from collections.abc import Callable, Iterable, Mapping
from concurrent.futures import Future, ThreadPoolExecutor
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, Self

from scrapy import signals
from scrapy.exceptions import NotConfigured
from scrapy.utils.defer import deferred_from_coro
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DataError, DBAPIError, IntegrityError, OperationalError, StatementError
from sqlalchemy.orm import Session, sessionmaker

from archive_db import engine as archive_engine
from archive_db.engine import make_engine, mask_url, sqlite_url_of
from archive_db.health import ExtractionCounts
from archive_db.migrations import upgrade_archive
from archive_db.writes import (
    RecordError,
    finish_crawl_run,
    mark_gone,
    resolve_failures,
    save_articles,
    save_checks,
    save_failure,
    start_crawl_run,
    store_captures,
)
from items import (
    ARCHIVE_COMMITTED,
    SITE_STATS_PREFIX,
    ArticleRecord,
    FetchFailure,
    FetchRecovered,
    PageGone,
    PageNotModified,
    RawCapture,
    ResponseDone,
    record_to_json,
    site_counts,
    site_stat,
)
from pipelines.health import extraction_counts_of

if TYPE_CHECKING:
    from scrapy import Spider
    from scrapy.crawler import Crawler
    from scrapy.statscollectors import StatsCollector
    from sqlalchemy.engine import Engine
    from twisted.internet.defer import Deferred

logger = logging.getLogger(__name__)

DEFAULT_BATCH_SIZE = 100
# The finish reason of a crawl the pipeline closed because the archive stopped taking writes.
ARCHIVE_UNAVAILABLE = "archive_unavailable"

Item = (
    ArticleRecord
    | FetchFailure
    | FetchRecovered
    | PageNotModified
    | PageGone
    | RawCapture
    | ResponseDone
)
# Items saved a run at a time, several rows a statement: a nightly crawl yields one per page.
BATCHED = (ArticleRecord, PageNotModified, PageGone)
# The ids of the captures saved lately, by RawCapture.key: a record names the capture it was
# read from, which the spider yields just before it (the same batch, or the one before).
RECENT_CAPTURES = 4096
# What an item counts towards: the stat (after "archive/") and, in a crawl of many sites,
# the site (None: the crawl's own run).
Outcome = tuple[str | None, str]


class ArchivePipeline:
    """Save ArticleRecords and FetchFailures to the archive in batches, one transaction each.

    A FetchRecovered resolves the earlier failures of its URLs; a PageNotModified moves its
    article's last check, a PageGone marks its article gone. A RawCapture is stored with
    its body once by digest (``archive_db.writes.store_captures``), before the rest of its
    batch, and the version of a record read from it points at it. Counts
    ``archive/inserted``, ``archive/updated``, ``archive/unchanged``, ``archive/failures``
    (failure rows written), ``archive/recovered``, ``archive/not_modified``,
    ``archive/gone``, ``archive/captures``, ``archive/payloads_new`` (bodies stored for the
    first time) and ``archive/rejected`` (records the archive refused; each also becomes a
    failure row). Each crawl is a ``crawl_run`` row.

    With ``ARCHIVE_WRITER_THREAD`` (settings.py turns it on for crawls), a batch is written
    by a thread of its own while the crawl goes on: SQLite and PostgreSQL drivers release
    Python's lock while the database works, and writing was a fifth of the crawl process's
    time (py-spy). One batch at a time is in flight; its items leave `pending` only once it
    is committed, and whatever becomes of it is handled as without the thread, when the next
    batch is due or the crawl closes.

    When the archive itself fails (locked past the busy timeout, a full disk, an I/O error),
    the batch waits for the next one and is tried again with it; a second failure in a row,
    or one at the end of the crawl, closes the crawl as ``archive_unavailable``. What could
    not be saved is counted (``archive/unsaved``), its articles are written as JSON lines to
    a rescue file (``archive/rescued``, see `rescue_path_of`), and ``archive/error`` holds
    one line for the user saying what happened and where the rescued articles are. Raw
    captures are not rescued (their bodies are the bulk of a crawl's bytes): they are
    counted, ``archive/captures_lost``.

    On a shared frontier (spiders/frontier.py) the spider ends each response's output with
    a ResponseDone: the pipeline stores nothing for it, and sends ``items.ARCHIVE_COMMITTED``
    with those of each batch once the batch is committed, so that a worker killed before a
    commit has its requests fetched again by another. There the pipeline also commits what
    waits whenever the crawl is idle and every ``ARCHIVE_FLUSH_SECONDS`` (0: only by size).

    A spider of many sites that tells the site of a URL (``site_of``: a worker on a shared
    frontier) gets a crawl run per site besides its own: opened when the first item of the
    site is saved, its rows (articles, captures, failures) point at it, and it closes with
    the site's counts (``items.site_stat``) and extraction health, so that `newsarchive
    runs`, `report` and drift see the site's share of the batch as they see a crawl of one
    site. Its arguments name the process's own run (``part_of_run``), which keeps every
    count and has no site.
    """

    def __init__(
        self,
        db_url: str,
        stats: StatsCollector,
        *,
        batch_size: int = DEFAULT_BATCH_SIZE,
        run_arguments: Mapping[str, Any] | None = None,
        write_in_thread: bool = False,
        version_origin: str = "crawl",
        flush_seconds: float = 0.0,
    ) -> None:
        if batch_size < 1:
            raise ValueError(f"ARCHIVE_BATCH_SIZE must be at least 1, not {batch_size}")
        self.db_url = db_url
        self.stats = stats
        self.batch_size = batch_size
        self.run_arguments = dict(run_arguments or {})
        # article_version.origin of the versions written: "crawl", or "warc-import" for an
        # import (spiders/warc_import.py), which is no new sighting of the pages.
        self.version_origin = version_origin
        # Items leave `pending` only once committed (or rejected and recorded as failures).
        self.pending: list[Item] = []
        self.flush_at = batch_size  # flush when this many items wait
        self.flush_seconds = flush_seconds  # ... or when the last flush is this old (0: never)
        self.flushed_at = time.monotonic()
        self.write_in_thread = write_in_thread
        self.writer: ThreadPoolExecutor | None = None
        # The batch the writer thread is saving (the head of `pending`), and its result.
        self.in_flight: tuple[list[Item], Future[list[Outcome]]] | None = None
        self.engine: Engine | None = None
        self.sessions: sessionmaker[Session] | None = None
        self.run_id: int | None = None
        # With a spider of many sites: its `site_of`, and the crawl run of each site so far.
        self.site_of: Callable[[str], str | None] | None = None
        self.site_runs: dict[str, int] = {}
        self.crawler: Crawler | None = None  # to close the crawl when the archive fails
        self.closing_crawl: Deferred[None] | None = None
        self.spider_closing = False
        self.archive_failures_in_a_row = 0
        self.unavailable_reason: str | None = None  # set once the pipeline gave up
        # Ids of committed captures by key, for the records read from them; only the
        # thread writing batches (one at a time) reads and writes it.
        self.capture_ids: OrderedDict[str, int] = OrderedDict()

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
            write_in_thread=crawler.settings.getbool("ARCHIVE_WRITER_THREAD"),
            version_origin=crawler.settings.get("ARCHIVE_VERSION_ORIGIN") or "crawl",
            flush_seconds=crawler.settings.getfloat("ARCHIVE_FLUSH_SECONDS"),
        )
        pipeline.crawler = crawler
        # Scrapy closes pipelines before it announces why the spider closed, so the
        # finish reason reaches the crawl_run row from this signal.
        crawler.signals.connect(pipeline.spider_closed, signal=signals.spider_closed)
        if pipeline.flush_seconds > 0:
            crawler.signals.connect(pipeline.spider_idle, signal=signals.spider_idle)
        return pipeline

    def open_spider(self) -> None:
        self.engine = make_engine(self.db_url)
        upgrade_archive(self.engine)
        self.sessions = sessionmaker(self.engine, expire_on_commit=False)
        spider = None if self.crawler is None else self.crawler.spider
        self.site_of = getattr(spider, "site_of", None)
        with self.sessions.begin() as session:
            self.run_id = start_crawl_run(
                session, arguments=self.run_arguments, site=self.site_crawled()
            )
        logger.info("archiving to %s (crawl run %d)", mask_url(self.db_url), self.run_id)
        if self.write_in_thread:
            self.writer = ThreadPoolExecutor(max_workers=1, thread_name_prefix="archive-writer")
        self.flushed_at = time.monotonic()

    def site_crawled(self) -> str | None:
        """The profile name of the one site the spider crawls; None for several (and for a
        spider that tells sites apart, whose sites get runs of their own), or for a spider
        without profiles (a pipeline driven by hand, as in tests)."""
        if self.site_of is not None:
            return None
        spider = None if self.crawler is None else self.crawler.spider
        profiles = getattr(spider, "profiles", ())
        return profiles[0].name if len(profiles) == 1 else None

    def process_item(self, item: object) -> object:
        if isinstance(item, Item):
            if self.in_flight is not None and self.in_flight[1].done():
                self.settle_in_flight()  # so a refused batch is known, and retried, at once
            self.pending.append(item)
            # Once the archive is given up, items only wait for the rescue file.
            waiting = len(self.pending) - (len(self.in_flight[0]) if self.in_flight else 0)
            if self.unavailable_reason is None and (waiting >= self.flush_at or self.flush_due()):
                self.flush()
        return item

    def flush_due(self) -> bool:
        """Whether the last flush is ARCHIVE_FLUSH_SECONDS old (never when that is 0)."""
        return 0 < self.flush_seconds <= time.monotonic() - self.flushed_at

    def spider_idle(self, spider: Spider) -> None:
        """Commit what waits while the crawl has nothing to fetch: on a shared frontier its
        requests count as in flight until then, and the frontier is not empty."""
        if self.unavailable_reason is None and (self.pending or self.in_flight is not None):
            self.flush()
            self.settle_in_flight()

    def close_spider(self) -> None:
        """Save what is still buffered and close the crawl run (its reason follows); if the
        archive cannot take it, rescue it instead."""
        self.spider_closing = True
        if self.unavailable_reason is None:
            self.flush()  # the batch in flight first, then the rest here
        if self.writer is not None:
            self.writer.shutdown(wait=True)
            self.writer = None
        if self.unavailable_reason is None:
            self.finish_run(finish_reason=None)
        else:
            # No finish_run here: against a locked archive it would wait out another busy
            # timeout, and spider_closed tries once more with the reason anyway.
            self.rescue_unsaved()
        if self.engine is not None:
            self.engine.dispose()

    def spider_closed(self, spider: Spider, reason: str) -> None:
        """Record why the crawl ended, e.g. "finished" or "closespider_itemcount"."""
        if self.unavailable_reason is not None:
            reason = ARCHIVE_UNAVAILABLE  # whatever else was ending the crawl meanwhile
        self.finish_run(finish_reason=reason)
        if self.engine is not None:
            self.engine.dispose()

    def flush(self) -> None:
        """Save the waiting items in one transaction; on a bad record, one at a time.

        With the writer thread, the batch in flight is settled first, and the next one is
        handed to the thread (the last one, at the close, is saved here). When the archive
        fails rather than a record, the items stay in `pending` for the next flush (see
        `archive_failed`).
        """
        self.settle_in_flight()
        self.flushed_at = time.monotonic()
        if not self.pending or self.sessions is None or self.unavailable_reason is not None:
            return
        batch = list(self.pending)
        if self.writer is not None and not self.spider_closing:
            self.in_flight = (batch, self.writer.submit(self.commit_batch, batch))
            return
        self.settle(batch, lambda: self.commit_batch(batch))

    def settle_in_flight(self) -> None:
        """Wait for the writer thread's batch, then deal with its outcome as `settle` does."""
        if self.in_flight is None:
            return
        batch, result = self.in_flight
        self.in_flight = None
        self.settle(batch, result.result)

    def commit_batch(self, batch: list[Item]) -> list[Outcome]:
        """Save `batch` in one transaction (in the writer thread, if there is one); returns
        what each item counts towards."""
        assert self.sessions is not None
        by_site = self.by_site(batch)
        self.open_site_runs(by_site)
        saved: dict[str, int] = {}
        with self.sessions.begin() as session:
            outcomes = self.save_batch(session, by_site, saved)
        self.remember_captures(saved)
        return outcomes

    def remember_captures(self, saved: Mapping[str, int]) -> None:
        """Keep the ids of captures just committed (never of a transaction rolled back)."""
        self.capture_ids.update(saved)
        while len(self.capture_ids) > RECENT_CAPTURES:
            self.capture_ids.popitem(last=False)

    def settle(self, batch: list[Item], outcome: Callable[[], list[Outcome]]) -> None:
        """Take `batch`, the head of `pending`, off it and count it once `outcome()` says
        it is committed; save it an item at a time if a record spoilt it, or keep it for
        the next flush if the archive refused it."""
        try:
            try:
                outcomes = outcome()
            except (StatementError, RecordError) as error:
                if not is_bad_record(error):
                    raise
                logger.warning(
                    "a batch of %d items was not archived (%s); saving them one at a time",
                    len(batch),
                    one_line(error),
                )
                self.save_one_at_a_time(batch)
                outcomes = None
        except OperationalError as error:
            self.archive_failed(error)
            return
        if outcomes is not None:
            del self.pending[: len(batch)]
            self.count(outcomes)
            self.announce_committed(batch)
        self.archive_failures_in_a_row = 0
        self.flush_at = self.batch_size

    def announce_committed(self, items: list[Item]) -> None:
        """Send ARCHIVE_COMMITTED with the ResponseDone items among `items`, now committed."""
        done = [item for item in items if isinstance(item, ResponseDone)]
        if done and self.crawler is not None:
            self.crawler.signals.send_catch_log(signal=ARCHIVE_COMMITTED, done=done)

    def count(self, outcomes: list[Outcome]) -> None:
        for site, outcome in outcomes:
            self.stats.inc_value(f"archive/{outcome}")
            if site is not None:
                self.stats.inc_value(site_stat(site, f"archive/{outcome}"))

    def site_of_item(self, item: Item) -> str | None:
        """The site whose crawl run the item belongs to; None for the crawl's own run."""
        if self.site_of is None or isinstance(item, ResponseDone):
            return None
        return self.site_of(item.urls[-1] if isinstance(item, FetchRecovered) else item.url)

    def by_site(self, items: list[Item]) -> dict[str | None, list[Item]]:
        """The items by the site whose crawl run they belong to, each site's in order."""
        groups: dict[str | None, list[Item]] = {}
        for item in items:
            groups.setdefault(self.site_of_item(item), []).append(item)
        return groups

    def open_site_runs(self, sites: Iterable[str | None]) -> None:
        """Open, in a transaction of their own, the crawl runs of the sites that have none
        yet (so that a batch rolled back leaves no run id behind)."""
        new = sorted({site for site in sites if site is not None} - self.site_runs.keys())
        if not new:
            return
        assert self.sessions is not None
        arguments = self.run_arguments | {"part_of_run": self.run_id}
        with self.sessions.begin() as session:
            runs = {site: start_crawl_run(session, arguments=arguments, site=site) for site in new}
        self.site_runs.update(runs)

    def run_of(self, site: str | None) -> int | None:
        return self.run_id if site is None else self.site_runs.get(site, self.run_id)

    def save_batch(
        self,
        session: Session,
        by_site: Mapping[str | None, list[Item]],
        saved: dict[str, int],
    ) -> list[Outcome]:
        """Save a batch, grouped `by_site`, a site at a time (see `save_site_batch`); returns
        what each item counts towards. The ids of the captures saved go into `saved`, by
        key."""
        # Every capture first: a record after a redirect may be on another site than the
        # capture it was read from.
        outcomes = [
            (site, outcome)
            for site, items in by_site.items()
            for outcome in self.save_captures(
                session,
                [item for item in items if isinstance(item, RawCapture)],
                saved,
                run_id=self.run_of(site),
            )
        ]
        for site, items in by_site.items():
            rest = [item for item in items if not isinstance(item, RawCapture | ResponseDone)]
            run_id = self.run_of(site)
            outcomes += [
                (site, outcome) for outcome in self.save_site_batch(session, rest, saved, run_id)
            ]
        return outcomes

    def save_site_batch(
        self, session: Session, items: list[Item], saved: dict[str, int], run_id: int | None
    ) -> list[str]:
        """Save `items` (no captures) in order, each run of articles (or of checks, or of
        gone pages) in one call, for crawl run `run_id`; the stat each counts towards."""
        outcomes: list[str] = []
        for kind, run in itertools.groupby(items, key=type):
            if kind not in BATCHED:
                for item in run:
                    outcomes += self.save(session, item, saved, run_id)
            elif kind is PageNotModified:
                checks = [item for item in run if isinstance(item, PageNotModified)]  # all
                save_checks(session, checks)
                outcomes += ["not_modified"] * len(checks)
            elif kind is PageGone:
                gones = [item for item in run if isinstance(item, PageGone)]
                mark_gone(session, gones)
                outcomes += ["gone"] * len(gones)
            else:
                records = [item for item in run if isinstance(item, ArticleRecord)]
                sightings = [(record, seen_at_of(record)) for record in records]
                written = save_articles(
                    session,
                    sightings,
                    crawl_run_id=run_id,
                    origin=self.version_origin,
                    capture_ids=[self.capture_id_of(record, saved) for record in records],
                )
                outcomes += [outcome.value for outcome in written]
        return outcomes

    def save_captures(
        self,
        session: Session,
        captures: list[RawCapture],
        saved: dict[str, int],
        *,
        run_id: int | None,
    ) -> list[str]:
        """Store `captures`, their ids into `saved`; the stats they count towards."""
        if not captures:
            return []
        stored = store_captures(session, captures, crawl_run_id=run_id)
        saved.update(zip((capture.key for capture in captures), stored.ids, strict=True))
        return ["captures"] * len(captures) + ["payloads_new"] * stored.new_payloads

    def capture_id_of(self, record: ArticleRecord, saved: Mapping[str, int]) -> int | None:
        """The id of the capture the record was read from, if it was stored."""
        if record.capture_key is None:
            return None
        return saved.get(record.capture_key) or self.capture_ids.get(record.capture_key)

    def save(
        self, session: Session, item: Item, saved: dict[str, int], run_id: int | None
    ) -> list[str]:
        """Save one item for crawl run `run_id`; returns the stats it counts towards (after
        archive/)."""
        if isinstance(item, RawCapture):
            return self.save_captures(session, [item], saved, run_id=run_id)
        if isinstance(item, ResponseDone):
            return []
        if isinstance(item, ArticleRecord):
            outcome = save_articles(
                session,
                [(item, seen_at_of(item))],
                crawl_run_id=run_id,
                origin=self.version_origin,
                capture_ids=[self.capture_id_of(item, saved)],
            )
            return [outcome[0].value]
        return [self.save_other(session, item, run_id)]

    def save_other(
        self,
        session: Session,
        item: FetchFailure | FetchRecovered | PageNotModified | PageGone,
        run_id: int | None,
    ) -> str:
        """Save an item that is neither a record nor a capture; the stat it counts towards."""
        if isinstance(item, FetchFailure):
            save_failure(session, item, crawl_run_id=run_id)
            return "failures"
        if isinstance(item, FetchRecovered):
            resolve_failures(session, item.urls, resolved_at=item.fetched_at)
            return "recovered"
        if isinstance(item, PageNotModified):
            save_checks(session, [item])
            return "not_modified"
        mark_gone(session, [item])
        return "gone"

    def save_one_at_a_time(self, batch: list[Item]) -> None:
        """Save `batch`, the head of `pending`, an item per transaction, taking each item off
        `pending` once committed; a record the archive refuses becomes a failure row."""
        assert self.sessions is not None
        sites = [self.site_of_item(item) for item in batch]
        self.open_site_runs(sites)
        for item, site in zip(batch, sites, strict=True):
            saved: dict[str, int] = {}
            run_id = self.run_of(site)
            try:
                with self.sessions.begin() as session:
                    outcomes = self.save(session, item, saved, run_id)
                self.remember_captures(saved)
            except (StatementError, RecordError) as error:
                if not is_bad_record(error) or isinstance(item, ResponseDone):
                    raise
                url = item.urls[0] if isinstance(item, FetchRecovered) else item.url
                reason = f"not archived: {one_line(error)}"
                logger.error("%s: %s", url, reason)
                rejected = FetchFailure(url=url, reason=reason, failed_at=datetime.now(UTC))
                with self.sessions.begin() as session:
                    save_failure(session, rejected, crawl_run_id=run_id)
                outcomes = ["rejected", "failures"]
            del self.pending[0]
            self.count([(site, outcome) for outcome in outcomes])
            self.announce_committed([item])

    def archive_failed(self, error: OperationalError) -> None:
        """The archive refused a whole transaction: try again with the next batch, or give up
        after a second failure in a row or at the end of the crawl (there is no next batch)."""
        self.archive_failures_in_a_row += 1
        reason = archive_failure_reason(error)
        if self.archive_failures_in_a_row == 1 and not self.spider_closing:
            logger.warning(
                "the archive could not save %d items (%s); trying again with the next batch",
                len(self.pending),
                reason,
            )
            self.flush_at = len(self.pending) + self.batch_size
            return
        self.unavailable_reason = reason
        if not self.spider_closing:  # at the end, rescue_unsaved says it all in one line
            logger.error("the archive is not taking writes (%s): closing the crawl", reason)
            self.close_crawl()

    def close_crawl(self) -> None:
        """Ask Scrapy to close the crawl as ARCHIVE_UNAVAILABLE, as CloseSpider would."""
        # Not crawling: a pipeline driven by hand, as in tests.
        if self.closing_crawl is not None or self.crawler is None or not self.crawler.crawling:
            return
        self.closing_crawl = deferred_from_coro(
            self.crawler.engine.close_spider_async(reason=ARCHIVE_UNAVAILABLE)
        )

    def rescue_unsaved(self) -> None:
        """Write the articles the archive did not take to the rescue file, count what was lost,
        and leave the user's one-line account in ``archive/error``."""
        unsaved = sum(not isinstance(item, ResponseDone) for item in self.pending)
        articles = [item for item in self.pending if isinstance(item, ArticleRecord)]
        self.stats.set_value("archive/unsaved", unsaved)
        what = f"the archive stopped taking writes ({self.unavailable_reason})"
        lost = f"{unsaved} items were not saved"
        if captures := sum(isinstance(item, RawCapture) for item in self.pending):
            # Not rescued: a capture's body is raw bytes, and the bulk of a crawl's.
            self.stats.set_value("archive/captures_lost", captures)
            lost += f" ({captures} of them raw captures, which are not rescued)"
        if not articles:
            self.report(f"{what}: {lost}, no articles among them")
            return
        path = rescue_path_of(self.db_url, run_id=self.run_id)
        try:
            with path.open("a", encoding="utf-8") as rescue:
                for article in articles:
                    json.dump(record_to_json(article), rescue, ensure_ascii=False, sort_keys=True)
                    rescue.write("\n")
        except OSError as error:
            self.report(
                f"{what}: {lost}, and their {len(articles)} articles "
                f"could not be written to {path} either ({os_error_reason(error)})"
            )
            return
        self.stats.set_value("archive/rescued", len(articles))
        self.report(f"{what}: {lost}; their {len(articles)} articles are in {path} (JSON lines)")

    def report(self, message: str) -> None:
        logger.error("%s", message)
        self.stats.set_value("archive/error", message)

    def finish_run(self, *, finish_reason: str | None) -> None:
        """Close the crawl run, and those of its sites, with their counts (see the class)."""
        if self.sessions is None or self.run_id is None:
            return
        stats = self.stats.get_stats()
        counts = {
            key: value
            for key, value in stats.items()
            if isinstance(value, int)
            and not isinstance(value, bool)
            and not key.startswith(SITE_STATS_PREFIX)
        }
        extraction = extraction_counts_of(counts)
        try:
            with self.sessions.begin() as session:
                finish_crawl_run(
                    session,
                    self.run_id,
                    counts=counts,
                    finish_reason=finish_reason,
                    extraction=extraction,
                )
                for site, run_id in sorted(self.site_runs.items()):
                    of_site = site_counts(stats, site)
                    finish_crawl_run(
                        session,
                        run_id,
                        counts=of_site,
                        finish_reason=finish_reason,
                        # A site that yielded no article parsed none: 0, as a crawl of one.
                        extraction=extraction_counts_of(of_site)
                        or (None if extraction is None else ExtractionCounts(0, 0, 0, 0, 0)),
                    )
        except OperationalError as error:
            reason = archive_failure_reason(error)
            logger.error("the archive could not close crawl run %d (%s)", self.run_id, reason)
            if self.stats.get_value("archive/error") is None:
                self.stats.set_value(
                    "archive/error",
                    f"the archive could not record the end of crawl run {self.run_id} ({reason});"
                    " every item was saved",
                )


def seen_at_of(record: ArticleRecord) -> datetime:
    """When the record was fetched; now, for a record that does not say."""
    return record.fetched_at or datetime.now(UTC)


def rescue_path_of(db_url: str, *, run_id: int | None) -> Path:
    """Where the articles of crawl run `run_id` go when the archive fails: beside an SQLite
    archive file (``ARCHIVE.unsaved-RUN.jsonl``), else in the current directory."""
    name = f"unsaved-{run_id}.jsonl"
    url = make_url(sqlite_url_of(db_url))
    database = url.database or ""
    # An in-memory archive has no file to sit beside, nor has a "file:" URI a plain path.
    if (
        url.get_backend_name() == "sqlite"
        and database not in {"", ":memory:"}
        and not database.startswith("file:")
    ):
        archive = Path(database)
        return archive.with_name(f"{archive.name}.{name}")
    return Path.cwd() / f"newsarchive-{name}"


def is_bad_record(error: Exception) -> bool:
    """Whether a record is to blame, not the database itself (locked, disk full, ...)."""
    return not isinstance(error, DBAPIError) or isinstance(error, IntegrityError | DataError)


def archive_failure_reason(error: OperationalError) -> str:
    """The database's own words, one line, with a hint at the usual cause."""
    reason = str(error.orig or error).splitlines()[0]
    if "locked" in reason or "busy" in reason:
        seconds = archive_engine.BUSY_TIMEOUT_MS / 1000
        return f"{reason}: another process held it for over {seconds:g} s"
    if "disk I/O error" in reason:  # SQLite's words for a write that failed with EFBIG, EIO
        return f"{reason}: is the disk full?"
    return reason


def os_error_reason(error: OSError) -> str:
    return error.strerror or str(error)


def one_line(error: Exception) -> str:
    """The error's first line, without SQLAlchemy's SQL echo and background link."""
    if isinstance(error, StatementError) and error.orig is not None:
        error_text = f"{type(error.orig).__name__}: {error.orig}"
    else:
        error_text = f"{type(error).__name__}: {error}"
    return error_text.splitlines()[0] if error_text else type(error).__name__
