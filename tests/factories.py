"""Small builders of valid records for tests: override only what a test is about."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

from items import ArticleImage, ArticleRecord, FetchFailure, ListBlock, RelatedLink

FETCHED_AT = datetime(2024, 5, 1, 18, 4, 11, tzinfo=UTC)

BODY = (
    "The county council approved its budget on Tuesday after a three-hour debate.\n\n"
    "Councillors voted 31 to 12 in favour of the plan, which raises spending on roads "
    "and libraries while freezing the council's share of local taxes.\n\n"
    "The opposition said the plan relied on optimistic forecasts."
)


def make_record(**overrides: Any) -> ArticleRecord:
    """A complete, valid article record; keyword arguments replace its fields."""
    fields: dict[str, Any] = {
        "url": "https://news.example.org/2024/05/council-budget?utm_source=feed",
        "canonical_url": "https://news.example.org/2024/05/council-budget",
        "site": "news.example.org",
        "title": "Council approves budget",
        "summary": "Spending on roads and libraries rises.",
        "published": datetime(2024, 5, 1, 9, 30, tzinfo=UTC),
        "modified": None,
        "authors": ("Jane Reporter", "Sam Writer"),
        "section": "Politics",
        "tags": ("council", "budget"),
        "language": "en",
        "body": BODY,
        "lists": (ListBlock(heading="What changes:", ordered=False, items=("Roads", "Libraries")),),
        "related": (
            RelatedLink(
                url="https://news.example.org/2024/04/budget-preview",
                title="What to expect from the budget",
                teaser="A preview.",
                comments=3,
            ),
        ),
        "images": (
            ArticleImage(url="https://news.example.org/img/council.jpg", caption="The chamber"),
        ),
        "provenance": {"title": "json-ld", "published": "json-ld", "body": "structure"},
        "fetched_at": FETCHED_AT,
    }
    fields.update(overrides)
    return ArticleRecord(**fields)


def make_ferry_record(**overrides: Any) -> ArticleRecord:
    """A second article, unlike make_record()'s in URL, day, author and tag: for filters."""
    fields: dict[str, Any] = {
        "url": "https://news.example.org/ferry",
        "canonical_url": None,
        "title": "Ferry timetable changes",
        "body": "The ferry now sails in the afternoon.",
        "published": date(2024, 6, 3),
        "authors": ("Ann Other",),
        "tags": ("transport",),
    }
    fields.update(overrides)
    return make_record(**fields)


def make_failure(**overrides: Any) -> FetchFailure:
    """A fetch failure: an HTTP 404 unless overridden."""
    fields: dict[str, Any] = {
        "url": "https://news.example.org/2024/05/missing",
        "reason": "HTTP 404",
        "failed_at": FETCHED_AT,
        "status": 404,
    }
    fields.update(overrides)
    return FetchFailure(**fields)


def article_page(title: str, topic: str, *, published: str = "2024-05-01T08:00:00+00:00") -> bytes:
    """A small article page the parser reads: a headline, a publication time and four
    paragraphs about `topic` (for tests that store or import raw pages)."""
    paragraphs = "".join(
        f"<p>The council discussed {topic} at length on Tuesday, hearing from residents "
        f"and officers about the plans for the coming year, part {n}.</p>"
        for n in range(1, 5)
    )
    return (
        f'<html lang="en"><head><meta charset="utf-8"><title>{title}</title>'
        '<meta property="og:type" content="article">'
        f'<meta property="article:published_time" content="{published}">'
        f"</head><body><article><h1>{title}</h1>{paragraphs}</article></body></html>"
    ).encode()
