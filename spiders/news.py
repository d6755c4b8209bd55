"""NewsSpider: every article of one or more news sites, from feeds, sitemaps and links.

Crawl policy only: where to start, which links to follow, what each fetched page is and
what a failed fetch becomes. Reading a page is the parser's job (``parsers.parse_article``);
bounds (depth, page count) and politeness come from settings (see ``spiders.runner``).

Decisions worth knowing:

- Every document is recognised by its content, whatever its URL: a start URL, a robots.txt
  ``Sitemap:`` line or a sitemap entry may turn out to be a sitemap (gzipped or not), a
  sitemap index, an RSS/Atom feed or an HTML page.
- Links are canonicalised and judged once per crawl (``links.Frontier``) before a Request
  exists. Article candidates are fetched before listing pages (priority), so a crawl cut
  short by ``CLOSESPIDER_PAGECOUNT`` spends its pages on articles it already knows of;
  sitemaps and feeds are read once the articles already queued are fetched, so memory
  holds about one sitemap's URLs at a time, whatever the size of the site.
- A 2xx response that is neither HTML nor a sitemap or feed (a PDF or image behind an
  article-like URL) is skipped, counted as ``spider/not_html``, and is not a FetchFailure:
  fetching it again would not make it an article.
- Failed fetches (HTTP errors, DNS, timeouts, refused or lost connections, bodies cut
  short or over DOWNLOAD_MAXSIZE, redirect loops) become ``items.FetchFailure`` items,
  filed under the URL the crawl asked for (before redirects). Requests dropped on purpose
  are not failures: robots.txt refusals (Scrapy counts them as ``robotstxt/forbidden``) and
  off-site redirects (``offsite/filtered``).
- Crawler traps end by themselves: a page that is not an article and brings no new
  article candidate is *barren*. Each request carries the number of barren pages in a row
  that led to it (``meta["barren"]``); links of a page past ``BARREN_PAGE_LIMIT`` of them
  are not followed (``spider/barren_stop``). Endless calendars and paginations that list
  nothing new stop after a few pages; a section whose pages keep listing new articles is
  followed to its end, however long.
- Incremental crawls: with ``archived_pages=`` (``spiders.incremental.ArchivedPages``, read
  from the archive by the CLI), a link to an archived article's page is followed only when
  the page is due (``RecheckPolicy.is_due``: its sitemap or feed date moved, it is young, or
  its periodic re-check came; ``incremental/skipped`` otherwise), and then with
  If-None-Match / If-Modified-Since. Archived pages due by age are also asked for at the
  start, linked or not (deleted pages are linked nowhere). A 304 becomes an
  ``items.PageNotModified`` and is not read; a 404 or 410 an ``items.PageGone`` besides
  its FetchFailure. A listing page whose
  article links are all archived and not due brings no new candidate, so it is barren: a
  second run stops paginating a section after BARREN_PAGE_LIMIT pages of old articles.
- Past failures (``past_failures=``, read from the archive by the CLI) are fetched again,
  after the start URLs, unless the server said 410 Gone or the URL has already failed
  ``FAILED_URL_MAX_ATTEMPTS`` times without a success in between (``spider/retry_given_up``).
  Any page fetched fine whose URL had failed yields an ``items.FetchRecovered``, which the
  archive turns into resolved failures.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import AsyncIterator, Iterable, Iterator, Sequence
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any, Self
from urllib.parse import urlsplit

import scrapy
from scrapy.exceptions import (
    CannotResolveHostError,
    DownloadCancelledError,
    DownloadConnectionRefusedError,
    DownloadFailedError,
    DownloadTimeoutError,
    IgnoreRequest,
    ResponseDataLossError,
)
from scrapy.http import HtmlResponse, Request, Response, TextResponse
from scrapy.spidermiddlewares.httperror import HttpError

import parsers
from items import (
    ArchivedPage,
    ArticleRecord,
    FetchFailure,
    FetchRecovered,
    PageGone,
    PageNotModified,
    RawCapture,
)
from parsers.links import page_feeds, page_links
from profiles import SiteProfile, load_profile, profile_for_url
from spiders.capture import CAPTURES
from spiders.feeds import (
    DocumentKind,
    ListedUrl,
    document_kind,
    feed_entries,
    robots_sitemaps,
    sitemap_entries,
    unpacked,
)
from spiders.incremental import RECHECK_EVERY_DAYS, RECHECK_YOUNG_DAYS, ArchivedPages, RecheckPolicy
from spiders.links import (
    Frontier,
    Link,
    LinkKind,
    charset_of,
    content_type_of,
    links_of_page,
    page_tree_of,
)
from spiders.middlewares import (
    RedirectError,
    RobotsTxtUnavailable,
    asked_url,
    is_size_limit_drop,
)
from spiders.parse_ahead import LINKS_AHEAD, PARSED_AHEAD
from spiders.urls import UrlSet, canonical_url

if TYPE_CHECKING:
    from scrapy.crawler import Crawler
    from twisted.python.failure import Failure

# Scheduler priorities: start URLs and robots.txt first, then article candidates, then the
# sitemaps and feeds found on the way, then listing pages (which mostly lead to articles
# already queued). Sitemaps come after the articles already queued so that the queue holds
# about one sitemap's URLs at a time, not the whole site's: a 50,000-article site's
# sitemap index names all of them, and each queued request costs ~700 bytes.
PRIORITY_DOCUMENT = 20
PRIORITY_ARTICLE = 10
PRIORITY_URL_LIST = 5
PRIORITY_LISTING = 0

# Defaults of the settings of the same names (see settings.py).
BARREN_PAGE_LIMIT = 3
FAILED_URL_MAX_ATTEMPTS = 5
GONE = 410  # the server says the page is gone for good: never retried from the archive
NOT_MODIFIED = 304
GONE_STATUSES = (404, GONE)  # an archived article's page answering these is marked gone
_CANDIDATES = frozenset({LinkKind.ARTICLE, LinkKind.PAGE})
# request.meta keys: the archived article a request re-checks, and its listing's date.
ARCHIVED_ID = "archived_id"
LISTED_AT = "listed_at"

_TARGET_SEPARATORS = re.compile(r"[\s,]+")


def profiles_for_targets(targets: str | Iterable[str]) -> list[SiteProfile]:
    """Profiles for targets given as text: a bundled profile name, a .toml path or a URL.

    A string may hold several targets separated by commas or white space (a URL holding
    a comma must spell it ``%2C``). Raises ``profiles.ProfileError`` for an unknown name.
    """
    if isinstance(targets, str):
        targets = _TARGET_SEPARATORS.split(targets)
    result = []
    for target in targets:
        target = target.strip()
        if not target:
            continue
        scheme = urlsplit(target).scheme.lower()
        result.append(
            profile_for_url(target) if scheme in ("http", "https") else load_profile(target)
        )
    return result


def failure_reason(error: BaseException | None, *, timeout: float, max_size: int = 0) -> str:
    """One line saying why a fetch failed, e.g. "HTTP 404" or "Timeout after 30 s"."""
    if isinstance(error, HttpError):
        retry_after = error.response.headers.get(b"Retry-After")
        if retry_after:
            return f"HTTP {error.response.status} (Retry-After: {retry_after.decode('latin-1')})"
        return f"HTTP {error.response.status}"
    if isinstance(error, CannotResolveHostError):
        return "DNS lookup failed"
    if isinstance(error, DownloadTimeoutError):
        return f"Timeout after {timeout:g} s"
    if isinstance(error, DownloadConnectionRefusedError):
        return "Connection refused"
    if isinstance(error, ResponseDataLossError):
        return "Data loss: the body ended before its Content-Length"
    if isinstance(error, DownloadFailedError):
        # Scrapy's wrapper of Twisted's ResponseFailed: the server hung up (or reset the
        # connection) before the response was complete.
        return "Connection lost before the response was complete"
    if isinstance(error, DownloadCancelledError):
        # Scrapy cancels a download itself only when it outgrows DOWNLOAD_MAXSIZE (by its
        # Content-Length, or by the bytes received so far).
        return f"Size limit: larger than DOWNLOAD_MAXSIZE ({max_size} bytes)"
    if error is not None and is_size_limit_drop(error):  # a gzip/deflate/brotli bomb
        return f"Size limit: inflates past DOWNLOAD_MAXSIZE ({max_size} bytes)"
    if isinstance(error, RedirectError | RobotsTxtUnavailable):
        return str(error)
    name = type(error).__name__
    message = str(error).strip().splitlines()
    return f"{name}: {message[0]}" if message else name


class NewsSpider(scrapy.Spider):
    """Every article of one or more news sites: feeds and sitemaps first, then listing pages.

    Configure it with ``profile=`` / ``profiles=`` (SiteProfile objects, from code) or with
    ``target=`` (text, from ``scrapy crawl news -a target=chamberlainfiles`` or
    ``-a target=https://example.com/``; several targets separated by commas).
    """

    name = "news"
    needs_targets = True  # a worker on a shared frontier learns its sites as it goes

    def __init__(
        self,
        target: str | None = None,
        *,
        profile: SiteProfile | None = None,
        profiles: Sequence[SiteProfile] = (),
        past_failures: Sequence[FetchFailure] = (),
        archived_pages: ArchivedPages | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        chosen = list(profiles)
        if profile is not None:
            chosen.append(profile)
        if target:
            chosen.extend(profiles_for_targets(target))
        if not chosen and self.needs_targets:
            raise ValueError("NewsSpider needs a target: -a target=PROFILE_OR_URL, or profile=")
        self.profiles: tuple[SiteProfile, ...] = tuple(chosen)
        self.frontier = Frontier(self.profiles)
        self.allowed_domains = list(self.frontier.domains)
        self._archived = UrlSet()  # archive keys of the records yielded so far
        self.past_failures = tuple(past_failures)  # unresolved, from earlier crawls
        self._failed_urls = {failure.url for failure in self.past_failures}
        self.archived_pages = archived_pages if archived_pages is not None else ArchivedPages()
        # Given by the caller (the CLI reads the archive before the crawl); when not, the
        # archive state extension hands it over at spider_opened (`use_archive_state`).
        self.archive_state_given = bool(past_failures) or archived_pages is not None
        self.recheck = RecheckPolicy()  # from the RECHECK_* settings, in from_crawler
        self.started_at = datetime.now(UTC)  # the "now" of every re-check decision

    @classmethod
    def from_crawler(cls, crawler: Crawler, *args: Any, **kwargs: Any) -> Self:
        spider = super().from_crawler(crawler, *args, **kwargs)
        settings = crawler.settings
        spider.recheck = RecheckPolicy(
            young_days=settings.getfloat("RECHECK_YOUNG_DAYS", RECHECK_YOUNG_DAYS),
            every_days=settings.getfloat("RECHECK_EVERY_DAYS", RECHECK_EVERY_DAYS),
            recheck_all=settings.getbool("RECHECK_ALL"),
        )
        return spider

    def use_archive_state(
        self, *, past_failures: Sequence[FetchFailure], archived_pages: Iterable[ArchivedPage]
    ) -> None:
        """What the archive holds of the crawled sites, read once the crawl has opened (by
        pipelines.archive_state for `scrapy crawl` and scrapyd jobs), before start()."""
        self.past_failures = tuple(past_failures)
        self._failed_urls = {failure.url for failure in self.past_failures}
        self.archived_pages = ArchivedPages(archived_pages)
        self.archive_state_given = True

    def add_archive_state(
        self, *, past_failures: Sequence[FetchFailure], archived_pages: Iterable[ArchivedPage]
    ) -> None:
        """What the archive holds of sites this crawl learnt of once it had opened (a
        worker on a shared frontier), besides what it held already."""
        self.past_failures += tuple(past_failures)
        self._failed_urls.update(failure.url for failure in past_failures)
        for page in archived_pages:
            self.archived_pages.add(page)

    # ---- start -------------------------------------------------------------------------

    async def start(self) -> AsyncIterator[Request]:
        for profile in self.profiles:
            for url in profile.start_urls:
                link = self.frontier.admit(url)
                if link is None:  # listed twice, or by two profiles
                    continue
                if link.reason in ("malformed", "scheme"):
                    self.logger.error("Not an http(s) URL to start from: %r", url)
                    continue
                # A start URL is fetched whatever its shape (a sitemap, a feed, a denied
                # path): the profile asked for it. Only its kind matters, for HTML pages.
                kind = (
                    link.kind
                    if link.kind in (LinkKind.ARTICLE, LinkKind.PAGE)
                    else LinkKind.LISTING
                )
                yield self._request(link.url, kind, priority=PRIORITY_DOCUMENT, start=True)
                if robots := self._robots_request(link.url):
                    yield robots
        for request in self._retry_requests():
            yield request
        for request in self._recheck_requests():
            yield request

    def _retry_requests(self) -> Iterator[Request]:
        """Requests for the URLs of past failures still worth another try (see module doc)."""
        max_attempts = self.settings.getint("FAILED_URL_MAX_ATTEMPTS", FAILED_URL_MAX_ATTEMPTS)
        attempts: dict[str, int] = {}
        gone: set[str] = set()
        for failure in self.past_failures:
            attempts[failure.url] = attempts.get(failure.url, 0) + 1
            if failure.status == GONE:
                gone.add(failure.url)
        stats = self.crawler.stats
        for url, count in attempts.items():
            if url in gone or count >= max_attempts:
                stats.inc_value("spider/retry_given_up")
                continue
            link = self.frontier.admit(url)
            if link is None or link.kind is LinkKind.SKIP:  # a start URL, or off this crawl
                continue
            stats.inc_value("spider/retry_failed")
            yield self._request(
                link.url, link.kind, priority=PRIORITY_ARTICLE, **self._recheck_arguments(link.url)
            )

    def _recheck_requests(self) -> Iterator[Request]:
        """Requests for the archived pages due by age (young, or their periodic re-check),
        whether or not a page of this crawl links to them (see spiders/incremental.py)."""
        stats = self.crawler.stats
        for page in self.archived_pages:
            reason = self.recheck.is_due(page, None, self.started_at)
            if reason is None:
                continue
            link = self.frontier.admit(page.url)
            if link is None or link.kind is LinkKind.SKIP:  # a start URL, or off this crawl
                continue
            stats.inc_value(f"incremental/due/{reason}")
            yield self._request(
                link.url, link.kind, priority=PRIORITY_ARTICLE, **self._recheck_arguments(link.url)
            )

    def _robots_request(self, url: str) -> Request | None:
        """For a bare homepage, its robots.txt, whose ``Sitemap:`` lines list the sitemaps.

        Fetched by the spider as well as by RobotsTxtMiddleware (which keeps the body to
        itself); it is one small file per site. Its absence is no failure.
        """
        parts = urlsplit(url)
        if parts.path not in ("", "/") or parts.query:
            return None
        robots_url = f"{parts.scheme}://{parts.netloc}/robots.txt"
        if self.frontier.admit(robots_url) is None:  # asked for already
            return None
        return Request(
            robots_url,
            callback=self.parse_robots,
            errback=self.on_robots_error,
            priority=PRIORITY_DOCUMENT + 1,
            meta={"dont_obey_robotstxt": True},
        )

    def _request(
        self,
        url: str,
        kind: LinkKind,
        *,
        priority: int,
        start: bool = False,
        barren: int = 0,
        headers: dict[str, str] | None = None,
        meta: dict[str, Any] | None = None,
    ) -> Request:
        return Request(
            url,
            callback=self.parse,
            errback=self.on_error,
            priority=priority,
            headers=headers,
            meta={"link_kind": kind.value, "start": start, "barren": barren, **(meta or {})},
        )

    def _recheck_arguments(
        self, url: str, listed_at: datetime | None = None
    ) -> dict[str, dict[str, Any]]:
        """The conditional headers and meta of a request for `url` if it is an archived
        article's page (a 304 then reaches the callback); nothing otherwise."""
        page = self.archived_pages.get(url)
        if page is None:
            return {"meta": {LISTED_AT: listed_at}} if listed_at else {}
        return {
            "headers": page.conditional_headers(),
            "meta": {
                ARCHIVED_ID: page.article_id,
                LISTED_AT: listed_at,
                "handle_httpstatus_list": [NOT_MODIFIED],
            },
        }

    def _admit(self, url: str, *, listed_at: datetime | None = None) -> Link | None:
        """A link found in a page, sitemap or feed, if new and worth fetching (counted).

        `listed_at` is the date a sitemap or feed gives the page. A link to an archived
        article's page that is not due is not admitted, and is forgotten again, so that a
        sitemap or feed dating it later in the crawl still gets it fetched.
        """
        link = self.frontier.admit(url)
        if link is None:
            return None
        stats = self.crawler.stats
        if link.kind is LinkKind.SKIP:
            stats.inc_value(f"links/skip/{link.reason}")
            return None
        if link.kind in _CANDIDATES and (page := self.archived_pages.get(link.url)) is not None:
            reason = self.recheck.is_due(page, listed_at, self.started_at)
            if reason is None:
                self.frontier.forget(link.url)
                stats.inc_value("incremental/skipped")
                return None
            stats.inc_value(f"incremental/due/{reason}")
        stats.inc_value(f"links/{link.kind.value}")
        return link

    def _link_request(
        self, link: Link, *, barren: int = 0, listed_at: datetime | None = None
    ) -> Request:
        priority = PRIORITY_ARTICLE if link.kind is LinkKind.ARTICLE else PRIORITY_LISTING
        return self._request(
            link.url,
            link.kind,
            priority=priority,
            barren=barren,
            **self._recheck_arguments(link.url, listed_at),
        )

    def _follow(self, entry: ListedUrl) -> Request | None:
        """A Request for an entry of a sitemap or feed; None if seen, skipped or not due."""
        link = self._admit(entry.url, listed_at=entry.modified_at)
        return None if link is None else self._link_request(link, listed_at=entry.modified_at)

    def _follow_document(self, url: str) -> Request | None:
        """A Request for a sitemap or feed named by robots.txt, a sitemap index or a page."""
        link = self.frontier.admit(url)
        if link is None:
            return None
        if link.profile is None:
            self.crawler.stats.inc_value(f"links/skip/{link.reason}")
            return None
        self.crawler.stats.inc_value("links/document")
        return self._request(link.url, LinkKind.LISTING, priority=PRIORITY_URL_LIST)

    # ---- callbacks ---------------------------------------------------------------------

    def parse_robots(self, response: Response) -> Iterator[Request]:
        """Requests for the sitemaps a robots.txt lists."""
        for url in robots_sitemaps(response.body, response.url):
            if request := self._follow_document(url):
                yield request

    def parse(
        self, response: Response, **kwargs: Any
    ) -> Iterator[Request | ArticleRecord | FetchRecovered | PageNotModified]:
        """Any fetched document: a sitemap, a feed or an HTML page, told apart by content;
        a 304 to a conditional request for an archived article's page."""
        self.frontier.mark_seen(response.url)  # the URL a redirect ended at
        if self._failed_urls and (recovered := self._recovered(response)):
            yield recovered
        if response.status == NOT_MODIFIED:  # only re-checks of archived pages let one in
            self.crawler.stats.inc_value("incremental/not_modified")
            yield PageNotModified(
                url=asked_url(response.request) if response.request else response.url,
                article_id=response.meta[ARCHIVED_ID],
                checked_at=datetime.now(UTC),
                listed_modified_at=response.meta.get(LISTED_AT),
            )
            return
        try:
            body = unpacked(response.body, max_size=self.settings.getint("DOWNLOAD_MAXSIZE"))
        except ValueError as error:
            self.logger.warning("Unreadable gzip body at %s: %s", response.url, error)
            self.crawler.stats.inc_value("spider/bad_gzip")
            return
        content_type = content_type_of(response)
        kind = document_kind(body, content_type)
        self.crawler.stats.inc_value(f"spider/documents/{kind.value}")
        if kind is DocumentKind.SITEMAP_INDEX:
            for entry in sitemap_entries(body, response.url):
                if request := self._follow_document(entry.url):
                    yield request
        elif kind is DocumentKind.SITEMAP:
            yield from self._follow_all(sitemap_entries(body, response.url))
        elif kind is DocumentKind.FEED:
            yield from self._follow_all(feed_entries(body, response.url))
        elif kind is DocumentKind.HTML:
            # An XHTML page served as XML, or a page behind a gzip file: read it as HTML.
            if not isinstance(response, HtmlResponse) or body is not response.body:
                response = response.replace(cls=HtmlResponse, body=body)
            yield from self._parse_page(response, content_type)
        else:
            self.logger.debug("Not HTML (%s): %s", content_type or "no Content-Type", response.url)
            self.crawler.stats.inc_value("spider/not_html")

    def _recovered(self, response: Response) -> FetchRecovered | None:
        """A FetchRecovered when this response answers a URL that had failed before."""
        request = response.request
        asked = [*request.meta.get("redirect_urls", ()), request.url] if request else []
        urls = tuple(dict.fromkeys([*asked, response.url]))
        if not self._failed_urls.intersection(urls):
            return None
        self._failed_urls.difference_update(urls)
        self.crawler.stats.inc_value("spider/recovered")
        return FetchRecovered(urls=urls, fetched_at=datetime.now(UTC))

    def _follow_all(self, entries: Iterable[ListedUrl]) -> Iterator[Request]:
        for entry in entries:
            if request := self._follow(entry):
                yield request

    def _parse_page(
        self, response: TextResponse, content_type: str
    ) -> Iterator[Request | ArticleRecord]:
        kind = response.meta.get("link_kind")
        record = None
        if kind in (LinkKind.ARTICLE.value, LinkKind.PAGE.value):
            record = self._parse_article(response, content_type)
            if record is not None:
                yield record
        urls = response.meta.pop(LINKS_AHEAD, None)
        if response.meta.get("start"):
            tree = page_tree_of(response)
            for url in page_feeds(tree, response.url) if tree is not None else ():
                if request := self._follow_document(url):
                    yield request
            urls = page_links(tree, response.url) if tree is not None else []
        elif urls is None:  # not read by a parser process
            urls = links_of_page(response)
        links = [link for url in urls if (link := self._admit(url)) is not None]
        barren = self._barren_after(response, is_article=record is not None, links=links)
        if barren > self.settings.getint("BARREN_PAGE_LIMIT", BARREN_PAGE_LIMIT):
            # A trap, most likely: forget the links, so that a fruitful page elsewhere that
            # links to one of them still gets it fetched.
            self.crawler.stats.inc_value("spider/barren_stop")
            for link in links:
                self.frontier.forget(link.url)
            return
        for link in links:
            yield self._link_request(link, barren=barren)

    @staticmethod
    def _barren_after(response: Response, *, is_article: bool, links: Sequence[Link]) -> int:
        """How many barren pages in a row lead to this page's links (0: a fruitful page).

        An article is fruitful; so is a listing page with a new article candidate. A page
        fetched as an article candidate that is not one counts as barren whatever it links
        to: an event calendar's "next month" may look like an article URL.
        """
        if is_article:
            return 0
        kind = response.meta.get("link_kind")
        if kind == LinkKind.LISTING.value and any(
            link.kind in (LinkKind.ARTICLE, LinkKind.PAGE) for link in links
        ):
            return 0
        return int(response.meta.get("barren", 0)) + 1

    def article_parse_arguments(
        self, request: Request, response: Response
    ) -> tuple[bytes, str, dict[str, Any]] | None:
        """What ``parsers.parse_article`` is given for this response, as (body, url,
        keyword arguments); None unless the response is an HTML article candidate as
        fetched (a page behind a gzip file is parsed by the callback only).

        ``spiders.parse_ahead`` parses with these in a worker process before the callback
        runs; the callback parses with the same ones when no worker did.
        """
        if (
            not isinstance(response, HtmlResponse)
            or not 200 <= response.status < 300  # a 304 has no body to read
            or request.meta.get("link_kind") not in (LinkKind.ARTICLE.value, LinkKind.PAGE.value)
        ):
            return None
        content_type = content_type_of(response)
        if document_kind(response.body, content_type) is not DocumentKind.HTML:
            return None
        return response.body, response.url, self._parse_options(request, response, content_type)

    def _parse_options(
        self, request: Request | None, response: Response, content_type: str
    ) -> dict[str, Any]:
        profile = self.frontier.profile_for(response.url) or self.frontier.profile_for(
            request.url if request else response.url
        )
        return {
            "profile": profile,
            "fetched_at": datetime.now(UTC),
            "http_charset": charset_of(content_type),
        }

    def _parse_article(self, response: TextResponse, content_type: str) -> ArticleRecord | None:
        record = self._read_article(response, content_type)
        if record is None:
            return None
        # How it was fetched, for the next crawl's decision (not part of its content).
        headers = response.headers
        return dataclasses.replace(
            record,
            etag=_header(headers.get(b"ETag")),
            http_last_modified=_header(headers.get(b"Last-Modified")),
            listed_modified_at=response.meta.get(LISTED_AT),
        )

    def _read_article(self, response: TextResponse, content_type: str) -> ArticleRecord | None:
        if PARSED_AHEAD in response.meta:
            record = response.meta.pop(PARSED_AHEAD)
        else:
            options = self._parse_options(response.request, response, content_type)
            record = parsers.parse_article(response.body, response.url, **options)
        stats = self.crawler.stats
        if record is None:
            stats.inc_value("parser/not_article")
            return None
        if record.canonical_url:
            self.frontier.mark_seen(record.canonical_url)
        try:
            key = canonical_url(record.archive_key)
        except ValueError:
            key = record.archive_key
        if key in self._archived:
            # Two URLs naming one canonical page (an AMP copy, a print view): keep the first.
            stats.inc_value("spider/duplicate_article")
            return None
        self._archived.add(key)
        stats.inc_value("spider/articles")
        return record

    # ---- errbacks ----------------------------------------------------------------------

    def on_error(self, failure: Failure) -> Iterator[FetchFailure | PageGone | RawCapture]:
        """A FetchFailure for a failed fetch; nothing for a request dropped on purpose. The
        responses received on the way (a redirect before a timeout or an off-site hop) are
        kept as raw captures either way: errback output skips the capture spider middleware.
        """
        request: Request = failure.request  # type: ignore[attr-defined]
        error = failure.value
        yield from request.meta.pop(CAPTURES, ())
        if (
            isinstance(error, IgnoreRequest)
            and not isinstance(error, HttpError | RedirectError | RobotsTxtUnavailable)
            and not is_size_limit_drop(error)
        ):
            # Forbidden by robots.txt, filtered as off-site: policy, not failure. The
            # middleware that dropped it has counted it (robotstxt/forbidden, offsite/...).
            self.crawler.stats.inc_value("spider/ignored")
            return
        timeout = request.meta.get("download_timeout") or self.settings.getfloat("DOWNLOAD_TIMEOUT")
        max_size = request.meta.get("download_maxsize") or self.settings.getint("DOWNLOAD_MAXSIZE")
        status = error.response.status if isinstance(error, HttpError) else None
        reason = failure_reason(error, timeout=timeout, max_size=max_size)
        url = asked_url(request)
        self.logger.info("Fetch failed: %s (%s)", url, reason)
        self.crawler.stats.inc_value("spider/fetch_failures")
        failed_at = datetime.now(UTC)
        yield FetchFailure(url=url, reason=reason, failed_at=failed_at, status=status)
        if status in GONE_STATUSES and (article_id := request.meta.get(ARCHIVED_ID)) is not None:
            self.crawler.stats.inc_value("incremental/gone")
            yield PageGone(url=url, article_id=article_id, status=status, gone_at=failed_at)

    def on_robots_error(self, failure: Failure) -> None:
        """A missing or unreachable robots.txt only means no sitemaps from it."""
        self.crawler.stats.inc_value("spider/robots_unavailable")


def _header(value: bytes | None) -> str | None:
    """A response header's value as text (HTTP headers are Latin-1); None when absent."""
    return value.decode("latin-1").strip() or None if value else None
