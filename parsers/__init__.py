"""Parsers: pure functions of (HTML, URL) that return an ArticleRecord or None."""

from __future__ import annotations

import re
from dataclasses import replace
from datetime import datetime
from typing import TYPE_CHECKING, Protocol

from items import ArticleRecord
from parsers.authors import extract_authors
from parsers.content import Content, block_text, extract_content
from parsers.dates import extract_modified, extract_published
from parsers.decoding import NotHTMLError, compose_nfc, decode_html_utf8, without_invisible
from parsers.language import detected_language
from parsers.links import page_links
from parsers.metadata import (
    extract_canonical_url,
    extract_language,
    extract_section,
    extract_tags,
    extract_title,
    find_headline,
    find_standfirst,
    find_subheadline,
    summary_given,
)
from parsers.page import Found, Page, is_inside, parse_tree, split_url
from parsers.related import extract_related

if TYPE_CHECKING:
    from lxml.html import HtmlElement

    from profiles import SiteProfile

__all__ = [
    "PARSER_VERSION",
    "NotHTMLError",
    "page_tree",
    "parse_article",
    "parse_article_and_links",
]

# The version of what this parser extracts, written on every record (and archived with each
# version it makes): bump it whenever a change alters any record's output, so that versions
# re-parsed from stored captures say which parser made them.
PARSER_VERSION = "2026.11.26"

# Paths of pages that are about the site, not news: never articles without article markup.
_SITE_PAGE = re.compile(
    r"^/(?:[a-z]{2}/)?(?:about|about-us|contact|contact-us|impressum|imprint|kontakt|privacy|"
    r"privacy-policy|datenschutz|terms|cookies?|cookie-policy|advertise|jobs|careers|sitemap|"
    r"search|tag|tags|category|categories|author|authors|topics?|section|page)(?:/|\.html?$|$)",
    re.I,
)
# Characters: a listing's excerpts are shorter than this, an article's text runs longer.
_LONGEST_TEASER = 800
_MIN_BODY = 80  # characters: less than this is a gallery, a video page or an empty shell


def parse_article(
    html: bytes | str,
    url: str,
    *,
    profile: SiteProfile | None = None,
    fetched_at: datetime | None = None,
    http_charset: str | None = None,
) -> ArticleRecord | None:
    """The article on the page, or None when the page is not one article.

    None for home pages, section/tag/author/search listings, about and contact pages,
    galleries without text, anything that is not HTML and an address urlsplit refuses
    (so no site or relative link could be read from it). ``fetched_at`` (aware) is
    "now" for relative dates such as "2 hours ago"; without it they stay unresolved.
    Never raises on messy HTML.
    """
    if split_url(url) is None:
        return None
    tree = page_tree(html, http_charset=http_charset)
    if tree is None:
        return None
    return _article_in(tree, url, profile=profile, fetched_at=fetched_at)


def parse_article_and_links(
    html: bytes | str,
    url: str,
    *,
    profile: SiteProfile | None = None,
    fetched_at: datetime | None = None,
    http_charset: str | None = None,
) -> tuple[ArticleRecord | None, list[str]]:
    """`parse_article`'s record and the page's links (``parsers.links.page_links``), from
    one decoding and parsing of the page: what a crawl needs of an article candidate."""
    tree = page_tree(html, http_charset=http_charset)
    if tree is None:
        return None, []
    links = page_links(tree, url)
    if split_url(url) is None:
        return None, links
    return _article_in(tree, url, profile=profile, fetched_at=fetched_at), links


def page_tree(html: bytes | str, *, http_charset: str | None = None) -> HtmlElement | None:
    """The page decoded and parsed as the parser reads it; None when it is not HTML."""
    try:
        _text, utf8 = decode_html_utf8(html, http_charset=http_charset, compose=False)
    except NotHTMLError:
        return None
    return parse_tree(utf8)


