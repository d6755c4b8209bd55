"""Embedded metadata: extruct against newsarchive's own JSON-LD reader, on the same pages.

The parser reads JSON-LD from the lxml tree it already has instead of calling extruct.
This measures what that buys (time per page) and what it costs (pages where the two
disagree on the objects found), so the choice stays justified by numbers:

    .venv/bin/python -m bench.metadata [--corpus ../shared/corpus]
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from pathlib import Path

import extruct
import lxml.html

from parsers.decoding import NotHTMLError, decode_html
from parsers.page import Page, parse_tree

DEFAULT_CORPUS = Path(__file__).resolve().parents[2] / "shared" / "corpus"
FIELDS = ("headline", "datePublished", "dateModified", "author")


def article_fields(objects: list[dict[str, object]]) -> set[tuple[str, str]]:
    """(field, value) pairs of every object with a field the parser reads: comparable output."""
    found = set()
    for obj in objects:
        for field in FIELDS:
            if field in obj:
                found.add((field, repr(obj[field])[:200]))
    return found


def flatten(data: object) -> list[dict[str, object]]:
    if isinstance(data, list):
        return [obj for item in data for obj in flatten(item)]
    if isinstance(data, dict):
        return [data, *flatten(data.get("@graph", []))]
    return []


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--corpus", type=Path, default=DEFAULT_CORPUS)
    args = parser.parse_args(argv)
    pages = sorted(args.corpus.glob("*/page.html"))
    if not pages:
        print(f"no pages under {args.corpus}", file=sys.stderr)
        return 2
    ours_ms, extruct_all_ms, extruct_jsonld_ms = [], [], []
    disagree, with_json_ld, extruct_failed = 0, 0, 0
    for path in pages:
        try:
            text = decode_html(path.read_bytes())
        except NotHTMLError:
            continue
        tree = parse_tree(text)
        if tree is None:
            continue
        start = time.perf_counter()
        ours = Page(tree, url="http://corpus.invalid/").json_ld
        ours_ms.append((time.perf_counter() - start) * 1000)

        start = time.perf_counter()
        everything = extruct.extract(
            text,
            syntaxes=["json-ld", "microdata", "opengraph", "rdfa"],
            uniform=True,
            errors="ignore",
        )
        extruct_all_ms.append((time.perf_counter() - start) * 1000)
        start = time.perf_counter()
        try:
            json_ld = extruct.JsonLdExtractor().extract_items(lxml.html.fromstring(text))
        except json.JSONDecodeError:
            json_ld = []  # one broken script loses every JSON-LD object of the page
            extruct_failed += 1
        extruct_jsonld_ms.append((time.perf_counter() - start) * 1000)

        theirs = [obj for item in json_ld for obj in flatten(item)]
        if theirs or ours:
            with_json_ld += 1
        if article_fields(theirs) - article_fields([dict(obj) for obj in ours]):
            disagree += 1
        del everything
    rows = [
        ("newsarchive JSON-LD reader (tree already parsed)", ours_ms),
        ("extruct JSON-LD only (parses the page again)", extruct_jsonld_ms),
        ("extruct json-ld+microdata+opengraph+rdfa", extruct_all_ms),
    ]
    print(f"pages: {len(ours_ms)}, with JSON-LD: {with_json_ld}")
    for label, timings in rows:
        print(f"{label:<50} {statistics.median(timings):8.3f} ms median")
    print(f"pages where extruct found article fields newsarchive did not: {disagree}")
    print(f"pages where extruct's JSON-LD extractor raised on broken JSON: {extruct_failed}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
