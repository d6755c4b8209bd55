"""The command line: records out, exit codes, and one clear line for every expected failure."""

from __future__ import annotations

import csv
import io
import json
import sqlite3
from pathlib import Path

import pytest

from cli import (
    EXIT_ARCHIVE,
    EXIT_BAD_INPUT,
    EXIT_OK,
    EXIT_USAGE,
    main,
)
from items import RECORD_KEYS

REFERENCE_CASE = (
    Path(__file__).parent / "fixtures" / "chamberlainfiles" / "police-criticised-child-abuse"
)
REFERENCE_URL = json.loads((REFERENCE_CASE / "meta.json").read_text())["url"]


def one_line_error(err: str) -> str:
    lines = [line for line in err.splitlines() if line.strip()]
    assert len(lines) == 1, f"expected one line on stderr, got: {err!r}"
    assert "Traceback" not in err
    return lines[0]


def test_parse_file_prints_the_record_with_exactly_the_record_keys(capsys) -> None:
    code = main(["parse", str(REFERENCE_CASE / "page.html"), "--url", REFERENCE_URL])
    out = capsys.readouterr().out
    record = json.loads(out)
    assert code == EXIT_OK
    assert tuple(sorted(record)) == tuple(sorted(RECORD_KEYS))
    assert record["title"] == (
        "Police criticised over poor response to West Midlands child abuse cases"
    )
    assert record["url"] == REFERENCE_URL


def test_parse_missing_file_is_one_line_and_exit_3(capsys, tmp_path: Path) -> None:
    code = main(["parse", str(tmp_path / "nope.html")])
    assert code == EXIT_BAD_INPUT
    assert "no such file" in one_line_error(capsys.readouterr().err)


def test_parse_binary_file_is_refused(capsys, tmp_path: Path) -> None:
    pdf = tmp_path / "story.html"
    pdf.write_bytes(b"%PDF-1.7\n\x00\x01binary")
    assert main(["parse", str(pdf)]) == EXIT_BAD_INPUT
    assert "not an HTML file" in one_line_error(capsys.readouterr().err)


def test_parse_unreachable_url_is_one_line(capsys) -> None:
    # Port 9 (discard) on loopback: nothing listens there, so the connection is refused.
    code = main(["parse", "http://127.0.0.1:9/story/"])
    assert code == EXIT_BAD_INPUT
    assert "cannot fetch http://127.0.0.1:9/story/" in one_line_error(capsys.readouterr().err)


def test_parse_jsonl_answers_each_line_in_order(tmp_path: Path, monkeypatch, capsys) -> None:
    listing = tmp_path / "listing.html"
    listing.write_text("<html><body><ul><li><a href='/a'>A</a></li></ul></body></html>")
    requests = [
        {"path": str(REFERENCE_CASE / "page.html"), "url": REFERENCE_URL},
        {"path": str(tmp_path / "missing.html"), "url": "https://x.test/missing"},
        {"path": str(listing), "url": "https://x.test/"},
    ]
    stdin = "".join(json.dumps(r) + "\n" for r in requests) + "not json\n"
    monkeypatch.setattr("sys.stdin", io.StringIO(stdin))
    assert main(["parse", "--jsonl"]) == EXIT_OK
    answers = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert len(answers) == 4
    assert answers[0]["path"] == requests[0]["path"]
    assert answers[0]["title"].startswith("Police criticised")
    assert answers[1]["path"] == requests[1]["path"] and "error" in answers[1]
    assert answers[2] == {"path": str(listing), "record": None}
    assert "error" in answers[3]


def test_unknown_profile_is_a_usage_error(capsys, tmp_path: Path) -> None:
    code = main(["crawl", "no-such-site", "--db", str(tmp_path / "a.sqlite")])
    assert code == EXIT_USAGE
    assert "no site profile 'no-such-site'" in one_line_error(capsys.readouterr().err)


def test_non_http_target_is_refused(capsys, tmp_path: Path) -> None:
    assert main(["crawl", "file:///etc/passwd", "--db", str(tmp_path / "a.sqlite")]) == EXIT_USAGE
    assert "only http(s)" in one_line_error(capsys.readouterr().err)


