"""End-to-end crawl throughput and memory, against Scrapy's own ceiling, in one run.

For each size of generated site (``bench.sitegen``, served by nginx through
``bench.static_server``), two crawls one after the other, each in its own process:

- the no-op spider (``bench.noop_spider``): the same links followed, nothing kept;
- ``newsarchive crawl`` into a fresh SQLite archive, politeness delays off.

Each reports pages per second over its engine's time (Scrapy's start to close) and over the
whole process (imports and archive set-up included), and its peak resident memory. After
each newsarchive crawl the archive is checked against the site's expected records.

    .venv/bin/python -m bench.crawl --write docs/benchmarks.md        # 1,000 / 10,000 / 50,000
    .venv/bin/python -m bench.crawl --articles 1000 --rounds 1        # a quick look
"""

from __future__ import annotations

import argparse
import json
import sqlite3
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

import psutil

from bench.report import command_line, how_it_was_run, publish
from bench.sitegen import GeneratedSite, ensure_site
from bench.static_server import serve_static

SECTION = "## Crawl"
REPO = Path(__file__).resolve().parents[1]
PYTHON = sys.executable
CONCURRENCY = 16
# The goals: end-to-end at >= 70% of the no-op spider; peak memory at the largest
# site within 20% of the smallest, and under 400 MB.
GOAL_RATIO = 0.70
GOAL_MEMORY_GROWTH = 1.20
GOAL_MEMORY_MB = 400
SAMPLE_SECONDS = 0.1


@dataclass(frozen=True, slots=True)
class CrawlMeasure:
    """One crawl process: pages fetched, its engine's and its process's seconds, peak RSS."""

    pages: int
    engine_seconds: float
    process_seconds: float
    peak_mb: float

    @property
    def pages_per_second(self) -> float:
        return self.pages / self.engine_seconds

    @property
    def process_pages_per_second(self) -> float:
        return self.pages / self.process_seconds


@dataclass(frozen=True, slots=True)
class SizeResult:
    articles: int
    noop: CrawlMeasure
    ours: CrawlMeasure
    archived: int
    expected_found: int

    @property
    def ratio(self) -> float:
        return self.ours.pages_per_second / self.noop.pages_per_second


def run_measured(command: list[str], stdout_path: Path) -> tuple[float, float, int]:
    """Run `command`; its wall-clock seconds, peak memory in MB, and exit status.

    Peak memory: the largest sum of resident memory over the process and its children
    (newsarchive's parser processes), sampled every `SAMPLE_SECONDS`.
    """
    started = time.monotonic()
    peak = 0
    with stdout_path.open("wb") as stdout:
        process = subprocess.Popen(command, stdout=stdout, stderr=subprocess.DEVNULL, cwd=REPO)
        watched = psutil.Process(process.pid)
        while process.poll() is None:
            peak = max(peak, tree_rss(watched))
            time.sleep(SAMPLE_SECONDS)
    return time.monotonic() - started, peak / 1024**2, process.returncode


def tree_rss(process: psutil.Process) -> int:
    """Resident bytes of `process` and its descendants (0 for any that just ended)."""
    total = 0
    try:
        members = [process, *process.children(recursive=True)]
    except psutil.Error:
        return 0
    for member in members:
        try:
            total += member.memory_info().rss
        except psutil.Error:
            continue
    return total


def crawl_noop(base_url: str, workdir: Path) -> CrawlMeasure:
    out = workdir / "noop.json"
    command = [PYTHON, "-m", "bench.noop_spider", f"{base_url}/", "--concurrency", str(CONCURRENCY)]
    seconds, peak_mb, status = run_measured(command, out)
    if status != 0:
        raise SystemExit(f"the no-op spider failed (exit {status})")
    stats = json.loads(out.read_text().strip().splitlines()[-1])
    return CrawlMeasure(
        pages=int(stats["response_received_count"]),
        engine_seconds=float(stats["elapsed_time_seconds"]),
        process_seconds=seconds,
        peak_mb=peak_mb,
    )


def crawl_ours(base_url: str, archive: Path, workdir: Path) -> CrawlMeasure:
    command = [
        PYTHON, "-m", "cli", "crawl", f"{base_url}/", "--db", str(archive),
        "--delay", "0", "--concurrency", str(CONCURRENCY),
    ]  # fmt: skip
    seconds, peak_mb, status = run_measured(command, workdir / "ours.out")
    if status not in (0, 5):  # 5: finished, with pages that failed (recorded, counted)
        raise SystemExit(f"newsarchive crawl failed (exit {status}); see {workdir / 'ours.out'}")
    [(started, finished, counts)] = read_archive(
        archive, "SELECT started_at, finished_at, counts FROM crawl_run ORDER BY id DESC LIMIT 1"
    )
    engine_seconds = (
        datetime.fromisoformat(finished) - datetime.fromisoformat(started)
    ).total_seconds()
    return CrawlMeasure(
        pages=int(json.loads(counts)["response_received_count"]),
        engine_seconds=engine_seconds,
        process_seconds=seconds,
        peak_mb=peak_mb,
    )


def archive_check(archive: Path, site: GeneratedSite, base_url: str) -> tuple[int, int]:
    """(articles in the archive, expected articles found among them by URL)."""
    urls = {url for (url,) in read_archive(archive, "SELECT url FROM article")}
    return len(urls), sum(f"{base_url}{path}" in urls for path in site.article_paths())


