"""The dates sitemaps and feeds give their entries: lastmod, news publication dates,
RSS pubDate, Atom updated/published, dc:date; all read as aware UTC."""

from __future__ import annotations

import gzip
from datetime import UTC, datetime

import pytest

from spiders.feeds import (
    ListedUrl,
    feed_entries,
    feed_item_links,
    rfc822_datetime,
    sitemap_entries,
    sitemap_locations,
    unpacked,
    w3c_datetime,
)

BASE = "https://www.gazette.example"


def utc(*parts: int) -> datetime:
    return datetime(*parts, tzinfo=UTC)  # type: ignore[misc]


SITEMAP = b"""<?xml version="1.0" encoding="UTF-8"?>
<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9"
        xmlns:news="http://www.google.com/schemas/sitemap-news/0.9"
        xmlns:image="http://www.google.com/schemas/sitemap-image/1.1">
  <url><loc>https://www.gazette.example/2024/05/01/police/</loc>
    <lastmod>2024-05-01T10:15:00+01:00</lastmod></url>
  <url><loc>https://www.gazette.example/2024/05/02/tram/</loc>
    <news:news><news:publication><news:name>Gazette</news:name>
      <news:language>en</news:language></news:publication>
      <news:publication_date>2024-05-02T06:00:00Z</news:publication_date>
      <news:title>Tram</news:title></news:news></url>
  <url><loc>https://www.gazette.example/2024/05/03/both/</loc>
    <lastmod>2024-05-04</lastmod>
    <news:news><news:publication_date>2024-05-03</news:publication_date></news:news></url>
  <url><image:image><image:loc>https://cdn.gazette.example/a.jpg</image:loc></image:image>
    <loc>/2024/05/05/relative/</loc><lastmod>yesterday</lastmod></url>
  <url><loc>https://www.gazette.example/2024/05/06/no-date/</loc></url>
</urlset>"""

SITEMAP_INDEX = b"""<?xml version="1.0" encoding="UTF-8"?>
<sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">
  <sitemap><loc>https://www.gazette.example/sitemap-1.xml.gz</loc>
    <lastmod>2024-05</lastmod></sitemap>
  <sitemap><loc>https://www.gazette.example/sitemap-2.xml</loc></sitemap>
</sitemapindex>"""


def test_sitemap_entries_carry_lastmod_else_the_news_publication_date() -> None:
    assert sitemap_entries(SITEMAP, f"{BASE}/sitemap.xml") == [
        ListedUrl(f"{BASE}/2024/05/01/police/", utc(2024, 5, 1, 9, 15)),
        ListedUrl(f"{BASE}/2024/05/02/tram/", utc(2024, 5, 2, 6, 0)),
        ListedUrl(f"{BASE}/2024/05/03/both/", utc(2024, 5, 4)),
        ListedUrl(f"{BASE}/2024/05/05/relative/", None),  # the image's <loc> is not the page's
        ListedUrl(f"{BASE}/2024/05/06/no-date/", None),
    ]
    assert sitemap_locations(SITEMAP, BASE) == [
        entry.url for entry in sitemap_entries(SITEMAP, BASE)
    ]


def test_sitemap_index_entries_and_gzipped_sitemaps() -> None:
    assert sitemap_entries(SITEMAP_INDEX, BASE) == [
        ListedUrl(f"{BASE}/sitemap-1.xml.gz", utc(2024, 5, 1)),
        ListedUrl(f"{BASE}/sitemap-2.xml", None),
    ]
    assert sitemap_entries(unpacked(gzip.compress(SITEMAP)), BASE)[0].modified_at == utc(
        2024, 5, 1, 9, 15
    )


def test_a_large_sitemap_is_read_whole() -> None:
    urls = "".join(
        f"<url><loc>{BASE}/2024/01/01/story-{n}/</loc><lastmod>2024-01-01</lastmod></url>"
        for n in range(20_000)
    )
    body = f'<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">{urls}</urlset>'
    entries = sitemap_entries(body.encode(), BASE)
    assert len(entries) == 20_000
    assert entries[-1] == ListedUrl(f"{BASE}/2024/01/01/story-19999/", utc(2024, 1, 1))


