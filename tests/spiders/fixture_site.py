"""A small WordPress-like news site served on 127.0.0.1, for end-to-end crawl tests.

The site has a home page, a second listing page, a tag page, an about page, nine
articles (one reachable only from the sitemap, one only from the feed, one under a
robots.txt-disallowed path), a sitemap index pointing at a gzipped sitemap, an RSS feed,
a PDF behind an article-like URL, and links to a page that is gone (404). Every request
is logged, so tests can see what the crawler fetched and how often.
"""

from __future__ import annotations

import gzip
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import urlsplit

HTML = "text/html; charset=utf-8"


@dataclass(frozen=True)
class Article:
    path: str
    title: str
    published: str  # ISO date
    author: str
    paragraphs: tuple[str, ...]
    canonical_path: str | None = None  # when the page names another URL as canonical


def _paragraphs(topic: str) -> tuple[str, ...]:
    return (
        f"{topic} was the main subject at the council meeting on Tuesday evening, where "
        "councillors heard from residents, officers and campaigners for more than two hours.",
        "Officials said the figures published this week showed a clear change compared with "
        "the same period last year, although they warned that one quarter of data was not "
        "enough to draw firm conclusions about the longer trend.",
        "Opposition members asked for an independent review and for the full report to be "
        "published before the next meeting, so that residents could read the evidence.",
        "A final decision is expected next month after a public consultation closes.",
    )


ARTICLES: tuple[Article, ...] = (
    Article(
        "/2024/05/01/police-criticised-over-response/",
        "Police criticised over response to abuse cases",
        "2024-05-01",
        "Kate Jones",
        _paragraphs("Police response time"),
    ),
    Article(
        "/council-approves-new-budget-for-libraries/",
        "Council approves new budget for libraries",
        "2024-04-30",
        "Sam Patel",
        _paragraphs("The library budget"),
    ),
    Article(
        "/news/transport/12345/tram-extension-opens/",
        "Tram extension opens to passengers",
        "2024-04-29",
        "Lee Brown",
        _paragraphs("The tram extension"),
    ),
    Article(
        "/2024/04/28/mayor-announces-housing-plan/",
        "Mayor announces housing plan",
        "2024-04-28",
        "Kate Jones",
        _paragraphs("The housing plan"),
    ),
    Article(
        "/sport/local-team-wins-cup-final/",
        "Local team wins cup final",
        "2024-04-27",
        "Ann Green",
        _paragraphs("The cup final"),
    ),
    Article(
        "/2024/04/20/hospital-waiting-times-fall/",
        "Hospital waiting times fall",
        "2024-04-20",
        "Sam Patel",
        _paragraphs("Hospital waiting time"),
    ),
    Article(
        "/2024/03/15/archive-story-only-in-sitemap/",
        "Archive story listed only in the sitemap",
        "2024-03-15",
        "Lee Brown",
        _paragraphs("The archive story"),
    ),
    Article(
        "/2024/03/10/story-only-in-the-feed/",
        "Story announced only in the feed",
        "2024-03-10",
        "Ann Green",
        _paragraphs("The feed story"),
    ),
    # Reached through a print-view URL whose page names the clean URL as canonical.
    Article(
        "/2024/05/03/bus-fares-frozen-for-a-year/print-view/",
        "Bus fares frozen for a year",
        "2024-05-03",
        "Lee Brown",
        _paragraphs("The bus fare freeze"),
        canonical_path="/2024/05/03/bus-fares-frozen-for-a-year/",
    ),
)
PRIVATE_ARTICLE = Article(
    "/private/secret-draft-article-not-public/",
    "Draft that robots.txt forbids",
    "2024-05-02",
    "Kate Jones",
    _paragraphs("The draft"),
)
# An article-shaped URL whose page is not an article: the parser has the last word.
GALLERY_PATH = "/2024/05/02/pictures-of-the-week-gallery/"
GONE_PATH = "/2024/02/01/deleted-story-that-is-gone/"
PDF_PATH = "/2024/01/05/annual-report-download-summary/"
TRACKED_DUPLICATE = "/2024/04/20/hospital-waiting-times-fall/?utm_source=twitter&utm_medium=social"

NAV = """
<nav>
  <a href="/">Home</a> <a href="/tag/police/">Police</a> <a href="/about/">About</a>
  <a href="/feed/">RSS</a> <a href="/wp-login.php">Log in</a> <a href="/?s=council">Search</a>
  <a href="mailto:news@example.org">Email us</a> <a href="javascript:void(0)">Menu</a>
  <a href="https://twitter.com/share?url=x">Share</a> <a href="http://offsite.invalid/story">Partner</a>
  <a href="/wp-content/uploads/2024/05/front-page.jpg">Front page</a>
</nav>
"""


