"""What an attacker controls: option values with SQL and FTS syntax, SQL given to the
read-only door, output paths and article data that look like paths, and passwords in
database URLs. Each is treated as data, refused, or hidden; the archive never changes.
(The PostgreSQL side of the read-only door is in tests/archive_db/test_sql_door.py.)
"""

from __future__ import annotations

import csv
import hashlib
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy.orm import Session

from archive_db.engine import make_engine
from archive_db.migrations import upgrade_archive
from archive_db.writes import save_article
from cli import EXIT_ARCHIVE, EXIT_BAD_INPUT, EXIT_OK, EXIT_USAGE, main
from tests.archive_db import backends
from tests.factories import FETCHED_AT, make_ferry_record, make_record
from tests.test_cli_robustness import (
    DB_COMMANDS,
    free_port,
    leftovers,
    one_line_error,
    placeholder_arguments,
)

ROOT = Path(__file__).resolve().parents[1]
FERRY = "https://news.example.org/ferry"
# A title and URL that would escape the output folder if they ever became file names.
SNEAKY_TITLE = "../../etc/evil/..\\win"
SNEAKY_URL = "https://news.example.org/../../tmp/evil/%2e%2e%2fx"


@pytest.fixture(scope="module")
def archive_bytes(tmp_path_factory: pytest.TempPathFactory) -> bytes:
    """Three articles: the budget story, the ferry story, one with a path-like title and URL."""
    path = tmp_path_factory.mktemp("template") / "archive.sqlite"
    engine = make_engine(str(path))
    upgrade_archive(engine)
    with Session(engine) as session, session.begin():
        save_article(session, make_record(), seen_at=FETCHED_AT, crawl_run_id=None)
        ferry = make_ferry_record()
        save_article(session, ferry, seen_at=FETCHED_AT, crawl_run_id=None)
        sneaky = make_record(url=SNEAKY_URL, canonical_url=None, title=SNEAKY_TITLE)
        save_article(session, sneaky, seen_at=FETCHED_AT, crawl_run_id=None)
    engine.dispose()  # the last connection folds the WAL into the file
    return path.read_bytes()


@pytest.fixture
def archive(archive_bytes: bytes, tmp_path: Path) -> Path:
    """A copy of the three-article archive for this test alone."""
    path = tmp_path / "archive.sqlite"
    path.write_bytes(archive_bytes)
    return path


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def folder_files(folder: Path) -> set[str]:
    """Files in the folder, leaving out SQLite's own -wal/-shm beside the archive (a reader
    of a WAL archive may create them)."""
    return {p.name for p in folder.iterdir() if not p.name.endswith(("-wal", "-shm"))}


# --- SQL and FTS syntax in option values are data ---------------------------------------------

INJECTIONS = [
    "' OR '1'='1",
    "x'; DROP TABLE article; --",
    '" OR 1=1 --',
    "%",
    "_",
    "news.example.org' --",
    "\\",
    "Ann Other' OR 'a'='a",
    "transport) OR (1=1",
]


@pytest.mark.parametrize("value", INJECTIONS)
def test_filters_treat_sql_metacharacters_as_data(capsys, archive: Path, value: str) -> None:
    before = digest(archive)
    db = ["--db", str(archive)]
    assert main(["export", *db, "--site", value]) == EXIT_OK
    assert capsys.readouterr().out == ""  # no site is called that: no rows, not all rows
    for option in ("--author", "--tag"):
        assert main(["search", "ferry OR council", *db, option, value, "--format", "json"]) == 0
        assert json.loads(capsys.readouterr().out) == []
    assert main(["search", "ferry", *db, "--site", value]) == EXIT_BAD_INPUT
    assert "no site" in one_line_error(capsys.readouterr().err)
    assert main(["history", value, *db]) == EXIT_BAD_INPUT
    assert "no article at" in one_line_error(capsys.readouterr().err)
    assert digest(archive) == before


