"""The hand-written parts of the schema: the FTS5 index (SQLite) and the article_summary view."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import delete, select, text
from sqlalchemy.orm import Session

from archive_db.models import Article
from archive_db.writes import save_article
from tests.factories import FETCHED_AT, make_record


def matching(session: Session, query: str) -> list[int]:
    rows = session.execute(
        text("SELECT rowid FROM article_fts WHERE article_fts MATCH :q ORDER BY rowid"),
        {"q": query},
    )
    return [row[0] for row in rows]


@pytest.mark.sqlite_only  # FTS5 internals
def test_fts_follows_inserts_updates_and_deletes(session: Session) -> None:
    save_article(session, make_record(), seen_at=FETCHED_AT, crawl_run_id=None)
    article_id = session.scalars(select(Article.id)).one()
    assert matching(session, "councillors") == [article_id]  # a body word
    assert matching(session, "title:budget") == [article_id]
    assert matching(session, "summary:libraries") == [article_id]
    assert matching(session, "potholes") == []

    edited = make_record(body=make_record().body.replace("roads", "potholes"))
    save_article(session, edited, seen_at=FETCHED_AT + timedelta(days=1), crawl_run_id=None)
    assert matching(session, "potholes") == [article_id]
    assert matching(session, "body:roads") == []

    session.execute(delete(Article).where(Article.id == article_id))
    assert matching(session, "potholes") == []
    assert matching(session, "councillors") == []
    integrity = "INSERT INTO article_fts (article_fts, rank) VALUES ('integrity-check', 1)"
    session.execute(text(integrity))  # raises if the index and the table disagree


def test_deleting_an_article_deletes_its_child_rows(session: Session) -> None:
    save_article(session, make_record(), seen_at=FETCHED_AT, crawl_run_id=None)
    session.execute(delete(Article))
    for table in (
        "article_version",
        "article_author",
        "article_tag",
        "article_list",
        "article_list_item",
        "article_link",
        "article_image",
    ):
        assert session.execute(text(f"SELECT count(*) FROM {table}")).scalar() == 0, table


def test_article_summary_has_one_flat_row_per_article(session: Session) -> None:
    record = make_record(authors=("Zoe Last", "Adam First"), tags=("roads", "council"))
    save_article(session, record, seen_at=FETCHED_AT, crawl_run_id=None)
    save_article(
        session,
        make_record(title="Edited", authors=record.authors, tags=record.tags),
        seen_at=FETCHED_AT + timedelta(days=1),
        crawl_run_id=None,
    )
    save_article(
        session,
        make_record(canonical_url="https://news.example.org/other", authors=(), tags=()),
        seen_at=FETCHED_AT,
        crawl_run_id=None,
    )
    rows = session.execute(text("SELECT * FROM article_summary ORDER BY article_id")).mappings()
    first, second = rows.all()
    assert first["url"] == record.url
    assert first["site"] == "news.example.org"
    assert first["title"] == "Edited"
    assert first["published"] == "2024-05-01T09:30:00+00:00"
    assert first["authors"] == "Zoe Last; Adam First"  # byline order, not alphabetical
    assert first["tags"] == "roads; council"
    assert first["versions"] == 2
    assert str(first["first_seen_at"]).startswith("2024-05-01 18:04:11")
    assert str(first["last_seen_at"]).startswith("2024-05-02 18:04:11")
    assert (second["authors"], second["tags"], second["versions"]) == (None, None, 1)
