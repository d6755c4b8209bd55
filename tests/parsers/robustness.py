"""What a parsed record must always satisfy, and seeded mutations of real pages to check it on.

Shared by tests/parsers/test_robustness.py (a fixed, fast number of mutations) and
bench/fuzz.py (as many as fit in N minutes); a mutation is replayed from its seed alone.
"""

from __future__ import annotations

import json
import random
import unicodedata
from collections.abc import Callable
from datetime import date, datetime
from pathlib import Path
from urllib.parse import urlsplit

from items import (
    RECORD_KEYS,
    ArticleImage,
    ArticleRecord,
    ListBlock,
    RelatedLink,
    record_from_json,
    record_to_json,
)

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"
DEMO_BASE = "http://127.0.0.1:8765"
# Characters no extracted text may keep: NUL, zero-width space, word joiner, BOM, soft hyphen.
_JUNK = ("\x00", "\u200b", "\u2060", "\ufeff", "\u00ad")


def record_problems(record: ArticleRecord, url: str) -> list[str]:
    """Every way the record breaks the ArticleRecord contract (items.py); empty when it is valid."""
    problems: list[str] = []

    def text(name: str, value: object, *, optional: bool = False) -> None:
        if value is None and optional:
            return
        if not isinstance(value, str):
            problems.append(f"{name}: {type(value).__name__}, not str")
            return
        if not value.strip():
            problems.append(f"{name}: empty string (absent must be None)")
        problems.extend(f"{name}: contains {junk!r}" for junk in _JUNK if junk in value)
        if not unicodedata.is_normalized("NFC", value):
            problems.append(f"{name}: not NFC")
        try:
            value.encode("utf-8")
        except UnicodeEncodeError:
            problems.append(f"{name}: lone surrogate")

    def web_url(name: str, value: object, *, optional: bool = False) -> None:
        if value is None and optional:
            return
        if not isinstance(value, str) or not value.startswith(("http://", "https://")):
            problems.append(f"{name}: {value!r} is not an absolute http(s) URL")
        elif not urlsplit(value).netloc:
            problems.append(f"{name}: {value!r} has no host")

    def when(name: str, value: object) -> None:
        if value is None or (isinstance(value, date) and not isinstance(value, datetime)):
            return
        if not isinstance(value, datetime) or value.utcoffset() is None:
            problems.append(f"{name}: {value!r} is neither a date nor an aware datetime")

    if not isinstance(record, ArticleRecord):
        return [f"not an ArticleRecord: {type(record).__name__}"]
    if record.url != url:
        problems.append(f"url: {record.url!r}, fetched {url!r}")
    if not isinstance(record.site, str):
        problems.append("site: not str")
    web_url("canonical_url", record.canonical_url, optional=True)
    for name in ("title", "summary", "section", "language"):
        text(name, getattr(record, name), optional=True)
    when("published", record.published)
    when("modified", record.modified)
    for name in ("authors", "tags", "lists", "related", "images"):
        if not isinstance(getattr(record, name), tuple):
            problems.append(f"{name}: not a tuple")
    for author in record.authors:
        text("authors[]", author)
    for tag in record.tags:
        text("tags[]", tag)
    text("body", record.body)
    for block in record.lists:
        if not isinstance(block, ListBlock) or not isinstance(block.ordered, bool):
            problems.append(f"lists[]: {block!r}")
            continue
        text("lists[].heading", block.heading, optional=True)
        if not block.items:
            problems.append("lists[]: no items")
        for item in block.items:
            text("lists[].items[]", item)
    for link in record.related:
        if not isinstance(link, RelatedLink):
            problems.append(f"related[]: {link!r}")
            continue
        web_url("related[].url", link.url)
        text("related[].title", link.title)
        text("related[].teaser", link.teaser, optional=True)
        comments = link.comments
        if comments is not None and (
            not isinstance(comments, int) or isinstance(comments, bool) or comments < 0
        ):
            problems.append(f"related[].comments: {link.comments!r}")
    for image in record.images:
        if not isinstance(image, ArticleImage):
            problems.append(f"images[]: {image!r}")
            continue
        web_url("images[].url", image.url)
        text("images[].caption", image.caption, optional=True)
    for field, how in record.provenance.items():
        if field not in RECORD_KEYS or not isinstance(how, str) or not how:
            problems.append(f"provenance: {field!r} -> {how!r}")
    if not problems:
        as_json = json.loads(json.dumps(record_to_json(record), ensure_ascii=False))
        if record_from_json(as_json) != record:
            problems.append("record_to_json/record_from_json round trip changes the record")
    return problems


