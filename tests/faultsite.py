"""A regional news site on 127.0.0.1 whose server misbehaves in every way a real one does.

Served by the standard library (a threaded ``http.server`` with raw socket writes where a
fault needs them) on an ephemeral port, for ``tests/spiders/test_fault_crawl.py``. Every
fault is reachable by a link, as on a real site, so the crawler finds it on its own:

- good articles (``ARTICLES``) whose title, date and body the test knows, among them pages
  in windows-1252 and ISO-8859-1, without any charset, with a wrong one, with malformed
  and with thousands-deep HTML; a section with real pagination; a feed and a sitemap;
- ``FAULTS``: server errors, 404/410, a hanging page, a slow one, a reset connection, a
  truncated body, a gzip bomb, an oversized page, a PDF and a PNG at .html URLs, redirect
  loops and chains;
- traps: a calendar whose months link to the next and previous month forever, a
  pagination that never ends and never lists a new article, and one article under many
  URLs (tracking parameters, print view, case and slash variants, an AMP copy);
- links that must never be fetched: file:, data:, javascript:, mailto: and another host
  (``serve_offsite`` records its hits).

``heal()`` turns the site into what it was meant to be: every fault marked ``heals``
then serves a good article (``HEALED``), the feed forgets the article only it listed,
and the failed section lists a new article. The request log records every path, so the
test can say what was and was not fetched. ``serve_fault_site(robots=...)`` serves a
small variant whose robots.txt is missing, slow or broken.
"""

# ruff: noqa: RUF001, RUF003  (typographic quotes and dashes are what the charset pages test)

from __future__ import annotations

import functools
import gzip
import socket
import struct
import threading
import zlib
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import urlsplit

HTML_UTF8 = "text/html; charset=utf-8"
SLOW_SECONDS = 1.6  # the slow page takes this long; crawls in the test time out at 3 s
HANG_SECONDS = 30.0  # the hanging page never answers within any test timeout
MAX_SIZE = 16 * 1024 * 1024  # settings.DOWNLOAD_MAXSIZE


@dataclass(frozen=True)
class Article:
    """A good article: what the page says, and how the server encodes it."""

    path: str
    title: str
    published: str  # ISO date, as the page's metadata gives it
    paragraphs: tuple[str, ...]
    encoding: str = "utf-8"  # the bytes on the wire
    http_charset: str | None = "utf-8"  # the Content-Type charset; None: none sent
    meta_charset: str | None = "utf-8"  # <meta charset>; None: none in the page
    markup: str = "clean"  # "clean", "malformed" (unclosed tags, stray </div>) or "deep"
    canonical: str | None = None  # the path the page names as canonical (default: its own)

    @property
    def body_text(self) -> str:
        return "\n\n".join(self.paragraphs)


def story(title: str, place: str) -> tuple[str, ...]:
    """Four paragraphs of plausible local news, long enough to be an article."""
    return (
        f"{title} was the talk of Tuesday's meeting of {place} Borough Council, where "
        "councillors heard from residents, officers and campaigners for more than two hours.",
        "Officials said figures published this week showed a clear change compared with the "
        "same period last year, but warned that one quarter of data was too little to judge "
        "the longer trend.",
        "Opposition members asked for an independent review, and for the full report to be "
        "published before the next meeting so that residents could read the evidence.",
        f"A final decision in {place} is expected next month, after a public consultation closes.",
    )


def _a(slug: str, title: str, day: int, place: str, *, markup: str = "clean") -> Article:
    """A plain UTF-8 article of May 2024."""
    return Article(
        f"/news/2024/05/{day:02d}/{slug}/",
        title,
        f"2024-05-{day:02d}",
        story(title, place),
        markup=markup,
    )


