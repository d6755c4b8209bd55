"""`newsarchive`: the command line, a thin shell over parsers, spiders and archive_db.

Exit codes (the README's "Exit codes" section says when each happens):

- 0: done.
- 1: a crawl that did not finish cleanly (a limit, an interrupt, a failure); `sites check
  --min-share` found a core field below the share; `reparse --limit` stopped early.
- 2: wrong usage: an unknown option or command, a malformed option value (date, URL,
  empty --db, `schedule --at`), an unknown profile, a URL scheme other than http(s), a
  profile name that cannot be a file name, `sites add` onto an existing profile.
- 3: bad input: a missing, unreadable or non-HTML file, a FIFO or device given as a page,
  an unreachable URL, a search query or SQL the archive rejects or refuses, a site `sites
  add`/`check` cannot reach or whose sampled pages are not articles, a file `warc import`
  cannot read as a WARC (or that is damaged part way: what came before is imported).
- 4: the archive or an output file cannot be opened or written: not an archive, an older
  or newer schema, a malformed database URL, an unreachable server or wrong credentials,
  a full disk or a file-size limit (ENOSPC, EFBIG), an I/O error.
- 5: a crawl finished, but some pages failed in this run: each is recorded as a fetch
  failure (`newsarchive stats`) and fetched again by the next crawl; every good article
  was stored. Also a `reparse` in which some captures could not be parsed (each named).
- 6: `crawl --fail-on-drift`, and a crawled site's extraction drifted: a field (title,
  date, author, body) was found on far fewer articles than in the site's previous runs,
  as when its template changes (see archive_db/health.py). Without the option the drift
  is reported on stderr and the exit code is as if there were none.
- 75: a crawl of the same site into the same archive (or with the same job folder) is
  running already, or another `reparse` of the archive; try again later (EX_TEMPFAIL,
  which cron wrappers retry).
- 130: interrupted by Ctrl-C (SIGINT) or SIGTERM; no half-written output file is left.

Every expected failure is one line on stderr, never a traceback; passwords in database
URLs are shown as ***.
"""

from __future__ import annotations

import csv
import errno
import json
import os
import signal
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterable, Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from email.message import Message
from pathlib import Path
from types import FrameType
from typing import IO, TYPE_CHECKING, Any
from urllib.parse import urlsplit

import click

from items import record_to_json
from profiles import ProfileError, SiteProfile, load_profile, profile_for_url

if TYPE_CHECKING:
    import socket

    from spiders.runner import CrawlResult

EXIT_OK = 0
EXIT_CRAWL_INCOMPLETE = 1
EXIT_USAGE = 2
EXIT_BAD_INPUT = 3
EXIT_ARCHIVE = 4
EXIT_PARTIAL = 5
EXIT_DRIFT = 6
EXIT_LOCKED = 75
EXIT_INTERRUPTED = 130

DEFAULT_DB = "archive.sqlite"
DEMO_PORT = 8765
FETCH_TIMEOUT_SECONDS = 30
MAX_PAGE_BYTES = 16 * 1024 * 1024


class UserError(click.ClickException):
    """An expected failure: printed as one line, with its own exit code, never a traceback."""

    def __init__(self, message: str, exit_code: int = EXIT_BAD_INPUT) -> None:
        super().__init__(message)
        self.exit_code = exit_code


def _archive_error(error: Exception) -> UserError:
    return UserError(str(error), EXIT_ARCHIVE)


def check_db(ctx: click.Context, param: click.Parameter, value: str) -> str:
    """Refuse an empty or malformed --db before the command starts: one line, no password."""
    from sqlalchemy.engine import make_url
    from sqlalchemy.exc import ArgumentError, NoSuchModuleError

    from archive_db.engine import mask_url, sqlite_url_of

    if not value.strip():
        raise UserError("--db is empty: give an SQLite file path or an SQLAlchemy URL", EXIT_USAGE)
    try:
        url = make_url(sqlite_url_of(value))
        url.get_dialect()
    except NoSuchModuleError:
        raise UserError(
            f"cannot open archive {mask_url(value)}: no database dialect {url.drivername!r} "
            "(give an SQLite file path or a postgresql+psycopg:// URL)",
            EXIT_ARCHIVE,
        ) from None
    except (ArgumentError, ValueError):  # ValueError: a port that is not a number
        message = f"not a database URL or file path: {mask_url(value)}"
        raise UserError(message, EXIT_ARCHIVE) from None
    path = Path(url.database or "") if url.get_backend_name() == "sqlite" else None
    if path and path.exists() and not path.is_file() and not path.is_dir():
        # Opening a FIFO to read its header would wait forever.
        raise UserError(
            f"cannot use {path} as an archive: it is not a regular file (a pipe or a device?)",
            EXIT_ARCHIVE,
        )
    return value


db_option = click.option(
    "--db",
    "db",
    envvar="NEWSARCHIVE_DB",
    default=DEFAULT_DB,
    show_default=True,
    callback=check_db,
    help="Archive: an SQLite file path or an SQLAlchemy URL (env NEWSARCHIVE_DB).",
)


class ArchiveGroup(click.Group):
    """The command group, answering a closed pipe itself: Click would exit 1 for it."""

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except BrokenPipeError:
            # `newsarchive export | head`: the reader left; not an error worth a traceback.
            silence_stdout()
            raise click.exceptions.Exit(EXIT_OK) from None


@click.group(cls=ArchiveGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="newsarchive")
def cli() -> None:
    """Scrape and archive regional news sites into a queryable archive.

    \b
    Example:
      newsarchive demo
    """


# --- crawl -------------------------------------------------------------------------------


def check_http_url(url: str) -> None:
    """Refuse, as wrong usage, a URL urllib or Scrapy would choke on (with a traceback):
    another scheme, no host, a bad port, spaces or control characters."""
    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018  # raises ValueError for a port that is not a number
    except ValueError as error:
        raise UserError(f"not a valid URL: {url!r} ({error})", EXIT_USAGE) from None
    if parts.scheme.lower() not in {"http", "https"}:
        raise UserError(f"only http(s) URLs can be fetched, not {url!r}", EXIT_USAGE)
    if not parts.hostname:
        raise UserError(f"not a URL with a host name: {url!r}", EXIT_USAGE)
    if any(char.isspace() or not char.isprintable() for char in url):
        raise UserError(f"not a valid URL (spaces or control characters): {url!r}", EXIT_USAGE)


def resolve_target(target: str) -> SiteProfile:
    """A start URL becomes an ad hoc profile; anything else names a profile: the user's own,
    a bundled one, or a .toml file."""
    if target.startswith(("http://", "https://")):
        check_http_url(target)
        try:
            return profile_for_url(target)
        except (ProfileError, ValueError) as error:
            raise UserError(str(error), EXIT_USAGE) from None
    if "://" in target:
        raise UserError(f"only http(s) start URLs can be crawled, not {target!r}", EXIT_USAGE)
    try:
        return load_profile(target)
    except ProfileError as error:
        raise UserError(str(error), EXIT_USAGE) from None


def prepare_archive(db: str, *, create: bool = True) -> str:
    """Open (creating or upgrading) the archive before any network work; return its URL.

    With `create` False, an SQLite archive must exist already (a missing or empty file is
    a one-line exit 4): a command that works on what is archived has nothing to work on.
    """
    from sqlalchemy.engine import make_url

    from archive_db.engine import ArchiveError, make_engine, mask_url, sqlite_url_of
    from archive_db.migrations import upgrade_archive

    if not create:
        url = make_url(sqlite_url_of(db))
        path = Path(url.database or "") if url.get_backend_name() == "sqlite" else None
        if path is not None and (not path.is_file() or path.stat().st_size == 0):
            raise UserError(f"no archive at {path}: nothing to work on", EXIT_ARCHIVE)
    try:
        engine = make_engine(db)
        try:
            upgrade_archive(engine)
        finally:
            engine.dispose()
    except ArchiveError as error:
        raise _archive_error(error) from None
    url = str(engine.url.render_as_string(hide_password=False))
    click.echo(f"archive: {mask_url(url)}", err=True)
    return url


