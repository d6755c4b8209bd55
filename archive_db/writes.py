"""Writing to the archive: articles (with their versions), fetch failures and crawl runs.

Every function here works inside the caller's session and transaction: it adds and
flushes rows (so a constraint error surfaces at the call that caused it) but never
commits, rolls back or closes the session.
"""

from __future__ import annotations

import enum
import hashlib
import json
import unicodedata
from collections.abc import Iterable, Mapping
from datetime import UTC, date, datetime
from typing import TYPE_CHECKING, Any, TypeVar

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError

from archive_db.engine import ArchiveError
from archive_db.models import (
    Article,
    ArticleAuthor,
    ArticleImage,
    ArticleLink,
    ArticleList,
    ArticleListItem,
    ArticleTag,
    ArticleVersion,
    Author,
    CrawlRun,
    FetchFailure,
    Site,
    Tag,
)
from archive_db.types import utc_instant_of
from items import record_to_json

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from items import ArticleRecord
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


Named = TypeVar("Named", Author, Tag)


class SaveOutcome(enum.Enum):
    """What `save_article` did with a record."""

    INSERTED = "inserted"  # a new archive key: the article and its version 1
    UPDATED = "updated"  # new content for a known article: a new version
    UNCHANGED = "unchanged"  # content already archived: only last_seen_at (and url) moved


class RecordError(ArchiveError, ValueError):
    """A record the archive refuses as it stands, e.g. one with a naive datetime."""


