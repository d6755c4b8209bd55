"""The reads a re-parse walks: each article with the latest 200 capture of its URL, in pages
by article id, filtered by site and fetch time; and the unfinished run to resume."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy.orm import Session

from archive_db.queries import (
    latest_article_capture_count,
    latest_article_captures,
    unfinished_run_with,
)
from archive_db.writes import finish_crawl_run, save_articles, save_captures, start_crawl_run
from items import RawCapture
from tests.factories import make_record

DAY = datetime(2026, 3, 2, 9, 30, tzinfo=UTC)


def capture(
    url: str, *, status: int = 200, at: datetime = DAY, body: bytes = b"<html>"
) -> RawCapture:
    return RawCapture(
        url=url,
        method="GET",
        request_headers=(),
        status=status,
        protocol="HTTP/1.1",
        response_headers=(("Content-Type", "text/html"),),
        body=body,
        fetched_at=at,
    )


def archive(session: Session) -> dict[str, int]:
    """Three articles on two sites, the first with three captures (the latest a 404); the
    third has none. Returns the ids of the captures expected as each article's latest."""
    budget = "https://www.gazette.example/news/budget"
    ferry = "https://www.gazette.example/news/ferry"
    pier = "https://herald.example/news/pier"
    ids = save_captures(
        session,
        [
            capture(budget, at=DAY - timedelta(days=2), body=b"old"),
            capture(budget, at=DAY, body=b"new"),
            capture(budget, status=404, at=DAY + timedelta(days=1)),
            capture(ferry, at=DAY - timedelta(days=10)),
            capture("https://www.gazette.example/news/other", at=DAY),  # no article
        ],
        crawl_run_id=None,
    )
    save_articles(
        session,
        [
            (make_record(url=url, canonical_url=None, site=url.split("/")[2], title=url), DAY)
            for url in (budget, ferry, pier)
        ],
        crawl_run_id=None,
    )
    return {budget: ids[1], ferry: ids[3]}


def test_each_article_comes_with_its_latest_200_capture(session: Session) -> None:
    expected = archive(session)
    found = latest_article_captures(session, limit=10)
    assert {item.url: item.capture_id for item in found} == expected
    assert [item.article_id for item in found] == sorted(item.article_id for item in found)
    assert found[0].response_headers == (("Content-Type", "text/html"),)
    assert found[0].fetched_at == DAY
    assert latest_article_capture_count(session) == 2


def test_pages_go_on_after_an_article_id(session: Session) -> None:
    archive(session)
    first = latest_article_captures(session, limit=1)
    rest = latest_article_captures(session, limit=10, after_article_id=first[0].article_id)
    assert len(first) == len(rest) == 1 and rest[0].url.endswith("/ferry")
    assert latest_article_capture_count(session, after_article_id=first[0].article_id) == 1


def test_site_and_since_filter(session: Session) -> None:
    archive(session)
    assert latest_article_capture_count(session, site="gazette.example") == 2
    assert latest_article_capture_count(session, site="herald.example") == 0
    recent = latest_article_captures(session, limit=10, since=DAY - timedelta(days=1))
    assert [item.url for item in recent] == ["https://www.gazette.example/news/budget"]


def test_the_unfinished_run_with_the_same_arguments_is_found(session: Session) -> None:
    arguments = {"command": "reparse", "site": None, "since": None}
    done = start_crawl_run(session, arguments=arguments)
    finish_crawl_run(session, done, counts={}, finish_reason="finished")
    stopped = start_crawl_run(session, arguments=arguments)
    start_crawl_run(session, arguments={**arguments, "site": "herald.example"})
    run = unfinished_run_with(session, arguments)
    assert run is not None and run.id == stopped
    assert unfinished_run_with(session, {**arguments, "since": "2026-01-01"}) is None
