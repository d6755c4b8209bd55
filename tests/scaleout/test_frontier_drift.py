"""A template change on a site crawled on a shared frontier is reported as drift, as for a
crawl of its own (tests/test_drift_cli.py), because each process records a crawl run per
site it worked on, with the site's extraction health."""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from cli import EXIT_DRIFT, EXIT_OK
from profiles import profile_for_url
from tests.test_drift_cli import ARTICLES, Site, drift_lines, served_site, write_baseline

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def gazette() -> Iterator[tuple[Site, str]]:
    with served_site() as served:
        yield served


def newsarchive(*arguments: str, tmp_path: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "cli", *arguments, "--delay", "0", "--parse-processes", "0"],
        capture_output=True,
        text=True,
        timeout=120,
        env=os.environ | {"NEWSARCHIVE_STATE_DIR": str(tmp_path / "state")},
        cwd=ROOT,
    )


def site_health(db: Path, site: str) -> list[tuple[int, int, int]]:
    """(articles parsed, with a date, with an author) of the site's runs, oldest first."""
    with sqlite3.connect(f"file:{db}?mode=ro", uri=True) as connection:
        return connection.execute(
            "SELECT articles_parsed, with_published, with_authors FROM crawl_run"
            " WHERE site = ? ORDER BY started_at, id",
            (site,),
        ).fetchall()


def test_a_template_change_on_a_frontier_is_drift_and_fails_a_worker_when_asked(
    gazette: tuple[Site, str], redis_url: str, frontier_name: str, tmp_path: Path
) -> None:
    state, url = gazette
    db = tmp_path / "archive.sqlite"
    name = profile_for_url(url).name
    write_baseline(db, name, runs=2)
    frontier = ["--frontier", redis_url, "--frontier-name", frontier_name, "--db", str(db)]

    normal = newsarchive("crawl", url, *frontier, "--exit-when-idle", "1", tmp_path=tmp_path)
    assert normal.returncode == EXIT_OK, normal.stderr[-3000:]
    assert drift_lines(normal.stderr) == []
    assert site_health(db, name)[-1] == (ARTICLES, ARTICLES, ARTICLES)

    # The template loses its dates and bylines; the sites are seeded and left to a worker.
    state.edition, state.full_template = 2, False
    seeding = newsarchive("crawl", url, *frontier, "--seed-only", tmp_path=tmp_path)
    assert seeding.returncode == EXIT_OK, seeding.stderr[-3000:]
    worker = newsarchive(
        "worker", *frontier, "--exit-when-idle", "1", "--fail-on-drift", tmp_path=tmp_path
    )
    assert worker.returncode == EXIT_DRIFT, worker.stderr[-3000:]
    assert site_health(db, name)[-1] == (ARTICLES, 0, 0)
    lines = drift_lines(worker.stderr)
    assert len(lines) == 2 and all(line.startswith(f"drift: {name}: ") for line in lines)
    assert "published found on 0%" in lines[0] and "authors found on 0%" in lines[1]
