"""Downloader and spider middlewares for what Scrapy leaves unsaid about bad servers and pages.

- ``RedirectGuardMiddleware``: a redirect loop or an over-long chain becomes an error the
  spider records. Left to Scrapy, a loop back to a URL already fetched is dropped by the
  duplicate filter without a word, and "max redirections reached" looks like any other
  request dropped on purpose.
- ``RetryAfterMiddleware``: a 503 or 429 that says when to come back is not retried at
  once (two immediate retries would ignore what the server asked); the failure records
  the Retry-After value and the next crawl retries the URL.
- ``CallbackErrorMiddleware``: a page whose processing raised (a parser bug on a strange
  page) becomes a FetchFailure, so the page is recorded and retried, not silently lost.
- ``HeadOnlyMetaRefreshMiddleware``: Scrapy's meta refresh redirects, without decoding
  every page in full (and guessing the charset of every page that declares none) only to
  find that its head holds no ``<meta http-equiv=refresh>``.
- ``Rfc9309RobotsTxtMiddleware``: a robots.txt that answers with a server error, or never
  answers, means "disallow all" (RFC 9309, 2.3.1.4), where Scrapy would crawl the whole
  site; the pages held back are recorded as failures, so the next crawl tries again.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any, Self
from urllib.parse import urljoin

from scrapy.downloadermiddlewares.redirect import MetaRefreshMiddleware
from scrapy.downloadermiddlewares.robotstxt import RobotsTxtMiddleware
from scrapy.exceptions import (
    CannotResolveHostError,
    DownloadConnectionRefusedError,
    DownloadTimeoutError,
    IgnoreRequest,
)
from scrapy.http import HtmlResponse
from w3lib.url import safe_url_string

from items import FetchFailure
from spiders.urls import canonical_url

if TYPE_CHECKING:
    from scrapy.crawler import Crawler
    from scrapy.http import Request, Response
    from scrapy.robotstxt import RobotParser

REDIRECT_STATUSES = frozenset({301, 302, 303, 307, 308})
RETRY_AFTER_STATUSES = frozenset({429, 503})


class RedirectError(IgnoreRequest):
    """A redirect the crawl will not follow; its message is the fetch failure's reason."""


def _same_url(url: str) -> str:
    try:
        return canonical_url(url)
    except ValueError:
        return url


class RedirectGuardMiddleware:
    """Turn redirect loops and chains longer than REDIRECT_MAX_TIMES into RedirectErrors.

    Runs before Scrapy's RedirectMiddleware sees the response (a higher order number).
    """

    def __init__(self, max_redirects: int) -> None:
        self.max_redirects = max_redirects

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        return cls(crawler.settings.getint("REDIRECT_MAX_TIMES"))

    def process_response(self, request: Request, response: Response) -> Request | Response:
        location = response.headers.get(b"Location")
        if (
            response.status not in REDIRECT_STATUSES
            or not location
            or request.meta.get("dont_redirect")
            or request.meta.get("handle_httpstatus_all")
            or response.status in request.meta.get("handle_httpstatus_list", ())
        ):
            return response
        target = _same_url(urljoin(request.url, safe_url_string(location)))
        chain = [*request.meta.get("redirect_urls", ()), request.url]
        if target in {_same_url(url) for url in chain}:
            raise RedirectError(f"Redirect loop: {' -> '.join([*chain, target])}")
        if request.meta.get("redirect_times", 0) >= self.max_redirects:
            raise RedirectError(f"Too many redirects: more than {self.max_redirects}")
        return response


# Scrapy looks for a meta refresh in the first 4,096 characters of the decoded page: at most
# 16 KiB in any ASCII-compatible encoding (UTF-8 and GB18030 use up to 4 bytes a character).
META_REFRESH_HEAD_BYTES = 4 * 4096
_REFRESH = re.compile(rb"refresh", re.IGNORECASE)  # searched in place: no copy of the head


def may_hold_meta_refresh(body: bytes) -> bool:
    """Whether Scrapy's meta refresh test could find anything in this page.

    Exact, not a guess: a refresh tag spells "refresh" in ASCII bytes in the page's first
    `META_REFRESH_HEAD_BYTES` in every ASCII-compatible encoding; a UTF-16 or UTF-32 page
    (NUL bytes) always gets Scrapy's full test.
    """
    return (
        body.find(b"\x00", 0, META_REFRESH_HEAD_BYTES) != -1
        or _REFRESH.search(body, 0, META_REFRESH_HEAD_BYTES) is not None
    )


class HeadOnlyMetaRefreshMiddleware(MetaRefreshMiddleware):
    """Scrapy's MetaRefreshMiddleware, which decodes the whole page (``response.text``) to
    test its head, only for the pages that may hold a refresh tag at all.

    On a crawl whose article pages are read in parser processes, that decoding was a
    tenth of the crawl process's time, and its charset guessing on pages that declare no
    charset most of it (py-spy, bench/crawl.py).
    """

    def process_response(self, request: Request, response: Response) -> Request | Response:
        if isinstance(response, HtmlResponse) and not may_hold_meta_refresh(response.body):
            return response
        return super().process_response(request, response)


