"""End to end: `newsarchive demo` crawls the bundled site on loopback into a real SQLite file.

The crawl runs in a child process (Twisted's reactor starts once per process), exactly as
a user runs it; the archive is then read with plain sqlite3 and checked against the demo
site's own ground truth.
"""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from demo.server import free_port
from demo.site import build_site

ROOT = Path(__file__).resolve().parents[1]
SITE = build_site("http://127.0.0.1:1")  # paths and truths do not depend on the port


def run_cli(*args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    return subprocess.run(
        [sys.executable, "-c", "import sys, cli; sys.exit(cli.main(sys.argv[1:]))", *args],
        capture_output=True,
        text=True,
        timeout=240,
        env=env,
        cwd=ROOT,
    )


@pytest.fixture(scope="module")
def crawled(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str, str]:
    db = tmp_path_factory.mktemp("demo") / "archive.sqlite"
    port = str(free_port())  # the same port twice: the port is part of every archived URL
    first = run_cli("demo", "--db", str(db), "--port", port)
    assert first.returncode == 0, first.stderr[-3000:]
    second = run_cli("demo", "--db", str(db), "--port", port)
    assert second.returncode == 0, second.stderr[-3000:]
    return db, first.stdout, second.stdout


def paths_of(rows: list[tuple[str]]) -> list[str]:
    return [urlsplit(url).path for (url,) in rows]


def query(db: Path, sql: str) -> list[tuple]:
    with sqlite3.connect(f"file:{db}?mode=ro", uri=True) as connection:
        return connection.execute(sql).fetchall()


def test_every_public_article_is_stored_exactly_once(crawled) -> None:
    db, _, _ = crawled
    stored = paths_of(query(db, "select coalesce(canonical_url, url) from article"))
    expected = sorted(truth.path for truth in SITE.public_articles)
    assert sorted(stored) == expected


def test_non_article_pages_are_not_stored(crawled) -> None:
    db, _, _ = crawled
    stored = set(paths_of(query(db, "select url from article")))
    assert not stored & set(SITE.non_article_paths)


def test_robots_disallowed_article_is_never_stored(crawled) -> None:
    db, _, _ = crawled
    private = [truth.path for truth in SITE.articles if truth.robots_disallowed]
    assert private, "the demo site should have a robots-disallowed article"
    stored = set(paths_of(query(db, "select url from article")))
    assert not stored & set(private)
    assert not [r for r in query(db, "select url from fetch_failure") if "/private/" in r[0]]


def test_broken_links_are_recorded_with_status_and_time(crawled) -> None:
    db, _, _ = crawled
    failures = {
        urlsplit(url).path: (status, reason, failed_at)
        for url, status, reason, failed_at in query(
            db, "select url, status, reason, failed_at from fetch_failure"
        )
    }
    for path, status in SITE.broken_paths.items():
        assert failures[path][0] == status
        assert str(status) in failures[path][1]
        assert failures[path][2]


def test_stored_fields_match_the_ground_truth(crawled) -> None:
    db, _, _ = crawled
    rows = query(db, "select coalesce(canonical_url, url), title, published from article")
    stored = {urlsplit(url).path: (title, published) for url, title, published in rows}
    for truth in SITE.public_articles:
        title, published = stored[truth.path]
        assert title == truth.title, truth.path
        assert published == truth.published.isoformat(), truth.path


def test_second_run_fetches_no_archived_article_and_says_so(crawled) -> None:
    """The demo's articles are years old and unchanged: none is due for a re-check."""
    db, _, second_output = crawled
    runs = query(db, "select counts, finish_reason from crawl_run order by id")
    assert [reason for _, reason in runs] == ["finished", "finished"]
    first_counts, second_counts = (json.loads(counts) for counts, _ in runs)
    for outcome in ("inserted", "updated", "unchanged", "not_modified"):
        assert second_counts.get(f"archive/{outcome}", 0) == 0, outcome
    assert second_counts["incremental/skipped"] >= len(SITE.public_articles)
    assert second_counts["downloader/response_count"] < first_counts["downloader/response_count"]
    assert query(db, "select count(*) from article_version") == [(len(SITE.public_articles),)]
    assert "new: 0, updated: 0, unchanged: 0" in second_output


def test_summary_and_titles_are_printed(crawled) -> None:
    _, first_output, _ = crawled
    assert "crawl summary" in first_output
    assert f"{len(SITE.public_articles)} articles in the archive" in first_output
    assert "finished" in first_output


def test_reference_article_is_archived_with_its_lists_and_related_links(crawled) -> None:
    db, _, _ = crawled
    (article_id,) = query(
        db, "select id from article where url like '%/police-criticised-over-poor-response%'"
    )[0]
    headings = query(
        db, f"select heading from article_list where article_id = {article_id} order by position"
    )
    assert [h for (h,) in headings] == [
        "Incidents that concerned HMIC included:",
        "HMIC said positive aspects of the West Midlands inspection included:",
        "However, inspectors were concerned to find:",
    ]
    comments = query(
        db, f"select comments from article_link where article_id = {article_id} order by position"
    )
    assert [c for (c,) in comments] == [0, 0, 3, 0, 0]


def test_unreachable_site_is_one_line_exit_3_and_recorded(tmp_path: Path) -> None:
    db = tmp_path / "archive.sqlite"
    url = f"http://127.0.0.1:{free_port()}/"  # bound a moment ago, now closed: refused
    result = run_cli("crawl", url, "--db", str(db))
    assert result.returncode == 3
    assert "Traceback" not in result.stderr
    site = f"127.0.0.1-{urlsplit(url).port}"  # a bare URL's site: its host and port
    assert f"Error: could not reach {site}: no page answered ({url}: Connection refused)" in (
        result.stderr.splitlines()
    )
    assert query(db, "select url, reason from fetch_failure") == [(url, "Connection refused")]


def test_every_waiting_request_waits_on_disk(crawled) -> None:
    db, _, _ = crawled
    for (counts,) in query(db, "select counts from crawl_run"):
        stats = json.loads(counts)
        assert stats["scheduler/enqueued/disk"] == stats["scheduler/enqueued"] > 0
        assert "scheduler/enqueued/memory" not in stats  # none that pickle could not hold
