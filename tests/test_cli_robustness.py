"""Every command against bad input: wrong arguments, files that are not what they claim,
unreachable URLs, a full disk, signals. Each answers with one line on stderr and a
documented exit code, never a traceback, and leaves no half-written output behind.

The commands are found by walking the Click group, so a new command is covered as soon
as it exists. Signals and resource limits run in real subprocesses; the rest in-process.
"""

from __future__ import annotations

import os
import resource
import signal
import subprocess
import sys
import tempfile
import threading
from collections.abc import Iterator
from functools import cache
from pathlib import Path

import click
import pytest
from sqlalchemy.orm import Session
from warcio.warcwriter import WARCWriter

from archive_db.engine import make_engine
from archive_db.migrations import upgrade_archive
from archive_db.writes import save_article
from cli import (
    EXIT_ARCHIVE,
    EXIT_BAD_INPUT,
    EXIT_INTERRUPTED,
    EXIT_OK,
    EXIT_USAGE,
    cli,
    main,
)
from demo.server import free_port
from tests.factories import FETCHED_AT, make_record

ROOT = Path(__file__).resolve().parents[1]
DOCUMENTED_CODES = {1, EXIT_USAGE, EXIT_BAD_INPUT, EXIT_ARCHIVE, EXIT_INTERRUPTED}
# Commands that create or upgrade an archive: a missing or empty file is fine for them.
ARCHIVE_WRITERS = {"crawl", "demo", "db upgrade", "schedule", "warc import", "worker"}
# Arguments that keep a command off the network and off fixed ports.
EXTRA_OPTIONS = {
    "demo": ["--port", "0"],
    "serve": ["--port", "0"],
    "schedule": ["--at", "02:30"],
    "export": ["-o", os.devnull],
    # The sites are optional arguments (a --targets-file may name them); the frontier is an
    # option. Neither is reached: the archive is refused first.
    "crawl": ["http://127.0.0.1:1/"],
    "worker": ["--frontier", "redis://127.0.0.1:1/0"],
}


def leaf_commands(group: click.Group, prefix: tuple[str, ...] = ()) -> Iterator[tuple[str, ...]]:
    for name, command in sorted(group.commands.items()):
        if isinstance(command, click.Group):
            yield from leaf_commands(command, (*prefix, name))
        else:
            yield (*prefix, name)


def command_of(path: tuple[str, ...]) -> click.Command:
    command: click.Command = cli
    for name in path:
        assert isinstance(command, click.Group)
        command = command.commands[name]
    return command


COMMANDS = list(leaf_commands(cli))
DB_COMMANDS = [path for path in COMMANDS if any(p.name == "db" for p in command_of(path).params)]
WITH_ARGUMENTS = [
    path
    for path in COMMANDS
    if any(isinstance(p, click.Argument) and p.required for p in command_of(path).params)
]


def empty_warc(path: Path) -> Path:
    """A valid WARC file holding one warcinfo record: an import with nothing to import."""
    with path.open("wb") as stream:
        writer = WARCWriter(stream, gzip=True)
        writer.write_record(writer.create_warcinfo_record(path.name, {"software": "test"}))
    return path


def placeholder_arguments(path: tuple[str, ...], tmp_path: Path) -> list[str]:
    """Values for a command's required arguments that never reach the network."""
    values = {
        "targets": "http://127.0.0.1:1/",
        "url": "http://127.0.0.1:1/x",
        "site": "http://127.0.0.1:1/",
        "files": str(empty_warc(tmp_path / "empty.warc.gz")),
    }
    arguments = [
        values.get(param.name or "", str(tmp_path / "case"))
        if "case" in (param.name or "")
        else values.get(param.name or "", "budget")
        for param in command_of(path).params
        if isinstance(param, click.Argument) and param.required
    ]
    return [*path, *arguments, *EXTRA_OPTIONS.get(path[-1], [])]


def one_line_error(err: str) -> str:
    lines = [line for line in err.splitlines() if line.strip()]
    assert len(lines) == 1, f"expected one line on stderr, got: {err!r}"
    assert "Traceback" not in err
    return lines[0]


# --- wrong arguments -----------------------------------------------------------------------