LEGACY_PARAGRAPHS = (
    "Der Gemeinderat von Müllheim hat am Dienstag „nach langer Debatte“ einem neuen "
    "Bürgerhaus zugestimmt – die Kosten liegen bei 4,2 Millionen €.",
    "Bürgermeisterin Renée Größer sagte, das Café im Erdgeschoss werde „für alle offen“ "
    "sein; die Eröffnung ist für den Frühling geplant.",
    "Kritiker hatten eine günstigere Lösung gefordert – etwa 800.000 € weniger – und "
    "wollen nun ein Bürgerbegehren prüfen.",
    "Über die Gestaltung des Vorplatzes entscheidet der Ausschuss für Umwelt und Technik im "
    "Juni, nach einer öffentlichen Anhörung im Rathaus.",
)
LATIN1_PARAGRAPHS = (
    "Le conseil municipal de Sélestat a voté mardi soir la rénovation de l'école "
    "élémentaire, après un débat animé sur le coût des travaux.",
    "Le maire, André Müller, a rappelé que le bâtiment datait de 1962 et que la "
    "façade nord était fragilisée depuis l'hiver dernier.",
    "Les élèves seront accueillis dans des salles provisoires près du gymnase pendant "
    "toute la durée du chantier, qui devrait durer dix-huit mois.",
    "Une réunion publique est prévue à la mairie pour présenter le projet aux familles "
    "et répondre à leurs questions sur la sécurité.",
)

ARTICLES: tuple[Article, ...] = (
    _a("council-approves-new-library-budget", "Council approves new library budget", 1, "Ashford"),
    _a("tram-extension-opens-to-passengers", "Tram extension opens to passengers", 2, "Ashford"),
    _a("hospital-waiting-times-fall-again", "Hospital waiting times fall again", 3, "Kenton"),
    _a("mayor-announces-housing-plan-for-town", "Mayor announces housing plan", 4, "Kenton"),
    _a("local-team-wins-county-cup-final", "Local team wins county cup final", 5, "Dunmore"),
    _a("bus-fares-frozen-for-another-year", "Bus fares frozen for another year", 6, "Dunmore"),
    _a("river-path-reopens-after-flood-repairs", "River path reopens after repairs", 7, "Ely"),
    _a("school-wins-national-science-award", "School wins national science award", 8, "Ely"),
    _a("market-square-plans-go-on-show", "Market square plans go on show", 9, "Wickham"),
    _a("new-cycle-lanes-split-opinion", "New cycle lanes split opinion", 10, "Wickham"),
    _a("food-bank-appeal-passes-its-target", "Food bank appeal passes its target", 11, "Barton"),
    _a("old-cinema-to-become-arts-centre", "Old cinema to become arts centre", 12, "Barton"),
    # Opinion pieces: listed by the opinion pages, whose pagination never ends.
    _a("why-our-high-street-needs-help-now", "Why our high street needs help", 13, "Ashford"),
    _a("parking-charges-hurt-small-shops", "Parking charges hurt small shops", 14, "Kenton"),
    # Only in the sitemap; only in the feed.
    _a("allotment-waiting-list-grows-longer", "Allotment waiting list grows", 15, "Ely"),
    _a("library-opening-hours-extended-again", "Library opening hours extended", 16, "Ely"),
    # Slow: answers in SLOW_SECONDS, just under the crawl's timeout.
    _a("slow-server-still-delivers-the-story", "Slow server still delivers story", 17, "Ely"),
    # Charsets: windows-1252 declared in <meta>; ISO-8859-1 declared by HTTP (with the
    # windows-1252 bytes for „ “ – € that such pages carry, as browsers read them); no
    # charset anywhere (UTF-8 bytes); and a wrong one (windows-1252 bytes, HTTP says UTF-8).
    Article(
        "/news/2024/05/18/buergerhaus-fuer-muellheim-beschlossen/",
        "Bürgerhaus für Müllheim: „Ja“ – trotz 4,2 Mio. €",
        "2024-05-18",
        LEGACY_PARAGRAPHS,
        encoding="cp1252",
        http_charset=None,
        meta_charset="windows-1252",
    ),
    Article(
        "/news/2024/05/19/selestat-renove-son-ecole-elementaire/",
        "Sélestat rénove son école élémentaire – coût : 2 M€",
        "2024-05-19",
        LATIN1_PARAGRAPHS,
        encoding="cp1252",
        http_charset="iso-8859-1",
        meta_charset=None,
    ),
    Article(
        "/news/2024/05/20/cafe-owner-renee-wins-award/",
        "Café owner Renée wins “best in town” award – again",
        "2024-05-20",
        (
            "Renée Fabré, who runs the Café Über on Station Road, has won the town’s “best "
            "independent business” award for the third year running.",
            *story("The café award", "Ashford")[1:],
        ),
        http_charset=None,
        meta_charset=None,
    ),
    Article(
        "/news/2024/05/21/naive-fete-draws-record-crowd/",
        "Naïve fête draws record crowd – and €4,000",
        "2024-05-21",
        (
            "The village fête on Saturday drew a record crowd and raised €4,000 for the "
            "church roof, organisers said – “beyond our hopes”.",
            *story("The fête", "Barton")[1:],
        ),
        encoding="cp1252",
        http_charset="utf-8",
        meta_charset="utf-8",
    ),
    _a(
        "broken-markup-story-still-readable",
        "Broken markup story still readable",
        22,
        "Ely",
        markup="malformed",
    ),
    _a(
        "deeply-nested-page-still-readable",
        "Deeply nested page still readable",
        23,
        "Ely",
        markup="deep",
    ),
    # Reached through many URLs; every copy names this one as canonical.
    _a("one-story-under-many-addresses", "One story under many addresses", 24, "Kenton"),
    # The end of a redirect chain within Scrapy's limit.
    _a("story-at-the-end-of-redirects", "Story at the end of redirects", 25, "Kenton"),
)
BY_PATH = {article.path: article for article in ARTICLES}
SECTION = ARTICLES[:12]  # /news/ and its pages 2-6, two articles a page
SECTION_PAGES = 6  # more than BARREN_PAGE_LIMIT: a real pagination is followed to its end
OPINION = ARTICLES[12:14]
SITEMAP_ONLY = ARTICLES[14]
FEED_ONLY = ARTICLES[15]
SLOW = ARTICLES[16]
DUPLICATED = ARTICLES[-2]
REDIRECT_TARGET = ARTICLES[-1]
SMALL_SITE = SECTION[:2]  # the robots.txt variants serve these (see serve_small_site)

