"""`newsarchive report`: one self-contained HTML page on the archive's health, per site."""

from __future__ import annotations

from pathlib import Path

import click

from cli import EXIT_OK, UserError, db_option, open_output, open_reader, parse_day


@click.command()
@db_option
@click.option("--site", help="Only this site (its profile name, as `newsarchive runs` shows it).")
@click.option(
    "--since", help="Only runs, articles and failures from this day on (YYYY-MM-DD, UTC)."
)
@click.option(
    "--output",
    "-o",
    default="report.html",
    show_default=True,
    help="The HTML file to write (atomically: never a half file); - for stdout.",
)
def report(db: str, site: str | None, since: str | None, output: str) -> int:
    """Write an HTML report an archivist reads at a glance: per site, new articles per day,
    the share of articles with a title, date, author and body run by run (a template change
    shows as a drop), fetch failures by reason and the last runs. The page needs no network
    to be viewed: its charts are drawn in it.

    \b
    Examples:
      newsarchive report -o report.html
      newsarchive report --site chamberlainfiles --since 2024-05-01 -o - > chamberlain.html
    """
    from sqlalchemy.orm import Session

    from archive_db.report_data import UnknownSite, archive_report
    from report_html import render_report

    first_day = parse_day("--since", since)
    engine = open_reader(db)
    try:
        with Session(engine) as session:
            data = archive_report(session, site=site.strip() if site else None, since=first_day)
    except UnknownSite:
        raise UserError(f"no crawl run of site {site!r} in the archive") from None
    finally:
        engine.dispose()
    page = render_report(data)
    with open_output(None if output == "-" else Path(output)) as stream:
        stream.write(page)
    return EXIT_OK