@pytest.mark.parametrize("path", [*COMMANDS, ("db",), ("fixtures",)], ids=" ".join)
def test_an_unknown_option_is_one_line_and_exit_2(capsys, path: tuple[str, ...]) -> None:
    assert main([*path, "--no-such-option"]) == EXIT_USAGE
    line = one_line_error(capsys.readouterr().err)
    assert "--no-such-option" in line and "--help" in line


@pytest.mark.parametrize("path", [(), ("db",), ("fixtures",)], ids=" ".join)
def test_a_group_without_a_command_shows_its_help(capsys, path: tuple[str, ...]) -> None:
    assert main(list(path)) == EXIT_USAGE
    captured = capsys.readouterr()
    assert "Commands:" in captured.out + captured.err
    assert "Error" not in captured.out + captured.err


@pytest.mark.parametrize("path", WITH_ARGUMENTS, ids=" ".join)
def test_a_missing_argument_is_one_line_and_exit_2(capsys, path: tuple[str, ...]) -> None:
    assert main(list(path)) == EXIT_USAGE
    assert "Missing argument" in one_line_error(capsys.readouterr().err)


def typed_options() -> Iterator[tuple[tuple[str, ...], str]]:
    for path in COMMANDS:
        for param in command_of(path).params:
            kinds = (click.IntRange, click.FloatRange, click.Choice, click.types.IntParamType)
            if isinstance(param, click.Option) and isinstance(param.type, kinds):
                yield path, param.opts[0]


@pytest.mark.parametrize(("path", "option"), list(typed_options()), ids=str)
def test_a_malformed_option_value_is_one_line_and_exit_2(
    capsys, tmp_path: Path, path: tuple[str, ...], option: str
) -> None:
    argv = placeholder_arguments(path, tmp_path)
    assert main([*argv, option, "-5x"]) == EXIT_USAGE
    assert "Invalid value" in one_line_error(capsys.readouterr().err)


# --- archives that are not archives --------------------------------------------------------


@cache
def empty_archive_bytes() -> bytes:
    """A new archive at the current schema, as bytes (made once: migrations take a while)."""
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "archive.sqlite"
        upgrade_archive(str(path))
        return path.read_bytes()


def truncated_archive(path: Path) -> None:
    path.write_bytes(empty_archive_bytes()[:3000])


def zip_file(path: Path) -> None:
    import zipfile

    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("notes.txt", "not an archive")


BAD_ARCHIVES = {
    "directory": lambda path: path.mkdir(),
    "text": lambda path: path.write_text("my notes\n" * 40),
    "html": lambda path: path.write_text("<!doctype html><html><body>Hi</body></html>"),
    "zip": zip_file,
    "truncated-sqlite": truncated_archive,
    "fifo": lambda path: os.mkfifo(path),
    "missing": lambda path: None,
    "empty-file": lambda path: path.write_bytes(b""),
}


# Commands that create or upgrade an archive take a missing or empty file as a new one.
REFUSALS = [
    pytest.param(path, kind, id=f"{' '.join(path)}-{kind}")
    for kind in sorted(BAD_ARCHIVES)
    for path in DB_COMMANDS
    if not (kind in {"missing", "empty-file"} and " ".join(path) in ARCHIVE_WRITERS)
]


@pytest.mark.parametrize(("path", "kind"), REFUSALS)
def test_every_command_refuses_what_is_not_an_archive(
    capsys, tmp_path: Path, path: tuple[str, ...], kind: str
) -> None:
    archive = tmp_path / "archive.sqlite"
    BAD_ARCHIVES[kind](archive)
    assert main([*placeholder_arguments(path, tmp_path), "--db", str(archive)]) == EXIT_ARCHIVE
    one_line_error(capsys.readouterr().err.replace(f"archive: sqlite:///{archive}\n", ""))


@pytest.mark.parametrize(
    ("db", "code", "words"),
    [
        ("", EXIT_USAGE, "--db is empty"),
        ("bogus://somewhere/x", EXIT_ARCHIVE, "no database dialect 'bogus'"),
        ("postgresql+psycopg://u:s3cret@[::1", EXIT_ARCHIVE, "not a database URL"),
        ("postgresql+psycopg://u:s3cret@127.0.0.1:notaport/x", EXIT_ARCHIVE, "not a database URL"),
        ("/dev/null", EXIT_ARCHIVE, "not a regular file"),
    ],
)
@pytest.mark.parametrize("path", DB_COMMANDS, ids=" ".join)
def test_every_command_refuses_a_malformed_db(
    capsys, tmp_path: Path, path: tuple[str, ...], db: str, code: int, words: str
) -> None:
    assert main([*placeholder_arguments(path, tmp_path), "--db", db]) == code
    err = capsys.readouterr().err
    assert words in one_line_error(err) and "s3cret" not in err