class RetryAfterMiddleware:
    """Keep Scrapy from retrying at once a response that says when to come back.

    Runs before RetryMiddleware sees the response (a higher order number).
    """

    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        return cls(crawler)

    def process_response(self, request: Request, response: Response) -> Request | Response:
        if response.status in RETRY_AFTER_STATUSES and response.headers.get(b"Retry-After"):
            request.meta["dont_retry"] = True
            assert self.crawler.stats is not None
            self.crawler.stats.inc_value("spider/retry_after")
        return response


class CallbackErrorMiddleware:
    """Record a page whose callback raised as a FetchFailure ("Parse error: ...").

    Counts ``spider/callback_errors``. The traceback is still logged, at ERROR, once.
    """

    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        return cls(crawler)

    def process_spider_exception(
        self, response: Response, exception: Exception
    ) -> Iterable[Any] | None:
        if isinstance(exception, IgnoreRequest):  # HttpError and friends: the errback's job
            return None
        assert self.crawler.stats is not None
        self.crawler.stats.inc_value("spider/callback_errors")
        spider = self.crawler.spider
        if spider is not None:
            spider.logger.error("Error processing %s", response.url, exc_info=exception)
        first_line = (str(exception).strip().splitlines() or [""])[0][:200]
        reason = f"Parse error: {type(exception).__name__}" + (
            f": {first_line}" if first_line else ""
        )
        url = asked_url(response.request) if response.request is not None else response.url
        return [FetchFailure(url=url, reason=reason, failed_at=datetime.now(UTC))]


def asked_url(request: Request) -> str:
    """The URL the crawl asked for, before any redirect: the one a later crawl retries."""
    return str((request.meta.get("redirect_urls") or [request.url])[0])


def is_size_limit_drop(error: BaseException) -> bool:
    """Whether HttpCompressionMiddleware dropped a body that inflates past DOWNLOAD_MAXSIZE.

    It raises a plain IgnoreRequest, like a policy drop; the cause it chains says why.
    """
    return (
        isinstance(error, IgnoreRequest) and getattr(error.__cause__, "max_size", None) is not None
    )


class RobotsTxtUnavailable(IgnoreRequest):
    """A request held back because its site's robots.txt could not be read: a failure to
    record and retry, not a policy drop. The message is the failure's reason."""


class _Unreadable:
    """A site's robots.txt that the server could not give, and why."""

    def __init__(self, reason: str) -> None:
        self.reason = reason


class Rfc9309RobotsTxtMiddleware(RobotsTxtMiddleware):
    """Scrapy's robots.txt handling with RFC 9309's rule for a robots.txt that cannot be
    read: a 4xx (missing) allows everything, as before; a 5xx or no answer (a timeout)
    disallows everything, since the crawler cannot know what the site asked and a failing
    server is the last one to load further. A site that refuses connections or has no
    DNS entry is left to fail on its own pages (the crawl then says it is unreachable)."""

    async def _parse_robots(self, response: Response, netloc: str, request: Request) -> None:
        if response.status >= 500:
            self._stats.inc_value("robotstxt/response_count")
            self._stats.inc_value(f"robotstxt/response_status_count/{response.status}")
            self._unreadable(netloc, f"HTTP {response.status}")
            return
        await super()._parse_robots(response, netloc, request)

    def _robots_error(self, exc: Exception, netloc: str) -> None:
        if isinstance(exc, IgnoreRequest | DownloadConnectionRefusedError | CannotResolveHostError):
            super()._robots_error(exc, netloc)
            return
        self._stats.inc_value(f"robotstxt/exception_count/{type(exc)}")
        if isinstance(exc, DownloadTimeoutError):
            timeout = self.crawler.settings.getfloat("DOWNLOAD_TIMEOUT")
            self._unreadable(netloc, f"Timeout after {timeout:g} s")
            return
        message = str(exc).strip().splitlines()
        name = type(exc).__name__
        self._unreadable(netloc, f"{name}: {message[0]}" if message else name)

    def _unreadable(self, netloc: str, reason: str) -> None:
        self._stats.inc_value("robotstxt/unreadable")
        waiting = self._parsers[netloc]
        unreadable = _Unreadable(reason)
        self._parsers[netloc] = unreadable  # type: ignore[assignment]
        waiting.callback(unreadable)  # type: ignore[union-attr]

    def process_request_2(self, rp: RobotParser | None, request: Request) -> None:
        if isinstance(rp, _Unreadable):
            self._stats.inc_value("robotstxt/held_back")
            raise RobotsTxtUnavailable(
                f"robots.txt unreadable ({rp.reason}): not fetched, as RFC 9309 asks"
            )
        super().process_request_2(rp, request)
