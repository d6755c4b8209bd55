"""Look at a news site before (or between) crawls: what it publishes for machines, and how
well the parser reads its articles. Backs `newsarchive sites add` and `sites check`.

A probe is a handful of polite requests, one at a time: robots.txt first (a page it
disallows is never fetched), then the start page, the feeds and sitemaps the site names
(robots.txt ``Sitemap:`` lines, ``<link rel=alternate>``), and a sample of the newest
articles they list, each parsed as a crawl would parse it. Nothing is stored. Paths are
guessed only by `probe_site`, and only two well-known ones (``/sitemap.xml``, ``/feed/``)
when the site names no sitemap or feed.
"""

from __future__ import annotations

import time
import urllib.error
import urllib.request
from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.message import Message
from http.client import HTTPResponse
from typing import IO, Any
from urllib.parse import urljoin, urlsplit

from protego import Protego

import settings
from items import ArticleRecord
from parsers import page_tree, parse_article
from parsers.links import page_feeds, page_links
from profiles import SiteProfile, profile_for_url
from spiders.feeds import (
    DocumentKind,
    ListedUrl,
    document_kind,
    feed_item_links,
    robots_sitemaps,
    sitemap_entries,
    unpacked,
)
from spiders.links import LinkKind, classify_url
from spiders.urls import canonical_url, is_on_site

# What `sites check` reports, in the order an archivist reads a record.
REPORT_FIELDS = (
    "title",
    "published",
    "authors",
    "body",
    "summary",
    "section",
    "tags",
    "lists",
    "related",
    "images",
)
# Without these an archived article is of little use; `sites check --min-share` watches them.
CORE_FIELDS = ("title", "published", "body")

DEFAULT_SAMPLE = 5
DEFAULT_PAUSE = 1.0  # seconds between two requests, as a crawl's DOWNLOAD_DELAY
TIMEOUT_SECONDS = 30
MAX_ROBOTS_BYTES = 500 * 1024  # RFC 9309 lets a crawler stop reading robots.txt at 500 KiB
# Documents read to find articles, besides robots.txt: at most this many of each kind.
MAX_START_PAGES = 5
MAX_FEEDS = 3
MAX_SITEMAPS = 4
# Requests besides the sampled articles: robots.txt (per host), start pages, feeds, sitemaps
# and the two well-known paths.
DISCOVERY_REQUESTS = 2 + MAX_START_PAGES + MAX_FEEDS + MAX_SITEMAPS + 2
WELL_KNOWN_SITEMAP = "/sitemap.xml"
WELL_KNOWN_FEED = "/feed/"
HTML_TYPES = frozenset({"text/html", "application/xhtml+xml"})


class FetchError(Exception):
    """A page that was not fetched; the message is one line saying why."""


class ProbeError(Exception):
    """A site that cannot be probed at all (its start page fails); one line for the user."""


# --- the polite fetcher ------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Fetched:
    url: str  # after redirects
    body: bytes
    content_type: str  # e.g. "text/html"
    charset: str | None
    fetched_at: datetime


@dataclass(frozen=True, slots=True)
class RobotsFile:
    """A host's robots.txt as RFC 9309 reads it: missing (4xx) allows everything, unreadable
    (5xx, a timeout) disallows everything, a connection that fails leaves pages to fail."""

    url: str
    status: str  # "found", "missing (HTTP 404)", "unreadable (HTTP 503)", ...
    rules: Protego | None = None
    disallow_all: bool = False
    sitemaps: tuple[str, ...] = ()

    def allows(self, url: str, user_agent: str) -> bool:
        if self.disallow_all:
            return False
        return self.rules is None or bool(self.rules.can_fetch(url, user_agent))

    def crawl_delay(self, user_agent: str) -> float | None:
        delay = self.rules.crawl_delay(user_agent) if self.rules is not None else None
        return None if delay is None else float(delay)