def _page(title: str, body: str, *, head: str = "") -> bytes:
    return (
        '<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
        f"<title>{title} | Example Gazette</title>{head}"
        '<link rel="alternate" type="application/rss+xml" title="Example Gazette Feed" '
        'href="{base}/feed/">'
        '<link rel="alternate" type="application/rss+xml" title="Example Gazette Comments Feed" '
        'href="{base}/comments/feed/">'
        f"</head><body><header><h2>Example Gazette</h2>{NAV}</header>"
        f"<main>{body}</main><footer><p>© Example Gazette</p></footer></body></html>"
    ).encode()


def _article_page(article: Article) -> bytes:
    canonical = article.canonical_path or article.path
    paragraphs = "".join(f"<p>{text}</p>" for text in article.paragraphs)
    json_ld = (
        '<script type="application/ld+json">{"@context": "https://schema.org", '
        f'"@type": "NewsArticle", "headline": "{article.title}", '
        f'"datePublished": "{article.published}T09:00:00+00:00", '
        f'"author": {{"@type": "Person", "name": "{article.author}"}}, '
        f'"mainEntityOfPage": "{{base}}{canonical}"}}</script>'
    )
    head = (
        f'<link rel="canonical" href="{{base}}{canonical}">'
        f'<meta property="og:type" content="article"><meta property="og:title" '
        f'content="{article.title}"><meta property="article:published_time" '
        f'content="{article.published}T09:00:00+00:00">{json_ld}'
    )
    related = "".join(
        f'<li><a href="{other.path}">{other.title}</a></li>'
        for other in ARTICLES[:3]
        if other is not article
    )
    body = (
        f'<article class="post"><h1 class="entry-title">{article.title}</h1>'
        f'<p class="byline">By <a rel="author" href="/author/{article.author.split()[0].lower()}/">'
        f'{article.author}</a> <time datetime="{article.published}">{article.published}</time></p>'
        f'<div class="entry-content">{paragraphs}</div>'
        f'<a href="{article.path}#comments">Comments</a> '
        f'<a href="{article.path}feed/">Comments feed</a> '
        f'<a href="{article.path}?replytocom=12">Reply</a></article>'
        f"<aside><h3>Similar Articles</h3><ul>{related}</ul></aside>"
    )
    return _page(article.title, body, head=head)


def _listing(title: str, links: list[tuple[str, str]], extra: str = "") -> bytes:
    items = "".join(f'<li><h2><a href="{href}">{text}</a></h2></li>' for href, text in links)
    return _page(title, f'<h1>{title}</h1><ul class="posts">{items}</ul>{extra}')


