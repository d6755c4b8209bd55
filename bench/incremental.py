"""Incremental crawls: what a second (and third) crawl of an archived site downloads.

A generated site (``bench.sitegen``, 5,000 articles by default) is served by nginx (which
sends ETag and Last-Modified for its files and answers conditional requests with 304) from a
working copy of bench.sitegen's cached tree (hard links: the cache is never written to).
Four ``newsarchive crawl`` runs go into one fresh SQLite archive:

1. the first archives the site;
2. the second, on the unchanged site, should download only robots.txt, sitemaps, the feed
   and listing pages (the issue's goal: under 5% of the first crawl's pages);
3. before the third, ``--touch`` articles (50) get new text and a new sitemap ``<lastmod>``:
   it should archive each as a new version, downloading little more than them;
4. a fourth with ``--recheck-all`` asks for every archived article again, conditionally:
   what a full re-check costs when nothing changed (a 304 each).

Pages downloaded are Scrapy's own counts, from each crawl run's counts in the archive:
``downloader/response_count`` (every response, 304s and robots.txt included), with its 200s
and 304s apart, and ``downloader/response_bytes``.

    nice -n 10 .venv/bin/python -m bench.incremental --write docs/benchmarks.md
    .venv/bin/python -m bench.incremental --articles 1000          # a quick look
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from bench.report import command_line, how_it_was_run, publish
from bench.sitegen import GeneratedSite, ensure_site, page_file
from bench.static_server import serve_static

SECTION = "## Incremental crawl"
REPO = Path(__file__).resolve().parents[1]
CONCURRENCY = 16
GOAL_RATIO = 0.05  # the issue's: a second crawl downloads under 5% of the first's pages
# What the `newsarchive` console script runs, in a child process (one reactor per process).
CLI = "import sys, cli; sys.exit(cli.main(sys.argv[1:]))"
# The first paragraph of an article's body, in every template but the legacy one.
FIRST_PARAGRAPH = re.compile(rb'(entry-content">\s*<p>)')
CORRECTION = b"Correction: an earlier version of this article gave the wrong figures. "


@dataclass(frozen=True, slots=True)
class RunCounts:
    """One crawl run: pages downloaded and what the archive made of them."""

    name: str
    seconds: float
    responses: int  # downloader/response_count
    ok: int  # 200s
    not_modified: int  # 304s
    megabytes: float  # downloader/response_bytes, headers included
    inserted: int
    updated: int
    unchanged: int
    skipped: int  # links to archived pages not due (incremental/skipped)

    @classmethod
    def of(cls, name: str, seconds: float, counts: dict[str, int]) -> RunCounts:
        return cls(
            name=name,
            seconds=seconds,
            responses=counts.get("downloader/response_count", 0),
            ok=counts.get("downloader/response_status_count/200", 0),
            not_modified=counts.get("downloader/response_status_count/304", 0),
            megabytes=counts.get("downloader/response_bytes", 0) / 2**20,
            inserted=counts.get("archive/inserted", 0),
            updated=counts.get("archive/updated", 0),
            unchanged=counts.get("archive/unchanged", 0),
            skipped=counts.get("incremental/skipped", 0),
        )


def working_copy(site: GeneratedSite, into: Path) -> Path:
    """The site's web root, hard-linked into `into` (instant, no space): files to be changed
    are replaced (`replace_file`), never written through a link."""
    root = into / "site"
    shutil.copytree(site.root, root, copy_function=os.link)
    return root


def replace_file(path: Path, body: bytes) -> None:
    """Write `body` as a new file at `path`, leaving the linked original as it was."""
    path.unlink()
    path.write_bytes(body)


def touch_articles(site: GeneratedSite, root: Path, count: int) -> list[str]:
    """Give `count` articles, spread over the site, new text and a new sitemap lastmod;
    returns their paths."""
    paths = site.article_paths()
    step = max(1, len(paths) // (count * 2))
    touched: list[str] = []
    for path in paths[::step]:
        file = page_file(root, path)
        page = file.read_bytes()
        if not FIRST_PARAGRAPH.search(page):  # a legacy page: another template
            continue
        replace_file(file, FIRST_PARAGRAPH.sub(lambda m: m.group(1) + CORRECTION, page, 1))
        touched.append(path)
        if len(touched) == count:
            break
    lastmod = datetime.now(UTC).replace(microsecond=0).isoformat()
    wanted = set(touched)
    for sitemap in root.glob("sitemap-posts-*.xml"):
        text = sitemap.read_text(encoding="utf-8")

        def moved(match: re.Match[str]) -> str:
            loc = match.group(1)
            return f"<loc>{loc}</loc><lastmod>{lastmod if loc in wanted else match.group(2)}"

        replace_file(
            sitemap,
            re.sub(r"<loc>([^<]+)</loc><lastmod>([^<]+)", moved, text).encode("utf-8"),
        )
    return touched


def crawl(base_url: str, archive: Path, name: str, log: Path, *extra: str) -> RunCounts:
    command = [
        sys.executable, "-c", CLI, "crawl", f"{base_url}/", "--db", str(archive),
        "--delay", "0", "--concurrency", str(CONCURRENCY), *extra,
    ]  # fmt: skip
    started = time.monotonic()
    with log.open("wb") as out:
        status = subprocess.run(command, stdout=out, stderr=subprocess.STDOUT, cwd=REPO).returncode
    seconds = time.monotonic() - started
    if status not in (0, 5):  # 5: finished, with some pages failed
        raise SystemExit(f"newsarchive crawl failed (exit {status}); see {log}")
    connection = sqlite3.connect(f"file:{archive}?mode=ro", uri=True)
    try:
        (counts,) = connection.execute(
            "SELECT counts FROM crawl_run ORDER BY id DESC LIMIT 1"
        ).fetchone()
    finally:
        connection.close()
    result = RunCounts.of(name, seconds, json.loads(counts))
    print(f"  {name}: {result.responses:,} responses in {seconds:.0f} s", file=sys.stderr)
    return result


def measure(articles: int, touch: int) -> tuple[GeneratedSite, list[RunCounts], int]:
    site = ensure_site(articles)
    with tempfile.TemporaryDirectory(prefix="bench-incremental-") as scratch:
        workdir = Path(scratch)
        root = working_copy(site, workdir)
        archive = workdir / "archive.sqlite"
        with serve_static(root) as base_url:
            runs = [
                crawl(base_url, archive, "first", workdir / "first.log"),
                crawl(base_url, archive, "second (unchanged)", workdir / "second.log"),
            ]
            touched = touch_articles(site, root, touch)
            runs.append(
                crawl(base_url, archive, f"third ({len(touched)} touched)", workdir / "third.log")
            )
            runs.append(
                crawl(
                    base_url, archive, "fourth (--recheck-all)", workdir / "fourth.log",
                    "--recheck-all",
                )
            )  # fmt: skip
    return site, runs, len(touched)


def section_text(site: GeneratedSite, runs: list[RunCounts], touched: int, command: str) -> str:
    first, second, third, _ = runs
    rows = [
        "| crawl | pages downloaded | 200 | 304 | vs first | MB | new | new versions "
        "| unchanged | archived links skipped | seconds |",
        "|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for run in runs:
        rows.append(
            f"| {run.name} | {run.responses:,} | {run.ok:,} | {run.not_modified:,} "
            f"| {run.responses / first.responses:.1%} | {run.megabytes:.1f} | {run.inserted:,} "
            f"| {run.updated:,} | {run.unchanged:,} | {run.skipped:,} | {run.seconds:.0f} |"
        )
    ratio = second.responses / first.responses
    verdict = "**met**" if ratio < GOAL_RATIO else "**not met**"
    return "\n".join(
        [
            SECTION,
            "",
            f"Four `newsarchive crawl` runs into one archive of a generated site "
            f"(`bench/sitegen.py`, {site.articles:,} articles, {site.listing_pages:,} listing "
            f"pages, served by nginx on loopback) at {CONCURRENCY} concurrent requests, no "
            "delays, the default re-check policy (articles under 3 days old every crawl, "
            "older ones about every 30 days, or when their sitemap or feed date moves). "
            f"Before the third crawl, {touched} articles got new text and a new sitemap "
            "`<lastmod>`; the fourth re-checks every archived article (`--recheck-all`).",
            "",
            *rows,
            "",
            "pages downloaded: Scrapy's `downloader/response_count` from each crawl run's "
            "counts in the archive (every response: robots.txt, sitemaps, the feed, listing "
            "pages, articles; a 304 counts as one); MB: `downloader/response_bytes`. archived "
            "links skipped: links to archived articles that were not due, each time one was "
            "seen. seconds: the whole `newsarchive crawl` process.",
            "",
            "### Goal (incremental crawling)",
            "",
            f"- a second crawl of the unchanged site downloads under {GOAL_RATIO:.0%} of the "
            f"first's pages: {second.responses:,} of {first.responses:,} ({ratio:.1%}): "
            f"{verdict}",
            f"- the third crawl archives the {touched} touched articles as new versions: "
            f"{third.updated} new versions, {third.responses:,} pages downloaded",
            "",
            *how_it_was_run(
                command, ("scrapy", "sqlalchemy"), ("- server: nginx (bench/static_server.py)",)
            ),
        ]
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m bench.incremental",
        description="Pages a second and third newsarchive crawl download against the first.",
    )
    parser.add_argument("--articles", type=int, default=5000, help="site size (default 5000)")
    parser.add_argument("--touch", type=int, default=50, help="articles changed before run 3")
    parser.add_argument("--write", type=Path, metavar="FILE", help=f"rewrite {SECTION!r} of FILE")
    args = parser.parse_args(argv)
    site, runs, touched = measure(args.articles, args.touch)
    text = section_text(site, runs, touched, command_line("bench.incremental", argv))
    publish(text, SECTION, args.write)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
