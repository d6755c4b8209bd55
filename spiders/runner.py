"""Run a crawl of one or more sites in this process: settings from options, stats back.

One crawl runs one NewsSpider per target site, side by side in one CrawlerProcess: each
site gets its own settings (its profile's crawl delay), bounds (``--max-pages`` counts per
site), stats and finish reason. The Twisted reactor under Scrapy starts once per process
and cannot be restarted, so ``run_crawl`` can be called once per process (the CLI calls it
once; tests call it in a subprocess).
"""

from __future__ import annotations

import hashlib
import logging
import os
import re
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from scrapy.crawler import Crawler, CrawlerProcess
from scrapy.exceptions import (
    CannotResolveHostError,
    DownloadCancelledError,
    DownloadConnectionRefusedError,
    DownloadFailedError,
    DownloadTimeoutError,
    ResponseDataLossError,
)
from scrapy.settings import Settings

from spiders.news import NewsSpider

if TYPE_CHECKING:
    from twisted.python.failure import Failure

    from items import FetchFailure
    from profiles import SiteProfile
    from spiders.incremental import ArchivedPages

_ran_in_this_process = False


@dataclass(frozen=True, slots=True)
class CrawlOptions:
    """What a user may change about a crawl; None keeps the project setting."""

    db_url: str | None = None  # ARCHIVE_DB_URL, an SQLAlchemy URL
    max_pages: int | None = None  # CLOSESPIDER_PAGECOUNT: responses of any kind; 0 = no limit
    max_depth: int | None = None  # DEPTH_LIMIT (>= 1): hops from a start URL (robots.txt counts)
    timeout: float | None = None  # DOWNLOAD_TIMEOUT: seconds before a page counts as failed
    delay: float | None = None  # seconds between requests to a site; 0 = no delays at all
    concurrency: int | None = None  # concurrent requests per site
    parse_processes: int | None = None  # PARSE_PROCESSES: worker processes parsing pages
    user_agent: str | None = None
    log_level: str | None = None  # DEBUG, INFO, WARNING, ERROR
    run_arguments: Mapping[str, Any] = field(default_factory=dict)  # ARCHIVE_RUN_ARGUMENTS
    settings: Mapping[str, Any] = field(default_factory=dict)  # any Scrapy setting, applied last
    # Unresolved failures from earlier crawls, to fetch again (the spider decides which).
    past_failures: Sequence[FetchFailure] = ()
    # What the archive holds of the crawled sites: archived pages are fetched when due only.
    archived_pages: ArchivedPages | None = None
    recheck_young_days: float | None = None  # RECHECK_YOUNG_DAYS
    recheck_every_days: float | None = None  # RECHECK_EVERY_DAYS
    recheck_all: bool | None = None  # RECHECK_ALL
    # A folder of job folders, one a site (`job_folder_of`): each site's JOBDIR, where an
    # interrupted crawl's queue waits for the next crawl (spiders/scheduler.py).
    jobdir: Path | str | None = None


@dataclass(frozen=True, slots=True)
class CrawlResult:
    """How one site's crawl ended: its crawl stats, finish reason and duration."""

    site: str  # the profile name
    stats: dict[str, Any]  # e.g. "item_scraped_count", "parser/not_article", "links/article"
    finish_reason: str  # "finished"; "closespider_pagecount" when --max-pages cut it short
    elapsed_seconds: float  # from the spider opening to its closing