def content_hash_of(record: ArticleRecord) -> str:
    """The sha256 (hex) of the record's content fields, normalised.

    Text is NFC with runs of whitespace collapsed to one space, and datetimes are compared
    as UTC instants, so a re-wrapped paragraph or another spelling of the same time is not
    an edit.
    """
    data = record_to_json(record)
    for key in ("published", "modified"):
        instant = utc_instant_of(getattr(record, key))
        if isinstance(getattr(record, key), datetime) and instant is not None:
            data[key] = instant.isoformat()
    content = {key: normalised(data[key]) for key in CONTENT_FIELDS}
    text = json.dumps(content, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def normalised(value: object) -> object:
    if isinstance(value, str):
        return " ".join(unicodedata.normalize("NFC", value).split())
    if isinstance(value, list):
        return [normalised(item) for item in value]
    if isinstance(value, dict):
        return {key: normalised(item) for key, item in value.items()}
    return value


def save_article(
    session: Session, record: ArticleRecord, *, seen_at: datetime, crawl_run_id: int | None
) -> SaveOutcome:
    """Archive one record under its archive key (canonical URL, else the fetched URL).

    `seen_at` is when the record was fetched (aware). New content for a known article
    keeps the previous content as its `article_version` rows and replaces the article's
    fields and child rows. Any unresolved fetch failure of the record's URLs is resolved.
    Raises RecordError for a record with naive datetimes.
    """
    for name in ("published", "modified", "fetched_at"):
        check_aware(name, getattr(record, name))
    check_aware("seen_at", seen_at)
    if session.get_bind().dialect.name == "sqlite":
        # One writer at a time holds the file's lock: no other can insert between our
        # look-up and our insert.
        return save_article_once(session, record, seen_at=seen_at, crawl_run_id=crawl_run_id)
    # A server runs writers side by side: another may insert the same article (or site,
    # author, tag) between our look-up and our insert. The unique constraint refuses the
    # second row; by then the other transaction has committed (the insert waited for it),
    # so a second attempt finds its row and saves onto it. Savepoints keep the caller's
    # transaction usable after the refusal.
    try:
        with session.begin_nested():
            return save_article_once(session, record, seen_at=seen_at, crawl_run_id=crawl_run_id)
    except IntegrityError:
        with session.begin_nested():
            return save_article_once(session, record, seen_at=seen_at, crawl_run_id=crawl_run_id)


def save_article_once(
    session: Session, record: ArticleRecord, *, seen_at: datetime, crawl_run_id: int | None
) -> SaveOutcome:
    """`save_article` without retry: look the article up, then insert or update it."""
    content_hash = content_hash_of(record)
    article = session.scalars(
        select(Article).where(Article.archive_key == record.archive_key)
    ).one_or_none()
    if article is None:
        outcome = SaveOutcome.INSERTED
        article = Article(
            archive_key=record.archive_key,
            first_seen_at=seen_at,
            last_seen_at=seen_at,
            current_version=1,
        )
        fill_article(session, article, record, content_hash=content_hash, seen_at=seen_at)
        session.add(article)
        number = 1
    elif article.content_hash == content_hash:
        outcome = SaveOutcome.UNCHANGED
        article.url = record.url
        article.fetched_at = record.fetched_at or article.fetched_at
    else:
        outcome = SaveOutcome.UPDATED
        # Old child rows go first: new ones reuse their (article_id, position) keys.
        article.authors.clear()
        article.tags.clear()
        article.lists.clear()
        article.links.clear()
        article.images.clear()
        session.flush()
        fill_article(session, article, record, content_hash=content_hash, seen_at=seen_at)
        number = article.current_version + 1
    if outcome is not SaveOutcome.UNCHANGED:
        article.current_version = number
        version = version_of(
            record,
            number=number,
            content_hash=content_hash,
            seen_at=seen_at,
            crawl_run_id=crawl_run_id,
        )
        version.article = article  # leaves earlier versions unloaded
        session.add(version)
    article.first_seen_at = min(article.first_seen_at, seen_at)
    article.last_seen_at = max(article.last_seen_at, seen_at)
    resolve_failures(session, {record.url, record.archive_key}, resolved_at=seen_at)
    session.flush()
    if outcome is SaveOutcome.INSERTED:
        resolve_links_to(session, article)
    return outcome


def fill_article(
    session: Session,
    article: Article,
    record: ArticleRecord,
    *,
    content_hash: str,
    seen_at: datetime,
) -> None:
    """Set the article's content columns and child rows from the record."""
    # Look rows up before touching the article: a query flushes the session, and a
    # half-filled article must not be flushed.
    site = site_named(session, record.site, seen_at=seen_at)
    authors = rows_named(session, Author, record.authors)
    tags = rows_named(session, Tag, record.tags)
    targets = archived_ids(session, [link.url for link in record.related])
    article.url = record.url
    article.canonical_url = record.canonical_url
    article.site = site
    article.title = record.title
    article.summary = record.summary
    article.published = record.published
    article.published_at = utc_instant_of(record.published)
    article.modified = record.modified
    article.section = record.section
    article.language = record.language
    article.body = record.body
    article.provenance = dict(record.provenance)
    article.content_hash = content_hash
    article.fetched_at = record.fetched_at
    article.authors_text = "; ".join(record.authors) or None
    article.tags_text = "; ".join(record.tags) or None
    article.authors = [
        ArticleAuthor(position=position, author=authors[name])
        for position, name in enumerate(record.authors)
    ]
    article.tags = [
        ArticleTag(position=position, tag=tags[name]) for position, name in enumerate(record.tags)
    ]
    article.lists = [
        ArticleList(
            position=position,
            heading=block.heading,
            ordered=block.ordered,
            items=[ArticleListItem(position=n, text=text) for n, text in enumerate(block.items)],
        )
        for position, block in enumerate(record.lists)
    ]
    article.links = [
        ArticleLink(
            position=position,
            url=link.url,
            title=link.title,
            teaser=link.teaser,
            comments=link.comments,
            target_article_id=targets.get(link.url),
        )
        for position, link in enumerate(record.related)
    ]
    article.images = [
        ArticleImage(position=position, url=image.url, caption=image.caption)
        for position, image in enumerate(record.images)
    ]


def archived_ids(session: Session, urls: Iterable[str]) -> dict[str, int]:
    """The ids of the archived articles whose archive key is one of `urls`."""
    wanted = set(urls)
    if not wanted:
        return {}
    rows = session.execute(
        select(Article.archive_key, Article.id).where(Article.archive_key.in_(wanted))
    )
    return {key: article_id for key, article_id in rows}


def resolve_links_to(session: Session, article: Article) -> None:
    """Point the related links saved before `article` (and leading to it) at it."""
    session.execute(
        update(ArticleLink)
        .where(ArticleLink.url == article.archive_key, ArticleLink.target_article_id.is_(None))
        .values(target_article_id=article.id)
    )


def version_of(
    record: ArticleRecord,
    *,
    number: int,
    content_hash: str,
    seen_at: datetime,
    crawl_run_id: int | None,
) -> ArticleVersion:
    return ArticleVersion(
        number=number,
        content_hash=content_hash,
        record=record_to_json(record),
        seen_at=seen_at,
        crawl_run_id=crawl_run_id,
    )


def site_named(session: Session, host: str, *, seen_at: datetime) -> Site:
    site = session.scalars(select(Site).where(Site.host == host)).one_or_none()
    if site is None:
        site = Site(host=host, first_seen_at=seen_at)
        session.add(site)
    return site


def rows_named(session: Session, model: type[Named], names: Iterable[str]) -> dict[str, Named]:
    """The author or tag rows for `names`, created where missing."""
    wanted = set(names)
    if not wanted:
        return {}
    found = {row.name: row for row in session.scalars(select(model).where(model.name.in_(wanted)))}
    for name in sorted(wanted - found.keys()):
        found[name] = model(name=name)
        session.add(found[name])
    return found


def resolve_failures(session: Session, urls: Iterable[str], *, resolved_at: datetime) -> None:
    """Mark the unresolved failures of these URLs resolved: each was fetched fine since."""
    check_aware("resolved_at", resolved_at)
    session.execute(
        update(FetchFailure)
        .where(FetchFailure.url.in_(set(urls)), FetchFailure.resolved_at.is_(None))
        .values(resolved_at=resolved_at)
        .execution_options(synchronize_session=False)
    )


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
    session: Session, *, arguments: Mapping[str, Any], started_at: datetime | None = None
) -> int:
    """Open a crawl_run row and return its id; `started_at` defaults to now (UTC).

    `arguments` is stored as JSON; values JSON cannot hold (paths, ...) are stored as text.
    """
    run = CrawlRun(
        started_at=started_at or datetime.now(UTC),
        arguments=json.loads(json.dumps(dict(arguments), default=str)),
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
) -> None:
    """Close a crawl_run: its counts and why it ended (Scrapy's reason, e.g. "finished").

    Calling it again overwrites both, so a reason learnt later can be filled in. Without a
    reason only the counts are saved: until its reason is known the run has not ended, so a
    crawl killed between the two calls reads as unfinished, not as ended for no reason.
    """
    run = session.get(CrawlRun, run_id)
    if run is None:
        raise ArchiveError(f"no crawl run {run_id} in the archive")
    run.finished_at = None if finish_reason is None else finished_at or datetime.now(UTC)
    run.counts = dict(sorted(counts.items()))
    run.finish_reason = finish_reason
    session.flush()


def check_aware(name: str, value: date | datetime | None) -> None:
    if isinstance(value, datetime) and (value.tzinfo is None or value.utcoffset() is None):
        raise RecordError(f"{name} {value.isoformat()} has no time zone")
