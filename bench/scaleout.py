"""Scale-out: one generated site crawled by 1, 2, 4 ... processes sharing a Redis frontier.

For each number of processes N, in one run: a fresh PostgreSQL database, a fresh frontier
name, ``newsarchive db upgrade``, then ``newsarchive crawl SITE --frontier ...`` (which
seeds the frontier and works as a worker) and N-1 ``newsarchive worker`` processes started
together, all ending once the frontier has been empty for ``--exit-when-idle`` seconds.
The site (``bench.sitegen``) is served by nginx on loopback (``bench.static_server``).

It reports, for each N: wall-clock time, pages fetched, pages per second over the span from
the first raw capture to the last, the speedup over one process, and checks the archive:
one article per line of the site's expected.jsonl, no archive key twice, every expected
title present. It also samples the archive's connections and the frontier's queue.

    .venv/bin/python -m bench.scaleout --articles 2000 --workers 1,2,4 --rounds 2
    .venv/bin/python -m bench.scaleout --articles 200 --workers 1,2 --parse-processes 0

Needs nginx, a PostgreSQL server that lets the admin URL create databases, and Redis.
"""

from __future__ import annotations

import argparse
import os
import re
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import psycopg
import redis

from bench.report import command_line, how_it_was_run, publish
from bench.sitegen import GeneratedSite, ensure_site
from bench.static_server import serve_static

SECTION = "## Scale-out"
REPO = Path(__file__).resolve().parents[1]
# What the `newsarchive` console script runs, in a child process (one reactor per process).
CLI = "import sys, cli; sys.exit(cli.main(sys.argv[1:]))"
DEFAULT_ADMIN_URL = "postgresql://postgres@127.0.0.1:5432/postgres"
DEFAULT_REDIS_URL = "redis://127.0.0.1:6379/0"
DATABASE_PREFIX = "newsarchive_bench_"
# The frontier's politeness cap is shared by every process: give the fleet as many requests
# in flight as bench/crawl.py gives one crawl, so the cap is not what is measured.
CONCURRENCY = 16
SAMPLE_SECONDS = 0.25
OK_EXITS = (0, 5)  # 5: finished, with pages that failed (recorded, counted)
SUMMARY_PAGES = re.compile(r"^crawl summary: .*\bpages: (\d+)", re.M)
DEFAULT_PARSE = "default"  # leave --parse-processes out: newsarchive's own choice


@dataclass(slots=True)
class Samples:
    """Peaks seen while the processes ran."""

    archive_connections: int = 0
    queued: int = 0
    queue_bytes: int = 0


@dataclass(frozen=True, slots=True)
class ArchiveCheck:
    """What the archive holds after a run, against the site's expected.jsonl."""

    articles: int
    expected: int
    duplicate_keys: int  # archive keys stored more than once
    missing_titles: int  # expected titles no archived article has
    captures: int  # raw responses stored
    fetched_twice: int  # captures of a URL already captured in the run
    fetch_seconds: float  # from the first capture to the last
    failures: dict[str, int]  # fetch failures recorded, by reason
    site_runs: int  # crawl runs of the site: one a process that worked on it
    site_runs_new: int  # the articles new to the archive by those runs' counts

    @property
    def ok(self) -> bool:
        return (
            self.articles == self.expected
            and self.duplicate_keys == 0
            and not self.missing_titles
            and self.site_runs_new == self.articles
        )


@dataclass(frozen=True, slots=True)
class RunResult:
    processes: int
    parse_processes: str
    wall_seconds: float
    summary_pages: int
    exit_codes: tuple[int, ...]
    archive: ArchiveCheck
    samples: Samples
    frontier_counters: dict[str, int] = field(default_factory=dict)
    dupefilter_entries: int = 0
    dupefilter_bytes: int = 0
    load_before: float = 0.0

    @property
    def pages_per_second(self) -> float:
        return (
            self.archive.captures / self.archive.fetch_seconds
            if self.archive.fetch_seconds
            else 0.0
        )


