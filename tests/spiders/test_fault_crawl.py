"""End to end: `newsarchive crawl` rides through a server that gets everything wrong.

The site (``tests/faultsite.py``) serves good articles among every fault a real server
shows: errors, hangs, resets, truncation, bombs, oversized and non-HTML pages, bad
charsets and markup, redirect loops, endless calendars and paginations, duplicate URLs
and links that must never be fetched, plus three small sites whose robots.txt is missing,
never answers or fails. The first crawl must finish by itself, archive every good article
once, and record every failure; the second, against the healed site, must fetch the failed
URLs again (one of them known only from the failure table) and resolve their failures.
Two more crawls run beside the second: one with --max-depth, one whose parser raises on
a page (as a parser bug would), which must record that page and carry on.

Each crawl runs the real CLI in a child process (Twisted's reactor starts once per
process) with a 3 s timeout; the child reports its own peak memory (VmHWM).
"""

# ruff: noqa: RUF001  (the en dashes and quotes are what the charset checks are about)

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys
from collections.abc import Iterator
from contextlib import ExitStack
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest

from settings import BARREN_PAGE_LIMIT
from tests.faultsite import (
    ARTICLES,
    BUSINESS_ARTICLE,
    DUPLICATE_PATHS,
    DUPLICATED,
    FAILING_SECTION,
    FAULTS,
    FEED_FAILURE,
    HEALED,
    NEVER_FETCHED_SCHEMES,
    REDIRECT_TARGET,
    SECTION_PAGES,
    SMALL_SITE,
    FaultSite,
    Recorder,
    serve_fault_site,
    serve_offsite,
)

ROOT = Path(__file__).resolve().parents[2]
TIMEOUT_SECONDS = 3
PEAK_RSS_LIMIT_MB = 400
ROBOTS_VARIANTS = ("missing", "slow", "error")
# RFC 9309, 2.3.1.4: a robots.txt that fails (5xx) or never answers means "disallow all".
UNREADABLE_ROBOTS = {"error": "HTTP 500", "slow": "Timeout"}
PEAK = "peak RSS kB:"
# The CLI, then its own peak resident memory. VmHWM, not getrusage: a forked child's
# ru_maxrss starts from its parent's peak (Linux keeps it across exec), and the parent is
# this test process, hundreds of MB deep into the suite.
CHILD = f"""
import resource, sys, cli
code = cli.main(sys.argv[1:])
try:
    with open("/proc/self/status") as status:
        peak = next(line.split()[1] for line in status if line.startswith("VmHWM:"))
except OSError:
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
print("{PEAK}", peak, file=sys.stderr)
sys.exit(code)
"""
# The same, with a parser that raises on one page, as a parser bug would.
CRASHING_PAGE = SMALL_SITE[1].path
CHILD_WITH_PARSER_BUG = (
    f"""
import parsers
real_parse_article = parsers.parse_article
def parse_article(html, url, **kwargs):
    if url.endswith("{CRASHING_PAGE}"):
        raise RecursionError("maximum recursion depth exceeded")
    return real_parse_article(html, url, **kwargs)
parsers.parse_article = parse_article
"""
    + CHILD
)


@dataclass
class Run:
    returncode: int
    stdout: str
    stderr: str
    peak_rss_mb: float
    requests: dict[str, list[str]]  # site name -> request log at the end of this run


@dataclass
class Crawls:
    db: Path
    main: FaultSite
    variants: dict[str, FaultSite]
    offsite: Recorder
    first: Run
    second: Run
    shallow: Run  # --max-depth 1 on one small site
    crashing: Run  # another small site, with a parser that raises on one page
    crashing_db: Path
    buggy: FaultSite  # the site of the crashing crawl
    held_back: Run  # the sites whose robots.txt fails or never answers
    held_back_db: Path

    def query(self, sql: str, *params: Any, db: Path | None = None) -> list[tuple[Any, ...]]:
        with sqlite3.connect(f"file:{db or self.db}?mode=ro", uri=True) as connection:
            return connection.execute(sql, params).fetchall()


