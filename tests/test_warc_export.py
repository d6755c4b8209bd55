"""`newsarchive warc export`: captures out as a WARC 1.1 file that warcio checks, that
cdxj-indexer indexes (every archived article's URL in it), and whose records give back
the requests, responses and bodies the archive holds, on SQLite and on PostgreSQL.

The capture and payload tables are filled directly here, as a crawl would leave them.
"""

from __future__ import annotations

import base64
import gzip
import hashlib
import json
import shutil
import subprocess
import sys
import zlib
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select, update
from sqlalchemy.orm import Session
from surt import surt
from warcio.archiveiterator import ArchiveIterator
from warcio.utils import Digester

from archive_db.engine import make_engine
from archive_db.migrations import upgrade_archive
from archive_db.models import Article, Capture, Payload
from archive_db.writes import save_article, start_crawl_run
from cli import EXIT_ARCHIVE, EXIT_BAD_INPUT, EXIT_OK, EXIT_USAGE, main
from tests.archive_db import backends
from tests.factories import make_ferry_record, make_record

VENV_BIN = Path(sys.executable).parent
IDENTICAL_PAYLOAD = "http://netpreserve.org/warc/1.1/revisit/identical-payload-digest"

COUNCIL_URL = "https://news.example.org/2024/05/council-budget"
OLD_COUNCIL_URL = "http://news.example.org/council-budget-old"
FERRY_URL = "https://news.example.org/ferry"
# The host of the other site appears in this URL's query: a --site filter must read hosts.
MISSING_URL = "https://news.example.org/missing?from=other.example.com"
STORY_URL = "https://www.other.example.com/story"

COUNCIL_HTML = (
    "<html><head><title>Council approves budget</title></head><body><article><h1>Council "
    "approves budget</h1><p>The county council approved its budget on Tuesday.</p>"
    "<p>Caf\u00e9 owners welcomed it.</p></article></body></html>"
).encode()
COUNCIL_GZIP = gzip.compress(COUNCIL_HTML, mtime=0)
FERRY_HTML = b"<html><body><article><h1>Ferry timetable changes</h1></article></body></html>"
REDIRECT_HTML = b"<html><body>Moved</body></html>"
NOT_FOUND_HTML = b"<html><body>Not found</body></html>"

DAY1 = datetime(2024, 5, 1, 2, 30, tzinfo=UTC)
DAY2 = DAY1 + timedelta(days=1)
DAY3 = DAY1 + timedelta(days=2)
USER_AGENT = [["User-Agent", "newsarchive (+https://example.org/bot)"], ["Accept", "text/html"]]


@dataclass(frozen=True, slots=True)
class Exchange:
    """One capture the archive holds, and what its records must say."""

    url: str
    status: int
    body: bytes
    fetched_at: datetime
    response_headers: list[list[str]]
    request_headers: list[list[str]]
    run: str  # "first", "second" or "other": which crawl run fetched it
    revisit_of: int | None = None  # index of the capture whose payload it repeats


