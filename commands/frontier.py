"""`newsarchive worker` and `newsarchive frontier`: one crawl spread over many processes.

`newsarchive crawl SITE... --frontier redis://...` seeds a frontier in Redis (spiders/frontier.py)
and works on it; any number of `newsarchive worker --frontier redis://...` processes, on
this machine or others, work on it too, into one archive (PostgreSQL, for several machines).
Each ends once the frontier has been empty for --exit-when-idle seconds. docs/scale-out.md
tells how to run them across machines.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import click

from cli import (
    EXIT_ARCHIVE,
    EXIT_CRAWL_INCOMPLETE,
    EXIT_DRIFT,
    EXIT_OK,
    EXIT_PARTIAL,
    EXIT_USAGE,
    UserError,
    _given,
    crawl_options,
    db_option,
    exit_when_idle_option,
    fail_on_drift_option,
    failed_pages,
    frontier_name_option,
    frontier_option,
    prepare_archive,
    print_summary,
    report_drift,
)

if TYPE_CHECKING:
    from profiles import SiteProfile
    from spiders.frontier import RedisFrontier


def checked_frontier_url(url: str | None) -> str:
    """`url` if it can name a Redis, so that a usage error comes before any archive is made."""
    from archive_db.engine import mask_url

    if not url:
        raise UserError(
            "--frontier is missing: give the Redis URL, redis://HOST:6379/0", EXIT_USAGE
        )
    if not url.startswith(("redis://", "rediss://", "unix://")):
        raise UserError(
            f"--frontier must be a redis://, rediss:// or unix:// URL, not {mask_url(url)!r}",
            EXIT_USAGE,
        )
    return url


def open_frontier(url: str, name: str) -> RedisFrontier:
    """The frontier at `url`, once its Redis answers; a one-line error otherwise."""
    import redis

    from archive_db.engine import mask_url
    from spiders.frontier import RedisFrontier

    try:
        frontier = RedisFrontier.from_url(url, name)
        frontier.client.ping()
    except ValueError as error:
        raise UserError(f"--frontier: {error}", EXIT_USAGE) from None
    except redis.RedisError as error:
        raise UserError(
            f"the frontier's Redis at {mask_url(url)} did not answer: {error}"
        ) from None
    return frontier


def crawl_on_frontier(
    profiles: Sequence[SiteProfile],
    *,
    db: str,
    frontier_url: str,
    frontier_name: str,
    exit_when_idle: float,
    seed_only: bool,
    fail_on_drift: bool,
    options: dict[str, Any],
    arguments: dict[str, Any],
) -> int:
    """`newsarchive crawl --frontier`: seed the frontier with the sites, then work on it."""
    url = checked_frontier_url(frontier_url)
    db_url = prepare_archive(db)
    frontier = open_frontier(url, frontier_name)
    if frontier.start_batch():
        click.echo(f"frontier {frontier_name}: a new batch", err=True)
    frontier.add_profiles(profiles)
    return work_on_frontier(
        profiles,
        frontier=frontier,
        frontier_url=frontier_url,
        db_url=db_url,
        worker=None,
        exit_when_idle=exit_when_idle,
        seed_only=seed_only,
        fail_on_drift=fail_on_drift,
        options=options,
        arguments=arguments,
    )


def work_on_frontier(
    seeds: Sequence[SiteProfile],
    *,
    frontier: RedisFrontier,
    frontier_url: str,
    db_url: str,
    worker: str | None,
    exit_when_idle: float,
    seed_only: bool,
    fail_on_drift: bool,
    options: dict[str, Any],
    arguments: dict[str, Any],
) -> int:
    """Run this process's crawl on the frontier; print its summary, the frontier's state and
    the drift of the sites it worked on (their latest runs: this process's share of each,
    pooled with the runs before it when small); the exit code as `crawl`'s (EXIT_PARTIAL
    when pages failed, EXIT_DRIFT with `fail_on_drift` when a site drifted)."""
    import redis

    from items import sites_counted
    from spiders.frontier import FRONTIER_UNAVAILABLE, default_worker_id
    from spiders.runner import CrawlOptions, FrontierOptions, run_frontier_crawl

    worker = worker or default_worker_id()
    crawl_options = CrawlOptions(
        db_url=db_url,
        run_arguments=arguments | {"frontier": frontier.name, "worker": worker},
        settings={"PROGRESS": "live" if sys.stderr.isatty() else "plain"},
        **options,
    )
    place = FrontierOptions(
        url=frontier_url,
        name=frontier.name,
        worker=worker,
        exit_when_idle=exit_when_idle,
        seed_only=seed_only,
    )
    try:
        result = run_frontier_crawl(seeds, crawl_options, place)
    except redis.RedisError as error:  # before the crawl started: reading its sites
        raise UserError(f"the frontier's Redis stopped answering: {error}") from None
    print_summary([result])
    if result.finish_reason == FRONTIER_UNAVAILABLE:
        raise UserError(
            f"{worker}: the frontier's Redis stopped answering, so this worker stopped; its "
            "unfinished requests stay in the frontier for the other workers",
            EXIT_CRAWL_INCOMPLETE,
        )
    try:
        status = frontier.status()
    except redis.RedisError as error:
        raise UserError(f"the frontier's Redis stopped answering: {error}") from None
    click.echo(
        f"frontier {frontier.name}: {status.queued} queued, {status.in_flight} in flight, "
        f"{len(status.alive)} workers alive",
        err=True,
    )
    if message := result.stats.get("archive/error"):
        raise UserError(f"{worker}: {message}", EXIT_ARCHIVE)
    if report_drift(db_url, sites_counted(result.stats)) and fail_on_drift:
        return EXIT_DRIFT
    if result.finish_reason != "finished":
        return EXIT_CRAWL_INCOMPLETE
    return EXIT_PARTIAL if failed_pages(result.stats) else EXIT_OK


@click.command()
@frontier_option
@frontier_name_option
@db_option
@exit_when_idle_option
@fail_on_drift_option
@click.option(
    "--worker-id",
    help="This worker's name among the frontier's workers (default HOST:PID); two live "
    "workers must not share one.",
)
@crawl_options
def worker(
    frontier_url: str | None,
    frontier_name: str,
    db: str,
    exit_when_idle: float,
    fail_on_drift: bool,
    worker_id: str | None,
    **options: Any,
) -> int:
    """Crawl what a shared frontier holds, into the archive, beside any number of other
    workers on this machine or others; end once the frontier has been empty for
    --exit-when-idle seconds. The sites come from the frontier (`newsarchive crawl SITE
    --frontier URL` seeds it). A worker that dies loses nothing: once its heartbeat is
    old, the others fetch its unfinished requests again.

    \b
    Example:
      newsarchive worker --frontier redis://10.0.0.5:6379/0 \\
          --db postgresql+psycopg://archive@10.0.0.6/news --exit-when-idle 300
    """
    url = checked_frontier_url(frontier_url)
    db_url = prepare_archive(db)
    frontier = open_frontier(url, frontier_name)
    given = _given(options)
    return work_on_frontier(
        (),
        frontier=frontier,
        frontier_url=url,
        db_url=db_url,
        worker=worker_id,
        exit_when_idle=exit_when_idle,
        seed_only=False,
        fail_on_drift=fail_on_drift,
        options=given,
        arguments={"command": "worker", **given},
    )


@click.group("frontier")
def frontier_group() -> None:
    """Look at or clear a shared frontier (see `newsarchive worker`)."""


@frontier_group.command("status")
@frontier_option
@frontier_name_option
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text")
def frontier_status(frontier_url: str | None, frontier_name: str, fmt: str) -> int:
    """What the frontier holds: requests queued and in flight, workers, counters."""
    import redis

    frontier = open_frontier(checked_frontier_url(frontier_url), frontier_name)
    try:
        status = frontier.status()
        sites = [profile.name for profile in frontier.profiles()]
    except redis.RedisError as error:
        raise UserError(f"the frontier's Redis stopped answering: {error}") from None
    if fmt == "json":
        click.echo(
            json.dumps(
                {
                    "frontier": frontier_name,
                    "queued": status.queued,
                    "in_flight": status.in_flight,
                    "empty": status.empty,
                    "workers": list(status.workers),
                    "alive": list(status.alive),
                    "sites": sites,
                    "counters": status.counters,
                },
                sort_keys=True,
            )
        )
        return EXIT_OK
    dead = [name for name in status.workers if name not in status.alive]
    click.echo(f"frontier: {frontier_name}")
    click.echo(f"sites: {', '.join(sites) or '-'}")
    click.echo(f"queued: {status.queued}")
    click.echo(f"in flight: {status.in_flight}")
    click.echo(f"workers alive: {', '.join(status.alive) or '-'}")
    if dead:
        click.echo(f"workers not answering: {', '.join(dead)} (their requests go back soon)")
    for key, value in sorted(status.counters.items()):
        click.echo(f"{key}: {value}")
    return EXIT_OK


@frontier_group.command("clear")
@frontier_option
@frontier_name_option
@click.option("--yes", is_flag=True, help="Clear without asking.")
def frontier_clear(frontier_url: str | None, frontier_name: str, yes: bool) -> int:
    """Drop the frontier's queue, seen requests, sites and counters: abandon its batch.
    Workers still running find it empty and end; nothing archived is touched."""
    frontier = open_frontier(checked_frontier_url(frontier_url), frontier_name)
    if not yes:
        click.confirm(f"Drop everything frontier {frontier_name} holds?", abort=True)
    removed = frontier.clear()
    click.echo(f"frontier {frontier_name}: {removed} keys removed", err=True)
    return EXIT_OK