@dataclass
class Child:
    """A running `newsarchive` process and the files its output goes to."""

    process: subprocess.Popen[bytes]
    stdout: Path
    stderr: Path

    def wait(self) -> tuple[int, str, str, float]:
        """Exit code, stdout, stderr and the child's peak RSS in MB."""
        code = self.process.wait()
        stderr = self.stderr.read_text()
        peak_kb = [line.split()[-1] for line in stderr.splitlines() if line.startswith(PEAK)]
        return code, self.stdout.read_text(), stderr, int(peak_kb[-1]) / 1024


def start_cli(out: Path, *args: str, code: str = CHILD) -> Child:
    """Start `newsarchive ARGS` in a child process, output to files next to ``out``."""
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    stdout, stderr = out.with_suffix(".out"), out.with_suffix(".err")
    with stdout.open("w") as out_file, stderr.open("w") as err_file:
        process = subprocess.Popen(
            [sys.executable, "-c", code, *args],
            stdout=out_file,
            stderr=err_file,
            env=env,
            cwd=ROOT,
        )
    return Child(process, stdout, stderr)


def crawl(out: Path, db: Path, sites: dict[str, FaultSite], *extra: str) -> Run:
    return finish(start_crawl(out, db, sites, *extra), sites)


def start_crawl(
    out: Path, db: Path, sites: dict[str, FaultSite], *extra: str, code: str = CHILD
) -> Child:
    return start_cli(
        out,
        "crawl",
        *(site.base_url + "/" for site in sites.values()),
        "--db",
        str(db),
        "--delay",
        "0",
        "--concurrency",
        "8",
        "--timeout",
        str(TIMEOUT_SECONDS),
        "--log-level",
        "INFO",
        *extra,
        code=code,
    )


def finish(child: Child, sites: dict[str, FaultSite]) -> Run:
    code, stdout, stderr, peak = child.wait()
    requests = {name: list(site.requests) for name, site in sites.items()}
    return Run(code, stdout, stderr, peak, requests)


@pytest.fixture(scope="module")
def crawls(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Crawls]:
    tmp = tmp_path_factory.mktemp("faults")
    with ExitStack() as stack:
        try:
            offsite = stack.enter_context(serve_offsite("127.0.0.2"))
        except OSError as error:  # a system without the whole 127/8 on loopback
            pytest.skip(f"cannot listen on 127.0.0.2: {error}")
        main = stack.enter_context(serve_fault_site(offsite_url=offsite.base_url))
        variants = {
            robots: stack.enter_context(
                serve_fault_site(robots=robots, offsite_url=offsite.base_url)
            )
            for robots in ROBOTS_VARIANTS
        }
        db = tmp / "archive.sqlite"
        first = crawl(tmp / "first", db, {"main": main, "missing": variants["missing"]})
        main.heal()
        # Side by side: separate sites and archives.
        small = {"missing": variants["missing"]}
        shallow_child = start_crawl(
            tmp / "shallow", tmp / "shallow.sqlite", small, "--max-depth", "1"
        )
        buggy = {
            "buggy": stack.enter_context(
                serve_fault_site(robots="missing", offsite_url=offsite.base_url)
            )
        }
        unreadable = {name: variants[name] for name in UNREADABLE_ROBOTS}
        held_back_db = tmp / "held-back.sqlite"
        held_back_child = start_crawl(tmp / "held-back", held_back_db, unreadable)
        crashing_db = tmp / "crashing.sqlite"
        # The bug is patched into the crawl process only: parse there, not in workers
        # (tests/spiders/test_parse_ahead.py covers a parser that raises in a worker).
        crashing_child = start_crawl(
            tmp / "crashing",
            crashing_db,
            buggy,
            "--parse-processes",
            "0",
            code=CHILD_WITH_PARSER_BUG,
        )
        second = crawl(tmp / "second", db, {"main": main})
        shallow = finish(shallow_child, small)
        crashing = finish(crashing_child, buggy)
        held_back = finish(held_back_child, unreadable)
        yield Crawls(
            db,
            main,
            variants,
            offsite,
            first,
            second,
            shallow,
            crashing,
            crashing_db,
            buggy["buggy"],
            held_back,
            held_back_db,
        )


