"""Crawl locks: one crawl at a time per archive and site, released even when a crawl is killed.

Two crawls of one site into one archive would fetch every page twice and race for the same
rows; two sharing a job folder (JOBDIR) would corrupt its queue. Each lock lives with the
thing it guards and is held by the operating system or the database server for the
holder's process, so a crawl killed with SIGKILL never leaves a stale lock behind:

- an SQLite archive: ``flock`` on ``<archive>.locks/<site>.lock``, next to the file;
- a PostgreSQL archive: a session advisory lock (``pg_try_advisory_lock``) on a connection
  of its own, kept open for the crawl;
- a job folder: ``flock`` on its ``crawl.lock`` file.

Each lock file holds its holder's pid, host and start time as text, and a PostgreSQL
holder names itself in ``application_name``, so that the refusal can say who holds it.
"""

from __future__ import annotations

import fcntl
import hashlib
import os
import re
import socket
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import unquote, urlsplit

from sqlalchemy import create_engine, text
from sqlalchemy.engine import URL, Connection, make_url
from sqlalchemy.exc import ArgumentError, DBAPIError
from sqlalchemy.pool import NullPool

from archive_db.engine import ArchiveError, mask_url, sqlite_url_of

JOB_FOLDER_LOCK = "crawl.lock"
# Advisory lock keys are one 64-bit number per database: namespaced, so that another
# application's advisory locks on the same server cannot collide with ours by accident.
ADVISORY_KEY_PREFIX = b"newsarchive crawl lock\x00"
APPLICATION_NAME_PREFIX = "newsarchive crawl"


class CrawlLocked(Exception):
    """Another crawl holds the lock: of this site on this archive, or of this job folder."""


def holder_description() -> str:
    """Who takes a lock: ``pid=123 host=box started=2026-11-26T15:04:05Z``."""
    started = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    return f"pid={os.getpid()} host={socket.gethostname()} started={started}"


def holder_words(description: str) -> str:
    """``pid=123 host=box started=...`` as words for a message; "" when nothing is known."""
    fields = dict(part.split("=", 1) for part in description.split() if "=" in part)
    words = []
    if "pid" in fields:
        words.append(f"pid {fields['pid']}")
    if "host" in fields:
        words.append(f"on {fields['host']}")
    if "started" in fields:
        words.append(f"since {fields['started']}")
    return f" ({' '.join(words)})" if words else ""


def file_name_of(site_name: str) -> str:
    """A site name made safe as one file name (profile names are slugs or host names)."""
    return re.sub(r"[^A-Za-z0-9._-]", "_", site_name).lstrip(".") or "_"


@contextmanager
def crawl_lock(db_url: str, site_name: str) -> Iterator[None]:
    """Hold the lock of `site_name`'s crawls into the archive at `db_url` (a URL or an
    SQLite file path) for the ``with`` block.

    Raises CrawlLocked, naming the site, the archive (password masked) and the holder when
    known, if another crawl holds it; ArchiveError when the lock cannot be taken at all (a
    lock folder that cannot be created, an unreachable server). An in-memory SQLite
    archive needs no lock: no other process can open it.
    """
    url = parsed_url(db_url)
    described = f"another crawl of {site_name!r} into {mask_url(db_url)} is running"
    backend = url.get_backend_name()
    if backend == "sqlite":
        path = sqlite_path_of(url)
        if path is None:
            yield
            return
        lock_file = Path(f"{path}.locks") / f"{file_name_of(site_name)}.lock"
        with file_lock(lock_file, refusal=described):
            yield
    elif backend == "postgresql":
        with advisory_lock(url, site_name, refusal=described):
            yield
    else:
        raise ArchiveError(f"crawl locks need SQLite or PostgreSQL, not {backend}")


@contextmanager
def job_folder_lock(folder: Path) -> Iterator[None]:
    """Hold the lock of a job folder (JOBDIR) for the ``with`` block; CrawlLocked if another
    crawl holds it, ArchiveError if the folder cannot be created."""
    with file_lock(folder / JOB_FOLDER_LOCK, refusal=f"another crawl is using job folder {folder}"):
        yield


def archive_identity(db_url: str) -> str:
    """One spelling per archive, whatever the path or URL that named it: an SQLite file's
    resolved path, a server URL without password or query. For naming state kept per
    archive; it holds no password, but a server's user and host."""
    url = parsed_url(db_url)
    if url.get_backend_name() == "sqlite":
        path = sqlite_path_of(url)
        return f"sqlite:{path.resolve() if path else ':memory:'}"
    return url.set(password=None, query={}).render_as_string(hide_password=True)


