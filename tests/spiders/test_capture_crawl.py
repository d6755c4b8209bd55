"""End to end: two `newsarchive crawl`s of a site keep every response as it was sent.

Each crawl runs the real CLI in a child process against ``tests/incremental_site.py``, into
one SQLite archive. Between them one article gets new text and another is deleted (404);
the second crawl re-checks everything (``--recheck-all``): 304s for the unchanged
articles, a 200 for the changed one, a 404 for the deleted one. The server's log says what
it answered; the expected bodies are computed from the site's own state during each crawl.
"""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
from sqlalchemy.orm import Session

from archive_db.engine import readonly_engine
from archive_db.writes import payload_body, payload_digest
from cli import EXIT_OK
from parsers import PARSER_VERSION
from tests.incremental_site import ChangingSite, Hit, serve_changing_site

ROOT = Path(__file__).resolve().parents[2]
CLI = "import sys, cli; sys.exit(cli.main(sys.argv[1:]))"
# RobotsTxtMiddleware's own fetch of robots.txt never reaches the spider: not captured
# (the spider's fetch of it, for its Sitemap lines, is).
UNCAPTURED = Counter({("/robots.txt", 200): 1})


@dataclass
class CapturedCrawl:
    run_id: int
    hits: list[Hit]
    sent: dict[tuple[str, int], bytes]  # what the server sent for each (path, status)
    counts: dict[str, Any]


@dataclass
class Crawls:
    site: ChangingSite
    db: Path
    runs: list[CapturedCrawl]
    changed: str
    deleted: str

    def query(self, sql: str, *params: Any) -> list[tuple[Any, ...]]:
        with sqlite3.connect(f"file:{self.db}?mode=ro", uri=True) as connection:
            return connection.execute(sql, params).fetchall()

    def body(self, payload_id: int) -> bytes:
        engine = readonly_engine(str(self.db))
        try:
            with Session(engine) as session:
                return payload_body(session, payload_id)
        finally:
            engine.dispose()

    def captures(self, run: CapturedCrawl) -> list[tuple[int, str, int, bytes, str]]:
        """(id, path, status, body, compression) of the run's captures."""
        rows = self.query(
            "SELECT capture.id, capture.url, capture.status, payload.id, payload.compression"
            " FROM capture JOIN payload ON payload.id = capture.payload_id"
            " WHERE capture.crawl_run_id = ? ORDER BY capture.id",
            run.run_id,
        )
        return [
            (capture_id, urlsplit(url).path, status, self.body(payload_id), compression)
            for capture_id, url, status, payload_id, compression in rows
        ]


def body_sent(site: ChangingSite, hit: Hit) -> bytes:
    """What tests/incremental_site.py answered `hit` with (the site unchanged since)."""
    base = site.base_url.encode()
    if hit.status == 304:
        return b""
    if hit.path in site.gone:
        return b"gone"
    story = next((story for story in site.stories if story.path == hit.path), None)
    if story is not None:
        return story.html().replace(b"{base}", base)
    route = site.routes().get(hit.path)
    return b"not found" if route is None else route[1].replace(b"{base}", base)


def crawl(site: ChangingSite, db: Path, *extra: str) -> CapturedCrawl:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    completed = subprocess.run(
        [
            sys.executable, "-c", CLI, "crawl", site.base_url + "/", "--db", str(db),
            "--delay", "0", "--parse-processes", "0", "--log-level", "WARNING", *extra,
        ],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=120, check=False,
    )  # fmt: skip
    assert completed.returncode == EXIT_OK, completed.stderr[-3000:]
    hits = site.take_hits()
    with sqlite3.connect(f"file:{db}?mode=ro", uri=True) as connection:
        run_id, counts = connection.execute(
            "SELECT id, counts FROM crawl_run ORDER BY id DESC LIMIT 1"
        ).fetchone()
    sent = {(hit.path, hit.status): body_sent(site, hit) for hit in hits}
    return CapturedCrawl(run_id, hits, sent, json.loads(counts))


