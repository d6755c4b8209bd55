"""Parse article pages in worker processes while Scrapy goes on fetching.

One Scrapy process runs on one core: its engine alone takes a few milliseconds a page,
and the parser as long again, so a crawl that parses in its callbacks runs at about half
the speed Scrapy could fetch. ``ParseAheadMiddleware`` hands each article candidate's
body to a pool of ``PARSE_PROCESSES`` worker processes as soon as it is downloaded and
puts the record (or None, "not an article") into ``request.meta[PARSED_AHEAD]`` and the
page's links into ``request.meta[LINKS_AHEAD]``; the spider's callback takes them from
there instead of reading the page again. The parser and the link extraction are pure
functions of the page, so where they run changes nothing in what they return.

Reading the links in the worker too matters as much as the parsing: building a page's
tree and resolving its ~100 links costs the crawl process about as much as Scrapy's own
work on the page (bench/crawl.py, py-spy).

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
import signal
import threading
import time
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from typing import TYPE_CHECKING, Self, TypeVar

from scrapy import signals
from scrapy.exceptions import NotConfigured
from scrapy.http import HtmlResponse
from scrapy.utils.defer import maybe_deferred_to_future
from twisted.internet import defer

import parsers
from spiders.links import links_of_page

if TYPE_CHECKING:
    from collections.abc import Callable, Mapping
    from typing import Any

    from scrapy import Request
    from scrapy.crawler import Crawler
    from scrapy.http import Response

    from items import ArticleRecord

logger = logging.getLogger(__name__)

PARSED_AHEAD = "parsed_ahead"  # request.meta key: the record a worker parsed, or None
LINKS_AHEAD = "links_ahead"  # request.meta key: the page's links a worker read
_PARENT_CHECK_SECONDS = 1.0

_T = TypeVar("_T")


def _worker_started(parent_pid: int) -> None:
    """In each worker: leave Ctrl-C to the crawl (which stops the pool itself), and exit
    when the crawl process is gone, even killed with SIGKILL, rather than linger."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)

    def watch_parent() -> None:
        while os.getppid() == parent_pid:
            time.sleep(_PARENT_CHECK_SECONDS)
        os._exit(0)

    threading.Thread(target=watch_parent, name="parent-watch", daemon=True).start()


def read_page(
    parse: Callable[..., ArticleRecord | None],
    body: bytes,
    url: str,
    content_type: str,
    options: Mapping[str, Any],
) -> tuple[ArticleRecord | None, list[str]]:
    """In a worker: the page's record (``parse``) and its links, as the callback would
    read them from the response (``spiders.links.links_of_page``)."""
    record = parse(body, url, **options)
    response = HtmlResponse(url, body=body, headers={"Content-Type": content_type})
    return record, links_of_page(response)


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
            initializer=_worker_started,
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
        content_type = (response.headers.get(b"Content-Type") or b"").decode("latin-1")
        try:
            future = self.pool.submit(
                read_page, parsers.parse_article, body, url, content_type, options
            )
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
