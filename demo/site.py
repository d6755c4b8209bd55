"""The demo site as data: every path it serves, and the ground truth of every article on it.

``build_site(base_url)`` renders the whole site in memory, deterministically (no clock, and
randomness only seeded by article slugs), for the URL it will be served at. The site is a
replica of The Chamberlain Files' structure, named "Chamberlain Files demo": the reference
article (``pages/police-criticised-child-abuse.html``) and its five "Similar Articles" in
the WordPress theme, plus invented articles in the templates of ``demo.templates``, as a
regional site carries after years of CMS migrations. Around them: a paginated home page,
section, tag, author, search, about and gallery pages (none of them articles), robots.txt,
a sitemap index, an RSS feed, links with ``utm_*`` parameters, one article that robots.txt
disallows, one link to a 404 and one to a 500.
"""

# ruff: noqa: RUF001  (page text uses typographic quotes)

from __future__ import annotations

import math
import struct
import zlib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.utils import format_datetime
from html import escape
from pathlib import Path
from urllib.parse import parse_qs, quote, urlsplit
from xml.sax.saxutils import escape as xml_escape

from demo import templates
from demo.content import (
    AUTHOR_BIOS,
    DATED,
    GROUP,
    LEGACY,
    LEGACY_MISLABELLED,
    REFERENCE_SLUG,
    SECTIONS,
    SMALL_BLOG,
    WORDPRESS,
)
from demo.templates import BROKEN_404, BROKEN_500, SITE_NAME, Chrome, e
from demo.truth import ArticleTruth, build_truths, london_to_utc, slugify, utc_of
from profiles import SiteProfile

REFERENCE_FILE = Path(__file__).resolve().parent / "pages" / "police-criticised-child-abuse.html"
REFERENCE_ORIGIN = "https://www.chamberlainfiles.com"
# When the fixtures say the demo pages were fetched; nothing on the site depends on it.
FETCHED_AT = datetime(2024, 6, 3, 9, 0, tzinfo=UTC)
PER_PAGE = 10
FEED_SIZE = 10
HTML_UTF8 = "text/html; charset=utf-8"
GALLERY_PATH = "/gallery/bull-ring-christmas-market-in-pictures/"


@dataclass(frozen=True, slots=True)
class DemoPage:
    """One HTTP response of the demo site."""

    status: int
    content_type: str  # the Content-Type header, exactly as sent
    body: bytes
    headers: Mapping[str, str] = field(default_factory=dict)  # extra headers, e.g. Location

    @property
    def http_charset(self) -> str | None:
        """The charset the Content-Type header declares, if any."""
        for part in self.content_type.split(";")[1:]:
            key, _, value = part.strip().partition("=")
            if key.lower() == "charset":
                return value.strip().lower()
        return None


@dataclass(frozen=True, slots=True)
class DemoSite:
    """The rendered site for one base URL, and what a perfect crawl would find on it."""

    base_url: str  # e.g. "http://127.0.0.1:8765", no trailing slash
    pages: Mapping[str, DemoPage]  # request target (path, plus "?query" for a few) -> page
    articles: tuple[ArticleTruth, ...]  # every article, the robots-disallowed one included
    non_article_paths: tuple[str, ...]  # HTML pages (200) that are not articles
    broken_paths: Mapping[str, int]  # linked paths that fail on purpose -> HTTP status

    def url(self, path: str) -> str:
        return self.base_url + path

    @property
    def public_articles(self) -> tuple[ArticleTruth, ...]:
        """The articles a polite crawl stores: all but the robots-disallowed one."""
        return tuple(truth for truth in self.articles if not truth.robots_disallowed)

    def article_at(self, path: str) -> ArticleTruth | None:
        return next((truth for truth in self.articles if truth.path == path), None)

    def page_for(self, target: str) -> DemoPage:
        """The response to a request target ("/path?query"), as the server sends it.

        Unknown query strings are ignored, as WordPress ignores ``utm_*``; "/?p=ID"
        redirects to the post, "/?s=term" searches; anything else unknown is a 404.
        """
        if target in self.pages:
            return self.pages[target]
        parts = urlsplit(target)
        query = parse_qs(parts.query)
        if parts.path == "/" and "p" in query:
            wanted = query["p"][0]
            for truth in self.articles:
                if str(truth.post_id) == wanted:
                    return redirect(self.url(truth.path))
        if parts.path == "/" and "s" in query:
            return html_page(search_page(self, query["s"][0]))
        if parts.path in self.pages:
            return self.pages[parts.path]
        if parts.path.startswith(("/wp-content/uploads/", "/images/")) and parts.path.endswith(
            (".png", ".jpg", ".jpeg", ".gif")
        ):
            return DemoPage(200, "image/png", PLACEHOLDER_PNG)
        if parts.path.startswith(("/wp-content/", "/wp-includes/")):
            if parts.path.endswith(".css"):
                return DemoPage(200, "text/css", b"/* demo stylesheet */\n")
            if parts.path.endswith(".js"):
                return DemoPage(200, "application/javascript", b"/* demo script */\n")
        return self.pages["/404/"]


