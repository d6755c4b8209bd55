"""End to end: nightly `newsarchive crawl`s of a site that changes between them.

Each crawl runs the real CLI in a child process (Twisted's reactor starts once per process)
against ``tests/incremental_site.py``, into one SQLite archive:

1. the first crawl archives all twenty articles;
2. the second, on the unchanged site, fetches no article page at all, only robots.txt, the
   home page, the sitemaps, the feed and the first few pages of the section;
3. after one article is changed (new text and lastmod), two deleted (404 and 410) and one
   added, the third fetches the changed one (its sitemap date moved: version 2) and the
   new one, and leaves the deleted ones alone (nothing says they are due);
4. the fourth re-checks the new article (it is young) with If-None-Match: a 304, which
   moves its last check;
5. ``--recheck-all`` fetches every archived article, conditionally: 304s for the
   unchanged, and the deleted ones are marked gone, with their versions kept.
"""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from cli import EXIT_OK
from settings import BARREN_PAGE_LIMIT
from tests.incremental_site import PER_PAGE, ChangingSite, Hit, serve_changing_site

ROOT = Path(__file__).resolve().parents[2]
ARTICLE_COUNT = 20
# What the `newsarchive` console script runs, in a child process (one reactor per process).
CLI = "import sys, cli; sys.exit(cli.main(sys.argv[1:]))"


@dataclass
class Crawl:
    code: int
    hits: list[Hit]
    counts: dict[str, int]  # the crawl run's counts

    def article_hits(self) -> list[Hit]:
        return [hit for hit in self.hits if is_article(hit.path)]


@dataclass
class Crawls:
    site: ChangingSite
    db: Path
    runs: list[Crawl]
    changed: str
    deleted: dict[str, int]  # path -> status
    added: str
    checked_before: dict[str, str]  # path -> last_checked_at, read before the 4th crawl

    def query(self, sql: str, *params: Any) -> list[tuple[Any, ...]]:
        with sqlite3.connect(f"file:{self.db}?mode=ro", uri=True) as connection:
            return connection.execute(sql, params).fetchall()

    def article(self, path: str) -> dict[str, Any]:
        connection = sqlite3.connect(f"file:{self.db}?mode=ro", uri=True)
        connection.row_factory = sqlite3.Row
        try:
            row = connection.execute(
                "SELECT * FROM article WHERE url = ?", (self.site.base_url + path,)
            ).fetchone()
        finally:
            connection.close()
        assert row is not None, f"{path} is not in the archive"
        return dict(row)


def is_article(path: str) -> bool:
    """Article paths are /YYYY/MM/DD/slug/; listings are /, /news/ and /news/page/N/."""
    return path.count("/") == 5 and path[1:5].isdigit()


def crawl(site: ChangingSite, db: Path, *extra: str, exit_code: int = EXIT_OK) -> Crawl:
    """One `newsarchive crawl` of the site into `db`; `exit_code` is the one it must end with
    (EXIT_PARTIAL only when pages failed for reasons other than an article being deleted)."""
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    completed = subprocess.run(
        [
            sys.executable, "-c", CLI, "crawl", site.base_url + "/", "--db", str(db),
            "--delay", "0", "--parse-processes", "0", "--log-level", "WARNING", *extra,
        ],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=120, check=False,
    )  # fmt: skip
    with sqlite3.connect(f"file:{db}?mode=ro", uri=True) as connection:
        (counts,) = connection.execute(
            "SELECT counts FROM crawl_run ORDER BY id DESC LIMIT 1"
        ).fetchone()
    assert completed.returncode == exit_code, completed.stderr[-3000:]
    return Crawl(completed.returncode, site.take_hits(), json.loads(counts))


@pytest.fixture(scope="module")
def crawls(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Crawls]:
    db = tmp_path_factory.mktemp("incremental") / "archive.sqlite"
    with serve_changing_site() as site:
        runs = [crawl(site, db), crawl(site, db)]
        stories = site.stories
        changed, deleted_404, deleted_410 = stories[1].path, stories[2].path, stories[3].path
        site.change(changed)
        site.delete(deleted_404, 404)
        site.delete(deleted_410, 410)
        added = site.add("/2026/11/26/new-bridge-opens-to-walkers/", "New bridge opens").path
        runs.append(crawl(site, db))
        result = Crawls(site, db, runs, changed, {deleted_404: 404, deleted_410: 410}, added, {})
        result.checked_before = {
            path: result.article(path)["last_checked_at"] for path in (added, changed)
        }
        runs.append(crawl(site, db))
        # Exit 0: the only failures are the two deleted articles, which is no fault of the
        # crawl (they are marked gone), so it is not a partial failure.
        runs.append(crawl(site, db, "--recheck-all", exit_code=EXIT_OK))
        yield result