def test_exact_filters_still_match_their_own_value(capsys, archive: Path) -> None:
    """The control for the test above: the same options do find real values."""
    db = ["--db", str(archive)]
    args = ["search", "ferry OR council", *db, "--author", "ann other", "--format", "json"]
    assert main(args) == EXIT_OK
    assert [hit["url"] for hit in json.loads(capsys.readouterr().out)] == [FERRY]
    assert main(["export", *db, "--site", "news.example.org"]) == EXIT_OK
    assert len(capsys.readouterr().out.splitlines()) == 3


@pytest.mark.parametrize(
    "query",
    [
        "'; DELETE FROM article; --",
        "ferry' OR '1'='1",
        'ferry" OR "1"="1',
        "title:ferry",
        "NEAR(ferry afternoon)",
        "ferr*",
        "ferry AND",
        "(ferry",
        "*",
        "body:",
        "^ferry",
        "ferry NOT",
        "x UNION SELECT url FROM article",
        "article_fts MATCH 'x'",
    ],
)
def test_search_queries_never_reach_sql_as_code(capsys, archive: Path, query: str) -> None:
    before = digest(archive)
    code = main(["search", query, "--db", str(archive), "--format", "json"])
    captured = capsys.readouterr()
    assert code in {EXIT_OK, EXIT_BAD_INPUT}
    if code == EXIT_OK:  # FTS5 understood it: hits are real articles, at most all of them
        hits = json.loads(captured.out)
        assert len(hits) <= 3
        assert {hit["url"] for hit in hits} <= {FERRY, SNEAKY_URL, make_record().url}
    else:  # FTS5 syntax error: one line naming the query
        assert "cannot search" in one_line_error(captured.err)
    assert digest(archive) == before


# --- the read-only SQL door (SQLite) ----------------------------------------------------------


@pytest.mark.parametrize(
    "statement",
    [
        "DETACH DATABASE main",
        "ATTACH DATABASE ':memory:' AS scratch",
        "PRAGMA writable_schema = ON",
        "PRAGMA user_version = 7",
        "PRAGMA schema_version = 1",
        "PRAGMA foreign_keys = OFF",
        "PRAGMA wal_checkpoint(TRUNCATE)",
        "PRAGMA temp_store_directory = '{dir}'",
        "VACUUM",
        "VACUUM INTO '{dir}/copy.sqlite'",
        "SELECT load_extension('{dir}/evil')",
        "WITH doomed AS (SELECT id FROM article) DELETE FROM article",
        "WITH x AS (SELECT 1) UPDATE article SET title = 'owned'",
        "WITH x AS (SELECT 1) INSERT INTO site (host, first_seen_at) SELECT 'x', '2024-01-01'",
        "SELECT 1; DELETE FROM article",
        "SELECT 1; ATTACH DATABASE '{dir}/other.sqlite' AS other",
        "REINDEX",
        "ANALYZE",
        "CREATE TEMP TABLE scratch (x)",
        "CREATE TEMP VIEW scratch AS SELECT 1",
        "CREATE TEMP TRIGGER t AFTER INSERT ON site BEGIN DELETE FROM article; END",
        "INSERT INTO article_fts (article_fts) VALUES ('rebuild')",
        "BEGIN IMMEDIATE",
    ],
)
def test_sql_cannot_write_on_sqlite(capsys, archive: Path, statement: str) -> None:
    before, files_before = digest(archive), folder_files(archive.parent)
    sql = statement.format(dir=archive.parent)
    assert main(["sql", sql, "--db", str(archive)]) == EXIT_BAD_INPUT
    line = one_line_error(capsys.readouterr().err)
    refusals = ("read-only", "one SQL statement", "cannot VACUUM from within a transaction")
    assert any(words in line for words in refusals), line
    assert digest(archive) == before
    assert folder_files(archive.parent) == files_before


# --- exports write where they are told, and nowhere else ---------------------------------------


