"""Many real crawl processes on one frontier: the real Redis, a PostgreSQL archive of the
test's own and a generated news site on 127.0.0.1. Each process is `newsarchive` itself,
started as a user would; one of them is killed with SIGKILL mid-crawl."""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
import redis
from sqlalchemy import create_engine, select, text
from sqlalchemy.orm import Session

from archive_db.models import CrawlRun
from archive_db.queries import CrawlRunSummary, crawl_runs
from archive_db.report_data import archive_report
from bench.sitegen import GeneratedSite, generate, page_file
from demo.server import free_port
from tests.archive_db import backends
from tests.scaleout.site_server import ServedSite, serve_generated_site

ARTICLES = 30
OTHER_ARTICLES = 12
HEARTBEAT = "1"  # seconds: a killed worker is found dead after 3
WAIT = 180  # seconds a test waits for its processes at most


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> GeneratedSite:
    return generate(tmp_path_factory.mktemp("scaleout") / "site", ARTICLES, seed=11, jobs=1)


@pytest.fixture(scope="module")
def other_site(tmp_path_factory: pytest.TempPathFactory) -> GeneratedSite:
    """A second site, of other articles (a copy of the first would be its duplicate)."""
    return generate(tmp_path_factory.mktemp("scaleout") / "other", OTHER_ARTICLES, seed=12, jobs=1)


class Runner:
    """Starts `newsarchive` processes with the test's frontier and archive."""

    def __init__(self, tmp_path: Path, redis_url: str, frontier_name: str, db: str) -> None:
        self.tmp_path = tmp_path
        self.frontier = ["--frontier", redis_url, "--frontier-name", frontier_name]
        self.db = db
        self.processes: list[subprocess.Popen[str]] = []

    def start(self, *args: str, crawl_options: bool = True) -> subprocess.Popen[str]:
        env = os.environ | {
            "NEWSARCHIVE_FRONTIER_HEARTBEAT": HEARTBEAT,
            "NEWSARCHIVE_STATE_DIR": str(self.tmp_path / "state"),
            "NEWSARCHIVE_SITES_DIR": str(self.tmp_path / "sites"),
        }
        options = ["--delay", "0", "--parse-processes", "0", "--log-level", "INFO"]
        process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "cli",
                *args,
                *self.frontier,
                "--db",
                self.db,
                *(options if crawl_options else ()),
            ],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            env=env,
            cwd=self.tmp_path,
        )
        self.processes.append(process)
        return process

    def finish(self, processes: Sequence[subprocess.Popen[str]]) -> list[tuple[int, str, str]]:
        deadline = time.monotonic() + WAIT
        results = []
        for process in processes:
            out, err = process.communicate(timeout=max(1.0, deadline - time.monotonic()))
            results.append((process.returncode, out, err))
        return results

    def stop_all(self) -> None:
        for process in self.processes:
            if process.poll() is None:
                process.kill()
                process.communicate()


@pytest.fixture
def runner(
    tmp_path: Path, redis_url: str, frontier_name: str, postgres_archive: str
) -> Iterator[Runner]:
    runner = Runner(tmp_path, redis_url, frontier_name, postgres_archive)
    try:
        yield runner
    finally:
        runner.stop_all()


def archived(db: str) -> tuple[dict[str, str], int]:
    """The archive's articles (archive key -> title) and its number of article versions."""
    engine = create_engine(db)
    try:
        with engine.connect() as connection:
            articles = dict(
                connection.execute(text("SELECT archive_key, title FROM article")).all()
            )
            versions = connection.execute(text("SELECT count(*) FROM article_version")).scalar()
    finally:
        engine.dispose()
    return articles, int(versions or 0)


def failed_urls(db: str) -> list[str]:
    """The URLs of the archive's fetch failures, one a failure row."""
    engine = create_engine(db)
    try:
        with engine.connect() as connection:
            return sorted(connection.execute(text("SELECT url FROM fetch_failure")).scalars())
    finally:
        engine.dispose()


def site_runs(db: str) -> dict[str, list[CrawlRunSummary]]:
    """The archive's crawl runs by site, as `newsarchive runs` lists them (the processes'
    own runs, of no site, left out); and none still open."""
    engine = create_engine(db)
    try:
        with Session(engine) as session:
            runs = crawl_runs(session)
            parents = {
                run.id for run in session.scalars(select(CrawlRun).where(CrawlRun.site.is_(None)))
            }
            part_of = {
                run.arguments.get("part_of_run")
                for run in session.scalars(select(CrawlRun).where(CrawlRun.site.is_not(None)))
            }
    finally:
        engine.dispose()
    assert all(run.outcome == "finished" for run in runs), [run.outcome for run in runs]
    assert part_of <= parents, "a site's run names no process run"
    by_site: dict[str, list[CrawlRunSummary]] = {}
    for run in runs:
        if run.site is not None:
            by_site.setdefault(run.site, []).append(run)
    return by_site