def run_and_report(
    profiles: list[SiteProfile],
    *,
    db_url: str,
    options: dict[str, Any],
    arguments: dict[str, Any],
    fail_on_drift: bool = False,
) -> int:
    """Run one crawl over the profiles, print the summary, and return the exit code:
    EXIT_PARTIAL, not EXIT_OK, when every site finished but pages failed in this run.

    A site whose extraction drifted gets a line on stderr per field; with `fail_on_drift`
    the exit code says so too (EXIT_DRIFT), unless an archive error or a site no page of
    which answered says something worse.

    The archive's unresolved failures on the crawled sites go to the spiders, which fetch
    them again (up to settings.FAILED_URL_MAX_ATTEMPTS times, never after a 410).
    """
    from sqlalchemy.orm import Session

    from archive_db.engine import make_engine
    from archive_db.queries import archived_pages_on, unresolved_failures_on
    from spiders.incremental import ArchivedPages
    from spiders.runner import CrawlOptions, run_crawl

    engine = make_engine(db_url)
    try:
        with Session(engine) as session:
            domains = [domain for profile in profiles for domain in profile.domains]
            past_failures = unresolved_failures_on(session, domains)
            # Archived articles are fetched again only when due (RECHECK_* settings).
            archived_pages = ArchivedPages(archived_pages_on(session, domains))
    finally:
        engine.dispose()
    crawl_options = CrawlOptions(
        db_url=db_url,
        run_arguments=arguments,
        past_failures=past_failures,
        archived_pages=archived_pages,
        # A live line on a terminal; under cron, a plain line a minute (spiders/progress.py).
        # The CLI holds the sites' crawl locks itself (`crawl_locks`), and hands the archive's
        # state over above: the archive state extension has nothing left to do.
        settings={
            "PROGRESS": "live" if sys.stderr.isatty() else "plain",
            "ARCHIVE_CRAWL_LOCK": False,
        },
        **options,
    )
    results = run_crawl(profiles, crawl_options)
    print_summary(results)
    # The archive pipeline's one-line account of items it could not save (and where they went).
    archive_errors = [
        f"{r.site}: {r.stats['archive/error']}" for r in results if r.stats.get("archive/error")
    ]
    if archive_errors:
        raise UserError("; ".join(archive_errors), EXIT_ARCHIVE)
    drifted = report_drift(db_url, [result.site for result in results])
    unreachable = [r.site for r in results if not r.stats.get("response_received_count")]
    if unreachable:
        raise UserError(
            f"could not reach {', '.join(unreachable)}: no page answered ({latest_failure(db_url)})"
        )
    if drifted and fail_on_drift:
        return EXIT_DRIFT
    if not all(r.finish_reason == "finished" for r in results):
        return EXIT_CRAWL_INCOMPLETE
    return EXIT_PARTIAL if any(failed_pages(r.stats) for r in results) else EXIT_OK


def failed_pages(stats: dict[str, Any]) -> int:
    """Pages that failed in the run, but for archived articles the site has deleted: a 404 or
    410 there is recorded (as a failure, and the article marked gone) but is no fault of the
    crawl, and a nightly job must not report it as a partial failure night after night."""
    return int(stats.get("archive/failures", 0)) - int(stats.get("archive/gone", 0))


def report_drift(db_url: str, sites: Iterable[str]) -> bool:
    """Print a line on stderr for each field that drifted in the latest run of each site
    (archive_db/health.py says when a fall is sharp); return whether any did."""
    from sqlalchemy.orm import Session

    from archive_db.engine import readonly_engine
    from archive_db.health import describe_drift, latest_drift

    engine = readonly_engine(db_url)
    try:
        with Session(engine) as session:
            drifts = [drift for site in sites for drift in latest_drift(session, site)]
    finally:
        engine.dispose()
    for drift in drifts:
        click.echo(f"drift: {describe_drift(drift)}", err=True)
    return bool(drifts)


def latest_failure(db_url: str) -> str:
    """The last recorded fetch failure, as "URL: reason", to say why a site was unreachable."""
    from sqlalchemy.orm import Session

    from archive_db.engine import make_engine
    from archive_db.queries import fetch_failures

    engine = make_engine(db_url)
    try:
        with Session(engine) as session:
            failures = fetch_failures(session)
            last = max(failures, key=lambda failure: failure.failed_at, default=None)
            return "no failure recorded" if last is None else f"{last.url}: {last.reason}"
    finally:
        engine.dispose()


SUMMARY_COLUMNS = (
    ("site", None),
    ("pages", "response_received_count"),
    ("new", "archive/inserted"),
    ("updated", "archive/updated"),
    ("unchanged", "archive/unchanged"),
    ("not modified", "archive/not_modified"),  # re-checked archived pages that answered 304
    ("not articles", "parser/not_article"),
    ("failures", "archive/failures"),
)


def summary_rows(results: Iterable[CrawlResult]) -> list[dict[str, str]]:
    rows = []
    for result in results:
        row = {
            name: result.site if key is None else str(result.stats.get(key, 0))
            for name, key in SUMMARY_COLUMNS
        }
        row["time"] = f"{result.elapsed_seconds:.1f}s"
        row["finish"] = result.finish_reason
        rows.append(row)
    return rows


def print_summary(results: Iterable[CrawlResult]) -> None:
    """A Rich table on a terminal; plain `key: value` lines on a pipe, for logs and scripts."""
    rows = summary_rows(results)
    if not sys.stdout.isatty():
        for row in rows:
            click.echo(
                "crawl summary: " + ", ".join(f"{key}: {value}" for key, value in row.items())
            )
        return
    from rich.console import Console
    from rich.table import Table

    table = Table(title="crawl summary")
    for column in rows[0] if rows else ():
        table.add_column(column, justify="left" if column in {"site", "finish"} else "right")
    for row in rows:
        table.add_row(*row.values())
    Console().print(table)


def crawl_options(func: Callable[..., Any]) -> Callable[..., Any]:
    """The options shared by `crawl` and `demo`."""
    for option in reversed(
        [
            click.option("--max-pages", type=click.IntRange(min=1), help="Stop after N pages."),
            # Scrapy reads a DEPTH_LIMIT of 0 as "no limit": the opposite of what 0 says.
            click.option("--max-depth", type=click.IntRange(min=1), help="Follow links N deep."),
            click.option(
                "--timeout",
                type=click.FloatRange(min=0, min_open=True),
                help="Seconds to wait for a page before recording it as failed (default 30).",
            ),
            click.option(
                "--delay",
                type=click.FloatRange(min=0),
                help="Seconds between requests to a site (0 turns politeness delays off: "
                "for local sites only). Default: the profile's, else 1 s with AutoThrottle.",
            ),
            click.option(
                "--concurrency", type=click.IntRange(min=1), help="Parallel requests per site."
            ),
            click.option(
                "--parse-processes",
                type=click.IntRange(min=0),
                help="Worker processes that parse pages while the crawl fetches "
                "(0: parse in the crawl process). Default: one per CPU core, at most 2; "
                "none on a one-core machine.",
            ),
            click.option(
                "--user-agent", help="User-Agent header (default identifies newsarchive)."
            ),
            click.option(
                "--recheck-young-days",
                type=click.FloatRange(min=0),
                help="Archived articles published less than N days ago are fetched again "
                "(conditionally) on every crawl. Default 3.",
            ),
            click.option(
                "--recheck-every-days",
                type=click.FloatRange(min=0),
                help="Older archived articles are fetched again (conditionally) about every "
                "N days, or sooner when their sitemap or feed date moves. Default 30.",
            ),
            click.option(
                "--recheck-all",
                is_flag=True,
                default=None,
                help="Fetch every archived article again (conditionally: unchanged pages cost "
                "a 304), whatever the re-check policy says.",
            ),
            click.option(
                "--log-level",
                type=click.Choice(["DEBUG", "INFO", "WARNING", "ERROR"], case_sensitive=False),
                default="WARNING",
                show_default=True,
            ),
        ]
    ):
        func = option(func)
    return func