def paths(requests: list[str]) -> list[str]:
    return [urlsplit(target).path for target in requests]


def stored(crawls: Crawls, base_url: str) -> dict[str, tuple[str, str, str, int]]:
    """Archive key path -> (title, published, body, rows) for one site's articles."""
    rows = crawls.query(
        "select coalesce(canonical_url, url), title, published, body from article"
        " where coalesce(canonical_url, url) like ?",
        base_url + "/%",
    )
    keys = [urlsplit(key).path for key, *_ in rows]
    return {
        urlsplit(key).path: (title, published, body, keys.count(urlsplit(key).path))
        for key, title, published, body in rows
    }


def failures(crawls: Crawls, base_url: str) -> dict[str, list[tuple[str, str, str | None]]]:
    """Path -> [(reason, failed_at, resolved_at)] for one site's failure rows, oldest first."""
    result: dict[str, list[tuple[str, str, str | None]]] = {}
    for url, reason, failed_at, resolved_at in crawls.query(
        "select url, reason, failed_at, resolved_at from fetch_failure"
        " where url like ? order by id",
        base_url + "/%",
    ):
        result.setdefault(urlsplit(url).path, []).append((reason, failed_at, resolved_at))
    return result


# --- the first crawl ---------------------------------------------------------------------


def test_every_crawl_finishes_by_itself_without_a_traceback(crawls: Crawls) -> None:
    for run in (crawls.first, crawls.second, crawls.shallow, crawls.crashing):
        # 5, not 0, when pages of a site failed in this run (each recorded, the rest stored).
        summaries = [line for line in run.stdout.splitlines() if "crawl summary" in line]
        partial = any("failures: 0," not in line for line in summaries)
        assert run.returncode == (5 if partial else 0), run.stderr[-3000:]
    for run in (crawls.first, crawls.second, crawls.shallow):
        assert "Traceback" not in run.stderr
    # The faulty site, and the page the parser raised on, are failures of their crawls.
    assert crawls.first.returncode == crawls.crashing.returncode == 5
    reasons = crawls.query("select finish_reason from crawl_run order by id")
    assert reasons == [("finished",)] * 3  # main and "missing", then main again


def test_every_good_article_is_stored_once_with_title_date_and_body(crawls: Crawls) -> None:
    archived = stored(crawls, crawls.main.base_url)
    for article in ARTICLES:
        title, published, body, rows = archived[article.path]
        assert rows == 1, article.path
        assert title == article.title, article.path
        assert published.startswith(article.published), article.path
        assert body == article.body_text, article.path


def test_legacy_charsets_are_decoded_correctly(crawls: Crawls) -> None:
    archived = stored(crawls, crawls.main.base_url)
    german = archived["/news/2024/05/18/buergerhaus-fuer-muellheim-beschlossen/"]
    assert german[0] == "Bürgerhaus für Müllheim: „Ja“ – trotz 4,2 Mio. €"
    assert "„nach langer Debatte“" in german[2] and "Größer" in german[2]
    french = archived["/news/2024/05/19/selestat-renove-son-ecole-elementaire/"]
    assert french[0] == "Sélestat rénove son école élémentaire – coût : 2 M€"
    assert "André Müller" in french[2]
    assert archived["/news/2024/05/21/naive-fete-draws-record-crowd/"][0] == (
        "Naïve fête draws record crowd – and €4,000"
    )
    assert archived["/news/2024/05/20/cafe-owner-renee-wins-award/"][0] == (
        "Café owner Renée wins “best in town” award – again"
    )


def test_every_fault_is_recorded_with_its_reason_and_time(crawls: Crawls) -> None:
    recorded = failures(crawls, crawls.main.base_url)
    for fault in (*FAULTS, FEED_FAILURE):
        if fault.reason is None:
            assert fault.path not in recorded, fault.path
            continue
        reason, failed_at, _ = recorded[fault.path][0]
        assert reason.startswith(fault.reason), (fault.path, reason)
        assert failed_at
    assert recorded[FAILING_SECTION][0][0] == "HTTP 502"
    fault_paths = {fault.path for fault in (*FAULTS, FEED_FAILURE) if fault.reason}
    fault_paths.add(FAILING_SECTION)
    assert set(recorded) == fault_paths  # nothing else failed: no 404s of our own making


