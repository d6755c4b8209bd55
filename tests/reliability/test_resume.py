"""A crawl with --jobdir, stopped midway, is finished by the next run: no article lost or
stored twice; after Ctrl-C or SIGTERM it resumes without fetching pages again, after
SIGKILL it starts over (saying so) and still stores each article once.

Each crawl is the real CLI in a child process, crawling a loopback site whose article pages
take a moment each (`harness.PacedSite`), stopped once some articles are in the archive.
"""

from __future__ import annotations

import signal
import sqlite3
import subprocess
import time
from pathlib import Path

import pytest

from profiles import profile_for_url
from spiders.runner import job_folder_of
from spiders.scheduler import JOB_STATE, RUNNING_MARK
from tests.reliability.harness import (
    PacedSite,
    crawl_args,
    health_problems,
    read_only,
    run_cli,
    serve_paced_site,
    start_cli,
    stored_paths,
)

STOP_AFTER = 12  # articles in the archive when the crawl is stopped


def archived_count(db: Path) -> int:
    try:
        connection = read_only(db)
    except sqlite3.OperationalError:  # no file yet
        return 0
    try:
        return int(connection.execute("SELECT count(*) FROM article").fetchone()[0])
    except sqlite3.OperationalError:  # no schema yet
        return 0
    finally:
        connection.close()


def version_count(db: Path) -> int:
    connection = read_only(db)
    try:
        return int(connection.execute("SELECT count(*) FROM article_version").fetchone()[0])
    finally:
        connection.close()


def stopped_midway(args: tuple[str, ...], db: Path, how: signal.Signals) -> tuple[int, str, str]:
    """Run a crawl, send it `how` once STOP_AFTER articles are archived; its exit code,
    stdout and stderr."""
    crawl = start_cli(*args, batch_size=1)
    try:
        deadline = time.monotonic() + 60
        while crawl.poll() is None and time.monotonic() < deadline:
            if archived_count(db) >= STOP_AFTER:
                break
            time.sleep(0.02)
        assert crawl.poll() is None, f"the crawl ended before it was stopped: {crawl.stderr}"
        crawl.send_signal(how)
        stdout, stderr = crawl.communicate(timeout=60)
    finally:
        if crawl.poll() is None:
            crawl.kill()
            crawl.communicate()
    return crawl.returncode, stdout, stderr


def assert_every_article_once(site: PacedSite, db: Path) -> None:
    assert stored_paths(db) == sorted(site.article_paths)
    assert version_count(db) == site.articles  # the site never changes: one version each
    assert health_problems(db) == []


def assert_finished(result: subprocess.CompletedProcess[str]) -> None:
    assert result.returncode == 0, result.stderr[-3000:]
    assert "finish: finished" in result.stdout
    assert "Traceback" not in result.stderr


@pytest.mark.parametrize("how", [signal.SIGTERM, signal.SIGINT], ids=["SIGTERM", "SIGINT"])
def test_a_crawl_stopped_gracefully_resumes_without_fetching_pages_again(
    how: signal.Signals, tmp_path: Path
) -> None:
    db, jobdir = tmp_path / "archive.sqlite", tmp_path / "jobs"
    with serve_paced_site(articles=60, delay=0.1) as site:
        args = (*crawl_args(site.base_url, db, concurrency=2), "--jobdir", str(jobdir))
        code, stdout, stderr = stopped_midway(args, db, how)
        assert code == 1, stderr[-3000:]  # a crawl cut short is incomplete
        assert "finish: shutdown" in stdout
        assert "Traceback" not in stderr, stderr[-3000:]
        job = job_folder_of(jobdir, profile_for_url(site.base_url + "/").name)
        assert (job / "requests.queue").is_dir() and not (job / RUNNING_MARK).exists()
        before = set(site.fetched())
        assert STOP_AFTER <= len(before.intersection(site.article_paths)) < site.articles

        with site.lock:
            site.requests.clear()
        resumed = run_cli(*args, batch_size=5)
        assert_finished(resumed)
        fetched_again = set(site.fetched()) & before - {"/", "/robots.txt"}
        assert fetched_again == set()
        assert "did not close cleanly" not in resumed.stderr
    assert_every_article_once(site, db)
    # The job is done: the next crawl with the folder starts afresh, as a nightly one should.
    assert {path.name for path in job.iterdir()} & {*JOB_STATE, RUNNING_MARK} == set()


def test_a_crawl_killed_midway_starts_over_and_stores_each_article_once(tmp_path: Path) -> None:
    db, jobdir = tmp_path / "archive.sqlite", tmp_path / "jobs"
    with serve_paced_site(articles=60, delay=0.1) as site:
        args = (*crawl_args(site.base_url, db, concurrency=2), "--jobdir", str(jobdir))
        code, _, stderr = stopped_midway(args, db, signal.SIGKILL)
        assert code == -signal.SIGKILL, stderr[-3000:]
        job = job_folder_of(jobdir, profile_for_url(site.base_url + "/").name)
        assert (job / RUNNING_MARK).exists()
        archived_before = archived_count(db)
        assert STOP_AFTER <= archived_before < site.articles

        with site.lock:
            site.requests.clear()
        again = run_cli(*args, batch_size=5)
        assert_finished(again)
        warnings = [line for line in again.stderr.splitlines() if "did not close cleanly" in line]
        assert len(warnings) == 1 and "WARNING" in warnings[0] and str(job) in warnings[0]
        assert "/" in site.fetched()  # discovered again from the start URL
    assert_every_article_once(site, db)
    assert not (job / RUNNING_MARK).exists()
