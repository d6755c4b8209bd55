"""NewsSpider's crawl policy, driven with responses built in the test (no network, no reactor).

The parser is replaced by a fake here: these tests are about what the spider fetches and
yields. tests/spiders/test_crawl.py runs the real parser in a real crawl.
"""

from __future__ import annotations

import asyncio
import gzip
from collections.abc import Iterable
from datetime import UTC, datetime
from typing import Any

import pytest
from scrapy import Request
from scrapy.exceptions import (
    CannotResolveHostError,
    DownloadConnectionRefusedError,
    DownloadTimeoutError,
    IgnoreRequest,
)
from scrapy.http import Response
from scrapy.responsetypes import responsetypes
from scrapy.spidermiddlewares.httperror import HttpError
from scrapy.utils.test import get_crawler
from twisted.python.failure import Failure

import parsers
from items import ArticleRecord, FetchFailure, RawCapture
from profiles import ProfileError, SiteProfile, profile_for_url
from spiders.capture import CAPTURES
from spiders.news import NewsSpider, charset_of
from tests.factories import make_record

G = "https://www.gazette.example"
SITE = SiteProfile(name="gazette", start_urls=(f"{G}/",), domains=("gazette.example",))


def make_spider(**kwargs: Any) -> NewsSpider:
    crawler = get_crawler(NewsSpider, {"DOWNLOAD_TIMEOUT": 30})
    spider = NewsSpider.from_crawler(crawler, **kwargs)
    assert isinstance(spider, NewsSpider)
    return spider


def start_requests(spider: NewsSpider) -> list[Request]:
    async def collect() -> list[Request]:
        return [request async for request in spider.start()]

    return asyncio.run(collect())


def respond(
    request: Request,
    body: bytes,
    content_type: str = "text/html; charset=utf-8",
    *,
    status: int = 200,
) -> Response:
    """The response the downloader would build for this request (class chosen by headers)."""
    headers = {"Content-Type": content_type}
    cls = responsetypes.from_args(headers=headers, url=request.url, body=body)
    return cls(url=request.url, status=status, headers=headers, body=body, request=request)


def requests_in(output: Iterable[Any]) -> list[Request]:
    return [x for x in output if isinstance(x, Request)]


def urls_of(output: Iterable[Any]) -> list[str]:
    return [request.url for request in requests_in(output)]


def stat(spider: NewsSpider, key: str) -> Any:
    return spider.crawler.stats.get_value(key)


class FakeParser:
    """Stands in for parsers.parse_article: returns prepared records and remembers calls."""

    def __init__(self, records: dict[str, ArticleRecord | None] | None = None) -> None:
        self.records = records or {}
        self.calls: list[dict[str, Any]] = []

    def __call__(self, html: bytes, url: str, **kwargs: Any) -> ArticleRecord | None:
        self.calls.append({"html": html, "url": url, **kwargs})
        return self.records.get(url, make_record(url=url, canonical_url=url))


@pytest.fixture
def fake_parser(monkeypatch: pytest.MonkeyPatch) -> FakeParser:
    fake = FakeParser()
    monkeypatch.setattr(parsers, "parse_article", fake, raising=False)
    return fake


def listing_page(*hrefs: str, head: str = "") -> bytes:
    links = "".join(f'<a href="{href}">link</a>' for href in hrefs)
    return f"<html><head>{head}</head><body>{links}</body></html>".encode()


# ---- configuration -------------------------------------------------------------------------


def test_target_accepts_profile_names_urls_and_lists() -> None:
    spider = make_spider(target="chamberlainfiles, https://www.example.org/news/")
    assert [p.name for p in spider.profiles] == ["chamberlainfiles", "example.org"]
    assert spider.allowed_domains == ["chamberlainfiles.com", "example.org"]


def test_profile_objects_configure_the_spider() -> None:
    spider = make_spider(profile=SITE)
    assert spider.profiles == (SITE,)
    assert spider.allowed_domains == ["gazette.example"]


def test_a_target_is_required() -> None:
    with pytest.raises(ValueError, match="target"):
        make_spider()


def test_an_unknown_profile_name_fails_loudly() -> None:
    with pytest.raises(ProfileError, match="no-such-site"):
        make_spider(target="no-such-site")


# ---- start ---------------------------------------------------------------------------------