# -- PostgreSQL and Redis ------------------------------------------------------------------


@contextmanager
def fresh_database(admin_url: str) -> Iterator[str]:
    """A new, empty database on the admin URL's server for the block; yields its libpq URL."""
    name = f"{DATABASE_PREFIX}{uuid.uuid4().hex[:12]}"
    # The name comes from uuid4 and a constant, never from input.
    with psycopg.connect(admin_url, autocommit=True) as connection:
        connection.execute(f'CREATE DATABASE "{name}"')
    parts = urlsplit(admin_url)
    try:
        yield urlunsplit(parts._replace(path=f"/{name}"))
    finally:
        with psycopg.connect(admin_url, autocommit=True) as connection:
            connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def sqlalchemy_url(libpq_url: str) -> str:
    """The URL newsarchive takes (SQLAlchemy's, with the psycopg 3 driver)."""
    return urlunsplit(urlsplit(libpq_url)._replace(scheme="postgresql+psycopg"))


def database_name(libpq_url: str) -> str:
    return urlsplit(libpq_url).path.lstrip("/")


@contextmanager
def fresh_frontier(client: redis.Redis) -> Iterator[str]:
    """A frontier name no one else uses; its keys are deleted afterwards."""
    name = f"bench-scaleout-{uuid.uuid4().hex[:12]}"
    try:
        yield name
    finally:
        keys = list(client.scan_iter(match=f"{name}:*", count=1000))
        if keys:
            client.delete(*keys)


def sample(
    samples: Samples, admin: psycopg.Connection, database: str, client: redis.Redis, queue_key: str
) -> None:
    """Raise the peaks with what the archive's server and the frontier hold now."""
    [(connections,)] = admin.execute(
        "SELECT count(*) FROM pg_stat_activity WHERE datname = %s", (database,)
    ).fetchall()
    samples.archive_connections = max(samples.archive_connections, int(connections))
    queued = int(client.zcard(queue_key))
    if queued > samples.queued:
        samples.queued = queued
        samples.queue_bytes = int(client.memory_usage(queue_key) or 0)


# -- One run ---------------------------------------------------------------------------------


def cli_command(*words: str) -> list[str]:
    return [sys.executable, "-c", CLI, *words]


def crawl_commands(
    base_url: str,
    processes: int,
    parse_processes: str,
    *,
    frontier: str,
    name: str,
    db_url: str,
    exit_when_idle: float,
    concurrency: int,
) -> list[list[str]]:
    """The seeding crawl, then N-1 workers, all with the same crawl options."""
    shared = [
        "--frontier", frontier, "--frontier-name", name, "--db", db_url,
        "--delay", "0", "--concurrency", str(concurrency), "--exit-when-idle", str(exit_when_idle),
    ]  # fmt: skip
    if parse_processes != DEFAULT_PARSE:
        shared += ["--parse-processes", parse_processes]
    seeder = cli_command("crawl", f"{base_url}/", *shared)
    workers = [
        cli_command("worker", *shared, "--worker-id", f"bench-worker-{number}")
        for number in range(1, processes)
    ]
    return [seeder, *workers]


def run_processes(
    commands: Sequence[list[str]], logs: Path, sampler: Callable[[], None]
) -> tuple[float, tuple[int, ...], int]:
    """Start every command at once and wait for all; (wall seconds, exit codes, the sum of
    the pages their summary lines report)."""
    started = time.monotonic()
    running = []
    for number, command in enumerate(commands):
        stdout = (logs / f"{number}.out").open("wb")
        stderr = (logs / f"{number}.err").open("wb")
        process = subprocess.Popen(command, stdout=stdout, stderr=stderr, cwd=REPO)
        running.append((process, stdout, stderr))
    while any(process.poll() is None for process, _, _ in running):
        sampler()
        time.sleep(SAMPLE_SECONDS)
    wall = time.monotonic() - started
    codes = []
    pages = 0
    for number, (process, stdout, stderr) in enumerate(running):
        stdout.close()
        stderr.close()
        codes.append(process.returncode)
        output = (logs / f"{number}.out").read_text(encoding="utf-8", errors="replace")
        pages += sum(int(found) for found in SUMMARY_PAGES.findall(output))
        if process.returncode not in OK_EXITS:
            tail = (logs / f"{number}.err").read_text(encoding="utf-8", errors="replace")
            print(
                f"process {number} exited {process.returncode}; its stderr ends:", file=sys.stderr
            )
            print("\n".join(tail.splitlines()[-20:]), file=sys.stderr)
    return wall, tuple(codes), pages