def crawl_settings(profile: SiteProfile | None, options: CrawlOptions) -> Settings:
    """The project settings (the ``settings`` module) with the options applied on top.

    Delays: ``options.delay`` when given (0 also turns AutoThrottle off; robots.txt is
    still obeyed); otherwise the project's DOWNLOAD_DELAY, raised to the profile's
    ``crawl_delay`` when that is longer (a site's own request wins over our default).
    """
    settings = Settings()
    settings.setmodule("settings", priority="project")
    overrides: dict[str, Any] = {}
    if options.db_url is not None:
        overrides["ARCHIVE_DB_URL"] = options.db_url
    if options.max_pages is not None:
        overrides["CLOSESPIDER_PAGECOUNT"] = options.max_pages
    if options.max_depth is not None:
        if options.max_depth < 1:  # Scrapy's DEPTH_LIMIT = 0 means no limit at all
            raise ValueError(f"max_depth must be at least 1, not {options.max_depth}")
        overrides["DEPTH_LIMIT"] = options.max_depth
    if options.timeout is not None:
        overrides["DOWNLOAD_TIMEOUT"] = options.timeout
    if options.delay is not None:
        overrides["DOWNLOAD_DELAY"] = options.delay
        if options.delay == 0:
            overrides["AUTOTHROTTLE_ENABLED"] = False
        else:
            overrides["AUTOTHROTTLE_START_DELAY"] = max(
                options.delay, settings.getfloat("AUTOTHROTTLE_START_DELAY")
            )
    elif (
        profile is not None
        and profile.crawl_delay is not None
        and profile.crawl_delay > settings.getfloat("DOWNLOAD_DELAY")
    ):
        # AutoThrottle never goes below DOWNLOAD_DELAY, so this holds with it on.
        overrides["DOWNLOAD_DELAY"] = profile.crawl_delay
    if options.concurrency is not None:
        overrides["CONCURRENT_REQUESTS_PER_DOMAIN"] = options.concurrency
        overrides["CONCURRENT_REQUESTS"] = options.concurrency
    if options.parse_processes is not None:
        overrides["PARSE_PROCESSES"] = options.parse_processes
    if options.user_agent is not None:
        overrides["USER_AGENT"] = options.user_agent
    if options.log_level is not None:
        overrides["LOG_LEVEL"] = options.log_level.upper()
    if options.recheck_young_days is not None:
        overrides["RECHECK_YOUNG_DAYS"] = options.recheck_young_days
    if options.recheck_every_days is not None:
        overrides["RECHECK_EVERY_DAYS"] = options.recheck_every_days
    if options.recheck_all is not None:
        overrides["RECHECK_ALL"] = options.recheck_all
    if options.jobdir is not None:
        if profile is None:
            raise ValueError("a job folder belongs to one site: give its profile")
        overrides["JOBDIR"] = str(job_folder_of(options.jobdir, profile.name))
    overrides["ARCHIVE_RUN_ARGUMENTS"] = dict(options.run_arguments)
    overrides.update(options.settings)
    settings.setdict(overrides, priority="cmdline")
    return settings


def job_folder_of(jobdir: Path | str, site_name: str) -> Path:
    """A site's job folder (its JOBDIR) in a folder of job folders: named after the site's
    profile, made safe as a file name. Two crawls of one site share it: the CLI locks it."""
    return Path(jobdir) / (re.sub(r"[^A-Za-z0-9._-]", "_", site_name).lstrip(".") or "_")


def default_jobdir(archive: str) -> Path:
    """The folder of job folders for crawls into `archive` (an archive's one spelling, e.g.
    ``archive_db.locks.archive_identity``), for ``--jobdir auto`` and scheduled crawls.

    ``$NEWSARCHIVE_STATE_DIR/jobs/<digest>``, else under ``$XDG_STATE_HOME/newsarchive``,
    else ``~/.local/state/newsarchive``. One folder per archive (the digest): what a job
    folder remembers as fetched was saved into one archive, and a crawl into another
    archive must not skip those pages.
    """
    state = os.environ.get("NEWSARCHIVE_STATE_DIR")
    if not state:
        xdg = os.environ.get("XDG_STATE_HOME", "")
        base = Path(xdg) if os.path.isabs(xdg) else Path.home() / ".local" / "state"
        state = str(base / "newsarchive")
    digest = hashlib.sha256(archive.encode()).hexdigest()[:16]
    return Path(state).expanduser() / "jobs" / digest


# What a site that is down or slow raises: expected, recorded as a fetch failure, and worth
# one log line, never a traceback (RobotsTxtMiddleware logs its error with exc_info).
EXPECTED_NETWORK_ERRORS = (
    DownloadConnectionRefusedError,
    CannotResolveHostError,
    DownloadTimeoutError,
    DownloadCancelledError,
    DownloadFailedError,
    ResponseDataLossError,
)


# Scrapy's loggers that attach a traceback to a network error (a filter on a logger sees only
# the records logged on that very logger, so each is named).
TRACEBACK_LOGGERS = (
    "scrapy.downloadermiddlewares.robotstxt",
    "scrapy.downloadermiddlewares.retry",
    "scrapy.core.scraper",
    "scrapy.core.engine",
)


def network_error_without_traceback(record: logging.LogRecord) -> bool:
    """A log filter: keep the record, but drop the traceback of an expected network error."""
    if record.exc_info and isinstance(record.exc_info[1], EXPECTED_NETWORK_ERRORS):
        record.exc_info = None
        record.exc_text = None
    return True