# Other URLs of DUPLICATED, each linked from some page.
DUPLICATE_PATHS = (
    DUPLICATED.path + "?utm_source=newsletter&utm_medium=email",
    DUPLICATED.path + "?fbclid=IwAR0abc",
    DUPLICATED.path.rstrip("/"),
    DUPLICATED.path.replace("/one-story-", "/One-Story-"),
    DUPLICATED.path + "print/",
    DUPLICATED.path + "?print=1",
    "/amp" + DUPLICATED.path,
)


@dataclass(frozen=True)
class Fault:
    """A URL the server gets wrong, and what a crawl must record for it."""

    path: str
    kind: str  # how the server misbehaves (see FaultHandler.serve_fault)
    reason: str | None  # the start of the fetch_failure reason; None: no failure row
    heals: bool = False  # after heal(), serves HEALED[path]


def _f(slug: str, kind: str, reason: str | None, *, heals: bool = False) -> Fault:
    return Fault(f"/news/2024/04/{slug}/", kind, reason, heals=heals)


FAULTS: tuple[Fault, ...] = (
    _f("council-server-error-story", "500", "HTTP 500", heals=True),
    _f("bad-gateway-story-from-proxy", "502", "HTTP 502", heals=True),
    _f("service-unavailable-story-here", "503", "HTTP 503", heals=True),
    _f(
        "maintenance-story-retry-after",
        "503-retry-after",
        "HTTP 503 (Retry-After: 3600)",
        heals=True,
    ),
    _f("deleted-story-not-found-now", "404", "HTTP 404", heals=True),
    _f("withdrawn-story-is-gone-now", "410", "HTTP 410", heals=True),
    _f("hanging-server-never-answers", "hang", "Timeout after 3 s", heals=True),
    _f("connection-reset-mid-response", "reset", "Connection lost", heals=True),
    _f("truncated-body-story-cut-short", "truncated", "Data loss", heals=True),
    _f("gzip-bomb-disguised-as-story", "gzip-bomb", "Size limit"),
    _f("enormous-page-over-size-limit", "huge", "Size limit"),
    _f("streamed-page-over-size-limit", "huge-streamed", "Size limit"),
    Fault("/news/2024/04/annual-report-summary.html", "pdf", None),
    Fault("/news/2024/04/front-page-photo-gallery.html", "png", None),
    _f("redirect-loop-story-first-hop", "loop", "Redirect loop"),
    _f("redirect-chain-story-too-long", "long-chain", "Too many redirects"),
    _f("redirect-chain-story-short-one", "short-chain", None),
)
FAULT_BY_PATH = {fault.path: fault for fault in FAULTS}
# A section page that fails until heal(); then it lists one new article.
FAILING_SECTION = "/business/"
BUSINESS_ARTICLE = _a("business-park-gets-green-light", "Business park gets green light", 26, "Ely")
# An article listed only by the feed, which fails until heal() and which the healed feed
# no longer lists: only a retry of the recorded failure can fetch it again.
FEED_FAILURE = _f("feed-only-story-server-error", "500", "HTTP 500", heals=True)
SHORT_CHAIN_HOPS = 4  # within REDIRECT_MAX_TIMES (10)
LONG_CHAIN_HOPS = 15  # beyond it


