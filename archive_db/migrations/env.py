"""Alembic's environment: migrate the connection `upgrade_archive` hands over, or a URL.

`upgrade_archive` passes an open connection in ``config.attributes["connection"]``; a
developer running the ``alembic`` command (``-c archive_db/alembic.ini``) gives a URL instead.
"""

from __future__ import annotations

from logging.config import fileConfig
from typing import TYPE_CHECKING, Any, Literal

from alembic import context
from sqlalchemy.engine import Connection

from archive_db.engine import make_engine
from archive_db.migrations import include_name
from archive_db.models import Base
from archive_db.types import PUBLICATION_TEXT_LENGTH, PublicationTime, UTCDateTime

if TYPE_CHECKING:
    from alembic.autogenerate.api import AutogenContext

if context.config.config_file_name is not None:  # the alembic command, with alembic.ini
    fileConfig(context.config.config_file_name, disable_existing_loggers=False)


def render_item(type_: str, item: Any, autogen_context: AutogenContext) -> str | Literal[False]:
    """Write the project's column types as their plain SQL types, so that a revision never
    imports application code (which may change after the revision is written)."""
    if type_ == "type" and isinstance(item, UTCDateTime):
        return "sa.DateTime()"
    if type_ == "type" and isinstance(item, PublicationTime):
        return f"sa.String(length={PUBLICATION_TEXT_LENGTH})"
    return False


def run_migrations(connection: Connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=Base.metadata,
        render_as_batch=True,  # SQLite alters tables by copying them
        include_name=include_name,
        render_item=render_item,
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online() -> None:
    connection = context.config.attributes.get("connection")
    if isinstance(connection, Connection):
        run_migrations(connection)
        return
    url = context.config.get_main_option("sqlalchemy.url")
    if not url:
        raise SystemExit("no database: set sqlalchemy.url or pass -x url=...")
    engine = make_engine(context.get_x_argument(as_dictionary=True).get("url", url))
    try:
        with engine.connect() as connection:
            run_migrations(connection)
    finally:
        engine.dispose()


def run_migrations_offline() -> None:
    """Print the SQL instead of running it (``alembic upgrade head --sql``)."""
    context.configure(
        url=context.config.get_main_option("sqlalchemy.url"),
        target_metadata=Base.metadata,
        render_as_batch=True,
        literal_binds=True,
    )
    with context.begin_transaction():
        context.run_migrations()


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
