"""Authors: names only, from embedded metadata, then author markup, then printed bylines."""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from typing import TYPE_CHECKING

from parsers.boilerplate import class_words, is_elsewhere
from parsers.page import Found, Page, first_found, types_of
from parsers.text import letters_of, squash, text_of

if TYPE_CHECKING:
    from lxml.html import HtmlElement

_BYLINE_PREFIX = re.compile(
    r"^\s*(?:(?:written|posted|published|reported|words|text|story|report)\s+)?"
    r"(?:by|von|par|por|di|da|door|av|af|de)\s*:?\s+",
    re.I,
)
_NAME_SPLIT = re.compile(
    r"\s*(?:,|;|&|\band\b|\bund\b|\bet\b|\by\b|\be\b|\ben\b|\boch\b|\bog\b)\s*", re.I
)
_NOT_NAMES = re.compile(
    r"\b(?:staff|reporter|reporters|editor|editors|correspondent|writer|journalist|columnist|"
    r"contributor|agency|agencies|newsroom|desk|team|redaktion|rédaction|redacción|press|"
    r"updated|published|posted|minutes?|hours?|read|comments?|follow|email|twitter|photo|"
    r"photos|images?|video|getty|pa|afp|reuters|dpa|ap|sda|ansa|efe|media|news|online|"
    r"author|autor|auteur|autore|phd|by|von|por|par)\b",
    re.I,
)
_AUTHOR_WORDS = frozenset(
    {
        "author",
        "authors",
        "byline",
        "writer",
        "creator",
        "autor",
        "auteur",
        "by",
        "reporter",
        "journalist",
        "contributor",
    }
)
_META_WORDS = frozenset({"meta", "info", "details", "posted", "dateline", "credits", "credit"})
_BY = re.compile(r"(?:^|\s)(?:by|von|par|por|door)\s+\S", re.I)


def extract_authors(
    page: Page, *, scope: HtmlElement | None = None, printed_byline: str | None = None
) -> Found[tuple[str, ...]] | None:
    """Author names: no "By", no job titles or dates, no URLs, no site name; de-duplicated.

    ``printed_byline`` is a "By ..." line the text walk found at the top of the body.
    """

    def answer(names: list[str], how: str) -> Found[tuple[str, ...]] | None:
        cleaned = clean_names(names, page)
        return Found(cleaned, how) if cleaned else None

    return first_found(
        lambda: answer([text_of(e) for e in page.select(page.selector_for("authors"))], "selector"),
        lambda: answer(list(_json_ld_authors(page)), "json-ld"),
        lambda: answer(list(_meta_authors(page)), "meta"),
        lambda: answer(list(_itemprop_authors(page, scope)), "itemprop"),
        lambda: answer(list(_rel_authors(page, scope)), "rel-author"),
        lambda: answer(list(_byline_authors(page, scope)), "byline"),
        lambda: answer(list(_names_in_byline(printed_byline or "")), "byline"),
    )


def _json_ld_authors(page: Page) -> Iterator[str]:
    by_id = {str(obj["@id"]): obj for obj in page.json_ld if isinstance(obj.get("@id"), str)}
    for obj in page.json_ld_article:
        authors = obj.get("author") or obj.get("creator")
        for author in authors if isinstance(authors, list) else [authors]:
            if isinstance(author, str):
                yield author
            elif isinstance(author, Mapping):
                if "name" not in author and isinstance(author.get("@id"), str):
                    author = by_id.get(str(author["@id"]), author)
                name = author.get("name")
                if isinstance(name, str) and "Organization" not in types_of(author):
                    yield name
        if authors:
            return


def _meta_authors(page: Page) -> Iterator[str]:
    for name in (
        "author",
        "article:author",
        "parsely-author",
        "sailthru.author",
        "dc.creator",
        "dcterms.creator",
        "byl",
    ):
        values = [v for v in page.meta.get(name, ()) if not re.match(r"https?://|www\.", v)]
        if values:
            yield from values
            return


def _itemprop_authors(page: Page, scope: HtmlElement | None) -> Iterator[str]:
    root = scope if scope is not None else page.tree
    for element in root.xpath(".//*[@itemprop='author' or @itemprop='creator']"):
        if is_elsewhere(element):
            continue
        named = element.xpath(".//*[@itemprop='name']")
        if named:
            yield named[0].get("content") or text_of(named[0])
        elif element.tag != "meta":
            yield text_of(element)


def _rel_authors(page: Page, scope: HtmlElement | None) -> Iterator[str]:
    root = scope if scope is not None else page.tree
    for link in root.iter("a", "link"):
        if "author" in (link.get("rel") or "").lower().split() and not is_elsewhere(link):
            text = text_of(link)
            if text:
                yield text


def _byline_authors(page: Page, scope: HtmlElement | None) -> Iterator[str]:
    root = scope if scope is not None else page.tree
    count = 0
    for element in root.iter("span", "div", "p", "a", "address", "li"):
        words = class_words(element)
        if words & {"bio", "box", "about", "avatar", "description"}:
            continue
        text = text_of(element)
        # "Posted on 05/11/2014 by Anna Mistry" sits in a meta line, not an author element.
        if not (words & _AUTHOR_WORDS or (words & _META_WORDS and _BY.search(text))):
            continue
        if is_elsewhere(element):
            continue
        if 2 < len(text) <= 120:
            count += 1
            yield from _names_in_byline(text)
            if count >= 3:
                return


def _names_in_byline(text: str) -> Iterator[str]:
    # Keep what follows "By" up to a separator; a line without "By" must be names only.
    match = re.search(r"(?:^|\s)(?:by|von|par|por|door)\s*:?\s+(.+)", text, re.I)
    line = match[1] if match else text
    yield from re.split(r"\s*[|•·\n]\s*|\s+[-\u2013—]\s+", line)[:1]


def clean_names(raw: list[str], page: Page) -> tuple[str, ...]:
    """Person names out of author strings: split lists, drop prefixes, titles and duplicates."""
    site = letters_of(page.site_name or "")
    names: list[str] = []
    seen: set[str] = set()
    for value in raw:
        value = _BYLINE_PREFIX.sub("", squash(value))
        value = re.split(
            r"\s+[|•·]\s+|\s+[-\u2013—]\s+|\(|\bupdated\b|\bpublished\b", value, flags=re.I
        )[0]
        for part in _NAME_SPLIT.split(value):
            # A trailing full stop stays: "Joe S.", "Perry Bacon Jr."
            name = _BYLINE_PREFIX.sub("", part).strip(" :;,-\u2013—")
            name = name.rstrip(".") if not re.search(r"(?:\b[A-Z]|Jr|Sr)\.$", name) else name
            if not _looks_like_name(name):
                continue
            key = letters_of(name)
            if key in seen or (site and key == site) or key == letters_of(page.host):
                continue
            seen.add(key)
            names.append(name)
    return tuple(names)


def _looks_like_name(name: str) -> bool:
    if not 2 <= len(name) <= 60 or re.search(r"\d|@|https?:|www\.|\.com\b", name):
        return False
    words = name.split()
    if not 1 <= len(words) <= 5 or _NOT_NAMES.search(name):
        return False
    return (any(char.isupper() for char in name) and not name.isupper()) or len(words) >= 2
