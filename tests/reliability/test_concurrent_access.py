"""Readers and writers at once on one SQLite archive, each a real process.

Analysts search, export, query and count while a crawl commits article by article; an
analyst holds a read transaction open for the whole crawl; two crawls write one archive
side by side. Nobody waits long enough to see "database is locked", nothing is stored
twice, and every reader sees whole commits.
"""

from __future__ import annotations

import json
import sqlite3
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from archive_db.engine import make_engine, readonly_engine
from archive_db.migrations import upgrade_archive
from archive_db.models import Article
from archive_db.writes import save_article
from demo.server import DemoServer
from items import RECORD_KEYS
from tests.factories import FETCHED_AT, make_record
from tests.reliability.harness import (
    ROOT,
    child_env,
    crawl_args,
    health_problems,
    lock_complaints,
    read_only,
    run_cli,
    start_cli,
    stored_paths,
)

EXPORT_KEYS = {*RECORD_KEYS, "first_seen", "last_seen", "versions"}


@dataclass
class AnalystCommand:
    """One analyst command, run again and again, and what its runs saw."""

    args: tuple[str, ...]
    export: Path | None = None  # the file an export writes, checked after each run
    runs_during_crawl: int = 0
    problems: list[str] = field(default_factory=list)
    exported_counts: list[int] = field(default_factory=list)


def wait_for_schema(db: Path, crawl: subprocess.Popen[str]) -> None:
    """Until the crawl has committed the schema and opened its crawl run."""
    while crawl.poll() is None:
        if db.exists():
            connection = read_only(db)
            try:
                if connection.execute("SELECT count(*) FROM crawl_run").fetchone()[0]:
                    return
            except sqlite3.OperationalError:  # no such table: the schema is not committed yet
                pass
            finally:
                connection.close()
        time.sleep(0.02)
    _, stderr = crawl.communicate()
    pytest.fail(f"the crawl ended before it opened a crawl run:\n{stderr}")


def export_problems(command: AnalystCommand) -> list[str]:
    """Whether an export file holds whole JSON records, one a line, each article once."""
    assert command.export is not None
    rows = [json.loads(line) for line in command.export.read_text(encoding="utf-8").splitlines()]
    command.exported_counts.append(len(rows))
    problems = [f"export row with keys {sorted(row)}" for row in rows if set(row) != EXPORT_KEYS]
    urls = [row["url"] for row in rows]
    if len(set(urls)) != len(urls):
        problems.append("an article exported twice")
    problems += [
        f"export row without title or body: {row['url']}"
        for row in rows
        if not (row["title"] and row["body"])
    ]
    return problems


def analyst_loop(commands: list[AnalystCommand], db: Path, crawl: subprocess.Popen[str]) -> None:
    """Run each of `commands` in turn (`newsarchive ARGS --db DB`), round after round, until
    a round that began after the crawl had ended."""
    while True:
        crawl_running = crawl.poll() is None
        for command in commands:
            if crawl.poll() is None:
                command.runs_during_crawl += 1
            result = run_cli(*command.args, "--db", str(db))
            name = " ".join(command.args)
            if result.returncode != 0:
                command.problems.append(f"{name} exited {result.returncode}: {result.stderr}")
            command.problems += [f"{name}: {line}" for line in lock_complaints(result)]
            if command.export is not None and result.returncode == 0:
                command.problems += export_problems(command)
        if not crawl_running:
            return


LONG_READER = """
import sqlite3, sys
connection = sqlite3.connect(sys.argv[1], isolation_level=None)
connection.execute("BEGIN")
count = "SELECT count(*) FROM article"
print(connection.execute(count).fetchone()[0], flush=True)
sys.stdin.read()  # hold the transaction until the test closes stdin
print(connection.execute(count).fetchone()[0], flush=True)
connection.execute("COMMIT")
"""


