"""Writing to the archive: articles (with their versions), raw captures, fetch failures and
crawl runs.

Every function here works inside the caller's session and transaction: it writes and
flushes rows (so a constraint error surfaces at the call that caused it) but never
commits, rolls back or closes the session. Articles are written with a few Core
statements per batch of records, not ORM objects per row: a crawl saves thousands.
"""

from __future__ import annotations

import base64
import enum
import functools
import hashlib
import itertools
import json
import operator
import random
import sys
import time
import unicodedata
import zlib
from collections import OrderedDict
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import bindparam, delete, func, insert, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import IntegrityError, OperationalError

from archive_db.engine import ArchiveError
from archive_db.models import Base, CrawlRun, FetchFailure
from archive_db.types import utc_instant_of
from items import record_to_json

if sys.version_info >= (3, 14):
    from compression import zstd
else:  # the backport, which Scrapy already requires before Python 3.14
    from backports import zstd

if TYPE_CHECKING:
    from sqlalchemy import Table
    from sqlalchemy.engine import Connection, Dialect
    from sqlalchemy.orm import Session

    from archive_db.health import ExtractionCounts
    from items import ArticleRecord, PageGone, PageNotModified, RawCapture
    from items import FetchFailure as FetchFailureItem

# The fields whose change makes a new version: what the article says. Not the URLs it was
# found under, not how the parser found each field (provenance), and not the related
# links, which sidebars rotate as other articles are published.
CONTENT_FIELDS = (
    "title",
    "summary",
    "published",
    "modified",
    "authors",
    "section",
    "tags",
    "language",
    "body",
    "lists",
    "images",
)

COMPACT = (",", ":")  # JSON separators without spaces
# Records saved by one set of statements at most: their look-ups (related links, authors,
# tags) stay well within the parameters a statement may hold (SQLite 32,766; PostgreSQL
# 65,535), whatever ARCHIVE_BATCH_SIZE says.
PART_SIZE = 500

TABLES = Base.metadata.tables
ARTICLE = TABLES["article"]
SITE = TABLES["site"]
AUTHOR = TABLES["author"]
TAG = TABLES["tag"]
ARTICLE_LIST = TABLES["article_list"]
ARTICLE_LINK = TABLES["article_link"]
FAILURE = TABLES["fetch_failure"]
PAYLOAD = TABLES["payload"]
CAPTURE = TABLES["capture"]
# Captures' bodies are compressed with Zstandard at level 5. Measured on 300 generated
# article pages (~70 KB each): zlib level 6 leaves 15.5% of their size at 0.85 ms a page,
# zstd level 5 15.3% at 0.34 ms (level 3: 16.6%, 0.14 ms; level 9: 14.6%, 0.69 ms). The
# compression runs in the archive's writer thread while the crawl goes on, and on two
# cores a crawl of 1,000 articles took 5.2 s without captures, 6.4-6.9 s with zlib 6 and
# 5.7-5.8 s with zstd 5. Payloads stored as "zlib" are still read.
PAYLOAD_COMPRESSION = "zstd"
ZSTD_LEVEL = 5
# Payloads inserted a statement at most: a statement holds their bodies, ~10 KB each.
PAYLOAD_PART_SIZE = 50
# The origin of versions fetched and parsed by a crawl; other origins ("reparse",
# "warc-import") are no new sighting of the page (see save_articles).
CRAWL = "crawl"
# Article columns a sighting sets, beside the content: kept as they are by another origin.
SIGHTING_COLUMNS = (
    "url",
    "fetched_at",
    "last_seen_at",
    "etag",
    "http_last_modified",
    "last_checked_at",
    "listed_modified_at",
    "gone_at",
    "gone_status",
)
# An article's child rows, replaced with its content (list items go with their list, by
# the database's ON DELETE CASCADE).
CHILD_TABLES = tuple(
    TABLES[name]
    for name in ("article_author", "article_tag", "article_list", "article_link", "article_image")
)

# A crawl hashes each record twice, to drop a repeat (pipelines/deduplicate.py) and to
# spot an edit here, ~100 µs for an 8 KB body each time. The latest hashes are kept by the
# record's identity, the record itself held so that its id is not reused meanwhile
# (records are frozen). The store hashes a batch (ARCHIVE_BATCH_SIZE, 100) after the
# deduplicator: room for a couple of batches.
RECENT_HASHES = 256
recent_hashes: OrderedDict[int, tuple[ArticleRecord, str]] = OrderedDict()


class SaveOutcome(enum.Enum):
    """What `save_article` did with a record."""

    INSERTED = "inserted"  # a new archive key: the article and its version 1
    UPDATED = "updated"  # new content for a known article: a new version
    UNCHANGED = "unchanged"  # content already archived: a crawl moves last_seen_at (and url)