def _article_in(
    tree: HtmlElement, url: str, *, profile: SiteProfile | None, fetched_at: datetime | None
) -> ArticleRecord | None:
    page = Page(tree, url, profile=profile, fetched_at=fetched_at)
    declared = profile.is_article_url(url) if profile else None
    if declared is False:
        return None
    content = extract_content(page)
    if content.container is None or len(content.body) < _MIN_BODY:
        return None
    scope = _article_scope(page, content.container)
    title = extract_title(page, scope=scope)
    if title is not None:
        content.drop_title(title.value)
    published = extract_published(page, scope=scope)
    if declared is None and not _is_article(page, content, published):
        return None
    canonical = extract_canonical_url(page)
    standfirst = find_standfirst(page, scope=scope)
    summary = summary_given(page, standfirst)
    lede = standfirst if standfirst and _above(page, standfirst[0], content.container) else None
    if lede is None:
        lede = find_subheadline(page, scope)
        if lede is not None and is_inside(content.container, lede[0]):
            lede = None
    if lede is not None:
        content.add_standfirst(lede[1])
    modified = extract_modified(page, scope=scope)
    authors = extract_authors(page, scope=scope, printed_byline=content.byline)
    section = extract_section(page)
    tags = extract_tags(page, scope=scope)
    language = extract_language(page) or detected_language(content.body)
    related = extract_related(page, inline=content.inline_related)
    how: dict[str, _Provenance | None] = {
        "canonical_url": canonical,
        "title": title,
        "summary": summary,
        "published": published,
        "modified": modified,
        "authors": authors,
        "section": section,
        "tags": tags,
        "language": language,
        "related": related,
    }
    for name, present in (("body", True), ("lists", content.lists), ("images", content.images)):
        if present:
            how[name] = Found(None, content.how)
    return _composed(
        ArticleRecord(
            url=url,
            canonical_url=canonical.value if canonical else None,
            site=page.host,
            title=title.value if title else None,
            summary=summary.value if summary else None,
            published=published.value if published else None,
            modified=modified.value if modified else None,
            authors=authors.value if authors else (),
            section=section.value if section else None,
            tags=tags.value if tags else (),
            language=language.value if language else None,
            body=content.body,
            lists=content.lists,
            related=related.value if related else (),
            images=tuple(content.images),
            provenance={name: hit.how for name, hit in sorted(how.items()) if hit is not None},
            fetched_at=fetched_at,
            parser_version=PARSER_VERSION,
        )
    )


class _Provenance(Protocol):
    @property
    def how(self) -> str: ...


def _article_scope(page: Page, container: HtmlElement) -> HtmlElement:
    """The element around the text that also holds its headline and byline."""
    node: HtmlElement | None = container
    while node is not None:
        if node.tag == "article":
            return node
        node = node.getparent()
    headline = find_headline(page, container)
    node = container
    for _ in range(5):
        if headline is not None and is_inside(headline, node):
            return node
        parent = node.getparent()
        if parent is None or parent.tag in {"body", "html"}:
            break
        node = parent
    return container


def _above(page: Page, element: HtmlElement, container: HtmlElement) -> bool:
    """The element comes before the article text, outside it (a standfirst under the headline)."""
    if is_inside(element, container) or is_inside(container, element):
        return False
    return page.positions[element] < page.positions[container]


def _is_article(page: Page, content: Content, published: _Provenance | None) -> bool:
    """Article markup, or a dated page whose text is not a list of teasers."""
    parts = split_url(page.url)
    path = (parts.path if parts else "") or "/"
    if content.teasers >= 4 and content.longest_run < _LONGEST_TEASER:
        return False  # headline links with a short excerpt each: a listing
    if page.has_article_markup:
        return True
    if max((len(block_text(block)) for block in content.blocks), default=0) < 100:
        return False  # no sentence of running text: link lists, index pages, forms
    if _SITE_PAGE.match(path):
        return False
    if path == "/" and not _one_article_page(page, content):
        return False
    return published is not None or len(content.body) >= 500


def _one_article_page(page: Page, content: Content) -> bool:
    """A site root that shows one post: the page's only <article>, headed by its only <h1>,
    holds the text (a blog's farewell or a one-page site), where a home page lists several.
    """
    articles = page.tagged("article")
    if len(articles) != 1 or len(page.h1s) != 1 or content.container is None:
        return False
    article = articles[0]
    return is_inside(content.container, article) and is_inside(page.h1s[0], article)


def _composed(record: ArticleRecord) -> ArticleRecord:
    """The record with its text in NFC and without NULs, zero-width spaces or soft hyphens: the
    page is decoded without composing it (checking a whole page costs more than all of
    decoding), and JSON-LD escapes ("\\u00ad", "\\u0000") bring back what decoding took out.
    A string left empty is absent (None, or dropped from its tuple)."""

    def text(value: str | None) -> str | None:
        return (_clean(value) or None) if value is not None else None

    def texts(values: tuple[str, ...]) -> tuple[str, ...]:
        return tuple(cleaned for value in values if (cleaned := _clean(value)))

    lists = (replace(block, heading=text(block.heading), items=texts(block.items))
             for block in record.lists)
    related = (replace(link, title=_clean(link.title), teaser=text(link.teaser))
               for link in record.related)
    return replace(
        record,
        title=text(record.title),
        summary=text(record.summary),
        section=text(record.section),
        body=_clean(record.body),
        authors=texts(record.authors),
        tags=texts(record.tags),
        lists=tuple(block for block in lists if block.items),
        related=tuple(link for link in related if link.title),
        images=tuple(replace(image, caption=text(image.caption)) for image in record.images),
    )


def _clean(value: str) -> str:
    """NFC, without the characters no reader sees; "" when nothing else was there."""
    cleaned = compose_nfc(without_invisible(value).replace("\x00", ""))
    return cleaned if cleaned.strip() else ""
