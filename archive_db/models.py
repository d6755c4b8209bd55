"""The archive's tables as SQLAlchemy 2 typed declarative models.

Dialect-neutral on purpose (SQLite now, PostgreSQL later): no SQLite-only types here. The
SQLite full-text index and the analyst views are hand-written in the migrations.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any, ClassVar

from sqlalchemy import (
    JSON,
    ForeignKey,
    Index,
    LargeBinary,
    MetaData,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

from archive_db.types import PublicationTime, UTCDateTime

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

# Child rows belong to their article: deleting the article deletes them, in the ORM
# (cascade) and in the database (ON DELETE CASCADE) alike.
CHILD_CASCADE = "all, delete-orphan"


class Base(DeclarativeBase):
    """Declarative base: shared naming convention and column types."""

    metadata = MetaData(naming_convention=NAMING_CONVENTION)
    type_annotation_map: ClassVar[dict[Any, Any]] = {
        datetime: UTCDateTime(),
        dict[str, Any]: JSON(),
        dict[str, str]: JSON(),
        dict[str, int]: JSON(),
        list[list[str]]: JSON(),
        bytes: LargeBinary(),
    }


class Site(Base):
    """A news site, by host name."""

    __tablename__ = "site"

    id: Mapped[int] = mapped_column(primary_key=True)
    host: Mapped[str] = mapped_column(String(255), unique=True)
    first_seen_at: Mapped[datetime]

    articles: Mapped[list[Article]] = relationship(back_populates="site")


class Article(Base):
    """One archived article, keyed by its canonical URL (the fetched URL when it names none).

    The columns hold the latest distinct content; earlier content lives in `article_version`.
    """

    __tablename__ = "article"

    id: Mapped[int] = mapped_column(primary_key=True)
    archive_key: Mapped[str] = mapped_column(Text, unique=True)
    url: Mapped[str] = mapped_column(Text)  # as last fetched
    canonical_url: Mapped[str | None] = mapped_column(Text)
    site_id: Mapped[int] = mapped_column(ForeignKey("site.id"), index=True)
    title: Mapped[str | None] = mapped_column(Text)
    summary: Mapped[str | None] = mapped_column(Text)
    published: Mapped[date | None] = mapped_column(PublicationTime())
    published_at: Mapped[datetime | None] = mapped_column(index=True)  # sortable, UTC
    modified: Mapped[date | None] = mapped_column(PublicationTime())
    section: Mapped[str | None] = mapped_column(Text)
    language: Mapped[str | None] = mapped_column(String(35))
    body: Mapped[str] = mapped_column(Text)
    provenance: Mapped[dict[str, str]]
    content_hash: Mapped[str] = mapped_column(String(64), index=True)
    fetched_at: Mapped[datetime | None]  # of the latest fetch, as the record reports it
    first_seen_at: Mapped[datetime]
    last_seen_at: Mapped[datetime]
    current_version: Mapped[int]  # article_version.number of the content in these columns
    # What the next crawl needs to decide whether to fetch the page again, and how:
    # the HTTP validators of the last full response (for If-None-Match/If-Modified-Since),
    # when the page was last confirmed (a 200 or a 304), and the date the site's sitemap or
    # feed gave it then (a later date there means the site says it changed).
    etag: Mapped[str | None] = mapped_column(Text)
    http_last_modified: Mapped[str | None] = mapped_column(Text)  # the header, as sent
    last_checked_at: Mapped[datetime | None]
    listed_modified_at: Mapped[datetime | None]
    # Set when the page answered 404 or 410 after being archived: the article stays, marked.
    gone_at: Mapped[datetime | None]
    gone_status: Mapped[int | None]
    # The author and tag names joined with "; " in page order: a copy of the join tables
    # kept by writes.save_article, so the full-text index and flat views need no joins.
    authors_text: Mapped[str | None] = mapped_column(Text)
    tags_text: Mapped[str | None] = mapped_column(Text)

    site: Mapped[Site] = relationship(back_populates="articles")
    authors: Mapped[list[ArticleAuthor]] = relationship(
        cascade=CHILD_CASCADE, passive_deletes=True, order_by="ArticleAuthor.position"
    )
    tags: Mapped[list[ArticleTag]] = relationship(
        cascade=CHILD_CASCADE, passive_deletes=True, order_by="ArticleTag.position"
    )
    lists: Mapped[list[ArticleList]] = relationship(
        cascade=CHILD_CASCADE, passive_deletes=True, order_by="ArticleList.position"
    )
    links: Mapped[list[ArticleLink]] = relationship(
        cascade=CHILD_CASCADE,
        passive_deletes=True,
        order_by="ArticleLink.position",
        foreign_keys="ArticleLink.article_id",
    )
    images: Mapped[list[ArticleImage]] = relationship(
        cascade=CHILD_CASCADE, passive_deletes=True, order_by="ArticleImage.position"
    )
    versions: Mapped[list[ArticleVersion]] = relationship(
        back_populates="article",
        cascade=CHILD_CASCADE,
        passive_deletes=True,
        order_by="ArticleVersion.number",
    )


class ArticleVersion(Base):
    """One distinct content of an article, as first seen: edits are part of the record."""

    __tablename__ = "article_version"
    __table_args__ = (UniqueConstraint("article_id", "number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    article_id: Mapped[int] = mapped_column(ForeignKey("article.id", ondelete="CASCADE"))
    number: Mapped[int]  # 1, 2, ... in the order the contents were seen
    content_hash: Mapped[str] = mapped_column(String(64))
    record: Mapped[dict[str, Any]]  # items.record_to_json of the record
    seen_at: Mapped[datetime]
    crawl_run_id: Mapped[int | None] = mapped_column(
        ForeignKey("crawl_run.id", ondelete="SET NULL"), index=True
    )
    # How this content came to be: "crawl" (fetched and parsed), "reparse" (a later parser
    # over a stored capture) or "warc-import"; the parser version that extracted it; and the
    # raw capture it was extracted from, when one was kept (capture.id; not a foreign key:
    # SQLite cannot add one to an existing table without copying it, and the views that
    # count versions forbid the copy).
    origin: Mapped[str] = mapped_column(String(16), server_default="crawl")
    parser_version: Mapped[str | None] = mapped_column(String(40))
    capture_id: Mapped[int | None] = mapped_column(index=True)

    article: Mapped[Article] = relationship(back_populates="versions")


class Author(Base):
    """A byline name, shared by every article that names it."""

    __tablename__ = "author"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(Text, unique=True)


class ArticleAuthor(Base):
    """An author of an article, in byline order."""

    __tablename__ = "article_author"
    __table_args__ = (UniqueConstraint("article_id", "position"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    article_id: Mapped[int] = mapped_column(ForeignKey("article.id", ondelete="CASCADE"))
    author_id: Mapped[int] = mapped_column(ForeignKey("author.id"), index=True)
    position: Mapped[int]

    author: Mapped[Author] = relationship(lazy="joined")


class Tag(Base):
    """A tag or keyword, shared by every article that carries it."""

    __tablename__ = "tag"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(Text, unique=True)


class ArticleTag(Base):
    """A tag of an article, in page order."""

    __tablename__ = "article_tag"
    __table_args__ = (UniqueConstraint("article_id", "position"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    article_id: Mapped[int] = mapped_column(ForeignKey("article.id", ondelete="CASCADE"))
    tag_id: Mapped[int] = mapped_column(ForeignKey("tag.id"), index=True)
    position: Mapped[int]

    tag: Mapped[Tag] = relationship(lazy="joined")


class ArticleList(Base):
    """A bullet or numbered list inside an article's body, with the line that introduces it."""

    __tablename__ = "article_list"
    __table_args__ = (UniqueConstraint("article_id", "position"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    article_id: Mapped[int] = mapped_column(ForeignKey("article.id", ondelete="CASCADE"))
    position: Mapped[int]
    heading: Mapped[str | None] = mapped_column(Text)
    ordered: Mapped[bool]

    items: Mapped[list[ArticleListItem]] = relationship(
        cascade=CHILD_CASCADE, passive_deletes=True, order_by="ArticleListItem.position"
    )


class ArticleListItem(Base):
    """One item of an article list."""

    __tablename__ = "article_list_item"
    __table_args__ = (UniqueConstraint("article_list_id", "position"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    article_list_id: Mapped[int] = mapped_column(ForeignKey("article_list.id", ondelete="CASCADE"))
    position: Mapped[int]
    text: Mapped[str] = mapped_column(Text)


class ArticleLink(Base):
    """A related-article link the page offers, resolved to the archived article when known."""

    __tablename__ = "article_link"
    __table_args__ = (UniqueConstraint("article_id", "position"), Index(None, "url"))

    id: Mapped[int] = mapped_column(primary_key=True)
    article_id: Mapped[int] = mapped_column(ForeignKey("article.id", ondelete="CASCADE"))
    position: Mapped[int]
    url: Mapped[str] = mapped_column(Text)
    title: Mapped[str] = mapped_column(Text)
    teaser: Mapped[str | None] = mapped_column(Text)
    comments: Mapped[int | None]
    # The archived article the link leads to (by archive key), set when either is saved.
    target_article_id: Mapped[int | None] = mapped_column(
        ForeignKey("article.id", ondelete="SET NULL"), index=True
    )


class ArticleImage(Base):
    """An image inside an article's body."""

    __tablename__ = "article_image"
    __table_args__ = (UniqueConstraint("article_id", "position"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    article_id: Mapped[int] = mapped_column(ForeignKey("article.id", ondelete="CASCADE"))
    position: Mapped[int]
    url: Mapped[str] = mapped_column(Text)
    caption: Mapped[str | None] = mapped_column(Text)


class FetchFailure(Base):
    """A page that could not be fetched, parsed or stored; resolved by a later success."""

    __tablename__ = "fetch_failure"
    __table_args__ = (Index(None, "url", "resolved_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    url: Mapped[str] = mapped_column(Text)
    reason: Mapped[str] = mapped_column(Text)
    status: Mapped[int | None]  # HTTP status when there was a response
    failed_at: Mapped[datetime]
    crawl_run_id: Mapped[int | None] = mapped_column(
        ForeignKey("crawl_run.id", ondelete="SET NULL"), index=True
    )
    resolved_at: Mapped[datetime | None]  # when the URL was later archived


class CrawlRun(Base):
    """One crawl: its arguments, when it ran, what it counted and why it stopped."""

    __tablename__ = "crawl_run"

    id: Mapped[int] = mapped_column(primary_key=True)
    started_at: Mapped[datetime]
    finished_at: Mapped[datetime | None]
    arguments: Mapped[dict[str, Any]]
    counts: Mapped[dict[str, int] | None]
    finish_reason: Mapped[str | None] = mapped_column(String(100))  # Scrapy's, e.g. "finished"
    site: Mapped[str | None] = mapped_column(String(255), index=True)  # the profile's name
    # Extraction health: of the article pages this run parsed, how many had each field (a
    # body counts at ARCHIVE_MIN_BODY_CHARS or more). A sharp drop against earlier runs of
    # the site means its template changed.
    articles_parsed: Mapped[int | None]
    with_title: Mapped[int | None]
    with_published: Mapped[int | None]
    with_authors: Mapped[int | None]
    with_body: Mapped[int | None]


class Payload(Base):
    """A response body, stored once however many captures returned it (deduplicated by its
    digest, as WARC's revisit records are), compressed."""

    __tablename__ = "payload"

    id: Mapped[int] = mapped_column(primary_key=True)
    # WARC-Payload-Digest form: "sha1:" and the base32 SHA-1 of the body as received.
    digest: Mapped[str] = mapped_column(String(64), unique=True)
    size: Mapped[int]  # bytes, uncompressed
    compression: Mapped[str] = mapped_column(String(16))  # e.g. "zlib"
    data: Mapped[bytes]
    first_seen_at: Mapped[datetime]


class Capture(Base):
    """One HTTP response exactly as the crawler received it, with the request that got it:
    what a WARC response/request pair holds, the body kept in `payload`."""

    __tablename__ = "capture"
    __table_args__ = (Index(None, "url", "fetched_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    url: Mapped[str] = mapped_column(Text)  # the URL requested (a redirect's own URL)
    method: Mapped[str] = mapped_column(String(10))
    request_headers: Mapped[list[list[str]]]  # [name, value] pairs, in order
    status: Mapped[int]
    protocol: Mapped[str | None] = mapped_column(String(16))  # e.g. "HTTP/1.1"
    response_headers: Mapped[list[list[str]]]
    payload_id: Mapped[int] = mapped_column(ForeignKey("payload.id"), index=True)
    fetched_at: Mapped[datetime] = mapped_column(index=True)
    crawl_run_id: Mapped[int | None] = mapped_column(
        ForeignKey("crawl_run.id", ondelete="SET NULL"), index=True
    )
    # Where it came from when not fetched by a crawl: "warc:<file name>" for an import.
    source: Mapped[str | None] = mapped_column(Text)

    payload: Mapped[Payload] = relationship()
