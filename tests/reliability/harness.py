"""What the reliability tests share: the real CLI in a child process, and archive checks.

Crawls run as `newsarchive crawl URL --db FILE --delay 0` in child processes, as a user or
cron runs them, so that they can be killed and run side by side. The archive is checked
with plain sqlite3, independently of the code under test.
"""

from __future__ import annotations

import os
import re
import sqlite3
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import urlsplit

ROOT = Path(__file__).resolve().parents[2]

# `newsarchive ARGS...` in a child process. The first argument is the archive batch size:
# the CLI has no option for ARCHIVE_BATCH_SIZE, so the child sets the project setting
# before the CLI reads the settings module (small batches: a commit every few articles).
LAUNCHER = (
    "import sys, settings\n"
    "if sys.argv[1]: settings.ARCHIVE_BATCH_SIZE = int(sys.argv[1])\n"
    "import cli\n"
    "sys.exit(cli.main(sys.argv[2:]))\n"
)

# What SQLite says when a process waited too long for another (SQLITE_BUSY, SQLITE_LOCKED).
LOCKED = re.compile(r"database (table |schema )?is (locked|busy)", re.IGNORECASE)
# On stderr, where no article text goes, any mention of "busy" or a traceback is a failure.
STDERR_ALARMS = re.compile(r"\bbusy\b|Traceback", re.IGNORECASE)


def cli_command(*args: str, batch_size: int | None = None) -> list[str]:
    return [sys.executable, "-c", LAUNCHER, "" if batch_size is None else str(batch_size), *args]


def child_env() -> dict[str, str]:
    return {**os.environ, "PYTHONPATH": str(ROOT), "NEWSARCHIVE_DB": ""}


def start_cli(*args: str, batch_size: int | None = None) -> subprocess.Popen[str]:
    """Start `newsarchive ARGS...` with its stdout and stderr captured."""
    return subprocess.Popen(
        cli_command(*args, batch_size=batch_size),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=child_env(),
        cwd=ROOT,
    )


def run_cli(*args: str, batch_size: int | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        cli_command(*args, batch_size=batch_size),
        capture_output=True,
        text=True,
        timeout=120,
        env=child_env(),
        cwd=ROOT,
    )


def crawl_args(base_url: str, db: Path, *, concurrency: int = 4) -> tuple[str, ...]:
    return (
        "crawl",
        base_url + "/",
        "--db",
        str(db),
        "--delay",
        "0",
        "--concurrency",
        str(concurrency),
    )


def read_only(db: Path) -> sqlite3.Connection:
    """A connection that reads one snapshot per transaction and never writes."""
    connection = sqlite3.connect(f"file:{db}?mode=ro", uri=True, isolation_level=None, timeout=10)
    connection.execute("PRAGMA query_only=ON")
    return connection


def archived_hashes(connection: sqlite3.Connection) -> dict[str, str]:
    """archive key -> content hash of every committed article."""
    return dict(connection.execute("SELECT archive_key, content_hash FROM article"))


def health_problems(db: Path) -> list[str]:
    """What is wrong with the archive file: SQLite's own checks, the FTS index, foreign keys.

    Opens the file for writing (after a crash, the first connection rolls the WAL back to
    its last commit, as the next crawl would), but writes nothing.
    """
    problems: list[str] = []
    connection = sqlite3.connect(db, isolation_level=None, timeout=10)
    try:
        integrity = [row[0] for row in connection.execute("PRAGMA integrity_check")]
        if integrity != ["ok"]:
            problems.append(f"integrity_check: {integrity[:5]}")
        violations = connection.execute("PRAGMA foreign_key_check").fetchall()
        if violations:
            problems.append(f"foreign_key_check: {violations[:5]}")
        tables = sorted(
            name
            for (name,) in connection.execute("SELECT name FROM sqlite_master WHERE type = 'table'")
        )
        if not tables:
            return problems  # killed before the schema was committed: an empty archive
        if (
            "alembic_version" not in tables
            or not connection.execute("SELECT version_num FROM alembic_version").fetchall()
        ):
            return [*problems, f"a half-built schema (tables but no revision): {tables}"]
        try:
            # rank 1: also compare the index with the `article` rows it indexes.
            connection.execute(
                "INSERT INTO article_fts (article_fts, rank) VALUES ('integrity-check', 1)"
            )
        except sqlite3.DatabaseError as error:
            problems.append(f"article_fts integrity-check: {error}")
        skipped = connection.execute(
            "SELECT a.id, a.current_version, count(v.id), max(v.number) FROM article a "
            "LEFT JOIN article_version v ON v.article_id = a.id GROUP BY a.id "
            "HAVING count(v.id) != a.current_version OR max(v.number) != a.current_version"
        ).fetchall()
        if skipped:
            problems.append(f"articles whose versions do not add up: {skipped[:5]}")
    finally:
        connection.close()
    return problems


