"""newsarchive's parser in the reference scorer's shape: fn(html_bytes, url) -> dict.

    python3 ../shared/tools/score.py ../shared/corpus --callable bench.score_adapter:extract
"""

from __future__ import annotations

from typing import Any

from parsers import parse_article


def extract(html: bytes, url: str | None) -> dict[str, Any]:
    """The scorer's four fields; a page the parser calls "not an article" answers nulls."""
    record = parse_article(html, url or "http://unknown.invalid/")
    if record is None:
        return {"title": None, "published": None, "author": None, "body": None}
    return {
        "title": record.title,
        "published": record.published.isoformat() if record.published else None,
        "author": list(record.authors) or None,
        "body": record.body or None,
    }
