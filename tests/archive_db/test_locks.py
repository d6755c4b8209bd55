"""Crawl locks: one crawl per site and archive, on SQLite and PostgreSQL, freed even by
SIGKILL; the CLI refuses a second crawl in one line with exit code 75."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from sqlalchemy.engine import make_url

from archive_db.locks import CrawlLocked, crawl_lock, job_folder_lock
from cli import EXIT_LOCKED, main
from spiders.runner import job_folder_of

ROOT = Path(__file__).resolve().parents[2]
HOLDER = (
    "import sys, time\n"
    "from archive_db.locks import crawl_lock\n"
    "with crawl_lock(sys.argv[1], sys.argv[2]):\n"
    "    print('locked', flush=True)\n"
    "    time.sleep(120)\n"
)
# A start URL's site is its host and port: the name its locks and job folder go by.
LOCAL_URL, LOCAL_SITE = "http://127.0.0.1:9/", "127.0.0.1-9"


def with_password(archive_url: str) -> str:
    """The URL with a password in it (trust authentication ignores it), to see it masked."""
    if "://" not in archive_url:
        return archive_url
    return make_url(archive_url).set(password="s3cret").render_as_string(hide_password=False)


def test_a_second_crawl_of_the_site_is_refused_until_the_first_ends(archive_url: str) -> None:
    url = with_password(archive_url)
    with crawl_lock(url, "gazette"):
        with pytest.raises(CrawlLocked) as refused, crawl_lock(url, "gazette"):
            pass
        message = str(refused.value)
        assert "'gazette'" in message
        assert f"pid {os.getpid()}" in message
        assert "s3cret" not in message
        if "://" in url:
            assert "***" in message and make_url(url).database in message
        else:
            assert url in message
    with crawl_lock(url, "gazette"):  # released when the block ended
        pass


def test_other_sites_and_other_archives_do_not_block_each_other(
    archive_url: str, tmp_path: Path
) -> None:
    other_archive = str(tmp_path / "other.sqlite")
    with (
        crawl_lock(archive_url, "gazette"),
        crawl_lock(archive_url, "courier"),
        crawl_lock(other_archive, "gazette"),
    ):
        pass


def test_a_killed_holder_leaves_no_lock_behind(archive_url: str) -> None:
    holder = subprocess.Popen(
        [sys.executable, "-c", HOLDER, archive_url, "gazette"],
        stdout=subprocess.PIPE,
        text=True,
        cwd=ROOT,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
    )
    try:
        assert holder.stdout is not None
        assert holder.stdout.readline() == "locked\n"
        with (
            pytest.raises(CrawlLocked, match=f"pid {holder.pid} "),
            crawl_lock(archive_url, "gazette"),
        ):
            pass
        holder.send_signal(signal.SIGKILL)
        holder.wait(timeout=10)
    finally:
        if holder.poll() is None:
            holder.kill()
            holder.wait()
        holder.stdout.close()  # type: ignore[union-attr]
    # The server notices the dead client's closed connection at once, but asynchronously.
    deadline = time.monotonic() + 10
    while True:
        try:
            with crawl_lock(archive_url, "gazette"):
                return
        except CrawlLocked:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.05)


def test_the_cli_refuses_a_second_crawl_in_one_line_with_exit_code_75(
    archive_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    with crawl_lock(archive_url, LOCAL_SITE):
        code = main(["crawl", LOCAL_URL, "--db", archive_url])
    assert code == EXIT_LOCKED == 75
    (line,) = capsys.readouterr().err.splitlines()[1:]  # after the "archive: ..." line
    assert line.startswith(f"Error: another crawl of '{LOCAL_SITE}'")
    assert line.endswith("try again once it has finished")


@pytest.mark.sqlite_only
def test_the_cli_refuses_a_job_folder_another_crawl_uses(
    archive_path: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    jobs = tmp_path / "jobs"
    # Another crawl of the site, into another archive, with the same job folders.
    with job_folder_lock(job_folder_of(jobs, LOCAL_SITE)):
        code = main(["crawl", LOCAL_URL, "--db", str(archive_path), "--jobdir", str(jobs)])
    assert code == EXIT_LOCKED
    (line,) = capsys.readouterr().err.splitlines()[1:]
    assert f"another crawl is using job folder {jobs / LOCAL_SITE}" in line


@pytest.mark.sqlite_only
def test_two_start_urls_of_one_site_take_its_lock_once(archive_path: Path) -> None:
    result = subprocess.run(
        [sys.executable, "-c", "import sys, cli; sys.exit(cli.main(sys.argv[1:]))", "crawl",
         LOCAL_URL, LOCAL_URL + "news/", "--db", str(archive_path), "--delay", "0"],
        capture_output=True, text=True, timeout=120, cwd=ROOT,
        env={**os.environ, "PYTHONPATH": str(ROOT), "NEWSARCHIVE_DB": ""},
    )  # fmt: skip
    assert result.returncode == 3, result.stderr  # the closed port, not a lock
    assert "could not reach 127.0.0.1" in result.stderr


@pytest.mark.sqlite_only
def test_with_a_jobdir_each_site_must_be_given_once(
    archive_path: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    jobs = str(tmp_path / "jobs")
    args = ["crawl", LOCAL_URL, LOCAL_URL + "news/", "--db", str(archive_path), "--jobdir", jobs]
    assert main(args) == 2
    assert f"two targets are one site ({LOCAL_SITE})" in capsys.readouterr().err
