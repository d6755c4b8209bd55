"""siteprobe: what a probe finds on a real (local) site, what it fetches and what it never
does, and per-field shares that are exactly what the parser returns."""

from __future__ import annotations

import gzip
import re
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit

import pytest

import settings
import siteprobe
from items import ArticleRecord
from parsers import parse_article
from profiles import profile_for_url
from siteprobe import (
    REPORT_FIELDS,
    FetchError,
    PoliteFetcher,
    ProbeError,
    check_site,
    newest_first,
    probe_site,
)
from spiders.feeds import feed_item_links, robots_sitemaps, sitemap_entries, sitemap_locations
from spiders.urls import canonical_url
from tests.sites_server import article_page, html, redirect, serve_tiny_site, text
from tests.spiders.fixture_site import PRIVATE_ARTICLE, SiteServer, serve_site
from tests.test_layering import imported_top_names


@pytest.fixture(scope="module")
def site() -> Iterator[SiteServer]:
    with serve_site() as server:
        yield server


def fetcher(**options: float) -> PoliteFetcher:
    return PoliteFetcher(pause=0, max_requests=int(options.pop("max_requests", 60)), **options)


def get(url: str) -> bytes:
    with urllib.request.urlopen(url, timeout=10) as response:
        return response.read()


def paths(urls: list[str] | tuple[str, ...]) -> list[str]:
    return [urlsplit(url).path for url in urls]


def test_probe_finds_the_sites_own_robots_feed_and_sitemaps(site: SiteServer) -> None:
    probe = probe_site(site.base_url + "/", sample=2, fetcher=fetcher())
    found = probe.discovery
    robots = get(site.base_url + "/robots.txt")
    assert found.robots.status == "found"
    assert found.robots.sitemaps == robots_sitemaps(robots, site.base_url + "/robots.txt")
    # The feed the home page announces, not its comments feed.
    assert [source.url for source in found.feeds] == [site.base_url + "/feed/"]
    index = get(site.base_url + "/sitemap.xml")
    on_site = [
        url for url in sitemap_locations(index, site.base_url) if url.startswith(site.base_url)
    ]
    assert [source.url for source in found.sitemaps] == [site.base_url + "/sitemap.xml", *on_site]
    assert "offsite.invalid" not in " ".join(probe.requests)
    # Both were named by the site, so no path was guessed.
    assert found.guessed == ()
    assert probe.domains == ("127.0.0.1",)
    profile = probe.profile("gazette")
    assert profile.start_urls == (
        site.base_url + "/",
        site.base_url + "/feed/",
        site.base_url + "/sitemap.xml",
    )


def test_candidates_are_feed_items_first_then_sitemap_entries_by_date(site: SiteServer) -> None:
    found = probe_site(site.base_url + "/", sample=1, fetcher=fetcher()).discovery
    feed = [
        canonical_url(url) for url in feed_item_links(get(site.base_url + "/feed/"), site.base_url)
    ]
    sitemap = gzip.decompress(get(site.base_url + "/sitemap-posts.xml.gz"))
    by_date = [entry.url for entry in newest_first(sitemap_entries(sitemap, site.base_url))]
    assert list(found.candidates[: len(feed)]) == feed
    listed = [url for url in found.candidates if url in by_date]
    assert listed == [url for url in by_date if url not in feed]


def test_a_page_robots_txt_disallows_is_never_requested(site: SiteServer) -> None:
    before = site.count(PRIVATE_ARTICLE.path)
    probe = probe_site(site.base_url + "/", sample=20, fetcher=fetcher())
    private = [page for page in probe.report.pages if PRIVATE_ARTICLE.path in page.url]
    assert private, "the home page links the private article: it must be considered"
    assert private[0].problem == "disallowed by robots.txt"
    assert site.count(PRIVATE_ARTICLE.path) == before
    assert PRIVATE_ARTICLE.path not in paths(probe.requests)


def test_shares_are_what_the_parser_returns_for_the_sampled_pages(site: SiteServer) -> None:
    profile = profile_for_url(site.base_url + "/")
    checked = check_site(profile, sample=8, fetcher=fetcher())
    fetched = [page for page in checked.report.pages if page.problem != "disallowed by robots.txt"]
    assert len(fetched) == 8
    records: list[ArticleRecord] = []
    for page in fetched:
        try:
            body = get(page.url)
        except OSError:  # the gone page: no record either way
            assert page.record is None
            continue
        mine = parse_article(body, page.url, profile=profile)
        assert (mine is None) == (page.record is None), page.url
        if mine is not None:
            records.append(mine)
    assert records, "the fixture site's feed lists articles"

    def present(record: ArticleRecord, name: str) -> bool:
        if name == "body":
            return len(record.body) >= settings.ARCHIVE_MIN_BODY_CHARS
        return bool(getattr(record, name))

    expected = {
        name: sum(present(r, name) for r in records) / len(records) for name in REPORT_FIELDS
    }
    assert checked.report.shares() == expected


