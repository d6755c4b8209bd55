"""article_latest's `authors_json` and `tags_json`: JSON arrays of names in page order, on
both backends, filled for rows archived before the migration and removed by its downgrade."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import inspect, text
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.orm import Session

from archive_db.engine import make_engine
from archive_db.migrations import alembic_config, head_revision, include_name, upgrade_archive
from archive_db.models import Base
from archive_db.writes import save_article
from tests.archive_db import backends
from tests.archive_db.test_upgrade_from_first import FILL, FIRST_REVISION, counts
from tests.factories import FETCHED_AT, make_record

PREVIOUS_REVISION = "c4d9e2f7a361"  # the PostgreSQL-search migration, before the arrays
PREVIOUS_COLUMNS = [
    "article_id", "url", "canonical_url", "site", "title", "summary", "published",
    "published_at", "modified", "authors", "tags", "section", "language", "body",
    "first_seen_at", "last_seen_at", "versions", "current_version",
]  # fmt: skip

# Articles per name, the way Datasette's array facet counts them, in each backend's SQL.
PER_AUTHOR = {
    "sqlite": "SELECT j.value AS name, count(*) AS n FROM article_latest, "
    "json_each(article_latest.authors_json) AS j GROUP BY j.value",
    "postgresql": "SELECT j.value AS name, count(*) AS n FROM article_latest, "
    "jsonb_array_elements_text(article_latest.authors_json) AS j(value) GROUP BY j.value",
}


def decoded(backend: str, value: Any) -> list[str]:
    """A JSON column's value as Python: SQLite hands over JSON text, PostgreSQL a list."""
    if backend == "sqlite":
        assert isinstance(value, str), value
        parsed = json.loads(value)
    else:
        parsed = value
    assert isinstance(parsed, list), value
    return parsed


def arrays(backend: str, connection: Connection | Session) -> dict[str, tuple[list[str], ...]]:
    """Each article's (authors_json, tags_json), decoded, by URL."""
    rows = connection.execute(
        text("SELECT url, authors_json, tags_json FROM article_latest ORDER BY article_id")
    )
    return {url: (decoded(backend, authors), decoded(backend, tags)) for url, authors, tags in rows}


def save(session: Session, days: int = 0, **fields: object) -> None:
    record = make_record(**fields)
    save_article(session, record, seen_at=FETCHED_AT + timedelta(days=days), crawl_run_id=None)
    session.commit()


def test_the_arrays_hold_the_names_in_page_order_and_are_empty_for_none(
    backend: str, session: Session
) -> None:
    # Not alphabetical, so that page order shows; a comma, quotes and non-ASCII letters,
    # which a "; "-joined list or careless quoting would mangle.
    save(
        session,
        authors=("Zoë Zephyr", "Smith, Jr.", 'Ann "Nan" Able'),
        tags=("harbour", "boats", "ferry; timetable"),
    )
    save(
        session,
        url="https://news.example.org/2024/05/no-byline",
        canonical_url=None,
        authors=(),
        tags=(),
    )
    assert arrays(backend, session) == {
        "https://news.example.org/2024/05/council-budget?utm_source=feed": (
            ["Zoë Zephyr", "Smith, Jr.", 'Ann "Nan" Able'],
            ["harbour", "boats", "ferry; timetable"],
        ),
        "https://news.example.org/2024/05/no-byline": ([], []),
    }
    # The text columns are as they were beside them.
    assert session.execute(
        text("SELECT authors, tags FROM article_latest ORDER BY article_id")
    ).all() == [
        ('Zoë Zephyr; Smith, Jr.; Ann "Nan" Able', "harbour; boats; ferry; timetable"),
        (None, None),
    ]


def test_the_order_is_the_position_not_the_order_rows_were_written(
    backend: str, session: Session
) -> None:
    save(session, authors=("Ann", "Bob", "Cy"), tags=("one", "two"))
    # Reverse the positions in place (10, 9, 8: no clash with 0, 1, 2 on the way).
    session.execute(text("UPDATE article_author SET position = 10 - position"))
    session.execute(text("UPDATE article_tag SET position = 10 - position"))
    session.commit()
    assert list(arrays(backend, session).values()) == [(["Cy", "Bob", "Ann"], ["two", "one"])]