class PoliteFetcher:
    """urllib with the crawler's manners: its User-Agent, robots.txt obeyed (redirects
    included), one request at a time with a pause between (robots.txt's Crawl-delay when
    longer), a timeout, a size limit and a bounded number of requests."""

    def __init__(
        self,
        *,
        user_agent: str = settings.USER_AGENT,
        pause: float = DEFAULT_PAUSE,
        timeout: float = TIMEOUT_SECONDS,
        max_bytes: int = settings.DOWNLOAD_MAXSIZE,
        max_requests: int = 50,
    ) -> None:
        self.user_agent = user_agent
        self.pause = pause
        self.timeout = timeout
        self.max_bytes = max_bytes
        self.max_requests = max_requests
        self.requested: list[str] = []  # every URL asked for, robots.txt included, in order
        self._robots: dict[str, RobotsFile] = {}
        self._last_request: float | None = None
        self._opener = urllib.request.build_opener(_RobotsRedirects(self))

    def robots(self, url: str) -> RobotsFile:
        """The robots.txt of the URL's host, fetched once."""
        parts = urlsplit(url)
        origin = f"{parts.scheme}://{parts.netloc}"
        if origin not in self._robots:
            try:
                self._robots[origin] = self._read_robots(origin + "/robots.txt")
            except FetchError as error:  # the budget is used up: what it says is unknown
                self._robots[origin] = RobotsFile(
                    origin + "/robots.txt", f"not read ({error})", disallow_all=True
                )
        return self._robots[origin]

    def allows(self, url: str) -> bool:
        return self.robots(url).allows(url, self.user_agent)

    def get(self, url: str) -> Fetched:
        """The page, unless robots.txt disallows it or it fails (FetchError, one line)."""
        if not self.allows(url):
            raise FetchError("disallowed by robots.txt")
        try:
            with self._open(url) as response:
                body = response.read(self.max_bytes + 1)
                headers: Message = response.headers
                final_url = response.geturl()
        except urllib.error.HTTPError as error:
            raise FetchError(f"HTTP {error.code} {error.reason}") from None
        except (urllib.error.URLError, OSError, ValueError) as error:
            raise FetchError(str(getattr(error, "reason", error))) from None
        if len(body) > self.max_bytes:
            raise FetchError(f"larger than {self.max_bytes} bytes")
        return Fetched(
            final_url,
            body,
            headers.get_content_type(),
            headers.get_content_charset(),
            datetime.now(UTC),
        )

    def _open(self, url: str) -> HTTPResponse:
        self.before_request(url)
        request = urllib.request.Request(url, headers={"User-Agent": self.user_agent})  # noqa: S310
        try:
            response: HTTPResponse = self._opener.open(request, timeout=self.timeout)
        finally:
            self._last_request = time.monotonic()
        return response

    def before_request(self, url: str) -> None:
        """Count the request against the budget, pause, and log it; redirects too."""
        if len(self.requested) >= self.max_requests:
            raise FetchError(f"not fetched: the probe's {self.max_requests} requests are used up")
        self._wait(url)
        self.requested.append(url)
        self._last_request = time.monotonic()

    def _wait(self, url: str) -> None:
        if self._last_request is None:
            return
        parts = urlsplit(url)
        robots = self._robots.get(f"{parts.scheme}://{parts.netloc}")
        delay = max(self.pause, (robots.crawl_delay(self.user_agent) if robots else None) or 0)
        remaining = self._last_request + delay - time.monotonic()
        if remaining > 0:
            time.sleep(remaining)

    def _read_robots(self, url: str) -> RobotsFile:
        try:
            with self._open(url) as response:
                body = response.read(MAX_ROBOTS_BYTES)
        except urllib.error.HTTPError as error:
            if error.code >= 500:
                return RobotsFile(url, f"unreadable (HTTP {error.code})", disallow_all=True)
            return RobotsFile(url, f"missing (HTTP {error.code})")
        except TimeoutError:
            return RobotsFile(url, "unreadable (no answer)", disallow_all=True)
        except (urllib.error.URLError, OSError, ValueError) as error:
            reason = getattr(error, "reason", error)
            if isinstance(reason, TimeoutError):
                return RobotsFile(url, "unreadable (no answer)", disallow_all=True)
            return RobotsFile(url, f"not fetched ({reason})")
        text = body.decode("utf-8", errors="replace")
        return RobotsFile(url, "found", Protego.parse(text), sitemaps=robots_sitemaps(body, url))


class _RobotsRedirects(urllib.request.HTTPRedirectHandler):
    """Follows a redirect only to an http(s) URL robots.txt allows."""

    def __init__(self, fetcher: PoliteFetcher) -> None:
        self.fetcher = fetcher

    def redirect_request(
        self, req: urllib.request.Request, fp: IO[bytes], code: int, msg: str, headers: Any,
        newurl: str,
    ) -> urllib.request.Request | None:  # fmt: skip
        target = urljoin(req.full_url, newurl)
        if urlsplit(target).scheme not in {"http", "https"}:
            raise FetchError(f"redirected to {target}, not an http(s) URL")
        if urlsplit(target).path != "/robots.txt" and not self.fetcher.allows(target):
            raise FetchError(f"redirected to {target}, which robots.txt disallows")
        self.fetcher.before_request(target)
        return super().redirect_request(req, fp, code, msg, headers, newurl)


