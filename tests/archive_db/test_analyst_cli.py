"""The analyst commands end to end on a real archive file: db, history, search, sql,
export (dates, Parquet) and stats; bad input is one line and a documented exit code."""

from __future__ import annotations

import csv
import hashlib
import io
import json
import sys
from datetime import timedelta
from pathlib import Path

import pytest
from alembic import command
from sqlalchemy.orm import Session

from archive_db.engine import make_engine
from archive_db.migrations import alembic_config, head_revision, upgrade_archive
from archive_db.writes import save_article, start_crawl_run
from cli import EXIT_ARCHIVE, EXIT_BAD_INPUT, EXIT_OK, EXIT_USAGE, main
from tests.factories import BODY, FETCHED_AT, make_ferry_record, make_record

BUDGET = "https://news.example.org/2024/05/council-budget"
FERRY = "https://news.example.org/ferry"


def one_line_error(err: str) -> str:
    lines = [line for line in err.splitlines() if line.strip()]
    assert len(lines) == 1, f"expected one line on stderr, got: {err!r}"
    assert "Traceback" not in err
    return lines[0]


@pytest.fixture
def archive(tmp_path: Path) -> Path:
    """Two articles; the budget story saved, re-saved unchanged, then edited."""
    path = tmp_path / "archive.sqlite"
    engine = make_engine(str(path))
    upgrade_archive(engine)
    with Session(engine) as session, session.begin():
        run = start_crawl_run(session, arguments={"command": "crawl"})
        record = make_record()
        save_article(session, record, seen_at=FETCHED_AT, crawl_run_id=run)
        save_article(session, record, seen_at=FETCHED_AT + timedelta(hours=1), crawl_run_id=run)
        edited = make_record(body=BODY.replace("three-hour", "five-hour"))
        save_article(session, edited, seen_at=FETCHED_AT + timedelta(days=1), crawl_run_id=run)
        ferry = make_ferry_record(lists=(), related=(), images=())
        save_article(session, ferry, seen_at=FETCHED_AT, crawl_run_id=run)
    engine.dispose()
    return path


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_history_prints_versions_with_a_body_diff(capsys, archive: Path) -> None:
    assert main(["history", BUDGET, "--db", str(archive)]) == EXIT_OK
    out = capsys.readouterr().out
    versions = [line for line in out.splitlines() if line.startswith("version ")]
    assert len(versions) == 2  # the unchanged re-save added none
    assert versions[0].startswith("version 1  seen 2024-05-01T18:04:11+00:00  crawl run 1")
    assert "--- version 1" in out and "+++ version 2" in out
    lines = [line.strip() for line in out.splitlines()]
    assert any(line.startswith("-The county") and "three-hour" in line for line in lines)
    assert any(line.strip().startswith("+") and "five-hour" in line for line in out.splitlines())


def test_history_of_an_unknown_url_is_one_line_exit_3(capsys, archive: Path) -> None:
    assert main(["history", "https://nowhere.example/x", "--db", str(archive)]) == EXIT_BAD_INPUT
    assert "no article at https://nowhere.example/x" in one_line_error(capsys.readouterr().err)


def test_search_plain_on_a_pipe_and_as_json_and_csv(capsys, archive: Path) -> None:
    assert main(["search", "ferry", "--db", str(archive)]) == EXIT_OK
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].split("\t") == ["rank", "published", "site", "title", "url", "snippet"]
    assert len(lines) == 2 and FERRY in lines[1] and "«Ferry»" in lines[1]

    assert main(["search", "council OR ferry", "--db", str(archive), "--format", "json"]) == 0
    hits = json.loads(capsys.readouterr().out)
    assert {hit["url"] for hit in hits} == {BUDGET + "?utm_source=feed", FERRY}
    assert all(isinstance(hit["rank"], float) for hit in hits)

    args = ["search", "council OR ferry", "--db", str(archive), "--format", "csv"]
    assert main([*args, "--since", "2024-06-01", "--author", "ann other"]) == 0
    rows = list(csv.DictReader(io.StringIO(capsys.readouterr().out)))
    assert [row["url"] for row in rows] == [FERRY]
    assert main([*args, "--until", "2024-06-02", "--tag", "budget", "--limit", "5"]) == 0
    assert [row["url"] for row in csv.DictReader(io.StringIO(capsys.readouterr().out))] == [
        BUDGET + "?utm_source=feed"
    ]