def parsed_url(db_url: str) -> URL:
    try:
        return make_url(sqlite_url_of(db_url))
    except (ArgumentError, ValueError):
        raise ArchiveError(f"not a database URL or file path: {mask_url(db_url)}") from None


def sqlite_path_of(url: URL) -> Path | None:
    """The file of an SQLite URL (``file:`` URIs too); None for an in-memory database."""
    database = url.database or ""
    if url.query.get("uri"):
        database = unquote(urlsplit(database).path)
    if not database or database == ":memory:":
        return None
    return Path(database).expanduser().absolute()


@contextmanager
def file_lock(path: Path, *, refusal: str) -> Iterator[None]:
    """Hold ``flock`` on `path` (created with its folder if missing), writing the holder's
    description into it. The file is never removed: a crawl that unlinked it could let a
    third one lock a new file while a second still holds the old one."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        descriptor = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
    except OSError as error:
        raise ArchiveError(f"cannot create lock file {path}: {error.strerror}") from None
    try:
        try:
            fcntl.flock(descriptor, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            holder = os.pread(descriptor, 4096, 0).decode("utf-8", "replace")
            raise CrawlLocked(f"{refusal}{holder_words(holder)}") from None
        os.ftruncate(descriptor, 0)
        os.pwrite(descriptor, holder_description().encode() + b"\n", 0)
        try:
            yield
        finally:
            os.ftruncate(descriptor, 0)  # no stale holder to mislead a reader
    finally:
        os.close(descriptor)  # releases the flock


def advisory_key(site_name: str) -> int:
    """The signed 64-bit advisory lock key of a site's crawls."""
    digest = hashlib.sha256(ADVISORY_KEY_PREFIX + site_name.encode()).digest()
    return int.from_bytes(digest[:8], "big", signed=True)


@contextmanager
def advisory_lock(url: URL, site_name: str, *, refusal: str) -> Iterator[None]:
    """Hold a session advisory lock on a connection of its own (autocommit: no transaction
    stays open for the crawl's length). The server releases it when the connection ends,
    the crawl's process dies with it."""
    holder = f"{APPLICATION_NAME_PREFIX} {holder_description()}"
    described = mask_url(url.render_as_string(hide_password=False))
    try:
        engine = create_engine(
            url,
            poolclass=NullPool,
            isolation_level="AUTOCOMMIT",
            connect_args={"application_name": holder[:63]},  # NAMEDATALEN - 1
        )
    except ImportError as error:
        raise ArchiveError(
            f"cannot open archive {described}: its database driver is not installed ({error.name})"
        ) from None
    key = advisory_key(site_name)
    try:
        try:
            connection = engine.connect()
        except DBAPIError as error:
            reason = str(error.orig).splitlines()[0] if error.orig else type(error).__name__
            raise ArchiveError(f"cannot open archive {described}: {reason}") from None
        with connection:
            taken = connection.scalar(text("SELECT pg_try_advisory_lock(:key)"), {"key": key})
            if not taken:
                raise CrawlLocked(f"{refusal}{advisory_holder(connection, key)}")
            try:
                yield
            finally:
                connection.execute(text("SELECT pg_advisory_unlock(:key)"), {"key": key})
    finally:
        engine.dispose()


def advisory_holder(connection: Connection, key: int) -> str:
    """Who holds advisory lock `key` in this database, as words; "" when not known (the
    holder is not a newsarchive crawl, or this user may not see its session)."""
    # pg_locks splits a bigint key into two unsigned 32-bit halves, objsubid 1.
    unsigned = key & 0xFFFF_FFFF_FFFF_FFFF
    row = connection.execute(
        text(
            "SELECT a.application_name FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid"
            " WHERE l.locktype = 'advisory' AND l.granted AND l.objsubid = 1"
            " AND l.classid = CAST(:high AS oid) AND l.objid = CAST(:low AS oid)"
            " AND l.database = (SELECT oid FROM pg_database WHERE datname = current_database())"
        ),
        {"high": unsigned >> 32, "low": unsigned & 0xFFFF_FFFF},
    ).first()
    if row is None or not str(row[0] or "").startswith(APPLICATION_NAME_PREFIX):
        return ""
    return holder_words(str(row[0]).removeprefix(APPLICATION_NAME_PREFIX))