# --- crawls on a shared frontier (commands/frontier.py) -----------------------------------

DEFAULT_EXIT_WHEN_IDLE = 60.0

frontier_option = click.option(
    "--frontier",
    "frontier_url",
    metavar="redis://HOST:PORT/DB",
    envvar="NEWSARCHIVE_FRONTIER",
    help="The Redis that holds the shared frontier: its queue, seen requests and workers "
    "(env NEWSARCHIVE_FRONTIER). A password goes in the URL: redis://:PASSWORD@HOST:6379/0.",
)
frontier_name_option = click.option(
    "--frontier-name",
    default="newsarchive",
    show_default=True,
    help="Which frontier of that Redis: its keys start with NAME:. Separate crawls, separate "
    "names.",
)
exit_when_idle_option = click.option(
    "--exit-when-idle",
    type=click.FloatRange(min=0),
    default=DEFAULT_EXIT_WHEN_IDLE,
    show_default=True,
    metavar="SECONDS",
    help="End once the frontier (its queue and every worker's requests in flight) has been "
    "empty this long.",
)
fail_on_drift_option = click.option(
    "--fail-on-drift",
    is_flag=True,
    help="Exit 6 when a site's extraction drifted: a title, date, author or body found on "
    "far fewer articles than in its previous runs (a template change). Drift is reported "
    "on stderr either way.",
)


@cli.command()
@click.argument("targets", nargs=-1)
@click.option(
    "--targets-file",
    type=click.File("r", encoding="utf-8"),
    help="Targets to crawl, one a line (# starts a comment), besides those given as arguments.",
)
@db_option
@click.option(
    "--jobdir",
    metavar="DIR|auto",
    help="Keep each site's crawl state in DIR/<site>: a crawl stopped by Ctrl-C or SIGTERM "
    "resumes where it left off at the next run with the same DIR (after kill -9 it starts "
    "over; nothing is archived twice). `auto`: a folder per archive under "
    "$NEWSARCHIVE_STATE_DIR, else $XDG_STATE_HOME/newsarchive (~/.local/state/newsarchive).",
)
@fail_on_drift_option
@frontier_option
@frontier_name_option
@exit_when_idle_option
@click.option(
    "--seed-only",
    is_flag=True,
    help="With --frontier: queue the sites' start requests and end at once, leaving the "
    "crawl to workers.",
)
@crawl_options
def crawl(
    targets: tuple[str, ...],
    targets_file: IO[str] | None,
    db: str,
    jobdir: str | None,
    fail_on_drift: bool,
    frontier_url: str | None,
    frontier_name: str,
    exit_when_idle: float,
    seed_only: bool,
    **options: Any,
) -> int:
    """Crawl sites into the archive. TARGET is a start URL (homepage, section page, sitemap
    or feed) or a site profile (one of yours, see `newsarchive sites`, a bundled name such as
    `chamberlainfiles`, or a .toml path).

    While it runs, it holds a lock per site on the archive: a second crawl of one of its
    sites into the same archive exits 75 at once.

    With --frontier, the crawl is shared: the sites are queued in that Redis, and this
    process crawls beside any number of `newsarchive worker`s until the frontier has been
    empty for --exit-when-idle seconds (docs/scale-out.md). Then there are no site locks:
    every worker crawls every site, each page once.

    \b
    Examples:
      newsarchive crawl https://www.example-news.co.uk/ --max-pages 200
      newsarchive crawl --targets-file sites.txt --frontier redis://127.0.0.1:6379/0 \\
          --db postgresql+psycopg://archive@127.0.0.1/news
    """
    if targets_file is not None:
        targets += tuple(targets_in(targets_file))
    if not targets:
        raise UserError("nothing to crawl: give a TARGET or --targets-file", EXIT_USAGE)
    profiles = [resolve_target(target) for target in targets]
    if frontier_url is not None:
        if jobdir is not None:
            raise UserError(
                "--jobdir is for crawls of their own: a frontier keeps its queue in Redis",
                EXIT_USAGE,
            )
        from commands.frontier import crawl_on_frontier

        given = _given(options)
        return crawl_on_frontier(
            profiles,
            db=db,
            frontier_url=frontier_url,
            frontier_name=frontier_name,
            exit_when_idle=exit_when_idle,
            seed_only=seed_only,
            fail_on_drift=fail_on_drift,
            options=given,
            arguments={"command": "crawl", "targets": list(targets), **given},
        )
    if seed_only:
        raise UserError("--seed-only needs --frontier", EXIT_USAGE)
    db_url = prepare_archive(db)
    jobs = job_root_of(jobdir, db_url)
    given = _given(options) | ({"jobdir": str(jobs)} if jobs is not None else {})
    arguments = {"command": "crawl", "targets": list(targets), **given}
    with crawl_locks(profiles, db_url=db_url, jobs=jobs):
        return run_and_report(
            profiles,
            db_url=db_url,
            options=given,
            arguments=arguments,
            fail_on_drift=fail_on_drift,
        )


def targets_in(lines: IO[str]) -> list[str]:
    """The targets of a targets file: one a line, blank lines and # comments skipped."""
    return [target for line in lines if (target := line.split("#", 1)[0].strip())]


def job_root_of(jobdir: str | None, db_url: str) -> Path | None:
    """The folder of the sites' job folders that --jobdir names (`auto`: the archive's own)."""
    if jobdir is None:
        return None
    if not jobdir.strip():
        raise UserError("--jobdir is empty: give a folder, or `auto`", EXIT_USAGE)
    if jobdir != "auto":
        return Path(jobdir).expanduser().absolute()
    from archive_db.locks import archive_identity
    from spiders.runner import default_jobdir

    return default_jobdir(archive_identity(db_url))


@contextmanager
def crawl_locks(profiles: list[SiteProfile], *, db_url: str, jobs: Path | None) -> Iterator[None]:
    """Hold, for the crawl, each site's lock on the archive and on its job folder; one held
    by another crawl is a one-line error with EXIT_LOCKED."""
    from archive_db.engine import ArchiveError
    from archive_db.locks import CrawlLocked, crawl_lock, job_folder_lock
    from spiders.runner import job_folder_of

    names = [profile.name for profile in profiles]
    if jobs is not None and len(set(names)) < len(names):
        twice = next(name for name in names if names.count(name) > 1)
        raise UserError(
            f"two targets are one site ({twice}): with --jobdir, give each site once", EXIT_USAGE
        )
    with ExitStack() as stack:
        try:
            for name in dict.fromkeys(names):  # two start URLs of one site: one lock
                stack.enter_context(crawl_lock(db_url, name))
                if jobs is not None:
                    stack.enter_context(job_folder_lock(job_folder_of(jobs, name)))
        except CrawlLocked as error:
            raise UserError(f"{error}; try again once it has finished", EXIT_LOCKED) from None
        except ArchiveError as error:
            raise _archive_error(error) from None
        yield


def _given(options: dict[str, Any]) -> dict[str, Any]:
    return {key: value for key, value in options.items() if value is not None}


# --- demo --------------------------------------------------------------------------------