def healed_article(path: str) -> Article:
    """What a healing fault's URL serves after heal(): a good article of its own."""
    slug = path.rstrip("/").rsplit("/", 1)[-1]
    title = "Recovered: " + slug.replace("-", " ").capitalize()
    return Article(path, title, "2024-04-30", story("The recovered story", "Ely"))


HEALED: dict[str, Article] = {
    fault.path: healed_article(fault.path) for fault in (*FAULTS, FEED_FAILURE) if fault.heals
}

NEVER_FETCHED_SCHEMES = (
    "file:///etc/passwd",
    "data:text/html,<h1>Injected story about council</h1>",
    "javascript:alert('council')",
    "mailto:newsdesk@example.org?subject=Story",
)


# --- pages -------------------------------------------------------------------------------


def _nav() -> str:
    scheme_links = "".join(f'<a href="{href}">More</a> ' for href in NEVER_FETCHED_SCHEMES)
    return (
        '<header class="site-header"><a class="logo" href="/">The Fenland Courier</a>'
        '<nav class="main-nav"><ul><li><a href="/">Home</a></li><li><a href="/news/">News</a>'
        '</li><li><a href="/opinion/">Opinion</a></li><li><a href="/events/2024/05/">What\'s '
        f'on</a></li><li><a href="{FAILING_SECTION}">Business</a></li><li><a href="/about-us/">'
        "About us</a></li></ul></nav>"
        f'<div class="utility">{scheme_links}<a href="{{offsite}}/partner-news/story-one/">'
        "Partner news</a></div></header>"
    )


def _footer() -> str:
    return (
        '<footer class="site-footer"><p>© 2024 The Fenland Courier, 12 Market Street.</p>'
        '<a href="/feed/">RSS</a> <a href="/privacy/">Privacy</a></footer>'
    )


def _page(
    title: str,
    main: str,
    *,
    head: str = "",
    meta_charset: str | None = "utf-8",
    chrome: bool = True,
) -> str:
    """A whole page; ``chrome=False`` leaves out the menus, sidebar and footer."""
    charset = f'<meta charset="{meta_charset}">' if meta_charset else ""
    if not chrome:
        return (
            f'<!DOCTYPE html>\n<html lang="en"><head>{charset}<title>{title}</title>{head}'
            f'</head><body><main id="content">{main}</main></body></html>'
        )
    return (
        f'<!DOCTYPE html>\n<html lang="en"><head>{charset}<title>{title} | The Fenland '
        'Courier</title><meta name="viewport" content="width=device-width">'
        '<link rel="alternate" type="application/rss+xml" title="Courier feed" href="/feed/">'
        f'{head}</head><body>{_nav()}<main id="content">{main}</main>'
        f'<aside class="sidebar"><h3>Most read</h3><ul><li><a href="{SECTION[0].path}">'
        f"{SECTION[0].title}</a></li></ul></aside>{_footer()}</body></html>"
    )