class RecordError(ArchiveError, ValueError):
    """A record the archive refuses as it stands, e.g. one with a naive datetime."""


def content_hash_of(record: ArticleRecord) -> str:
    """The sha256 (hex) of the record's content fields, normalised.

    Text is NFC with runs of whitespace collapsed to one space, and datetimes are compared
    as UTC instants, so a re-wrapped paragraph or another spelling of the same time is not
    an edit.
    """
    cached = recent_hashes.get(id(record))
    if cached is not None and cached[0] is record:
        return cached[1]
    data = record_to_json(record)
    for key in ("published", "modified"):
        instant = utc_instant_of(getattr(record, key))
        if isinstance(getattr(record, key), datetime) and instant is not None:
            data[key] = instant.isoformat()
    content = {key: normalised(data[key]) for key in CONTENT_FIELDS}
    text = compact_json(content, likely_ascii=record.body.isascii())
    digest = hashlib.sha256(text.encode("utf-8")).hexdigest()
    recent_hashes[id(record)] = (record, digest)
    if len(recent_hashes) > RECENT_HASHES:
        recent_hashes.popitem(last=False)
    return digest


def compact_json(value: object, *, likely_ascii: bool) -> str:
    """``json.dumps(value, sort_keys=True, ensure_ascii=False, separators=(",", ":"))``.

    `likely_ascii` (the text is mostly ASCII, e.g. an English body) only makes it faster.
    """
    if likely_ascii:
        # The ASCII encoder is about three times as fast, and its output is the same
        # wherever it spells no character out as \uXXXX: none beyond ASCII, no DEL and no
        # control character but the ones with short escapes (\n, \t, ...).
        text = json.dumps(value, sort_keys=True, separators=COMPACT)
        if "\\u" not in text:
            return text
    return json.dumps(value, sort_keys=True, ensure_ascii=False, separators=COMPACT)


def collapsed_whitespace(text: str) -> str:
    """`text` with each run of whitespace one space and none at either end, as
    ``" ".join(text.split())``."""
    # Most text is that already but for its line breaks (a body: a paragraph or list item
    # a line), and checking so takes half the time of splitting an 8 KB body into words. A
    # printable string holds no whitespace but the space; so when the lines, joined by one
    # space, hold no two spaces in a row and none at either end, that is the answer.
    flat = " ".join(filter(None, text.split("\n")))
    if flat.isprintable() and "  " not in flat and flat[:1] != " " and flat[-1:] != " ":
        return flat
    return " ".join(text.split())


def normalised(value: object) -> object:
    if isinstance(value, str):
        return collapsed_whitespace(unicodedata.normalize("NFC", value))
    if isinstance(value, list):
        return [normalised(item) for item in value]
    if isinstance(value, dict):
        return {key: normalised(item) for key, item in value.items()}
    return value


def save_article(
    session: Session, record: ArticleRecord, *, seen_at: datetime, crawl_run_id: int | None
) -> SaveOutcome:
    """Archive one record under its archive key (canonical URL, else the fetched URL);
    `seen_at` is when it was fetched (aware). `save_articles` for one record."""
    return save_articles(session, [(record, seen_at)], crawl_run_id=crawl_run_id)[0]


def save_articles(
    session: Session,
    sightings: Sequence[tuple[ArticleRecord, datetime]],
    *,
    crawl_run_id: int | None,
    origin: str = CRAWL,
    capture_ids: Sequence[int | None] | None = None,
) -> list[SaveOutcome]:
    """Archive records, each with when it was fetched (aware), with the effect of saving
    them one after another, in a few statements for them all; one outcome per record.

    A record under a new archive key becomes an article and its version 1. New content for
    a known article keeps the previous content as its `article_version` rows and replaces
    the article's fields and child rows; the same content only moves last_seen_at (and
    url). The unresolved fetch failures of a record's URLs are resolved, and related links
    point at the archived articles they lead to. Raises RecordError, before writing
    anything, for a record with naive datetimes.

    A new version says where it came from: `origin`, the record's parser_version, and the
    id of the capture it was read from (`capture_ids`, one per sighting, None for none).
    Any origin but "crawl" (a re-parse of a stored capture, a WARC import) is no new
    sighting of the page: the same content changes nothing, new content becomes a version
    and the article's content, and neither touches the article's url, last_seen_at, fetch
    validators or gone mark, nor resolves fetch failures.

    ORM objects the session already holds for these rows are not refreshed: expire them to
    read what was written.
    """
    if capture_ids is not None and len(capture_ids) != len(sightings):
        raise ValueError(f"{len(capture_ids)} capture ids for {len(sightings)} records")
    for record, seen_at in sightings:
        for name in ("published", "modified", "fetched_at", "listed_modified_at"):
            check_aware(name, getattr(record, name))
        check_aware("seen_at", seen_at)
    session.flush()  # what the caller added goes first
    captured = capture_ids if capture_ids is not None else [None] * len(sightings)
    outcomes: list[SaveOutcome] = []
    for part in parts_with_distinct_keys(
        [
            Sighting(record, seen_at, capture_id)
            for (record, seen_at), capture_id in zip(sightings, captured, strict=True)
        ]
    ):
        outcomes += save_part_with_retry(session, part, crawl_run_id=crawl_run_id, origin=origin)
    return outcomes