EXCHANGES = (
    # 0: a redirect from the old address, with a body
    Exchange(
        OLD_COUNCIL_URL,
        301,
        REDIRECT_HTML,
        DAY1,
        [["Location", COUNCIL_URL], ["Content-Type", "text/html"], ["Content-Length", "31"]],
        USER_AGENT,
        "first",
    ),
    # 1: the article, gzip-encoded as sent and chunked on the wire (no Content-Length)
    Exchange(
        COUNCIL_URL,
        200,
        COUNCIL_GZIP,
        DAY1 + timedelta(seconds=1, microseconds=123456),
        [
            ["Content-Type", "text/html; charset=utf-8"],
            ["Content-Encoding", "gzip"],
            ["Transfer-Encoding", "chunked"],
            ["ETag", '"v1"'],
        ],
        [*USER_AGENT, ["Accept-Encoding", "gzip, deflate"]],
        "first",
    ),
    # 2: another article, plain
    Exchange(
        FERRY_URL,
        200,
        FERRY_HTML,
        DAY1 + timedelta(seconds=2),
        [["Content-Type", "text/html"], ["Content-Length", str(len(FERRY_HTML))]],
        USER_AGENT,
        "first",
    ),
    # 3: a page that is gone
    Exchange(
        MISSING_URL,
        404,
        NOT_FOUND_HTML,
        DAY1 + timedelta(seconds=3),
        [["Content-Type", "text/html"]],
        USER_AGENT,
        "first",
    ),
    # 4: the article again the next night, the same bytes: a revisit of 1
    Exchange(
        COUNCIL_URL,
        200,
        COUNCIL_GZIP,
        DAY2,
        [
            ["Content-Type", "text/html; charset=utf-8"],
            ["Content-Encoding", "gzip"],
            ["Transfer-Encoding", "chunked"],
        ],
        USER_AGENT,
        "second",
        revisit_of=1,
    ),
    # 5: a conditional fetch of the ferry page: 304, no body
    Exchange(
        FERRY_URL,
        304,
        b"",
        DAY2 + timedelta(seconds=1),
        [["ETag", '"f1"']],
        [*USER_AGENT, ["If-None-Match", '"f1"']],
        "second",
    ),
    # 6: another site serving the ferry page's very bytes: a revisit of 2, across URLs
    Exchange(
        STORY_URL,
        200,
        FERRY_HTML,
        DAY2 + timedelta(seconds=2),
        [["Content-Type", "text/html"], ["Content-Length", str(len(FERRY_HTML))]],
        USER_AGENT,
        "other",
        revisit_of=2,
    ),
    # 7: the article answers 304 on the third night: an empty body again, never a revisit
    Exchange(
        COUNCIL_URL,
        304,
        b"",
        DAY3,
        [["ETag", '"v1"']],
        [*USER_AGENT, ["If-None-Match", '"v1"']],
        "second",
    ),
)


def payload_digest(body: bytes) -> str:
    """What warcio writes as WARC-Payload-Digest for this body."""
    digester = Digester("sha1")
    digester.update(body)
    return str(digester)


def test_the_digest_helper_is_sha1_in_base32() -> None:
    expected = "sha1:" + base64.b32encode(hashlib.sha1(b"abc").digest()).decode()  # noqa: S324
    assert payload_digest(b"abc") == expected == "sha1:VGMT4NSHA2AWVOR6EVYXQUGCNSONBWE5"


# --- the archive ------------------------------------------------------------------------


def add_capture(session: Session, exchange: Exchange, run_id: int) -> Capture:
    """A capture row and, unless the archive holds its body already, a payload row."""
    digest = payload_digest(exchange.body)
    payload = session.scalars(select(Payload).where(Payload.digest == digest)).first()
    if payload is None:
        payload = Payload(
            digest=digest,
            size=len(exchange.body),
            compression="zlib",
            data=zlib.compress(exchange.body),
            first_seen_at=exchange.fetched_at,
        )
        session.add(payload)
    capture = Capture(
        url=exchange.url,
        method="GET",
        request_headers=exchange.request_headers,
        status=exchange.status,
        protocol="HTTP/1.1",
        response_headers=exchange.response_headers,
        payload=payload,
        fetched_at=exchange.fetched_at,
        crawl_run_id=run_id,
    )
    session.add(capture)
    session.flush()
    return capture


def build_archive(db: str) -> str:
    """Three crawl runs, the captures above (in shuffled insertion order: the export orders
    them by fetch time) and the three articles they hold."""
    upgrade_archive(db)
    engine = make_engine(db)
    with Session(engine) as session, session.begin():
        runs = {
            name: start_crawl_run(session, arguments={"targets": [site]}, site=site, started_at=at)
            for name, site, at in (
                ("first", "news", DAY1),
                ("second", "news", DAY2),
                ("other", "other", DAY2),
            )
        }
        for exchange in (*EXCHANGES[4:], *EXCHANGES[:4]):
            add_capture(session, exchange, runs[exchange.run])
        for record, seen in (
            (make_record(url=COUNCIL_URL, canonical_url=COUNCIL_URL), EXCHANGES[1].fetched_at),
            (make_ferry_record(url=FERRY_URL), EXCHANGES[2].fetched_at),
            (
                make_ferry_record(url=STORY_URL, site="www.other.example.com"),
                EXCHANGES[6].fetched_at,
            ),
        ):
            save_article(session, record, seen_at=seen, crawl_run_id=runs["first"])
    engine.dispose()
    return db