def test_start_fetches_every_start_url_and_robots_txt_of_a_homepage() -> None:
    spider = make_spider(target="chamberlainfiles")
    requests = start_requests(spider)
    assert [r.url for r in requests] == [
        "https://www.chamberlainfiles.com/",
        "https://www.chamberlainfiles.com/robots.txt",
        "https://www.chamberlainfiles.com/feed/",
        "https://www.chamberlainfiles.com/sitemap.xml",
    ]
    robots = requests[1]
    assert robots.callback == spider.parse_robots
    assert all(r.errback == spider.on_error for r in requests if r is not robots)


def test_start_urls_shared_by_two_targets_are_fetched_once() -> None:
    twin = SiteProfile(
        name="twin", start_urls=(f"{G}/", f"{G}/news/"), domains=("gazette.example",)
    )
    requests = start_requests(make_spider(profiles=[SITE, twin]))
    assert [r.url for r in requests] == [f"{G}/", f"{G}/robots.txt", f"{G}/news/"]


def test_start_urls_that_cannot_be_fetched_are_left_out() -> None:
    odd = SiteProfile(
        name="odd",
        start_urls=("ftp://www.gazette.example/", "http://www.gazette.example:port/", f"{G}/news/"),
        domains=("gazette.example",),
    )
    assert [r.url for r in start_requests(make_spider(profile=odd))] == [f"{G}/news/"]


def test_robots_txt_sitemaps_are_requested_when_on_site() -> None:
    spider = make_spider(profile=SITE)
    robots = start_requests(spider)[1]
    body = (
        b"User-agent: *\nDisallow: /private/\nSitemap: https://www.gazette.example/sitemap.xml\n"
        b"Sitemap: https://cdn.elsewhere.example/sitemap.xml\n"
    )
    requests = list(spider.parse_robots(respond(robots, body, "text/plain")))
    assert [r.url for r in requests] == [f"{G}/sitemap.xml"]
    assert requests[0].callback == spider.parse and requests[0].errback == spider.on_error


# ---- sitemaps and feeds --------------------------------------------------------------------


def test_sitemap_index_leads_to_sitemaps_and_gzipped_sitemap_to_pages() -> None:
    spider = make_spider(profile=SITE)
    index = Request(f"{G}/sitemap.xml", meta={"link_kind": "listing"})
    index_body = (
        b'<?xml version="1.0"?><sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">'
        b"<sitemap><loc>https://www.gazette.example/posts.xml.gz</loc></sitemap>"
        b"<sitemap><loc>https://other.example/posts.xml</loc></sitemap></sitemapindex>"
    )
    sitemaps = requests_in(spider.parse(respond(index, index_body, "application/xml")))
    assert [r.url for r in sitemaps] == [f"{G}/posts.xml.gz"]

    urlset = gzip.compress(
        b'<?xml version="1.0"?><urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">'
        b"<url><loc>https://www.gazette.example/2024/05/01/police-criticised/</loc></url>"
        b"<url><loc>https://www.gazette.example/category/crime/</loc></url>"
        b"<url><loc>https://www.gazette.example/wp-content/uploads/report.pdf</loc></url>"
        b"<url><loc>https://other.example/2024/05/01/elsewhere/</loc></url></urlset>"
    )
    pages = requests_in(spider.parse(respond(sitemaps[0], urlset, "application/x-gzip")))
    assert [(r.url, r.meta["link_kind"]) for r in pages] == [
        (f"{G}/2024/05/01/police-criticised/", "article"),
        (f"{G}/category/crime/", "listing"),
    ]
    assert pages[0].priority > pages[1].priority  # articles before listings
    # The next sitemap waits for the articles already queued (so the queue holds about
    # one sitemap's URLs at a time), and goes before the listing pages.
    assert pages[0].priority > sitemaps[0].priority > pages[1].priority
    assert stat(spider, "links/skip/media") == 1


def test_a_feed_is_recognised_by_content_whatever_its_content_type() -> None:
    spider = make_spider(profile=SITE)
    feed = Request(f"{G}/feed/", meta={"link_kind": "listing"})
    body = (
        b'<?xml version="1.0"?><rss version="2.0"><channel>'
        b"<item><link>https://www.gazette.example/2024/05/01/one/?utm_source=rss</link></item>"
        b"<item><link>https://www.gazette.example/2024/05/01/two/</link></item>"
        b"</channel></rss>"
    )
    output = list(spider.parse(respond(feed, body, "text/html; charset=utf-8")))
    assert urls_of(output) == [f"{G}/2024/05/01/one/", f"{G}/2024/05/01/two/"]


# ---- HTML pages ----------------------------------------------------------------------------