RSS = b"""<?xml version="1.0" encoding="UTF-8"?>
<rss version="2.0" xmlns:dc="http://purl.org/dc/elements/1.1/"
     xmlns:atom="http://www.w3.org/2005/Atom">
<channel><title>Gazette</title>
  <item><title>One</title><link>https://www.gazette.example/one/</link>
    <pubDate>Wed, 01 May 2024 10:00:00 +0100</pubDate></item>
  <item><title>Two</title><link>https://www.gazette.example/two/</link>
    <pubDate>Thu, 02 May 2024 08:00:00 GMT</pubDate>
    <atom:updated>2024-05-03T12:00:00Z</atom:updated></item>
  <item><title>Three</title><link>https://www.gazette.example/three/</link>
    <dc:date>2024-05-03T07:30:00+02:00</dc:date></item>
  <item><title>Four</title><link>https://www.gazette.example/four/</link>
    <pubDate>2024-05-04T09:00:00Z</pubDate></item>
  <item><title>Five</title><link>https://www.gazette.example/five/</link>
    <pubDate>sometime in May</pubDate></item>
  <item><title>One again</title><link>https://www.gazette.example/one/</link>
    <pubDate>Fri, 10 May 2024 10:00:00 +0000</pubDate></item>
</channel></rss>"""

ATOM = b"""<?xml version="1.0" encoding="utf-8"?>
<feed xmlns="http://www.w3.org/2005/Atom">
  <title>Gazette</title>
  <entry><title>Edited</title><link rel="alternate" href="https://www.gazette.example/e/"/>
    <published>2024-05-01T09:00:00Z</published><updated>2024-05-02T09:00:00Z</updated></entry>
  <entry><title>Published only</title><link href="/p/"/>
    <published>2024-05-01T09:00:00-04:00</published></entry>
</feed>"""

RDF = b"""<?xml version="1.0"?>
<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#"
         xmlns="http://purl.org/rss/1.0/" xmlns:dc="http://purl.org/dc/elements/1.1/">
  <channel rdf:about="https://www.gazette.example/"><title>Gazette</title></channel>
  <item rdf:about="https://www.gazette.example/rdf-one/"><title>One</title>
    <link>https://www.gazette.example/rdf-one/</link><dc:date>2024-05-01</dc:date></item>
</rdf:RDF>"""


def test_rss_items_carry_their_latest_stated_date() -> None:
    assert feed_entries(RSS, f"{BASE}/feed/") == [
        ListedUrl(f"{BASE}/one/", utc(2024, 5, 1, 9, 0)),  # the first item of a URL
        ListedUrl(f"{BASE}/two/", utc(2024, 5, 3, 12, 0)),  # updated beats pubDate
        ListedUrl(f"{BASE}/three/", utc(2024, 5, 3, 5, 30)),
        ListedUrl(f"{BASE}/four/", utc(2024, 5, 4, 9, 0)),  # an ISO date in pubDate
        ListedUrl(f"{BASE}/five/", None),
    ]
    assert feed_item_links(RSS, BASE) == [entry.url for entry in feed_entries(RSS, BASE)]


def test_atom_entries_prefer_updated_to_published() -> None:
    assert feed_entries(ATOM, f"{BASE}/feed/atom/") == [
        ListedUrl(f"{BASE}/e/", utc(2024, 5, 2, 9, 0)),
        ListedUrl(f"{BASE}/p/", utc(2024, 5, 1, 13, 0)),
    ]


def test_rdf_items_carry_dc_date() -> None:
    assert feed_entries(RDF, BASE) == [ListedUrl(f"{BASE}/rdf-one/", utc(2024, 5, 1))]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2024", utc(2024, 1, 1)),
        ("2024-07", utc(2024, 7, 1)),
        ("2024-07-16", utc(2024, 7, 16)),
        ("2024-07-16T19:20+01:00", utc(2024, 7, 16, 18, 20)),
        ("2024-07-16T19:20:30.45+01:00", datetime(2024, 7, 16, 18, 20, 30, 450000, UTC)),
        ("2024-07-16T19:20:30Z", utc(2024, 7, 16, 19, 20, 30)),
        ("2024-07-16T19:20:30", utc(2024, 7, 16, 19, 20, 30)),  # no zone: UTC
        (" 2024-07-16 ", utc(2024, 7, 16)),
        ("2024-13", None),
        ("16/07/2024", None),
        ("", None),
        (None, None),
    ],
)
def test_w3c_datetimes(text: str | None, expected: datetime | None) -> None:
    assert w3c_datetime(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Wed, 01 May 2024 10:00:00 +0100", utc(2024, 5, 1, 9, 0)),
        ("Wed, 01 May 2024 10:00:00 GMT", utc(2024, 5, 1, 10, 0)),
        ("01 May 2024 10:00:00 EST", utc(2024, 5, 1, 15, 0)),
        ("Wed, 01 May 2024 10:00:00 -0000", utc(2024, 5, 1, 10, 0)),
        ("2024-05-01T10:00:00+02:00", utc(2024, 5, 1, 8, 0)),
        ("not a date", None),
        ("", None),
    ],
)
def test_rfc822_datetimes(text: str, expected: datetime | None) -> None:
    assert rfc822_datetime(text) == expected
