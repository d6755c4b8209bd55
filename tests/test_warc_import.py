"""`newsarchive warc import`: WARC files written here with warcio, imported offline.

Every URL is on gazette.invalid, a name that never resolves (RFC 6761): a request that
reached the network would fail, and its article would be missing from the archive. The
imports run in a child process, as a user runs them (Twisted's reactor starts once a
process); the archive is read with plain sqlite3.
"""

from __future__ import annotations

import gzip
import os
import sqlite3
import subprocess
import sys
from datetime import UTC, datetime
from io import BytesIO
from pathlib import Path

import pytest
from warcio.statusandheaders import StatusAndHeaders
from warcio.warcwriter import WARCWriter

import cli
from archive_db.writes import payload_digest
from tests.factories import article_page

ROOT = Path(__file__).resolve().parents[1]
SITE = "http://gazette.invalid"
CAPTURED_AT = "2024-05-01T18:04:11Z"
LATER = "2024-05-02T09:00:00Z"


BUDGET = article_page("Council agrees budget", "the budget")
FERRY = article_page("Ferry timetable changes", "the ferry timetable")


def chunked(body: bytes) -> bytes:
    """`body` in HTTP/1.1 chunked transfer coding, two chunks."""
    half = len(body) // 2
    parts = [body[:half], body[half:]]
    return b"".join(b"%x\r\n%s\r\n" % (len(part), part) for part in parts) + b"0\r\n\r\n"


def http(status: str, headers: list[tuple[str, str]]) -> StatusAndHeaders:
    return StatusAndHeaders(status, headers, protocol="HTTP/1.1")


def write_warc(path: Path) -> None:
    """A WARC of what a small crawl of the gazette would hold, plus a few strays:

    warcinfo; the budget article (request, response, metadata); the ferry article gzipped
    and chunked; a PDF; a 404; a revisit of the budget page's payload at another URL (its
    content is the budget's, so de-duplication drops it); a revisit of a payload the file
    does not hold; a DNS response.
    """
    with path.open("wb") as stream:
        writer = WARCWriter(stream, gzip=True)

        def response(
            url: str,
            status: str,
            headers: list[tuple[str, str]],
            body: bytes,
            date: str = CAPTURED_AT,
        ) -> None:
            writer.write_record(
                writer.create_warc_record(
                    url,
                    "response",
                    payload=BytesIO(body),
                    http_headers=http(status, headers),
                    warc_headers_dict={"WARC-Date": date},
                )
            )

        writer.write_record(writer.create_warcinfo_record(path.name, {"software": "test"}))
        budget_url = f"{SITE}/news/council-agrees-budget"
        writer.write_record(
            writer.create_warc_record(
                budget_url,
                "request",
                payload=BytesIO(b""),
                http_headers=StatusAndHeaders(
                    "GET /news/council-agrees-budget HTTP/1.1",
                    [("Host", "gazette.invalid")],
                    is_http_request=True,
                ),
                warc_headers_dict={"WARC-Date": CAPTURED_AT},
            )
        )
        response(
            budget_url,
            "200 OK",
            [("Content-Type", "text/html; charset=utf-8"), ("ETag", '"budget-1"')],
            BUDGET,
        )
        writer.write_record(
            writer.create_warc_record(
                budget_url,
                "metadata",
                payload=BytesIO(b"outlinks: http://gazette.invalid/\r\n"),
                warc_content_type="application/warc-fields",
            )
        )
        response(
            f"{SITE}/news/ferry-timetable-changes",
            "200 OK",
            [
                ("Content-Type", "text/html"),
                ("Content-Encoding", "gzip"),
                ("Transfer-Encoding", "chunked"),
            ],
            chunked(gzip.compress(FERRY)),
        )
        response(
            f"{SITE}/files/minutes.pdf",
            "200 OK",
            [("Content-Type", "application/pdf")],
            b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\n%%EOF\n",
        )
        response(
            f"{SITE}/news/deleted-story",
            "404 Not Found",
            [("Content-Type", "text/html")],
            b"<html><body><h1>Not found</h1></body></html>",
        )
        for url, digest in (
            (f"{SITE}/news/council-agrees-budget?print=1", payload_digest(BUDGET)),
            (f"{SITE}/news/old-story", payload_digest(b"a body in another file")),
        ):
            writer.write_record(
                writer.create_revisit_record(
                    url,
                    digest=digest,
                    refers_to_uri=budget_url,
                    refers_to_date=CAPTURED_AT,
                    http_headers=http("200 OK", [("Content-Type", "text/html")]),
                    warc_headers_dict={"WARC-Date": LATER},
                )
            )
        writer.write_record(
            writer.create_warc_record(
                "dns:gazette.invalid",
                "response",
                payload=BytesIO(b"20240501180411\ngazette.invalid. 300 IN A 192.0.2.1\n"),
                warc_content_type="text/dns",
            )
        )