def run_crawl(targets: Sequence[SiteProfile], options: CrawlOptions) -> list[CrawlResult]:
    """Crawl each target's site with its own NewsSpider until done or a bound is hit; blocks.

    Returns one result per target, in order. Runs the Twisted reactor in this process, so
    it can run only once per process (a second call raises RuntimeError). Items go to the
    settings' ITEM_PIPELINES (and FEEDS, if set). Re-raises an exception that kept a
    spider from starting.
    """
    global _ran_in_this_process
    if _ran_in_this_process:
        raise RuntimeError(
            "run_crawl runs once per process (the Twisted reactor cannot restart);"
            " run further crawls in a subprocess"
        )
    if not targets:
        raise ValueError("run_crawl needs at least one target site")
    _ran_in_this_process = True
    all_settings = [crawl_settings(profile, options) for profile in targets]
    process = CrawlerProcess(all_settings[0])
    if all_settings[0].get("LOG_LEVEL") != "DEBUG":
        for name in TRACEBACK_LOGGERS:
            logging.getLogger(name).addFilter(network_error_without_traceback)
    errors: list[Failure] = []
    crawlers = []
    for index, (profile, settings) in enumerate(zip(targets, all_settings, strict=True)):
        # Built here rather than by the process so each site keeps its own settings; the
        # first crawler installs the reactor the settings ask for.
        crawler = Crawler(NewsSpider, settings, init_reactor=index == 0)
        process.crawl(
            crawler,
            profile=profile,
            past_failures=options.past_failures,
            archived_pages=options.archived_pages,
        ).addErrback(errors.append)
        crawlers.append(crawler)
    quiet_below_log_level(all_settings[0].get("LOG_LEVEL"))
    started = time.monotonic()
    process.start()
    wall_clock = time.monotonic() - started
    if errors:  # a spider could not start (bad settings, a profile that failed to build)
        errors[0].raiseException()
    return [
        _result_of(profile.name, crawler, wall_clock)
        for profile, crawler in zip(targets, crawlers, strict=True)
    ]


@dataclass(frozen=True, slots=True)
class FrontierOptions:
    """Where a crawl process finds the frontier it shares with others (spiders/frontier.py)."""

    url: str  # redis://...
    name: str  # its keys' prefix
    worker: str  # this process's id among the frontier's workers
    exit_when_idle: float  # seconds the frontier stays empty before this process ends
    seed_only: bool = False  # queue the seeds' start requests, fetch nothing


def run_frontier_crawl(
    seeds: Sequence[SiteProfile], options: CrawlOptions, frontier: FrontierOptions
) -> CrawlResult:
    """Crawl from a shared frontier until it has been empty for a while; blocks.

    `seeds` are sites whose start requests this process queues first (the seeding command);
    a worker has none and fetches what it pops. One spider covers every site, so the
    settings are the project's with the options on top (a profile's own crawl delay is
    the shared politeness middleware's to honour). Runs once per process, as `run_crawl`.
    """
    global _ran_in_this_process
    if _ran_in_this_process:
        raise RuntimeError("run_frontier_crawl runs once per process")
    _ran_in_this_process = True
    from spiders.frontier import frontier_settings
    from spiders.frontier_spider import FrontierNewsSpider

    settings = crawl_settings(None, options)
    settings.setdict(
        frontier_settings(
            frontier.url,
            frontier.name,
            worker=frontier.worker,
            exit_when_idle=0 if frontier.seed_only else frontier.exit_when_idle,
        )
        | {
            "FRONTIER_SEED_ONLY": frontier.seed_only,
            # Profiles' crawl delays apply per request, unless --delay chose one for all.
            "FRONTIER_SITE_DELAYS": options.delay is None,
        },
        priority="cmdline",
    )
    process = CrawlerProcess(settings)
    if settings.get("LOG_LEVEL") != "DEBUG":
        for name in TRACEBACK_LOGGERS:
            logging.getLogger(name).addFilter(network_error_without_traceback)
    errors: list[Failure] = []
    crawler = Crawler(FrontierNewsSpider, settings, init_reactor=True)
    process.crawl(crawler, profiles=tuple(seeds)).addErrback(errors.append)
    quiet_below_log_level(settings.get("LOG_LEVEL"))
    started = time.monotonic()
    process.start()
    wall_clock = time.monotonic() - started
    if errors:
        errors[0].raiseException()
    return _result_of(frontier.worker, crawler, wall_clock)


def quiet_below_log_level(level: str) -> None:
    """Make loggers drop what LOG_LEVEL would hide before a record is even made.

    Scrapy filters by level in its root handler and sets the root logger to NOTSET when a
    crawl starts, so every debug call (Scrapy's "Crawled (200)", charset detection) built a
    LogRecord, with a stack walk, only for the handler to drop it: 4% of a crawl's CPU.
    Call it after the crawls are set up, once Scrapy has installed its handler.
    """
    logging.root.setLevel(level)


def _result_of(site: str, crawler: Crawler, wall_clock: float) -> CrawlResult:
    try:
        stats = dict(crawler.stats.get_stats())
    except RuntimeError:  # stats exist once the crawl has started
        stats = {}
    elapsed = stats.get("elapsed_time_seconds")
    return CrawlResult(
        site=site,
        stats=stats,
        finish_reason=str(stats.get("finish_reason") or "did not start"),
        elapsed_seconds=float(elapsed) if isinstance(elapsed, int | float) else wall_clock,
    )