def article_html(article: Article, *, chrome: bool = True) -> str:
    canonical = article.canonical or article.path
    paragraphs = "".join(f"<p>{text}</p>" for text in article.paragraphs)
    if article.markup == "malformed":
        # Unclosed <p>s and <i>, stray </div> and </span> closers, an unquoted attribute.
        paragraphs = "".join(f"<p class=para>{text}</div></span>" for text in article.paragraphs)
        paragraphs += "<div class=tools><i><span>"
    head = (
        f'<link rel="canonical" href="{{base}}{canonical}">'
        f'<meta property="og:type" content="article">'
        f'<meta property="og:title" content="{article.title}">'
        f'<meta property="article:published_time" content="{article.published}T08:30:00+01:00">'
    )
    byline = (
        'By <a href="/author/jane-holt/">Jane Holt</a>, local democracy reporter'
        if chrome
        else "By Jane Holt"
    )
    body = (
        (
            '<nav class="breadcrumb"><a href="/">Home</a> › <a href="/news/">News</a></nav>'
            if chrome
            else ""
        )
        + f'<article class="story"><h1 class="headline">{article.title}</h1>'
        f'<p class="byline">{byline} · <time datetime="{article.published}T08:30:00+01:00">'
        f"{article.published}</time></p>"
        f'<div class="story-body">{paragraphs}</div>'
        + ('<div class="share"><a href="/share/?u=story">Share</a></div>' if chrome else "")
        + "</article>"
    )
    if article.markup == "deep":
        # A comments widget gone wrong: thousands of nested <div>s after the article.
        depth = 5000
        body += (
            '<section class="comments">'
            + "<div>" * depth
            + "No comments"
            + ("</div>" * depth)
            + "</section>"
        )
    return _page(article.title, body, head=head, meta_charset=article.meta_charset, chrome=chrome)


def listing_html(title: str, links: list[tuple[str, str]], extra: str = "") -> str:
    items = "".join(
        f'<li class="teaser"><h2><a href="{href}">{text}</a></h2></li>' for href, text in links
    )
    return _page(title, f'<h1>{title}</h1><ul class="teasers">{items}</ul>{extra}')


def _teasers(articles: tuple[Article, ...] | list[Article]) -> list[tuple[str, str]]:
    return [(article.path, article.title) for article in articles]


def home_html() -> str:
    """The front page: a few section stories, the special articles, every fault."""
    links = _teasers([*SECTION[:3], SLOW, *ARTICLES[17:23], REDIRECT_TARGET])
    links += [(path, DUPLICATED.title) for path in DUPLICATE_PATHS]
    links += [(fault.path, f"Story {n}") for n, fault in enumerate(FAULTS)]
    return listing_html("Latest news", links, '<a href="/news/">More news</a>')


def section_html(page: int) -> str:
    articles = SECTION[(page - 1) * 2 : page * 2]
    more = (
        f'<a rel="next" href="/news/page/{page + 1}/">Older stories</a>'
        if page < SECTION_PAGES
        else ""
    )
    newer = "/news/" if page == 2 else f"/news/page/{page - 1}/"
    back = f'<a rel="prev" href="{newer}">Newer</a>' if page > 1 else ""
    return listing_html(f"News, page {page}", _teasers(articles), more + back)


def opinion_html(page: int) -> str:
    """Every page lists the same two pieces and links to the next page, forever."""
    next_link = f'<a class="next" href="/opinion/page/{page + 1}/">Next page</a>'
    return listing_html(f"Opinion, page {page}", _teasers(OPINION), next_link)


def calendar_html(year: int, month: int) -> str:
    """A month of an events calendar: no events, links to the months either side, forever."""
    prev_year, prev_month = (year, month - 1) if month > 1 else (year - 1, 12)
    next_year, next_month = (year, month + 1) if month < 12 else (year + 1, 1)
    links = (
        f'<a href="/events/{prev_year}/{prev_month:02d}/">« Previous month</a> '
        f'<a href="/events/{next_year}/{next_month:02d}/">Next month »</a>'
    )
    return _page(f"What's on: {year}-{month:02d}", f"<h1>Events</h1><p>No events.</p>{links}")


def feed_xml(*, healed: bool) -> str:
    articles = [FEED_ONLY, SECTION[0], SECTION[1], DUPLICATED]
    items = "".join(
        f"<item><title>{a.title}</title><link>{{base}}{a.path}?utm_source=rss</link></item>"
        for a in articles
    )
    if not healed:
        items += f"<item><title>Feed story</title><link>{{base}}{FEED_FAILURE.path}</link></item>"
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n<rss version="2.0"><channel>'
        f"<title>The Fenland Courier</title><link>{{base}}/</link>{items}</channel></rss>"
    )


def sitemap_xml() -> str:
    urls = "".join(f"<url><loc>{{base}}{a.path}</loc></url>" for a in (SITEMAP_ONLY, *SECTION[:2]))
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        f'<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">{urls}</urlset>'
    )