def run_cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-c", "import sys, cli; sys.exit(cli.main(sys.argv[1:]))", *args],
        capture_output=True,
        text=True,
        timeout=180,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
        cwd=ROOT,
    )


def query(db: Path, sql: str) -> list[tuple]:
    with sqlite3.connect(f"file:{db}?mode=ro", uri=True) as connection:
        return connection.execute(sql).fetchall()


def summary_of(stdout: str) -> dict[str, int]:
    """The `key: value` pairs of the summary line."""
    (line,) = [line for line in stdout.splitlines() if line.startswith("warc import summary:")]
    pairs = line.removeprefix("warc import summary: ").split(", ")
    return {key: int(value) for key, value in (pair.rsplit(": ", 1) for pair in pairs)}


@pytest.fixture(scope="module")
def imported(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path, dict[str, int]]:
    folder = tmp_path_factory.mktemp("warc")
    warc, db = folder / "gazette.warc.gz", folder / "archive.sqlite"
    write_warc(warc)
    done = run_cli("warc", "import", "--db", str(db), str(warc))
    assert done.returncode == 0, done.stderr[-3000:]
    return warc, db, summary_of(done.stdout)


def test_the_archive_holds_exactly_the_html_articles(imported) -> None:
    _, db, _ = imported
    stored = query(db, "select url, title from article order by url")
    assert stored == [
        (f"{SITE}/news/council-agrees-budget", "Council agrees budget"),
        (f"{SITE}/news/ferry-timetable-changes", "Ferry timetable changes"),
    ]
    # Read from the gzipped, chunked body as from the plain one: the text is all there.
    (body,) = query(db, "select body from article where url like '%ferry%'")[0]
    assert body.count("the ferry timetable") == 4


def test_versions_say_they_came_from_a_warc_import(imported) -> None:
    _, db, _ = imported
    versions = query(db, "select number, origin, parser_version from article_version")
    assert len(versions) == 2
    assert all(number == 1 and origin == "warc-import" for number, origin, _ in versions)
    assert all(parser_version for *_, parser_version in versions)


def test_replayed_responses_are_stored_as_captures_of_the_file(imported) -> None:
    warc, db, _ = imported
    captures = query(db, "select url, status, source from capture order by id")
    assert [url.removeprefix(SITE) for url, _, _ in captures] == [
        "/news/council-agrees-budget",
        "/news/ferry-timetable-changes",
        "/files/minutes.pdf",
        "/news/council-agrees-budget?print=1",
    ]
    assert {(status, source) for _, status, source in captures} == {(200, f"warc:{warc.name}")}
    linked = query(
        db,
        "select a.url, c.url from article_version v join article a on a.id = v.article_id "
        "join capture c on c.id = v.capture_id",
    )
    assert sorted(linked) == sorted(
        (url, url) for url, _ in query(db, "select url, id from article")
    )


def test_a_reparse_of_the_imported_captures_finds_the_same_articles(
    imported, tmp_path: Path
) -> None:
    from reparse import ReparseOptions, reparse_archive

    _, db, _ = imported
    copy = tmp_path / "archive.sqlite"
    copy.write_bytes(db.read_bytes())
    result = reparse_archive(f"sqlite:///{copy}", ReparseOptions())
    counts = result.counts
    assert (counts.articles, counts.unchanged, counts.changed, counts.errors) == (2, 2, 0, 0)


def test_the_warc_date_is_when_the_article_was_fetched(imported) -> None:
    _, db, _ = imported
    seen = query(
        db, "select first_seen_at, last_seen_at, etag from article where url like '%budget'"
    )
    first, last, etag = seen[0]
    captured = datetime(2024, 5, 1, 18, 4, 11)  # stored as naive UTC
    assert datetime.fromisoformat(first) == captured == datetime.fromisoformat(last)
    assert etag == '"budget-1"'