def test_the_arrays_follow_an_edited_byline(backend: str, session: Session) -> None:
    save(session, authors=("Jane Reporter", "Sam Writer"), tags=("council",))
    save(session, days=1, body="A new body.", authors=("Sam Writer",), tags=("council", "roads"))
    assert list(arrays(backend, session).values()) == [(["Sam Writer"], ["council", "roads"])]


def test_each_backend_counts_articles_per_author_from_the_array(
    backend: str, session: Session
) -> None:
    save(session, authors=("Jane Reporter", "Sam Writer"))
    save(
        session,
        url="https://news.example.org/2024/05/school-roof",
        canonical_url=None,
        authors=("Jane Reporter",),
    )
    save(session, url="https://news.example.org/2024/05/brief", canonical_url=None, authors=())
    rows = session.execute(text(PER_AUTHOR[backend])).all()
    assert {name: n for name, n in rows} == {"Jane Reporter": 2, "Sam Writer": 1}


@pytest.fixture
def empty_engine(backend: str, tmp_path: Path) -> Iterator[Engine]:
    """An empty database on this test's backend."""
    if backend == "sqlite":
        engine = make_engine(str(tmp_path / "archive.sqlite"))
        yield engine
        engine.dispose()
        return
    backends.require_server()
    with backends.fresh_database() as url:
        engine = make_engine(url)
        yield engine
        engine.dispose()


def migrate(engine: Engine, action: str, revision: str) -> None:
    with engine.begin() as connection:
        config = alembic_config()
        config.attributes["connection"] = connection
        getattr(command, action)(config, revision)


def view_columns(connection: Connection) -> list[str]:
    return [column["name"] for column in inspect(connection).get_columns("article_latest")]


def test_upgrade_from_the_previous_revision_keeps_rows_and_fills_the_arrays(
    backend: str, empty_engine: Engine
) -> None:
    migrate(empty_engine, "upgrade", FIRST_REVISION)
    with empty_engine.begin() as connection:
        for statement in FILL:
            # SQLite took the first schema's booleans as 0/1; PostgreSQL wants words.
            connection.exec_driver_sql(statement.replace("(1, 1, 0, 0)", "(1, 1, 0, false)"))
    migrate(empty_engine, "upgrade", PREVIOUS_REVISION)
    select_previous = text(
        f"SELECT {', '.join(PREVIOUS_COLUMNS)} FROM article_latest ORDER BY article_id"
    )
    with empty_engine.connect() as connection:
        assert view_columns(connection) == PREVIOUS_COLUMNS
        before = counts(connection)
        latest_before = connection.execute(select_previous).all()
    assert all(before.values()) and len(latest_before) == 2

    assert upgrade_archive(empty_engine) == (PREVIOUS_REVISION, head_revision())

    with empty_engine.connect() as connection:
        # Every earlier column keeps its name and place; the arrays come next, then what
        # later migrations append (gone_at, incremental crawling).
        assert view_columns(connection) == [
            *PREVIOUS_COLUMNS,
            "authors_json",
            "tags_json",
            "gone_at",
        ]
        assert counts(connection) == before
        assert connection.execute(select_previous).all() == latest_before
        assert arrays(backend, connection) == {
            "https://news.example.org/budget": (["Zoe Zephyr", "Adam Able"], []),
            "https://news.example.org/ferry": ([], ["harbour"]),
        }
        context = MigrationContext.configure(
            connection, opts={"include_name": include_name, "compare_type": True}
        )
        assert compare_metadata(context, Base.metadata) == []

    migrate(empty_engine, "downgrade", PREVIOUS_REVISION)
    with empty_engine.connect() as connection:
        assert view_columns(connection) == PREVIOUS_COLUMNS
        assert connection.execute(select_previous).all() == latest_before
        assert counts(connection) == before