@dataclass(frozen=True, slots=True)
class Sighting:
    """A record to save, when it was fetched, and the capture it was read from."""

    record: ArticleRecord
    seen_at: datetime
    capture_id: int | None = None


def parts_with_distinct_keys(sightings: Sequence[Sighting]) -> Iterator[list[Sighting]]:
    """`sightings` in order, cut before each archive key that comes again (the later record
    of an article must find what the earlier one saved) and every PART_SIZE records."""
    part: list[Sighting] = []
    keys: set[str] = set()
    for sighting in sightings:
        key = sighting.record.archive_key
        if key in keys or len(part) == PART_SIZE:
            yield part
            part, keys = [], set()
        part.append(sighting)
        keys.add(key)
    if part:
        yield part


def save_part_with_retry(
    session: Session, part: list[Sighting], *, crawl_run_id: int | None, origin: str
) -> list[SaveOutcome]:
    if session.get_bind().dialect.name == "sqlite":
        # One writer at a time holds the file's lock: no other can insert between our
        # look-ups and our inserts.
        return save_part(session.connection(), part, crawl_run_id=crawl_run_id, origin=origin)
    # A server runs writers side by side (workers on a shared frontier). Rows are written
    # in archive-key order, so two writers lock the same articles in the same order. Still,
    # another may insert the same article (or site, author, tag) between our look-up and
    # our insert: the unique constraint refuses the second row once the first is committed,
    # and a new attempt finds that row and saves onto it. With several writers a new attempt
    # may meet yet another; and two writers may still wait on each other's author or tag
    # rows (a deadlock PostgreSQL breaks by failing one). Savepoints keep the caller's
    # transaction usable after each refusal.
    order = sorted(range(len(part)), key=lambda index: part[index].record.archive_key)
    in_key_order = [part[index] for index in order]
    for attempt in itertools.count(1):
        try:
            with session.begin_nested():
                saved = save_part(
                    session.connection(), in_key_order, crawl_run_id=crawl_run_id, origin=origin
                )
            break
        except (IntegrityError, OperationalError) as error:
            if attempt == RACE_ATTEMPTS or not lost_a_race(error):
                raise
            time.sleep(random.uniform(0, RACE_BACKOFF_SECONDS * attempt))  # noqa: S311
    outcomes: list[SaveOutcome] = [SaveOutcome.UNCHANGED] * len(part)
    for index, outcome in zip(order, saved, strict=True):
        outcomes[index] = outcome
    return outcomes


# SQLSTATEs of a write that lost a race with another writer, and is worth another attempt.
RACE_SQLSTATES = frozenset({"23505", "40P01", "40001"})  # unique, deadlock, serialization
RACE_ATTEMPTS = 8
RACE_BACKOFF_SECONDS = 0.02  # the most a next attempt waits, times its number (random)


def lost_a_race(error: IntegrityError | OperationalError) -> bool:
    """Whether the server refused a write because another writer got there first (a unique
    row it inserted meanwhile, a deadlock): not a bad record, nor a server that is down."""
    return getattr(error.orig, "sqlstate", None) in RACE_SQLSTATES


@dataclass(frozen=True, slots=True)
class Content:
    """A record whose content gets written: a new article, or a new version of one."""

    record: ArticleRecord
    seen_at: datetime
    content_hash: str
    number: int  # its version number
    first_seen_at: datetime  # the article's, this sighting included
    last_seen_at: datetime
    fetch: Mapping[str, Any]  # fetch_columns of the record
    article_id: int | None = None  # None until a new article is inserted
    capture_id: int | None = None  # the capture it was read from
    sighted: bool = True  # a sighting of the page: sets the article's SIGHTING_COLUMNS


