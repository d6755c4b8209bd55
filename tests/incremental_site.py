"""A small news site on 127.0.0.1 that changes between crawls, for incremental-crawl tests.

Twenty articles from 2020 in one section paginated three to a page, a home page with the
latest five, a sitemap index and sitemap with ``<lastmod>``, an RSS feed with ``pubDate``s,
and HTTP validators done right: every article page has an ETag and a Last-Modified, and a
conditional request for an unchanged page gets 304. Between crawls a test can change an
article (new text, new lastmod), delete one (404 or 410) or add one (published now). Every
request is logged with its conditional headers and the status it got.
"""

from __future__ import annotations

import hashlib
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime, parsedate_to_datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import urlsplit

PER_PAGE = 3
HOME_ARTICLES = 5
FEED_ARTICLES = 10
TOPICS = (
    "library budget", "tram extension", "housing plan", "cup final", "hospital waiting list",
    "bus fares", "school places", "canal path", "market hall", "cycle lane", "park cafe",
    "swimming baths", "car park", "youth club", "clean air zone", "food bank", "allotments",
    "museum roof", "railway station", "police station",
)  # fmt: skip


@dataclass
class Story:
    """One article of the site, as it stands now."""

    path: str
    title: str
    published: datetime  # aware UTC
    modified: datetime  # aware UTC: its Last-Modified and sitemap <lastmod>
    edition: int = 1  # raised by each change, which rewrites the text

    def html(self) -> bytes:
        paragraphs = "".join(
            f"<p>{sentence}</p>"
            for sentence in (
                f"The {self.title.lower()} was the main subject at the council meeting on "
                "Tuesday evening, where councillors heard from residents for two hours.",
                "Officials said the figures published this week showed a clear change "
                "compared with the same period last year, though one quarter of data was "
                "not enough to draw firm conclusions about the longer trend.",
                f"This is edition {self.edition} of the report. A final decision is expected "
                "next month after a public consultation closes.",
            )
        )
        published = self.published.isoformat()
        return (
            '<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
            f"<title>{self.title} | Changing Gazette</title>"
            f'<link rel="canonical" href="{{base}}{self.path}">'
            '<meta property="og:type" content="article">'
            f'<meta property="article:published_time" content="{published}">'
            '<script type="application/ld+json">{"@context": "https://schema.org", '
            f'"@type": "NewsArticle", "headline": "{self.title}", '
            f'"datePublished": "{published}", '
            '"author": {"@type": "Person", "name": "Kate Jones"}}</script>'
            '</head><body><nav><a href="/">Home</a> <a href="/news/">News</a></nav>'
            f'<article><h1>{self.title}</h1><p class="byline">By Kate Jones</p>'
            f'<div class="entry-content">{paragraphs}</div></article></body></html>'
        ).encode()

    def etag(self) -> str:
        return '"' + hashlib.sha256(self.html()).hexdigest()[:16] + '"'


@dataclass(frozen=True)
class Hit:
    """One request the site answered."""

    path: str
    status: int
    if_none_match: str | None
    if_modified_since: str | None


@dataclass
class ChangingSite:
    """The site's articles (newest last) and what it answers; safe to change between crawls."""

    stories: list[Story]
    gone: dict[str, int] = field(default_factory=dict)  # path -> 404 or 410
    hits: list[Hit] = field(default_factory=list)
    base_url: str = ""
    lock: threading.Lock = field(default_factory=threading.Lock)

    def story(self, path: str) -> Story:
        return next(story for story in self.stories if story.path == path)

    def change(self, path: str) -> None:
        """New text and a new lastmod (now) for an article."""
        with self.lock:
            story = self.story(path)
            story.edition += 1
            story.modified = datetime.now(UTC).replace(microsecond=0)

    def delete(self, path: str, status: int) -> None:
        """Take an article down: it answers `status` (404 or 410) and is listed nowhere."""
        with self.lock:
            self.stories.remove(self.story(path))
            self.gone[path] = status

    def add(self, path: str, title: str) -> Story:
        """Publish a new article now."""
        now = datetime.now(UTC).replace(microsecond=0)
        story = Story(path, title, now, now)
        with self.lock:
            self.stories.append(story)
        return story

    def take_hits(self) -> list[Hit]:
        """The requests since the last call."""
        with self.lock:
            hits, self.hits = self.hits, []
        return hits

    def routes(self) -> dict[str, tuple[str, bytes]]:
        """Every path but the articles: (Content-Type, body)."""
        newest = self.stories[::-1]
        pages = [newest[start : start + PER_PAGE] for start in range(0, len(newest), PER_PAGE)]
        routes = {
            "/robots.txt": ("text/plain", b"User-agent: *\nSitemap: {base}/sitemap.xml\n"),
            "/": ("text/html; charset=utf-8", listing("Latest news", newest[:HOME_ARTICLES])),
            "/sitemap.xml": (
                "application/xml",
                b'<?xml version="1.0" encoding="UTF-8"?>\n'
                b'<sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">'
                b"<sitemap><loc>{base}/sitemap-posts.xml</loc></sitemap></sitemapindex>",
            ),
            "/sitemap-posts.xml": ("application/xml", sitemap(self.stories)),
            "/feed/": ("application/rss+xml; charset=utf-8", feed(newest[:FEED_ARTICLES])),
        }
        for number, stories in enumerate(pages, start=1):
            path = "/news/" if number == 1 else f"/news/page/{number}/"
            older = f'<a class="next" href="/news/page/{number + 1}/">Older</a>'
            body = listing(f"News, page {number}", stories, older if number < len(pages) else "")
            routes[path] = ("text/html; charset=utf-8", body)
        return routes