def test_export_to_a_symlink_replaces_the_link_not_its_target(archive: Path, tmp_path) -> None:
    target = tmp_path / "precious.txt"
    target.write_text("do not touch")
    link = tmp_path / "out.jsonl"
    link.symlink_to(target)
    assert main(["export", "--db", str(archive), "-o", str(link)]) == EXIT_OK
    assert target.read_text() == "do not touch"
    assert not link.is_symlink()
    assert len(link.read_text().splitlines()) == 3


def test_export_path_with_dot_dot_resolves_like_any_path(archive: Path, tmp_path: Path) -> None:
    (tmp_path / "sub").mkdir()
    output = tmp_path / "sub" / ".." / "out.csv"
    assert main(["export", "--db", str(archive), "--format", "csv", "-o", str(output)]) == 0
    assert len(list(csv.DictReader((tmp_path / "out.csv").open(encoding="utf-8")))) == 3
    assert sorted(p.name for p in (tmp_path / "sub").iterdir()) == []


def test_article_titles_and_urls_never_become_file_names(archive: Path, tmp_path: Path) -> None:
    work = tmp_path / "work"
    work.mkdir()
    for fmt in ("jsonl", "csv", "parquet"):
        output = work / f"export.{fmt}"
        assert main(["export", "--db", str(archive), "--format", fmt, "-o", str(output)]) == 0
    assert sorted(p.name for p in work.iterdir()) == [
        "export.csv",
        "export.jsonl",
        "export.parquet",
    ]
    assert folder_files(tmp_path) == {"archive.sqlite", "work"}
    rows = [json.loads(line) for line in (work / "export.jsonl").read_text().splitlines()]
    assert SNEAKY_TITLE in {row["title"] for row in rows}  # kept as data, whole


def test_the_temporary_file_is_hidden_beside_the_target_and_removed(
    archive: Path, tmp_path: Path, monkeypatch
) -> None:
    import cli as cli_module

    real_rows = cli_module.exported_rows
    seen: list[list[str]] = []

    def watching_rows(*args, **kwargs):
        for row in real_rows(*args, **kwargs):
            seen.append(leftovers(tmp_path))  # while writing: what sits in the folder
            yield row
        raise OSError(28, "No space left on device")  # then the disk fills up

    monkeypatch.setattr(cli_module, "exported_rows", watching_rows)
    output = tmp_path / "out.jsonl"
    assert main(["export", "--db", str(archive), "-o", str(output)]) == EXIT_ARCHIVE
    (temporary,) = seen[0]
    assert temporary.startswith(".out.jsonl.") and temporary.endswith(".tmp")
    assert all(part not in temporary for part in ("/", "..", "\\", "evil"))
    assert leftovers(tmp_path) == [] and not output.exists()


def test_export_keeps_the_permissions_a_new_file_would_get(archive: Path, tmp_path) -> None:
    output = tmp_path / "out.jsonl"
    old_umask = os.umask(0o022)
    try:
        assert main(["export", "--db", str(archive), "-o", str(output)]) == EXIT_OK
    finally:
        os.umask(old_umask)
    assert output.stat().st_mode & 0o777 == 0o644  # not mkstemp's private 0600
    output.chmod(0o640)
    assert main(["export", "--db", str(archive), "-o", str(output)]) == EXIT_OK
    assert output.stat().st_mode & 0o777 == 0o640  # a replaced file keeps its mode


# --- passwords in database URLs ----------------------------------------------------------------

SECRET = "s3cret"


def expected_code(path: tuple[str, ...]) -> int:
    """Exit 4 (the archive cannot be opened); `serve` refuses any server URL first (2)."""
    return EXIT_USAGE if path == ("serve",) else EXIT_ARCHIVE


@pytest.mark.parametrize("path", DB_COMMANDS, ids=" ".join)
def test_no_command_shows_the_password_of_an_unreachable_server(
    capsys, tmp_path: Path, path: tuple[str, ...]
) -> None:
    url = f"postgresql+psycopg://analyst:{SECRET}@127.0.0.1:{free_port()}/archive"
    assert main([*placeholder_arguments(path, tmp_path), "--db", url]) == expected_code(path)
    captured = capsys.readouterr()
    assert SECRET not in captured.out + captured.err
    assert "analyst:***@127.0.0.1" in one_line_error(captured.err)