def save_part(
    connection: Connection,
    part: list[Sighting],
    *,
    crawl_run_id: int | None,
    origin: str = CRAWL,
) -> list[SaveOutcome]:
    """`save_articles` for records with distinct archive keys, without retry."""
    keys = [sighting.record.archive_key for sighting in part]
    known = {
        row.archive_key: row
        for row in connection.execute(
            select(
                ARTICLE.c.id,
                ARTICLE.c.archive_key,
                ARTICLE.c.content_hash,
                ARTICLE.c.current_version,
                ARTICLE.c.first_seen_at,
                ARTICLE.c.last_seen_at,
                ARTICLE.c.fetched_at,
                ARTICLE.c.listed_modified_at,
            ).where(ARTICLE.c.archive_key.in_(keys))
        )
    }
    sighted = origin == CRAWL
    outcomes: list[SaveOutcome] = []
    contents: list[Content] = []
    seen_again: list[dict[str, Any]] = []
    for record, seen_at, capture_id in ((s.record, s.seen_at, s.capture_id) for s in part):
        content_hash = content_hash_of(record)
        row = known.get(record.archive_key)
        if row is None:
            outcomes.append(SaveOutcome.INSERTED)
            contents.append(
                Content(
                    record,
                    seen_at,
                    content_hash,
                    1,
                    seen_at,
                    seen_at,
                    fetch_columns(record, seen_at),
                    capture_id=capture_id,
                )
            )
            continue
        fetch = fetch_columns(record, seen_at, listed_before=row.listed_modified_at)
        first_seen_at = min(row.first_seen_at, seen_at)
        last_seen_at = max(row.last_seen_at, seen_at)
        if row.content_hash == content_hash:
            outcomes.append(SaveOutcome.UNCHANGED)
            if not sighted:  # the archive holds this content already, and nothing was fetched
                continue
            seen_again.append(
                {
                    "article_id": row.id,
                    "url": record.url,
                    "fetched_at": record.fetched_at or row.fetched_at,
                    "first_seen_at": first_seen_at,
                    "last_seen_at": last_seen_at,
                    **fetch,
                }
            )
        else:
            outcomes.append(SaveOutcome.UPDATED)
            number = row.current_version + 1
            contents.append(
                Content(
                    record,
                    seen_at,
                    content_hash,
                    number,
                    first_seen_at,
                    last_seen_at,
                    fetch,
                    row.id,
                    capture_id,
                    sighted,
                )
            )
    if seen_again:
        connection.execute(
            update(ARTICLE).where(ARTICLE.c.id == bindparam("article_id")), seen_again
        )
    if contents:
        written = write_articles(connection, contents)
        write_children(connection, written, crawl_run_id=crawl_run_id, origin=origin)
    if sighted:
        resolve_failures_of(connection, part)
    return outcomes


def write_articles(connection: Connection, contents: list[Content]) -> list[Content]:
    """Write the articles' columns: insert the new ones, overwrite the edited ones (their old
    child rows deleted); returns `contents`, each with its article id."""
    hosts: dict[str, dict[str, Any]] = {}
    for content in contents:
        hosts.setdefault(content.record.site, {"first_seen_at": content.seen_at})
    site_ids = ids_of_names(connection, SITE, hosts, column="host")
    edited = [content for content in contents if content.article_id is not None]
    new = [content for content in contents if content.article_id is None]
    if edited:
        ids = [content.article_id for content in edited]
        for child in CHILD_TABLES:
            connection.execute(delete(child).where(child.c.article_id.in_(ids)))
        for sighted in (True, False):  # one statement for each set of columns
            rows = [
                columns_of_edit(content, site_ids)
                for content in edited
                if content.sighted is sighted
            ]
            if rows:
                connection.execute(
                    update(ARTICLE).where(ARTICLE.c.id == bindparam("article_id")), rows
                )
    if not new:
        return contents
    connection.execute(
        insert(ARTICLE),
        [
            article_columns(content, site_ids) | {"archive_key": content.record.archive_key}
            for content in new
        ],
    )
    new_ids = archived_ids(connection, [content.record.archive_key for content in new])
    resolve_links_to(connection, list(new_ids))
    return [
        content
        if content.article_id is not None
        else replace(content, article_id=new_ids[content.record.archive_key])
        for content in contents
    ]


def columns_of_edit(content: Content, site_ids: Mapping[str, int]) -> dict[str, Any]:
    """The columns new content of an archived article sets: all of them for a sighting,
    the content only otherwise (see save_articles)."""
    columns = article_columns(content, site_ids) | {"article_id": content.article_id}
    if not content.sighted:
        for name in SIGHTING_COLUMNS:
            del columns[name]
    return columns


def article_columns(content: Content, site_ids: Mapping[str, int]) -> dict[str, Any]:
    """The article's content columns, from its record."""
    record = content.record
    return {
        "url": record.url,
        "canonical_url": record.canonical_url,
        "site_id": site_ids[record.site],
        "title": record.title,
        "summary": record.summary,
        "published": record.published,
        "published_at": utc_instant_of(record.published),
        "modified": record.modified,
        "section": record.section,
        "language": record.language,
        "body": record.body,
        "provenance": dict(record.provenance),
        "content_hash": content.content_hash,
        "fetched_at": record.fetched_at,
        "authors_text": "; ".join(record.authors) or None,
        "tags_text": "; ".join(record.tags) or None,
        "first_seen_at": content.first_seen_at,
        "last_seen_at": content.last_seen_at,
        "current_version": content.number,
        **content.fetch,
    }