def html_page(text: str, status: int = 200) -> DemoPage:
    return DemoPage(status, HTML_UTF8, text.encode("utf-8"))


def redirect(location: str) -> DemoPage:
    body = f'<html><body><a href="{escape(location)}">Moved</a></body></html>'
    return DemoPage(301, HTML_UTF8, body.encode("utf-8"), {"Location": location})


def placeholder_png(width: int = 8, height: int = 6) -> bytes:
    """A small grey PNG, served for every picture on the site."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return (struct.pack(">I", len(data)) + kind + data
                + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF))

    rows = b"".join(b"\x00" + b"\xa0\xa0\xa0" * width for _ in range(height))
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header)
            + chunk(b"IDAT", zlib.compress(rows)) + chunk(b"IEND", b""))


PLACEHOLDER_PNG = placeholder_png()


def demo_profile(base_url: str) -> SiteProfile:
    """A site profile for the demo served at ``base_url``: a British site in London time."""
    host = urlsplit(base_url).hostname or "127.0.0.1"
    return SiteProfile(
        name="demo",
        start_urls=(base_url.rstrip("/") + "/",),
        domains=(host,),
        language="en",
        country="GB",
        timezone="Europe/London",
    )


def reference_html(base_url: str) -> str:
    """The reference article's page with its links moved from the real site to ``base_url``."""
    text = REFERENCE_FILE.read_text(encoding="utf-8")
    escaped_origin = REFERENCE_ORIGIN.replace("/", "\\/")
    text = text.replace(escaped_origin, base_url.replace("/", "\\/"))
    text = text.replace(quote(REFERENCE_ORIGIN, safe=""), quote(base_url, safe=""))
    return text.replace(REFERENCE_ORIGIN, base_url)


def render_article(truth: ArticleTruth, chrome: Chrome) -> DemoPage:
    if truth.spec.slug == REFERENCE_SLUG:
        return html_page(reference_html(chrome.base))
    if truth.template == WORDPRESS:
        return html_page(templates.render_wordpress(truth, chrome))
    if truth.template == GROUP:
        return html_page(templates.render_group(truth, chrome))
    if truth.template == SMALL_BLOG:
        return html_page(templates.render_small_blog(truth, chrome))
    if truth.template == DATED:
        return html_page(templates.render_dated(truth, chrome))
    if truth.template == LEGACY:
        # windows-1252 bytes, and neither the header nor the page names a charset.
        text = templates.render_legacy(truth, chrome)
        return DemoPage(200, "text/html", text.encode("cp1252"))
    if truth.template == LEGACY_MISLABELLED:
        # UTF-8 bytes behind a meta tag claiming iso-8859-1 (a botched CMS migration).
        meta = '<META HTTP-EQUIV="Content-Type" CONTENT="text/html; charset=iso-8859-1">\n'
        text = templates.render_legacy(truth, chrome, charset_meta=meta)
        return DemoPage(200, "text/html", text.encode("utf-8"))
    raise ValueError(f"no renderer for template {truth.template!r}")