def test_listing_pages_follow_each_new_link_once_and_are_not_parsed(
    fake_parser: FakeParser,
) -> None:
    spider = make_spider(profile=SITE)
    home = start_requests(spider)[0]
    body = listing_page(
        "/2024/05/01/police-criticised/",
        "/2024/05/01/police-criticised/?utm_source=x#comments",
        "/page/2/",
        "/feed/",
        "/wp-login.php",
        "mailto:desk@gazette.example",
        "https://twitter.com/share",
        "/wp-content/uploads/front.jpg",
    )
    first = requests_in(spider.parse(respond(home, body)))
    assert [r.url for r in first] == [f"{G}/2024/05/01/police-criticised/", f"{G}/page/2/"]
    assert [r.meta["link_kind"] for r in first] == ["article", "listing"]

    page_2 = first[1]
    second = urls_of(
        spider.parse(respond(page_2, listing_page("/2024/05/01/police-criticised/", "/tag/x/")))
    )
    assert second == [f"{G}/tag/x/"]
    assert fake_parser.calls == []


def test_start_page_announces_feeds_other_pages_do_not() -> None:
    spider = make_spider(profile=SITE)
    head = '<link rel="alternate" type="application/rss+xml" href="/feed/">'
    home = start_requests(spider)[0]
    assert urls_of(spider.parse(respond(home, listing_page(head=head)))) == [f"{G}/feed/"]
    listing = Request(f"{G}/news/", meta={"link_kind": "listing"})
    other_feed = '<link rel="alternate" type="application/rss+xml" href="/news/feed/">'
    assert urls_of(spider.parse(respond(listing, listing_page(head=other_feed)))) == []


def test_article_pages_are_parsed_and_their_links_followed(fake_parser: FakeParser) -> None:
    spider = make_spider(profile=SITE)
    request = Request(f"{G}/2024/05/01/police-criticised/", meta={"link_kind": "article"})
    body = listing_page("/2024/05/02/related-story-here/")
    response = respond(request, body, "text/html; charset=ISO-8859-1")
    output = list(spider.parse(response))

    assert [type(x) for x in output] == [ArticleRecord, Request]
    assert output[1].url == f"{G}/2024/05/02/related-story-here/"
    (call,) = fake_parser.calls
    assert call["html"] == body
    assert call["url"] == request.url
    assert call["profile"] is SITE
    assert call["http_charset"] == "iso-8859-1"
    fetched_at = call["fetched_at"]
    assert isinstance(fetched_at, datetime) and fetched_at.utcoffset() is not None
    assert abs((datetime.now(UTC) - fetched_at).total_seconds()) < 60
    assert stat(spider, "spider/articles") == 1


def test_a_records_canonical_url_counts_as_seen(fake_parser: FakeParser) -> None:
    spider = make_spider(profile=SITE)
    printed = f"{G}/2024/05/01/story-slug/print-view/"
    canonical = f"{G}/2024/05/01/story-slug/"
    fake_parser.records[printed] = make_record(url=printed, canonical_url=canonical)
    request = Request(printed, meta={"link_kind": "article"})
    list(spider.parse(respond(request, listing_page())))
    listing = Request(f"{G}/news/", meta={"link_kind": "listing"})
    assert urls_of(spider.parse(respond(listing, listing_page(canonical + "?utm_source=x")))) == []


def test_two_urls_of_one_canonical_article_yield_one_record(fake_parser: FakeParser) -> None:
    spider = make_spider(profile=SITE)
    canonical = f"{G}/2024/05/01/story-slug/"
    records = []
    for url in (f"{G}/2024/05/01/story-slug/amp-view/", f"{G}/2024/05/01/story-slug/print-v/"):
        fake_parser.records[url] = make_record(url=url, canonical_url=canonical)
        request = Request(url, meta={"link_kind": "article"})
        records += [
            x
            for x in spider.parse(respond(request, b"<html></html>"))
            if isinstance(x, ArticleRecord)
        ]
    assert [r.url for r in records] == [f"{G}/2024/05/01/story-slug/amp-view/"]
    assert stat(spider, "spider/duplicate_article") == 1


def test_a_page_the_parser_rejects_is_counted_not_yielded(fake_parser: FakeParser) -> None:
    spider = make_spider(profile=SITE)
    url = f"{G}/2024/05/01/pictures-of-the-week/"
    fake_parser.records[url] = None
    output = list(spider.parse(respond(Request(url, meta={"link_kind": "article"}), b"<html/>")))
    assert output == []
    assert stat(spider, "parser/not_article") == 1