def fetch_columns(
    record: ArticleRecord, seen_at: datetime, *, listed_before: datetime | None = None
) -> dict[str, Any]:
    """The columns a fetched page sets whatever its content: the validators of this response
    (none kept from an earlier one), when it was checked (`seen_at`), the listing's date (the
    one stored before when this fetch came from a link), and no longer gone."""
    return {
        "etag": record.etag,
        "http_last_modified": record.http_last_modified,
        "last_checked_at": seen_at,
        "listed_modified_at": record.listed_modified_at or listed_before,
        "gone_at": None,
        "gone_status": None,
    }


def write_children(
    connection: Connection, written: list[Content], *, crawl_run_id: int | None, origin: str
) -> None:
    """The version rows and child rows of articles whose content was just written."""
    records = [content.record for content in written]
    author_ids = ids_of_names(connection, AUTHOR, {n: {} for r in records for n in r.authors})
    tag_ids = ids_of_names(connection, TAG, {name: {} for r in records for name in r.tags})
    targets = archived_ids(connection, [link.url for r in records for link in r.related])
    versions: list[dict[str, Any]] = []
    names = ("article_author", "article_tag", "article_link", "article_image")
    rows: dict[str, list[dict[str, Any]]] = {name: [] for name in names}
    lists: list[dict[str, Any]] = []
    items: dict[tuple[int, int], tuple[str, ...]] = {}
    for content in written:
        record, article_id = content.record, content.article_id
        versions.append(
            {
                "article_id": article_id,
                "number": content.number,
                "content_hash": content.content_hash,
                "record": record_to_json(record),
                "seen_at": content.seen_at,
                "crawl_run_id": crawl_run_id,
                "origin": origin,
                "parser_version": record.parser_version,
                "capture_id": content.capture_id,
            }
        )
        rows["article_author"] += [
            {"article_id": article_id, "author_id": author_ids[name], "position": position}
            for position, name in enumerate(record.authors)
        ]
        rows["article_tag"] += [
            {"article_id": article_id, "tag_id": tag_ids[name], "position": position}
            for position, name in enumerate(record.tags)
        ]
        rows["article_link"] += [
            {
                "article_id": article_id,
                "position": position,
                "url": link.url,
                "title": link.title,
                "teaser": link.teaser,
                "comments": link.comments,
                "target_article_id": targets.get(link.url),
            }
            for position, link in enumerate(record.related)
        ]
        rows["article_image"] += [
            {
                "article_id": article_id,
                "position": position,
                "url": image.url,
                "caption": image.caption,
            }
            for position, image in enumerate(record.images)
        ]
        for position, block in enumerate(record.lists):
            lists.append(
                {
                    "article_id": article_id,
                    "position": position,
                    "heading": block.heading,
                    "ordered": block.ordered,
                }
            )
            assert article_id is not None
            items[article_id, position] = block.items
    connection.execute(insert(TABLES["article_version"]), versions)
    for name, table_rows in rows.items():
        insert_plain_rows(connection, TABLES[name], table_rows)
    if lists:
        write_list_items(connection, lists, items)


def write_list_items(
    connection: Connection,
    lists: list[dict[str, Any]],
    items: Mapping[tuple[int, int], tuple[str, ...]],
) -> None:
    """Insert `lists`, then their `items` (by article id and list position)."""
    insert_plain_rows(connection, ARTICLE_LIST, lists)
    list_ids = connection.execute(
        select(ARTICLE_LIST.c.article_id, ARTICLE_LIST.c.position, ARTICLE_LIST.c.id).where(
            ARTICLE_LIST.c.article_id.in_({row["article_id"] for row in lists})
        )
    )
    insert_plain_rows(
        connection,
        TABLES["article_list_item"],
        [
            {"article_list_id": list_id, "position": position, "text": text}
            for article_id, list_position, list_id in list_ids
            for position, text in enumerate(items[article_id, list_position])
        ],
    )


def insert_plain_rows(connection: Connection, table: Table, rows: list[dict[str, Any]]) -> None:
    """Insert `rows` of `table` with one executemany straight to the driver.

    Only for rows whose every value the driver takes as it is (text, numbers, booleans,
    None): SQLAlchemy's processing of each row's parameters costs more than SQLite's
    insert of a short row, and an article has a dozen such rows.
    """
    if not rows:
        return
    sql, order = insert_statement(connection.dialect, table, tuple(rows[0]))
    if order is None:
        connection.exec_driver_sql(sql, rows)
    else:
        values_of = operator.itemgetter(*order)  # a tuple: these rows have several columns
        connection.exec_driver_sql(sql, [values_of(row) for row in rows])


