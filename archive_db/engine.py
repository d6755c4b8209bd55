"""Connecting to the archive: the writer's engine, the analysts' read-only engine, errors."""

from __future__ import annotations

import os
import sqlite3
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import quote

from sqlalchemy import create_engine, event
from sqlalchemy.engine import URL, Engine, make_url
from sqlalchemy.exc import ArgumentError, DBAPIError

if TYPE_CHECKING:
    from sqlalchemy.engine import Connection
    from sqlalchemy.pool import ConnectionPoolEntry

SQLITE_HEADER = b"SQLite format 3\x00"
BUSY_TIMEOUT_MS = 10_000  # how long a writer waits for another's lock before "database is locked"


class ArchiveError(Exception):
    """An archive that cannot be opened, created or used; the message is one line for the user."""


def sqlite_url_of(url_or_path: str) -> str:
    """An SQLAlchemy URL for `url_or_path`: URLs pass through, a file path becomes sqlite:///."""
    if "://" in url_or_path:
        return url_or_path
    if url_or_path == ":memory:":
        return "sqlite://"
    return "sqlite:///" + str(Path(url_or_path).expanduser().absolute())


def mask_url(url: str) -> str:
    """`url` fit for messages and logs: any password replaced by ***, also one given as a
    ``?password=`` query parameter (which libpq accepts)."""
    if "://" not in url:
        return url
    try:
        parsed = make_url(url)
    except (ArgumentError, ValueError):  # ValueError: a port that is not a number
        return "<unparsable database URL>"
    if "password" in parsed.query:
        parsed = parsed.update_query_dict({"password": "***"})
    return parsed.render_as_string(hide_password=True)


def make_engine(url: str) -> Engine:
    """The writer's engine for an archive URL or SQLite file path (``:memory:`` works too).

    SQLite connections get foreign keys, WAL, ``synchronous=NORMAL`` and a busy timeout,
    and every transaction starts with ``BEGIN IMMEDIATE`` (see `begin_writing`). The
    archive is opened once here, so a bad path or a file that is not SQLite fails now with
    a one-line ArchiveError rather than at the first write.
    """
    full_url = sqlite_url_of(url)
    try:
        parsed = make_url(full_url)
    except ArgumentError:
        raise ArchiveError(f"not a database URL or file path: {mask_url(url)}") from None
    if parsed.get_backend_name() != "sqlite":
        return server_engine(parsed)
    database = parsed.database or ""
    if database and database != ":memory:" and not parsed.query.get("uri"):
        check_sqlite_path(Path(database))
    engine = create_engine(parsed)
    event.listen(engine, "connect", set_sqlite_pragmas)
    event.listen(engine, "begin", begin_writing)
    probe(engine, described=database or ":memory:")
    return engine


def readonly_engine(path_or_url: str) -> Engine:
    """An engine that cannot write: for queries, exports and analysts.

    SQLite files open with ``mode=ro`` (and ``query_only``), so even a stray UPDATE fails;
    a transaction reads one snapshot from its first statement to its end (`begin_reading`),
    however many commits a crawl makes meanwhile. PostgreSQL sessions start with
    ``default_transaction_read_only``, which a session may switch off again: the sure guard
    there is a URL whose user may only read.
    """
    full_url = sqlite_url_of(path_or_url)
    try:
        parsed = make_url(full_url)
    except ArgumentError:
        raise ArchiveError(f"not a database URL or file path: {mask_url(path_or_url)}") from None
    if parsed.get_backend_name() != "sqlite":
        return server_engine(parsed, readonly=True)
    if not parsed.database or parsed.database == ":memory:":
        raise ArchiveError("a read-only archive must be a file, not an in-memory database")
    path = Path(parsed.database)
    if not path.is_file():
        raise ArchiveError(f"no archive at {path}")
    check_sqlite_path(path)
    readonly = URL.create(
        "sqlite",
        database=f"file:{quote(str(path.absolute()))}",
        query={"mode": "ro", "uri": "true"},
    )
    engine = create_engine(readonly)
    event.listen(engine, "connect", set_readonly_pragmas)
    event.listen(engine, "begin", begin_reading)
    probe(engine, described=str(path))
    return engine