# --- finding articles --------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Source:
    """A feed or sitemap the probe read, and how it was found."""

    url: str
    how: str  # "start URL", "listed in robots.txt", "linked from <page>", ...


@dataclass(frozen=True, slots=True)
class Discovery:
    """What a site publishes for machines, and the article URLs it lists, newest first."""

    start_url: str  # the first start page, after redirects
    robots: RobotsFile
    feeds: tuple[Source, ...]
    sitemaps: tuple[Source, ...]
    guessed: tuple[tuple[str, str], ...]  # well-known URL tried -> what it turned out to be
    problems: tuple[tuple[str, str], ...]  # document URL -> why it could not be read
    candidates: tuple[str, ...]  # canonical article URLs: feeds, sitemaps by date, pages


@dataclass
class _Reading:
    """Discovery in progress."""

    profile: SiteProfile
    fetcher: PoliteFetcher
    start_url: str | None = None
    start_problem: str | None = None
    feeds: list[Source] = field(default_factory=list)
    sitemaps: list[Source] = field(default_factory=list)
    problems: list[tuple[str, str]] = field(default_factory=list)
    seen: set[str] = field(default_factory=set)
    feed_items: list[list[str]] = field(default_factory=list)
    sitemap_items: list[ListedUrl] = field(default_factory=list)
    page_items: list[str] = field(default_factory=list)

    def read(self, url: str, how: str) -> DocumentKind | None:
        """Fetch one document and take what it lists; its kind, None when it failed."""
        if url in self.seen or self.profile.is_denied(url):
            return None
        self.seen.add(url)
        try:
            page = self.fetcher.get(url)
            body = unpacked(page.body, max_size=self.fetcher.max_bytes)
        except (FetchError, ValueError) as error:
            self.problems.append((url, str(error)))
            if how == "start URL" and self.start_problem is None:
                self.start_problem = f"{url}: {error}"
            return None
        kind = document_kind(body, page.content_type)
        if kind is DocumentKind.HTML and how == "start URL":
            self._read_page(page, body)
        elif kind is DocumentKind.HTML:
            self.problems.append((url, "an HTML page, not a feed or sitemap"))
        elif kind is DocumentKind.FEED and len(self.feeds) < MAX_FEEDS:
            self.feeds.append(Source(url, how))
            self.feed_items.append(feed_item_links(body, page.url))
        elif kind in {DocumentKind.SITEMAP, DocumentKind.SITEMAP_INDEX}:
            self.sitemaps.append(Source(url, how))
            entries = sitemap_entries(body, page.url)
            if kind is DocumentKind.SITEMAP:
                self.sitemap_items.extend(entries)
            else:
                self._read_sitemap_index(url, entries)
        elif kind is DocumentKind.OTHER:
            self.problems.append(
                (url, f"neither a page, a feed nor a sitemap ({page.content_type})")
            )
        if how == "start URL" and self.start_url is None:
            self.start_url = page.url
        return kind

    def _read_page(self, page: Fetched, body: bytes) -> None:
        """A start page: the feeds it announces, and its links as the last candidates."""
        tree = page_tree(body, http_charset=page.charset)
        if tree is None:
            return
        for feed in page_feeds(tree, page.url):
            if len(self.feeds) < MAX_FEEDS and is_on_site(feed, self.profile.domains):
                self.read(feed, f"linked from {page.url}")
        self.page_items.extend(page_links(tree, page.url))

    def _read_sitemap_index(self, url: str, entries: list[ListedUrl]) -> None:
        for child in (entry.url for entry in newest_first(entries)):
            if len(self.sitemaps) >= MAX_SITEMAPS:
                break
            if is_on_site(child, self.profile.domains):
                self.read(child, f"in sitemap index {url}")


