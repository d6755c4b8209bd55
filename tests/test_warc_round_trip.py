"""A crawl's raw captures survive the round trip through a WARC file: crawl a local site,
export its captures, check the file with warcio, import it into a new archive with no
network, and find the same articles with the same content.

Each command runs the real CLI in a child process (Twisted's reactor starts once per
process); the site is ``tests/incremental_site.py`` on 127.0.0.1, stopped before the
import, so an import that reached for the network would fail.
"""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
from pathlib import Path

from tests.incremental_site import serve_changing_site

ROOT = Path(__file__).resolve().parents[1]
CLI = "import sys, cli; sys.exit(cli.main(sys.argv[1:]))"


def newsarchive(*args: str) -> subprocess.CompletedProcess[str]:
    env = {key: value for key, value in os.environ.items() if not key.startswith("NEWSARCHIVE")}
    return subprocess.run(
        [sys.executable, "-c", CLI, *args],
        env={**env, "PYTHONPATH": str(ROOT)},
        capture_output=True,
        text=True,
        timeout=180,
    )


def articles(db: Path) -> dict[str, tuple[str, str]]:
    """archive key -> (title, content hash)."""
    with sqlite3.connect(f"file:{db}?mode=ro", uri=True) as connection:
        rows = connection.execute("SELECT archive_key, title, content_hash FROM article")
        return {key: (title, digest) for key, title, digest in rows}


def origins(db: Path) -> set[str]:
    with sqlite3.connect(f"file:{db}?mode=ro", uri=True) as connection:
        return {origin for (origin,) in connection.execute("SELECT origin FROM article_version")}


def test_a_crawl_exported_as_warc_imports_into_the_same_articles(tmp_path: Path) -> None:
    crawled, imported, warc = tmp_path / "a.sqlite", tmp_path / "b.sqlite", tmp_path / "a.warc.gz"
    with serve_changing_site() as site:
        crawl = newsarchive("crawl", site.base_url + "/", "--db", str(crawled), "--delay", "0")
        assert crawl.returncode == 0, crawl.stderr[-3000:]
    exported = newsarchive("warc", "export", "--db", str(crawled), "-o", str(warc))
    assert exported.returncode == 0, exported.stderr[-3000:]
    check = subprocess.run(
        [str(Path(sys.executable).with_name("warcio")), "check", str(warc)],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert check.returncode == 0, check.stdout + check.stderr

    imported_run = newsarchive("warc", "import", str(warc), "--db", str(imported))
    assert imported_run.returncode == 0, imported_run.stderr[-3000:]

    assert len(articles(crawled)) == len(site.stories)
    assert articles(imported) == articles(crawled)
    assert origins(imported) == {"warc-import"}
    again = newsarchive("warc", "import", str(warc), "--db", str(imported))
    assert again.returncode == 0, again.stderr[-3000:]
    with sqlite3.connect(f"file:{imported}?mode=ro", uri=True) as connection:
        (versions,) = connection.execute("SELECT count(*) FROM article_version").fetchone()
    assert versions == len(site.stories)  # a second import of the same file adds none