def gzip_bomb(inflated_bytes: int) -> bytes:
    """A gzip stream of zeros that inflates to ``inflated_bytes``: members of 16 MiB each."""
    member = gzip.compress(b"\0" * (16 * 1024 * 1024), compresslevel=9)
    return member * (inflated_bytes // (16 * 1024 * 1024))


# --- the server --------------------------------------------------------------------------


@dataclass
class FaultSite:
    """A running site: its URL, its request log, and the switch that heals it."""

    base_url: str
    offsite_url: str
    robots: str  # "ok", "missing", "slow" or "error"
    requests: list[str] = field(default_factory=list)
    healed: bool = False
    stopping: threading.Event = field(default_factory=threading.Event)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def heal(self) -> None:
        self.healed = True

    def count(self, path: str) -> int:
        """How many times a path was requested, whatever its query string."""
        with self.lock:
            return sum(1 for target in self.requests if urlsplit(target).path == path)

    def paths(self) -> set[str]:
        with self.lock:
            return {urlsplit(target).path for target in self.requests}


class FaultHandler(BaseHTTPRequestHandler):
    """Serves one FaultSite; faults write to the socket directly where HTTP would not."""

    site: FaultSite
    bomb: bytes = b""
    protocol_version = "HTTP/1.0"

    def log_message(self, format: str, *args: object) -> None:  # keep test output quiet
        return

    def do_GET(self) -> None:
        site = self.site
        with site.lock:
            site.requests.append(self.path)
        path = urlsplit(self.path).path
        if path == "/robots.txt":
            self.serve_robots()
        elif path in FAULT_BY_PATH or path == FEED_FAILURE.path:
            fault = FAULT_BY_PATH.get(path, FEED_FAILURE)
            if site.healed and fault.heals:
                self.send_article(HEALED[path])
            else:
                self.serve_fault(fault)
        elif path.startswith("/redirect/"):
            self.serve_redirect(path)
        else:
            self.serve_page(path)

    # -- plain pages ----------------------------------------------------------------------

    def send_body(self, status: int, content_type: str, body: bytes, **headers: str) -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        for name, value in headers.items():
            self.send_header(name.replace("_", "-"), value)
        self.end_headers()
        self.wfile.write(body)

    def filled(self, text: str) -> str:
        """The text with the site's and the other host's base URLs in place."""
        return text.replace("{base}", self.site.base_url).replace(
            "{offsite}", self.site.offsite_url
        )

    def html(self, text: str, *, status: int = 200) -> None:
        self.send_body(status, HTML_UTF8, self.filled(text).encode())

    def send_article(self, article: Article) -> None:
        if article is SLOW:
            self.send_slowly(self.filled(article_html(article)).encode())
            return
        text = self.filled(article_html(article, chrome=self.site.robots == "ok"))
        content_type = "text/html" + (
            f"; charset={article.http_charset}" if article.http_charset else ""
        )
        self.send_body(200, content_type, text.encode(article.encoding))

    def serve_page(self, path: str) -> None:
        site = self.site
        lowered = path.lower()
        if site.robots != "ok":
            self.serve_small_site(path)
        elif path == "/":
            self.html(home_html())
        elif lowered in BY_PATH or lowered.rstrip("/") + "/" in BY_PATH:
            # Case and trailing-slash variants answer too, as many CMSs do.
            self.send_article(BY_PATH.get(lowered) or BY_PATH[lowered.rstrip("/") + "/"])
        elif path.startswith("/amp/") and path[4:] in BY_PATH:
            self.send_article(BY_PATH[path[4:]])
        elif path.endswith("/print/") and path[: -len("print/")] in BY_PATH:
            self.send_article(BY_PATH[path[: -len("print/")]])
        elif path == "/news/":
            self.html(section_html(1))
        elif path.startswith("/news/page/") and path.count("/") == 4:
            page = int(path.split("/")[3])
            if 2 <= page <= SECTION_PAGES:
                self.html(section_html(page))
            else:
                self.html(listing_html("Not found", []), status=404)
        elif path == "/opinion/" or path.startswith("/opinion/page/"):
            page = int(path.split("/")[3]) if path.startswith("/opinion/page/") else 1
            self.html(opinion_html(page))
        elif path.startswith("/events/") and path.count("/") == 4:
            _, _, year, month, _ = path.split("/")
            self.html(calendar_html(int(year), int(month)))
        elif path == FAILING_SECTION:
            if site.healed:
                self.html(listing_html("Business", _teasers([BUSINESS_ARTICLE])))
            else:
                self.send_body(502, HTML_UTF8, b"<h1>502 Bad Gateway</h1>")
        elif path == BUSINESS_ARTICLE.path and site.healed:
            self.send_article(BUSINESS_ARTICLE)
        elif path == "/feed/":
            body = feed_xml(healed=site.healed).replace("{base}", site.base_url)
            self.send_body(200, "application/rss+xml; charset=utf-8", body.encode())
        elif path == "/sitemap.xml":
            body = sitemap_xml().replace("{base}", site.base_url)
            self.send_body(200, "application/xml", body.encode())
        elif path == "/author/jane-holt/":
            self.html(listing_html("Jane Holt", _teasers(SECTION[:2])))
        elif path in ("/about-us/", "/privacy/"):
            self.html(_page("About us", "<h1>About us</h1><p>Call the newsdesk.</p>"))
        else:
            self.html(listing_html("Page not found", []), status=404)

    def serve_small_site(self, path: str) -> None:
        """The robots.txt variants: a home page, a "more" page and two articles, no menus.

        The second article is two links away from the home page (by way of /more/).
        """
        first, second = SMALL_SITE
        if path == "/":
            links = f'<p><a href="{first.path}">{first.title}</a></p><a href="/more/">More</a>'
            self.html(_page("Home", f"<h1>Latest</h1>{links}", chrome=False))
        elif path == "/more/":
            link = f'<p><a href="{second.path}">{second.title}</a></p>'
            self.html(_page("More", f"<h1>More</h1>{link}", chrome=False))
        elif path in (first.path, second.path):
            self.send_article(BY_PATH[path])
        else:
            self.html(_page("Not found", "<h1>Not found</h1>", chrome=False), status=404)

    def send_slowly(self, body: bytes) -> None:
        """Headers at once, then the body in five parts over SLOW_SECONDS."""
        self.send_response(200)
        self.send_header("Content-Type", HTML_UTF8)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        step = len(body) // 5 + 1
        for start in range(0, len(body), step):
            self.wfile.write(body[start : start + step])
            self.wfile.flush()
            self.site.stopping.wait(SLOW_SECONDS / 5)

    def serve_robots(self) -> None:
        site = self.site
        body = (
            f"User-agent: *\nDisallow: /private/\n\nSitemap: {site.base_url}/sitemap.xml\n"
        ).encode()
        if site.robots == "missing":
            self.send_body(404, "text/plain", b"no robots here")
        elif site.robots == "error":
            self.send_body(500, "text/plain", b"robots backend down")
        elif site.robots == "slow":
            site.stopping.wait(HANG_SECONDS)
        else:
            self.send_body(200, "text/plain", body)

    # -- faults ---------------------------------------------------------------------------

    def serve_fault(self, fault: Fault) -> None:
        kind = fault.kind
        page = b"<html><body><h1>Error</h1></body></html>"
        if kind in ("500", "502", "503", "404", "410"):
            self.send_body(int(kind), HTML_UTF8, page)
        elif kind == "503-retry-after":
            self.send_body(503, HTML_UTF8, page, Retry_After="3600")
        elif kind == "hang":
            self.site.stopping.wait(HANG_SECONDS)
        elif kind == "reset":
            # The status line and half the headers, then a TCP reset (SO_LINGER 0).
            self.wfile.write(b"HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nContent-Le")
            self.wfile.flush()
            self.reset_connection()
        elif kind == "truncated":
            body = self.filled(article_html(HEALED[fault.path])).encode()
            head = (
                f"HTTP/1.1 200 OK\r\nContent-Type: {HTML_UTF8}\r\nContent-Length: "
                f"{len(body) + 50_000}\r\nConnection: close\r\n\r\n"
            ).encode()
            self.wfile.write(head + body)
            self.wfile.flush()
            self.close_connection = True
        elif kind == "gzip-bomb":
            self.send_body(200, HTML_UTF8, type(self).bomb, Content_Encoding="gzip")
        elif kind in ("huge", "huge-streamed"):
            self.send_huge(streamed=kind == "huge-streamed")
        elif kind == "pdf":
            self.send_body(200, "application/pdf", b"%PDF-1.4\n1 0 obj<<>>endobj\n%%EOF\n")
        elif kind == "png":
            self.send_body(200, "image/png", PNG)
        elif kind == "loop":
            self.redirect(f"/redirect/loop/b{fault.path}")
        elif kind == "long-chain":
            self.redirect(f"/redirect/chain/{LONG_CHAIN_HOPS}/{LONG_CHAIN_HOPS}")
        elif kind == "short-chain":
            self.redirect(f"/redirect/chain/{SHORT_CHAIN_HOPS}/{SHORT_CHAIN_HOPS}")
        else:
            raise AssertionError(f"unknown fault {kind}")

    def serve_redirect(self, path: str) -> None:
        parts = path.split("/")
        if parts[2] == "loop":
            # /redirect/loop/b/<fault path> -> the fault path, which redirects here again.
            self.redirect(path[len("/redirect/loop/b") :])
        elif parts[2] == "chain":
            left, total = int(parts[3]), int(parts[4])
            if left <= 1:
                self.redirect(REDIRECT_TARGET.path if total == SHORT_CHAIN_HOPS else "/")
            else:
                self.redirect(f"/redirect/chain/{left - 1}/{total}")
        else:
            self.html(listing_html("Page not found", []), status=404)

    def redirect(self, location: str) -> None:
        self.send_response(302)
        self.send_header("Location", location)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def send_huge(self, *, streamed: bool) -> None:
        """A page of MAX_SIZE + 4 MiB: with a Content-Length, or streamed without one."""
        size = MAX_SIZE + 4 * 1024 * 1024
        self.send_response(200)
        self.send_header("Content-Type", HTML_UTF8)
        if not streamed:
            self.send_header("Content-Length", str(size))
        self.end_headers()
        chunk = b"<p>" + b"x" * 65_530 + b"</p>"
        try:
            self.wfile.write(b"<html><body>")
            for _ in range(size // len(chunk)):
                self.wfile.write(chunk)
        except OSError:  # the client hung up once it had enough: that is the point
            pass
        self.close_connection = True

    def reset_connection(self) -> None:
        self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        self.connection.close()
        self.close_connection = True


def _png() -> bytes:
    """A valid 1x1 PNG."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return (
            struct.pack(">I", len(data))
            + kind
            + data
            + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)
        )

    header = struct.pack(">IIBBBBB", 1, 1, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(b"\0\xff\xff\xff"))
        + chunk(b"IEND", b"")
    )


PNG = _png()


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    block_on_close = False


@contextmanager
def _serving(handler: type[BaseHTTPRequestHandler], host: str) -> Iterator[_Server]:
    httpd = _Server((host, 0), handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    try:
        yield httpd
    finally:
        httpd.shutdown()
        httpd.server_close()
        thread.join(timeout=10)


@contextmanager
def serve_fault_site(*, robots: str = "ok", offsite_url: str) -> Iterator[FaultSite]:
    """Serve the site on 127.0.0.1 (a free port) for the duration of the block.

    ``robots``: "ok", "missing" (404), "slow" (never answers) or "error" (500).
    ``offsite_url``: the base URL of another host the site links to.
    """
    site = FaultSite(base_url="", offsite_url=offsite_url, robots=robots)
    handler = type("SiteHandler", (FaultHandler,), {"site": site, "bomb": _bomb()})
    with _serving(handler, "127.0.0.1") as httpd:
        site.base_url = f"http://127.0.0.1:{httpd.server_address[1]}"
        try:
            yield site
        finally:
            site.stopping.set()


@functools.cache
def _bomb() -> bytes:
    return gzip_bomb(1024 * 1024 * 1024)  # 1 GiB inflated, ~1 MiB on the wire


@dataclass
class Recorder:
    """Another host: it only records what is asked of it."""

    base_url: str
    requests: list[str]


@contextmanager
def serve_offsite(host: str = "127.0.0.2") -> Iterator[Recorder]:
    """A server on another loopback host that records every request; OSError if unbindable."""
    log: list[str] = []

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            log.append(self.path)
            self.send_response(200)
            self.send_header("Content-Type", HTML_UTF8)
            self.end_headers()
            self.wfile.write(listing_html("Partner", []).encode())

        def log_message(self, format: str, *args: object) -> None:
            return

    with _serving(Handler, host) as httpd:
        yield Recorder(base_url=f"http://{host}:{httpd.server_address[1]}", requests=log)