def failed_paths(db: str) -> list[str]:
    return sorted(urlsplit(url).path for url in failed_urls(db))


def assert_ended_well(
    results: Sequence[tuple[int, str, str]], db: str, *, fetched_once: bool = True
) -> None:
    """Every process ended by itself; the one that fetched the chrome's link to /events/
    (a page the generated site does not have) exits 5, as a crawl with a failed page does.
    Only while Redis is away can a page be fetched twice (none can be told it was seen)."""
    codes = sorted(returncode for returncode, _, _ in results)
    assert set(codes) <= {0, 5}, [err[-3000:] for _, _, err in results]
    failed = failed_paths(db)
    if fetched_once:
        assert codes.count(5) <= 1
        assert failed == ["/events/"]
    else:
        assert failed and set(failed) == {"/events/"}


def pages_of(stdout: str) -> int:
    """The `pages` a process's summary line reports."""
    line = next(line for line in stdout.splitlines() if line.startswith("crawl summary:"))
    fields = dict(part.split(": ", 1) for part in line.removeprefix("crawl summary: ").split(", "))
    return int(fields["pages"])


def assert_every_article_archived_once(site: GeneratedSite, served: ServedSite, db: str) -> None:
    articles, versions = archived(db)
    expected = {
        served.base_url.rstrip("/") + str(record["path"]): record["title"]
        for record in site.expected_records()
    }
    assert articles == expected
    assert versions == ARTICLES  # stored once each: never an update, never a second row


def test_a_seeder_and_two_workers_share_the_crawl_and_fetch_each_page_once(
    site: GeneratedSite, runner: Runner
) -> None:
    with serve_generated_site(site.root, delay=0.05) as served:
        workers = [runner.start("worker", "--exit-when-idle", "3") for _ in range(2)]
        seeder = runner.start("crawl", served.base_url, "--exit-when-idle", "3")
        results = runner.finish([seeder, *workers])
    assert_ended_well(results, runner.db)
    assert_every_article_archived_once(site, served, runner.db)
    pages = {path: count for path, count in served.requests.items() if path != "/robots.txt"}
    assert pages and set(pages.values()) == {1}, "a page was fetched twice"
    # Each process's robots.txt middleware reads it, and the seeder its Sitemap: lines.
    assert served.requests["/robots.txt"] == 4
    # Politeness holds for the three processes together: CONCURRENT_REQUESTS_PER_DOMAIN (2).
    assert served.most_in_flight == 2
    shares = [pages_of(out) for _, out, _ in results]
    assert sum(share > 1 for share in shares) >= 2, f"one process did all the work: {shares}"
    # The site's runs, one a process that worked on it, add up to the whole crawl.
    ((_, runs),) = site_runs(runner.db).items()
    assert 2 <= len(runs) <= 3, runs
    assert sum(run.inserted or 0 for run in runs) == ARTICLES
    assert sum(run.pages or 0 for run in runs) == sum(shares)  # every page the processes had
    assert sum(run.failures or 0 for run in runs) == 1  # /events/


def test_a_worker_killed_mid_crawl_loses_nothing(
    site: GeneratedSite, runner: Runner, redis_client: Any, frontier_name: str
) -> None:
    in_flight_key = f"{frontier_name}:inflight:doomed"
    with serve_generated_site(site.root, delay=0.3) as served:
        doomed = runner.start("worker", "--exit-when-idle", "5", "--worker-id", "doomed")
        survivor = runner.start("worker", "--exit-when-idle", "5")
        seeder = runner.start("crawl", served.base_url, "--exit-when-idle", "5")
        deadline = time.monotonic() + 60
        while redis_client.hlen(in_flight_key) < 2:
            assert time.monotonic() < deadline, "the doomed worker never took a request"
            assert doomed.poll() is None
            time.sleep(0.05)
        taken = redis_client.hlen(in_flight_key)
        doomed.send_signal(signal.SIGKILL)
        doomed.communicate()
        results = runner.finish([seeder, survivor])
    assert_ended_well(results, runner.db)
    assert_every_article_archived_once(site, served, runner.db)
    counters = {
        k.decode(): int(v) for k, v in redis_client.hgetall(f"{frontier_name}:stats").items()
    }
    assert counters["reclaimed"] >= taken
    assert not redis_client.exists(in_flight_key)
    assert b"doomed" not in redis_client.hkeys(f"{frontier_name}:workers")
    assert any("took back" in err for _, _, err in results)