def check_archive(libpq_url: str, site: GeneratedSite) -> ArchiveCheck:
    expected_titles = [str(record["title"]) for record in site.expected_records()]
    with psycopg.connect(libpq_url) as connection:
        [(articles,)] = connection.execute("SELECT count(*) FROM article").fetchall()
        [(duplicate_keys,)] = connection.execute(
            "SELECT count(*) FROM (SELECT archive_key FROM article GROUP BY archive_key "
            "HAVING count(*) > 1) AS twice"
        ).fetchall()
        titles = {title for (title,) in connection.execute("SELECT title FROM article")}
        [(captures, urls, seconds)] = connection.execute(
            "SELECT count(*), count(DISTINCT url), "
            "EXTRACT(EPOCH FROM max(fetched_at) - min(fetched_at)) FROM capture"
        ).fetchall()
        failures = connection.execute(
            "SELECT reason, count(*) FROM fetch_failure GROUP BY reason ORDER BY reason"
        ).fetchall()
        [(site_runs, site_runs_new)] = connection.execute(
            "SELECT count(*), coalesce(sum((counts->>'archive/inserted')::int), 0) "
            "FROM crawl_run WHERE site IS NOT NULL"
        ).fetchall()
    return ArchiveCheck(
        articles=int(articles),
        expected=len(expected_titles),
        duplicate_keys=int(duplicate_keys),
        missing_titles=sum(title not in titles for title in expected_titles),
        captures=int(captures),
        fetched_twice=int(captures) - int(urls),
        fetch_seconds=float(seconds or 0.0),
        failures={str(reason): int(count) for reason, count in failures},
        site_runs=int(site_runs),
        site_runs_new=int(site_runs_new),
    )


def measure(
    site: GeneratedSite,
    base_url: str,
    processes: int,
    parse_processes: str,
    *,
    admin_url: str,
    redis_url: str,
    exit_when_idle: float,
    concurrency: int,
) -> RunResult:
    """One run with `processes` crawl processes, in a database and frontier of its own."""
    client = redis.Redis.from_url(redis_url)
    load_before = os.getloadavg()[0]
    with (
        fresh_database(admin_url) as libpq_url,
        fresh_frontier(client) as name,
        tempfile.TemporaryDirectory(prefix="bench-scaleout-") as tmp,
        psycopg.connect(admin_url, autocommit=True) as admin,
    ):
        db_url = sqlalchemy_url(libpq_url)
        upgrade = subprocess.run(
            cli_command("db", "upgrade", "--db", db_url), cwd=REPO, capture_output=True, text=True
        )
        if upgrade.returncode != 0:
            raise SystemExit(f"newsarchive db upgrade failed: {upgrade.stderr.strip()}")
        commands = crawl_commands(
            base_url, processes, parse_processes, frontier=redis_url, name=name, db_url=db_url,
            exit_when_idle=exit_when_idle, concurrency=concurrency,
        )  # fmt: skip
        samples = Samples()
        database = database_name(libpq_url)
        wall, codes, pages = run_processes(
            commands,
            Path(tmp),
            lambda: sample(samples, admin, database, client, f"{name}:requests"),
        )
        counters = {
            key.decode(): int(value) for key, value in client.hgetall(f"{name}:stats").items()
        }
        dupefilter = f"{name}:dupefilter"
        entries = int(client.scard(dupefilter))
        dupefilter_bytes = int(client.memory_usage(dupefilter) or 0)
        archive = check_archive(libpq_url, site)
    client.close()
    return RunResult(
        processes=processes,
        parse_processes=parse_processes,
        wall_seconds=wall,
        summary_pages=pages,
        exit_codes=codes,
        archive=archive,
        samples=samples,
        frontier_counters=counters,
        dupefilter_entries=entries,
        dupefilter_bytes=dupefilter_bytes,
        load_before=load_before,
    )


