"""The archive's Alembic migrations, and `upgrade_archive` to bring any archive to head.

Users never need an alembic.ini: the configuration is built here, pointing at this folder.
Developers add a revision with
``alembic -c archive_db/alembic.ini revision --autogenerate -m "what changed"``.
"""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.script import ScriptDirectory
from alembic.util import CommandError
from sqlalchemy import inspect, text
from sqlalchemy.engine import Connection, Engine

from archive_db.engine import ArchiveError, make_engine, mask_url

MIGRATIONS_DIR = Path(__file__).resolve().parent

# Tables the migrations write by hand and the models do not describe: the FTS5 index
# and the shadow tables SQLite keeps for it (article_fts_data, article_fts_idx, ...).
UNMODELLED_TABLE_PREFIXES = ("article_fts", "sqlite_")


def alembic_config() -> Config:
    """An Alembic configuration for this package's migrations, with no file behind it."""
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    return config


def include_name(name: str | None, type_: str, parent_names: object) -> bool:
    """Alembic's filter: compare only what the models describe."""
    if type_ == "table" and name is not None:
        return not name.startswith(UNMODELLED_TABLE_PREFIXES)
    return True


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


def upgrade_archive(engine_or_url: Engine | str) -> None:
    """Bring an empty or older archive to the newest schema; a current one is left alone.

    Runs in its own transaction. Refuses (ArchiveError) a database holding other tables,
    and an archive made by a newer newsarchive.
    """
    engine = make_engine(engine_or_url) if isinstance(engine_or_url, str) else engine_or_url
    described = mask_url(engine_or_url if isinstance(engine_or_url, str) else str(engine.url))
    try:
        with engine.begin() as connection:
            check_is_archive(connection, described=described)
            if current_revision(connection) == head_revision():
                return  # nothing to do, and nothing for Alembic to log
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
    finally:
        if isinstance(engine_or_url, str):
            engine.dispose()


def check_is_archive(connection: Connection, *, described: str) -> None:
    """Refuse a database that has tables but was never made by these migrations."""
    tables = set(inspect(connection).get_table_names())
    if tables and "alembic_version" not in tables:
        raise ArchiveError(f"{described} is a database but not a newsarchive archive")