def test_with_no_feed_or_sitemap_named_only_two_well_known_paths_are_tried() -> None:
    home = html(
        '<html><body><h1>News</h1><a href="/about/">About</a>'
        '<a href="/2024/05/01/council-meets-on-budget/">Council meets</a></body></html>'
    )
    routes = {
        "/robots.txt": text("User-agent: *\nDisallow:\n"),
        "/": home,
        "/2024/05/01/council-meets-on-budget/": html(
            article_page("Council meets on budget", date="2024-05-01")
        ),
    }
    with serve_tiny_site(routes) as tiny:
        probe = probe_site(tiny.base_url + "/", sample=3, fetcher=fetcher())
    assert tiny.requests == [
        "/robots.txt",
        "/",
        "/sitemap.xml",
        "/feed/",
        "/2024/05/01/council-meets-on-budget/",
    ]
    assert [url for url, _ in probe.discovery.guessed] == [
        tiny.base_url + "/sitemap.xml",
        tiny.base_url + "/feed/",
    ]
    assert all("404" in outcome for _, outcome in probe.discovery.guessed)
    assert probe.discovery.feeds == probe.discovery.sitemaps == ()
    assert [page.record.title for page in probe.report.pages if page.record] == [
        "Council meets on budget"
    ]
    assert probe.language == "en"


def test_a_redirect_into_a_disallowed_path_is_not_followed() -> None:
    routes = {
        "/robots.txt": text("User-agent: *\nDisallow: /private/\nCrawl-delay: 0.01\n"),
        "/": html('<html><body><a href="/2024/05/01/old-story-moved/">Story</a></body></html>'),
        "/2024/05/01/old-story-moved/": redirect("{base}/private/2024/05/01/old-story/"),
        "/private/2024/05/01/old-story/": html(article_page("Private", date="2024-05-01")),
    }
    with serve_tiny_site(routes) as tiny:
        probe = probe_site(tiny.base_url + "/", sample=3, fetcher=fetcher())
    assert "/private/2024/05/01/old-story/" not in tiny.requests
    (page,) = probe.report.pages
    assert page.record is None
    assert "robots.txt disallows" in (page.problem or "")
    assert probe.crawl_delay == pytest.approx(0.01)
    assert probe.profile("x").crawl_delay == pytest.approx(0.01)


def test_a_robots_txt_server_error_stops_the_probe_before_any_page() -> None:
    routes = {"/robots.txt": text("down", status=503), "/": html("<p>home</p>")}
    with serve_tiny_site(routes) as tiny, pytest.raises(ProbeError, match="HTTP 503"):
        probe_site(tiny.base_url + "/", fetcher=fetcher())
    assert tiny.requests == ["/robots.txt"]


def test_an_unreachable_site_is_a_probe_error() -> None:
    with pytest.raises(ProbeError, match=re.escape("cannot fetch http://127.0.0.1:9/")):
        probe_site("http://127.0.0.1:9/", fetcher=fetcher())


def test_the_fetcher_stops_at_its_request_budget(site: SiteServer) -> None:
    polite = fetcher(max_requests=2)
    polite.get(site.base_url + "/")  # robots.txt, then the page
    with pytest.raises(FetchError, match="used up"):
        polite.get(site.base_url + "/about/")
    assert paths(polite.requested) == ["/robots.txt", "/"]


def test_sitemap_entries_read_lastmod_or_a_news_publication_date() -> None:
    body = (
        b'<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9" '
        b'xmlns:news="http://www.google.com/schemas/sitemap-news/0.9">'
        b"<url><loc>/old</loc><lastmod>2024-01-01</lastmod></url>"
        b"<url><loc>/undated</loc></url>"
        b"<url><loc>/news</loc><news:news><news:publication_date>2024-05-01T10:00:00+02:00"
        b"</news:publication_date></news:news></url>"
        b"<url><loc>/bad-date</loc><lastmod>yesterday</lastmod></url>"
        b"</urlset>"
    )
    entries = sitemap_entries(body, "https://x.test/")
    assert [entry.url for entry in newest_first(entries)] == [
        "https://x.test/news",
        "https://x.test/old",
        "https://x.test/undated",
        "https://x.test/bad-date",
    ]
    assert sitemap_entries(b"not xml at all", "https://x.test/") == []


def test_the_probe_cannot_store_anything() -> None:
    """A check never writes to an archive: siteprobe imports nothing that could."""
    imported = imported_top_names(Path(siteprobe.__file__))
    assert not imported & {"archive_db", "pipelines", "sqlalchemy", "cli"}