def test_seeding_many_sites_from_a_file_and_leaving_the_crawl_to_a_worker(
    site: GeneratedSite, other_site: GeneratedSite, runner: Runner, tmp_path: Path
) -> None:
    with (
        serve_generated_site(site.root, host="127.0.0.1") as first,
        serve_generated_site(other_site.root, host="localhost") as second,
    ):
        targets = tmp_path / "sites.txt"
        targets.write_text(
            f"# tonight's sites\n{first.base_url}\n\n{second.base_url}  # a neighbour\n"
        )
        seeding = runner.start("crawl", "--targets-file", str(targets), "--seed-only")
        ((returncode, _, err),) = runner.finish([seeding])
        assert returncode == 0, err[-3000:]
        assert sum(first.requests.values()) + sum(second.requests.values()) == 0
        status = subprocess.run(
            [
                sys.executable,
                "-m",
                "cli",
                "frontier",
                "status",
                "--format",
                "json",
                *runner.frontier,
            ],
            capture_output=True,
            text=True,
            check=True,
        )
        state = json.loads(status.stdout)
        hosts = {urlsplit(url).hostname for url in (first.base_url, second.base_url)}
        assert len(state["sites"]) == 2 and state["queued"] >= 2 and state["in_flight"] == 0
        worker = runner.start("worker", "--exit-when-idle", "2")
        results = runner.finish([worker])
    assert results[0][0] == 5, results[0][2][-3000:]  # both sites' /events/ failed
    # The chrome's /events/ link, and on the small site a tag page it links but lacks.
    roots = {"127.0.0.1": site.root, "localhost": other_site.root}
    failed = failed_urls(runner.db)
    assert "/events/" in {urlsplit(url).path for url in failed}
    for url in failed:
        parts = urlsplit(url)
        assert not page_file(roots[str(parts.hostname)], parts.path).exists(), url
    articles, _ = archived(runner.db)
    assert {urlsplit(key).hostname for key in articles} == hosts
    assert len(articles) == ARTICLES + OTHER_ARTICLES
    # One worker, two sites: a run for each, with the site's own counts.
    runs = site_runs(runner.db)
    assert sorted(runs) == sorted(state["sites"])
    inserted = sorted(run.inserted for (run,) in runs.values())
    assert inserted == sorted([ARTICLES, OTHER_ARTICLES])
    assert sum(run.failures or 0 for (run,) in runs.values()) == len(failed)
    # `newsarchive report` shows each site of the batch, with its articles and its health.
    engine = create_engine(runner.db)
    try:
        with Session(engine) as session:
            report = archive_report(session)
    finally:
        engine.dispose()
    assert {site.site: site.articles for site in report.sites} == {
        name: run.inserted for name, (run,) in runs.items()
    }
    assert all(len(site.health) == 1 and site.health[0].articles for site in report.sites)


def test_an_unreachable_frontier_is_one_line_and_no_traceback(runner: Runner) -> None:
    runner.frontier = ["--frontier", "redis://127.0.0.1:1/0"]
    process = runner.start("worker", "--exit-when-idle", "1")
    ((returncode, _, err),) = runner.finish([process])
    assert returncode == 3
    assert "Traceback" not in err
    # The archive is opened (and named) first: a bad archive is the first thing to hear of.
    lines = [line for line in err.splitlines() if not line.startswith("archive: ")]
    assert len(lines) == 1 and "did not answer" in lines[0]


def test_a_frontier_that_is_not_redis_is_a_usage_error(runner: Runner) -> None:
    runner.frontier = ["--frontier", "http://127.0.0.1:6379/"]
    process = runner.start("worker")
    ((returncode, _, err),) = runner.finish([process])
    assert returncode == 2
    assert "redis://" in err and "Traceback" not in err