def seed_pages() -> list[tuple[str, bytes]]:
    """(URL, page bytes) to mutate: every saved fixture page and the demo site's HTML pages."""
    from demo.site import build_site

    pages: list[tuple[str, bytes]] = []
    for page in sorted(FIXTURES.glob("*/*/page.html")):
        meta = json.loads((page.parent / "meta.json").read_text(encoding="utf-8"))
        pages.append((str(meta["url"]), page.read_bytes()))
    site = build_site(DEMO_BASE)
    for path, demo_page in sorted(site.pages.items()):
        if demo_page.status == 200 and demo_page.content_type.startswith("text/html"):
            pages.append((site.url(path), demo_page.body))
    return pages


_TAGS = ("div", "p", "b", "a", "span", "article", "h1", "ul", "li", "table", "td", "script",
         "time", "br", "header", "footer", "aside", "main", "section", "figure", "template")
_JUNK_BYTES = (b"\x00", b"\xef\xbb\xbf", b"\xff\xfe", b"\xe2\x80\x8b", b"\xc2\xad", b"&#0;",
               b"&#xd800;", b"&bogus;", b"<!--", b"-->", b"<![CDATA[", b"]]>", b"\xed\xa0\x80",
               b"\x80\x81\xfe", b'<meta charset="shift_jis">', b'<meta charset="utf-16">',
               b'<script type="application/ld+json">', b'{"@type":"NewsArticle","author":')


def _span(rng: random.Random, data: bytes) -> tuple[int, int]:
    start = rng.randrange(len(data) + 1)
    return start, min(len(data), start + rng.randrange(1, 4096))


def _delete_range(rng: random.Random, data: bytes) -> bytes:
    start, end = _span(rng, data)
    return data[:start] + data[end:]


def _duplicate_range(rng: random.Random, data: bytes) -> bytes:
    start, end = _span(rng, data)
    return data[:end] + data[start:end] * rng.randint(1, 50) + data[end:]


def _truncate(rng: random.Random, data: bytes) -> bytes:
    return data[: rng.randrange(len(data) + 1)]


def _insert_tags(rng: random.Random, data: bytes) -> bytes:
    for _ in range(rng.randint(1, 30)):
        at = rng.randrange(len(data) + 1)
        tag = rng.choice(_TAGS).encode()
        piece = rng.choice((b"<" + tag + b">", b"</" + tag + b">", b"<" + tag + b' class="x'))
        data = data[:at] + piece + data[at:]
    return data


def _insert_junk(rng: random.Random, data: bytes) -> bytes:
    for _ in range(rng.randint(1, 10)):
        at = rng.randrange(len(data) + 1)
        data = data[:at] + rng.choice(_JUNK_BYTES) + data[at:]
    return data


def _swap_bytes(rng: random.Random, data: bytes) -> bytes:
    if len(data) < 2:
        return data
    mutable = bytearray(data)
    for _ in range(rng.randint(1, 100)):
        i, j = rng.randrange(len(mutable)), rng.randrange(len(mutable))
        mutable[i], mutable[j] = mutable[j], mutable[i]
    return bytes(mutable)


def _flip_bits(rng: random.Random, data: bytes) -> bytes:
    if not data:
        return data
    mutable = bytearray(data)
    for _ in range(rng.randint(1, 200)):
        mutable[rng.randrange(len(mutable))] ^= 1 << rng.randrange(8)
    return bytes(mutable)


def _reencode(rng: random.Random, data: bytes) -> bytes:
    text = data.decode("utf-8", errors="replace")
    codec = rng.choice(("cp1252", "utf-16", "utf-16-le", "utf-16-be", "latin-1", "shift_jis"))
    return text.encode(codec, errors="replace")


def _nest_deep(rng: random.Random, data: bytes) -> bytes:
    """The page's body wrapped in thousands of elements, closed or not."""
    tag = rng.choice(_TAGS).encode()
    depth = rng.randint(1000, 20000)
    at = data.find(b"<body")
    at = data.find(b">", at) + 1 if at >= 0 else 0
    closing = (b"</" + tag + b">") * depth if rng.random() < 0.5 else b""
    return data[:at] + (b"<" + tag + b">") * depth + data[at:] + closing


MUTATORS: tuple[Callable[[random.Random, bytes], bytes], ...] = (
    _delete_range, _duplicate_range, _truncate, _insert_tags, _insert_junk, _swap_bytes,
    _flip_bits, _reencode, _nest_deep,
)


def mutated(pages: list[tuple[str, bytes]], seed: int) -> tuple[str, bytes, str]:
    """(URL, mutated page, what was done) for this seed: one to three mutations of one page."""
    rng = random.Random(seed)
    url, data = pages[rng.randrange(len(pages))]
    done: list[str] = []
    for mutator in rng.choices(MUTATORS, k=rng.randint(1, 3)):
        data = mutator(rng, data)
        done.append(mutator.__name__.lstrip("_"))
    return url, data, "+".join(done)
