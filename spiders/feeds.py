"""Sitemaps, RSS/Atom feeds and robots.txt: the URL lists a site publishes for machines.

A start URL may be any of these or an HTML page, whatever its extension or Content-Type
says, so documents are told apart by their first element (after un-gzipping). Parsing uses
lxml with entity resolution and network access off; broken XML is recovered, not fatal.
"""

from __future__ import annotations

import re
import struct
import zlib
from dataclasses import dataclass
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from enum import StrEnum
from io import BytesIO
from urllib.parse import urljoin

import lxml.etree
from scrapy.utils.gz import gunzip
from scrapy.utils.sitemap import sitemap_urls_from_robots

GZIP_MAGIC = b"\x1f\x8b\x08"


class DocumentKind(StrEnum):
    SITEMAP_INDEX = "sitemap index"  # <sitemapindex>: a list of sitemaps
    SITEMAP = "sitemap"  # <urlset>, news and image sitemaps included: a list of pages
    FEED = "feed"  # RSS 0.9x/2.0, RSS 1.0 (RDF) or Atom
    HTML = "html"
    OTHER = "other"  # PDF, image, JSON, plain text, unknown XML


_PROLOG = re.compile(rb"\s*(?:<\?.*?\?>|<!--.*?-->|<!DOCTYPE[^>]*>)", re.DOTALL | re.IGNORECASE)
_FIRST_TAG = re.compile(rb"\s*<([A-Za-z][\w.:-]*)")
_HTML_TAGS = frozenset({b"html", b"head", b"body", b"meta", b"title", b"link", b"script", b"div"})
_KIND_BY_ROOT = {
    b"sitemapindex": DocumentKind.SITEMAP_INDEX,
    b"urlset": DocumentKind.SITEMAP,
    b"rss": DocumentKind.FEED,
    b"feed": DocumentKind.FEED,
    b"rdf": DocumentKind.FEED,
}


def unpacked(body: bytes, *, max_size: int = 0) -> bytes:
    """The body, un-gzipped when it is a gzip file (``sitemap.xml.gz`` served as-is).

    ``max_size`` bounds the decompressed size in bytes (0: no bound) against gzip bombs.
    Raises ValueError for a corrupt or over-large gzip file.
    """
    if not body.startswith(GZIP_MAGIC):
        return body
    try:
        return gunzip(body, max_size=max_size)
    except (OSError, EOFError, struct.error, zlib.error) as error:
        raise ValueError(f"corrupt gzip data ({error})") from None


def document_kind(body: bytes, content_type: str | None = None) -> DocumentKind:
    """What an (un-gzipped) body is, by its root element; Content-Type only breaks ties.

    A leading BOM, XML declaration, processing instructions (xml-stylesheet), comments and
    a DOCTYPE are passed over to reach the first element.
    """
    head = body[:8192].removeprefix(b"\xef\xbb\xbf")
    position = 0
    while match := _PROLOG.match(head, position):
        position = match.end()
    declared = (content_type or "").lower()
    if match := _FIRST_TAG.match(head, position):
        name = match.group(1).lower().rpartition(b":")[2]
        if name in _KIND_BY_ROOT:
            return _KIND_BY_ROOT[name]
        if name in _HTML_TAGS:
            return DocumentKind.HTML
    if "html" in declared:
        return DocumentKind.HTML
    return DocumentKind.OTHER


@dataclass(frozen=True, slots=True)
class ListedUrl:
    """A URL a sitemap or feed lists, with the date it gives the page, if any."""

    url: str  # absolute
    modified_at: datetime | None  # aware UTC; None when the entry gives no (readable) date


def sitemap_locations(body: bytes, base_url: str) -> list[str]:
    """The <loc> URLs of a sitemap or sitemap index, absolute, in document order."""
    return [entry.url for entry in sitemap_entries(body, base_url)]


def sitemap_entries(body: bytes, base_url: str) -> list[ListedUrl]:
    """The entries of a sitemap or sitemap index, absolute, in document order, with dates.

    The date is ``<lastmod>`` (W3C datetime); a news sitemap entry without one gives its
    ``<news:publication_date>``. Hreflang alternates (``xhtml:link``) are left out: they
    are other editions of the same page, reached through the site's own links when they
    belong to the crawl. Read with iterparse, clearing each entry once read, so a
    50,000-URL sitemap is never a whole tree in memory.
    """
    events = lxml.etree.iterparse(
        BytesIO(body),
        events=("end",),
        recover=True,
        remove_comments=True,
        resolve_entities=False,
        remove_pis=True,
        collect_ids=False,
    )
    entries: list[ListedUrl] = []
    try:
        for _, element in events:
            if _local_name(element) not in ("url", "sitemap"):
                continue
            fields: dict[str, str] = {}
            for child in element:  # an image sitemap's <image:loc> is no page's URL
                if (name := _local_name(child)) in ("loc", "lastmod"):
                    fields.setdefault(name, (child.text or "").strip())
            for child in element.iter("{*}publication_date"):
                fields.setdefault("publication_date", (child.text or "").strip())
            element.clear()
            while element.getprevious() is not None:  # the entries read before this one
                del element.getparent()[0]
            if fields.get("loc"):
                modified = w3c_datetime(fields.get("lastmod")) or w3c_datetime(
                    fields.get("publication_date")
                )
                entries.append(ListedUrl(urljoin(base_url, fields["loc"]), modified))
    except lxml.etree.XMLSyntaxError:  # nothing XML-like to recover, or an empty body
        pass
    return entries