def build_site(base_url: str) -> DemoSite:
    """Render every page of the demo for a site served at ``base_url``."""
    base = base_url.rstrip("/")
    truths = build_truths(base)
    public = tuple(
        sorted(
            (truth for truth in truths if not truth.robots_disallowed),
            key=lambda truth: (truth.published_utc, truth.post_id),
            reverse=True,
        )
    )
    chrome = Chrome(
        base=base,
        articles=public,
        tags=tuple(sorted({tag for truth in public for tag in truth.tags}, key=str.lower)),
        authors=tuple(sorted({name for truth in public for name in truth.authors})),
        sections=SECTIONS,
        by_slug={truth.spec.slug: truth for truth in truths},
    )
    pages: dict[str, DemoPage] = {}
    for truth in truths:
        pages[truth.path] = render_article(truth, chrome)
    non_articles = _listing_pages(chrome, pages)
    non_articles += _static_pages(chrome, truths, pages)
    _discovery_files(chrome, truths, pages)
    pages[BROKEN_404] = html_page(not_found_html(chrome), status=404)
    pages["/404/"] = pages[BROKEN_404]
    pages[BROKEN_500] = DemoPage(
        500, HTML_UTF8,
        b"<html><head><title>500 Internal Server Error</title></head><body><h1>Internal "
        b"Server Error</h1><p>The events calendar is temporarily unavailable.</p></body></html>",
    )
    pages["/contact"] = redirect(chrome.url("/contact/"))
    return DemoSite(
        base_url=base,
        pages=pages,
        articles=truths,
        non_article_paths=tuple(non_articles),
        broken_paths={BROKEN_404: 404, BROKEN_500: 500},
    )


def _paginated(
    chrome: Chrome,
    pages: dict[str, DemoPage],
    *,
    base_path: str,
    heading: str,
    truths: Sequence[ArticleTruth],
    intro: str = "",
    extra: str = "",
) -> list[str]:
    count = max(1, math.ceil(len(truths) / PER_PAGE))
    paths = []
    for number in range(1, count + 1):
        path = base_path if number == 1 else f"{base_path}page/{number}/"
        chunk = truths[(number - 1) * PER_PAGE : number * PER_PAGE]
        pages[path] = html_page(
            templates.listing_page(
                chrome, heading=heading, truths=chunk, base_path=base_path, page=number,
                pages=count, intro=intro, extra=extra if number == 1 else "",
            )
        )
        paths.append(path)
    return paths


def _listing_pages(chrome: Chrome, pages: dict[str, DemoPage]) -> list[str]:
    private = next(t for t in chrome.by_slug.values() if t.robots_disallowed)
    newsroom = (
        '<div class="newsroom-box"><h3>From the newsroom</h3><ul>'
        f'<li><a href="{chrome.url(private.path)}">Draft: {e(private.title)}</a></li>'
        f'<li><a href="{chrome.url(GALLERY_PATH)}">In pictures: the Christmas market</a></li>'
        "</ul></div>"
    )
    paths = _paginated(
        chrome, pages, base_path="/", heading="Latest news", truths=chrome.articles, extra=newsroom
    )
    for section in chrome.sections:
        paths += _paginated(
            chrome, pages,
            base_path=f"/category/{slugify(section)}/",
            heading=section,
            truths=[t for t in chrome.articles if t.section == section],
            intro=f"<p>Everything we have published in {e(section)}.</p>",
        )
    for tag in chrome.tags:
        paths += _paginated(
            chrome, pages,
            base_path=f"/tag/{slugify(tag)}/",
            heading=f"Tag: {tag}",
            truths=[t for t in chrome.articles if tag in t.tags],
        )
    for name in chrome.authors:
        paths += _paginated(
            chrome, pages,
            base_path=f"/author/{slugify(name)}/",
            heading=f"Author: {name}",
            truths=[t for t in chrome.articles if name in t.authors],
            intro=f"<p>{e(AUTHOR_BIOS.get(name, ''))}</p>",
        )
    for term in ("council", "metro"):
        target = f"/?s={term}"
        pages[target] = html_page(search_page_for(chrome, term))
        paths.append(target)
    blog_posts = [t for t in chrome.articles if t.template == SMALL_BLOG]
    pages["/blog/"] = html_page(
        templates.small_blog_page(
            chrome, title="", main=templates.listing_items(blog_posts, chrome)
        )
    )
    legacy = [t for t in chrome.articles if t.template.startswith("legacy")]
    archive_main = "<H1>Archive</H1>\n<UL>\n" + "\n".join(
        f'<LI><A HREF="{chrome.url(t.path)}">{e(t.title)}</A> ({t.published_utc:%d/%m/%Y})</LI>'
        for t in legacy
    ) + "\n</UL>"
    archive = templates.legacy_page(chrome, title="Index", main=archive_main)
    pages["/archive/"] = DemoPage(200, "text/html", archive.encode("cp1252"))
    return [*paths, "/blog/", "/archive/"]


