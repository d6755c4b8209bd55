"""`newsarchive serve`: Datasette on a real archive, read over HTTP on loopback."""

from __future__ import annotations

import json
import os
import re
import sqlite3
import subprocess
import sys
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy.orm import Session

from archive_db.datasette import TABLES, datasette_metadata
from archive_db.engine import make_engine
from archive_db.migrations import upgrade_archive
from archive_db.writes import save_article
from cli import EXIT_ARCHIVE, EXIT_USAGE, is_loopback, main
from tests.factories import make_record

pytest.importorskip("datasette")

ROOT = Path(__file__).resolve().parent.parent
SEEN_AT = datetime(2024, 5, 2, 7, 0, tzinfo=UTC)
START_TIMEOUT = 60
SERVE_SCRIPT = "import sys, cli; sys.exit(cli.main())"


def build_archive(path: Path) -> None:
    """Three articles on two sites, saved the way a crawl saves them."""
    records = [
        make_record(),
        make_record(
            url="https://news.example.org/2024/05/school-roof",
            canonical_url=None,
            title="School roof repaired before winter",
            body="Builders finished the new roof of the primary school.\n\nPupils return soon.",
            section="Education",
            authors=("Jane Reporter",),
            tags=("schools",),
        ),
        make_record(
            url="https://www.harbourgazette.test/harbour-dredging",
            canonical_url=None,
            site="www.harbourgazette.test",
            title="Dredging starts in the harbour",
            summary="A contractor begins work.",
            body="The marina will be dredged for six weeks by a Dutch contractor.",
            section="Business",
            authors=("Ann Other",),
            tags=("harbour", "boats"),
        ),
    ]
    engine = make_engine(str(path))
    try:
        upgrade_archive(engine)
        with Session(engine) as session:
            for record in records:
                save_article(session, record, seen_at=SEEN_AT, crawl_run_id=None)
            session.commit()
    finally:
        engine.dispose()


@dataclass(frozen=True, slots=True)
class Server:
    base: str  # http://127.0.0.1:PORT/<database>
    process: subprocess.Popen[str]

    def get(self, path: str, *, at_root: bool = False, **params: str) -> tuple[int, Any]:
        """GET base + path (+ query), or the server's root + path; the status and the
        decoded JSON (or the HTML text)."""
        start = self.base.rsplit("/", 1)[0] if at_root else self.base
        url = start + path + ("?" + urllib.parse.urlencode(params) if params else "")
        try:
            with urllib.request.urlopen(url, timeout=30) as response:
                status, text = response.status, response.read().decode("utf-8")
        except urllib.error.HTTPError as error:
            status, text = error.code, error.read().decode("utf-8")
        return status, json.loads(text) if ".json" in path else text


@pytest.fixture(scope="module")
def archive(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("serve") / "newsroom.sqlite"
    build_archive(path)
    return path


@pytest.fixture(scope="module")
def server(archive: Path) -> Iterator[Server]:
    """`newsarchive serve --port 0` in a subprocess, stopped (and reaped) afterwards."""
    process = subprocess.Popen(
        [sys.executable, "-c", SERVE_SCRIPT, "serve", "--db", str(archive), "--port", "0"],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
    )
    try:
        assert process.stdout is not None
        line = process.stdout.readline()  # printed once the port is bound
        match = re.search(r"http://127\.0\.0\.1:\d+/\S+", line)
        if match is None:
            process.kill()
            _, err = process.communicate(timeout=START_TIMEOUT)
            pytest.fail(f"serve did not start: {line!r} {err!r}")
        yield Server(base=match.group(0), process=process)
    finally:
        process.terminate()
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=20)
        for stream in (process.stdout, process.stderr):
            if stream is not None:
                stream.close()


def test_serve_names_the_database_after_the_file(server: Server) -> None:
    assert server.base.endswith("/newsroom")


def test_article_latest_lists_every_article(server: Server) -> None:
    status, data = server.get("/article_latest.json", _shape="array", _sort="article_id")
    assert status == 200
    assert [row["title"] for row in data] == [
        "Council approves budget",
        "School roof repaired before winter",
        "Dredging starts in the harbour",
    ]
    assert data[2]["site"] == "www.harbourgazette.test"