@pytest.fixture(scope="module")
def crawls(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Crawls]:
    db = tmp_path_factory.mktemp("captures") / "archive.sqlite"
    with serve_changing_site() as site:
        first = crawl(site, db)
        changed, deleted = site.stories[1].path, site.stories[2].path
        site.change(changed)
        site.delete(deleted, 404)
        second = crawl(site, db, "--recheck-all")
        yield Crawls(site, db, [first, second], changed, deleted)


def test_every_response_the_server_sent_has_a_capture(crawls: Crawls) -> None:
    for run in crawls.runs:
        answered = Counter((hit.path, hit.status) for hit in run.hits)
        captured = Counter((path, status) for _, path, status, _, _ in crawls.captures(run))
        assert answered - captured == UNCAPTURED
        assert captured - answered == Counter()
    statuses = {status for _, _, status, _, _ in crawls.captures(crawls.runs[1])}
    assert {200, 304, 404} <= statuses


def test_each_capture_holds_the_bytes_the_server_sent(crawls: Crawls) -> None:
    for run in crawls.runs:
        for _, path, status, body, compression in crawls.captures(run):
            assert compression == "zstd"
            assert body == run.sent[path, status], (path, status)
    deleted = [c for c in crawls.captures(crawls.runs[1]) if c[1] == crawls.deleted]
    assert [(status, body) for _, _, status, body, _ in deleted] == [(404, b"gone")]


def test_the_second_crawl_adds_captures_but_stores_only_the_bodies_that_changed(
    crawls: Crawls,
) -> None:
    first, second = crawls.runs
    first_bodies = {body for *_, body, _ in crawls.captures(first)}
    second_bodies = {body for *_, body, _ in crawls.captures(second)}
    new_bodies = second_bodies - first_bodies
    assert len(crawls.captures(second)) == second.counts["archive/captures"] > 0
    assert second.counts["archive/payloads_new"] == len(new_bodies)
    sizes = crawls.query(
        "SELECT payload.digest, payload.size FROM payload WHERE payload.id IN "
        "(SELECT payload_id FROM capture WHERE crawl_run_id = ?) AND payload.id NOT IN "
        "(SELECT payload_id FROM capture WHERE crawl_run_id = ?)",
        second.run_id,
        first.run_id,
    )
    assert {digest for digest, _ in sizes} == {payload_digest(body) for body in new_bodies}
    # What changed: the changed article, the sitemap (its lastmod) and the listings that
    # named the deleted article; the unchanged articles came back as 304s, stored as none.
    assert (
        crawls.site.story(crawls.changed).html().replace(b"{base}", crawls.site.base_url.encode())
        in new_bodies
    )
    stored_first = sum(size for (size,) in crawls.query("SELECT size FROM payload")) - sum(
        size for _, size in sizes
    )
    assert sum(size for _, size in sizes) < stored_first / 2


def test_versions_name_their_origin_parser_and_the_capture_of_their_page(crawls: Crawls) -> None:
    rows = crawls.query(
        "SELECT article.url, article_version.number, article_version.origin,"
        " article_version.parser_version, article_version.crawl_run_id,"
        " capture.url, capture.status, capture.crawl_run_id, payload.id"
        " FROM article_version JOIN article ON article.id = article_version.article_id"
        " JOIN capture ON capture.id = article_version.capture_id"
        " JOIN payload ON payload.id = capture.payload_id"
    )
    (versions,) = crawls.query("SELECT count(*) FROM article_version")[0]
    assert len(rows) == versions == 20 + 1  # twenty articles, one of them changed
    first, second = crawls.runs
    for url, number, origin, parser, run_id, captured_url, status, capture_run, payload_id in rows:
        assert (origin, parser) == ("crawl", PARSER_VERSION)
        assert captured_url == url and status == 200 and capture_run == run_id
        run = first if run_id == first.run_id else second
        assert crawls.body(payload_id) == run.sent[urlsplit(url).path, 200]
        assert (number == 2) == (urlsplit(url).path == crawls.changed and run is second)
