"""`newsarchive reparse`: the current parsers over the archive's stored captures."""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, time
from typing import TYPE_CHECKING

import click

from cli import (
    EXIT_ARCHIVE,
    EXIT_CRAWL_INCOMPLETE,
    EXIT_LOCKED,
    EXIT_OK,
    EXIT_PARTIAL,
    UserError,
    db_option,
    parse_day,
    prepare_archive,
)

if TYPE_CHECKING:
    from reparse import ReparseCounts, ReparseProgress


def progress_line(progress: ReparseProgress) -> str:
    counts = progress.counts
    return (
        f"reparse: {counts.articles}/{progress.total} articles, {counts.changed} changed, "
        f"{counts.unchanged} unchanged, {counts.not_article} not articles, "
        f"{counts.errors} errors"
    )


def summary_line(counts: ReparseCounts) -> str:
    return (
        f"reparse summary: re-parsed: {counts.articles}, changed: {counts.changed}, "
        f"unchanged: {counts.unchanged}, not articles: {counts.not_article}, "
        f"errors: {counts.errors}"
    )


@contextmanager
def progress_display(
    live: bool,
) -> Iterator[tuple[Callable[[ReparseProgress], None], Callable[[str, str], None]]]:
    """The progress and error callbacks: a Rich progress bar on a terminal, a plain line a
    batch otherwise (for logs). Both write to stderr."""
    if not live:

        def print_error(url: str, reason: str) -> None:
            click.echo(f"reparse: error at {url}: {reason}", err=True)

        yield (lambda progress: click.echo(progress_line(progress), err=True)), print_error
        return
    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn

    with Progress(
        TextColumn("reparse"),
        BarColumn(),
        MofNCompleteColumn(),
        TextColumn("{task.fields[detail]}"),
        console=Console(stderr=True),
        transient=True,
    ) as bar:
        task = bar.add_task("reparse", total=None, detail="")

        def update(progress: ReparseProgress) -> None:
            counts = progress.counts
            detail = f"{counts.changed} changed, {counts.errors} errors"
            bar.update(task, total=progress.total, completed=counts.articles, detail=detail)

        def print_error(url: str, reason: str) -> None:
            bar.console.print(f"reparse: error at {url}: {reason}", markup=False)

        yield update, print_error


@click.command()
@db_option
@click.option("--site", help="Only articles of this host name, e.g. www.example.co.uk.")
@click.option(
    "--since",
    metavar="DATE",
    help="Only articles whose latest capture was fetched on or after DATE (YYYY-MM-DD, UTC).",
)
@click.option(
    "--restart",
    is_flag=True,
    help="Start over rather than resume an unfinished re-parse with the same options.",
)
@click.option(
    "--limit",
    type=click.IntRange(min=1),
    help="Stop after N articles (exit 1); the next reparse with the same options goes on.",
)
@click.option(
    "--batch-size",
    type=click.IntRange(min=1),
    default=100,
    show_default=True,
    help="Articles saved a transaction: at most this much work is redone after a stop.",
)
def reparse(
    db: str,
    site: str | None,
    since: str | None,
    restart: bool,
    limit: int | None,
    batch_size: int,
) -> int:
    """Re-parse every archived article from the latest stored capture of its page with the
    current parsers. An extraction that changed becomes a new version, marked as a
    re-parse with the parser version that made it; an unchanged one adds nothing. Only the
    latest capture is read: older ones would write history out of order.

    Stopped (Ctrl-C, --limit, a crash), it resumes at the next run with the same options;
    a page that cannot be parsed is reported and counted, and the run goes on (exit 5).

    \b
    Example:
      newsarchive reparse --site www.chamberlainfiles.com --since 2026-01-01
    """
    from archive_db.engine import ArchiveError
    from archive_db.locks import CrawlLocked
    from reparse import ReparseOptions, reparse_archive

    day = parse_day("--since", since)
    options = ReparseOptions(
        site=site.strip().lower() if site and site.strip() else None,
        since=datetime.combine(day, time(0), tzinfo=UTC) if day else None,
        restart=restart,
        batch_size=batch_size,
        limit=limit,
    )
    db_url = prepare_archive(db, create=False)
    try:
        with progress_display(sys.stderr.isatty()) as (on_progress, on_error):
            result = reparse_archive(db_url, options, on_progress=on_progress, on_error=on_error)
    except CrawlLocked as error:
        raise UserError(str(error).replace("crawl of 'reparse'", "reparse"), EXIT_LOCKED) from None
    except ArchiveError as error:
        raise UserError(str(error), EXIT_ARCHIVE) from None
    except KeyboardInterrupt:
        click.echo("reparse stopped: run it again with the same options to resume", err=True)
        raise
    if result.resumed:
        click.echo(f"resumed the unfinished re-parse of run {result.run_id}", err=True)
    click.echo(summary_line(result.counts))
    if not result.finished:
        click.echo(
            f"stopped after {limit} articles: run it again with the same options to go on",
            err=True,
        )
        return EXIT_CRAWL_INCOMPLETE
    return EXIT_PARTIAL if result.counts.errors else EXIT_OK