def listing(title: str, stories: list[Story], extra: str = "") -> bytes:
    items = "".join(f'<li><a href="{story.path}">{story.title}</a></li>' for story in stories)
    return (
        '<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
        f"<title>{title}</title>"
        '<link rel="alternate" type="application/rss+xml" href="{base}/feed/"></head><body>'
        '<nav><a href="/">Home</a> <a href="/news/">News</a></nav>'
        f"<h1>{title}</h1><ul>{items}</ul>{extra}</body></html>"
    ).encode()


def sitemap(stories: list[Story]) -> bytes:
    entries = "".join(
        f"<url><loc>{{base}}{story.path}</loc><lastmod>{story.modified.isoformat()}</lastmod></url>"
        for story in stories
    )
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        f'<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">{entries}</urlset>'
    ).encode()


def feed(stories: list[Story]) -> bytes:
    items = "".join(
        f"<item><title>{story.title}</title><link>{{base}}{story.path}</link>"
        f"<pubDate>{format_datetime(story.published)}</pubDate></item>"
        for story in stories
    )
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n<rss version="2.0"><channel>'
        f"<title>Changing Gazette</title><link>{{base}}/</link>{items}</channel></rss>"
    ).encode()


def initial_stories() -> list[Story]:
    """Twenty articles, one every ten days from March 2020, oldest first."""
    start = datetime(2020, 3, 2, 9, 0, tzinfo=UTC)
    stories = []
    for number, topic in enumerate(TOPICS):
        when = start + timedelta(days=10 * number)
        slug = topic.replace(" ", "-")
        path = f"/{when:%Y/%m/%d}/{slug}-plans-questioned/"
        stories.append(Story(path, f"{topic.capitalize()} plans questioned", when, when))
    return stories


def not_modified(story: Story, if_none_match: str | None, if_modified_since: str | None) -> bool:
    """RFC 9110 13.2.2: If-None-Match decides when sent; else If-Modified-Since."""
    if if_none_match is not None:
        return story.etag() in (tag.strip() for tag in if_none_match.split(","))
    if if_modified_since is not None:
        try:
            return story.modified <= parsedate_to_datetime(if_modified_since)
        except (TypeError, ValueError):
            return False
    return False


@contextmanager
def serve_changing_site() -> Iterator[ChangingSite]:
    """Serve a fresh ChangingSite on 127.0.0.1 (a free port) for the duration of the block."""
    site = ChangingSite(initial_stories())

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            path = urlsplit(self.path).path
            inm, ims = self.headers.get("If-None-Match"), self.headers.get("If-Modified-Since")
            with site.lock:
                status, headers, body = self.answer(path, inm, ims)
                site.hits.append(Hit(path, status, inm, ims))
            self.send_response(status)
            for name, value in headers.items():
                self.send_header(name, value)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def answer(
            self, path: str, inm: str | None, ims: str | None
        ) -> tuple[int, dict[str, str], bytes]:
            if path in site.gone:
                return site.gone[path], {"Content-Type": "text/plain"}, b"gone"
            story = next((story for story in site.stories if story.path == path), None)
            if story is not None:
                validators = {
                    "ETag": story.etag(),
                    "Last-Modified": format_datetime(story.modified, usegmt=True),
                }
                if not_modified(story, inm, ims):
                    return 304, validators, b""
                body = story.html().replace(b"{base}", site.base_url.encode())
                return 200, {"Content-Type": "text/html; charset=utf-8", **validators}, body
            route = site.routes().get(path)
            if route is None:
                return 404, {"Content-Type": "text/plain"}, b"not found"
            content_type, body = route
            return (
                200,
                {"Content-Type": content_type},
                body.replace(b"{base}", site.base_url.encode()),
            )

        def log_message(self, format: str, *args: object) -> None:  # keep test output quiet
            return

    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    site.base_url = f"http://127.0.0.1:{httpd.server_address[1]}"
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    try:
        yield site
    finally:
        httpd.shutdown()
        httpd.server_close()
        thread.join(timeout=10)
