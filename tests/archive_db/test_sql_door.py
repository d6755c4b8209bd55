"""The read-only SQL door on PostgreSQL against what a READ ONLY transaction alone lets
through: COPY to a program or a server file, session settings, role switches, large
objects, a statement that kills its own connection. The test server's user is a
superuser, the worst case. (SQLite's side is in tests/test_security.py.)
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from archive_db.engine import make_engine
from archive_db.migrations import readonly_archive
from archive_db.sql import QueryError, run_readonly_sql
from archive_db.writes import save_article
from tests.archive_db import backends
from tests.factories import FETCHED_AT, make_record


@pytest.fixture(scope="module")
def pg_url(postgres_template: str) -> Iterator[str]:
    """A PostgreSQL archive holding one article, shared: every test checks it stays as it was."""
    with backends.fresh_database(template=postgres_template) as url:
        engine = make_engine(url)
        with Session(engine) as session, session.begin():
            save_article(session, make_record(), seen_at=FETCHED_AT, crawl_run_id=None)
        engine.dispose()
        yield url


@pytest.fixture
def reader(pg_url: str) -> Iterator[Engine]:
    engine = readonly_archive(pg_url)
    yield engine
    engine.dispose()


def state_of(url: str) -> tuple[object, ...]:
    """What a write would change: rows, the session defaults, large objects."""
    engine = make_engine(url)
    try:
        with engine.connect() as connection:
            return tuple(
                connection.exec_driver_sql(statement).scalar()
                for statement in (
                    "SELECT count(*) FROM article",
                    "SELECT string_agg(title, '|') FROM article",
                    "SELECT count(*) FROM site",
                    "SELECT count(*) FROM pg_largeobject_metadata",
                    "SELECT count(*) FROM pg_class WHERE relpersistence = 't'",
                )
            )
    finally:
        engine.dispose()


@pytest.mark.parametrize(
    "statement",
    [
        "COPY (SELECT 1) TO PROGRAM 'touch {marker}'",
        "COPY article TO '{marker}'",
        "COPY (SELECT 1) TO STDOUT",
        "COPY site FROM '/etc/hostname'",
        "SET default_transaction_read_only = off",
        "SET SESSION CHARACTERISTICS AS TRANSACTION READ WRITE",
        "SET TRANSACTION READ WRITE",
        "BEGIN READ WRITE",
        "RESET ALL",
        "COMMIT",
        "ROLLBACK; DELETE FROM article",
        "SELECT set_config('default_transaction_read_only', 'off', false)",
        "SELECT set_config('role', 'postgres', true), count(*) FROM article",
        "SELECT U&\"set\\005fconfig\"('role', 'postgres', true)",
        "SELECT lo_export(lo_import('/etc/hostname'), '{marker}')",
        "SELECT lo_import('/etc/hostname')",
        "SELECT pg_read_file('/etc/hostname')",
        "SELECT pg_reload_conf()",
        "DO $$ BEGIN DELETE FROM article; END $$",
        "WITH gone AS (DELETE FROM article RETURNING id) SELECT count(*) FROM gone",
        "CREATE TEMP TABLE scratch (x int)",
        "SELECT nextval('article_id_seq')",
        "LOCK TABLE article",
        "ANALYZE article",
        "REINDEX TABLE article",
        "VACUUM article",
        "NOTIFY channel",
        "PREPARE doomed AS DELETE FROM article",
        "TRUNCATE article",
    ],
)
def test_the_door_refuses_writes_and_side_effects(
    reader: Engine, pg_url: str, tmp_path: Path, statement: str
) -> None:
    marker = tmp_path / "written-by-the-server"
    tmp_path.chmod(0o777)  # so the server's own user could write there, if it were let
    before = state_of(pg_url)
    with pytest.raises(QueryError) as refused:
        run_readonly_sql(reader, statement.format(marker=marker))
    assert "\n" not in str(refused.value)
    assert not marker.exists()
    assert state_of(pg_url) == before
    # The next statement on the same engine is still read-only, and still answers.
    with pytest.raises(QueryError, match="read-only"):
        run_readonly_sql(reader, "DELETE FROM article")
    assert run_readonly_sql(reader, "SELECT count(*) FROM article").rows == [(1,)]


def test_a_statement_that_kills_its_connection_is_one_line(reader: Engine, capsys) -> None:
    with pytest.raises(QueryError) as refused:
        run_readonly_sql(reader, "SELECT pg_terminate_backend(pg_backend_pid())")
    assert "\n" not in str(refused.value)
    assert run_readonly_sql(reader, "SELECT 1").rows == [(1,)]  # a fresh connection
    assert "Traceback" not in capsys.readouterr().err


@pytest.mark.parametrize(
    "statement",
    [
        "SELECT title FROM article_latest",
        "  /* a comment */ (SELECT title FROM article_latest)",
        "-- a comment\nWITH t AS (SELECT title FROM article) SELECT * FROM t",
        "VALUES (1)",
        "TABLE site",
        "EXPLAIN SELECT * FROM article",
        "SHOW server_version",
    ],
)
def test_the_door_still_answers_queries(reader: Engine, statement: str) -> None:
    assert run_readonly_sql(reader, statement).rows
