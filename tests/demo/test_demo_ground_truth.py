"""The parser against the demo's ground truth: every article field by field, every other page None.

The truth comes from demo/content.py, never from the rendered HTML, so a failure here is
a parser bug (or a demo bug): read the two values, decide which, fix that one.
"""

from __future__ import annotations

from functools import cache

import pytest

from demo.site import FETCHED_AT, DemoSite, build_site
from demo.truth import ArticleTruth
from items import ArticleRecord
from parsers import parse_article

BASE = "http://127.0.0.1:8765"
SITE: DemoSite = build_site(BASE)
FIELDS = (
    "title", "published", "modified", "authors", "body", "lists", "related", "canonical_url",
    "images",
)


@cache
def parsed(path: str) -> ArticleRecord | None:
    page = SITE.page_for(path)
    return parse_article(
        page.body, SITE.url(path), fetched_at=FETCHED_AT, http_charset=page.http_charset
    )


def article_params() -> list[object]:
    return [
        pytest.param(truth, field, id=f"{truth.path}:{field}")
        for truth in SITE.articles
        for field in FIELDS
    ]


@pytest.mark.parametrize(("truth", "field"), article_params())
def test_parser_reads_article_field(truth: ArticleTruth, field: str) -> None:
    record = parsed(truth.path)
    assert record is not None, f"the parser says this {truth.template} page is not an article"
    assert getattr(record, field) == getattr(truth, field)


@pytest.mark.parametrize("path", SITE.non_article_paths)
def test_parser_finds_no_article_on(path: str) -> None:
    record = parsed(path)
    assert record is None, f"parsed as an article titled {record.title!r}"