def build_routes() -> dict[str, tuple[str, bytes]]:
    """Path (with query) -> (Content-Type, body); ``{base}`` in bodies is the server URL."""
    a = {article.path: article for article in ARTICLES}
    home_links = [
        (ARTICLES[0].path, ARTICLES[0].title),
        (ARTICLES[1].path + "?utm_source=newsletter&utm_campaign=may#top", ARTICLES[1].title),
        (ARTICLES[2].path, ARTICLES[2].title),
        (ARTICLES[8].path, ARTICLES[8].title),
        (PRIVATE_ARTICLE.path, PRIVATE_ARTICLE.title),
        (GALLERY_PATH, "Pictures of the week"),
        (GONE_PATH, "A story that was taken down"),
        (PDF_PATH, "Annual report (PDF)"),
    ]
    routes: dict[str, tuple[str, bytes]] = {
        "/": (
            HTML,
            _listing("Latest news", home_links, '<a class="next" href="/page/2/">Older posts</a>'),
        ),
        "/page/2/": (
            HTML,
            _listing(
                "Latest news, page 2",
                [
                    (ARTICLES[3].path, ARTICLES[3].title),
                    (ARTICLES[4].path, ARTICLES[4].title),
                    ("/", "Newer posts"),
                ],
            ),
        ),
        "/tag/police/": (
            HTML,
            _listing(
                "Tag: police",
                [
                    (ARTICLES[0].path + "?fbclid=abc123", ARTICLES[0].title),
                    (TRACKED_DUPLICATE, ARTICLES[5].title),
                    (ARTICLES[8].canonical_path or "", ARTICLES[8].title),
                ],
            ),
        ),
        "/about/": (HTML, _page("About us", "<h1>About us</h1><p>Contact the newsroom.</p>")),
        "/robots.txt": (
            "text/plain",
            (
                b"User-agent: *\nDisallow: /private/\nDisallow: /wp-admin/\n\n"
                b"Sitemap: {base}/sitemap.xml\n"
            ),
        ),
        "/sitemap.xml": (
            "application/xml",
            (
                b'<?xml version="1.0" encoding="UTF-8"?>\n'
                b'<?xml-stylesheet type="text/xsl" href="/sitemap.xsl"?>\n'
                b'<sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">'
                b"<sitemap><loc>{base}/sitemap-posts.xml.gz</loc></sitemap>"
                b"<sitemap><loc>http://offsite.invalid/sitemap.xml</loc></sitemap>"
                b"</sitemapindex>"
            ),
        ),
        "/sitemap-posts.xml.gz": (
            "application/x-gzip",
            gzip.compress(
                (
                    '<?xml version="1.0" encoding="UTF-8"?>\n'
                    '<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9" '
                    'xmlns:news="http://www.google.com/schemas/sitemap-news/0.9">'
                    f"<url><loc>{{base}}{ARTICLES[6].path}</loc><lastmod>2024-03-15</lastmod></url>"
                    f"<url><loc>{{base}}{ARTICLES[0].path}</loc><news:news><news:title>"
                    f"{ARTICLES[0].title}</news:title></news:news></url>"
                    "</urlset>"
                ).encode()
            ),
        ),
        "/feed/": (
            "application/rss+xml; charset=utf-8",
            (
                '<?xml version="1.0" encoding="UTF-8"?>\n<rss version="2.0"><channel>'
                "<title>Example Gazette</title><link>{base}/</link>"
                f"<item><title>{ARTICLES[7].title}</title>"
                f"<link>{{base}}{ARTICLES[7].path}?utm_source=rss</link></item>"
                f"<item><title>{ARTICLES[3].title}</title>"
                f"<link>{{base}}{ARTICLES[3].path}</link></item>"
                "</channel></rss>"
            ).encode(),
        ),
        PDF_PATH: ("application/pdf", b"%PDF-1.4\n% not really a PDF, but served as one\n"),
        PRIVATE_ARTICLE.path: (HTML, _article_page(PRIVATE_ARTICLE)),
    }
    for path, article in a.items():
        routes[path] = (HTML, _article_page(article))
        if article.canonical_path:
            routes[article.canonical_path] = routes[path]
    for author in sorted({article.author for article in ARTICLES}):
        slug = author.split()[0].lower()
        written = [(x.path, x.title) for x in ARTICLES if x.author == author]
        routes[f"/author/{slug}/"] = (HTML, _listing(f"Posts by {author}", written))
    gallery = "".join(
        f'<figure><img src="/wp-content/uploads/2024/05/photo-{n}.jpg" alt="">'
        f"<figcaption>Photo {n}</figcaption></figure>"
        for n in range(1, 6)
    )
    routes[GALLERY_PATH] = (HTML, _page("Pictures of the week", f"<h1>Pictures</h1>{gallery}"))
    return routes


@dataclass
class SiteServer:
    """The running server: its base URL and the log of request targets, in arrival order."""

    base_url: str
    requests: list[str] = field(default_factory=list)

    def count(self, path: str) -> int:
        """How many times a path was requested, whatever its query string."""
        return sum(1 for target in self.requests if urlsplit(target).path == path)


@contextmanager
def serve_site() -> Iterator[SiteServer]:
    """Serve the fixture site on 127.0.0.1 (a free port) for the duration of the block."""
    routes = build_routes()
    log: list[str] = []
    lock = threading.Lock()

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            with lock:
                log.append(self.path)
            path = urlsplit(self.path).path
            route = routes.get(path)
            if route is None:
                self.send_error(404, "Not Found")
                return
            content_type, body = route
            if not body.startswith(b"\x1f\x8b"):
                body = body.replace(b"{base}", server.base_url.encode())
            else:
                body = gzip.compress(
                    gzip.decompress(body).replace(b"{base}", server.base_url.encode())
                )
            self.send_response(200)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, format: str, *args: object) -> None:  # keep test output quiet
            return

    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server = SiteServer(base_url=f"http://127.0.0.1:{httpd.server_address[1]}", requests=log)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    try:
        yield server
    finally:
        httpd.shutdown()
        httpd.server_close()
        thread.join(timeout=10)