def test_a_bare_scrapy_crawl_of_the_frontier_spider_works_as_a_worker(
    site: GeneratedSite, runner: Runner, redis_url: str, frontier_name: str
) -> None:
    """As a scrapyd job runs it: `scrapy crawl frontier` with settings only, no CLI."""
    with serve_generated_site(site.root) as served:
        seeding = runner.start("crawl", served.base_url, "--seed-only")
        ((returncode, _, err),) = runner.finish([seeding])
        assert returncode == 0, err[-3000:]
        job = subprocess.run(
            [
                sys.executable,
                "-m",
                "scrapy",
                "crawl",
                "frontier",
                *("-s", f"FRONTIER_REDIS_URL={redis_url}"),
                *("-s", f"FRONTIER_NAME={frontier_name}"),
                *("-s", "FRONTIER_EXIT_WHEN_IDLE=1"),
                *("-s", f"ARCHIVE_DB_URL={runner.db}"),
                *("-s", "DOWNLOAD_DELAY=0", "-s", "AUTOTHROTTLE_ENABLED=0"),
            ],
            cwd=Path(__file__).resolve().parents[2],  # the project, with its scrapy.cfg
            capture_output=True,
            text=True,
            timeout=WAIT,
            check=False,
        )
    assert job.returncode == 0, job.stderr[-3000:]
    assert "Spider closed (finished)" in job.stderr
    assert_every_article_archived_once(site, served, runner.db)


class PrivateRedis:
    """A Redis server of the test's own, which the test may stop and start again; it keeps
    its data in an append-only file, as docs/scale-out.md asks of a frontier's Redis."""

    def __init__(self, directory: Path) -> None:
        binary = shutil.which("redis-server")
        if binary is None:
            backends.unavailable("redis-server is not installed: cannot start a Redis to stop")
        self.command = [
            *(str(binary), "--port", str(free_port()), "--bind", "127.0.0.1"),
            *("--save", "", "--appendonly", "yes", "--dir", str(directory)),
        ]
        self.url = f"redis://127.0.0.1:{self.command[2]}/0"
        self.server: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        self.server = subprocess.Popen(self.command, stdout=subprocess.DEVNULL)
        client = redis.Redis.from_url(self.url)
        deadline = time.monotonic() + 10
        try:
            while True:
                try:
                    client.ping()
                    return
                except redis.ConnectionError:
                    assert time.monotonic() < deadline, "the private Redis did not start"
                    time.sleep(0.05)
        finally:
            client.close()

    def stop(self) -> None:
        if self.server is not None:
            self.server.terminate()
            self.server.wait()
            self.server = None


@pytest.fixture
def private_redis(tmp_path: Path) -> Iterator[PrivateRedis]:
    server = PrivateRedis(tmp_path)
    server.start()
    try:
        yield server
    finally:
        server.stop()


def wait_for_in_flight(url: str, worker: str) -> None:
    """Until `worker` has a request in flight on the default frontier at `url`."""
    client = redis.Redis.from_url(url)
    deadline = time.monotonic() + 60
    try:
        while client.hlen(f"newsarchive:inflight:{worker}") == 0:
            assert time.monotonic() < deadline, "the worker never took a request"
            time.sleep(0.05)
    finally:
        client.close()


def test_a_redis_that_comes_back_soon_loses_nothing(
    site: GeneratedSite, runner: Runner, private_redis: PrivateRedis
) -> None:
    runner.frontier = ["--frontier", private_redis.url]
    with serve_generated_site(site.root, delay=0.1) as served:
        workers = [runner.start("worker", "--exit-when-idle", "3", "--worker-id", "w1")]
        workers.append(runner.start("crawl", served.base_url, "--exit-when-idle", "3"))
        wait_for_in_flight(private_redis.url, "w1")
        private_redis.stop()
        time.sleep(3)  # under the six heartbeats (6 s) a worker waits for its Redis
        private_redis.start()
        results = runner.finish(workers)
    assert_ended_well(results, runner.db, fetched_once=False)
    assert_every_article_archived_once(site, served, runner.db)
    assert all("Traceback" not in err for _, _, err in results)


def test_a_worker_whose_redis_goes_away_stops_with_one_line(
    site: GeneratedSite, runner: Runner, private_redis: PrivateRedis
) -> None:
    runner.frontier = ["--frontier", private_redis.url]
    with serve_generated_site(site.root, delay=0.3) as served:
        seeding = runner.start("crawl", served.base_url, "--seed-only")
        assert runner.finish([seeding])[0][0] == 0
        worker = runner.start("worker", "--exit-when-idle", "60", "--worker-id", "w1")
        wait_for_in_flight(private_redis.url, "w1")
        private_redis.stop()
        ((returncode, _, err),) = runner.finish([worker])
    assert returncode == 1
    last = err.strip().splitlines()[-1]
    assert "stopped answering" in last and last.startswith("Error:")
    assert "Traceback" not in err