@pytest.fixture(scope="module")
def sqlite_archive(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Built once; tests that change it work on a copy."""
    return Path(build_archive(str(tmp_path_factory.mktemp("archive") / "archive.sqlite")))


@pytest.fixture
def archive_copy(sqlite_archive: Path, tmp_path: Path) -> Path:
    copy = tmp_path / "archive.sqlite"
    shutil.copy(sqlite_archive, copy)
    return copy


@pytest.fixture(scope="module")
def exported(sqlite_archive: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The whole archive as one WARC file."""
    path = tmp_path_factory.mktemp("warc") / "archive.warc.gz"
    assert main(["warc", "export", "--db", str(sqlite_archive), "-o", str(path)]) == EXIT_OK
    return path


@pytest.fixture
def any_archive(backend: str, tmp_path: Path) -> Iterator[str]:
    if backend == "sqlite":
        yield build_archive(str(tmp_path / "archive.sqlite"))
        return
    with backends.fresh_database() as url:
        yield build_archive(url)


# --- reading a WARC back ------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Record:
    kind: str
    version: str
    fields: dict[str, str]  # the WARC headers
    status_line: str | None  # the HTTP message's first line, protocol included
    http_headers: list[tuple[str, str]]
    block: bytes  # what follows the HTTP headers (the body), or the whole block

    def field(self, name: str) -> str:
        return self.fields[name]


def read_warc(path: Path) -> list[Record]:
    records = []
    with path.open("rb") as stream:
        for record in ArchiveIterator(stream):
            http = record.http_headers
            records.append(
                Record(
                    kind=record.rec_type,
                    version=record.rec_headers.protocol,
                    fields=dict(record.rec_headers.headers),
                    status_line=None if http is None else f"{http.protocol} {http.statusline}",
                    http_headers=[] if http is None else list(http.headers),
                    block=record.raw_stream.read(),
                )
            )
    return records


def header(record: Record, name: str) -> list[str]:
    return [value for key, value in record.http_headers if key.lower() == name.lower()]


def check_records(records: list[Record], exchanges: list[Exchange], filename: str | None) -> None:
    """The WARC holds a warcinfo record, then per exchange a request and its response (or
    revisit), in fetch order, each saying what the archive holds."""
    first_in_file = {payload_digest(e.body): i for i, e in reversed(list(enumerate(exchanges)))}
    revisits = [
        bool(e.body) and first_in_file[payload_digest(e.body)] != i for i, e in enumerate(exchanges)
    ]
    expected_kinds = ["warcinfo"]
    for revisit in revisits:
        expected_kinds += ["request", "revisit" if revisit else "response"]
    assert [record.kind for record in records] == expected_kinds
    assert {record.version for record in records} == {"WARC/1.1"}
    assert records[0].fields.get("WARC-Filename") == filename
    pairs = [(records[i], records[i + 1]) for i in range(1, len(records), 2)]
    for index, (exchange, (request, response)) in enumerate(zip(exchanges, pairs, strict=True)):
        warc_date = exchange.fetched_at.strftime("%Y-%m-%dT%H:%M:%S")
        if exchange.fetched_at.microsecond:
            warc_date += f".{exchange.fetched_at.microsecond:06d}"
        warc_date += "Z"
        for record in (request, response):
            assert record.field("WARC-Target-URI") == exchange.url
            assert record.field("WARC-Date") == warc_date
            assert "WARC-IP-Address" not in record.fields
        assert request.field("WARC-Concurrent-To") == response.field("WARC-Record-ID")
        path = exchange.url.split("/", 3)[3]
        assert request.status_line == f"GET /{path} HTTP/1.1"
        assert header(request, "Host") == [exchange.url.split("/")[2]]
        for name, value in exchange.request_headers:
            assert header(request, name) == [value]
        assert response.field("WARC-Payload-Digest") == payload_digest(exchange.body)
        assert response.status_line is not None
        assert response.status_line.split(" ")[:2] == ["HTTP/1.1", str(exchange.status)]
        assert header(response, "Transfer-Encoding") == []
        for name, value in exchange.response_headers:
            if name.lower() not in {"content-length", "transfer-encoding"}:
                assert header(response, name) == [value]
        if revisits[index]:
            first = pairs[first_in_file[payload_digest(exchange.body)]][1]
            assert response.field("WARC-Profile") == IDENTICAL_PAYLOAD
            assert response.field("WARC-Refers-To-Target-URI") == first.field("WARC-Target-URI")
            assert response.field("WARC-Refers-To-Date") == first.field("WARC-Date")
            assert response.field("WARC-Refers-To") == first.field("WARC-Record-ID")
            assert response.block == b""
        else:
            assert response.block == exchange.body  # byte for byte, gzip encoding and all
        if exchange.status != 304:
            assert header(response, "Content-Length") == [str(len(exchange.body))]


# --- the file's checks --------------------------------------------------------------------


def test_export_reads_back_as_the_archive_holds_it(any_archive: str, tmp_path: Path) -> None:
    path = tmp_path / "all.warc.gz"
    assert main(["warc", "export", "--db", any_archive, "-o", str(path)]) == EXIT_OK
    check_records(read_warc(path), list(EXCHANGES), "all.warc.gz")


def test_the_export_has_revisits_a_gzip_body_a_redirect_a_304_and_a_404(exported: Path) -> None:
    """What check_records checks above is there to check."""
    records = read_warc(exported)
    assert [r.kind for r in records].count("revisit") == 2
    responses = [r for r in records if r.kind == "response"]
    statuses = [r.status_line.split(" ", 2)[1] for r in responses if r.status_line]
    assert sorted(statuses) == ["200", "200", "301", "304", "304", "404"]
    council = next(r for r in responses if r.field("WARC-Target-URI") == COUNCIL_URL)
    assert header(council, "Content-Encoding") == ["gzip"]
    assert gzip.decompress(council.block) == COUNCIL_HTML
    assert council.field("WARC-Date") == "2024-05-01T02:30:01.123456Z"


def test_warcinfo_names_the_tool_the_format_and_the_crawl_runs(exported: Path) -> None:
    warcinfo = read_warc(exported)[0]
    assert warcinfo.fields["Content-Type"] == "application/warc-fields"
    lines = warcinfo.block.decode().splitlines()
    fields = [line.split(": ", 1) for line in lines]
    assert fields[0][0] == "software"
    assert fields[0][1].startswith("newsarchive/")
    assert "warcio/" in fields[0][1]
    assert ["format", "WARC File Format 1.1"] in fields
    runs = [value for name, value in fields if name == "crawl-run"]
    assert [run.split(" ")[1] for run in runs] == ["site=news", "site=news", "site=other"]
    assert all("started=2024-05-0" in run for run in runs)


def test_warcio_check_passes_every_digest(exported: Path) -> None:
    result = subprocess.run(
        [str(VENV_BIN / "warcio"), "check", "-v", str(exported)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    # Verbose: one verdict a record. Revisits carry a payload digest but no payload.
    assert result.stdout.count("digest pass") == 1 + 2 * len(EXCHANGES) - 2
    assert result.stdout.count("digest present but not checked (revisit)") == 2
    assert "fail" not in result.stdout.lower()


def test_warcio_check_fails_a_record_whose_body_was_altered(exported: Path, tmp_path: Path) -> None:
    """The check above can fail: the same file with one body changed (and recompressed)
    no longer matches its digests."""
    altered = tmp_path / "altered.warc.gz"
    with gzip.open(exported, "rb") as stream:
        plain = stream.read()
    assert plain.count(FERRY_HTML) == 1
    altered.write_bytes(gzip.compress(plain.replace(b"Ferry timetable", b"Ferry timeTABLE")))
    result = subprocess.run(
        [str(VENV_BIN / "warcio"), "check", str(altered)], capture_output=True, check=False
    )
    assert result.returncode == 1


def cdxj_lines(path: Path) -> list[tuple[str, str, dict[str, Any]]]:
    result = subprocess.run(
        [str(VENV_BIN / "cdxj-indexer"), str(path)], capture_output=True, text=True, check=True
    )
    entries = []
    for line in result.stdout.splitlines():
        key, timestamp, block = line.split(" ", 2)
        entries.append((key, timestamp, json.loads(block)))
    return entries


def test_cdxj_index_lists_every_archived_article_url(exported: Path, sqlite_archive: Path) -> None:
    engine = make_engine(str(sqlite_archive))
    with Session(engine) as session:
        article_urls = set(session.scalars(select(Article.url)))
    engine.dispose()
    assert article_urls == {COUNCIL_URL, FERRY_URL, STORY_URL}
    entries = cdxj_lines(exported)
    indexed = {block["url"] for _, _, block in entries}
    assert article_urls <= indexed
    # One entry per response or revisit, keyed by SURT, with the capture's time.
    assert len(entries) == len(EXCHANGES)
    for key, timestamp, block in entries:
        assert key == surt(block["url"])
        assert len(timestamp) == 14
    council_times = sorted(ts for _, ts, block in entries if block["url"] == COUNCIL_URL)
    assert council_times == ["20240501023001", "20240502023000", "20240503023000"]
    mimes = {block["url"]: block["mime"] for _, _, block in entries if block["status"] == "200"}
    assert mimes[STORY_URL] == "warc/revisit"
    assert mimes[FERRY_URL] == "text/html"
    digests = {block["digest"] for _, _, block in entries}
    assert payload_digest(COUNCIL_GZIP) in digests


def test_http2_and_latin1_header_values_are_written_as_received(
    archive_copy: Path, tmp_path: Path
) -> None:
    """An HTTP/2 response becomes an HTTP/1.1 message whose record says WARC-Protocol: h2;
    a header value with a non-ASCII byte goes back as that byte, not percent-encoded."""
    engine = make_engine(str(archive_copy))
    with Session(engine) as session, session.begin():
        capture = add_capture(
            session,
            Exchange(
                STORY_URL,
                200,
                b"<html>h2</html>",
                DAY3 + timedelta(hours=1),
                [["content-type", "text/html"], ["x-note", "caf\u00e9"]],
                USER_AGENT,
                "other",
            ),
            run_id=1,
        )
        capture.protocol = "h2"
    engine.dispose()
    path = tmp_path / "h2.warc.gz"
    argv = ["warc", "export", "--db", str(archive_copy), "--since", "2024-05-03", "-o", str(path)]
    assert main(argv) == EXIT_OK
    response = read_warc(path)[-1]
    assert response.status_line == "HTTP/1.1 200 OK"
    assert response.field("WARC-Protocol") == "h2"
    assert response.block == b"<html>h2</html>"
    with gzip.open(path) as stream:
        assert b"\r\nx-note: caf\xe9\r\n" in stream.read()


# --- choosing captures ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("options", "chosen"),
    [
        # The other site, given without "www.": only its capture, now with its full body
        # (the record it revisited is not in this file); the query-string decoy is not it.
        (["--site", "other.example.com"], [6]),
        # From the second night: the article's second capture carries the body itself.
        (["--since", "2024-05-02"], [4, 5, 6, 7]),
        (["--until", "2024-05-01"], [0, 1, 2, 3]),
        (["--site", "news.example.org", "--since", "2024-05-02", "--until", "2024-05-02"], [4, 5]),
    ],
)
def test_site_since_and_until_choose_captures(
    sqlite_archive: Path, tmp_path: Path, options: list[str], chosen: list[int]
) -> None:
    path = tmp_path / "part.warc.gz"
    argv = ["warc", "export", "--db", str(sqlite_archive), *options, "-o", str(path)]
    assert main(argv) == EXIT_OK
    check_records(read_warc(path), [EXCHANGES[i] for i in chosen], "part.warc.gz")


def test_nothing_to_export_is_a_valid_warc_with_its_warcinfo_only(
    sqlite_archive: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "empty.warc.gz"
    argv = ["warc", "export", "--db", str(sqlite_archive), "--since", "2030-01-01", "-o", str(path)]
    assert main(argv) == EXIT_OK
    assert "nothing to export" in capsys.readouterr().err
    assert [record.kind for record in read_warc(path)] == ["warcinfo"]
    check = subprocess.run([str(VENV_BIN / "warcio"), "check", str(path)], check=False)
    assert check.returncode == 0


def test_counts_go_to_stderr(
    sqlite_archive: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "all.warc.gz"
    assert main(["warc", "export", "--db", str(sqlite_archive), "-o", str(path)]) == EXIT_OK
    out, err = capsys.readouterr()
    assert out == ""
    size = path.stat().st_size
    assert err.strip() == f"wrote {path}: 17 records, 8 captures (2 as revisits), {size:,} bytes"


def test_dash_writes_the_warc_to_stdout(sqlite_archive: Path, tmp_path: Path) -> None:
    path = tmp_path / "piped.warc.gz"
    argv = ["warc", "export", "--db", str(sqlite_archive), "--until", "2024-05-01", "-o", "-"]
    with path.open("wb") as stdout:
        subprocess.run(
            [sys.executable, "-c", "import sys, cli; sys.exit(cli.main(sys.argv[1:]))", *argv],
            stdout=stdout,
            check=True,
        )
    check_records(read_warc(path), list(EXCHANGES[:4]), None)  # stdout has no file name


# --- failures -------------------------------------------------------------------------------


def one_line_error(capsys: pytest.CaptureFixture[str]) -> str:
    err = capsys.readouterr().err
    assert len(err.strip().splitlines()) == 1, err
    assert "Traceback" not in err
    return err


def test_an_unknown_site_is_one_line_and_exit_3(
    sqlite_archive: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "out.warc.gz"
    argv = ["warc", "export", "--db", str(sqlite_archive), "--site", "elsewhere.org"]
    assert main([*argv, "-o", str(path)]) == EXIT_BAD_INPUT
    assert "no site 'elsewhere.org'" in one_line_error(capsys)
    assert list(tmp_path.iterdir()) == []


def test_a_file_that_is_not_an_archive_is_one_line_and_exit_4(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    not_archive = tmp_path / "notes.txt"
    not_archive.write_text("hello\n")
    argv = ["warc", "export", "--db", str(not_archive), "-o", str(tmp_path / "out.warc.gz")]
    assert main(argv) == EXIT_ARCHIVE
    one_line_error(capsys)
    assert not (tmp_path / "out.warc.gz").exists()


@pytest.mark.parametrize(
    "damaged",
    [zlib.compress(FERRY_HTML.replace(b"Ferry", b"Ferny")), b"not zlib data"],
    ids=["altered", "undecompressable"],
)
def test_a_damaged_payload_is_one_line_and_exit_4_and_leaves_no_file(
    archive_copy: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str], damaged: bytes
) -> None:
    engine = make_engine(str(archive_copy))
    with Session(engine) as session, session.begin():
        session.execute(
            update(Payload).where(Payload.digest == payload_digest(FERRY_HTML)).values(data=damaged)
        )
    engine.dispose()
    out = tmp_path / "out.warc.gz"
    assert main(["warc", "export", "--db", str(archive_copy), "-o", str(out)]) == EXIT_ARCHIVE
    assert payload_digest(FERRY_HTML) in one_line_error(capsys)
    assert [path.name for path in tmp_path.iterdir() if "warc" in path.name] == []


@pytest.mark.parametrize(
    ("options", "code"),
    [
        (["--since", "May 1st"], EXIT_USAGE),
        ([], EXIT_USAGE),  # no -o
    ],
)
def test_wrong_usage_is_one_line_and_exit_2(
    sqlite_archive: Path, capsys: pytest.CaptureFixture[str], options: list[str], code: int
) -> None:
    argv = ["warc", "export", "--db", str(sqlite_archive), *options]
    if options:
        argv += ["-o", "unused.warc.gz"]
    assert main(argv) == code
    one_line_error(capsys)


def test_an_output_folder_that_does_not_exist_is_one_line_and_exit_4(
    sqlite_archive: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "missing" / "out.warc.gz"
    assert main(["warc", "export", "--db", str(sqlite_archive), "-o", str(out)]) == EXIT_ARCHIVE
    assert "cannot write" in one_line_error(capsys)