def discover(profile: SiteProfile, fetcher: PoliteFetcher, *, guess: bool = False) -> Discovery:
    """Read the profile's start URLs, robots.txt's sitemaps and the feeds pages announce;
    with ``guess``, also /sitemap.xml and /feed/ when nothing named a sitemap or feed.

    Raises ProbeError when the first start URL cannot be fetched or robots.txt forbids it.
    """
    reading = _Reading(profile, fetcher)
    first = profile.start_urls[0]
    robots = fetcher.robots(first)
    if robots.disallow_all:
        raise ProbeError(f"{robots.url} is {robots.status}: nothing is fetched, as RFC 9309 asks")
    if not fetcher.allows(first):
        raise ProbeError(f"robots.txt disallows {first}: not fetched")
    for url in profile.start_urls[:MAX_START_PAGES]:
        reading.read(url, "start URL")
        if reading.start_url is None:
            raise ProbeError(f"cannot fetch {reading.start_problem or first}")
    for url in robots.sitemaps:
        if len(reading.sitemaps) < MAX_SITEMAPS and is_on_site(url, profile.domains):
            reading.read(url, "listed in robots.txt")
    guessed = []
    if guess:
        origin = "{0.scheme}://{0.netloc}".format(urlsplit(reading.start_url or first))
        for path, found in (
            (WELL_KNOWN_SITEMAP, reading.sitemaps),
            (WELL_KNOWN_FEED, reading.feeds),
        ):
            url = origin + path
            if not found and url not in reading.seen:
                if not fetcher.allows(url):
                    guessed.append((url, "disallowed by robots.txt"))
                    continue
                kind = reading.read(url, "well-known path")
                outcome = dict(reading.problems).get(url) or f"a {kind or 'page not read'}"
                guessed.append((url, outcome))
    return Discovery(
        start_url=reading.start_url or first,
        robots=robots,
        feeds=tuple(reading.feeds),
        sitemaps=tuple(reading.sitemaps),
        guessed=tuple(guessed),
        problems=tuple(reading.problems),
        candidates=tuple(_candidates(reading)),
    )


def _candidates(reading: _Reading) -> Iterator[str]:
    """Article URLs, newest first as far as the site says: feed items (a feed lists its
    newest first; several feeds taken in turn), then sitemap entries by date, then the
    article links of the start pages. Each once, canonical; the crawl's link rules decide."""
    from_feeds = (url for round_ in _in_turn(reading.feed_items) for url in round_)
    from_sitemaps = (entry.url for entry in newest_first(reading.sitemap_items))
    listed = ((url, {LinkKind.ARTICLE, LinkKind.PAGE}) for url in (*from_feeds, *from_sitemaps))
    linked = ((url, {LinkKind.ARTICLE}) for url in reading.page_items)
    seen = set(reading.seen)
    for url, wanted in (*listed, *linked):
        try:
            canonical = canonical_url(url)
        except ValueError:
            continue
        if canonical not in seen and classify_url(canonical, reading.profile).kind in wanted:
            seen.add(canonical)
            yield canonical


def _in_turn(lists: list[list[str]]) -> Iterator[list[str]]:
    """The first item of each list, then the second of each, and so on."""
    for position in range(max((len(items) for items in lists), default=0)):
        yield [items[position] for items in lists if position < len(items)]


def newest_first(entries: Iterable[ListedUrl]) -> list[ListedUrl]:
    """Dated entries newest first, then the undated ones in document order."""
    entries = list(entries)
    dated = [entry for entry in entries if entry.modified_at is not None]
    dated.sort(key=lambda entry: entry.modified_at or datetime.min, reverse=True)
    return [*dated, *(entry for entry in entries if entry.modified_at is None)]


# --- sampling articles -------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class SampledPage:
    url: str
    record: ArticleRecord | None
    problem: str | None  # why there is no record: "HTTP 404 Not Found", "not an article", ...


def has_field(record: ArticleRecord, name: str) -> bool:
    """Whether the record has the field: a body only when long enough to be archived."""
    if name == "body":
        return len(record.body) >= settings.ARCHIVE_MIN_BODY_CHARS
    return bool(getattr(record, name))


@dataclass(frozen=True, slots=True)
class SampleReport:
    """Sampled pages, and per field the share of sampled articles that have it."""

    pages: tuple[SampledPage, ...]

    @property
    def articles(self) -> tuple[ArticleRecord, ...]:
        return tuple(page.record for page in self.pages if page.record is not None)

    @property
    def fetched(self) -> int:
        """Pages asked for (robots.txt's disallowed ones are not)."""
        return sum(page.problem != "disallowed by robots.txt" for page in self.pages)

    def counts(self) -> dict[str, int]:
        return {
            name: sum(has_field(record, name) for record in self.articles) for name in REPORT_FIELDS
        }

    def shares(self) -> dict[str, float]:
        """Field -> share of the sampled articles that have it (0.0 when there are none)."""
        total = len(self.articles)
        return {name: count / total if total else 0.0 for name, count in self.counts().items()}

    def problems(self) -> Counter[str]:
        return Counter(page.problem for page in self.pages if page.problem is not None)