def server_engine(url: URL, *, readonly: bool = False) -> Engine:
    """An engine on a database server (PostgreSQL), opened once now so that a missing
    driver or an unreachable server fails here with a one-line ArchiveError."""
    described = mask_url(url.render_as_string(hide_password=False))
    connect_args: dict[str, str] = {}
    if readonly and url.get_backend_name() == "postgresql":
        connect_args["options"] = "-c default_transaction_read_only=on"
    try:
        engine = create_engine(url, connect_args=connect_args)
    except ImportError as error:
        raise ArchiveError(
            f"cannot open archive {described}: its database driver is not installed ({error.name})"
        ) from None
    probe(engine, described=described, statement="SELECT 1")
    return engine


def check_sqlite_path(path: Path) -> None:
    """Refuse, with a one-line ArchiveError, a path SQLite could not use as an archive file."""
    if path.is_dir():
        raise ArchiveError(f"cannot use {path} as an archive: it is a directory")
    if path.exists():
        try:
            with path.open("rb") as file:
                header = file.read(len(SQLITE_HEADER))
        except OSError as error:
            raise ArchiveError(f"cannot read archive {path}: {error.strerror}") from None
        if header and header != SQLITE_HEADER:
            raise ArchiveError(f"{path} is not an SQLite archive")
        return
    parent = path.parent
    if not parent.is_dir():
        raise ArchiveError(f"cannot create archive {path}: {parent} is not a directory")
    if not os.access(parent, os.W_OK | os.X_OK):
        raise ArchiveError(f"cannot create archive {path}: {parent} is not writable")


def probe(
    engine: Engine, *, described: str, statement: str = "SELECT count(*) FROM sqlite_master"
) -> None:
    """Open one connection now, turning the database's errors into a one-line ArchiveError."""
    try:
        with engine.connect() as connection:
            connection.exec_driver_sql(statement).scalar()
    except DBAPIError as error:
        engine.dispose()
        reason = str(error.orig).splitlines()[0] if error.orig else type(error).__name__
        if "not a database" in reason:
            raise ArchiveError(f"{described} is not an SQLite archive") from None
        raise ArchiveError(f"cannot open archive {described}: {reason}") from None


# Per-connection settings SQLite does not keep in the file (WAL it does keep). The busy
# timeout is added at each connect (`run_pragmas`), so BUSY_TIMEOUT_MS is read then.
SHARED_PRAGMAS = ("PRAGMA foreign_keys=ON",)
# WAL lets analysts read while a crawl writes, and no reader holds up a commit. NORMAL
# syncs at checkpoints, not at each commit: a killed crawl loses nothing it committed; a
# power cut may lose its last commits, never the file.
WRITER_PRAGMAS = (*SHARED_PRAGMAS, "PRAGMA journal_mode=WAL", "PRAGMA synchronous=NORMAL")
READER_PRAGMAS = (*SHARED_PRAGMAS, "PRAGMA query_only=ON")


def run_pragmas(dbapi_connection: sqlite3.Connection, pragmas: tuple[str, ...]) -> None:
    # Python's sqlite3 would start transactions itself, and only before INSERT, UPDATE or
    # DELETE: reads before the first write, and every CREATE TABLE, ran outside any
    # transaction. None leaves BEGIN to `begin_writing` and `begin_reading`.
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    try:
        for pragma in (*pragmas, f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}"):
            cursor.execute(pragma)
    finally:
        cursor.close()


def set_sqlite_pragmas(
    dbapi_connection: sqlite3.Connection, connection_record: ConnectionPoolEntry
) -> None:
    run_pragmas(dbapi_connection, WRITER_PRAGMAS)


def set_readonly_pragmas(
    dbapi_connection: sqlite3.Connection, connection_record: ConnectionPoolEntry
) -> None:
    run_pragmas(dbapi_connection, READER_PRAGMAS)


def begin_writing(connection: Connection) -> None:
    """Start a writer's transaction holding the write lock (waiting up to the busy timeout).

    So a migration is all or nothing (a crawl killed while it builds the schema leaves an
    empty file, not half the tables), a look-up and the insert that depends on it see the
    same data, and two crawls of one archive take turns instead of failing: a transaction
    that read first and wants to write after another writer committed gets "database is
    locked" at once, without waiting.
    """
    connection.exec_driver_sql("BEGIN IMMEDIATE")


def begin_reading(connection: Connection) -> None:
    """Start a reader's transaction: one snapshot for every statement until it ends."""
    connection.exec_driver_sql("BEGIN")
