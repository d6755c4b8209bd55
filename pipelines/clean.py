"""CleanPipeline: tidy every text field of a record without changing what it says."""

from __future__ import annotations

import dataclasses
import re
import unicodedata
from collections.abc import Iterable

from items import ArticleImage, ArticleRecord, ListBlock, RelatedLink

# Invisible characters that only get in the way of search and comparison: zero-width
# space, word joiner, byte order mark and soft hyphen. Zero-width (non-)joiners stay:
# Persian and Indic scripts and emoji sequences need them.
INVISIBLE = re.compile("[\u200b\u2060\ufeff\u00ad]")
BLANK_LINES = re.compile(r"\n{3,}")


def without_invisibles(text: str) -> str:
    """Invisibles out before normalising: one between a letter and its combining accent
    would otherwise keep them apart, and a second cleaning would join them."""
    return INVISIBLE.sub("", text) if INVISIBLE.search(text) else text


def nfc(text: str) -> str:
    return text if unicodedata.is_normalized("NFC", text) else unicodedata.normalize("NFC", text)


def clean_line(text: str | None) -> str | None:
    """One line of text: NFC, invisibles out, all whitespace runs one space; None if empty."""
    if text is None:
        return None
    cleaned = " ".join(nfc(without_invisibles(text)).split())
    return cleaned or None


def clean_body(text: str) -> str:
    """Body text: lines cleaned one by one, paragraphs kept apart by exactly one blank line.

    Within a line, ``" ".join(line.split())`` does what a whitespace regex and strip() do
    (both know whitespace as ``str.isspace``) in a third of the time; a crawl cleans every
    body it archives.
    """
    text = nfc(without_invisibles(text))
    if is_tidy(text):
        return text
    if "\r" in text:
        text = text.replace("\r\n", "\n").replace("\r", "\n")
    text = "\n".join([" ".join(line.split()) for line in text.split("\n")])
    return BLANK_LINES.sub("\n\n", text).strip("\n")


def is_tidy(body: str) -> bool:
    """Whether `clean_body` would leave `body` as it is: as a parser's body mostly is.

    A handful of substring scans, where splitting every line into words takes ten times as
    long. No whitespace but spaces and line breaks (a printable string holds no other),
    no space doubled or at a line's edge, no run of blank lines, no break at either end.
    """
    return (
        body.replace("\n", "").isprintable()
        and "  " not in body
        and " \n" not in body
        and "\n " not in body
        and "\n\n\n" not in body
        and body[:1] not in (" ", "\n")
        and body[-1:] not in (" ", "\n")
    )


def clean_names(names: Iterable[str]) -> tuple[str, ...]:
    """Names cleaned, empty ones dropped, repeats dropped (first one kept)."""
    kept = (clean_line(name) for name in names)
    return tuple(dict.fromkeys(name for name in kept if name))


def clean_list(block: ListBlock) -> ListBlock | None:
    items = tuple(item for item in map(clean_line, block.items) if item)
    if not items:
        return None
    return ListBlock(heading=clean_line(block.heading), ordered=block.ordered, items=items)


def clean_related(link: RelatedLink) -> RelatedLink:
    return dataclasses.replace(
        link,
        url=link.url.strip(),
        title=clean_line(link.title) or "",
        teaser=clean_line(link.teaser),
    )


def clean_record(record: ArticleRecord) -> ArticleRecord:
    """The record with every text field tidied; URLs only lose surrounding whitespace."""
    return dataclasses.replace(
        record,
        url=record.url.strip(),
        canonical_url=(record.canonical_url or "").strip() or None,
        title=clean_line(record.title),
        summary=clean_line(record.summary),
        authors=clean_names(record.authors),
        section=clean_line(record.section),
        tags=clean_names(record.tags),
        language=clean_line(record.language),
        body=clean_body(record.body),
        lists=tuple(block for block in map(clean_list, record.lists) if block is not None),
        related=tuple(map(clean_related, record.related)),
        images=tuple(
            ArticleImage(url=image.url.strip(), caption=clean_line(image.caption))
            for image in record.images
        ),
    )


class CleanPipeline:
    """Normalise whitespace and Unicode in ArticleRecords; other items pass untouched."""

    def process_item(self, item: object) -> object:
        if isinstance(item, ArticleRecord):
            return clean_record(item)
        return item