@pytest.mark.parametrize(
    ("args", "code", "words"),
    [
        (["search", "budget", "--since", "2024-13-40"], EXIT_USAGE, "not a date"),
        (["search", "budget", "--until", "yesterday"], EXIT_USAGE, "not a date"),
        (["search", 'budget "unclosed'], EXIT_BAD_INPUT, "cannot search"),
        (["search", "budget", "--site", "unknown.example"], EXIT_BAD_INPUT, "no site"),
        (["export", "--since", "May 2024"], EXIT_USAGE, "not a date"),
        (["sql", "SELEC nothing"], EXIT_BAD_INPUT, "SQL error"),
        (["sql", "DELETE FROM article"], EXIT_BAD_INPUT, "read-only"),
        (["sql", "ATTACH DATABASE 'x.sqlite' AS x"], EXIT_BAD_INPUT, "read-only"),
    ],
)
def test_bad_input_is_one_line_and_a_documented_exit_code(
    capsys, archive: Path, args: list[str], code: int, words: str
) -> None:
    before = digest(archive)
    assert main([*args, "--db", str(archive)]) == code
    assert words in one_line_error(capsys.readouterr().err)
    assert digest(archive) == before


def test_sql_reads_stdin_and_prints_csv(capsys, archive: Path, monkeypatch) -> None:
    monkeypatch.setattr(sys, "stdin", io.StringIO("SELECT title, versions FROM article_latest\n"
                                                  "ORDER BY title"))  # fmt: skip
    assert main(["sql", "-", "--db", str(archive), "--format", "csv"]) == EXIT_OK
    rows = list(csv.reader(io.StringIO(capsys.readouterr().out)))
    assert rows == [
        ["title", "versions"],
        ["Council approves budget", "2"],
        ["Ferry timetable changes", "1"],
    ]


def test_export_between_dates_and_as_parquet(capsys, archive: Path, tmp_path: Path) -> None:
    assert main(["export", "--db", str(archive), "--since", "2024-06-03"]) == EXIT_OK
    lines = capsys.readouterr().out.splitlines()
    assert [json.loads(line)["url"] for line in lines] == [FERRY]
    assert main(["export", "--db", str(archive), "--until", "2024-06-02"]) == EXIT_OK
    rows = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert [(row["canonical_url"], row["versions"]) for row in rows] == [(BUDGET, 2)]

    pq = pytest.importorskip("pyarrow.parquet")
    output = tmp_path / "articles.parquet"
    assert main(["export", "--db", str(archive), "--format", "parquet", "-o", str(output)]) == 0
    table = pq.read_table(output).to_pylist()
    assert [row["url"] for row in table] == [BUDGET + "?utm_source=feed", FERRY]
    assert table[0]["authors"] == ["Jane Reporter", "Sam Writer"]
    assert table[0]["versions"] == 2
    assert json.loads(table[0]["lists"])[0]["items"] == ["Roads", "Libraries"]
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".articles.parquet")]


def test_parquet_needs_output_and_pyarrow(capsys, archive: Path, tmp_path, monkeypatch) -> None:
    assert main(["export", "--db", str(archive), "--format", "parquet"]) == EXIT_USAGE
    assert "--output" in one_line_error(capsys.readouterr().err)
    monkeypatch.setitem(sys.modules, "pyarrow", None)  # as if not installed
    output = tmp_path / "a.parquet"
    args = ["export", "--db", str(archive), "--format", "parquet", "-o", str(output)]
    assert main(args) == EXIT_USAGE
    assert "pyarrow" in one_line_error(capsys.readouterr().err)
    assert not output.exists()