def read_archive(archive: Path, sql: str) -> list[tuple[Any, ...]]:
    """The rows of one query, on a read-only connection to the archive file."""
    connection = sqlite3.connect(f"file:{archive}?mode=ro", uri=True)
    try:
        return connection.execute(sql).fetchall()
    finally:
        connection.close()


def measure_size(articles: int, rounds: int) -> SizeResult:
    """Both crawls of one generated site, `rounds` times interleaved; the fastest of each
    (noise only ever slows a run down)."""
    site = ensure_site(articles)
    noop_runs: list[CrawlMeasure] = []
    our_runs: list[CrawlMeasure] = []
    archived = found = 0
    with serve_static(site.root) as base_url, tempfile.TemporaryDirectory() as tmp:
        workdir = Path(tmp)
        for round_number in range(rounds):
            noop_runs.append(crawl_noop(base_url, workdir))
            archive = workdir / f"archive-{round_number}.sqlite"
            our_runs.append(crawl_ours(base_url, archive, workdir))
            archived, found = archive_check(archive, site, base_url)
            print(
                f"  {articles:,} articles, round {round_number + 1}: no-op "
                f"{noop_runs[-1].pages_per_second:.0f} pages/s, newsarchive "
                f"{our_runs[-1].pages_per_second:.0f} pages/s, archived {archived:,}",
                file=sys.stderr,
            )
            archive.unlink()
    return SizeResult(
        articles=site.articles,
        noop=max(noop_runs, key=lambda run: run.pages_per_second),
        ours=max(our_runs, key=lambda run: run.pages_per_second),
        archived=archived,
        expected_found=found,
    )


def section_text(results: list[SizeResult], command: str) -> str:
    rows = [
        "| articles | pages (no-op / ours) | no-op pages/s | newsarchive pages/s | ratio "
        "| whole process pages/s (no-op / ours) | peak MB (no-op / ours) "
        "| archived (expected found) |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for result in results:
        noop, ours = result.noop, result.ours
        rows.append(
            f"| {result.articles:,} | {noop.pages:,} / {ours.pages:,} "
            f"| {noop.pages_per_second:.0f} | {ours.pages_per_second:.0f} | {result.ratio:.2f} "
            f"| {noop.process_pages_per_second:.0f} / {ours.process_pages_per_second:.0f} "
            f"| {noop.peak_mb:.0f} / {ours.peak_mb:.0f} "
            f"| {result.archived:,} ({result.expected_found:,} of {result.articles:,}) |"
        )
    return "\n".join(
        [
            SECTION,
            "",
            "Pages per second of a whole crawl of a generated site (`bench/sitegen.py`, served "
            "by nginx on loopback), newsarchive against a no-op Scrapy spider that follows the "
            f"same links and keeps nothing, both at {CONCURRENCY} concurrent requests with no "
            "delays, robots.txt obeyed.",
            "",
            *rows,
            "",
            "pages/s: responses over the engine's time from start to close (the no-op: "
            "Scrapy's `elapsed_time_seconds`; newsarchive: its crawl run's start and end in "
            "the archive), the best of the rounds; whole process: the same pages over the "
            "process's wall-clock time, imports and archive set-up included. ratio: "
            "newsarchive / no-op. peak MB: the largest resident memory of the crawl process and "
            "its children together (newsarchive's parser processes), sampled every 0.1 s. "
            "archived: articles in the archive after the crawl, and how many of the site's "
            "expected articles are among them by URL.",
            "",
            "### Goals (issue 9)",
            "",
            *goal_lines(results),
            "",
            *how_it_was_run(command, ("scrapy", "lxml", "sqlalchemy")),
        ]
    )


def goal_lines(results: list[SizeResult]) -> list[str]:
    def verdict(ok: bool) -> str:
        return "**met**" if ok else "**not met**"

    lines = [
        f"- end-to-end at >= {GOAL_RATIO:.0%} of the no-op spider at {result.articles:,} "
        f"articles: {result.ratio:.0%}: {verdict(result.ratio >= GOAL_RATIO)}"
        for result in results
    ]
    smallest, largest = results[0], results[-1]
    if len(results) > 1:
        growth = largest.ours.peak_mb / smallest.ours.peak_mb
        lines.append(
            f"- peak memory at {largest.articles:,} articles within "
            f"{GOAL_MEMORY_GROWTH - 1:.0%} of {smallest.articles:,}: {largest.ours.peak_mb:.0f} "
            f"MB vs {smallest.ours.peak_mb:.0f} MB ({growth - 1:+.0%}): "
            f"{verdict(growth <= GOAL_MEMORY_GROWTH)}"
        )
    peak = max(result.ours.peak_mb for result in results)
    lines.append(
        f"- peak memory under {GOAL_MEMORY_MB} MB: {peak:.0f} MB: {verdict(peak < GOAL_MEMORY_MB)}"
    )
    return lines


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m bench.crawl",
        description="newsarchive crawl vs a no-op Scrapy spider on generated sites.",
    )
    parser.add_argument(
        "--articles",
        type=int,
        action="append",
        help="site size (repeatable; default 1000, 10000 and 50000)",
    )
    parser.add_argument("--rounds", type=int, default=1, help="crawls of each kind per size")
    parser.add_argument("--write", type=Path, metavar="FILE", help="rewrite '## Crawl' of FILE")
    args = parser.parse_args(argv)
    sizes = sorted(args.articles or [1000, 10000, 50000])
    results = []
    for articles in sizes:
        print(f"{articles:,} articles", file=sys.stderr)
        results.append(measure_size(articles, args.rounds))
    publish(section_text(results, command_line("bench.crawl", argv)), SECTION, args.write)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