def test_retry_after_is_recorded_and_not_retried_at_once(crawls: Crawls) -> None:
    first = paths(crawls.first.requests["main"])
    (retry_after,) = [fault for fault in FAULTS if fault.kind == "503-retry-after"]
    (plain,) = [fault for fault in FAULTS if fault.kind == "503"]
    assert first.count(retry_after.path) == 1
    assert first.count(plain.path) == 3  # RETRY_TIMES = 2


def test_non_html_pages_at_html_urls_are_skipped_not_stored_or_failed(crawls: Crawls) -> None:
    first = paths(crawls.first.requests["main"])
    for fault in FAULTS:
        if fault.kind in ("pdf", "png"):
            assert fault.path in first
            assert fault.path not in stored(crawls, crawls.main.base_url)
            assert fault.path not in failures(crawls, crawls.main.base_url)


def test_a_redirect_chain_within_the_limit_reaches_its_article(crawls: Crawls) -> None:
    (short,) = [fault for fault in FAULTS if fault.kind == "short-chain"]
    assert short.path in paths(crawls.first.requests["main"])
    assert stored(crawls, crawls.main.base_url)[REDIRECT_TARGET.path][3] == 1


def test_traps_end_by_themselves_and_real_pagination_is_followed(crawls: Crawls) -> None:
    first = paths(crawls.first.requests["main"])
    calendar = {path for path in first if path.startswith("/events/")}
    opinion = {path for path in first if path.startswith("/opinion/")}
    # From the linked month, BARREN_PAGE_LIMIT more months each way at most.
    assert 3 <= len(calendar) <= 2 * BARREN_PAGE_LIMIT + 1
    assert 2 <= len(opinion) <= BARREN_PAGE_LIMIT + 1
    # The news section keeps listing new articles: every page is fetched, past the limit.
    assert {f"/news/page/{n}/" for n in range(2, SECTION_PAGES + 1)} <= set(first)


def test_one_article_under_many_urls_is_stored_once(crawls: Crawls) -> None:
    rows = crawls.query(
        "select count(*) from article where coalesce(canonical_url, url) = ?",
        crawls.main.base_url + DUPLICATED.path,
    )
    assert rows == [(1,)]
    first = crawls.first.requests["main"]
    assert all("print" not in target for target in first)  # print views are never fetched
    assert {path for path in DUPLICATE_PATHS if "print" not in path} & set(first)


def test_other_schemes_and_hosts_are_never_fetched(crawls: Crawls) -> None:
    assert crawls.offsite.requests == []
    urls = [
        url
        for (url,) in crawls.query("select url from article union select url from fetch_failure")
    ]
    assert all(url.startswith("http://127.0.0.1:") for url in urls)
    everything = " ".join(crawls.first.requests["main"])
    assert "passwd" not in everything and "alert" not in everything
    assert len(NEVER_FETCHED_SCHEMES) == 4


def test_a_site_whose_robots_txt_is_missing_is_crawled(crawls: Crawls) -> None:
    site = crawls.variants["missing"]
    assert "/robots.txt" in paths(crawls.first.requests["missing"])
    archived = stored(crawls, site.base_url)
    assert sorted(archived) == sorted(article.path for article in SMALL_SITE)
    assert failures(crawls, site.base_url) == {}