def test_skipped_records_are_counted_by_reason(imported) -> None:
    _, _, summary = imported
    assert summary["records"] == 10
    assert summary["responses"] == 4  # two articles, the PDF, the revisit of the budget page
    assert summary["new"] == 2
    assert summary["skipped not-html"] == 1
    assert summary["skipped status-not-200"] == 1
    assert summary["skipped revisit"] == 1  # the one whose payload is not in the file
    assert summary["skipped not-response"] == 3  # warcinfo, request, metadata
    assert summary["skipped not-http"] == 1
    assert summary["dropped"] == 1  # the resolved revisit: the budget article again


def test_the_import_is_a_crawl_run_and_fetched_nothing(imported) -> None:
    warc, db, _ = imported
    runs = query(db, "select arguments, finish_reason from crawl_run")
    assert len(runs) == 1
    assert '"command": "warc import"' in runs[0][0] and warc.name in runs[0][0]
    assert runs[0][1] == "finished"
    assert query(db, "select count(*) from fetch_failure") == [(0,)]


def test_a_second_import_of_the_same_file_adds_no_version(imported, tmp_path: Path) -> None:
    warc, db, _ = imported
    copy = tmp_path / "archive.sqlite"
    copy.write_bytes(db.read_bytes())
    done = run_cli("warc", "import", "--db", str(copy), str(warc))
    assert done.returncode == 0, done.stderr[-3000:]
    summary = summary_of(done.stdout)
    assert (summary["new"], summary["updated"], summary["unchanged"]) == (0, 0, 2)
    assert query(copy, "select count(*) from article_version") == [(2,)]
    seen = query(copy, "select last_seen_at from article order by url")
    assert seen == query(db, "select last_seen_at from article order by url")


def test_a_file_damaged_part_way_is_imported_up_to_the_damage(tmp_path: Path) -> None:
    warc, db = tmp_path / "gazette.warc.gz", tmp_path / "archive.sqlite"
    write_warc(warc)
    data = warc.read_bytes()
    middle = len(data) // 2  # in the ferry article's record, after the budget article's
    warc.write_bytes(data[:middle] + bytes(50) + data[middle + 50 :])
    done = run_cli("warc", "import", "--db", str(db), str(warc))
    assert done.returncode == cli.EXIT_BAD_INPUT
    assert summary_of(done.stdout)["new"] == 1
    assert "1 file(s) could not be read to the end" in done.stderr.splitlines()[-1]
    assert query(db, "select title from article") == [("Council agrees budget",)]


@pytest.mark.parametrize(
    ("content", "words"),
    [
        (None, "no such file"),
        (b"", "no record in it"),
        (b"<html>not a web archive</html>", "not a WARC file"),
        (gzip.compress(b"plain text, gzipped"), "not a WARC file"),
    ],
)
def test_a_file_that_is_no_warc_is_one_line_exit_3_before_anything_runs(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], content: bytes | None, words: str
) -> None:
    good = tmp_path / "good.warc.gz"
    write_warc(good)
    bad = tmp_path / "bad.warc"
    if content is not None:
        bad.write_bytes(content)
    db = tmp_path / "archive.sqlite"
    code = cli.main(["warc", "import", "--db", str(db), str(good), str(bad)])
    err = capsys.readouterr().err
    assert code == cli.EXIT_BAD_INPUT
    assert err.count("\n") == 1 and words in err and str(bad) in err
    assert not db.exists()  # refused before the archive was even opened


def test_a_folder_is_refused(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code = cli.main(["warc", "import", "--db", str(tmp_path / "a.sqlite"), str(tmp_path)])
    assert code == cli.EXIT_BAD_INPUT
    assert "not a regular file" in capsys.readouterr().err


def test_import_needs_a_file(capsys: pytest.CaptureFixture[str]) -> None:
    assert cli.main(["warc", "import"]) == cli.EXIT_USAGE


def test_warc_dates_are_read_as_utc() -> None:
    from spiders.warc_import import warc_date_of

    class Record:
        def __init__(self, date: str) -> None:
            self.rec_headers = StatusAndHeaders("WARC/1.0", [("WARC-Date", date)])

    assert warc_date_of(Record(CAPTURED_AT)) == datetime(2024, 5, 1, 18, 4, 11, tzinfo=UTC)
    assert warc_date_of(Record("yesterday")) is None
