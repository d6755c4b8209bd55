"""What only PostgreSQL has: its migrations, the tsvector search, and writers side by side.

Every test here runs on PostgreSQL only (the rest of tests/archive_db runs on both).
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from dataclasses import replace
from datetime import timedelta

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import delete, func, select, text
from sqlalchemy.engine import Engine
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session

from archive_db.engine import ArchiveError, make_engine
from archive_db.migrations import (
    alembic_config,
    current_revision,
    head_revision,
    include_name,
    readonly_archive,
    upgrade_archive,
)
from archive_db.models import Article, ArticleAuthor, ArticleVersion, Author, Base, Site
from archive_db.search import search_articles
from archive_db.sql import QueryError, run_readonly_sql
from archive_db.writes import SaveOutcome, save_article
from items import ArticleRecord
from tests.archive_db import backends
from tests.archive_db.test_upgrade_from_first import FILL, FIRST_REVISION, counts
from tests.factories import FETCHED_AT, make_record


@pytest.fixture
def empty_url() -> Iterator[str]:
    """An empty PostgreSQL database of this test's own."""
    backends.require_server()
    with backends.fresh_database() as url:
        yield url


@pytest.fixture
def pg_engine(empty_url: str) -> Iterator[Engine]:
    engine = make_engine(empty_url)
    upgrade_archive(engine)
    yield engine
    engine.dispose()


def vector_matches(session: Session, query: str) -> list[int]:
    rows = session.execute(
        text(
            "SELECT id FROM article WHERE search_vector @@ websearch_to_tsquery('simple', :q) "
            "ORDER BY id"
        ),
        {"q": query},
    )
    return list(rows.scalars())


def test_an_empty_database_upgraded_to_head_matches_the_models(pg_engine: Engine) -> None:
    with pg_engine.connect() as connection:
        assert current_revision(connection) == head_revision()
        context = MigrationContext.configure(
            connection, opts={"include_name": include_name, "compare_type": True}
        )
        assert compare_metadata(context, Base.metadata) == []
        vector = connection.exec_driver_sql(
            "SELECT data_type, is_generated FROM information_schema.columns "
            "WHERE table_name = 'article' AND column_name = 'search_vector'"
        ).one()
        assert tuple(vector) == ("tsvector", "ALWAYS")
        index = connection.exec_driver_sql(
            "SELECT indexdef FROM pg_indexes WHERE indexname = 'ix_article_search_vector'"
        ).scalar_one()
        assert "USING gin (search_vector)" in index
        views = connection.exec_driver_sql(
            "SELECT table_name FROM information_schema.views "
            "WHERE table_schema = 'public' ORDER BY table_name"
        ).scalars()
        assert list(views) == ["article_latest", "article_summary"]


def test_downgrade_to_base_removes_everything_and_upgrade_restores_it(pg_engine: Engine) -> None:
    with pg_engine.begin() as connection:
        config = alembic_config()
        config.attributes["connection"] = connection
        command.downgrade(config, "base")
    with pg_engine.connect() as connection:
        names = connection.exec_driver_sql(
            "SELECT table_name FROM information_schema.tables WHERE table_schema = 'public'"
        ).scalars()
        assert list(names) == ["alembic_version"]
    upgrade_archive(pg_engine)
    with Session(pg_engine) as session:
        save_article(session, make_record(), seen_at=FETCHED_AT, crawl_run_id=None)
        assert [hit.title for hit in search_articles(session, "councillors")] == [
            "Council approves budget"
        ]


def test_upgrade_from_the_first_migration_keeps_every_row_and_indexes_them(
    empty_url: str,
) -> None:
    engine = make_engine(empty_url)
    with engine.begin() as connection:
        config = alembic_config()
        config.attributes["connection"] = connection
        command.upgrade(config, FIRST_REVISION)
        for statement in FILL:
            # The first schema's SQL as SQLite took it; PostgreSQL's booleans are words.
            connection.exec_driver_sql(statement.replace("(1, 1, 0, 0)", "(1, 1, 0, false)"))
    with engine.connect() as connection:
        before = counts(connection)
    assert all(before.values())
    with pytest.raises(ArchiveError, match="older schema"):
        readonly_archive(empty_url)

    assert upgrade_archive(engine) == (FIRST_REVISION, head_revision())

    with engine.connect() as connection:
        assert counts(connection) == before
        texts = connection.exec_driver_sql(
            "SELECT id, authors_text, tags_text FROM article ORDER BY id"
        ).all()
        assert texts == [(1, "Zoe Zephyr; Adam Able", None), (2, None, "harbour")]  # page order
        latest = connection.exec_driver_sql(
            "SELECT url, authors, tags, versions FROM article_latest ORDER BY article_id"
        ).all()
        assert latest == [
            ("https://news.example.org/budget", "Zoe Zephyr; Adam Able", None, 1),
            ("https://news.example.org/ferry", None, "harbour", 1),
        ]
    with Session(engine) as session:
        # Rows written before the search column existed are searchable, by every field.
        assert vector_matches(session, "zephyr") == [1]
        assert vector_matches(session, "harbour") == [2]
        assert vector_matches(session, "sailings") == [2]
    readonly_archive(empty_url).dispose()
    engine.dispose()