@functools.lru_cache(maxsize=128)
def insert_statement(
    dialect: Dialect, table: Table, columns: tuple[str, ...]
) -> tuple[str, tuple[str, ...] | None]:
    """The INSERT of `columns` into `table` in the dialect's own SQL, and the order of its
    parameters when they are positional (SQLite's ``?``), None when named (psycopg's)."""
    compiled = insert(table).compile(dialect=dialect, column_keys=list(columns))
    if compiled.positional:
        assert compiled.positiontup is not None
        return compiled.string, tuple(compiled.positiontup)
    return compiled.string, None


def ids_of_names(
    connection: Connection,
    table: Table,
    names: Mapping[str, Mapping[str, Any]],
    *,
    column: str = "name",
) -> dict[str, int]:
    """The ids of the rows of `table` (author, tag, site) whose `column` holds one of
    `names`; missing rows are inserted, with the other columns `names` gives them."""
    if not names:
        return {}
    name_column = table.c[column]

    def ids_of(wanted: Iterable[str]) -> dict[str, int]:
        found = connection.execute(select(name_column, table.c.id).where(name_column.in_(wanted)))
        return {name: row_id for name, row_id in found}

    ids = ids_of(names)
    missing = sorted(name for name in names if name not in ids)  # one order for all writers
    if missing:
        connection.execute(insert(table), [{column: name, **names[name]} for name in missing])
        ids |= ids_of(missing)
    return ids


def archived_ids(connection: Connection, urls: Iterable[str]) -> dict[str, int]:
    """The ids of the archived articles whose archive key is one of `urls`."""
    wanted = set(urls)
    if not wanted:
        return {}
    rows = connection.execute(
        select(ARTICLE.c.archive_key, ARTICLE.c.id).where(ARTICLE.c.archive_key.in_(wanted))
    )
    return {key: article_id for key, article_id in rows}


def resolve_links_to(connection: Connection, keys: list[str]) -> None:
    """Point the related links saved before the articles archived under `keys` (and leading
    to them) at them."""
    target = select(ARTICLE.c.id).where(ARTICLE.c.archive_key == ARTICLE_LINK.c.url)
    connection.execute(
        update(ARTICLE_LINK)
        .where(ARTICLE_LINK.c.url.in_(keys), ARTICLE_LINK.c.target_article_id.is_(None))
        .values(target_article_id=target.scalar_subquery())
    )


def resolve_failures_of(connection: Connection, part: list[Sighting]) -> None:
    """Resolve the unresolved failures of the records' URLs and archive keys, each at the
    time the first record naming it was seen."""
    first_seen: dict[str, datetime] = {}
    for record, seen_at in ((sighting.record, sighting.seen_at) for sighting in part):
        first_seen.setdefault(record.url, seen_at)
        first_seen.setdefault(record.archive_key, seen_at)
    failed = connection.execute(
        select(FAILURE.c.url)
        .where(FAILURE.c.url.in_(first_seen), FAILURE.c.resolved_at.is_(None))
        .distinct()
    ).scalars()
    resolved = [{"failed_url": url, "resolved_at": first_seen[url]} for url in failed]
    if resolved:
        connection.execute(
            update(FAILURE).where(
                FAILURE.c.url == bindparam("failed_url"), FAILURE.c.resolved_at.is_(None)
            ),
            resolved,
        )


def resolve_failures(session: Session, urls: Iterable[str], *, resolved_at: datetime) -> None:
    """Mark the unresolved failures of these URLs resolved: each was fetched fine since."""
    check_aware("resolved_at", resolved_at)
    session.execute(
        update(FetchFailure)
        .where(FetchFailure.url.in_(set(urls)), FetchFailure.resolved_at.is_(None))
        .values(resolved_at=resolved_at)
        .execution_options(synchronize_session=False)
    )


def save_checks(session: Session, checks: Sequence[PageNotModified]) -> None:
    """Record that archived articles' pages answered 304 Not Modified: each was checked
    then (and is not gone); a listing date given with the check is stored with it."""
    for check in checks:
        check_aware("checked_at", check.checked_at)
        check_aware("listed_modified_at", check.listed_modified_at)
    if not checks:
        return
    update_articles(
        session,
        {
            "last_checked_at": bindparam("checked_at", type_=ARTICLE.c.last_checked_at.type),
            "listed_modified_at": func.coalesce(
                bindparam("listed_at", type_=ARTICLE.c.listed_modified_at.type),
                ARTICLE.c.listed_modified_at,
            ),
            "gone_at": None,
            "gone_status": None,
        },
        [
            {
                "article_id": check.article_id,
                "checked_at": check.checked_at,
                "listed_at": check.listed_modified_at,
            }
            for check in checks
        ],
    )