def _local_name(element: lxml.etree._Element) -> str:
    tag = element.tag
    return tag.rpartition("}")[2] if isinstance(tag, str) else ""


_W3C_PARTIAL = re.compile(r"(\d{4})(?:-(\d{2}))?$")


def w3c_datetime(text: str | None) -> datetime | None:
    """A sitemap date (W3C datetime: YYYY, YYYY-MM, YYYY-MM-DD, or with a time and zone)
    as an aware UTC datetime; a date or time without a zone is taken as UTC. None for
    anything else."""
    if not text:
        return None
    text = text.strip()
    if match := _W3C_PARTIAL.match(text):
        year, month = int(match.group(1)), int(match.group(2) or 1)
        return datetime(year, month, 1, tzinfo=UTC) if 1 <= month <= 12 else None
    try:
        value = datetime.fromisoformat(text)
    except ValueError:
        return None
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def feed_item_links(body: bytes, base_url: str) -> list[str]:
    """The article URLs of an RSS 2.0, RSS 1.0 (RDF) or Atom feed, absolute, in feed order."""
    return [entry.url for entry in feed_entries(body, base_url)]


def feed_entries(body: bytes, base_url: str) -> list[ListedUrl]:
    """The items of an RSS 2.0, RSS 1.0 (RDF) or Atom feed, absolute, in feed order, each
    URL once (its first item), with the item's date.

    Link per item: FeedBurner's ``origLink`` when present (the item link points at a
    redirector on another host), else RSS ``<link>``, else a permalink ``<guid>``, else
    Atom's ``<link rel="alternate">`` (or a link without rel), else RDF's ``rdf:about``.
    Date per item: the latest change it states (Atom ``updated``, ``dcterms:modified``),
    else its publication (RSS ``pubDate``, Atom ``published``, ``dc:date``).
    """
    parser = lxml.etree.XMLParser(
        recover=True, resolve_entities=False, no_network=True, huge_tree=False
    )
    try:
        root = lxml.etree.fromstring(body, parser=parser)
    except lxml.etree.XMLSyntaxError:
        return []
    if root is None:
        return []
    entries: dict[str, ListedUrl] = {}
    for item in root.xpath("//*[local-name()='item' or local-name()='entry']"):
        url = _item_link(item)
        if url:
            absolute = urljoin(base_url, url)
            if absolute not in entries:
                entries[absolute] = ListedUrl(absolute, _item_date(item))
    return list(entries.values())


# Item date elements by local name, most telling first, and how each is written.
_ITEM_DATES = (
    ("updated", "w3c"),
    ("modified", "w3c"),
    ("pubDate", "rfc822"),
    ("published", "w3c"),
    ("date", "w3c"),
)


def _item_date(item: lxml.etree._Element) -> datetime | None:
    for name, form in _ITEM_DATES:
        for node in item.xpath(f"*[local-name()='{name}']"):
            text = (node.text or "").strip()
            value = rfc822_datetime(text) if form == "rfc822" else w3c_datetime(text)
            if value is not None:
                return value
    return None


def rfc822_datetime(text: str | None) -> datetime | None:
    """An RSS date (RFC 822, as ``Wed, 01 May 2024 09:00:00 +0100``) as aware UTC; a date
    with no zone or ``-0000`` is taken as UTC. None when unreadable (some feeds put ISO
    dates in pubDate: those are read as W3C datetimes)."""
    if not text:
        return None
    try:
        value = parsedate_to_datetime(text)
    except (TypeError, ValueError, IndexError):
        return w3c_datetime(text)
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def _item_link(item: lxml.etree._Element) -> str | None:
    def text_of(xpath: str) -> str | None:
        for node in item.xpath(xpath):
            text = (node if isinstance(node, str) else node.text or "").strip()
            if text:
                return text
        return None

    return (
        text_of("*[local-name()='origLink']")
        or text_of("*[local-name()='link'][not(@href)]")
        or text_of("*[local-name()='guid'][not(@isPermaLink='false')][starts-with(., 'http')]")
        or text_of("*[local-name()='link'][@href][not(@rel) or @rel='alternate']/@href")
        or text_of("@*[local-name()='about']")
    )


def robots_sitemaps(body: bytes, base_url: str) -> tuple[str, ...]:
    """The absolute URLs of a robots.txt's ``Sitemap:`` lines, each once, in file order."""
    return tuple(dict.fromkeys(sitemap_urls_from_robots(body, base_url=base_url)))
