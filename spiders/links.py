"""Link discovery: which links of a page to follow, and as what (article, listing or skip).

Pure functions of URLs and a page's parsed HTML; the ``Frontier`` adds the crawl's memory
(the canonical URLs already seen) so that a link is judged once per crawl, before any
Request exists: Scrapy's dupefilter costs ~100 µs per duplicate Request and a news page
repeats ~250 navigation links (see PERFORMANCE.md).

Article candidates are only candidates: the parser has the last word on each page.
Listing pages (home, sections, tags, authors, pagination, date archives, and any on-site
page whose URL does not look like an article) are fetched for their links, not parsed.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import TYPE_CHECKING
from urllib.parse import unquote, urlsplit

from parsers import page_tree
from parsers.links import page_links
from spiders.urls import UrlSet, canonical_url, host_of, site_domains

if TYPE_CHECKING:
    from lxml.html import HtmlElement
    from scrapy.http import Response, TextResponse

    from profiles import SiteProfile


class LinkKind(StrEnum):
    ARTICLE = "article"  # fetch and hand to the parser (which may still say "not an article")
    LISTING = "listing"  # fetch for its links only
    # An on-site page whose URL shape says neither: fetch it, follow its links, and let the
    # parser decide (short-slug sites such as /an-optimism-of-mayors/ publish articles so).
    PAGE = "page"
    SKIP = "skip"  # never fetch


@dataclass(frozen=True, slots=True)
class Verdict:
    """What a URL is to the crawl, and the rule that said so (for stats and debugging)."""

    kind: LinkKind
    reason: str


@dataclass(frozen=True, slots=True)
class Link:
    """A canonical URL newly admitted to the crawl, with its site and verdict."""

    url: str
    kind: LinkKind
    reason: str
    profile: SiteProfile | None  # None when the URL belongs to no site of the crawl


MAX_URL_LENGTH = 2_000  # longer URLs are session ids, calendars or other crawler traps

MEDIA_EXTENSIONS = frozenset(
    """
    jpg jpeg png gif webp avif svg ico bmp tif tiff heic pdf zip gz tgz bz2 xz rar 7z tar
    dmg exe apk msi iso mp3 mp4 m4a m4v wav ogg oga ogv webm mov avi mkv flv wmv doc docx
    xls xlsx ppt pptx odt ods odp rtf csv epub mobi css js mjs json woff woff2 ttf eot otf
    ics vcf txt
    """.split()  # noqa: SIM905 (a word list reads better than 70 quoted strings)
)
# Feeds and sitemaps reach the crawl through <link rel=alternate>, robots.txt and the start
# URLs; an <a> pointing at one (a footer "RSS" link, a post's comment feed) is skipped.
FEED_EXTENSIONS = frozenset({"rss", "atom", "rdf", "xml"})

# Each rule: a reason and a regex over the lower-cased path (with its query after "?").
_SKIP_RULES: tuple[tuple[str, re.Pattern[str]], ...] = tuple(
    (reason, re.compile(pattern))
    for reason, pattern in (
        (
            "system",
            r"/(?:wp-admin|wp-includes|wp-content|wp-json|cdn-cgi|administrator)(?:/|$)"
            r"|/xmlrpc\.php|/wp-cron\.php",
        ),
        (
            "login",
            r"/(?:wp-login\.php|wp-signup\.php|login|log-in|logout|log-out|signin|sign-in"
            r"|signup|sign-up|register|registration|account|my-account|myaccount"
            r"|lost-password|password-reset|subscribe|subscription|cart|checkout)"
            r"(?:/|$|\?|\.)"
            r"|[?&]action=(?:login|logout|register|lostpassword)",
        ),
        ("search", r"/(?:search|suche)(?:/|$|\?)|[?&](?:s|q|query|search|searchterm|keywords?)="),
        ("feed", r"/(?:feed|rss|atom)(?:/(?:rss2?|atom|rdf))?/?(?:$|\?)|[?&]feed="),
        (
            "share",
            r"/(?:share|sharer|print|email|send-to-friend)(?:/|$)"
            r"|[?&](?:share|print|shared|like_comment|add-to-cart|ical|outlook-ical)="
            r"|[?&](?:format|output)=(?:pdf|print)",
        ),
        (
            "comments",
            r"/comment-page-\d+/?|/trackback/?(?:$|\?)|/comments/?(?:$|\?)"
            r"|/embed/?(?:$|\?)|/attachment/|[?&](?:replytocom|attachment_id)=",
        ),
        (
            "amp",
            r"(?:^|/)amp/?(?:$|\?)|\.amp(?:\.html)?(?:$|\?)|[?&](?:amp|outputtype=amp)(?:&|=|$)",
        ),
    )
)

_PAGINATION = re.compile(
    r"/(?:page|seite|pagina)/\d+/?(?:$|\?)|[?&](?:page|paged|pg|seite|pagina|start|offset)=\d+"
)
_HOME_PATHS = frozenset({"", "/", "/index.html", "/index.htm", "/index.php", "/home", "/home/"})
# Path segments naming a collection of articles rather than one (several languages).
_TAXONOMY_SEGMENTS = frozenset(
    """
    category categories tag tags topic topics section sections author authors series
    archive archives collection collections label labels
    rubrik rubriken kategorie kategorien thema themen schlagwort schlagworte autor autoren
    categoria categorie etiqueta etiquetas tema temi autore rubrique rubriques auteur
    """.split()  # noqa: SIM905
)
_YEAR = r"(?:19|20)\d\d"
# /2014/10/28/slug, /2014/10/slug, /2023/slug-with-words, /20200428/slug: dated articles.
_LETTER = r"[^\W\d_]"
_DATED_SLUG = re.compile(
    rf"/{_YEAR}/(?:(?:0?[1-9]|1[0-2])/(?:(?:0?[1-9]|[12]\d|3[01])/)?[^/?]*{_LETTER}"
    rf"|[^/?]*{_LETTER}[^/?]*-[^/?]*{_LETTER})"
    rf"|/{_YEAR}(?:0[1-9]|1[0-2])(?:0[1-9]|[12]\d|3[01])/[^/?]*{_LETTER}"
)
# /2014/, /2014/10/, /2014/10/28/ with nothing after: an archive of that year, month or day.
_DATE_ARCHIVE = re.compile(
    rf"(?:^|/){_YEAR}(?:/(?:0?[1-9]|1[0-2])(?:/(?:0?[1-9]|[12]\d|3[01]))?)?/?$"
)
_NUMERIC_ID = re.compile(r"(?<!\d)\d{5,}(?!\d)")
_QUERY_ID = re.compile(
    r"[?&](?:p|id|article|articleid|article_id|story|storyid|story_id|newsid|news_id|itemid"
    r"|item_id|nid)=\d+"
)
_PAGE_FILE = re.compile(r"/([^/]+)\.(?:s?html?)$")
_INDEX_STEMS = frozenset({"index", "default", "home", "main", "start"})
_SLUG_WORDS = re.compile(r"[^\W_]+")


def extension_of(path: str) -> str:
    """The lower-cased file extension of a URL path's last segment, "" when it has none."""
    last = path.rsplit("/", 1)[-1]
    stem, dot, extension = last.rpartition(".")
    return extension.lower() if dot and stem else ""


