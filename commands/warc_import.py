"""`newsarchive warc import`: the HTML articles of WARC files, read into the archive offline."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import click

from cli import (
    EXIT_ARCHIVE,
    EXIT_BAD_INPUT,
    EXIT_CRAWL_INCOMPLETE,
    EXIT_OK,
    UserError,
    db_option,
    prepare_archive,
)

COMMAND = "warc import"  # crawl_run.arguments["command"]
SKIP_PREFIX = "warc/skipped/"


def summary_line(stats: dict[str, Any]) -> str:
    """What the import read, archived and skipped, as `key: value` pairs on one line."""

    def count(key: str) -> int:
        return int(stats.get(key, 0))

    pairs = [
        ("records", count("warc/records")),
        ("responses", count("warc/responses")),
        ("new", count("archive/inserted")),
        ("updated", count("archive/updated")),
        ("unchanged", count("archive/unchanged")),
        ("not articles", count("parser/not_article")),
        ("dropped", count("item_dropped_count")),
    ]
    skipped = sorted(
        (key.removeprefix(SKIP_PREFIX), int(value))
        for key, value in stats.items()
        if key.startswith(SKIP_PREFIX)
    )
    pairs += [(f"skipped {reason}", value) for reason, value in skipped]
    return "warc import summary: " + ", ".join(f"{key}: {value}" for key, value in pairs)


@click.command("import")
@click.argument("files", nargs=-1, required=True, type=click.Path(path_type=Path))
@db_option
@click.option(
    "--log-level",
    type=click.Choice(["DEBUG", "INFO", "WARNING", "ERROR"], case_sensitive=False),
    default="WARNING",
    show_default=True,
)
def warc_import(files: tuple[Path, ...], db: str, log_level: str) -> int:
    """Read the articles in WARC files (your own collection, a Common Crawl segment) into
    the archive with the crawl's parsers and pipelines, and nothing from the network.

    Every HTTP 200 response record whose body is an HTML page is parsed as a fetched page
    would be, at its WARC-Date; other records are skipped and counted by reason. Articles
    the archive holds already add a version only when their content differs. Several
    captures of one article in one import: the first is kept (import older files first,
    one at a time, to keep their edits as versions).

    \b
    Example:
      newsarchive warc import CC-MAIN-20240412-00001.warc.gz --db archive.sqlite
    """
    from spiders.warc_import import import_settings, run_warc_import, warc_problem

    for path in files:
        if (problem := warc_problem(path)) is not None:
            raise UserError(f"cannot import {path}: {problem}", EXIT_BAD_INPUT)
    db_url = prepare_archive(db)
    settings = import_settings(
        db_url=db_url,
        run_arguments={"command": COMMAND, "files": [str(path) for path in files]},
        log_level=log_level,
        # A live line on a terminal; under cron, a plain line a minute (spiders/progress.py).
        progress="live" if sys.stderr.isatty() else "plain",
    )
    result = run_warc_import(files, settings)
    click.echo(summary_line(result.stats))
    if error := result.stats.get("archive/error"):
        raise UserError(str(error), EXIT_ARCHIVE)
    if unreadable := int(result.stats.get("warc/unreadable_files", 0)):
        raise UserError(
            f"{unreadable} file(s) could not be read to the end (see the log above): "
            "the records before the damage were imported",
            EXIT_BAD_INPUT,
        )
    return EXIT_OK if result.finish_reason == "finished" else EXIT_CRAWL_INCOMPLETE