def start_long_reader(db: Path) -> tuple[subprocess.Popen[str], int]:
    """An analyst (sqlite3, pandas, ...) who opens a read transaction and keeps it open
    until its stdin closes; returns the process and the article count it first read."""
    reader = subprocess.Popen(
        [sys.executable, "-c", LONG_READER, str(db)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=child_env(),
        cwd=ROOT,
    )
    assert reader.stdout is not None
    return reader, int(reader.stdout.readline())


def test_analysts_search_export_query_and_hold_transactions_while_a_crawl_writes(
    demo_site: DemoServer, tmp_path: Path
) -> None:
    db = tmp_path / "archive.sqlite"
    crawl = start_cli(*crawl_args(demo_site.base_url, db, concurrency=4), batch_size=1)
    export = AnalystCommand(
        ("export", "--format", "jsonl", "-o", str(tmp_path / "export.jsonl")),
        export=tmp_path / "export.jsonl",
    )
    # Two analysts at once, each going through two commands: enough to overlap every
    # command with the crawl's commits on a two-core machine without starving the crawl.
    analysts = [
        [
            AnalystCommand(("search", "council")),
            AnalystCommand(("sql", "SELECT site, count(*) FROM article_latest GROUP BY site")),
        ],
        [export, AnalystCommand(("stats",))],
    ]
    reader = None
    try:
        wait_for_schema(db, crawl)
        # A read transaction held for the whole crawl: without WAL, each of the crawl's
        # commits would wait for it until the busy timeout ran out.
        reader, first_count = start_long_reader(db)
        threads = [
            threading.Thread(target=analyst_loop, args=(commands, db, crawl))
            for commands in analysts
        ]
        for thread in threads:
            thread.start()
        _, crawl_stderr = crawl.communicate(timeout=120)
        second_count, reader_stderr = reader.communicate(input="", timeout=30)
        for thread in threads:
            thread.join(timeout=120)
    finally:
        for process in (crawl, reader):
            if process is not None and process.poll() is None:
                process.kill()
                process.communicate()
    assert crawl.returncode == 5, crawl_stderr  # finished; the demo's broken pages failed
    assert lock_complaints(subprocess.CompletedProcess([], 0, "", crawl_stderr)) == []
    assert reader.returncode == 0, reader_stderr
    assert int(second_count) == first_count  # the long reader kept its snapshot throughout
    for command in (command for commands in analysts for command in commands):
        assert command.problems == [], command.args
        assert command.runs_during_crawl >= 1, f"{command.args} never ran while the crawl wrote"
    exported = export.exported_counts
    assert exported == sorted(exported), "an export saw fewer articles than an earlier one"
    assert exported[-1] == len(demo_site.site.public_articles)
    assert stored_paths(db) == sorted(truth.path for truth in demo_site.site.public_articles)
    assert health_problems(db) == []


def test_two_crawls_writing_one_archive_at_once_both_finish_without_duplicates(
    demo_site: DemoServer, tmp_path: Path
) -> None:
    db = tmp_path / "archive.sqlite"
    # Both crawl the same site, so they race for the same rows, and both start on a file
    # that does not exist yet, so they race to build the schema too. Each crawl is its own
    # profile of that site: under one name the second would find the site's lock held.
    crawls = []
    for name, batch_size in (("demo-a", 1), ("demo-b", 2)):
        profile = tmp_path / f"{name}.toml"
        profile.write_text(f'name = "{name}"\nstart_urls = ["{demo_site.base_url}/"]\n')
        args = crawl_args(demo_site.base_url, db, concurrency=8)
        crawls.append(start_cli(args[0], str(profile), *args[2:], batch_size=batch_size))
    try:
        outputs = [crawl.communicate(timeout=120) for crawl in crawls]
    finally:
        for crawl in crawls:
            if crawl.poll() is None:
                crawl.kill()
                crawl.communicate()
    for crawl, (stdout, stderr) in zip(crawls, outputs, strict=True):
        assert crawl.returncode == 5, stderr  # finished; the demo's broken pages failed
        assert lock_complaints(subprocess.CompletedProcess([], 0, stdout, stderr)) == []
        # A look-up and its insert in one transaction: the other crawl cannot insert the
        # same article (or tag, author, site) in between, so no batch is refused for it.
        assert "not archived" not in stderr
    public = demo_site.site.public_articles
    assert stored_paths(db) == sorted(truth.path for truth in public)
    connection = read_only(db)
    try:
        versions = connection.execute("SELECT count(*) FROM article_version").fetchone()[0]
        runs = connection.execute("SELECT finish_reason FROM crawl_run").fetchall()
    finally:
        connection.close()
    assert versions == len(public)  # the demo never changes: one version each
    assert runs == [("finished",), ("finished",)]
    assert health_problems(db) == []


def test_a_readonly_session_reads_one_snapshot_while_a_writer_commits(tmp_path: Path) -> None:
    path = str(tmp_path / "archive.sqlite")
    writer = make_engine(path)
    upgrade_archive(writer)
    reader = readonly_engine(path)
    count = select(func.count()).select_from(Article)
    try:
        with Session(reader) as analyst:
            before = analyst.scalar(count)
            with Session(writer) as crawl, crawl.begin():
                save_article(crawl, make_record(), seen_at=FETCHED_AT, crawl_run_id=None)
            assert analyst.scalar(count) == before  # an export sees one state of the archive
        with Session(reader) as analyst:
            assert analyst.scalar(count) == before + 1
    finally:
        reader.dispose()
        writer.dispose()
