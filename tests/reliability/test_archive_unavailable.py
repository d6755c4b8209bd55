"""An archive that stops taking writes mid-crawl: a full disk, a lock held by another process.

Real crawls of the demo site through the CLI in child processes. The disk "fills" through
RLIMIT_FSIZE (SIGXFSZ ignored, so a write past the limit fails with EFBIG, as it would
with ENOSPC); the lock is another connection's BEGIN IMMEDIATE, held from the crawl's first
commit until it exits, with the busy timeout shortened in the child. Each time the crawl
exits 4 with one line saying how many items were not saved and where they are, every
article committed before stays in a sound archive, and every other article fetched is in
the rescue file, none twice.
"""

from __future__ import annotations

import json
import sqlite3
import subprocess
import sys
import time
from contextlib import closing
from pathlib import Path
from urllib.parse import urlsplit

from demo.server import DemoServer
from tests.reliability.harness import ROOT, child_env, crawl_args, health_problems, stored_paths

# `newsarchive ARGS...` with ARCHIVE_BATCH_SIZE, the busy timeout (ms) and a file size limit
# (bytes, 0: none) set in the child before the CLI starts.
LAUNCHER = (
    "import resource, signal, sys, settings\n"
    "from archive_db import engine\n"
    "settings.ARCHIVE_BATCH_SIZE = int(sys.argv[1])\n"
    "engine.BUSY_TIMEOUT_MS = int(sys.argv[2])\n"
    "if int(sys.argv[3]):\n"
    "    signal.signal(signal.SIGXFSZ, signal.SIG_IGN)\n"
    "    resource.setrlimit(resource.RLIMIT_FSIZE, (int(sys.argv[3]), int(sys.argv[3])))\n"
    "import cli\n"
    "sys.exit(cli.main(sys.argv[4:]))\n"
)
BATCH_SIZE = 5
# Room for the schema and a few batches in the write-ahead log, not for the whole demo.
FILE_SIZE_LIMIT = 1_000_000


def newsarchive(
    *args: str, batch_size: int = BATCH_SIZE, busy_ms: int = 10_000, file_size_limit: int = 0
) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [
            sys.executable,
            "-c",
            LAUNCHER,
            str(batch_size),
            str(busy_ms),
            str(file_size_limit),
            *args,
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=child_env(),
        cwd=ROOT,
    )


def finished(process: subprocess.Popen[str]) -> subprocess.CompletedProcess[str]:
    stdout, stderr = process.communicate(timeout=120)
    return subprocess.CompletedProcess(process.args, process.returncode, stdout, stderr)


def the_error_line(result: subprocess.CompletedProcess[str]) -> str:
    """The one line the CLI printed about the failure; no traceback anywhere."""
    assert "Traceback" not in result.stderr, result.stderr[-3000:]
    errors = [line for line in result.stderr.splitlines() if line.startswith("Error:")]
    assert len(errors) == 1, result.stderr[-3000:]
    return errors[0]


def rescued_paths(rescue_file: Path) -> list[str]:
    records = [json.loads(line) for line in rescue_file.read_text("utf-8").splitlines()]
    return sorted(urlsplit(record["canonical_url"] or record["url"]).path for record in records)


def assert_nothing_fetched_was_lost(db: Path, demo_site: DemoServer) -> None:
    assert health_problems(db) == []
    archived = stored_paths(db)
    rescued = rescued_paths(db.with_name(f"{db.name}.unsaved-1.jsonl"))
    assert archived and rescued
    assert not set(archived) & set(rescued)
    public = {truth.path for truth in demo_site.site.public_articles}
    assert set(archived) | set(rescued) <= public
    assert len(archived) + len(rescued) == len(set(archived) | set(rescued))


def test_a_disk_that_fills_mid_crawl_loses_nothing_and_exits_4(
    demo_site: DemoServer, tmp_path: Path
) -> None:
    db = tmp_path / "archive.sqlite"
    args = crawl_args(demo_site.base_url, db)
    result = finished(newsarchive(*args, file_size_limit=FILE_SIZE_LIMIT))

    assert result.returncode == 4, result.stderr[-3000:]
    error = the_error_line(result)
    assert "is the disk full?" in error and "items were not saved" in error
    assert f"{db}.unsaved-1.jsonl" in error
    assert "finish: archive_unavailable" in result.stdout
    assert f"new: {len(stored_paths(db))}," in result.stdout  # what it said it saved, it did
    assert len(stored_paths(db)) >= BATCH_SIZE  # the batches committed before the disk filled
    assert_nothing_fetched_was_lost(db, demo_site)

    again = finished(newsarchive(*args))  # room again: the next crawl completes the archive
    assert again.returncode == 5, again.stderr[-3000:]  # finished; the demo's broken pages failed
    assert stored_paths(db) == sorted(truth.path for truth in demo_site.site.public_articles)


def test_a_rescue_file_on_a_full_disk_is_one_line_too(
    demo_site: DemoServer, tmp_path: Path
) -> None:
    db = tmp_path / "archive.sqlite"
    Path(f"{db}.unsaved-1.jsonl").symlink_to("/dev/full")  # writes there fail with ENOSPC
    args = crawl_args(demo_site.base_url, db)
    result = finished(newsarchive(*args, file_size_limit=FILE_SIZE_LIMIT))

    assert result.returncode == 4, result.stderr[-3000:]
    error = the_error_line(result)
    assert "could not be written" in error and "No space left on device" in error
    assert health_problems(db) == []
    assert len(stored_paths(db)) >= BATCH_SIZE


def test_an_archive_locked_by_another_process_loses_nothing_and_exits_4(
    demo_site: DemoServer, tmp_path: Path
) -> None:
    db = tmp_path / "archive.sqlite"
    crawl = newsarchive(*crawl_args(demo_site.base_url, db), batch_size=2, busy_ms=200)
    try:
        wait_for_a_committed_article(db, crawl)
        locker = sqlite3.connect(db, isolation_level=None, timeout=10)
        try:
            locker.execute("BEGIN IMMEDIATE")
            result = finished(crawl)
            locker.execute("ROLLBACK")
        finally:
            locker.close()
    finally:
        if crawl.poll() is None:
            crawl.kill()
            crawl.communicate()

    assert result.returncode == 4, result.stderr[-3000:]
    error = the_error_line(result)
    assert "database is locked" in error and "items were not saved" in error
    assert_nothing_fetched_was_lost(db, demo_site)


def wait_for_a_committed_article(db: Path, crawl: subprocess.Popen[str]) -> None:
    while crawl.poll() is None:
        try:
            with closing(sqlite3.connect(f"file:{db}?mode=ro", uri=True)) as connection:
                if connection.execute("SELECT count(*) FROM article").fetchone()[0]:
                    return
        except sqlite3.OperationalError:  # no file, or no schema, yet
            pass
        time.sleep(0.005)
    raise AssertionError(f"the crawl ended before any article was committed: {crawl.returncode}")
