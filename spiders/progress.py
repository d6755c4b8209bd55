"""ProgressExtension: how far a crawl has got, on stderr, for the person or the log watching.

Setting ``PROGRESS`` (the CLI chooses it by whether stderr is a terminal):

- ``"live"``: one line per site, redrawn twice a second with Rich; log records print above
  it. The line goes when the crawls end, leaving the CLI's summary as the last word.
- ``"plain"``: under cron or a service manager, one plain line per site every
  ``PROGRESS_INTERVAL`` seconds, timestamped like Scrapy's log lines and printed whatever
  the LOG_LEVEL (the CLI's default, WARNING, hides Scrapy's own per-minute LogStats line),
  with no control characters.
- unset or empty (``scrapy crawl``, the tests' crawls): nothing.

The counts are the crawl stats the summary shows: articles and failures count once the
archive has stored them, which it does a batch at a time.
"""

from __future__ import annotations

import logging
import sys
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import IO, TYPE_CHECKING, Any, Self

from scrapy import signals
from scrapy.exceptions import NotConfigured
from scrapy.utils.asyncio import create_looping_call

if TYPE_CHECKING:
    from rich.live import Live
    from scrapy import Spider
    from scrapy.crawler import Crawler
    from scrapy.statscollectors import StatsCollector
    from scrapy.utils.asyncio import AsyncioLoopingCall
    from twisted.internet.task import LoopingCall

LIVE_REFRESH_SECONDS = 0.5
MODES = ("live", "plain")


def readable_elapsed(seconds: float) -> str:
    """42s, 3m05s, 1h02m: short enough for a line that is redrawn."""
    minutes, secs = divmod(int(seconds), 60)
    hours, minutes = divmod(minutes, 60)
    if hours:
        return f"{hours}h{minutes:02d}m"
    return f"{minutes}m{secs:02d}s" if minutes else f"{secs}s"


def progress_line(site: str, stats: Mapping[str, Any], elapsed_seconds: float) -> str:
    """One site's progress: pages fetched, articles new and updated, failures recorded,
    the average rate in pages a minute, and the time since its crawl started."""
    pages = int(stats.get("response_received_count", 0))
    rate = pages * 60 / elapsed_seconds if elapsed_seconds > 0 else 0.0
    return (
        f"{site}: {pages} pages, {stats.get('archive/inserted', 0)} new, "
        f"{stats.get('archive/updated', 0)} updated, {stats.get('archive/failures', 0)} failures, "
        f"{rate:.0f} pages/min, {readable_elapsed(elapsed_seconds)}"
    )


@dataclass(eq=False)
class SiteProgress:
    """One site's crawl as the progress line sees it."""

    site: str
    stats: StatsCollector
    started: float = field(default_factory=time.monotonic)
    ended: float | None = None  # the elapsed time stops with the crawl

    def line(self) -> str:
        elapsed = (self.ended or time.monotonic()) - self.started
        return progress_line(self.site, self.stats.get_stats(), elapsed)


class LiveBoard:
    """The process's one live display, a line for each site it crawls side by side: one
    display, as two would overwrite each other's lines."""

    def __init__(self) -> None:
        self.sites: list[SiteProgress] = []
        self.live: Live | None = None
        self.task: AsyncioLoopingCall | LoopingCall | None = None
        self.terminal: IO[str] | None = None  # stderr, while Rich stands in front of it

    def add(self, site: SiteProgress) -> None:
        if self.live is None:
            self.sites = []
            self.start()
        self.sites.append(site)
        self.refresh()

    def close(self, site: SiteProgress) -> None:
        """Freeze the site's line; once every site has ended, take the display down."""
        if site.ended is None:
            site.ended = time.monotonic()
        if self.live is not None and all(entry.ended is not None for entry in self.sites):
            self.stop()

    def start(self) -> None:
        from rich.console import Console
        from rich.live import Live

        self.terminal = sys.stderr
        self.live = Live(
            # soft_wrap: a long log record printed above stays one line, as in a log file.
            console=Console(file=sys.stderr, soft_wrap=True),
            auto_refresh=False,  # refreshed from the reactor: no thread reading the stats
            transient=True,
            redirect_stdout=False,  # stdout may be a pipe while stderr is the terminal
            redirect_stderr=True,
        )
        self.live.start()
        self.point_log_handlers(self.terminal, sys.stderr)
        self.task = create_looping_call(self.refresh)
        self.task.start(LIVE_REFRESH_SECONDS, now=False)

    def stop(self) -> None:
        if self.task is not None and self.task.running:
            self.task.stop()
        self.task = None
        assert self.live is not None and self.terminal is not None
        self.refresh()
        self.point_log_handlers(sys.stderr, self.terminal)
        self.live.stop()
        self.live = None

    def refresh(self) -> None:
        from rich.text import Text

        if self.live is not None:
            self.live.update(Text("\n".join(site.line() for site in self.sites)), refresh=True)

    @staticmethod
    def point_log_handlers(old: IO[str], new: IO[str]) -> None:
        """Scrapy's log handler holds the stderr it was made with; while the display is up,
        its records go through Rich, which prints them above the live lines."""
        for handler in logging.root.handlers:
            if isinstance(handler, logging.StreamHandler) and handler.stream is old:
                handler.setStream(new)


BOARD = LiveBoard()


class ProgressExtension:
    """A crawl's progress on stderr: a live line on a terminal, a plain line a minute in a
    log (see the module docstring)."""

    def __init__(self, stats: StatsCollector, *, mode: str, interval: float) -> None:
        self.stats = stats
        self.mode = mode
        self.interval = interval
        self.progress: SiteProgress | None = None
        self.task: AsyncioLoopingCall | LoopingCall | None = None

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        mode = crawler.settings.get("PROGRESS") or ""
        if not mode:
            raise NotConfigured("PROGRESS is not set")
        if mode not in MODES:
            raise NotConfigured(f"PROGRESS must be one of {', '.join(MODES)}, not {mode!r}")
        assert crawler.stats is not None
        interval = crawler.settings.getfloat("PROGRESS_INTERVAL", 60.0)
        extension = cls(crawler.stats, mode=mode, interval=interval)
        crawler.signals.connect(extension.spider_opened, signal=signals.spider_opened)
        crawler.signals.connect(extension.spider_closed, signal=signals.spider_closed)
        # A crawl that stops without closing its spider must not leave the display up.
        crawler.signals.connect(extension.spider_closed, signal=signals.engine_stopped)
        return extension

    def spider_opened(self, spider: Spider) -> None:
        profiles = getattr(spider, "profiles", ())  # a NewsSpider's; one per CLI crawler
        site = ", ".join(profile.name for profile in profiles) or spider.name
        self.progress = SiteProgress(site, self.stats)
        if self.mode == "live":
            BOARD.add(self.progress)
            return
        self.task = create_looping_call(self.print_plain_line)
        self.task.start(self.interval, now=False)

    def print_plain_line(self) -> None:
        assert self.progress is not None
        timestamp = datetime.now().strftime("%Y-%m-%d %H:%M:%S")
        print(f"{timestamp} [progress] {self.progress.line()}", file=sys.stderr, flush=True)

    def spider_closed(self) -> None:
        if self.task is not None and self.task.running:
            self.task.stop()
        if self.progress is not None and self.mode == "live":
            BOARD.close(self.progress)
