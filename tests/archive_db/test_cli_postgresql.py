"""The analyst commands end to end on a PostgreSQL archive given as ``--db URL``.

test_analyst_cli.py runs the same commands on an SQLite file; here only what a server
archive changes: web-search syntax, a read-only door that is a READ ONLY transaction,
and URLs (never their passwords) in messages.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterator
from datetime import timedelta

import pytest
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session

from archive_db.engine import make_engine
from archive_db.writes import save_article, start_crawl_run
from cli import EXIT_BAD_INPUT, EXIT_OK, main
from tests.archive_db import backends
from tests.factories import BODY, FETCHED_AT, make_ferry_record, make_record

BUDGET = "https://news.example.org/2024/05/council-budget"
FERRY = "https://news.example.org/ferry"


@pytest.fixture
def pg_archive(postgres_template: str) -> Iterator[str]:
    """The URL of a PostgreSQL archive holding two articles, the budget story edited once."""
    with backends.fresh_database(template=postgres_template) as url:
        engine = make_engine(url)
        with Session(engine) as session, session.begin():
            run = start_crawl_run(session, arguments={"command": "crawl"})
            save_article(session, make_record(), seen_at=FETCHED_AT, crawl_run_id=run)
            edited = make_record(body=BODY.replace("three-hour", "five-hour"))
            save_article(session, edited, seen_at=FETCHED_AT + timedelta(days=1), crawl_run_id=run)
            ferry = make_ferry_record(related=())
            save_article(session, ferry, seen_at=FETCHED_AT, crawl_run_id=run)
        engine.dispose()
        yield url


def test_search_uses_websearch_syntax_and_the_same_filters(capsys, pg_archive: str) -> None:
    assert main(["search", "ferry", "--db", pg_archive]) == EXIT_OK
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].split("\t") == ["rank", "published", "site", "title", "url", "snippet"]
    assert len(lines) == 2 and FERRY in lines[1] and "«Ferry»" in lines[1]

    assert main(["search", "council or ferry", "--db", pg_archive, "--format", "json"]) == 0
    hits = json.loads(capsys.readouterr().out)
    assert {hit["url"] for hit in hits} == {BUDGET + "?utm_source=feed", FERRY}

    args = ["search", "council or ferry", "--db", pg_archive, "--format", "csv"]
    assert main([*args, "--since", "2024-06-01", "--author", "ann other"]) == 0
    rows = list(csv.DictReader(io.StringIO(capsys.readouterr().out)))
    assert [row["url"] for row in rows] == [FERRY]
    assert main(["search", "afternoon -ferry", "--db", pg_archive, "--format", "json"]) == 0
    assert json.loads(capsys.readouterr().out) == []
    assert main(["search", 'budget "unclosed', "--db", pg_archive, "--format", "json"]) == 0
    assert json.loads(capsys.readouterr().out) == []  # no article says "unclosed"


def test_history_stats_and_export(capsys, pg_archive: str) -> None:
    assert main(["history", BUDGET, "--db", pg_archive]) == EXIT_OK
    out = capsys.readouterr().out
    assert "-" in out and "five-hour" in out and "three-hour" in out
    assert main(["stats", "--db", pg_archive, "--format", "json"]) == EXIT_OK
    (site,) = json.loads(capsys.readouterr().out)["sites"]
    assert site["articles"] == 2 and (site["from"], site["to"]) == ("2024-05-01", "2024-06-03")
    assert main(["export", "--db", pg_archive, "--since", "2024-06-03"]) == EXIT_OK
    (line,) = capsys.readouterr().out.splitlines()
    assert json.loads(line)["url"] == FERRY


def test_sql_reads_and_refuses_to_write(capsys, pg_archive: str) -> None:
    statement = "SELECT title, versions FROM article_latest ORDER BY title"
    assert main(["sql", statement, "--db", pg_archive, "--format", "csv"]) == EXIT_OK
    rows = list(csv.reader(io.StringIO(capsys.readouterr().out)))
    assert rows == [["title", "versions"], ["Council approves budget", "2"],
                    ["Ferry timetable changes", "1"]]  # fmt: skip
    assert main(["sql", "DELETE FROM article", "--db", pg_archive]) == EXIT_BAD_INPUT
    assert "read-only" in capsys.readouterr().err
    assert main(["sql", "COMMIT; DELETE FROM article", "--db", pg_archive]) == EXIT_BAD_INPUT
    assert "one SQL statement" in capsys.readouterr().err
    assert main(["sql", "SELECT count(*) FROM article", "--db", pg_archive]) == EXIT_OK
    assert capsys.readouterr().out.splitlines()[1] == "2"


def test_db_info_names_the_url_without_its_password(capsys, postgres_template: str) -> None:
    with backends.fresh_database(template=postgres_template) as url:
        # The test server trusts loopback, so it ignores the password.
        secret = make_url(url).set(password="s3cret").render_as_string(hide_password=False)
        assert main(["db", "info", "--db", secret]) == EXIT_OK
        out = capsys.readouterr().out
        assert ":***@" in out and "s3cret" not in out
        assert "(current)" in out
