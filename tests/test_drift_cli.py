"""End to end: a site changes its template, and `newsarchive crawl` says so.

A small news site on 127.0.0.1 publishes a new edition of articles for each crawl: first
with its full template (headline, date, byline, body), then with one that has lost its
dates and bylines. The crawls run the real CLI in a subprocess, as cron would.

To keep the test quick, the site's baseline is two crawl_run rows written directly into
the archive (dated the days before) plus one real crawl, not a handful of real crawls:
the judgement reads only the runs' health columns, which the real crawl shows are filled.
"""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from sqlalchemy.orm import Session

from archive_db.engine import make_engine
from archive_db.health import ExtractionCounts
from archive_db.migrations import upgrade_archive
from archive_db.writes import finish_crawl_run, start_crawl_run
from cli import EXIT_DRIFT, EXIT_OK
from profiles import profile_for_url

ROOT = Path(__file__).resolve().parents[1]
ARTICLES = 12  # an edition: enough for a run to be judged (health.MIN_ARTICLES is 10)
TOPICS = ("council", "library", "harbour", "school", "bridge", "market")
PARAGRAPH = (
    "Councillors heard from residents, officers and campaigners for more than two hours "
    "before the vote, and the chair said the figures would be published in full."
)


@dataclass
class Site:
    """What the server publishes now: an edition number and a template."""

    edition: int = 1
    full_template: bool = True

    def slug(self, n: int) -> str:
        return f"{TOPICS[n % len(TOPICS)]}-plans-approved-edition-{self.edition}-story-{n}"

    def home(self) -> str:
        links = "".join(
            f'<li><a href="/news/{self.slug(n)}/">Story {n}</a></li>' for n in range(ARTICLES)
        )
        return f"<html><head><title>Gazette</title></head><body><ul>{links}</ul></body></html>"

    def article(self, slug: str) -> str:
        title = slug.replace("-", " ").capitalize()
        # The page still says it is an article; only its date and byline are gone.
        head = f'<title>{title} | Gazette</title><meta property="og:type" content="article">'
        byline = ""
        if self.full_template:
            head += (
                '<meta property="article:published_time" content="2024-05-01T09:00:00+00:00">'
                '<meta name="author" content="Kate Jones">'
            )
            byline = '<p class="byline">By Kate Jones</p>'
        body = "".join(f"<p>{PARAGRAPH}</p>" for _ in range(3))
        return (
            f"<html><head>{head}</head><body><article><h1>{title}</h1>{byline}"
            f"<div class='entry-content'>{body}</div></article></body></html>"
        )


class Handler(BaseHTTPRequestHandler):
    site: Site

    def do_GET(self) -> None:
        path = self.path.split("?")[0]
        if path == "/":
            self.answer(200, self.site.home())
        elif path.startswith("/news/") and f"edition-{self.site.edition}-" in path:
            self.answer(200, self.site.article(path.strip("/").split("/")[-1]))
        else:
            self.answer(404, "<html><body>Not found</body></html>")

    def answer(self, status: int, html: str) -> None:
        body = html.encode()
        self.send_response(status)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: object) -> None:
        pass


@pytest.fixture
def site() -> Iterator[tuple[Site, str]]:
    with served_site() as served:
        yield served


@contextmanager
def served_site() -> Iterator[tuple[Site, str]]:
    """The site, served on 127.0.0.1, and its start URL."""
    state = Site()
    handler = type("SiteHandler", (Handler,), {"site": state})
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield state, f"http://127.0.0.1:{server.server_address[1]}/"
    finally:
        server.shutdown()
        server.server_close()
        thread.join()


def crawl(db: Path, url: str, *options: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [
            sys.executable,
            "-c",
            "import sys, cli; sys.exit(cli.main(sys.argv[1:]))",
            "crawl",
            url,
            "--db",
            str(db),
            "--delay",
            "0",
            "--parse-processes",
            "0",
            *options,
        ],
        capture_output=True,
        text=True,
        timeout=120,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
        cwd=ROOT,
    )


def write_baseline(db: Path, site_name: str, runs: int) -> None:
    """Earlier nightly runs of the site, every field on every article (see the docstring)."""
    engine = make_engine(str(db))
    upgrade_archive(engine)
    first = datetime.now(UTC) - timedelta(days=runs)
    with Session(engine) as session, session.begin():
        for day in range(runs):
            started = first + timedelta(days=day)
            run_id = start_crawl_run(session, arguments={}, site=site_name, started_at=started)
            finish_crawl_run(
                session,
                run_id,
                counts={},
                finish_reason="finished",
                finished_at=started + timedelta(minutes=2),
                extraction=ExtractionCounts(ARTICLES, ARTICLES, ARTICLES, ARTICLES, ARTICLES),
            )
    engine.dispose()


def latest_health(db: Path) -> tuple[object, ...]:
    with sqlite3.connect(f"file:{db}?mode=ro", uri=True) as connection:
        return connection.execute(
            "SELECT site, articles_parsed, with_title, with_published, with_authors, with_body"
            " FROM crawl_run ORDER BY started_at DESC, id DESC LIMIT 1"
        ).fetchone()


def drift_lines(stderr: str) -> list[str]:
    return [line for line in stderr.splitlines() if line.startswith("drift:")]


def test_a_template_change_is_reported_and_fails_the_crawl_only_when_asked(
    site: tuple[Site, str], tmp_path: Path
) -> None:
    state, url = site
    db = tmp_path / "archive.sqlite"
    name = profile_for_url(url).name  # a crawl of a bare URL runs under its host and port
    write_baseline(db, name, runs=2)

    normal = crawl(db, url)
    assert normal.returncode == EXIT_OK, normal.stderr[-3000:]
    assert drift_lines(normal.stderr) == []
    assert latest_health(db) == (name, ARTICLES, ARTICLES, ARTICLES, ARTICLES, ARTICLES)

    state.edition, state.full_template = 2, False
    changed = crawl(db, url)
    assert changed.returncode == EXIT_OK, changed.stderr[-3000:]  # as before: drift is news
    assert latest_health(db) == (name, ARTICLES, ARTICLES, 0, 0, ARTICLES)
    against = "against 100% in the last 3 runs — has the template changed?"
    assert drift_lines(changed.stderr) == [
        f"drift: {name}: published found on 0% of {ARTICLES} articles, {against}",
        f"drift: {name}: authors found on 0% of {ARTICLES} articles, {against}",
    ]

    state.edition = 3
    failing = crawl(db, url, "--fail-on-drift")
    assert failing.returncode == EXIT_DRIFT, failing.stderr[-3000:]
    # The baseline's median still says dated: one run without dates among four.
    assert len(drift_lines(failing.stderr)) == 2
