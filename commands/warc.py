"""`newsarchive warc`: the archive's raw captures as WARC files, the web archives' format.

Each subcommand is a function of the `warc` group; warcfiles/ does the work.
"""

from __future__ import annotations

import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import IO, TYPE_CHECKING

import click

from cli import (
    EXIT_ARCHIVE,
    EXIT_OK,
    EXIT_USAGE,
    UserError,
    atomic_path,
    db_option,
    is_device_or_pipe,
    open_reader,
    output_error,
    parse_day,
)

if TYPE_CHECKING:
    from sqlalchemy.engine import Engine
    from sqlalchemy.orm import Session

    from warcfiles.export import ExportCounts


@click.group("warc")
def warc() -> None:
    """Write the archive's raw captures (requests, responses, bodies as received) as WARC
    files, which wayback machines such as pywb replay and web archives exchange.

    \b
    Example:
      newsarchive warc export --site www.chamberlainfiles.com -o chamberlainfiles.warc.gz
    """


@warc.command("export")
@db_option
@click.option("--site", help="Only captures from this host name, e.g. www.example.co.uk.")
@click.option("--since", help="Only captures fetched on or after this day (YYYY-MM-DD, UTC).")
@click.option("--until", help="Only captures fetched on or before this day (YYYY-MM-DD, UTC).")
@click.option(
    "--output",
    "-o",
    required=True,
    type=click.Path(dir_okay=False, allow_dash=True, path_type=Path),
    help="The WARC file to write, e.g. archive.warc.gz (atomically: never a half file); "
    "- for stdout.",
)
def warc_export(
    db: str, site: str | None, since: str | None, until: str | None, output: Path
) -> int:
    """Export captures as a gzipped WARC 1.1 file: a warcinfo record, then a request and a
    response record per capture, oldest first; a body already in the file is written once,
    later captures of it as revisit records. Counts go to stderr.

    \b
    Examples:
      newsarchive warc export -o archive.warc.gz
      newsarchive warc export --since 2024-05-01 --until 2024-05-31 -o may.warc.gz
    """
    from sqlalchemy.orm import Session

    from warcfiles.export import ExportError, export_warc

    low, high = parse_day("--since", since), parse_day("--until", until, end=True)
    to_stdout = str(output) == "-"
    if to_stdout and sys.stdout.isatty():
        raise UserError(
            "refusing to write a gzipped WARC to a terminal: give -o FILE or redirect stdout",
            EXIT_USAGE,
        )
    engine = snapshot_reader(db)
    try:
        with Session(engine) as session:
            if site is not None and not known_site(session, site):
                raise UserError(f"no site {site!r} in the archive (no article, no capture)")
            with binary_output(None if to_stdout else output) as stream:
                counts = export_warc(
                    session,
                    stream,
                    site=site,
                    since=low,
                    until=high,
                    filename=None if to_stdout else output.name,
                )
    except ExportError as error:
        raise UserError(str(error), EXIT_ARCHIVE) from None
    finally:
        engine.dispose()
    report(counts, "stdout" if to_stdout else str(output))
    return EXIT_OK


def snapshot_reader(db: str) -> Engine:
    """A read-only engine whose transactions read one snapshot: the export reads the
    captures twice (for the warcinfo record, then for the records). SQLite's read-only
    engine does so already; PostgreSQL needs REPEATABLE READ."""
    engine: Engine = open_reader(db)
    if engine.dialect.name == "postgresql":
        return engine.execution_options(isolation_level="REPEATABLE READ")
    return engine


def known_site(session: Session, site: str) -> bool:
    """A site the archive has articles of, or captures from."""
    from archive_db.queries import site_known
    from warcfiles.export import has_captures_of

    return site_known(session, site) or has_captures_of(session, site)


@contextmanager
def binary_output(path: Path | None) -> Iterator[IO[bytes]]:
    """stdout, a FIFO or device written in place, or a temporary file beside PATH renamed
    over it once the WARC is whole (cli.atomic_path)."""
    if path is None:
        yield sys.stdout.buffer
        sys.stdout.buffer.flush()
        return
    if is_device_or_pipe(path):
        try:
            with path.open("wb") as stream:
                yield stream
        except OSError as error:
            raise output_error(path, error) from None
        return
    with atomic_path(path) as temporary, temporary.open("wb") as stream:
        yield stream


def report(counts: ExportCounts, where: str) -> None:
    if not counts.captures:
        click.echo(
            f"nothing to export: no capture matches; {where} holds only its warcinfo record "
            f"({counts.bytes_written:,} bytes)",
            err=True,
        )
        return
    click.echo(
        f"wrote {where}: {counts.records:,} records, {counts.captures:,} captures "
        f"({counts.revisits:,} as revisits), {counts.bytes_written:,} bytes",
        err=True,
    )