# --- pages that are not pages --------------------------------------------------------------


@pytest.mark.parametrize(
    ("kind", "words"),
    [
        ("directory", "is a folder"),
        ("fifo", "not a regular file"),  # reading it would wait forever
        ("zip", "not an HTML file"),
        ("truncated-sqlite", "not an HTML file"),
        ("empty-file", "not an HTML file"),
        ("missing", "no such file"),
    ],
)
def test_parse_refuses_a_file_that_is_no_page(capsys, tmp_path: Path, kind: str, words) -> None:
    page = tmp_path / "page.html"
    BAD_ARCHIVES[kind](page)
    assert main(["parse", str(page)]) == EXIT_BAD_INPUT
    assert words in one_line_error(capsys.readouterr().err)


def test_parse_jsonl_answers_a_fifo_line_with_an_error(capsys, tmp_path, monkeypatch) -> None:
    import io
    import json

    fifo = tmp_path / "pipe.html"
    os.mkfifo(fifo)
    monkeypatch.setattr("sys.stdin", io.StringIO(json.dumps({"path": str(fifo)}) + "\n"))
    assert main(["parse", "--jsonl"]) == EXIT_OK
    (answer,) = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert answer == {"path": str(fifo), "error": "not a regular file (a pipe or a device?)"}


@pytest.mark.parametrize(
    ("url", "words"),
    [
        ("http://[::1", "not a valid URL"),
        ("http://exa mple.com/", "spaces or control characters"),
        ("http://", "host name"),
        ("http://127.0.0.1:port/", "not a valid URL"),
        ("ftp://127.0.0.1/story", "only http(s)"),
        ("file:///etc/passwd", "only http(s)"),
    ],
)
@pytest.mark.parametrize("command", [["parse"], ["fixtures", "save"], ["crawl"]], ids=" ".join)
def test_a_malformed_url_is_one_line_and_exit_2(
    capsys, tmp_path: Path, command: list[str], url: str, words: str
) -> None:
    case = [str(tmp_path / "case")] if command[0] == "fixtures" else []
    db = ["--db", str(tmp_path / "a.sqlite")] if command[0] == "crawl" else []
    assert main([*command, url, *case, *db]) == EXIT_USAGE
    assert words in one_line_error(capsys.readouterr().err)
    assert not (tmp_path / "case").exists()


def test_fixtures_save_from_a_closed_port_writes_nothing(capsys, tmp_path: Path) -> None:
    url = f"http://127.0.0.1:{free_port()}/story/"
    assert main(["fixtures", "save", url, str(tmp_path / "case")]) == EXIT_BAD_INPUT
    assert "Connection refused" in one_line_error(capsys.readouterr().err)
    assert not (tmp_path / "case").exists()


@pytest.mark.parametrize(
    ("meta", "words"),
    [
        ("not json", "not valid JSON"),
        ("{}", 'needs a "url" string'),
        ('{"url": "https://x.test/a", "fetched_at": "yesterday"}', "not ISO 8601"),
    ],
)
@pytest.mark.parametrize("command", ["rerun", "update"])
def test_a_broken_fixture_case_is_one_line_and_exit_3(
    capsys, tmp_path: Path, command: str, meta: str, words: str
) -> None:
    (tmp_path / "page.html").write_text("<html><body><p>A story.</p></body></html>")
    (tmp_path / "meta.json").write_text(meta)
    assert main(["fixtures", command, str(tmp_path)]) == EXIT_BAD_INPUT
    assert words in one_line_error(capsys.readouterr().err)
    assert not (tmp_path / "expected.json").exists()


@pytest.fixture
def page_server() -> Iterator[str]:
    """A loopback server answering every GET with a small HTML page; yields its base URL."""
    from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

    class Page(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            body = b"<html><head><title>A story</title></head><body><p>Text.</p></body></html>"
            self.send_response(200)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Page)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