def mark_gone(session: Session, gones: Sequence[PageGone]) -> None:
    """Mark archived articles whose pages answered 404 or 410: the article, its versions and
    child rows stay; ``gone_at``/``gone_status`` say when and how it went (the first time:
    a page still gone on a later check keeps the date it went)."""
    for gone in gones:
        check_aware("gone_at", gone.gone_at)
    if not gones:
        return
    update_articles(
        session,
        {
            "gone_at": func.coalesce(
                ARTICLE.c.gone_at, bindparam("went_at", type_=ARTICLE.c.gone_at.type)
            ),
            "gone_status": bindparam("status"),
        },
        [
            {"article_id": gone.article_id, "went_at": gone.gone_at, "status": gone.status}
            for gone in gones
        ],
    )


def update_articles(
    session: Session, values: Mapping[str, Any], rows: Sequence[Mapping[str, Any]]
) -> None:
    """One UPDATE of article rows by id, executed for every row (`article_id` and the bind
    parameters `values` name): after what the session holds is flushed."""
    session.flush()
    session.connection().execute(
        update(ARTICLE).where(ARTICLE.c.id == bindparam("article_id")).values(values), rows
    )


def payload_digest(body: bytes) -> str:
    """The body's digest as WARC-Payload-Digest spells it (and warcio computes it): "sha1:"
    and the base32 SHA-1 of the bytes."""
    return "sha1:" + base64.b32encode(hashlib.sha1(body, usedforsecurity=False).digest()).decode(
        "ascii"
    )


@dataclass(frozen=True, slots=True)
class StoredCaptures:
    """What `store_captures` wrote."""

    ids: list[int]  # the captures' ids, in the order given
    new_payloads: int  # bodies the archive did not hold before
    new_payload_bytes: int  # their size as stored (compressed)


def save_captures(
    session: Session, captures: Sequence[RawCapture], *, crawl_run_id: int | None
) -> list[int]:
    """Archive raw captures, each body once by its digest; the captures' ids, in order."""
    return store_captures(session, captures, crawl_run_id=crawl_run_id).ids


def store_captures(
    session: Session, captures: Sequence[RawCapture], *, crawl_run_id: int | None
) -> StoredCaptures:
    """`save_captures`, saying how many bodies were new.

    A body is stored compressed in a `payload` row unique by its digest: the first capture
    of a body stores it, every later one (the unchanged page of the next crawl) only points
    at it. Writers side by side (PostgreSQL) may insert the same body at once: the insert
    skips a digest already there (ON CONFLICT DO NOTHING, which waits for the other writer's
    transaction), and the ids are read afterwards, so both end on the one row.
    """
    for capture in captures:
        check_aware("fetched_at", capture.fetched_at)
    if not captures:
        return StoredCaptures([], 0, 0)
    session.flush()
    connection = session.connection()
    digests = [payload_digest(capture.body) for capture in captures]
    bodies: dict[str, RawCapture] = {}  # digest -> its first capture
    for digest, capture in zip(digests, captures, strict=True):
        earliest = bodies.setdefault(digest, capture)
        if capture.fetched_at < earliest.fetched_at:
            bodies[digest] = capture
    payload_ids = payload_ids_of(connection, bodies)
    new_payloads = new_payload_bytes = 0
    missing = [digest for digest in bodies if digest not in payload_ids]
    statement = insert_ignoring_duplicates(connection.dialect.name, PAYLOAD, "digest")
    for start in range(0, len(missing), PAYLOAD_PART_SIZE):
        rows: list[dict[str, Any]] = [
            {
                "digest": digest,
                "size": len(bodies[digest].body),
                "compression": PAYLOAD_COMPRESSION,
                "data": compressed_payload(bodies[digest].body),
                "first_seen_at": bodies[digest].fetched_at,
            }
            for digest in missing[start : start + PAYLOAD_PART_SIZE]
        ]
        inserted = set(connection.execute(statement.returning(PAYLOAD.c.digest), rows).scalars())
        new_payloads += len(inserted)
        new_payload_bytes += sum(len(row["data"]) for row in rows if row["digest"] in inserted)
    if missing:
        payload_ids |= payload_ids_of(connection, missing)
    ids: list[int] = []
    for start in range(0, len(captures), PART_SIZE):
        rows = [
            {
                "url": capture.url,
                "method": capture.method,
                "request_headers": [list(pair) for pair in capture.request_headers],
                "status": capture.status,
                "protocol": capture.protocol,
                "response_headers": [list(pair) for pair in capture.response_headers],
                "payload_id": payload_ids[digest],
                "fetched_at": capture.fetched_at,
                "crawl_run_id": crawl_run_id,
                "source": capture.source,
            }
            for capture, digest in zip(
                captures[start : start + PART_SIZE], digests[start : start + PART_SIZE], strict=True
            )
        ]
        returning = insert(CAPTURE).returning(CAPTURE.c.id, sort_by_parameter_order=True)
        ids += connection.execute(returning, rows).scalars().all()
    return StoredCaptures(ids, new_payloads, new_payload_bytes)