def test_the_search_vector_follows_inserts_updates_and_deletes(pg_engine: Engine) -> None:
    with Session(pg_engine) as session:
        save_article(session, make_record(), seen_at=FETCHED_AT, crawl_run_id=None)
        article_id = session.scalars(select(Article.id)).one()
        assert vector_matches(session, "councillors") == [article_id]
        assert vector_matches(session, "Jane") == [article_id]  # authors_text
        assert vector_matches(session, "potholes") == []

        edited = make_record(body=make_record().body.replace("roads", "potholes"))
        later = FETCHED_AT + timedelta(days=1)
        save_article(session, edited, seen_at=later, crawl_run_id=None)
        assert vector_matches(session, "potholes") == [article_id]
        assert vector_matches(session, "roads") == [article_id]  # still in the summary
        save_article(session, make_record(tags=("ferries",)), seen_at=later, crawl_run_id=None)
        assert vector_matches(session, "ferries") == [article_id]

        session.execute(delete(Article).where(Article.id == article_id))
        assert vector_matches(session, "ferries") == []


def test_websearch_syntax_phrases_or_and_exclusion(pg_engine: Engine) -> None:
    ferry = make_record(
        url="https://news.example.org/ferry",
        canonical_url="https://news.example.org/ferry",
        title="Ferry timetable changes",
        summary="Sailings move.",
        body="The ferry budget is cut and the council says sailings move to the afternoon.",
        tags=("transport",),
    )
    with Session(pg_engine) as session:
        save_article(session, make_record(), seen_at=FETCHED_AT, crawl_run_id=None)
        save_article(session, ferry, seen_at=FETCHED_AT, crawl_run_id=None)

        def titles(query: str) -> list[str | None]:
            return sorted(hit.title for hit in search_articles(session, query))

        assert titles("budget") == ["Council approves budget", "Ferry timetable changes"]
        assert titles('"approved its budget"') == ["Council approves budget"]
        assert titles('"budget approved"') == []
        assert titles("budget -ferry") == ["Council approves budget"]
        assert titles("libraries or sailings") == [
            "Council approves budget",
            "Ferry timetable changes",
        ]
        # Quotes, semicolons and SQL are only words here, never SQL.
        assert titles("x'); DROP TABLE article; --") == []
        assert titles('budget AND "') == ["Council approves budget", "Ferry timetable changes"]
        assert session.scalar(text("SELECT count(*) FROM article")) == 2

        best = search_articles(session, "ferry")
        assert [hit.title for hit in best] == ["Ferry timetable changes"]
        assert "«Ferry»" in best[0].snippet and "«ferry»" in best[0].snippet


def test_title_matches_rank_above_body_matches(pg_engine: Engine) -> None:
    in_title = make_record(
        url="https://news.example.org/a",
        canonical_url="https://news.example.org/a",
        title="Harbour reopens",
        body="Boats are back after the works. " * 20,
    )
    in_body = make_record(
        url="https://news.example.org/b",
        canonical_url="https://news.example.org/b",
        title="Weekend roundup",
        body="Markets, music and the harbour. " * 3,
    )
    with Session(pg_engine) as session:
        save_article(session, in_body, seen_at=FETCHED_AT, crawl_run_id=None)
        save_article(session, in_title, seen_at=FETCHED_AT, crawl_run_id=None)
        hits = search_articles(session, "harbour")
    assert [hit.title for hit in hits] == ["Harbour reopens", "Weekend roundup"]
    assert hits[0].rank < hits[1].rank
    assert "«harbour»" in hits[1].snippet