def search_page(site: DemoSite, term: str) -> str:
    """Search results for any term (the server builds these on request)."""
    chrome = Chrome(
        base=site.base_url,
        articles=tuple(sorted(site.public_articles, key=lambda t: t.published_utc, reverse=True)),
        tags=(), authors=(), sections=SECTIONS,
        by_slug={truth.spec.slug: truth for truth in site.articles},
    )
    return search_page_for(chrome, term)


def search_page_for(chrome: Chrome, term: str) -> str:
    found = [t for t in chrome.articles if term.lower() in (t.title + " " + t.body).lower()]
    heading = f"Search results for: {term}"
    main = (
        f'<div class="archive-header"><h1 class="archive-title">{e(heading)}</h1>'
        f"<p>{len(found)} results</p></div>\n"
        f'<div class="article-list">\n{templates.listing_items(found[:PER_PAGE], chrome)}\n</div>'
    )
    head = '<meta name="robots" content="noindex,follow" />'
    return templates.wordpress_page(
        chrome, title=heading, main=main, head_extra=head, body_class="search"
    )


def _static_pages(
    chrome: Chrome, truths: Sequence[ArticleTruth], pages: dict[str, DemoPage]
) -> list[str]:
    private = next(t for t in truths if t.robots_disallowed)
    statics = {
        "/about/": ("About the Chamberlain Files demo", [
            "This is a demonstration site. It copies the structure of The Chamberlain Files, a "
            "politics and news site for Birmingham and the West Midlands, so that newsarchive "
            "can be tried without touching a real site.",
            "One article, the report on police handling of child abuse cases, is the reference "
            "article the project was built around; every other article is invented and any "
            "resemblance to real events is for realism only.",
            f'Drafts awaiting publication live under /private/, for example <a href="'
            f'{chrome.url(private.path)}">{e(private.title)}</a>; robots.txt asks crawlers to '
            "keep out.",
        ]),
        "/contact/": ("Contact us", [
            "Tips, corrections and letters are always welcome.",
            "Write to the editor at editor@example.org, or use the form below.",
        ]),
        "/subscribe/": ("Subscribe", [
            "Sign up for our free weekly summary, sent every Friday morning.",
        ]),
        "/privacy-policy/": ("Privacy policy", [
            "We use cookies to measure readership and remember your preferences.",
            "We never sell your details. You can ask us to delete them at any time.",
        ]),
        "/community/": ("Community guidelines", [
            "Be civil, stay on topic and do not post personal information about others.",
        ]),
    }
    for path, (heading, paragraphs) in statics.items():
        extra = ""
        if path == "/contact/":
            extra = (
                f'<form class="contact-form" method="post" action="{chrome.url("/contact/")}">'
                '<label>Your name <input name="name" /></label>'
                '<label>Your email <input name="email" type="email" /></label>'
                '<label>Message <textarea name="message"></textarea></label>'
                '<button type="submit">Send</button></form>'
            )
        pages[path] = html_page(
            templates.simple_page(
                chrome, path=path, heading=heading, paragraphs=paragraphs, extra=extra
            )
        )
    pages[GALLERY_PATH] = html_page(gallery_html(chrome))
    pages["/wp-login.php"] = html_page(
        f"<!DOCTYPE html><html lang=\"en-GB\"><head><meta charset=\"utf-8\"><title>Log In "
        f"&lsaquo; {SITE_NAME}</title><meta name=\"robots\" content=\"noindex,follow\">"
        f"{templates.head_links(chrome)}</head>"
        '<body class="login"><div id="login"><h1><a href="https://wordpress.org/">Powered by '
        'WordPress</a></h1><form name="loginform" id="loginform" method="post">'
        '<p><label for="user_login">Username or Email Address</label><input type="text" '
        'name="log" id="user_login"></p><p><label for="user_pass">Password</label><input '
        'type="password" name="pwd" id="user_pass"></p><p class="submit"><input type="submit" '
        f'value="Log In"></p></form><p id="backtoblog"><a href="{chrome.url("/")}">&larr; Back '
        f"to {SITE_NAME}</a></p></div></body></html>"
    )
    return [*statics, GALLERY_PATH, "/wp-login.php"]