# -- Report ------------------------------------------------------------------------------------


def speedup(result: RunResult, results: Sequence[RunResult]) -> str:
    """pages/s over that of one process with the same parse processes, when measured."""
    single = next(
        (r for r in results if r.processes == 1 and r.parse_processes == result.parse_processes),
        None,
    )
    if single is None or not single.pages_per_second:
        return "n/a"
    return f"{result.pages_per_second / single.pages_per_second:.2f}"


def section_text(
    results: Sequence[RunResult], all_pass: bool, command: str, args: argparse.Namespace
) -> str:
    rows = [
        "| processes | parse processes each | wall s | crawl s | pages (summaries) | captures "
        "| fetched twice | pages/s | speedup | articles (expected) | keys twice "
        "| titles missing | site runs (their new) | peak archive connections | exit codes |",
        "|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for result in results:
        archive = result.archive
        rows.append(
            f"| {result.processes} | {result.parse_processes} | {result.wall_seconds:.1f} "
            f"| {archive.fetch_seconds:.1f} | {result.summary_pages:,} | {archive.captures:,} "
            f"| {archive.fetched_twice:,} | {result.pages_per_second:.0f} "
            f"| {speedup(result, results)} | {archive.articles:,} ({archive.expected:,}) "
            f"| {archive.duplicate_keys} | {archive.missing_titles} "
            f"| {archive.site_runs} ({archive.site_runs_new:,}) "
            f"| {result.samples.archive_connections} | {', '.join(map(str, result.exit_codes))} |"
        )
    frontier_lines = [
        f"- {result.processes} processes, parse {result.parse_processes}: "
        f"load before {result.load_before:.1f}; "
        f"queue peak {result.samples.queued:,} requests ({kib(result.samples.queue_bytes)}); "
        f"duplicate filter {result.dupefilter_entries:,} fingerprints "
        f"({kib(result.dupefilter_bytes)}); counters "
        + ", ".join(f"{key} {value}" for key, value in sorted(result.frontier_counters.items()))
        + "; fetch failures: "
        + (
            ", ".join(f"{reason} ({count})" for reason, count in result.archive.failures.items())
            or "none"
        )
        for result in results
    ]
    idle = f"{args.exit_when_idle:g}"
    rounds = "one run" if args.rounds == 1 else f"the fastest of {args.rounds} runs"
    return "\n".join(
        [
            SECTION,
            "",
            "One generated site (`bench/sitegen.py`, served by nginx on loopback) crawled by N "
            "processes sharing a Redis frontier: `newsarchive crawl URL --frontier ...` (which "
            "seeds, then works) and N-1 `newsarchive worker`, started together, into a fresh "
            "PostgreSQL archive and frontier for each run, with `--delay 0 --concurrency "
            f"{args.concurrency} --exit-when-idle {idle}` (the per-site cap of "
            f"{args.concurrency} requests in flight holds for all the processes together). "
            f"Each row is {rounds} of that setting.",
            "",
            *rows,
            "",
            f"wall s: from starting the processes to the last one's exit (imports and the {idle} s "
            "idle wait before exiting included). crawl s: from the first raw capture to the "
            "last. pages (summaries): the sum of the processes' summary lines (responses "
            "received; robots.txt once per process). captures: rows of the archive's `capture` "
            "table; fetched twice: captures of a URL already captured in the run. pages/s: "
            "captures over crawl s. speedup: pages/s over one process with the same parse "
            "processes. articles, keys twice, titles missing: the archive against the site's "
            "expected.jsonl; site runs: the site's `crawl_run` rows, one a process that worked "
            "on it, and the new articles they count, which must add up to the articles ("
            + ("every run passes" if all_pass else "**a run fails**")
            + "). peak archive connections: the most sessions on the archive's database at "
            f"once (pg_stat_activity, sampled every {SAMPLE_SECONDS} s).",
            "",
            f"This machine has {os.cpu_count()} cores, shared by nginx, Redis, PostgreSQL, every "
            "crawl process and their parser processes, and by other jobs (the load before each "
            'run is under Frontier). Parse processes "default" is newsarchive\'s own choice '
            "(one per core, at most 2): one crawl then fetches on one core and parses on the "
            "other, and each worker more adds three processes to the same two cores. 0 parses "
            "in the crawl process: one process per worker. Processes beyond the cores only "
            "share them, and the load from other jobs moves the figures between runs: what "
            "more machines gain is not measured here.",
            "",
            "### Frontier",
            "",
            *frontier_lines,
            "",
            *how_it_was_run(command, ("scrapy", "scrapy-redis", "redis", "psycopg")),
        ]
    )


def kib(size: int) -> str:
    return f"{size / 1024:,.0f} KiB"


def comma_list(text: str) -> list[str]:
    return [part.strip() for part in text.split(",") if part.strip()]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m bench.scaleout",
        description="1, 2, 4 ... crawl processes on one Redis frontier and PostgreSQL archive.",
    )
    parser.add_argument("--articles", type=int, default=2000, help="site size (default 2000)")
    parser.add_argument("--workers", default="1,2,4", help="process counts (default 1,2,4)")
    parser.add_argument(
        "--parse-processes",
        default=f"{DEFAULT_PARSE},0",
        help=f"each process's --parse-processes, comma-separated ('{DEFAULT_PARSE}': leave "
        f"it out); every count runs with each (default '{DEFAULT_PARSE},0')",
    )
    parser.add_argument("--exit-when-idle", type=float, default=5.0, help="seconds (default 5)")
    parser.add_argument("--concurrency", type=int, default=CONCURRENCY)
    parser.add_argument(
        "--rounds", type=int, default=1, help="runs of each setting; the fastest counts"
    )
    parser.add_argument(
        "--postgres", default=DEFAULT_ADMIN_URL, help="URL that may CREATE DATABASE"
    )
    parser.add_argument("--redis", default=DEFAULT_REDIS_URL)
    parser.add_argument("--write", type=Path, metavar="FILE", help="rewrite '## Scale-out' of FILE")
    args = parser.parse_args(argv)
    counts = sorted({int(count) for count in comma_list(args.workers)})
    parse_choices = comma_list(args.parse_processes)
    site = ensure_site(args.articles)
    runs: list[RunResult] = []
    with serve_static(site.root) as base_url:
        for round_number in range(1, args.rounds + 1):
            for parse_processes in parse_choices:
                for processes in counts:
                    result = measure(
                        site, base_url, processes, parse_processes, admin_url=args.postgres,
                        redis_url=args.redis, exit_when_idle=args.exit_when_idle,
                        concurrency=args.concurrency,
                    )  # fmt: skip
                    print(
                        f"  round {round_number}, {processes} processes, parse "
                        f"{parse_processes}: {result.pages_per_second:.0f} pages/s, "
                        f"{result.wall_seconds:.1f} s wall, {result.archive.articles:,} "
                        f"articles, exits {result.exit_codes}",
                        file=sys.stderr,
                    )
                    runs.append(result)
    best = [
        max(
            (run for run in runs if (run.parse_processes, run.processes) == key),
            key=lambda run: run.pages_per_second,
        )
        for key in ((parse, count) for parse in parse_choices for count in counts)
    ]
    all_pass = all(run.archive.ok for run in runs)
    command = command_line("bench.scaleout", argv)
    text = section_text(best, all_pass, command, args)
    publish(text, SECTION, args.write)
    return 0 if all_pass else 1


if __name__ == "__main__":
    raise SystemExit(main())
