"""`scrapy crawl news` (so a scrapyd job too) is incremental, retries past failures and
holds the site's crawl lock, as `newsarchive crawl` does (pipelines/archive_state.py).

Each crawl is a real `scrapy crawl` in a child process, run from the project folder (as
scrapyd runs it), of ``tests/incremental_site.py`` on 127.0.0.1 into one SQLite archive.
"""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from archive_db.locks import crawl_lock
from archive_db.migrations import upgrade_archive
from profiles import profile_for_url
from tests.incremental_site import ChangingSite, Hit, serve_changing_site

ROOT = Path(__file__).resolve().parents[2]


def scrapy_crawl(site: ChangingSite, db: Path) -> subprocess.CompletedProcess[str]:
    settings = {
        "ARCHIVE_DB_URL": f"sqlite:///{db}",
        "DOWNLOAD_DELAY": "0",
        "AUTOTHROTTLE_ENABLED": "False",
        "PARSE_PROCESSES": "0",
        "LOG_LEVEL": "WARNING",
    }
    env = {key: value for key, value in os.environ.items() if not key.startswith("NEWSARCHIVE")}
    return subprocess.run(
        [sys.executable, "-m", "scrapy", "crawl", "news", "-a", f"target={site.base_url}/"]
        + [argument for key, value in settings.items() for argument in ("-s", f"{key}={value}")],
        cwd=ROOT,
        env={**env, "PYTHONPATH": str(ROOT)},
        capture_output=True,
        text=True,
        timeout=120,
    )


def runs(db: Path) -> list[tuple[str | None, dict[str, Any]]]:
    with sqlite3.connect(f"file:{db}?mode=ro", uri=True) as connection:
        rows = connection.execute("SELECT finish_reason, counts FROM crawl_run ORDER BY id")
        return [(reason, json.loads(counts or "{}")) for reason, counts in rows]


def article_paths(hits: list[Hit]) -> list[str]:
    """Article pages are /YYYY/MM/DD/slug/ on the incremental site."""
    return [hit.path for hit in hits if hit.path.count("/") == 5 and hit.path[1:5].isdigit()]


def test_a_second_scrapy_crawl_fetches_no_archived_article_and_retries_failures(
    tmp_path: Path,
) -> None:
    db = tmp_path / "archive.sqlite"
    with serve_changing_site() as site:
        first = scrapy_crawl(site, db)
        assert first.returncode == 0, first.stderr[-3000:]
        first_articles = article_paths(site.take_hits())
        # A page that failed in an earlier crawl, as the archive records it.
        failed = f"{site.base_url}/news/page/99/"
        with sqlite3.connect(db) as connection:
            connection.execute(
                "INSERT INTO fetch_failure (url, reason, status, failed_at) VALUES (?, ?, ?, ?)",
                (failed, "HTTP 503", 503, datetime.now(UTC).isoformat(" ")),
            )
        second = scrapy_crawl(site, db)
        assert second.returncode == 0, second.stderr[-3000:]
        second_hits = site.take_hits()
    assert sorted(first_articles) == sorted(story.path for story in site.stories)
    assert article_paths(second_hits) == []  # every article archived, none due
    assert "/news/page/99/" in [hit.path for hit in second_hits]
    (_, first_counts), (reason, second_counts) = runs(db)
    assert "archive_state/past_failures" in first_counts  # read, and there were none
    assert first_counts["archive_state/past_failures"] == 0
    assert (reason, second_counts["archive_state/past_failures"]) == ("finished", 1)
    assert second_counts["incremental/skipped"] >= len(site.stories)
    assert second_counts.get("archive/inserted", 0) == 0


def test_a_scrapy_crawl_of_a_site_being_crawled_stops_before_fetching(tmp_path: Path) -> None:
    db = tmp_path / "archive.sqlite"
    upgrade_archive(str(db))
    with serve_changing_site() as site:
        name = profile_for_url(site.base_url + "/").name
        with crawl_lock(f"sqlite:///{db}", name):
            locked = scrapy_crawl(site, db)
        hits = site.take_hits()
        assert locked.returncode == 0, locked.stderr[-3000:]  # Scrapy's own exit code
        assert f"another crawl of '{name}'" in locked.stderr
        assert "Traceback" not in locked.stderr
        assert hits == []
        assert [reason for reason, _ in runs(db)] == ["locked"]
        # Released: the next crawl runs.
        after = scrapy_crawl(site, db)
    assert after.returncode == 0, after.stderr[-3000:]
    assert [reason for reason, _ in runs(db)] == ["locked", "finished"]