def test_stats_per_site_as_json_and_table(capsys, archive: Path) -> None:
    assert main(["stats", "--db", str(archive), "--format", "json"]) == EXIT_OK
    answer = json.loads(capsys.readouterr().out)
    (site,) = answer["sites"]
    assert site["site"] == "news.example.org" and site["articles"] == 2
    assert (site["from"], site["to"]) == ("2024-05-01", "2024-06-03")
    assert site["related"] == 0.5 and site["title"] == 1.0 and site["images"] == 0.5
    assert site["failures"] == 0
    assert answer["last_crawl"]["outcome"] == "unfinished"
    assert main(["stats", "--db", str(archive)]) == EXIT_OK
    out = capsys.readouterr().out
    assert "news.example.org\t2\t2024-05-01\t2024-06-03\t100%" in out
    assert "last crawl: started" in out


def test_db_info_and_upgrade_of_an_old_archive(capsys, tmp_path: Path) -> None:
    path = tmp_path / "old.sqlite"
    engine = make_engine(str(path))
    with engine.begin() as connection:
        config = alembic_config()
        config.attributes["connection"] = connection
        command.upgrade(config, "3f1c2a9d4e10")
    engine.dispose()

    assert main(["search", "budget", "--db", str(path)]) == EXIT_ARCHIVE
    assert "newsarchive db upgrade" in one_line_error(capsys.readouterr().err)
    assert main(["db", "info", "--db", str(path)]) == EXIT_OK
    assert "3f1c2a9d4e10 (older: run `newsarchive db upgrade`)" in capsys.readouterr().out

    assert main(["db", "upgrade", "--db", str(path)]) == EXIT_OK
    assert f"from 3f1c2a9d4e10 to {head_revision()}" in capsys.readouterr().out
    assert main(["db", "upgrade", "--db", str(path)]) == EXIT_OK
    assert "already at the current schema" in capsys.readouterr().out

    assert main(["db", "info", "--db", str(path)]) == EXIT_OK
    out = capsys.readouterr().out
    assert f"schema revision: {head_revision()} (current)" in out
    assert any(line.split() == ["article", "0"] for line in out.splitlines())
    assert main(["search", "budget", "--db", str(path)]) == EXIT_OK


def test_db_commands_refuse_what_is_not_an_archive(capsys, tmp_path: Path) -> None:
    assert main(["db", "upgrade", "--db", str(tmp_path / "missing.sqlite")]) == EXIT_ARCHIVE
    assert "no archive at" in one_line_error(capsys.readouterr().err)
    assert not (tmp_path / "missing.sqlite").exists()
    text_file = tmp_path / "notes.txt"
    text_file.write_text("hello")
    for args in (["db", "info"], ["db", "upgrade"], ["stats"], ["sql", "select 1"]):
        assert main([*args, "--db", str(text_file)]) == EXIT_ARCHIVE
        assert "not an SQLite archive" in one_line_error(capsys.readouterr().err)


def test_an_archive_from_a_newer_newsarchive_is_refused(capsys, archive: Path) -> None:
    engine = make_engine(str(archive))
    with engine.begin() as connection:
        connection.exec_driver_sql("UPDATE alembic_version SET version_num = 'f00dfeedbeef'")
    engine.dispose()
    for args in (["db", "upgrade"], ["export"], ["history", BUDGET], ["stats"]):
        assert main([*args, "--db", str(archive)]) == EXIT_ARCHIVE
        assert "newer newsarchive" in one_line_error(capsys.readouterr().err)


def test_passwords_in_database_urls_are_masked(capsys) -> None:
    url = "postgresql+psycopg://analyst:s3cret@127.0.0.1:1/archive"
    for args in (["db", "info"], ["stats"]):
        code = main([*args, "--db", url])
        err = capsys.readouterr().err
        assert code == EXIT_ARCHIVE
        assert "s3cret" not in err
        one_line_error(err)


def test_a_terminal_gets_a_rich_table(capsys, archive: Path, monkeypatch) -> None:
    monkeypatch.setattr(sys.stdout, "isatty", lambda: True)
    assert (
        main(["sql", "select title from article_latest order by title", "--db", str(archive)]) == 0
    )
    out = capsys.readouterr().out
    assert "┏" in out and "title" in out  # a boxed table, not tab-separated text
    assert "│ Ferry timetable changes │" in out and "\t" not in out