@cli.command()
@db_option
@click.option(
    "--port",
    type=click.IntRange(0, 65535),
    default=DEMO_PORT,
    show_default=True,
    help="Loopback port. Keep it the same between runs: the port is part of every URL, so "
    "a re-run on another port archives the articles again under new URLs (0: any free port).",
)
@click.option("--serve-only", is_flag=True, help="Only serve the demo site until Ctrl-C.")
@crawl_options
def demo(db: str, port: int, serve_only: bool, **options: Any) -> int:
    """Serve the bundled demo news site on 127.0.0.1 and crawl it into the archive,
    with the same code path as a real crawl (no internet needed).

    \b
    Example:
      newsarchive demo --db demo.sqlite
    """
    from demo.server import serve_demo
    from demo.site import demo_profile

    with ExitStack() as stack:
        try:
            server = stack.enter_context(serve_demo(port=port))
        except OSError as error:
            raise UserError(
                f"cannot serve the demo on 127.0.0.1:{port}: {error.strerror}; pick another --port"
            ) from None
        if serve_only:
            click.echo(f"serving the demo site at {server.base_url}/ (Ctrl-C stops)")
            try:
                while True:
                    time.sleep(3600)
            except KeyboardInterrupt:
                return EXIT_OK
        db_url = prepare_archive(db)
        click.echo(f"crawling the demo site at {server.base_url}/", err=True)
        profile = demo_profile(server.base_url)
        given = {"delay": 0.0, **_given(options)}
        arguments = {"command": "demo", "targets": [profile.start_urls[0]], **given}
        code = run_and_report([profile], db_url=db_url, options=given, arguments=arguments)
    print_recent_titles(db_url)
    if code == EXIT_PARTIAL:
        # The demo site breaks a few pages on purpose, to show failures being recorded: that
        # is the demo working, not a partial failure of the first command a user runs.
        click.echo("the demo site's broken pages were recorded as failures, as intended", err=True)
        return EXIT_OK
    return code


def print_recent_titles(db_url: str, limit: int = 5) -> None:
    from sqlalchemy.orm import Session

    from archive_db.engine import make_engine
    from archive_db.queries import article_count, recent_titles

    engine = make_engine(db_url)
    try:
        with Session(engine) as session:
            total = article_count(session)
            titles = recent_titles(session, limit)
    finally:
        engine.dispose()
    click.echo(f"{total} articles in the archive; the latest published:")
    for entry in titles:
        click.echo(f"  - {entry.title}  ({entry.url})")


# --- parse -------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class FetchedPage:
    body: bytes
    url: str  # after redirects
    http_charset: str | None
    fetched_at: datetime


def fetch_page(url: str, *, user_agent: str | None = None) -> FetchedPage:
    """Fetch one page for `parse`/`fixtures save`, identifying ourselves like the crawler."""
    import settings

    check_http_url(url)  # http(s) only; urllib then follows redirects to http(s) or ftp only
    user_agent = user_agent or settings.USER_AGENT
    request = urllib.request.Request(url, headers={"User-Agent": user_agent})  # noqa: S310
    try:
        with urllib.request.urlopen(request, timeout=FETCH_TIMEOUT_SECONDS) as response:  # noqa: S310
            body = response.read(MAX_PAGE_BYTES + 1)
            headers: Message = response.headers
            final_url = response.geturl()
    except urllib.error.HTTPError as error:
        raise UserError(f"cannot fetch {url}: HTTP {error.code} {error.reason}") from None
    except ValueError as error:  # http.client.InvalidURL, e.g. a redirect to a malformed URL
        raise UserError(f"cannot fetch {url}: {error}") from None
    except (urllib.error.URLError, TimeoutError, OSError) as error:
        reason = getattr(error, "reason", error)
        raise UserError(f"cannot fetch {url}: {reason}") from None
    if len(body) > MAX_PAGE_BYTES:
        raise UserError(f"cannot fetch {url}: larger than {MAX_PAGE_BYTES} bytes")
    content_type = headers.get_content_type()
    if content_type not in {"text/html", "application/xhtml+xml"}:
        raise UserError(f"{url} is not an HTML page (Content-Type {content_type})")
    return FetchedPage(body, final_url, headers.get_content_charset(), datetime.now(UTC))


def read_page_file(path: Path) -> bytes:
    """A saved page's bytes; a FIFO or a device is refused, since reading it may never end."""
    if path.exists() and not path.is_file() and not path.is_dir():
        raise UserError(f"{path} is not a regular file (a pipe or a device?)")
    try:
        return path.read_bytes()
    except FileNotFoundError:
        raise UserError(f"no such file: {path}") from None
    except IsADirectoryError:
        raise UserError(f"{path} is a folder, not an HTML file") from None
    except OSError as error:
        raise UserError(f"cannot read {path}: {error.strerror}") from None


def looks_like_html(body: bytes) -> bool:
    """Reject binaries early: a NUL byte in the first KiB never occurs in an HTML page."""
    head = body[:1024]
    return bool(body.strip()) and b"\x00" not in head and not head.startswith(b"%PDF")


@cli.command()
@click.argument("source", required=False)
@click.option("--url", help="The page's URL, when SOURCE is a saved file.")
@click.option("--profile", "profile_name", help="A site profile for selector overrides.")
@click.option(
    "--jsonl", is_flag=True, help='Read {"path", "url"} lines on stdin; one record a line.'
)
def parse(source: str | None, url: str | None, profile_name: str | None, jsonl: bool) -> int:
    """Print the record extracted from one page (a file or a URL) as JSON.

    \b
    Examples:
      newsarchive parse saved.html --url https://www.example.co.uk/news/story/
      printf '{"path": "a.html", "url": "https://x.test/a"}\\n' | newsarchive parse --jsonl
    """
    profile = resolve_target(profile_name) if profile_name else None
    if jsonl:
        if source:
            raise UserError("--jsonl reads stdin; give no SOURCE", EXIT_USAGE)
        parse_stream(sys.stdin, sys.stdout, profile=profile)
        return EXIT_OK
    if not source:
        raise UserError("give a file or a URL to parse (or --jsonl)", EXIT_USAGE)
    record = parse_source(source, url=url, profile=profile)
    if record is None:
        click.echo("null")
        click.echo(f"{source}: not an article page", err=True)
        return EXIT_OK
    click.echo(json.dumps(record, indent=2, ensure_ascii=False, sort_keys=True))
    return EXIT_OK


def parse_source(
    source: str, *, url: str | None, profile: SiteProfile | None
) -> dict[str, Any] | None:
    from parsers import parse_article

    if "://" in source:
        page = fetch_page(source)
        body, page_url, charset, fetched_at = (
            page.body,
            url or page.url,
            page.http_charset,
            page.fetched_at,
        )
    else:
        path = Path(source)
        body, charset, fetched_at = read_page_file(path), None, None
        page_url = url or path.resolve().as_uri()
        if not looks_like_html(body):
            raise UserError(f"{source} is not an HTML file")
    record = parse_article(
        body, page_url, profile=profile, fetched_at=fetched_at, http_charset=charset
    )
    return None if record is None else record_to_json(record)


def parse_stream(lines: IO[str], out: IO[str], *, profile: SiteProfile | None) -> None:
    """One record (or error) per request line, in order, flushed: a pipe protocol for benchmarks."""
    from parsers import parse_article

    for line in lines:
        if not line.strip():
            continue
        answer = parse_request(line, parse_article, profile)
        out.write(json.dumps(answer, ensure_ascii=False) + "\n")
        out.flush()


