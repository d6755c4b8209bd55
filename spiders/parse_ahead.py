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

The workers are child processes the reactor itself talks to (``spiders.parse_worker``:
jobs down a pipe, answers up another), not a ``concurrent.futures`` pool, whose feeder and
manager threads, wake-up pipes and hand-overs between threads took a tenth of the crawl
process's time (py-spy), most of it waiting for Python's lock.

Whatever goes wrong in a worker (the parser raised, the worker died) leaves the meta keys
unset, and the callback parses the page itself as it would without this middleware: a
parser error is still recorded as a "Parse error" failure of that page, and a dead worker
is replaced at once (``parse_ahead/pool_restarts``).

``PARSE_PROCESSES = 0`` turns it off (settings.py's default on a one-core machine).
"""

from __future__ import annotations

import itertools
import logging
import os
import sys
from typing import TYPE_CHECKING, Any, Self

from scrapy import signals
from scrapy.exceptions import NotConfigured
from scrapy.utils.defer import maybe_deferred_to_future
from twisted.internet import defer
from twisted.internet.protocol import ProcessProtocol

import parsers
from spiders.parse_worker import FRAME, frame, unframed

if TYPE_CHECKING:
    from collections.abc import Callable

    from scrapy import Request
    from scrapy.crawler import Crawler
    from scrapy.http import Response
    from twisted.python.failure import Failure


logger = logging.getLogger(__name__)

PARSED_AHEAD = "parsed_ahead"  # request.meta key: the record a worker parsed, or None
LINKS_AHEAD = "links_ahead"  # request.meta key: the page's links a worker read
# Seconds the workers get to finish their last page once the crawl is over.
STOP_TIMEOUT = 10.0
WORKER_MODULE = "spiders.parse_worker"
# Workers in a row that die before answering a single page: past this many, the crawl
# stops starting new ones (a worker that cannot start at all, in a broken environment,
# would otherwise be started again for every page) and parses in its callbacks.
MAX_DEATHS_UNANSWERED = 3


class WorkerError(Exception):
    """The job's function raised in the worker (the message says what)."""


class WorkerDied(Exception):
    """The worker ended before it answered."""


class ParserProcess(ProcessProtocol):
    """One worker process, and the jobs sent to it that it has not answered yet."""

    def __init__(self, on_death: Callable[[ParserProcess], None]) -> None:
        self.on_death = on_death
        self.waiting: dict[int, defer.Deferred[Any]] = {}
        self.received = bytearray()
        self.answered_any = False
        self.running = True
        self.ended: defer.Deferred[None] = defer.Deferred()

    def submit(self, job_id: int, job: bytes) -> defer.Deferred[Any]:
        answered: defer.Deferred[Any] = defer.Deferred()
        self.waiting[job_id] = answered
        assert self.transport is not None
        self.transport.write(job)
        return answered

    def outReceived(self, data: bytes) -> None:
        self.received += data
        while len(self.received) >= FRAME.size:
            length, job_id = FRAME.unpack_from(self.received)
            end = FRAME.size + length
            if len(self.received) < end:
                return
            ok, value = unframed(bytes(self.received[FRAME.size : end]))
            del self.received[:end]
            answered = self.waiting.pop(job_id)
            self.answered_any = True
            if ok:
                answered.callback(value)
            else:
                answered.errback(WorkerError(value))

    def processEnded(self, reason: Failure) -> None:
        self.running = False
        waiting, self.waiting = self.waiting, {}
        for answered in waiting.values():
            answered.errback(WorkerDied(str(reason.value)))
        self.on_death(self)
        self.ended.callback(None)


class ParseAheadMiddleware:
    """Downloader middleware: article candidates parsed by worker processes (module doc)."""

    def __init__(self, crawler: Crawler, processes: int) -> None:
        self.crawler = crawler
        self.processes = processes
        self.workers: list[ParserProcess] = []
        self.job_ids = itertools.count()
        self.closing = False
        self.deaths_unanswered = 0  # in a row

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
        self.workers = [self._start_worker() for _ in range(self.processes)]

    async def spider_closed(self) -> None:
        """Close the workers' input, so each ends after its last page; kill the ones
        still running after STOP_TIMEOUT. The crawl closes once they have ended."""
        from twisted.internet import reactor

        self.closing = True
        running = [worker for worker in self.workers if worker.running]
        for worker in running:
            assert worker.transport is not None
            worker.transport.closeStdin()

        def kill_stragglers() -> None:
            for worker in running:
                if worker.running and worker.transport is not None:
                    worker.transport.signalProcess("KILL")

        timer = reactor.callLater(STOP_TIMEOUT, kill_stragglers)  # type: ignore[attr-defined]
        ended = defer.DeferredList([worker.ended for worker in running])
        ended.addBoth(lambda result: timer.cancel() if timer.active() else None)
        await maybe_deferred_to_future(ended)

    def _start_worker(self) -> ParserProcess:
        from twisted.internet import reactor  # the one Scrapy installed, once it has

        worker = ParserProcess(on_death=self._worker_died)
        # The worker imports what the crawl imports: the same modules, from the same places.
        path = os.pathsep.join(dict.fromkeys(entry or os.getcwd() for entry in sys.path))
        reactor.spawnProcess(  # type: ignore[attr-defined]
            worker,
            sys.executable,
            [sys.executable, "-m", WORKER_MODULE],
            env={**os.environ, "PYTHONPATH": path},
            path=os.getcwd(),
            childFDs={0: "w", 1: "r", 2: 2},
        )
        return worker  # its transport, set by spawnProcess, is the process

    def _worker_died(self, worker: ParserProcess) -> None:
        if self.closing:
            return
        self.workers = [w for w in self.workers if w is not worker]
        self.deaths_unanswered = 0 if worker.answered_any else self.deaths_unanswered + 1
        if self.deaths_unanswered >= MAX_DEATHS_UNANSWERED:
            if not any(w.running for w in self.workers):
                logger.warning(
                    "%d parser processes in a row died before parsing a page; the crawl "
                    "parses pages itself from now on",
                    self.deaths_unanswered,
                )
            return
        logger.warning("a parser process died; starting another")
        self._count("parse_ahead/pool_restarts")
        self.workers.append(self._start_worker())

    async def process_response(self, request: Request, response: Response) -> Response:
        spider = self.crawler.spider
        arguments_of = getattr(spider, "article_parse_arguments", None)
        running = [worker for worker in self.workers if worker.running]
        if not running or arguments_of is None or not 200 <= response.status < 300:
            return response
        arguments = arguments_of(request, response)
        if arguments is None:
            return response
        body, url, options = arguments
        job_id = next(self.job_ids)
        job = frame(job_id, (parsers.parse_article_and_links, (body, url), options))
        worker = min(running, key=lambda candidate: len(candidate.waiting))
        try:
            record, links = await maybe_deferred_to_future(worker.submit(job_id, job))
        except WorkerDied:  # counted as a restart by _worker_died
            return response
        except WorkerError:  # the callback parses the page again and records the error
            self._count("parse_ahead/worker_errors")
            return response
        request.meta[PARSED_AHEAD] = record
        request.meta[LINKS_AHEAD] = links
        self._count("parse_ahead/pages")
        return response

    def _count(self, key: str) -> None:
        if self.crawler.stats is not None:
            self.crawler.stats.inc_value(key)
