"""Full-text search over the archive: ranked hits with a highlighted snippet.

SQLite searches the FTS5 index `article_fts` (title, summary, body, authors, tags) and
ranks by bm25, titles weighing most. The query is FTS5's own syntax (words, "phrases",
OR, NOT, prefix*, column:word) and only ever reaches the database as a bound parameter.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import bindparam, column, exists, func, literal_column, select, table
from sqlalchemy.exc import OperationalError

from archive_db.engine import ArchiveError
from archive_db.models import Article, ArticleAuthor, ArticleTag, Author, Site, Tag
from archive_db.queries import host_matches
from archive_db.types import utc_instant_of

if TYPE_CHECKING:
    from sqlalchemy.orm import Session
    from sqlalchemy.sql.expression import ColumnClause

# bm25 weights, in article_fts column order: title, summary, body, authors, tags.
COLUMN_WEIGHTS = (10.0, 4.0, 1.0, 3.0, 3.0)
HIGHLIGHT = ("«", "»")
ELLIPSIS = "…"
SNIPPET_TOKENS = 16
FTS_TABLE = table("article_fts", column("rowid"))  # hand-written in the migrations


class SearchError(ArchiveError):
    """A search the archive cannot run (bad query syntax, no index); one line for the user."""


@dataclass(frozen=True, slots=True)
class SearchHit:
    """One article matching a search, best first."""

    url: str
    title: str | None
    site: str
    published: date | datetime | None
    rank: float  # bm25: lower is better
    snippet: str  # the best-matching passage, matches between « and »


def search_articles(
    session: Session,
    query: str,
    *,
    site: str | None = None,
    since: date | datetime | None = None,
    until: date | datetime | None = None,
    author: str | None = None,
    tag: str | None = None,
    limit: int = 20,
) -> list[SearchHit]:
    """Articles matching `query`, best first, at most `limit`.

    `since` (inclusive) and `until` (exclusive) bound the publication time: a date means
    midnight UTC. `author` and `tag` match a name exactly, ignoring case. Raises
    SearchError for a query FTS5 cannot parse, an empty query, or a database without the
    SQLite index.
    """
    if not query.strip():
        raise SearchError("give some words to search for")
    dialect = session.get_bind().dialect.name
    if dialect != "sqlite":
        raise SearchError(f"full-text search is not available on {dialect} archives yet")
    fts: ColumnClause[Any] = literal_column("article_fts")
    rank = func.bm25(fts, *COLUMN_WEIGHTS).label("rank")
    snippet = func.snippet(fts, -1, *HIGHLIGHT, ELLIPSIS, SNIPPET_TOKENS).label("snippet")
    statement = (
        select(Article.url, Article.title, Site.host, Article.published, rank, snippet)
        .select_from(FTS_TABLE)
        .join(Article, Article.id == FTS_TABLE.c.rowid)
        .join(Site, Site.id == Article.site_id)
        .where(fts.op("MATCH")(bindparam("query", query)))
        .order_by(rank, Article.id)
        .limit(limit)
    )
    if site is not None:
        statement = statement.where(host_matches(site))
    if since is not None:
        statement = statement.where(Article.published_at >= utc_instant_of(since))
    if until is not None:
        statement = statement.where(Article.published_at < utc_instant_of(until))
    if author is not None:
        statement = statement.where(
            exists()
            .where(ArticleAuthor.article_id == Article.id)
            .where(Author.id == ArticleAuthor.author_id)
            .where(func.lower(Author.name) == author.strip().lower())
        )
    if tag is not None:
        statement = statement.where(
            exists()
            .where(ArticleTag.article_id == Article.id)
            .where(Tag.id == ArticleTag.tag_id)
            .where(func.lower(Tag.name) == tag.strip().lower())
        )
    try:
        rows = session.execute(statement).all()
    except OperationalError as error:
        raise SearchError(search_failure(query, error)) from None
    return [
        SearchHit(
            url=url,
            title=title,
            site=host,
            published=published,
            rank=rank,
            snippet=" ".join((snippet or "").split()),
        )
        for url, title, host, published, rank, snippet in rows
    ]


def search_failure(query: str, error: OperationalError) -> str:
    reason = str(error.orig).splitlines()[0] if error.orig else type(error).__name__
    if "no such table" in reason:
        return "this archive has no full-text index: run `newsarchive db upgrade`"
    if "no such column" in reason:
        column = reason.rsplit(":", 1)[-1].strip()
        return (
            f"cannot search for {query!r}: no field {column!r} (fields: title, summary, "
            "body, authors_text, tags_text)"
        )
    return f"cannot search for {query!r}: {reason.removeprefix('fts5: ')}"