def test_archive_path_under_a_file_is_exit_4(capsys, tmp_path: Path) -> None:
    # A path below a regular file cannot be created by anyone, root included.
    blocker = tmp_path / "notes.txt"
    blocker.write_text("not a folder")
    code = main(["crawl", "http://127.0.0.1:9/", "--db", str(blocker / "a.sqlite")])
    assert code == EXIT_ARCHIVE
    one_line_error(capsys.readouterr().err)


def test_archive_in_a_missing_folder_is_exit_4(capsys, tmp_path: Path) -> None:
    code = main(["crawl", "http://127.0.0.1:9/", "--db", str(tmp_path / "no" / "dir" / "a.sqlite")])
    assert code == EXIT_ARCHIVE
    one_line_error(capsys.readouterr().err.replace(f"archive: {tmp_path}", ""))


def test_export_of_a_file_that_is_not_an_archive_is_exit_4(capsys, tmp_path: Path) -> None:
    not_archive = tmp_path / "notes.sqlite"
    not_archive.write_text("these are my notes, not a database\n" * 50)
    assert main(["export", "--db", str(not_archive)]) == EXIT_ARCHIVE
    one_line_error(capsys.readouterr().err)


def test_export_of_a_missing_archive_is_exit_4_and_creates_nothing(capsys, tmp_path) -> None:
    missing = tmp_path / "missing.sqlite"
    assert main(["export", "--db", str(missing)]) == EXIT_ARCHIVE
    one_line_error(capsys.readouterr().err)
    assert not missing.exists()


def test_export_csv_to_file_has_record_keys_and_extras(tmp_path: Path, archived_db: Path) -> None:
    output = tmp_path / "out.csv"
    assert main(["export", "--db", str(archived_db), "--format", "csv", "-o", str(output)]) == 0
    rows = list(csv.DictReader(output.open(encoding="utf-8")))
    assert len(rows) == 1
    assert set(rows[0]) == {*RECORD_KEYS, "first_seen", "last_seen", "versions"}
    assert rows[0]["versions"] == "1"
    assert json.loads(rows[0]["lists"])[0]["items"]
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".out.csv")]


def test_export_jsonl_filters_by_site(capsys, archived_db: Path) -> None:
    assert main(["export", "--db", str(archived_db), "--site", "www.chamberlainfiles.com"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert [json.loads(line)["url"] for line in lines] == [REFERENCE_URL]
    assert main(["export", "--db", str(archived_db), "--site", "elsewhere.example"]) == 0
    assert capsys.readouterr().out == ""


def test_export_does_not_write_to_the_archive(archived_db: Path) -> None:
    before = archived_db.stat().st_mtime_ns
    assert main(["export", "--db", str(archived_db)]) == EXIT_OK
    assert archived_db.stat().st_mtime_ns == before


def test_fixtures_rerun_shows_selected_fields(capsys) -> None:
    assert main(["fixtures", "rerun", str(REFERENCE_CASE), "--fields", "title,published"]) == 0
    assert json.loads(capsys.readouterr().out) == {
        "published": "2014-10-28",
        "title": "Police criticised over poor response to West Midlands child abuse cases",
    }


def test_fixtures_rerun_on_a_folder_that_is_no_case(capsys, tmp_path: Path) -> None:
    assert main(["fixtures", "rerun", str(tmp_path)]) == EXIT_BAD_INPUT
    assert "is not a fixture case" in one_line_error(capsys.readouterr().err)


def test_unknown_option_is_exit_2(capsys) -> None:
    assert main(["export", "--frobnicate"]) == EXIT_USAGE
    assert "Traceback" not in capsys.readouterr().err


@pytest.fixture
def archived_db(tmp_path: Path) -> Path:
    """An archive holding the reference article, written through the real store code."""
    from datetime import UTC, datetime

    from sqlalchemy.orm import Session

    from archive_db.engine import make_engine
    from archive_db.migrations import upgrade_archive
    from archive_db.writes import save_article
    from parsers import parse_article

    path = tmp_path / "archive.sqlite"
    engine = make_engine(str(path))
    upgrade_archive(engine)
    record = parse_article((REFERENCE_CASE / "page.html").read_bytes(), REFERENCE_URL)
    assert record is not None
    with Session(engine) as session, session.begin():
        save_article(session, record, seen_at=datetime.now(UTC), crawl_run_id=None)
    engine.dispose()
    with sqlite3.connect(path) as connection:  # fold the WAL in, so mtime checks are fair
        connection.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    return path
