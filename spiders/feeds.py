"""Sitemaps, RSS/Atom feeds and robots.txt: the URL lists a site publishes for machines.

A start URL may be any of these or an HTML page, whatever its extension or Content-Type
says, so documents are told apart by their first element (after un-gzipping). Parsing uses
lxml with entity resolution and network access off; broken XML is recovered, not fatal.
"""

from __future__ import annotations

import re
import struct
import zlib
from enum import StrEnum
from urllib.parse import urljoin

import lxml.etree
from scrapy.utils.gz import gunzip
from scrapy.utils.sitemap import Sitemap, sitemap_urls_from_robots

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


def sitemap_locations(body: bytes, base_url: str) -> list[str]:
    """The <loc> URLs of a sitemap or sitemap index, absolute, in document order.

    Hreflang alternates (``xhtml:link``) are left out: they are other editions of the
    same page, reached through the site's own links when they belong to the crawl.
    """
    try:
        return [urljoin(base_url, entry["loc"]) for entry in Sitemap(body) if entry.get("loc")]
    except (lxml.etree.XMLSyntaxError, StopIteration):  # nothing XML-like to recover
        return []


def feed_item_links(body: bytes, base_url: str) -> list[str]:
    """The article URLs of an RSS 2.0, RSS 1.0 (RDF) or Atom feed, absolute, in feed order.

    Per item: FeedBurner's ``origLink`` when present (the item link points at a redirector
    on another host), else RSS ``<link>``, else a permalink ``<guid>``, else Atom's
    ``<link rel="alternate">`` (or a link without rel), else RDF's ``rdf:about``.
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
    links: list[str] = []
    for item in root.xpath("//*[local-name()='item' or local-name()='entry']"):
        url = _item_link(item)
        if url:
            absolute = urljoin(base_url, url)
            if absolute not in links:
                links.append(absolute)
    return links


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
