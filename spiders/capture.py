"""Raw captures: every response the crawl receives, kept as it came off the network.

Two middlewares share the work (``ARCHIVE_CAPTURES = False`` turns both off):

- ``CaptureDownloaderMiddleware`` (downloader, order 950) builds an ``items.RawCapture``
  for each response. ``process_response`` runs in decreasing order, so at 950 it sees the
  response before HttpCompressionMiddleware (590) decodes its body, before
  RedirectMiddleware (600) turns a 3xx into a new request and before RetryMiddleware (550)
  retries a 5xx: the body is the bytes the server sent (still gzip or br), and every hop
  of a redirect chain and every retried response is seen. The request's headers, read
  then, are all the downloader middlewares set (DefaultHeaders 400, UserAgent 500,
  HttpCompression's Accept-Encoding 590). Each capture is appended to
  ``request.meta[CAPTURES]``; Scrapy copies meta into redirect and retry requests, so the
  list reaches the response that ends the chain.
- ``CaptureSpiderMiddleware`` (spider, order 10: outermost, so errback output for HTTP
  errors passes it too) yields that response's captures before whatever the callback or
  errback yields, and names the last of them (the response the page was read from) on
  every ArticleRecord the callback yields (``capture_key``): the archive links the version
  to that capture.

What is not captured, and why:

- the responses of a fetch whose follow-up request is dropped without an errback: a
  redirect to a URL already fetched (the duplicate filter drops it: nginx's ``/section``
  -> ``/section/``, say), or a body dropped for inflating past DOWNLOAD_MAXSIZE. A fetch
  that ends in a download error (timeout, refused or lost connection, DNS) after a
  redirect or a retried 5xx, or in a redirect off the crawled sites, does reach
  NewsSpider's errback, which yields the captures made on the way
  (``NewsSpider.on_error``): an errback's output skips the spider middlewares.
- robots.txt as RobotsTxtMiddleware fetches it: that request never reaches the spider.
  (The spider fetches a bare homepage's robots.txt itself, for its sitemaps; that one is
  captured.)
- what Scrapy's HTTP client adds itself: the request's Host and Connection headers, and
  the response's transfer coding (a chunked body is stored de-chunked, as WARC does).
  Header names are as Scrapy normalises them (``Content-Type``), values as received.
- anything when the archive pipeline is not enabled: captures are only worth their
  memory when something stores them.
"""

from __future__ import annotations

import dataclasses
from collections.abc import AsyncIterator, Iterable, Iterator
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any, Self

from scrapy.exceptions import NotConfigured

from items import ArticleRecord, RawCapture

if TYPE_CHECKING:
    from scrapy.crawler import Crawler
    from scrapy.http import Headers, Request, Response

CAPTURES = "captures"  # request.meta key: the RawCaptures of the fetch so far, in order
# request.meta keys a WARC import sets (spiders/warc_import.py): the captures' `source`, and
# when the response was really received (the record's WARC-Date), rather than now.
CAPTURE_SOURCE = "capture_source"
CAPTURE_FETCHED_AT = "capture_fetched_at"
ARCHIVE_PIPELINE = "pipelines.store.ArchivePipeline"


def captures_enabled(crawler: Crawler) -> bool:
    """ARCHIVE_CAPTURES is on and the archive pipeline, which stores them, is enabled."""
    settings = crawler.settings
    pipelines = settings.getwithbase("ITEM_PIPELINES")
    return (
        settings.getbool("ARCHIVE_CAPTURES", True) and pipelines.get(ARCHIVE_PIPELINE) is not None
    )


def header_pairs(headers: Headers) -> tuple[tuple[str, str], ...]:
    """(name, value) pairs, one per value, in order; HTTP headers are Latin-1."""
    return tuple(
        (name.decode("latin-1"), value.decode("latin-1"))
        for name, values in headers.items()
        for value in values
    )


def capture_of(request: Request, response: Response) -> RawCapture:
    """The response as received, and the request that got it."""
    return RawCapture(
        url=request.url,
        method=request.method,
        request_headers=header_pairs(request.headers),
        status=response.status,
        protocol=response.protocol,
        response_headers=header_pairs(response.headers),
        body=response.body,
        fetched_at=request.meta.get(CAPTURE_FETCHED_AT) or datetime.now(UTC),
        source=request.meta.get(CAPTURE_SOURCE),
    )


class CaptureDownloaderMiddleware:
    """Downloader middleware: a RawCapture of each response, in ``request.meta[CAPTURES]``."""

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        if not captures_enabled(crawler):
            raise NotConfigured("raw captures are off (ARCHIVE_CAPTURES, or no archive)")
        return cls()

    def process_response(self, request: Request, response: Response) -> Response:
        # A new list, not an append: the list is shared by every request whose meta was
        # copied from this one, and only this chain's own requests may see the capture.
        request.meta[CAPTURES] = [*request.meta.get(CAPTURES, ()), capture_of(request, response)]
        return response


class CaptureSpiderMiddleware:
    """Spider middleware: a response's captures go out before the callback's output, and
    the records read from it name the capture of the response itself."""

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        if not captures_enabled(crawler):
            raise NotConfigured("raw captures are off (ARCHIVE_CAPTURES, or no archive)")
        return cls()

    def process_spider_output(self, response: Response, result: Iterable[Any]) -> Iterator[Any]:
        captures = self.take_captures(response)
        yield from captures
        key = captures[-1].key if captures else None
        for output in result:
            yield linked(output, key)

    async def process_spider_output_async(
        self, response: Response, result: AsyncIterator[Any]
    ) -> AsyncIterator[Any]:
        captures = self.take_captures(response)
        for capture in captures:
            yield capture
        key = captures[-1].key if captures else None
        async for output in result:
            yield linked(output, key)

    @staticmethod
    def take_captures(response: Response) -> list[RawCapture]:
        """The response's captures, taken out of its meta: output that a spider middleware
        recovers from an exception passes this middleware again, and must not repeat them."""
        if response.request is None:
            return []
        return list(response.meta.pop(CAPTURES, ()))


def linked(output: Any, capture_key: str | None) -> Any:
    """A record read from the response, naming the response's capture."""
    if capture_key is None or not isinstance(output, ArticleRecord) or output.capture_key:
        return output
    return dataclasses.replace(output, capture_key=capture_key)