@pytest.mark.parametrize("path", DB_COMMANDS, ids=" ".join)
def test_no_command_shows_the_password_a_server_refuses(
    capsys, tmp_path: Path, path: tuple[str, ...]
) -> None:
    backends.require_server()
    url = f"postgresql+psycopg://no_such_user:{SECRET}@127.0.0.1:5432/postgres"
    assert main([*placeholder_arguments(path, tmp_path), "--db", url]) == expected_code(path)
    captured = capsys.readouterr()
    assert SECRET not in captured.out + captured.err
    assert "no_such_user" in one_line_error(captured.err)


def test_a_crawl_never_logs_the_password(tmp_path: Path) -> None:
    """A real crawl into a reachable server, at DEBUG: the log, the summary, the error."""
    backends.require_server()
    name = backends.create_database()
    try:
        url = backends.database_url(name).replace("postgres@", f"postgres:{SECRET}@", 1)
        assert f":{SECRET}@" in url  # the trusting test server ignores the password
        site = f"http://127.0.0.1:{free_port()}/"
        result = subprocess.run(
            [sys.executable, "-c", "import sys, cli; sys.exit(cli.main(sys.argv[1:]))",
             "crawl", site, "--db", url, "--delay", "0", "--log-level", "DEBUG"],
            capture_output=True, text=True, timeout=120, cwd=ROOT,
            env={**os.environ, "PYTHONPATH": str(ROOT)},
        )  # fmt: skip
        assert result.returncode == EXIT_BAD_INPUT  # nothing answered at the site
        assert "postgres:***@127.0.0.1" in result.stderr  # the archive is named, masked
        assert SECRET not in result.stdout + result.stderr
    finally:
        backends.drop_database(name)


def test_db_info_and_stats_on_a_reachable_server_hide_the_password(capsys) -> None:
    backends.require_server()
    name = backends.create_database()
    try:
        url = backends.database_url(name).replace("postgres@", f"postgres:{SECRET}@", 1)
        upgrade_archive(url)
        assert main(["db", "info", "--db", url]) == EXIT_OK
        assert main(["stats", "--db", url, "--format", "json"]) == EXIT_OK
        assert main(["sql", "SELECT no_such_column FROM article", "--db", url]) == 3
        captured = capsys.readouterr()
        assert SECRET not in captured.out + captured.err
        assert "postgres:***@" in captured.out
    finally:
        backends.drop_database(name)


def test_mask_url_never_raises_and_never_leaks() -> None:
    from archive_db.engine import mask_url

    for url in (
        f"postgresql+psycopg://u:{SECRET}@[::1",
        f"postgresql+psycopg://u:{SECRET}@host:port/x",
        f"postgresql://u:{SECRET}@host/x?password={SECRET}",
        f"bogus://u:{SECRET}@host/x",
    ):
        assert SECRET not in mask_url(url), url
    assert mask_url(f"postgresql+psycopg://u:{SECRET}@[::1") == "<unparsable database URL>"


def test_a_password_given_as_a_query_parameter_is_hidden_too(capsys) -> None:
    url = f"postgresql+psycopg://analyst@127.0.0.1:{free_port()}/archive?password={SECRET}"
    assert main(["stats", "--db", url]) == EXIT_ARCHIVE
    assert SECRET not in one_line_error(capsys.readouterr().err)


def test_an_archive_error_message_has_no_password() -> None:
    from archive_db.engine import ArchiveError, readonly_engine

    with pytest.raises(ArchiveError) as refused:
        readonly_engine(f"postgresql+psycopg://u:{SECRET}@127.0.0.1:{free_port()}/x")
    assert SECRET not in str(refused.value) and SECRET not in repr(refused.value)