def parse_request(
    line: str, parse_article: Callable[..., Any], profile: SiteProfile | None
) -> dict[str, Any] | None:
    try:
        request = json.loads(line)
        path = str(request["path"])
    except (json.JSONDecodeError, KeyError, TypeError):
        return {"path": None, "error": f"not a request line: {line.strip()[:200]}"}
    if Path(path).exists() and not Path(path).is_file() and not Path(path).is_dir():
        return {"path": path, "error": "not a regular file (a pipe or a device?)"}
    try:
        body = Path(path).read_bytes()
    except OSError as error:
        return {"path": path, "error": f"cannot read: {error.strerror}"}
    if not looks_like_html(body):
        return {"path": path, "error": "not an HTML file"}
    url = request.get("url") or Path(path).resolve().as_uri()
    record = parse_article(body, url, profile=profile)
    if record is None:
        return {"path": path, "record": None}
    return {"path": path, **record_to_json(record)}


# --- archive readers: shared helpers ------------------------------------------------------

OUTPUT_FORMATS = ("table", "json", "csv")


def open_reader(db: str) -> Any:
    """A read-only engine on an archive at the current schema, or a one-line exit 4."""
    from archive_db.engine import ArchiveError
    from archive_db.migrations import readonly_archive

    try:
        return readonly_archive(db)
    except ArchiveError as error:
        raise _archive_error(error) from None


def parse_day(option: str, value: str | None, *, end: bool = False) -> date | None:
    """An --since/--until day (YYYY-MM-DD); `end` turns an inclusive last day into the
    exclusive bound the queries take (the next day)."""
    if value is None:
        return None
    try:
        day = date.fromisoformat(value.strip())
    except ValueError:
        raise UserError(
            f"{option} {value!r} is not a date: give YYYY-MM-DD, e.g. 2024-05-01", EXIT_USAGE
        ) from None
    return day + timedelta(days=1) if end else day


def date_options(func: Callable[..., Any]) -> Callable[..., Any]:
    func = click.option(
        "--until", help="Only articles published on or before this day (YYYY-MM-DD, UTC)."
    )(func)
    return click.option(
        "--since", help="Only articles published on or after this day (YYYY-MM-DD, UTC)."
    )(func)


def format_option(default: str = "table") -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    return click.option(
        "--format",
        "fmt",
        type=click.Choice(OUTPUT_FORMATS),
        default=default,
        show_default=True,
        help="table (a Rich table on a terminal, tab-separated on a pipe), json or csv.",
    )


def cell(value: object) -> object:
    """A value fit for JSON and CSV: datetimes and dates as ISO 8601, bytes as hex."""
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, bytes):
        return value.hex()
    return value


def as_flat_text(value: object) -> object:
    """A list or mapping as JSON text, for table and CSV cells; anything else unchanged."""
    return json.dumps(value, ensure_ascii=False) if isinstance(value, list | dict) else value


def emit_rows(columns: tuple[str, ...], rows: Iterable[tuple[Any, ...]], fmt: str) -> None:
    """Print rows as a table (Rich on a terminal, tab-separated on a pipe), JSON or CSV."""
    cells = [tuple(cell(value) for value in row) for row in rows]
    if fmt == "json":
        objects = [dict(zip(columns, row, strict=True)) for row in cells]
        click.echo(json.dumps(objects, ensure_ascii=False, indent=2))
        return
    # PostgreSQL hands JSON columns back as lists and dicts: flat formats show them as JSON.
    cells = [tuple(as_flat_text(value) for value in row) for row in cells]
    if fmt == "csv":
        writer = csv.writer(sys.stdout)
        writer.writerow(columns)
        writer.writerows(cells)
        return
    text_rows = [["" if value is None else str(value) for value in row] for row in cells]
    if not sys.stdout.isatty():
        click.echo("\t".join(columns))
        for row in text_rows:
            click.echo("\t".join(value.replace("\t", " ").replace("\n", " ") for value in row))
        return
    from rich.console import Console
    from rich.table import Table

    table = Table()
    for name in columns:
        table.add_column(name, overflow="fold")
    for row in text_rows:
        table.add_row(*row)
    Console().print(table)


# --- export ------------------------------------------------------------------------------

EXPORT_EXTRA_KEYS = ("first_seen", "last_seen", "versions")
STRUCTURED_KEYS = ("lists", "related", "images", "provenance")


@cli.command()
@db_option
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["jsonl", "csv", "parquet"]),
    default="jsonl",
    show_default=True,
    help="parquet needs pyarrow (pip install 'newsarchive[parquet]') and --output.",
)
@click.option("--site", help="Only articles of this host name, e.g. www.example.co.uk.")
@date_options
@click.option(
    "--output",
    "-o",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Write to FILE (atomically: never a half file) instead of stdout.",
)
def export(
    db: str,
    fmt: str,
    site: str | None,
    since: str | None,
    until: str | None,
    output: Path | None,
) -> int:
    """Export archived articles, one per line (JSON lines), row (CSV) or Parquet row, with
    the record keys plus first_seen, last_seen and versions.

    \b
    Examples:
      newsarchive export --format csv --site www.chamberlainfiles.com -o articles.csv
      newsarchive export --since 2024-05-01 --until 2024-05-31 --format parquet -o may.parquet
    """
    low, high = parse_day("--since", since), parse_day("--until", until, end=True)
    if fmt == "parquet":
        if output is None:
            raise UserError("--format parquet writes a file: give --output FILE", EXIT_USAGE)
        try:
            import pyarrow  # noqa: F401
        except ImportError:
            raise UserError(
                "--format parquet needs pyarrow: pip install 'newsarchive[parquet]'", EXIT_USAGE
            ) from None
    rows = exported_rows(db, site=site, since=low, until=high)
    if fmt == "parquet":
        assert output is not None
        with atomic_path(output) as temporary:
            write_parquet(rows, temporary)
        return EXIT_OK
    with open_output(output) as stream:
        if fmt == "jsonl":
            for row in rows:
                stream.write(json.dumps(row, ensure_ascii=False) + "\n")
        else:
            write_csv(rows, stream)
    return EXIT_OK


def exported_rows(
    db: str, *, site: str | None, since: date | None = None, until: date | None = None
) -> Iterator[dict[str, Any]]:
    from sqlalchemy.orm import Session

    from archive_db.engine import ArchiveError
    from archive_db.queries import exported_articles

    engine = open_reader(db)
    try:
        with Session(engine) as session:
            archived = list(exported_articles(session, site=site, since=since, until=until))
    except ArchiveError as error:
        raise _archive_error(error) from None
    finally:
        engine.dispose()
    for article in archived:
        row = record_to_json(article.record)
        row["first_seen"] = article.first_seen.isoformat()
        row["last_seen"] = article.last_seen.isoformat()
        row["versions"] = article.versions
        yield row


def flat_row(row: dict[str, Any]) -> dict[str, Any]:
    """Structured fields (lists, related, images, provenance) as JSON text."""
    flat = dict(row)
    for key in STRUCTURED_KEYS:
        flat[key] = json.dumps(row[key], ensure_ascii=False)
    return flat


def write_csv(rows: Iterable[dict[str, Any]], stream: IO[str]) -> None:
    """Flat cells: names joined with "; ", structured fields (lists, related, ...) as JSON."""
    from items import RECORD_KEYS

    writer = csv.DictWriter(stream, fieldnames=[*RECORD_KEYS, *EXPORT_EXTRA_KEYS])
    writer.writeheader()
    for row in rows:
        flat = flat_row(row)
        for key in ("authors", "tags"):
            flat[key] = "; ".join(row[key])
        writer.writerow(flat)