def test_first_crawl_archives_every_article_with_its_validators(crawls: Crawls) -> None:
    first = crawls.runs[0]
    assert first.counts["archive/inserted"] == ARTICLE_COUNT
    assert len(first.article_hits()) == ARTICLE_COUNT
    article = crawls.article(crawls.changed)
    assert article["etag"] and article["etag"].startswith('"')
    assert article["http_last_modified"].endswith("GMT")
    assert article["listed_modified_at"] is not None  # the sitemap's lastmod
    assert article["last_checked_at"] is not None


def test_second_crawl_of_an_unchanged_site_fetches_no_article_page(crawls: Crawls) -> None:
    second = crawls.runs[1]
    assert second.article_hits() == []
    paths = {hit.path for hit in second.hits}
    section = {path for path in paths if path.startswith("/news/")}
    assert paths - section == {"/robots.txt", "/", "/sitemap.xml", "/sitemap-posts.xml", "/feed/"}
    # Pages listing only archived articles are barren: the section is followed a few pages
    # deep, not to its end. (/news/ itself has the shape of a page that may be an article,
    # a candidate, so the home page linking it is not barren; /news/ is the first that is.)
    all_section_pages = -(-ARTICLE_COUNT // PER_PAGE)
    assert section == {"/news/", *(f"/news/page/{n}/" for n in range(2, BARREN_PAGE_LIMIT + 2))}
    assert len(section) < all_section_pages
    assert second.counts["incremental/skipped"] >= ARTICLE_COUNT
    assert "archive/inserted" not in second.counts
    assert "archive/updated" not in second.counts


def test_a_changed_article_found_by_its_sitemap_date_becomes_version_2(crawls: Crawls) -> None:
    third = crawls.runs[2]
    fetched = {hit.path: hit for hit in third.article_hits()}
    assert set(fetched) == {crawls.changed, crawls.added}
    # Re-checked conditionally, and the site answered with the new text.
    assert fetched[crawls.changed].if_none_match is not None
    assert fetched[crawls.changed].status == 200
    assert third.counts["incremental/due/listed_later"] == 1
    article = crawls.article(crawls.changed)
    assert article["current_version"] == 2
    versions = crawls.query(
        "SELECT number, record FROM article_version WHERE article_id = ? ORDER BY number",
        article["id"],
    )
    assert [number for number, _ in versions] == [1, 2]
    assert "edition 1 " in json.loads(versions[0][1])["body"]
    assert "edition 2 " in json.loads(versions[1][1])["body"]
    assert third.counts["archive/updated"] == 1


def test_a_new_article_is_archived_and_deleted_ones_are_left_until_due(crawls: Crawls) -> None:
    third = crawls.runs[2]
    assert third.counts["archive/inserted"] == 1
    assert crawls.article(crawls.added)["current_version"] == 1
    fetched = {hit.path for hit in third.hits}
    assert not fetched & set(crawls.deleted)


def test_a_young_article_is_rechecked_conditionally_and_a_304_moves_its_check(
    crawls: Crawls,
) -> None:
    fourth = crawls.runs[3]
    (hit,) = fourth.article_hits()
    assert hit.path == crawls.added
    assert hit.if_none_match == crawls.site.story(crawls.added).etag()
    assert hit.if_modified_since is not None
    assert hit.status == 304
    assert fourth.counts["incremental/due/young"] == 1
    assert fourth.counts["incremental/not_modified"] == 1
    assert fourth.counts["archive/not_modified"] == 1
    article = crawls.article(crawls.added)
    assert article["last_checked_at"] > crawls.checked_before[crawls.added]
    assert article["current_version"] == 1
    # The changed article's new sitemap date was stored: not due again.
    assert crawls.article(crawls.changed)["current_version"] == 2


def test_recheck_all_fetches_every_article_conditionally(crawls: Crawls) -> None:
    fifth = crawls.runs[4]
    hits = fifth.article_hits()
    archived = {url for (url,) in crawls.query("SELECT url FROM article")}
    assert {crawls.site.base_url + hit.path for hit in hits} == archived
    assert len(hits) == ARTICLE_COUNT + 1
    assert all(hit.if_none_match for hit in hits)
    statuses = {hit.path: hit.status for hit in hits}
    assert {path: statuses[path] for path in crawls.deleted} == crawls.deleted
    assert sorted(set(statuses.values())) == [304, 404, 410]
    assert fifth.counts["archive/not_modified"] == ARTICLE_COUNT + 1 - 2
    assert fifth.counts["archive/gone"] == 2


def test_a_deleted_article_is_marked_gone_and_kept_with_its_versions(crawls: Crawls) -> None:
    for path, status in crawls.deleted.items():
        article = crawls.article(path)
        assert article["gone_status"] == status
        assert article["gone_at"] is not None
        assert article["body"]
        (versions,) = crawls.query(
            "SELECT count(*) FROM article_version WHERE article_id = ?", article["id"]
        )[0]
        assert versions == 1
    assert crawls.article(crawls.changed)["gone_at"] is None
    (count,) = crawls.query("SELECT count(*) FROM article")[0]
    assert count == ARTICLE_COUNT + 1