def test_a_non_html_response_at_an_article_url_is_skipped(fake_parser: FakeParser) -> None:
    spider = make_spider(profile=SITE)
    request = Request(f"{G}/2024/05/01/annual-report-download/", meta={"link_kind": "article"})
    output = list(spider.parse(respond(request, b"%PDF-1.4 ...", "application/pdf")))
    assert output == []
    assert fake_parser.calls == []
    assert stat(spider, "spider/not_html") == 1


def test_an_html_page_without_content_type_is_still_read(fake_parser: FakeParser) -> None:
    spider = make_spider(profile=SITE)
    request = Request(f"{G}/2024/05/01/no-header-story/", meta={"link_kind": "article"})
    response = Response(
        url=request.url, body=b"<!DOCTYPE html><html><a href='/x-y-z/'>", request=request
    )
    output = list(spider.parse(response))
    assert [type(x) for x in output] == [ArticleRecord, Request]
    assert fake_parser.calls[0]["http_charset"] is None


# ---- failures ------------------------------------------------------------------------------


def failure_for(request: Request, error: Exception) -> Failure:
    failure = Failure(error)
    failure.request = request  # type: ignore[attr-defined]  # as Scrapy sets it
    return failure


@pytest.mark.parametrize(
    ("error", "reason"),
    [
        (CannotResolveHostError("no such host"), "DNS lookup failed"),
        (DownloadTimeoutError("took longer than 30.0 seconds"), "Timeout after 30 s"),
        (DownloadConnectionRefusedError("refused"), "Connection refused"),
        (ValueError("first line\nsecond line"), "ValueError: first line"),
    ],
)
def test_download_errors_become_fetch_failures(error: Exception, reason: str) -> None:
    spider = make_spider(profile=SITE)
    request = Request(f"{G}/2024/05/01/story/")
    (failure,) = spider.on_error(failure_for(request, error))
    assert isinstance(failure, FetchFailure)
    assert (failure.url, failure.reason, failure.status) == (request.url, reason, None)
    assert failure.failed_at.tzinfo is not None


def test_http_errors_become_fetch_failures_with_status() -> None:
    spider = make_spider(profile=SITE)
    request = Request(f"{G}/2024/05/01/gone/")
    response = respond(request, b"Not found", status=404)
    (failure,) = spider.on_error(failure_for(request, HttpError(response, "Ignoring non-200")))
    assert (failure.reason, failure.status) == ("HTTP 404", 404)
    assert stat(spider, "spider/fetch_failures") == 1


def test_requests_dropped_by_policy_are_not_failures() -> None:
    spider = make_spider(profile=SITE)
    request = Request(f"{G}/private/draft/")
    assert (
        list(spider.on_error(failure_for(request, IgnoreRequest("Forbidden by robots.txt")))) == []
    )
    assert stat(spider, "spider/fetch_failures") is None


def test_responses_received_before_a_failure_are_kept_as_captures() -> None:
    """A redirect answered, then its target timed out (or was dropped as off-site): the
    redirect's response is still a raw capture, yielded once, before the failure."""
    spider = make_spider(profile=SITE)
    hop = RawCapture(
        url=f"{G}/old-story/",
        method="GET",
        request_headers=(),
        status=301,
        protocol="HTTP/1.1",
        response_headers=(("Location", f"{G}/2024/05/01/story/"),),
        body=b"",
        fetched_at=datetime(2024, 5, 1, tzinfo=UTC),
        source=None,
    )
    timed_out = Request(f"{G}/2024/05/01/story/", meta={CAPTURES: [hop]})
    output = list(spider.on_error(failure_for(timed_out, DownloadTimeoutError("took long"))))
    assert [type(item) for item in output] == [RawCapture, FetchFailure]
    assert output[0] is hop and CAPTURES not in timed_out.meta
    dropped = Request(f"{G}/elsewhere/", meta={CAPTURES: [hop]})
    assert list(spider.on_error(failure_for(dropped, IgnoreRequest("offsite")))) == [hop]


def test_a_missing_robots_txt_is_not_a_failure() -> None:
    spider = make_spider(profile=profile_for_url("https://gazette.example/"))
    robots = start_requests(spider)[1]
    response = respond(robots, b"", status=404)
    assert robots.errback is not None
    assert robots.errback(failure_for(robots, HttpError(response, "404"))) is None


@pytest.mark.parametrize(
    ("header", "charset"),
    [
        ("text/html; charset=UTF-8", "utf-8"),
        ('text/html; charset="windows-1252"', "windows-1252"),
        ("text/html;charset=iso-8859-1;foo=bar", "iso-8859-1"),
        ("text/html", None),
        (None, None),
    ],
)
def test_charset_of_content_type(header: str | None, charset: str | None) -> None:
    assert charset_of(header) == charset