def compressed_payload(body: bytes) -> bytes:
    """A body as a payload row stores it (PAYLOAD_COMPRESSION)."""
    return zstd.compress(body, ZSTD_LEVEL)


def payload_ids_of(connection: Connection, digests: Iterable[str]) -> dict[str, int]:
    """The ids of the stored payloads with these digests."""
    rows = connection.execute(
        select(PAYLOAD.c.digest, PAYLOAD.c.id).where(PAYLOAD.c.digest.in_(set(digests)))
    )
    return {digest: payload_id for digest, payload_id in rows}


def insert_ignoring_duplicates(dialect_name: str, table: Table, unique_column: str) -> Any:
    """An INSERT into `table` that skips rows whose `unique_column` value is already there."""
    if dialect_name == "postgresql":
        return postgresql.insert(table).on_conflict_do_nothing(index_elements=[unique_column])
    if dialect_name == "sqlite":
        return sqlite.insert(table).on_conflict_do_nothing(index_elements=[unique_column])
    raise ArchiveError(f"no insert-or-ignore for a {dialect_name} archive")


def payload_body(session: Session, payload_id: int) -> bytes:
    """A stored body, decompressed: the bytes as they were received."""
    row = session.execute(
        select(PAYLOAD.c.compression, PAYLOAD.c.data).where(PAYLOAD.c.id == payload_id)
    ).one_or_none()
    if row is None:
        raise ArchiveError(f"no payload {payload_id} in the archive")
    try:
        if row.compression == "zstd":
            return zstd.decompress(row.data)
        if row.compression == "zlib":
            return zlib.decompress(row.data)
    except (zstd.ZstdError, zlib.error) as error:
        raise ArchiveError(f"payload {payload_id} cannot be decompressed: {error}") from None
    raise ArchiveError(f"payload {payload_id} is compressed with {row.compression!r}")


def save_failure(
    session: Session, failure: FetchFailureItem, *, crawl_run_id: int | None
) -> FetchFailure:
    """Record a page that could not be fetched, parsed or stored; returns the new row."""
    check_aware("failed_at", failure.failed_at)
    row = FetchFailure(
        url=failure.url,
        reason=failure.reason,
        status=failure.status,
        failed_at=failure.failed_at,
        crawl_run_id=crawl_run_id,
    )
    session.add(row)
    session.flush()
    return row


def start_crawl_run(
    session: Session,
    *,
    arguments: Mapping[str, Any],
    site: str | None = None,
    started_at: datetime | None = None,
) -> int:
    """Open a crawl_run row and return its id; `started_at` defaults to now (UTC).

    `site` is the profile name of the one site the run crawls (None for several): the
    runs of a site are compared with each other (archive_db/health.py). `arguments` is
    stored as JSON; values JSON cannot hold (paths, ...) are stored as text.
    """
    run = CrawlRun(
        started_at=started_at or datetime.now(UTC),
        arguments=json.loads(json.dumps(dict(arguments), default=str)),
        site=site,
    )
    session.add(run)
    session.flush()
    return run.id


def finish_crawl_run(
    session: Session,
    run_id: int,
    *,
    counts: Mapping[str, int],
    finish_reason: str | None,
    finished_at: datetime | None = None,
    extraction: ExtractionCounts | None = None,
) -> None:
    """Close a crawl_run: its counts, why it ended (Scrapy's reason, e.g. "finished") and,
    when the crawl counted it, its extraction health.

    Calling it again overwrites all three, so a reason learnt later can be filled in.
    Without a reason only the counts are saved: until its reason is known the run has not
    ended, so a crawl killed between the two calls reads as unfinished, not as ended for no
    reason.
    """
    run = session.get(CrawlRun, run_id)
    if run is None:
        raise ArchiveError(f"no crawl run {run_id} in the archive")
    run.finished_at = None if finish_reason is None else finished_at or datetime.now(UTC)
    run.counts = dict(sorted(counts.items()))
    run.finish_reason = finish_reason
    if extraction is not None:
        run.articles_parsed = extraction.articles
        run.with_title = extraction.title
        run.with_published = extraction.published
        run.with_authors = extraction.authors
        run.with_body = extraction.body
    session.flush()


def check_aware(name: str, value: date | datetime | None) -> None:
    if isinstance(value, datetime) and (value.tzinfo is None or value.utcoffset() is None):
        raise RecordError(f"{name} {value.isoformat()} has no time zone")
