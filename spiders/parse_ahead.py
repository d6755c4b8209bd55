"""Parse article pages in worker processes while Scrapy goes on fetching.

One Scrapy process runs on one core: its engine alone takes a few milliseconds a page,
and the parser as long again, so a crawl that parses in its callbacks runs at about half
the speed Scrapy could fetch. ``ParseAheadMiddleware`` hands each article candidate's
body to a pool of ``PARSE_PROCESSES`` worker processes as soon as it is downloaded and
puts the record (or None, "not an article") into ``request.meta[PARSED_AHEAD]`` and the
page's links into ``request.meta[LINKS_AHEAD]``; the spider's callback takes them from
there instead of reading the page again. The parser and the link extraction are pure
functions of the page, so where they run changes nothing in what they return.

A worker runs ``parsers.parse_article_and_links`` (sent by reference: whatever the crawl
process's ``parsers`` holds), which reads the record and the links from one parse of the
page. Reading the links there too matters as much as the parsing: building a page's tree
and resolving its ~100 links cost the crawl process about as much as Scrapy's own work on
the page (bench/crawl.py, py-spy).

Whatever goes wrong in a worker (the parser raised, the pool died) leaves the meta key
unset, and the callback parses the page itself as it would without this middleware: a
parser error is still recorded as a "Parse error" failure of that page, and a dead pool
is started again for the next pages (``parse_ahead/pool_restarts``).

``PARSE_PROCESSES = 0`` turns it off (settings.py's default on a one-core machine).
"""

from __future__ import annotations

import logging
import multiprocessing
import os
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from typing import TYPE_CHECKING, Self, TypeVar

from scrapy import signals
from scrapy.exceptions import NotConfigured
from scrapy.utils.defer import maybe_deferred_to_future
from twisted.internet import defer

import parsers
from spiders.parse_worker import worker_started

if TYPE_CHECKING:
    from scrapy import Request
    from scrapy.crawler import Crawler
    from scrapy.http import Response


logger = logging.getLogger(__name__)

PARSED_AHEAD = "parsed_ahead"  # request.meta key: the record a worker parsed, or None
LINKS_AHEAD = "links_ahead"  # request.meta key: the page's links a worker read

_T = TypeVar("_T")


class ParseAheadMiddleware:
    """Downloader middleware: article candidates parsed by a process pool (module doc)."""

    def __init__(self, crawler: Crawler, processes: int) -> None:
        self.crawler = crawler
        self.processes = processes
        self.pool: ProcessPoolExecutor | None = None

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        processes = crawler.settings.getint("PARSE_PROCESSES")
        if processes <= 0:
            raise NotConfigured("PARSE_PROCESSES is 0: the spider parses in its callbacks")
        middleware = cls(crawler, processes)
        crawler.signals.connect(middleware.spider_opened, signal=signals.spider_opened)
        crawler.signals.connect(middleware.spider_closed, signal=signals.spider_closed)
        return middleware

    def spider_opened(self) -> None:
        self.pool = self._new_pool()

    def spider_closed(self) -> None:
        if self.pool is not None:
            self.pool.shutdown(wait=True, cancel_futures=True)
            self.pool = None

    def _new_pool(self) -> ProcessPoolExecutor:
        # "spawn": a fresh interpreter, never a fork of a process running a reactor.
        return ProcessPoolExecutor(
            max_workers=self.processes,
            mp_context=multiprocessing.get_context("spawn"),
            initializer=worker_started,
            initargs=(os.getpid(),),
        )

    async def process_response(self, request: Request, response: Response) -> Response:
        spider = self.crawler.spider
        arguments_of = getattr(spider, "article_parse_arguments", None)
        if self.pool is None or arguments_of is None or not 200 <= response.status < 300:
            return response
        arguments = arguments_of(request, response)
        if arguments is None:
            return response
        body, url, options = arguments
        try:
            future = self.pool.submit(parsers.parse_article_and_links, body, url, **options)
        except BrokenProcessPool:  # a worker died since the last page
            self._restart_pool()
            return response
        try:
            record, links = await maybe_deferred_to_future(_deferred_of(future))
        except BrokenProcessPool:
            self._restart_pool()
            return response
        except Exception:  # the callback parses the page again and records the error
            self._count("parse_ahead/worker_errors")
            return response
        request.meta[PARSED_AHEAD] = record
        request.meta[LINKS_AHEAD] = links
        self._count("parse_ahead/pages")
        return response

    def _restart_pool(self) -> None:
        logger.warning("a parser process died; starting the pool again")
        self._count("parse_ahead/pool_restarts")
        if self.pool is not None:
            self.pool.shutdown(wait=False, cancel_futures=True)
            self.pool = self._new_pool()

    def _count(self, key: str) -> None:
        if self.crawler.stats is not None:
            self.crawler.stats.inc_value(key)


def _deferred_of(future: Future[_T]) -> defer.Deferred[_T]:
    """A Deferred fired in the reactor's thread when the worker's future is done."""
    from twisted.internet import reactor  # the one Scrapy installed, once it has

    deferred: defer.Deferred[_T] = defer.Deferred()

    def settle(done: Future[_T]) -> None:
        error = done.exception()
        if error is None:
            deferred.callback(done.result())
        else:
            deferred.errback(error)

    future.add_done_callback(lambda done: reactor.callFromThread(settle, done))  # type: ignore[attr-defined]
    return deferred