def write_parquet(rows: Iterable[dict[str, Any]], path: Path) -> None:
    """One Parquet row per article: authors and tags as lists of strings, structured
    fields as JSON text (as in CSV), versions an integer, everything else text."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    from items import RECORD_KEYS

    def kind(key: str) -> Any:
        if key in {"authors", "tags"}:
            return pa.list_(pa.string())
        return pa.int64() if key == "versions" else pa.string()

    schema = pa.schema([(key, kind(key)) for key in (*RECORD_KEYS, *EXPORT_EXTRA_KEYS)])
    table = pa.Table.from_pylist([flat_row(row) for row in rows], schema=schema)
    pq.write_table(table, path)


DISK_FULL_ERRNOS = {
    errno.ENOSPC: "the disk is full",
    errno.EFBIG: "the file is larger than this process may write",
    errno.EDQUOT: "the disk quota is used up",
}


def output_error(path: Path | str, error: OSError) -> UserError:
    """`cannot write PATH: why`, naming a full disk as such; exit 4."""
    why = DISK_FULL_ERRNOS.get(error.errno or 0, "")
    detail = f"{why} ({error.strerror})" if why else (error.strerror or str(error))
    return UserError(f"cannot write {path}: {detail}", EXIT_ARCHIVE)


def is_device_or_pipe(path: Path) -> bool:
    """Whether PATH is written in place rather than replaced: a FIFO or a device
    (/dev/null, /dev/stdout), which a rename would swap for a plain file."""
    normal = Path(os.path.normpath(path.absolute()))
    if normal.parts[1:2] in {("dev",), ("proc",)}:
        return True
    return normal.exists() and not normal.is_file() and not normal.is_dir()


def new_file_mode(path: Path) -> int:
    """The replaced file's permissions, else what open() would give (mkstemp makes 0600)."""
    try:
        return path.stat().st_mode & 0o7777
    except OSError:
        umask = os.umask(0)
        os.umask(umask)
        return 0o666 & ~umask


@contextmanager
def atomic_path(path: Path) -> Iterator[Path]:
    """A temporary file beside PATH, renamed over it only once the caller wrote it whole.

    mkstemp names it ``.NAME.<random>.tmp`` in PATH's own folder (only PATH's last part is
    used, so no article data ever reaches a file name), so the rename never crosses file
    systems; any failure or interrupt removes it. A symlink at PATH is replaced by the new
    file, its target left untouched.
    """
    directory = path.parent  # Path("out.csv").parent is Path(".")
    try:
        handle, name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=directory)
    except OSError as error:
        raise output_error(path, error) from None
    os.close(handle)
    temporary = Path(name)
    try:
        temporary.chmod(new_file_mode(path))
        yield temporary
        os.replace(temporary, path)
    except OSError as error:
        raise output_error(path, error) from None
    finally:
        if temporary.exists():
            temporary.unlink()


@contextmanager
def open_output(path: Path | None) -> Iterator[IO[str]]:
    """stdout, or a temporary file beside PATH renamed over it only once everything is
    written; a FIFO or device (e.g. /dev/null) is written directly."""
    if path is None:
        yield sys.stdout
        return
    if is_device_or_pipe(path):
        try:
            with path.open("w", encoding="utf-8", newline="") as stream:
                yield stream
        except OSError as error:
            raise output_error(path, error) from None
        return
    with (
        atomic_path(path) as temporary,
        temporary.open("w", encoding="utf-8", newline="") as stream,
    ):
        yield stream


# --- db ----------------------------------------------------------------------------------


@cli.group("db")
def db_group() -> None:
    """Look after the archive file: upgrade its schema, show what it holds.

    \b
    Example:
      newsarchive db info --db archive.sqlite
    """


@db_group.command("upgrade")
@db_option
def db_upgrade(db: str) -> int:
    """Bring an archive made by an older newsarchive to the current schema (no row is lost).

    \b
    Example:
      newsarchive db upgrade --db archive.sqlite
    """
    from archive_db.engine import ArchiveError, make_engine, mask_url, sqlite_url_of
    from archive_db.migrations import upgrade_archive

    url = sqlite_url_of(db)
    if url.startswith("sqlite:///") and not Path(url.removeprefix("sqlite:///")).is_file():
        raise UserError(f"no archive at {mask_url(db)}", EXIT_ARCHIVE)
    try:
        engine = make_engine(db)
        try:
            before, after = upgrade_archive(engine)
        finally:
            engine.dispose()
    except ArchiveError as error:
        raise _archive_error(error) from None
    if before == after:
        click.echo(f"{mask_url(db)} is already at the current schema ({after})")
    else:
        click.echo(f"upgraded {mask_url(db)} from {before or 'an empty database'} to {after}")
    return EXIT_OK


@db_group.command("info")
@db_option
def db_info(db: str) -> int:
    """Show an archive's schema revision and its tables with their row counts.

    \b
    Example:
      newsarchive db info --db archive.sqlite
    """
    from archive_db.engine import ArchiveError, mask_url, readonly_engine
    from archive_db.migrations import archive_overview

    try:
        engine = readonly_engine(db)
        try:
            overview = archive_overview(engine, described=mask_url(db))
        finally:
            engine.dispose()
    except ArchiveError as error:
        raise _archive_error(error) from None
    click.echo(f"archive: {mask_url(db)}")
    click.echo(f"schema revision: {overview.revision} ({overview.status})")
    click.echo("tables:")
    width = max((len(name) for name in overview.row_counts), default=0)
    for name, count in overview.row_counts.items():
        click.echo(f"  {name:<{width}}  {count}")
    return EXIT_OK


# --- history -----------------------------------------------------------------------------


@cli.command()
@click.argument("url")
@db_option
def history(url: str, db: str) -> int:
    """List the versions of one article (by URL or canonical URL), with a unified diff of
    the body between consecutive versions.

    \b
    Example:
      newsarchive history https://www.chamberlainfiles.com/some-article/
    """
    import difflib

    from sqlalchemy.orm import Session

    from archive_db.queries import article_history

    engine = open_reader(db)
    try:
        with Session(engine) as session:
            revisions = article_history(session, url.strip())
    finally:
        engine.dispose()
    if not revisions:
        raise UserError(f"no article at {url} in the archive")
    previous = None
    for revision in revisions:
        run = "-" if revision.crawl_run_id is None else str(revision.crawl_run_id)
        click.echo(
            f"version {revision.number}  seen {revision.seen_at.isoformat()}  crawl run {run}  "
            f"sha256 {revision.content_hash[:12]}  {revision.title or '(no title)'}"
        )
        if previous is not None:
            diff = difflib.unified_diff(
                previous.body.splitlines(),
                revision.body.splitlines(),
                fromfile=f"version {previous.number}",
                tofile=f"version {revision.number}",
                lineterm="",
            )
            lines = list(diff)
            for line in lines or ["  (body unchanged)"]:
                click.echo(f"  {line}")
        previous = revision
    return EXIT_OK


# --- search ------------------------------------------------------------------------------


@cli.command()
@click.argument("query")
@db_option
@click.option("--site", help="Only articles of this host name.")
@date_options
@click.option("--author", help="Only articles with this author (exact name, any case).")
@click.option("--tag", help="Only articles with this tag (exact name, any case).")
@click.option(
    "--limit", type=click.IntRange(min=1), default=20, show_default=True, help="At most N hits."
)
@format_option()
def search(
    query: str,
    db: str,
    site: str | None,
    since: str | None,
    until: str | None,
    author: str | None,
    tag: str | None,
    limit: int,
    fmt: str,
) -> int:
    """Full-text search over titles, summaries, bodies, authors and tags, best first, with
    the matching passage highlighted. QUERY is FTS5 syntax: words, "a phrase", OR, NOT,
    prefix*, title:word.

    \b
    Example:
      newsarchive search '"county council" budget' --since 2024-01-01 --limit 10
    """
    from sqlalchemy.orm import Session

    from archive_db.queries import site_known
    from archive_db.search import SearchError, search_articles

    low, high = parse_day("--since", since), parse_day("--until", until, end=True)
    engine = open_reader(db)
    try:
        with Session(engine) as session:
            if site is not None and not site_known(session, site):
                raise UserError(f"no site {site!r} in the archive")
            hits = search_articles(
                session,
                query,
                site=site,
                since=low,
                until=high,
                author=author,
                tag=tag,
                limit=limit,
            )
    except SearchError as error:
        raise UserError(str(error)) from None
    finally:
        engine.dispose()
    if not hits:
        click.echo(f"no articles match {query!r}", err=True)
    columns = ("rank", "published", "site", "title", "url", "snippet")
    emit_rows(
        columns,
        (
            (
                float(f"{hit.rank:.3g}") if fmt == "table" else hit.rank,
                hit.published,
                hit.site,
                hit.title,
                hit.url,
                hit.snippet,
            )
            for hit in hits
        ),
        fmt,
    )
    return EXIT_OK