GALLERY_CAPTIONS = (
    "Stalls on New Street",
    "Mulled wine at Victoria Square",
    "The carousel",
    "Wooden toys from Bavaria",
    "Crowds at dusk",
    "Lights on the Council House",
    "Bratwurst queue",
    "The big wheel",
)


def gallery_html(chrome: Chrome) -> str:
    """A picture gallery: a headline and captioned images, no text to archive."""
    figures = []
    for index, caption in enumerate(GALLERY_CAPTIONS, start=1):
        src = chrome.url(f"/wp-content/uploads/2017/12/market-{index}.png")
        figures.append(
            f'<figure class="gallery-item"><img src="{src}" width="800" height="533" '
            f'alt="{e(caption)}" /><figcaption>{e(caption)}</figcaption></figure>'
        )
    joined = "\n".join(figures)
    main = f"""<div class="gallery-page">
<h1 class="entry-title">In pictures: Bull Ring Christmas market</h1>
<div class="gallery">
{joined}
</div>
</div>"""
    head = (
        f'<link rel="canonical" href="{chrome.url(GALLERY_PATH)}" />\n'
        '<meta property="og:type" content="website" />'
    )
    return templates.wordpress_page(
        chrome, title="In pictures: Bull Ring Christmas market", main=main, head_extra=head,
        body_class="gallery",
    )


def not_found_html(chrome: Chrome) -> str:
    main = (
        '<div class="error-404"><h1 class="entry-title">Oops! That page can’t be found.</h1>'
        "<p>It looks like nothing was found at this location. Maybe try a search?</p></div>"
    )
    return templates.wordpress_page(
        chrome, title="Page not found", main=main, body_class="error404"
    )


# -- robots.txt, sitemaps, feeds --------------------------------------------------------------


def _discovery_files(
    chrome: Chrome, truths: Sequence[ArticleTruth], pages: dict[str, DemoPage]
) -> None:
    robots = (
        "User-agent: *\n"
        "Disallow: /private/\n"
        "Disallow: /wp-admin/\n"
        "Disallow: /wp-login.php\n"
        "Allow: /wp-admin/admin-ajax.php\n"
        "\n"
        f"Sitemap: {chrome.url('/sitemap.xml')}\n"
    )
    pages["/robots.txt"] = DemoPage(200, "text/plain; charset=utf-8", robots.encode("utf-8"))
    xml = "application/xml; charset=utf-8"
    newest = max(_lastmod(t) for t in chrome.articles)
    index = (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        '<sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">\n'
        f"<sitemap><loc>{chrome.url('/sitemap-posts.xml')}</loc>"
        f"<lastmod>{newest.isoformat()}</lastmod></sitemap>\n"
        f"<sitemap><loc>{chrome.url('/sitemap-pages.xml')}</loc></sitemap>\n"
        "</sitemapindex>\n"
    )
    pages["/sitemap.xml"] = DemoPage(200, xml, index.encode("utf-8"))
    posts = "".join(
        f"<url><loc>{xml_escape(t.url)}</loc><lastmod>{_lastmod(t).isoformat()}</lastmod></url>\n"
        for t in chrome.articles
    )
    pages["/sitemap-posts.xml"] = DemoPage(200, xml, _urlset(posts).encode("utf-8"))
    static = "".join(
        f"<url><loc>{chrome.url(path)}</loc></url>\n"
        for path in ("/", "/about/", "/contact/", "/blog/", "/archive/", GALLERY_PATH)
    )
    pages["/sitemap-pages.xml"] = DemoPage(200, xml, _urlset(static).encode("utf-8"))
    rss = "application/rss+xml; charset=utf-8"
    pages["/feed/"] = DemoPage(200, rss, feed_xml(chrome).encode("utf-8"))
    pages["/comments/feed/"] = DemoPage(
        200, rss, comments_feed_xml(chrome, chrome.articles, "Comments").encode("utf-8")
    )
    for truth in truths:
        if truth.template == WORDPRESS and not truth.robots_disallowed:
            pages[truth.path + "feed/"] = DemoPage(
                200, rss,
                comments_feed_xml(chrome, (truth,), f"Comments on: {truth.title}").encode("utf-8"),
            )