def test_sites_whose_robots_txt_fails_or_never_answers_are_held_back_and_recorded(
    crawls: Crawls,
) -> None:
    run = crawls.held_back
    assert run.returncode == 3  # no page of either site answered: cron hears of it
    assert "Traceback" not in run.stderr
    assert [line for line in run.stderr.splitlines() if line.startswith("Error:")] == [
        next(line for line in run.stderr.splitlines() if line.startswith("Error: could not reach"))
    ]
    assert crawls.query("select count(*) from article", db=crawls.held_back_db) == [(0,)]
    for name, why in UNREADABLE_ROBOTS.items():
        site = crawls.variants[name]
        assert set(paths(run.requests[name])) == {"/robots.txt"}  # nothing else fetched
        rows = crawls.query(
            "select url, reason, failed_at, resolved_at from fetch_failure where url = ?",
            site.base_url + "/",
            db=crawls.held_back_db,
        )
        assert len(rows) == 1, rows
        [(_, reason, failed_at, resolved_at)] = rows
        assert reason.startswith(f"robots.txt unreadable ({why}"), reason
        assert "RFC 9309" in reason and failed_at and resolved_at is None


def test_memory_stays_bounded_despite_the_bomb_and_the_huge_pages(crawls: Crawls) -> None:
    first = paths(crawls.first.requests["main"])
    for fault in FAULTS:
        if fault.kind in ("gzip-bomb", "huge", "huge-streamed"):
            assert fault.path in first
    assert crawls.first.peak_rss_mb < PEAK_RSS_LIMIT_MB


def test_max_depth_still_bounds_the_crawl(crawls: Crawls) -> None:
    first = paths(crawls.first.requests["missing"])
    later = paths(crawls.shallow.requests["missing"])[len(first) :]
    near, far = SMALL_SITE  # one link from the home page, and two
    assert {"/", "/more/", near.path} <= set(later)
    assert far.path not in later


# --- the second crawl, against the healed site ---------------------------------------------


def test_the_next_crawl_fetches_failed_urls_again_and_resolves_them(crawls: Crawls) -> None:
    recorded = failures(crawls, crawls.main.base_url)
    archived = stored(crawls, crawls.main.base_url)
    for path, article in HEALED.items():
        assert all(resolved for _, _, resolved in recorded[path]), path
        title, _, _, rows = archived[path]
        assert (title, rows) == (article.title, 1), path
    for fault in FAULTS:
        if fault.reason and not fault.heals:
            assert not any(resolved for _, _, resolved in recorded[fault.path]), fault.path


def test_a_failure_known_only_to_the_archive_is_retried(crawls: Crawls) -> None:
    # The healed site links to it nowhere: only the failure table can lead there.
    first = paths(crawls.first.requests["main"])
    second = paths(crawls.second.requests["main"])[len(first) :]
    assert second.count(FEED_FAILURE.path) == 1
    counts = json.loads(crawls.query("select counts from crawl_run order by id desc")[0][0])
    assert counts["spider/retry_failed"] >= 1
    assert counts["archive/recovered"] >= 1


def test_a_failed_section_page_is_resolved_and_its_articles_found(crawls: Crawls) -> None:
    recorded = failures(crawls, crawls.main.base_url)
    assert [resolved is not None for _, _, resolved in recorded[FAILING_SECTION]] == [True]
    assert stored(crawls, crawls.main.base_url)[BUSINESS_ARTICLE.path][0] == (
        BUSINESS_ARTICLE.title
    )


def test_a_page_whose_parsing_raises_is_recorded_and_the_crawl_goes_on(crawls: Crawls) -> None:
    site = crawls.buggy
    rows = crawls.query("select url, reason from fetch_failure", db=crawls.crashing_db)
    assert rows == [
        (
            site.base_url + CRASHING_PAGE,
            "Parse error: RecursionError: maximum recursion depth exceeded",
        )
    ]
    stored_urls = crawls.query("select url from article", db=crawls.crashing_db)
    assert stored_urls == [(site.base_url + SMALL_SITE[0].path,)]
    assert crawls.crashing.stderr.count("Traceback") == 1  # the bug's, logged once


def test_max_depth_zero_is_refused_as_usage() -> None:
    # Scrapy would read DEPTH_LIMIT = 0 as "no limit", the opposite of what 0 says.
    from cli import EXIT_USAGE, main

    assert main(["crawl", "http://127.0.0.1:9/", "--max-depth", "0"]) == EXIT_USAGE