def test_full_text_search_on_article_latest_finds_the_article(server: Server) -> None:
    status, data = server.get("/article_latest.json", _search="marina", _shape="array")
    assert status == 200
    assert [row["title"] for row in data] == ["Dredging starts in the harbour"]
    status, data = server.get("/article_latest.json", _search="roof", _shape="array")
    assert [row["title"] for row in data] == ["School roof repaired before winter"]


def test_full_text_search_on_the_article_table(server: Server) -> None:
    status, data = server.get("/article.json", _search="Ann Other", _shape="array")
    assert status == 200
    assert [row["title"] for row in data] == ["Dredging starts in the harbour"]


def test_site_facet_counts_articles_per_site(server: Server) -> None:
    status, data = server.get("/article_latest.json", _shape="objects")
    assert status == 200
    results = data["facet_results"]
    site = results["results"]["site"] if "results" in results else results["site"]
    counts = {entry["value"]: entry["count"] for entry in site["results"]}
    assert counts == {"news.example.org": 2, "www.harbourgazette.test": 1}
    section = results["results"]["section"] if "results" in results else results["section"]
    assert {entry["value"] for entry in section["results"]} == {
        "Politics",
        "Education",
        "Business",
    }


def test_author_facet_on_article_author_shows_names(server: Server) -> None:
    status, data = server.get("/article_author.json", _shape="objects")
    assert status == 200
    facet = data["facet_results"]["author_id"]
    labels = {entry["label"]: entry["count"] for entry in facet["results"]}
    assert labels == {"Jane Reporter": 2, "Sam Writer": 1, "Ann Other": 1}


def test_metadata_title_and_descriptions_are_shown(server: Server) -> None:
    status, page = server.get("/", at_root=True)
    assert status == 200
    assert "<title>newsarchive: regional news archive: newsroom</title>" in page
    status, page = server.get("/article_latest")
    assert status == 200
    assert "One flat row per article" in page
    assert "for research use only" in page


def test_writing_sql_is_refused_and_nothing_is_deleted(server: Server, archive: Path) -> None:
    status, _ = server.get(".json", sql="delete from article")
    assert status == 400
    status, _ = server.get(".json", sql="select 1; delete from article")
    assert status == 400
    with sqlite3.connect(archive) as connection:
        assert connection.execute("select count(*) from article").fetchone() == (3,)
    status, data = server.get(".json", sql="select count(*) as n from article", _shape="array")
    assert (status, data) == (200, [{"n": 3}])


def test_described_tables_and_columns_exist_in_the_archive(archive: Path) -> None:
    with sqlite3.connect(archive) as connection:
        names = {
            row[0]
            for row in connection.execute(
                "select name from sqlite_master where type in (?, ?)", ("table", "view")
            )
        }
        for table, entry in TABLES.items():
            assert table in names, table
            columns = {row[1] for row in connection.execute(f"pragma table_info([{table}])")}
            assert set(entry.get("columns", {})) <= columns, table
            for key in ("facets", "sort_desc", "fts_pk", "label_column"):
                wanted = entry.get(key)
                for column in wanted if isinstance(wanted, list) else [wanted] * bool(wanted):
                    if isinstance(column, dict):  # a typed facet, e.g. {"array": "tags_json"}
                        ((_, column),) = column.items()
                    assert column in columns, (table, key, column)


def test_every_archive_table_and_view_is_described(archive: Path) -> None:
    with sqlite3.connect(archive) as connection:
        names = {
            row[0]
            for row in connection.execute(
                "select name from sqlite_master where type in ('table', 'view') "
                "and name not like 'sqlite_%' and name not like 'article_fts_%' "
                "and name != 'alembic_version'"
            )
        }
    for wanted in (
        "article",
        "article_latest",
        "article_summary",
        "article_version",
        "fetch_failure",
        "crawl_run",
        "author",
        "tag",
    ):
        assert wanted in TABLES and wanted in names
        assert TABLES[wanted]["description"]


def test_metadata_is_keyed_by_the_database_name() -> None:
    metadata = datasette_metadata("my-archive")
    assert list(metadata["databases"]) == ["my-archive"]
    assert metadata["databases"]["my-archive"]["tables"]["article_latest"]["fts_table"] == (
        "article_fts"
    )


@pytest.mark.parametrize("host", ["0.0.0.0", "192.168.1.20", "example.org", "::"])
def test_serve_refuses_a_public_host_without_public(host: str, archive: Path, capsys) -> None:
    assert main(["serve", "--db", str(archive), "--host", host]) == EXIT_USAGE
    err = capsys.readouterr().err
    assert "--public" in err
    assert len(err.strip().splitlines()) == 1


