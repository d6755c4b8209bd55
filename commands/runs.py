"""`newsarchive runs`: past crawl runs with their counts and how each ended."""

from __future__ import annotations

from typing import TYPE_CHECKING

import click

from cli import EXIT_OK, db_option, emit_rows, format_option, open_reader
from report_html import readable_duration

if TYPE_CHECKING:
    from archive_db.queries import CrawlRunSummary

RUN_COLUMNS = (
    "id",
    "site",
    "started",
    "duration",
    "outcome",
    "pages",
    "new",
    "updated",
    "unchanged",
    "failures",
    "part_of",
)


def run_row(run: CrawlRunSummary, fmt: str) -> tuple[object, ...]:
    """A table shows local time and a readable duration; JSON and CSV, for scripts, an
    ISO 8601 UTC start and the duration in seconds."""
    seconds = (
        None if run.finished_at is None else (run.finished_at - run.started_at).total_seconds()
    )
    if fmt == "table":
        started: object = run.started_at.astimezone().strftime("%Y-%m-%d %H:%M:%S")
        duration: object = None if seconds is None else readable_duration(seconds)
    else:
        started, duration = run.started_at, seconds
    return (
        run.id,
        run.site,
        started,
        duration,
        run.outcome,
        run.pages,
        run.inserted,
        run.updated,
        run.unchanged,
        run.failures,
        run.part_of,
    )


@click.command()
@db_option
@click.option("--site", help="Only runs of this site (its profile name, e.g. chamberlainfiles).")
@click.option(
    "--limit",
    type=click.IntRange(min=1),
    default=20,
    show_default=True,
    help="Show at most N runs, the newest.",
)
@format_option()
def runs(db: str, site: str | None, limit: int, fmt: str) -> int:
    """List past crawl runs, newest first: when each started, how long it took, how it
    ended, and its pages, new, updated and unchanged articles and fetch failures. A run
    that never recorded its end is still running, or was killed. On a shared frontier
    each process has a run of its own (no site, all its work) and a run per site it
    worked on, `part_of` the first.

    \b
    Example:
      newsarchive runs --site chamberlainfiles --limit 7
    """
    from sqlalchemy.orm import Session

    from archive_db.queries import crawl_runs

    engine = open_reader(db)
    try:
        with Session(engine) as session:
            summaries = crawl_runs(session, site=site.strip() if site else None, limit=limit)
    finally:
        engine.dispose()
    emit_rows(RUN_COLUMNS, [run_row(run, fmt) for run in summaries], fmt)
    return EXIT_OK