def stored_paths(db: Path) -> list[str]:
    """The URL paths of the archived articles, one per article row, sorted."""
    connection = read_only(db)
    try:
        keys = [key for (key,) in connection.execute("SELECT archive_key FROM article")]
    finally:
        connection.close()
    return sorted(urlsplit(key).path for key in keys)


def lock_complaints(result: subprocess.CompletedProcess[str]) -> list[str]:
    """Lines of a command's output that say it met a locked or busy database, or crashed.

    stdout carries article text (which may well say "busy"), so there only SQLite's own
    words count.
    """
    return [line for line in result.stdout.splitlines() if LOCKED.search(line)] + [
        line
        for line in result.stderr.splitlines()
        if LOCKED.search(line) or STDERR_ALARMS.search(line)
    ]


# --- a site that takes its time ---------------------------------------------------------

ARTICLES_PER_LISTING = 10
STORY = (
    "{title} was the talk of Tuesday's meeting of the borough council, where councillors "
    "heard from residents, officers and campaigners for more than two hours.",
    "Officials said figures published this week showed a clear change compared with the "
    "same period last year, but warned that one quarter of data was too little to judge.",
    "Opposition members asked for an independent review, and for the full report to be "
    "published before the next meeting so that residents could read the evidence.",
)


@dataclass
class PacedSite:
    """A news site on 127.0.0.1 whose article pages each take `delay` seconds to answer,
    so that a crawl of it lasts long enough to be stopped midway; it logs every request."""

    articles: int
    delay: float
    base_url: str = ""
    requests: list[str] = field(default_factory=list)  # paths, in order of arrival
    lock: threading.Lock = field(default_factory=threading.Lock)

    @property
    def article_paths(self) -> list[str]:
        return [self.article_path(number) for number in range(self.articles)]

    @staticmethod
    def article_path(number: int) -> str:
        return f"/news/2026/05/{number % 28 + 1:02d}/council-story-{number}/"

    def listing_count(self) -> int:
        return -(-self.articles // ARTICLES_PER_LISTING)

    def fetched(self) -> list[str]:
        with self.lock:
            return list(self.requests)

    def page(self, path: str) -> bytes | None:
        """The page at `path`, None for a 404."""
        if path == "/robots.txt":
            return b"User-agent: *\nAllow: /\n"
        if path == "/":
            links = [f"/news/page/{page}/" for page in range(1, self.listing_count() + 1)]
            return html(
                "Latest news", "".join(f'<p><a href="{link}">More</a></p>' for link in links)
            )
        if match := re.fullmatch(r"/news/page/(\d+)/", path):
            first = (int(match[1]) - 1) * ARTICLES_PER_LISTING
            numbers = range(first, min(first + ARTICLES_PER_LISTING, self.articles))
            return html(
                "News",
                "".join(
                    f'<h2><a href="{self.article_path(n)}">Council story {n}</a></h2>'
                    for n in numbers
                ),
            )
        if match := re.fullmatch(r"/news/2026/05/(\d\d)/council-story-(\d+)/", path):
            number = int(match[2])
            if number >= self.articles or path != self.article_path(number):
                return None
            time.sleep(self.delay)
            title = f"Council story {number}"
            paragraphs = "".join(f"<p>{text.format(title=title)}</p>" for text in STORY)
            head = (
                f'<link rel="canonical" href="{self.base_url}{path}">'
                '<meta property="og:type" content="article">'
                f'<meta property="article:published_time" content="2026-05-{match[1]}T08:30:00Z">'
            )
            return html(title, f"<article><h1>{title}</h1>{paragraphs}</article>", head=head)
        return None


def html(title: str, body: str, *, head: str = "") -> bytes:
    return (
        f'<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>{title}</title>'
        f"{head}</head><body><main>{body}</main></body></html>"
    ).encode()


class PacedHandler(BaseHTTPRequestHandler):
    site: PacedSite
    protocol_version = "HTTP/1.0"

    def log_message(self, format: str, *args: object) -> None:  # keep test output quiet
        return

    def do_GET(self) -> None:
        path = urlsplit(self.path).path
        with self.site.lock:
            self.site.requests.append(path)
        body = self.site.page(path)
        self.send_response(404 if body is None else 200)
        self.send_header("Content-Type", "text/plain" if path == "/robots.txt" else "text/html")
        body = body or b"not found"
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        try:
            self.wfile.write(body)
        except (BrokenPipeError, ConnectionResetError):  # a crawl killed mid-answer
            return


@contextmanager
def serve_paced_site(*, articles: int = 60, delay: float = 0.05) -> Iterator[PacedSite]:
    """Serve a PacedSite on 127.0.0.1 (a free port) for the duration of the block."""
    site = PacedSite(articles=articles, delay=delay)
    handler = type("Handler", (PacedHandler,), {"site": site})
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    server.daemon_threads = True
    site.base_url = f"http://127.0.0.1:{server.server_address[1]}"
    thread = threading.Thread(target=server.serve_forever, name="paced-site", daemon=True)
    thread.start()
    try:
        yield site
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=10)