def sample_articles(
    candidates: Iterable[str], fetcher: PoliteFetcher, profile: SiteProfile, *, sample: int
) -> SampleReport:
    """Fetch and parse up to ``sample`` candidate pages, in order; a page robots.txt
    disallows is listed as such, never fetched, and not counted in the sample."""
    pages: list[SampledPage] = []
    fetched = 0
    for url in candidates:
        if fetched >= sample:
            break
        if not fetcher.allows(url):
            pages.append(SampledPage(url, None, "disallowed by robots.txt"))
            continue
        fetched += 1
        pages.append(_sampled(url, fetcher, profile))
    return SampleReport(tuple(pages))


def _sampled(url: str, fetcher: PoliteFetcher, profile: SiteProfile) -> SampledPage:
    try:
        page = fetcher.get(url)
    except FetchError as error:
        return SampledPage(url, None, str(error))
    if page.content_type not in HTML_TYPES and document_kind(page.body) is not DocumentKind.HTML:
        return SampledPage(url, None, f"not an HTML page ({page.content_type})")
    record = parse_article(
        page.body,
        page.url,
        profile=profile,
        fetched_at=page.fetched_at,
        http_charset=page.charset,
    )
    return SampledPage(url, record, None if record is not None else "not an article")


# --- the two entry points ----------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class SiteCheck:
    """`sites check`: what was found and how the sampled articles parsed."""

    profile: SiteProfile
    discovery: Discovery
    report: SampleReport
    requests: tuple[str, ...]  # every URL asked for, in order


@dataclass(frozen=True, slots=True)
class SiteProbe:
    """`sites add`: a site's machine-readable parts, a parsed sample and a draft profile."""

    discovery: Discovery
    report: SampleReport
    domains: tuple[str, ...]
    language: str | None  # the sampled articles' most common language
    crawl_delay: float | None  # robots.txt's Crawl-delay for our User-Agent
    requests: tuple[str, ...]

    def profile(self, name: str) -> SiteProfile:
        """A profile starting from the start page and the feeds and sitemaps the site names
        (a sitemap index's children are found again by a crawl)."""
        named = [source.url for source in (*self.discovery.feeds, *self.discovery.sitemaps)
                 if not source.how.startswith("in sitemap index")]  # fmt: skip
        return SiteProfile(
            name=name,
            start_urls=tuple(dict.fromkeys([self.discovery.start_url, *named])),
            domains=self.domains,
            language=self.language,
            crawl_delay=self.crawl_delay,
        )


def probe_site(
    url: str, *, sample: int = DEFAULT_SAMPLE, fetcher: PoliteFetcher | None = None
) -> SiteProbe:
    """Probe a site from its home page (or any start URL); raises ProbeError when the page
    cannot be fetched."""
    fetcher = fetcher or PoliteFetcher(max_requests=DISCOVERY_REQUESTS + sample)
    draft = profile_for_url(url)
    discovery = discover(draft, fetcher, guess=True)
    if discovery.start_url != url:  # redirected, perhaps to another host: that is the site
        draft = profile_for_url(discovery.start_url)
    report = sample_articles(discovery.candidates, fetcher, draft, sample=sample)
    languages = Counter(record.language for record in report.articles if record.language)
    return SiteProbe(
        discovery=discovery,
        report=report,
        domains=draft.domains,
        language=languages.most_common(1)[0][0] if languages else None,
        crawl_delay=discovery.robots.crawl_delay(fetcher.user_agent),
        requests=tuple(fetcher.requested),
    )


def check_site(
    profile: SiteProfile, *, sample: int = DEFAULT_SAMPLE, fetcher: PoliteFetcher | None = None
) -> SiteCheck:
    """Fetch and parse a handful of the site's newest articles, storing nothing; raises
    ProbeError when the profile's first start URL cannot be fetched."""
    fetcher = fetcher or PoliteFetcher(max_requests=DISCOVERY_REQUESTS + sample)
    discovery = discover(profile, fetcher)
    report = sample_articles(discovery.candidates, fetcher, profile, sample=sample)
    return SiteCheck(profile, discovery, report, tuple(fetcher.requested))