def save_in_own_session(
    engine: Engine, record: ArticleRecord, barrier: threading.Barrier, outcomes: list[SaveOutcome]
) -> None:
    with Session(engine) as session, session.begin():
        # Both transactions look before either writes: the race an upsert must survive.
        session.scalars(select(Site)).all()
        barrier.wait()
        outcomes.append(save_article(session, record, seen_at=FETCHED_AT, crawl_run_id=None))


@pytest.mark.parametrize("edit", [False, True], ids=["same-record", "same-article-new-content"])
def test_saving_one_article_twice_at_once_makes_one_article(pg_engine: Engine, edit: bool) -> None:
    first = make_record(authors=("Ann Other",), tags=("harbour",))
    second = replace(first, body=first.body + "\n\nA late paragraph.") if edit else first
    barrier = threading.Barrier(2, timeout=30)
    outcomes: list[SaveOutcome] = []
    errors: list[Exception] = []

    def run(record: ArticleRecord) -> None:
        try:
            save_in_own_session(pg_engine, record, barrier, outcomes)
        except Exception as error:  # any error at all fails the test below, not lost in the thread
            errors.append(error)

    threads = [threading.Thread(target=run, args=(record,)) for record in (first, second)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert errors == []
    assert SaveOutcome.INSERTED in outcomes and len(outcomes) == 2
    with Session(pg_engine) as session:
        assert session.scalar(select(func.count()).select_from(Article)) == 1
        assert session.scalar(select(func.count()).select_from(Site)) == 1
        assert session.scalar(select(func.count()).select_from(Author)) == 1
        assert session.scalar(select(func.count()).select_from(ArticleAuthor)) == 1
        versions = session.scalars(select(ArticleVersion.number).order_by("number")).all()
        assert versions == ([1, 2] if edit else [1])
        expected = {SaveOutcome.INSERTED, SaveOutcome.UPDATED if edit else SaveOutcome.UNCHANGED}
        assert set(outcomes) == expected


def test_an_unreachable_server_is_one_line_without_the_password() -> None:
    url = "postgresql+psycopg://analyst:s3cret@127.0.0.1:1/archive"  # nothing listens on 1
    with pytest.raises(ArchiveError) as refused:
        make_engine(url)
    message = str(refused.value)
    assert "s3cret" not in message and "\n" not in message
    assert "analyst:***@127.0.0.1:1/archive" in message


@pytest.fixture
def pg_reader(pg_engine: Engine, empty_url: str) -> Iterator[Engine]:
    """A read-only engine on an archive holding one article."""
    with Session(pg_engine) as session, session.begin():
        save_article(session, make_record(), seen_at=FETCHED_AT, crawl_run_id=None)
    reader = readonly_archive(empty_url)
    yield reader
    reader.dispose()


def test_readonly_sql_answers_queries_on_postgresql(pg_reader: Engine) -> None:
    result = run_readonly_sql(
        pg_reader,
        "SELECT site, count(*) AS n FROM article_latest WHERE title LIKE 'Council%' GROUP BY site",
    )
    assert result.columns == ("site", "n")
    assert result.rows == [("news.example.org", 1)]


@pytest.mark.parametrize(
    "statement",
    [
        "INSERT INTO site (host, first_seen_at) VALUES ('x', now())",
        "DELETE FROM article",
        "UPDATE article SET title = 'x'",
        "DROP TABLE article_image",
        "CREATE TABLE t (x int)",
        "SELECT 1; DELETE FROM article",
        "COMMIT; DELETE FROM article",
        "SET TRANSACTION READ WRITE",
    ],
)
def test_readonly_sql_refuses_every_write_on_postgresql(
    pg_reader: Engine, pg_engine: Engine, statement: str
) -> None:
    try:
        run_readonly_sql(pg_reader, statement)
    except QueryError as refused:
        assert "\n" not in str(refused)
    # Whatever the statement did, the next one still cannot write, and nothing changed.
    with pytest.raises(QueryError, match="read-only"):
        run_readonly_sql(pg_reader, "DELETE FROM article")
    with pg_engine.connect() as connection:
        assert connection.exec_driver_sql("SELECT count(*) FROM article").scalar() == 1
        assert connection.exec_driver_sql("SELECT count(*) FROM site").scalar() == 1
        assert connection.exec_driver_sql("SELECT count(*) FROM article_image").scalar() == 1
    # The ORM's sessions on the reader are read-only too.
    with pytest.raises(DBAPIError, match="read-only"), Session(pg_reader) as session:
        session.execute(delete(Article))
