"""The archive's Alembic migrations: `upgrade_archive` brings any archive to head (writers),
`readonly_archive`/`require_current` refuse an older or newer one (readers).

Users never need an alembic.ini: the configuration is built here, pointing at this folder.
Developers add a revision with
``alembic -c archive_db/alembic.ini revision --autogenerate -m "what changed"``.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.script import ScriptDirectory
from alembic.util import CommandError
from sqlalchemy import func, inspect, select, table, text
from sqlalchemy.engine import Connection, Engine

from archive_db.engine import ArchiveError, make_engine, mask_url, readonly_engine

MIGRATIONS_DIR = Path(__file__).resolve().parent

# Tables the migrations write by hand and the models do not describe: the FTS5 index
# and the shadow tables SQLite keeps for it (article_fts_data, article_fts_idx, ...).
UNMODELLED_TABLE_PREFIXES = ("article_fts", "sqlite_")
# PostgreSQL's full-text search, likewise hand-written: a generated column and its index.
UNMODELLED_NAMES = {"column": "search_vector", "index": "ix_article_search_vector"}


@dataclass(frozen=True, slots=True)
class ArchiveOverview:
    """What `newsarchive db info` shows: the schema revision and each table's row count."""

    revision: str
    status: str  # "current", or what to do about it
    row_counts: dict[str, int]


def alembic_config() -> Config:
    """An Alembic configuration for this package's migrations, with no file behind it."""
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    return config


def include_name(name: str | None, type_: str, parent_names: object) -> bool:
    """Alembic's filter: compare only what the models describe."""
    if type_ == "table" and name is not None:
        return not name.startswith(UNMODELLED_TABLE_PREFIXES)
    return name is None or UNMODELLED_NAMES.get(type_) != name


def head_revision() -> str:
    """The newest migration this version of newsarchive knows."""
    head = ScriptDirectory.from_config(alembic_config()).get_current_head()
    assert head is not None, "no migrations found"
    return head


def current_revision(connection: Connection) -> str | None:
    """The archive's migration, or None for an empty database."""
    # Read directly: Alembic's MigrationContext logs two INFO lines each time it starts.
    if not inspect(connection).has_table("alembic_version"):
        return None
    return connection.execute(text("SELECT version_num FROM alembic_version")).scalar()


def known_revisions() -> set[str]:
    """Every migration this version of newsarchive knows."""
    return {
        script.revision for script in ScriptDirectory.from_config(alembic_config()).walk_revisions()
    }


def check_known(revision: str | None, *, described: str) -> None:
    """Refuse an archive made by a newer newsarchive (its revision is unknown here)."""
    if revision is not None and revision not in known_revisions():
        raise ArchiveError(
            f"{described} was made by a newer newsarchive (schema revision {revision} is "
            f"unknown here, newest known {head_revision()}): upgrade newsarchive to use it"
        )


def require_current(engine: Engine, *, described: str) -> str:
    """Check, without writing, that the archive is at the newest schema; return its revision.

    For read-only commands: an older archive is refused with the command that upgrades it,
    an unknown revision (a newer newsarchive's) and a database that is no archive likewise.
    """
    with engine.connect() as connection:
        check_is_archive(connection, described=described)
        revision = current_revision(connection)
    if revision is None:
        raise ArchiveError(f"{described} is not a newsarchive archive (it is empty)")
    check_known(revision, described=described)
    if revision != head_revision():
        raise ArchiveError(
            f"{described} has an older schema (revision {revision}, current "
            f"{head_revision()}): run `newsarchive db upgrade --db {described}` first"
        )
    return revision


def readonly_archive(path_or_url: str) -> Engine:
    """A read-only engine on an archive at the newest schema (see `require_current`)."""
    engine = readonly_engine(path_or_url)
    try:
        require_current(engine, described=mask_url(path_or_url))
    except ArchiveError:
        engine.dispose()
        raise
    return engine


def upgrade_archive(engine_or_url: Engine | str) -> tuple[str | None, str]:
    """Bring an empty or older archive to the newest schema; a current one is left alone.

    Runs in its own transaction and returns the revisions (before, after); before is None
    for a new archive. Refuses (ArchiveError) a database holding other tables, and an
    archive made by a newer newsarchive.
    """
    engine = make_engine(engine_or_url) if isinstance(engine_or_url, str) else engine_or_url
    described = mask_url(engine_or_url if isinstance(engine_or_url, str) else str(engine.url))
    head = head_revision()
    try:
        with engine.begin() as connection:
            check_is_archive(connection, described=described)
            before = current_revision(connection)
            check_known(before, described=described)
            if before == head:
                return before, head  # nothing to do, and nothing for Alembic to log
            config = alembic_config()
            config.attributes["connection"] = connection
            try:
                command.upgrade(config, "head")
            except CommandError as error:
                revision = current_revision(connection)
                raise ArchiveError(
                    f"{described} is at schema revision {revision}, which this newsarchive "
                    f"does not know (newest known: {head_revision()}): {error}"
                ) from None
        return before, head
    finally:
        if isinstance(engine_or_url, str):
            engine.dispose()


def check_is_archive(connection: Connection, *, described: str) -> None:
    """Refuse a database that has tables but was never made by these migrations."""
    tables = set(inspect(connection).get_table_names())
    if tables and "alembic_version" not in tables:
        raise ArchiveError(f"{described} is a database but not a newsarchive archive")


def archive_overview(engine: Engine, *, described: str) -> ArchiveOverview:
    """The archive's revision (and whether it is current) and its tables' row counts.

    Reads only, so it works on an out-of-date archive too; refuses a database that is not
    an archive.
    """
    with engine.connect() as connection:
        check_is_archive(connection, described=described)
        revision = current_revision(connection)
        if revision is None:
            raise ArchiveError(f"{described} is not a newsarchive archive (it is empty)")
        names = sorted(
            name
            for name in inspect(connection).get_table_names()
            if name == "article_fts" or not name.startswith(UNMODELLED_TABLE_PREFIXES)
        )
        counts = {
            name: connection.execute(select(func.count()).select_from(table(name))).scalar_one()
            for name in names
        }
    if revision == head_revision():
        status = "current"
    elif revision in known_revisions():
        status = "older: run `newsarchive db upgrade`"
    else:
        status = "unknown: made by a newer newsarchive"
    return ArchiveOverview(revision=revision, status=status, row_counts=counts)