# --- sql ---------------------------------------------------------------------------------


@cli.command()
@click.argument("statement")
@db_option
@format_option()
def sql(statement: str, db: str, fmt: str) -> int:
    """Run one SQL query on the archive, opened read-only: no statement can change it.
    STATEMENT `-` reads the SQL from stdin.

    \b
    Example:
      newsarchive sql "select site, count(*) from article_latest group by site"
    """
    from archive_db.sql import QueryError, run_readonly_sql

    text = sys.stdin.read() if statement == "-" else statement
    engine = open_reader(db)
    try:
        result = run_readonly_sql(engine, text)
    except QueryError as error:
        raise UserError(str(error)) from None
    finally:
        engine.dispose()
    emit_rows(result.columns, result.rows, fmt)
    return EXIT_OK


# --- stats -------------------------------------------------------------------------------


@cli.command()
@db_option
@format_option()
def stats(db: str, fmt: str) -> int:
    """Per site: articles, the publication dates covered, the share of articles with each
    field, unresolved fetch failures; and the last crawl.

    \b
    Example:
      newsarchive stats --format csv > coverage.csv
    """
    from sqlalchemy.orm import Session

    from archive_db.queries import STAT_FIELDS, latest_crawl_run, site_statistics

    engine = open_reader(db)
    try:
        with Session(engine) as session:
            statistics = site_statistics(session)
            run = latest_crawl_run(session)
            last_crawl = (
                None
                if run is None
                else {
                    "started_at": run.started_at.isoformat(),
                    "finished_at": run.finished_at.isoformat() if run.finished_at else None,
                    "outcome": run.finish_reason or "unfinished",
                }
            )
    finally:
        engine.dispose()
    columns = ("site", "articles", "from", "to", *STAT_FIELDS, "failures")

    def share(value: float) -> object:
        return f"{value:.0%}" if fmt == "table" else round(value, 4)

    rows = [
        (
            entry.site,
            entry.articles,
            entry.first_published.date() if entry.first_published else None,
            entry.last_published.date() if entry.last_published else None,
            *(share(entry.present[name]) for name in STAT_FIELDS),
            entry.failures,
        )
        for entry in statistics
    ]
    if fmt == "json":
        sites = [dict(zip(columns, map(cell, row), strict=True)) for row in rows]
        click.echo(json.dumps({"sites": sites, "last_crawl": last_crawl}, indent=2))
        return EXIT_OK
    emit_rows(columns, rows, fmt)
    if fmt == "table":
        if last_crawl is None:
            click.echo("last crawl: none recorded")
        else:
            click.echo(
                f"last crawl: started {last_crawl['started_at']}, outcome {last_crawl['outcome']}"
            )
    return EXIT_OK


# --- serve -------------------------------------------------------------------------------

SERVE_PORT = 8001
# Body cells run to kilobytes: Datasette's HTML tables show the first characters only
# (JSON and CSV output keep the whole text).
SERVE_SETTINGS = {"truncate_cells_html": 300, "sql_time_limit_ms": 3000}


def is_loopback(host: str) -> bool:
    """Whether `host` names this machine only (127.0.0.0/8, ::1, localhost)."""
    import ipaddress

    if host.strip().lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def serve_archive_path(db: str) -> Path:
    """The SQLite file behind --db, checked to be a current archive (else exit 4)."""
    from sqlalchemy.engine import make_url
    from sqlalchemy.exc import ArgumentError

    from archive_db.engine import mask_url, sqlite_url_of

    try:
        url = make_url(sqlite_url_of(db))
    except ArgumentError:
        raise UserError(f"not a database URL or file path: {mask_url(db)}", EXIT_ARCHIVE) from None
    if url.get_backend_name() != "sqlite" or not url.database or url.database == ":memory:":
        raise UserError(
            f"serve needs an SQLite archive file, not {mask_url(db)} (Datasette reads SQLite only)",
            EXIT_USAGE,
        )
    open_reader(db).dispose()  # one line and exit 4 for a non-archive, older or newer one
    return Path(url.database)


def listening_socket(host: str, port: int) -> socket.socket:
    """A bound, listening TCP socket: the port is taken before Datasette starts, so a busy
    port is one clear line and port 0 can report the port it got."""
    import socket

    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM, flags=socket.AI_PASSIVE)
    except socket.gaierror as error:
        raise UserError(f"cannot listen on {host}: {error.strerror}", EXIT_USAGE) from None
    family, kind, protocol, _, address = infos[0]
    sock = socket.socket(family, kind, protocol)
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind(address)
        sock.listen(128)
    except OSError as error:
        sock.close()
        raise UserError(
            f"cannot listen on {host}:{port}: {error.strerror}; pick another --port"
        ) from None
    return sock


@cli.command()
@db_option
@click.option(
    "--port",
    type=click.IntRange(0, 65535),
    default=SERVE_PORT,
    show_default=True,
    help="Port to listen on (0: any free port, printed at start).",
)
@click.option(
    "--host",
    default="127.0.0.1",
    show_default=True,
    help="Address to listen on. Only loopback addresses unless --public is given.",
)
@click.option(
    "--public",
    is_flag=True,
    help="Allow a non-loopback --host (e.g. 0.0.0.0): anyone who can reach this machine "
    "can then read the whole archive and run SQL on it. Off by default.",
)
def serve(db: str, port: int, host: str, public: bool) -> int:
    """Browse and search the archive in a web browser with Datasette, read-only, with the
    project's table descriptions, facets (site, section; authors and tags via
    article_author/article_tag) and full-text search on article_latest. Needs the `serve`
    extra: pip install 'newsarchive[serve]'. Ctrl-C stops it.

    \b
    Example:
      newsarchive serve --db archive.sqlite --port 8001
    """
    if not is_loopback(host) and not public:
        raise UserError(
            f"refusing to serve on {host}, which other machines can reach: "
            "give --public to allow it",
            EXIT_USAGE,
        )
    try:
        import uvicorn
        from datasette.app import Datasette
        from datasette.database import Database
    except ImportError:
        raise UserError(
            "serve needs Datasette: pip install 'newsarchive[serve]'", EXIT_USAGE
        ) from None
    import asyncio

    from archive_db.datasette import datasette_metadata

    path = serve_archive_path(db)
    name = path.stem  # the name plain `datasette archive.sqlite` would give it
    datasette = Datasette(metadata=datasette_metadata(name), settings=SERVE_SETTINGS)
    datasette.remove_database("_memory")  # added when no file is given; an empty distraction
    # Mutable in Datasette's terms, so it reads with mode=ro and sees a crawl writing
    # alongside (WAL); immutable=1 would ignore pages still in the -wal file.
    datasette.add_database(Database(datasette, path=str(path), is_mutable=True), name=name)
    asyncio.run(datasette.invoke_startup())
    sock = listening_socket(host, port)
    bound_port = sock.getsockname()[1]
    shown_host = f"[{host}]" if ":" in host else host
    click.echo(
        f"serving {path} read-only at http://{shown_host}:{bound_port}/{name} (Ctrl-C stops)"
    )
    sys.stdout.flush()
    server = uvicorn.Server(
        uvicorn.Config(datasette.app(), log_level="warning", lifespan="on", workers=1)
    )
    try:
        server.run(sockets=[sock])
    finally:
        sock.close()
    return EXIT_OK


