"""Named reads: exports rebuild records exactly; counts, titles, failures, ranges, runs."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, timezone

import pytest
from sqlalchemy.orm import Session

from archive_db.queries import (
    article_count,
    articles_published_between,
    exported_articles,
    fetch_failures,
    latest_crawl_run,
    recent_titles,
)
from archive_db.writes import finish_crawl_run, save_article, save_failure, start_crawl_run
from items import record_to_json
from tests.factories import FETCHED_AT, make_failure, make_record

LATER = FETCHED_AT + timedelta(days=2)


def save_three_sites(session: Session) -> None:
    for n, host in enumerate(["www.one.example", "www.one.example", "two.example"]):
        record = make_record(
            url=f"https://{host}/story-{n}",
            canonical_url=None,
            site=host,
            title=f"Story {n}",
            published=date(2024, 5, n + 1),
        )
        save_article(session, record, seen_at=FETCHED_AT, crawl_run_id=None)


def test_exported_article_is_the_saved_record(session: Session) -> None:
    record = make_record(
        published=datetime(2024, 5, 1, 11, 30, tzinfo=timezone(timedelta(hours=2))),
        modified=date(2024, 5, 2),
    )
    save_article(session, record, seen_at=FETCHED_AT, crawl_run_id=None)
    save_article(session, make_record(title="Edited"), seen_at=LATER, crawl_run_id=None)
    save_article(session, record, seen_at=LATER + timedelta(hours=1), crawl_run_id=None)
    session.commit()

    exported = list(exported_articles(session))
    assert len(exported) == 1
    archived = exported[0]
    assert archived.record == record
    assert record_to_json(archived.record) == record_to_json(record)
    assert archived.record.published == record.published
    assert isinstance(archived.record.modified, date)
    assert not isinstance(archived.record.modified, datetime)
    assert archived.first_seen == FETCHED_AT
    assert archived.last_seen == LATER + timedelta(hours=1)
    assert archived.versions == 3


def test_export_of_a_bare_record_keeps_nones_and_empty_tuples(session: Session) -> None:
    record = make_record(
        canonical_url=None,
        title=None,
        summary=None,
        published=None,
        authors=(),
        tags=(),
        section=None,
        language=None,
        lists=(),
        related=(),
        images=(),
        provenance={},
    )
    save_article(session, record, seen_at=FETCHED_AT, crawl_run_id=None)
    (archived,) = exported_articles(session)
    assert archived.record == record


def test_site_filter_matches_the_host_with_or_without_www(session: Session) -> None:
    save_three_sites(session)
    assert article_count(session) == 3
    assert article_count(session, site="www.one.example") == 2
    assert article_count(session, site="one.example") == 2
    assert article_count(session, site="two.example") == 1
    assert article_count(session, site="three.example") == 0
    titles = [a.record.title for a in exported_articles(session, site="two.example")]
    assert titles == ["Story 2"]


def test_export_reads_many_articles_in_chunks(session: Session) -> None:
    for n in range(450):  # more than two chunks
        record = make_record(canonical_url=f"https://news.example.org/{n}", title=f"Story {n}")
        save_article(session, record, seen_at=FETCHED_AT, crawl_run_id=None)
    session.commit()
    titles = [archived.record.title for archived in exported_articles(session)]
    assert titles == [f"Story {n}" for n in range(450)]


def test_recent_titles_are_newest_first(session: Session) -> None:
    save_three_sites(session)
    recent = recent_titles(session, 2)
    assert [(r.title, r.site, r.published) for r in recent] == [
        ("Story 2", "two.example", date(2024, 5, 3)),
        ("Story 1", "www.one.example", date(2024, 5, 2)),
    ]


def test_articles_published_between_is_half_open(session: Session) -> None:
    save_three_sites(session)
    found = articles_published_between(session, date(2024, 5, 1), date(2024, 5, 3))
    assert [a.title for a in found] == ["Story 0", "Story 1"]
    found = articles_published_between(
        session, datetime(2024, 5, 1, 12, tzinfo=UTC), date(2024, 6, 1), site="one.example"
    )
    assert [a.title for a in found] == ["Story 1"]


def test_naive_bounds_are_refused(session: Session) -> None:
    with pytest.raises(ValueError, match="naive"):
        articles_published_between(session, datetime(2024, 5, 1), date(2024, 5, 3))


def test_fetch_failures_unresolved_by_default(session: Session) -> None:
    resolved_url = "https://news.example.org/2024/05/council-budget"
    save_failure(session, make_failure(url=resolved_url), crawl_run_id=None)
    save_failure(
        session,
        make_failure(failed_at=FETCHED_AT + timedelta(hours=1), reason="TimeoutError"),
        crawl_run_id=None,
    )
    save_article(session, make_record(url=resolved_url), seen_at=LATER, crawl_run_id=None)
    assert [f.reason for f in fetch_failures(session)] == ["TimeoutError"]
    everything = fetch_failures(session, unresolved_only=False)
    assert [f.url for f in everything] == ["https://news.example.org/2024/05/missing", resolved_url]
    assert everything[1].resolved_at == LATER


def test_latest_crawl_run(session: Session) -> None:
    assert latest_crawl_run(session) is None
    first = start_crawl_run(session, arguments={}, started_at=FETCHED_AT)
    second = start_crawl_run(session, arguments={"site": "x"}, started_at=LATER)
    finish_crawl_run(session, first, counts={}, finish_reason="finished")
    latest = latest_crawl_run(session)
    assert latest is not None
    assert (latest.id, latest.arguments) == (second, {"site": "x"})
