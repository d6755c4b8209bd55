"""`newsarchive schedule`: a nightly crawl of a site, as a cron line or systemd user units."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import click

import scheduling
from cli import EXIT_ARCHIVE, EXIT_OK, EXIT_USAGE, UserError, db_option, resolve_target
from scheduling import ScheduledCrawl

# Tests point this at a fake `crontab`, so that no test touches the user's real crontab.
CRONTAB_ENV = "NEWSARCHIVE_CRONTAB"


@click.command()
@click.argument("site")
@click.option("--at", "at", required=True, metavar="HH:MM", help="Local time of day, e.g. 02:30.")
@db_option
@click.option(
    "--cron/--systemd",
    "use_cron",
    default=True,
    help="A crontab line (the default), or a systemd user service and timer.",
)
@click.option(
    "--install",
    is_flag=True,
    help="Put it in place: merge the line into your crontab (replacing the site's earlier "
    "one), or write the units to $XDG_CONFIG_HOME/systemd/user/.",
)
@click.option(
    "--log-dir",
    type=click.Path(file_okay=False, path_type=Path),
    help="Folder of the crawl logs, <site>.log in it "
    "(default $XDG_STATE_HOME/newsarchive/logs, ~/.local/state/newsarchive/logs).",
)
def schedule(
    site: str, at: str, db: str, use_cron: bool, install: bool, log_dir: Path | None
) -> int:
    """Crawl SITE (a profile name or file, or a start URL) every day at HH:MM: print a
    crontab line, or a systemd user service and timer, that runs `newsarchive crawl` with
    the site's own job folder and appends its output to a log file; --install puts it in
    place. The crawl's exit code says how it went (see the README's "Exit codes").

    \b
    Examples:
      newsarchive schedule chamberlainfiles --at 02:30 --db ~/news/archive.sqlite --install
      newsarchive schedule chamberlainfiles --at 02:30 --systemd --install
    """
    try:
        hour, minute = scheduling.parse_time_of_day(at)
    except ValueError as error:
        raise UserError(str(error), EXIT_USAGE) from None
    profile = resolve_target(site)
    db = absolute_archive(db)
    check_archive(db)
    log_dir = (log_dir or scheduling.default_log_dir(os.environ)).expanduser().absolute()
    job = ScheduledCrawl(
        site=profile.name,
        target=target_of(site),
        executable=newsarchive_executable(),
        db=db,
        log_file=log_dir / f"{scheduling.slug_of(profile.name)}.log",
        hour=hour,
        minute=minute,
    )
    if use_cron:
        line = scheduling.cron_line(job)
        if install:
            make_log_dir(log_dir)
            install_cron_line(line, site=job.site)
            click.echo(f"installed in your crontab: {line}")
        else:
            click.echo(line)
        return EXIT_OK
    units = scheduling.systemd_units(job)
    if not install:
        unit_dir = scheduling.systemd_user_dir(os.environ)
        for name, text in units.items():
            click.echo(f"# {unit_dir / name}\n{text}")
        return EXIT_OK
    make_log_dir(log_dir)
    for path in write_units(units, scheduling.systemd_user_dir(os.environ)):
        click.echo(f"wrote {path}")
    click.echo("to start the timer, run:")
    click.echo(f"  {scheduling.systemd_enable_command(job.site)}")
    click.echo("and, for it to run while you are logged out: loginctl enable-linger")
    return EXIT_OK


def target_of(site: str) -> str:
    """What the crawl is given: a profile file by its absolute path (cron starts in the home
    folder), a profile name or a URL as it is."""
    if site.startswith(("http://", "https://")) or not site.endswith(".toml"):
        return site
    return str(Path(site).expanduser().absolute())


def newsarchive_executable() -> str:
    """The absolute path of the `newsarchive` command: the one running, else the one beside
    this Python (a virtualenv's bin/), else the first on PATH."""
    running = Path(sys.argv[0])
    if running.name == "newsarchive" and running.is_file():
        return str(running.absolute())
    beside_python = Path(sys.executable).parent / "newsarchive"
    if beside_python.is_file():
        return str(beside_python)
    found = shutil.which("newsarchive")
    if found is None:
        raise UserError(
            "cannot find the newsarchive command to schedule: install the package "
            "(pip install newsarchive) so that it is on PATH",
            EXIT_USAGE,
        )
    return str(Path(found).absolute())


def absolute_archive(db: str) -> str:
    """--db with an SQLite file as an absolute path: cron and systemd start elsewhere."""
    from sqlalchemy.engine import make_url

    from archive_db.engine import sqlite_url_of

    if "://" not in db:
        if db == ":memory:":
            raise UserError(
                "an in-memory archive cannot be crawled nightly: give a file", EXIT_USAGE
            )
        return str(Path(db).expanduser().absolute())
    url = make_url(sqlite_url_of(db))
    database = url.database or ""
    if url.get_backend_name() != "sqlite":
        return db
    if database in {"", ":memory:"}:
        raise UserError("an in-memory archive cannot be crawled nightly: give a file", EXIT_USAGE)
    if database.startswith("file:") or os.path.isabs(database):
        return db
    absolute = url.set(database=str(Path(database).expanduser().absolute()))
    return absolute.render_as_string(hide_password=False)


def check_archive(db: str) -> None:
    """Refuse now, reading only, what the nightly crawl would refuse: a file or database
    that is no archive, one made by a newer newsarchive, a server that does not answer. A
    missing or empty SQLite file is fine: the first crawl makes the archive."""
    from sqlalchemy.engine import make_url

    from archive_db.engine import ArchiveError, mask_url, readonly_engine, sqlite_url_of
    from archive_db.migrations import check_is_archive, check_known, current_revision

    url = make_url(sqlite_url_of(db))
    if url.get_backend_name() == "sqlite":
        path = Path(url.database or "")
        if not path.exists() or (path.is_file() and path.stat().st_size == 0):
            return
    described = mask_url(db)
    try:
        engine = readonly_engine(db)
        try:
            with engine.connect() as connection:
                check_is_archive(connection, described=described)
                check_known(current_revision(connection), described=described)
        finally:
            engine.dispose()
    except ArchiveError as error:
        raise UserError(str(error), EXIT_ARCHIVE) from None


def make_log_dir(log_dir: Path) -> None:
    try:
        log_dir.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        raise UserError(
            f"cannot create the log folder {log_dir}: {error.strerror}", EXIT_ARCHIVE
        ) from None


def crontab_command() -> str:
    name = os.environ.get(CRONTAB_ENV) or "crontab"
    found = shutil.which(name)
    if found is None:
        raise UserError(
            f"no {name} command here: install cron, or schedule with --systemd", EXIT_ARCHIVE
        )
    return found


def install_cron_line(line: str, *, site: str) -> None:
    """Merge `line` into the user's crontab through `crontab -l` and `crontab -`."""
    crontab = crontab_command()
    # `crontab` as found on PATH (or named by NEWSARCHIVE_CRONTAB), given fixed arguments.
    listed = subprocess.run([crontab, "-l"], capture_output=True, text=True, check=False)  # noqa: S603
    if listed.returncode == 0:
        existing = listed.stdout
    elif "no crontab" in listed.stderr.lower():  # cronie, vixie cron and busybox say so
        existing = ""
    else:
        raise UserError(f"cannot read your crontab: {first_line(listed.stderr)}", EXIT_ARCHIVE)
    merged = scheduling.merged_crontab(existing, line, site=site)
    written = subprocess.run(  # noqa: S603
        [crontab, "-"], input=merged, capture_output=True, text=True, check=False
    )
    if written.returncode != 0:
        raise UserError(f"cannot write your crontab: {first_line(written.stderr)}", EXIT_ARCHIVE)


def first_line(text: str) -> str:
    return next((line.strip() for line in text.splitlines() if line.strip()), "no reason given")


def write_units(units: dict[str, str], unit_dir: Path) -> list[Path]:
    """Write the unit files, each replaced whole (never half-written), readable by the user
    only: the --db URL in ExecStart= may hold a password."""
    written = []
    try:
        unit_dir.mkdir(parents=True, exist_ok=True)
        for name, text in units.items():
            path = unit_dir / name
            partial = path.with_name(f".{name}.partial")
            descriptor = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
            with os.fdopen(descriptor, "w", encoding="utf-8") as file:
                file.write(text)
            partial.replace(path)
            written.append(path)
    except OSError as error:
        raise UserError(
            f"cannot write the units to {unit_dir}: {error.strerror}", EXIT_ARCHIVE
        ) from None
    return written