# --- fixtures ----------------------------------------------------------------------------


@cli.group()
def fixtures() -> None:
    """Save parser test cases from pages, and review parser output against them.

    \b
    Example:
      newsarchive fixtures rerun tests/fixtures/chamberlainfiles/police-criticised-child-abuse
    """


@fixtures.command("save")
@click.argument("url")
@click.argument("case_dir", type=click.Path(file_okay=False, path_type=Path))
@click.option("--note", default="", help="What the case shows.")
def fixtures_save(url: str, case_dir: Path, note: str) -> int:
    """Fetch URL once and write CASE_DIR/page.html, meta.json and expected.json (review it!).

    \b
    Example:
      newsarchive fixtures save http://127.0.0.1:8765/some-article/ tests/fixtures/demo/some-case
    """
    from parsers.fixtures import update_expected, write_case

    page = fetch_page(url)
    with fixture_errors(writing=True):
        write_case(
            case_dir,
            html=page.body,
            url=page.url,
            fetched_at=page.fetched_at,
            note=note,
            http_charset=page.http_charset,
        )
        update_expected(case_dir)
    click.echo(f"wrote {case_dir}: check expected.json by eye before committing")
    return EXIT_OK


@contextmanager
def fixture_errors(*, writing: bool = False) -> Iterator[None]:
    """A broken case (meta.json, expected.json) is one line and exit 3; when `writing`, a
    case folder that cannot be written is one line and exit 4."""
    from parsers.fixtures import FixtureError

    try:
        yield
    except FixtureError as error:
        raise UserError(str(error)) from None
    except OSError as error:
        if not writing:
            raise
        raise output_error(error.filename or "the fixture case", error) from None


def _case_dirs(paths: Iterable[Path]) -> list[Path]:
    cases = []
    for path in paths:
        if not (path / "page.html").is_file() or not (path / "meta.json").is_file():
            raise UserError(f"{path} is not a fixture case (needs page.html and meta.json)")
        cases.append(path)
    return cases


@fixtures.command("rerun")
@click.argument("case_dir", type=click.Path(file_okay=False, path_type=Path))
@click.option("--fields", help="Comma-separated record keys to show, e.g. title,published.")
def fixtures_rerun(case_dir: Path, fields: str | None) -> int:
    """Print the parser's current output for a case (nothing is written).

    \b
    Example:
      newsarchive fixtures rerun tests/fixtures/demo/home-page --fields title
    """
    from parsers.fixtures import run_case

    (case,) = _case_dirs([case_dir])
    with fixture_errors():
        output = run_case(case)
    if output is not None and fields:
        wanted = [name.strip() for name in fields.split(",") if name.strip()]
        unknown = [name for name in wanted if name not in output]
        if unknown:
            raise UserError(f"no record field(s) {', '.join(unknown)}", EXIT_USAGE)
        output = {name: output[name] for name in wanted}
    click.echo(json.dumps(output, indent=2, ensure_ascii=False, sort_keys=True))
    return EXIT_OK


@fixtures.command("update")
@click.argument("case_dirs", nargs=-1, required=True, type=click.Path(path_type=Path))
def fixtures_update(case_dirs: tuple[Path, ...]) -> int:
    """Rewrite expected.json from the current parser; review the change with `git diff`.

    \b
    Example:
      newsarchive fixtures update tests/fixtures/*/*
    """
    from parsers.fixtures import update_expected

    for case in _case_dirs(case_dirs):
        with fixture_errors(writing=True):
            update_expected(case)
        click.echo(f"updated {case / 'expected.json'}")
    return EXIT_OK


# --- entry point -------------------------------------------------------------------------


# Click 8.2+ answers a group called without a command with this usage error, whose
# message is the whole help text; older Clicks print the help themselves.
NO_ARGS_IS_HELP: Any = getattr(click.exceptions, "NoArgsIsHelpError", ())


def raise_interrupt(signum: int, frame: FrameType | None) -> None:
    raise KeyboardInterrupt


@contextmanager
def sigterm_as_interrupt() -> Iterator[None]:
    """SIGTERM (`kill`, a service manager) stops a command as Ctrl-C does: cleanups run, a
    half-written output file is removed, exit 130. A crawl installs Scrapy's own handlers."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    previous = signal.signal(signal.SIGTERM, raise_interrupt)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, signal.SIG_DFL if previous is None else previous)


def silence_stdout() -> None:
    """Point stdout at /dev/null, so the flush at exit cannot fail a second time (a closed
    pipe, a full disk) and print "Exception ignored" (the recipe in Python's signal docs)."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    except (OSError, ValueError):  # no file descriptor behind stdout (tests)
        return
    os.close(devnull)


def database_failures() -> tuple[type[Exception], ...]:
    """SQLAlchemy's OperationalError (a full disk, an I/O error, a lost server) once a
    command has imported SQLAlchemy; before that nothing, so `--help` stays fast."""
    errors = sys.modules.get("sqlalchemy.exc")
    return () if errors is None else (errors.OperationalError,)


def database_failure_message(error: Exception) -> str:
    orig = getattr(error, "orig", None)
    reason = str(orig or error).splitlines()[0]
    hint = " (is the disk full?)" if "disk" in reason else ""
    return f"the archive could not be read or written: {reason}{hint}"


def main(argv: list[str] | None = None) -> int:
    """Run the CLI; return the exit code instead of exiting, so tests can call it."""
    try:
        with sigterm_as_interrupt():
            result = cli.main(args=argv, prog_name="newsarchive", standalone_mode=False)
            sys.stdout.flush()  # a full disk or a closed pipe shows here, not at exit
    except click.exceptions.Abort:
        click.echo("interrupted", err=True)
        return EXIT_INTERRUPTED
    except click.exceptions.Exit as done:
        return int(done.exit_code)
    except NO_ARGS_IS_HELP as error:  # a bare `newsarchive` or `newsarchive db`: the help
        error.show()
        return EXIT_USAGE
    except click.UsageError as error:
        # One line, with where to look, instead of Click's usage block.
        command = error.ctx.command_path if error.ctx else "newsarchive"
        click.echo(f"Error: {error.format_message()} (see `{command} --help`)", err=True)
        return EXIT_USAGE
    except click.ClickException as error:
        error.show()
        return error.exit_code
    except KeyboardInterrupt:
        click.echo("interrupted", err=True)
        return EXIT_INTERRUPTED
    except BrokenPipeError:  # at the final flush (the group answers it inside commands)
        silence_stdout()
        return EXIT_OK
    except OSError as error:
        if error.errno not in DISK_FULL_ERRNOS:
            raise
        silence_stdout()
        output_error(error.filename or "the output", error).show()
        return EXIT_ARCHIVE
    except database_failures() as error:
        click.echo(f"Error: {database_failure_message(error)}", err=True)
        return EXIT_ARCHIVE
    return result if isinstance(result, int) else EXIT_OK


if __name__ == "__main__":
    # `python -m cli` runs this file as __main__: run the `cli` module itself, on whose group
    # the commands below register (they import helpers from `cli`).
    from cli import main as main_of_cli

    sys.exit(main_of_cli())
else:
    from commands.report import report
    from commands.runs import runs
    from commands.schedule import schedule
    from commands.sites import sites
    from commands.warc import warc

    for command in (runs, schedule, sites, report, warc):
        cli.add_command(command)
    from commands.frontier import frontier_group, worker
    from commands.reparse import reparse
    from commands.warc_import import warc_import

    cli.add_command(worker)
    cli.add_command(frontier_group)

    cli.add_command(reparse)
    warc.add_command(warc_import)