@pytest.mark.parametrize("host", ["127.0.0.1", "127.0.0.5", "::1", "localhost"])
def test_loopback_hosts_are_recognised(host: str) -> None:
    assert is_loopback(host)


def test_serve_refuses_a_file_that_is_not_an_archive(tmp_path: Path, capsys) -> None:
    other = tmp_path / "other.sqlite"
    with sqlite3.connect(other) as connection:
        connection.execute("create table t (x)")
    connection.close()
    assert main(["serve", "--db", str(other)]) == EXIT_ARCHIVE
    err = capsys.readouterr().err
    assert "not a newsarchive archive" in err
    assert len(err.strip().splitlines()) == 1


def test_serve_refuses_a_missing_archive(tmp_path: Path, capsys) -> None:
    assert main(["serve", "--db", str(tmp_path / "none.sqlite")]) == EXIT_ARCHIVE
    assert "no archive at" in capsys.readouterr().err


def test_serve_refuses_an_older_archive(tmp_path: Path, capsys) -> None:
    from alembic import command

    from archive_db.migrations import alembic_config

    old = tmp_path / "old.sqlite"
    engine = make_engine(str(old))
    try:
        with engine.begin() as connection:
            config = alembic_config()
            config.attributes["connection"] = connection
            command.upgrade(config, "3f1c2a9d4e10")  # the first migration only
    finally:
        engine.dispose()
    assert main(["serve", "--db", str(old)]) == EXIT_ARCHIVE
    assert "newsarchive db upgrade" in capsys.readouterr().err


def test_serve_without_datasette_says_which_extra(
    archive: Path, capsys, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(sys.modules, "datasette", None)
    monkeypatch.setitem(sys.modules, "datasette.app", None)
    assert main(["serve", "--db", str(archive)]) == EXIT_USAGE
    err = capsys.readouterr().err
    assert "newsarchive[serve]" in err
    assert len(err.strip().splitlines()) == 1


def test_serve_reports_a_busy_port(archive: Path, capsys) -> None:
    import socket

    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen(1)
        port = busy.getsockname()[1]
        assert main(["serve", "--db", str(archive), "--port", str(port)]) != 0
    err = capsys.readouterr().err
    assert f"cannot listen on 127.0.0.1:{port}" in err


def test_serve_refuses_a_server_database_without_showing_its_password(capsys) -> None:
    code = main(["serve", "--db", "postgresql+psycopg://reader:s3cret@127.0.0.1:5432/news"])
    assert code == EXIT_USAGE
    err = capsys.readouterr().err
    assert "SQLite" in err
    assert "s3cret" not in err


def facet(data: dict[str, Any], name: str) -> dict[str, Any]:
    """One facet's results from a Datasette table response (0.65 and 1.0 shapes)."""
    results = data["facet_results"]
    found: dict[str, Any] = results.get("results", results)[name]
    return found


def test_author_and_tag_array_facets_on_article_latest_count_articles_per_name(
    server: Server,
) -> None:
    status, data = server.get("/article_latest.json", _shape="objects")
    assert status == 200
    authors = facet(data, "authors_json")
    assert authors["type"] == "array"
    counts = {entry["value"]: entry["count"] for entry in authors["results"]}
    assert counts == {"Jane Reporter": 2, "Sam Writer": 1, "Ann Other": 1}
    tags = facet(data, "tags_json")
    assert {entry["value"]: entry["count"] for entry in tags["results"]} == {
        "council": 1,
        "budget": 1,
        "schools": 1,
        "harbour": 1,
        "boats": 1,
    }
    # Choosing a name applies the filter the facet's link applies: articles that carry it.
    chosen = next(entry for entry in authors["results"] if entry["value"] == "Jane Reporter")
    assert "authors_json__arraycontains=Jane" in chosen["toggle_url"]
    status, data = server.get(
        "/article_latest.json",
        _shape="array",
        _sort="article_id",
        authors_json__arraycontains="Jane Reporter",
    )
    assert status == 200
    assert [row["title"] for row in data] == [
        "Council approves budget",
        "School roof repaired before winter",
    ]
    assert json.loads(data[1]["authors_json"]) == ["Jane Reporter"]