def classify_url(url: str, profile: SiteProfile) -> Verdict:
    """Article candidate, listing page or skip, for an absolute (canonical) URL.

    Skips come first (other schemes and hosts, the profile's deny_patterns, media files,
    feeds, admin, login, search, share and comment links). Then the profile's
    article_patterns decide when it has any; otherwise the URL's shape does.
    """
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https"):
        return Verdict(LinkKind.SKIP, "scheme")
    host = (parts.hostname or "").rstrip(".")
    if not host or not any(
        host == d or host.endswith("." + d) for d in site_domains(profile.domains)
    ):
        return Verdict(LinkKind.SKIP, "offsite")
    if len(url) > MAX_URL_LENGTH:
        return Verdict(LinkKind.SKIP, "too long")
    if profile.is_denied(url):
        return Verdict(LinkKind.SKIP, "denied")
    path = unquote(parts.path).lower()
    extension = extension_of(path)
    if extension in MEDIA_EXTENSIONS:
        return Verdict(LinkKind.SKIP, "media")
    if extension in FEED_EXTENSIONS:
        return Verdict(LinkKind.SKIP, "feed")
    target = f"{path}?{parts.query.lower()}" if parts.query else path
    for reason, rule in _SKIP_RULES:
        if rule.search(target):
            return Verdict(LinkKind.SKIP, reason)
    segments = [segment for segment in path.split("/") if segment]
    if len(segments) != len(set(segments)) and _repeats_a_segment(segments):
        return Verdict(LinkKind.SKIP, "trap")

    by_profile = profile.is_article_url(url)
    if by_profile:
        return Verdict(LinkKind.ARTICLE, "profile pattern")
    if _PAGINATION.search(target):
        return Verdict(LinkKind.LISTING, "pagination")
    if by_profile is None and _DATED_SLUG.search(path):
        return Verdict(LinkKind.ARTICLE, "dated slug")
    if by_profile is None and _QUERY_ID.search(target):  # /?p=4711 is a post, not the home
        return Verdict(LinkKind.ARTICLE, "query id")
    if path in _HOME_PATHS:
        return Verdict(LinkKind.LISTING, "home")
    # A taxonomy word names a listing when it is one of the last two segments (/tag/police/,
    # /news/category/crime/); deeper down it is a section holding articles
    # (/themen/umwelt/natuerlicher-klima-und-artenschutz).
    if _TAXONOMY_SEGMENTS.intersection(segments[-2:]):
        return Verdict(LinkKind.LISTING, "taxonomy")
    if _DATE_ARCHIVE.search(path):
        return Verdict(LinkKind.LISTING, "date archive")
    if by_profile is False:
        return Verdict(LinkKind.LISTING, "no profile pattern")
    return _verdict_by_shape(path, segments)