def _lastmod(truth: ArticleTruth) -> datetime:
    return utc_of(truth.modified or truth.published)


def _urlset(urls: str) -> str:
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        '<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">\n'
        f"{urls}</urlset>\n"
    )


def feed_xml(chrome: Chrome) -> str:
    """RSS 2.0 of the latest articles; item links carry the feed's campaign parameters."""
    items = []
    for truth in chrome.articles[:FEED_SIZE]:
        link = f"{truth.url}?utm_source=rss&utm_medium=rss&utm_campaign={truth.spec.slug}"
        creators = "".join(
            f"<dc:creator><![CDATA[{name}]]></dc:creator>" for name in truth.authors
        )
        categories = "".join(f"<category><![CDATA[{tag}]]></category>" for tag in truth.tags)
        items.append(
            "<item>\n"
            f"<title>{xml_escape(truth.title)}</title>\n"
            f"<link>{xml_escape(link)}</link>\n"
            f"<pubDate>{format_datetime(truth.published_utc)}</pubDate>\n"
            f"{creators}{categories}\n"
            f'<guid isPermaLink="false">{chrome.url(f"/?p={truth.post_id}")}</guid>\n'
            f"<description>{xml_escape(truth.excerpt)} […]</description>\n"
            "</item>"
        )
    newest = chrome.articles[0].published_utc
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        '<rss version="2.0" xmlns:dc="http://purl.org/dc/elements/1.1/" '
        'xmlns:atom="http://www.w3.org/2005/Atom">\n<channel>\n'
        f"<title>{SITE_NAME}</title>\n"
        f'<atom:link href="{chrome.url("/feed/")}" rel="self" type="application/rss+xml" />\n'
        f"<link>{chrome.url('/')}</link>\n"
        "<description>Politics and news for Birmingham and the West Midlands (demo)</description>\n"
        f"<lastBuildDate>{format_datetime(newest)}</lastBuildDate>\n"
        "<language>en-GB</language>\n"
        + "\n".join(items)
        + "\n</channel>\n</rss>\n"
    )


def comments_feed_xml(chrome: Chrome, truths: Sequence[ArticleTruth], title: str) -> str:
    items = []
    for truth in truths:
        for index, comment in enumerate(truth.comments, start=1):
            when = london_to_utc(comment.when)
            items.append(
                "<item>\n"
                f"<title>{xml_escape(f'Comment on {truth.title} by {comment.name}')}</title>\n"
                f"<link>{xml_escape(truth.url)}#comment-{index}</link>\n"
                f"<pubDate>{format_datetime(when)}</pubDate>\n"
                f"<description>{xml_escape(comment.text)}</description>\n"
                "</item>"
            )
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n<rss version="2.0">\n<channel>\n'
        f"<title>{xml_escape(title)}</title>\n<link>{chrome.url('/')}</link>\n"
        "<description>Comments (demo)</description>\n"
        + "\n".join(items)
        + "\n</channel>\n</rss>\n"
    )
