"""Parsing in worker processes (spiders/parse_ahead.py) changes nothing in the archive.

Each crawl is `newsarchive demo` in a child process, with --parse-processes set; the demo
site's articles are then read back from the archive file with plain sqlite3.
"""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest

from demo.server import free_port
from demo.site import build_site
from spiders.parse_ahead import MAX_DEATHS_UNANSWERED
from tests.spiders.parse_ahead_faults import FAULTY_PATH

ROOT = Path(__file__).resolve().parents[2]
PUBLIC_ARTICLES = len(build_site("http://127.0.0.1:1").public_articles)
CLI = "import sys, cli; sys.exit(cli.main(sys.argv[1:]))"


def patched(fault: str) -> str:
    """The CLI with the parser replaced by a fault of parse_ahead_faults, in the callback
    (parse_article) and in the workers (parse_article_and_links)."""
    return (
        "import parsers, tests.spiders.parse_ahead_faults as faults\n"
        f"parsers.parse_article = faults.{fault}\n"
        f"parsers.parse_article_and_links = faults.{fault}_with_links\n{CLI}"
    )


def demo_command(db: Path, processes: int, code: str = CLI, port: int = 0) -> list[str]:
    return [
        sys.executable, "-c", code, "demo", "--port", str(port), "--db", str(db),
        "--concurrency", "8", "--parse-processes", str(processes),
    ]  # fmt: skip


def run_demo(
    db: Path, processes: int, code: str = CLI, port: int = 0
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        demo_command(db, processes, code, port),
        capture_output=True,
        text=True,
        timeout=240,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
        cwd=ROOT,
    )


def query(db: Path, sql: str) -> list[tuple[Any, ...]]:
    connection = sqlite3.connect(db)
    try:
        return connection.execute(sql).fetchall()
    finally:
        connection.close()


def crawl_counts(db: Path) -> dict[str, int]:
    [(counts,)] = query(db, "SELECT counts FROM crawl_run")
    return json.loads(counts)


def archived(db: Path) -> dict[str, tuple[Any, ...]]:
    """Every article's extracted fields by URL path."""
    rows = query(
        db,
        "SELECT url, title, published, modified, summary, body, language, section, "
        "authors_text, tags_text, content_hash FROM article",
    )
    return {url.split("/", 3)[3]: tuple(rest) for url, *rest in rows}


def link_counts(counts: dict[str, int]) -> dict[str, int]:
    """What the crawl found to follow and fetched: the same wherever its pages were read."""
    return {
        key: value
        for key, value in counts.items()
        if key.startswith(("links/", "spider/documents/")) or key == "response_received_count"
    }


def test_records_parsed_in_workers_equal_those_parsed_in_the_crawl(tmp_path: Path) -> None:
    inline, ahead = tmp_path / "inline.sqlite", tmp_path / "ahead.sqlite"
    port = free_port()  # one port for both: URLs are in the records, and in their hashes
    assert run_demo(inline, 0, port=port).returncode == 0
    assert run_demo(ahead, 2, port=port).returncode == 0
    assert len(archived(ahead)) == PUBLIC_ARTICLES
    assert archived(ahead) == archived(inline)
    assert "parse_ahead/pages" not in crawl_counts(inline)
    # Every article candidate fetched was parsed ahead (not-articles included).
    counts = crawl_counts(ahead)
    assert counts["parse_ahead/pages"] >= PUBLIC_ARTICLES
    assert "parse_ahead/worker_errors" not in counts
    # The links workers read from article pages lead the crawl exactly where its own would.
    assert link_counts(counts) == link_counts(crawl_counts(inline))
    assert link_counts(counts)["links/article"] >= PUBLIC_ARTICLES


def test_a_parser_error_in_a_worker_is_recorded_for_its_page_alone(tmp_path: Path) -> None:
    db = tmp_path / "archive.sqlite"
    result = run_demo(db, 1, patched("raises_on_one_page"))
    assert result.returncode == 0, result.stderr[-2000:]
    failures = query(db, "SELECT url, reason FROM fetch_failure WHERE reason LIKE 'Parse error%'")
    assert [(url.split("/", 3)[3], reason) for url, reason in failures] == [
        (FAULTY_PATH.lstrip("/"), "Parse error: RecursionError: maximum recursion depth exceeded")
    ]
    assert len(archived(db)) == PUBLIC_ARTICLES - 1
    assert crawl_counts(db)["parse_ahead/worker_errors"] == 1


def test_a_worker_that_dies_is_replaced_and_no_article_is_lost(tmp_path: Path) -> None:
    db = tmp_path / "archive.sqlite"
    result = run_demo(db, 1, patched("worker_dies_on_one_page"))
    assert result.returncode == 0, result.stderr[-2000:]
    assert len(archived(db)) == PUBLIC_ARTICLES
    assert query(db, "SELECT count(*) FROM fetch_failure WHERE reason LIKE 'Parse error%'") == [
        (0,)
    ]
    assert crawl_counts(db)["parse_ahead/pool_restarts"] >= 1
    assert "Traceback" not in result.stderr


def children_of(pid: int) -> set[int]:
    """The live processes whose parent is `pid` (from /proc)."""
    found = set()
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == pid and fields[0] != "Z":
            found.add(int(entry.name))
    return found


def alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


@pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="needs Linux's /proc")
def test_workers_exit_when_the_crawl_is_killed(tmp_path: Path) -> None:
    crawl = subprocess.Popen(
        demo_command(tmp_path / "archive.sqlite", 2),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
        cwd=ROOT,
    )
    try:
        deadline = time.monotonic() + 60
        workers: set[int] = set()
        while len(workers) < 2 and time.monotonic() < deadline and crawl.poll() is None:
            workers = children_of(crawl.pid)  # the pool's two parser processes
            time.sleep(0.05)
        assert len(workers) >= 2, "the crawl never started its parser processes"
        crawl.send_signal(signal.SIGKILL)
        crawl.wait(timeout=30)
        deadline = time.monotonic() + 15
        while any(alive(pid) for pid in workers) and time.monotonic() < deadline:
            time.sleep(0.1)
        assert not [pid for pid in workers if alive(pid)], "parser processes outlived the crawl"
    finally:
        if crawl.poll() is None:
            crawl.kill()
            crawl.wait()


def test_workers_that_cannot_start_are_given_up_and_the_crawl_parses_itself(
    tmp_path: Path,
) -> None:
    db = tmp_path / "archive.sqlite"
    broken = f"import spiders.parse_ahead as ahead\nahead.WORKER_MODULE = 'no.such.module'\n{CLI}"
    result = run_demo(db, 2, broken)
    assert result.returncode == 0, result.stderr[-2000:]
    assert len(archived(db)) == PUBLIC_ARTICLES
    counts = crawl_counts(db)
    assert "parse_ahead/pages" not in counts
    assert counts["parse_ahead/pool_restarts"] <= MAX_DEATHS_UNANSWERED
    assert "died before parsing a page; the crawl parses pages itself" in result.stderr