def test_fixtures_save_into_a_folder_that_cannot_exist_is_exit_4(
    capsys, tmp_path: Path, page_server: str
) -> None:
    blocker = tmp_path / "notes.txt"
    blocker.write_text("a file, not a folder")
    case = blocker / "case"
    assert main(["fixtures", "save", f"{page_server}/story/", str(case)]) == EXIT_ARCHIVE
    assert "cannot write" in one_line_error(capsys.readouterr().err)
    assert blocker.read_text() == "a file, not a folder"


# --- output files ----------------------------------------------------------------------------


@pytest.fixture(scope="module")
def big_archive(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Enough articles (about 170 KB of JSON lines) to outgrow a pipe buffer and small limits."""
    path = tmp_path_factory.mktemp("big") / "archive.sqlite"
    engine = make_engine(str(path))
    upgrade_archive(engine)
    with Session(engine) as session, session.begin():
        for number in range(150):
            record = make_record(
                url=f"https://news.example.org/story-{number}",
                canonical_url=None,
                title=f"Story {number}",
            )
            save_article(session, record, seen_at=FETCHED_AT, crawl_run_id=None)
    engine.dispose()
    return path


def leftovers(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir() if p.name.startswith("."))


def test_an_interrupted_export_leaves_no_file_and_keeps_the_old_one(
    capsys, tmp_path: Path, big_archive: Path, monkeypatch
) -> None:
    import cli as cli_module

    real_rows = cli_module.exported_rows

    def interrupted_rows(*args, **kwargs):  # Ctrl-C after the first row was written
        for number, row in enumerate(real_rows(*args, **kwargs)):
            if number == 1:
                raise KeyboardInterrupt
            yield row

    monkeypatch.setattr(cli_module, "exported_rows", interrupted_rows)
    output = tmp_path / "articles.csv"
    output.write_text("yesterday's export\n")
    args = ["export", "--db", str(big_archive), "--format", "csv", "-o", str(output)]
    assert main(args) == EXIT_INTERRUPTED
    assert one_line_error(capsys.readouterr().err) == "interrupted"
    assert output.read_text() == "yesterday's export\n"
    assert leftovers(tmp_path) == []


def test_export_to_a_fifo_writes_into_it_and_keeps_it_a_fifo(tmp_path, big_archive) -> None:
    import stat

    fifo = tmp_path / "stream.jsonl"
    os.mkfifo(fifo)
    received: list[bytes] = []
    reader = threading.Thread(target=lambda: received.append(fifo.read_bytes()))
    reader.start()
    assert main(["export", "--db", str(big_archive), "-o", str(fifo)]) == EXIT_OK
    reader.join(timeout=30)
    assert stat.S_ISFIFO(fifo.stat().st_mode)  # a rename would have made it a plain file
    assert len(received[0].splitlines()) == 150
    assert leftovers(tmp_path) == []


def test_export_to_a_missing_folder_is_exit_4(capsys, tmp_path: Path, big_archive) -> None:
    output = tmp_path / "no" / "such" / "folder" / "out.jsonl"
    assert main(["export", "--db", str(big_archive), "-o", str(output)]) == EXIT_ARCHIVE
    assert f"cannot write {output}" in one_line_error(capsys.readouterr().err)


def test_export_to_a_directory_is_a_usage_error(capsys, tmp_path: Path, big_archive) -> None:
    assert main(["export", "--db", str(big_archive), "-o", str(tmp_path)]) == EXIT_USAGE
    assert "is a directory" in one_line_error(capsys.readouterr().err)


# --- real processes: full disks, closed pipes, signals ----------------------------------------


def run_cli(
    *args: str, limit_bytes: int | None = None, stdout: int | None = subprocess.PIPE
) -> subprocess.CompletedProcess[str]:
    """The CLI in a child process; `limit_bytes` caps the size of any file it writes
    (RLIMIT_FSIZE, with SIGXFSZ ignored so a write fails with EFBIG instead of killing it)."""

    def limit() -> None:
        if limit_bytes is not None:
            resource.setrlimit(resource.RLIMIT_FSIZE, (limit_bytes, limit_bytes))
            signal.signal(signal.SIGXFSZ, signal.SIG_IGN)

    return subprocess.run(
        [sys.executable, "-c", "import sys, cli; sys.exit(cli.main(sys.argv[1:]))", *args],
        stdout=stdout,
        stderr=subprocess.PIPE,
        text=True,
        timeout=120,
        cwd=ROOT,
        env={**os.environ, "PYTHONPATH": str(ROOT), "PYTHONDONTWRITEBYTECODE": "1"},
        preexec_fn=limit,
    )


@pytest.mark.parametrize("fmt", ["jsonl", "csv"])
def test_an_export_past_the_file_size_limit_is_one_line_and_leaves_nothing(
    tmp_path: Path, big_archive: Path, fmt: str
) -> None:
    output = tmp_path / f"articles.{fmt}"
    # 100 KB: room for SQLite's 32 KB shared-memory file, not for the 170 KB export.
    result = run_cli(
        "export",
        "--db",
        str(big_archive),
        "--format",
        fmt,
        "-o",
        str(output),
        limit_bytes=100_000,
    )
    assert result.returncode == EXIT_ARCHIVE
    line = one_line_error(result.stderr)
    assert f"cannot write {output}: the file is larger than this process may write" in line
    assert not output.exists() and leftovers(tmp_path) == []


def test_creating_an_archive_past_the_file_size_limit_is_one_line(tmp_path: Path) -> None:
    archive = tmp_path / "archive.sqlite"
    archive.touch()  # an empty file is a new archive to `db upgrade`
    result = run_cli("db", "upgrade", "--db", str(archive), limit_bytes=50_000)
    assert result.returncode == EXIT_ARCHIVE
    assert "could not be read or written: disk I/O error (is the disk full?)" in one_line_error(
        result.stderr
    )


@pytest.mark.parametrize("args", [["export"], ["sql", "select * from article"]], ids=" ".join)
def test_stdout_on_a_full_disk_is_one_line_exit_4(big_archive: Path, args: list[str]) -> None:
    with open("/dev/full", "w") as full:  # every write fails with ENOSPC
        result = run_cli(*args, "--db", str(big_archive), stdout=full.fileno())
    assert result.returncode == EXIT_ARCHIVE
    assert "the disk is full (No space left on device)" in one_line_error(result.stderr)


def test_a_reader_that_leaves_early_is_not_an_error(big_archive: Path) -> None:
    command = [sys.executable, "-c", "import sys, cli; sys.exit(cli.main(sys.argv[1:]))"]
    process = subprocess.Popen(
        [*command, "export", "--db", str(big_archive)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        cwd=ROOT,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
    )
    assert process.stdout is not None and process.stderr is not None
    assert process.stdout.read(100)  # like `| head -c 100`: 170 KB would not fit the pipe
    process.stdout.close()
    err = process.stderr.read().decode()
    assert process.wait(timeout=60) == EXIT_OK
    assert err == ""


# Sends itself SIGNAL after the first exported row: an interrupt in the middle of the write.
SIGNAL_MID_EXPORT = """
import os, signal, sys, cli
real_rows = cli.exported_rows
def rows_then_signal(*args, **kwargs):
    for number, row in enumerate(real_rows(*args, **kwargs)):
        if number == 1:
            os.kill(os.getpid(), getattr(signal, sys.argv[1]))
        yield row
cli.exported_rows = rows_then_signal
sys.exit(cli.main(sys.argv[2:]))
"""


@pytest.mark.parametrize(
    ("signal_name", "fmt"), [("SIGINT", "jsonl"), ("SIGTERM", "csv"), ("SIGTERM", "parquet")]
)
def test_a_signal_mid_export_exits_130_and_leaves_no_file(
    tmp_path: Path, big_archive: Path, signal_name: str, fmt: str
) -> None:
    output = tmp_path / f"articles.{fmt}"
    result = subprocess.run(
        [
            sys.executable,
            "-c",
            SIGNAL_MID_EXPORT,
            signal_name,
            "export",
            "--db",
            str(big_archive),
            "--format",
            fmt,
            "-o",
            str(output),
        ],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=ROOT,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
    )
    assert result.returncode == EXIT_INTERRUPTED, result.stderr[-2000:]
    assert one_line_error(result.stderr) == "interrupted"
    assert not output.exists() and leftovers(tmp_path) == []