def _repeats_a_segment(segments: Sequence[str]) -> bool:
    """Whether one segment occurs three times or more: /a/b/a/b/a/b/ calendar-style traps."""
    counts: dict[str, int] = {}
    for segment in segments:
        counts[segment] = counts.get(segment, 0) + 1
        if counts[segment] >= 3:
            return True
    return False


def _verdict_by_shape(path: str, segments: Sequence[str]) -> Verdict:
    if _NUMERIC_ID.search(path):
        return Verdict(LinkKind.ARTICLE, "numeric id")
    if (page := _PAGE_FILE.search(path)) and page.group(1) not in _INDEX_STEMS:
        return Verdict(LinkKind.ARTICLE, "page file")
    if segments:
        # The wordiest segment, not the last: /items-we-never-knew-we-wanted/2/ is page 2 of
        # an article. A three-word slug is a headline (/police-criticised-over-response/); a
        # two-word one only below a section (/travel/dezuka-suisan/), since top-level
        # two-word paths are mostly site pages (/about-us/, /privacy-policy/).
        words = max(len(_SLUG_WORDS.findall(segment)) for segment in segments)
        if words >= 3 or (words == 2 and len(segments) >= 2):
            return Verdict(LinkKind.ARTICLE, "slug")
    return Verdict(LinkKind.PAGE, "section or page")


_CHARSET = re.compile(r"""charset\s*=\s*["']?([\w.:-]+)""", re.IGNORECASE)


def charset_of(content_type: str | None) -> str | None:
    """The charset parameter of a Content-Type header value, lower-cased; None without one."""
    match = _CHARSET.search(content_type or "")
    return match.group(1).lower() if match else None


def content_type_of(response: Response) -> str:
    """The response's Content-Type header value ("" without one)."""
    return (response.headers.get(b"Content-Type") or b"").decode("latin-1")


def page_tree_of(response: TextResponse) -> HtmlElement | None:
    """The fetched page as the parser reads it (``parsers.page_tree``); None if not HTML.

    Not ``response.text``: for a page that declares no charset, Scrapy asks
    charset-normalizer, ~7 ms for a 30 KB page (more than parsing it), and on old
    windows-1252 pages it guessed wrong. Not ``response.selector`` either: Scrapy's selector
    and its response refer to each other, so every page's lxml tree waits for Python's rare
    full collections, and a crawl's memory grew with the site (bench/crawl.py: +8 KB a page).
    """
    return page_tree(response.body, http_charset=charset_of(content_type_of(response)))


def links_of_page(response: TextResponse) -> list[str]:
    """A fetched page's links (``parsers.links.page_links``): the same as a parser process
    reads from an article candidate with ``parsers.parse_article_and_links``."""
    tree = page_tree_of(response)
    return [] if tree is None else page_links(tree, response.url)


class Frontier:
    """The crawl's memory of URLs over one or more sites: each is judged once, when first seen."""

    def __init__(self, profiles: Iterable[SiteProfile]) -> None:
        pairs = [
            (domain, profile) for profile in profiles for domain in site_domains(profile.domains)
        ]
        # Each domain's profile (the first profile to claim it), looked up by the host and
        # then each of its parent domains: a worker on a frontier of hundreds of sites asks
        # for every link, and a scan of the domains cost 30 us a link at 500 sites.
        self._profiles: dict[str, SiteProfile] = {}
        for domain, profile in pairs:
            self._profiles.setdefault(domain, profile)
        self.domains: tuple[str, ...] = tuple(self._profiles)
        self.seen = UrlSet()  # canonical URLs

    def profile_for(self, url: str) -> SiteProfile | None:
        """The profile whose domains cover the URL's host; None for hosts outside the crawl.
        The longest domain that covers it wins: news.example.com's profile over
        example.com's."""
        host = host_of(url).rstrip(".")
        while host:
            if (profile := self._profiles.get(host)) is not None:
                return profile
            host = host.partition(".")[2]
        return None

    def mark_seen(self, url: str) -> None:
        """Remember a URL (any spelling) as handled, e.g. a record's canonical URL."""
        try:
            self.seen.add(canonical_url(url))
        except ValueError:
            return

    def forget(self, url: str) -> None:
        """Let a canonical URL be admitted again: it was found, but not followed from there."""
        self.seen.discard(url)

    def admit(self, url: str) -> Link | None:
        """The URL's canonical form and verdict the first time it is seen; None afterwards."""
        if url in self.seen:  # already canonical (canonical_url(url) is url's own spelling)
            return None
        try:
            url = canonical_url(url)
        except ValueError:
            return Link(url, LinkKind.SKIP, "malformed", None)
        if url in self.seen:
            return None
        self.seen.add(url)
        profile = self.profile_for(url)
        if profile is None:
            scheme = urlsplit(url).scheme
            reason = "offsite" if scheme in ("http", "https") else "scheme"
            return Link(url, LinkKind.SKIP, reason, None)
        verdict = classify_url(url, profile)
        return Link(url, verdict.kind, verdict.reason, profile)
