"""Full-text search over the archive: ranked hits with a highlighted snippet.

SQLite searches the FTS5 index `article_fts` (title, summary, body, authors, tags) and
ranks by bm25, titles weighing most. The query is FTS5's own syntax (words, "phrases",
OR, NOT, prefix*, column:word).

PostgreSQL searches `article.search_vector` (GIN-indexed, weighted A title, B summary,
C authors and tags, D body) and ranks by ts_rank_cd. The query is web-search syntax
(`websearch_to_tsquery`: words, "phrases", OR, -word), which never fails to parse.

Either way the query only ever reaches the database as a bound parameter.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import bindparam, column, exists, func, literal, literal_column, select, table
from sqlalchemy.exc import DBAPIError

from archive_db.engine import ArchiveError
from archive_db.models import Article, ArticleAuthor, ArticleTag, Author, Site, Tag
from archive_db.queries import host_matches
from archive_db.types import utc_instant_of

if TYPE_CHECKING:
    from sqlalchemy import BindParameter, Select
    from sqlalchemy.orm import Session
    from sqlalchemy.sql.expression import ColumnClause

# bm25 weights, in article_fts column order: title, summary, body, authors, tags.
COLUMN_WEIGHTS = (10.0, 4.0, 1.0, 3.0, 3.0)
HIGHLIGHT = ("«", "»")
ELLIPSIS = "…"
SNIPPET_TOKENS = 16
FTS_TABLE = table("article_fts", column("rowid"))  # hand-written in the migrations

# PostgreSQL: the text search configuration of `article.search_vector` (its migration);
# ts_rank_cd divides by 1 + log(length), so a long body does not outweigh a short title.
TS_CONFIG = "simple"
TS_RANK_NORMALIZATION = 1
HEADLINE_OPTIONS = (
    f"StartSel={HIGHLIGHT[0]}, StopSel={HIGHLIGHT[1]}, MaxFragments=1, "
    f"MaxWords={SNIPPET_TOKENS}, MinWords={SNIPPET_TOKENS // 2}, FragmentDelimiter={ELLIPSIS}"
)


class SearchError(ArchiveError):
    """A search the archive cannot run (bad query syntax, no index); one line for the user."""


@dataclass(frozen=True, slots=True)
class SearchHit:
    """One article matching a search, best first."""

    url: str
    title: str | None
    site: str
    published: date | datetime | None
    rank: float  # lower is better: bm25 on SQLite, minus ts_rank_cd on PostgreSQL
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
    SearchError for an empty query, a query FTS5 cannot parse (SQLite), or an archive
    without its full-text index.
    """
    if not query.strip():
        raise SearchError("give some words to search for")
    filters = SearchFilters(site=site, since=since, until=until, author=author, tag=tag)
    dialect = session.get_bind().dialect.name
    if dialect == "sqlite":
        statement = sqlite_search(bindparam("query", query), filters, limit=limit)
    elif dialect == "postgresql":
        statement = postgresql_search(bindparam("query", query), filters, limit=limit)
    else:
        raise SearchError(f"full-text search is not available on {dialect} archives")
    try:
        rows = session.execute(statement).all()
    except DBAPIError as error:
        raise SearchError(search_failure(query, error)) from None
    return [
        SearchHit(
            url=url,
            title=title,
            site=host,
            published=published,
            rank=float(rank),
            snippet=" ".join((snippet or "").split()),
        )
        for url, title, host, published, rank, snippet in rows
    ]


@dataclass(frozen=True, slots=True)
class SearchFilters:
    """What narrows a search besides its words (see `search_articles`)."""

    site: str | None
    since: date | datetime | None
    until: date | datetime | None
    author: str | None
    tag: str | None


def sqlite_search(query: BindParameter[str], filters: SearchFilters, *, limit: int) -> Select[Any]:
    """FTS5: MATCH, bm25 and snippet over `article_fts`."""
    fts: ColumnClause[Any] = literal_column("article_fts")
    rank = func.bm25(fts, *COLUMN_WEIGHTS).label("rank")
    snippet = func.snippet(fts, -1, *HIGHLIGHT, ELLIPSIS, SNIPPET_TOKENS).label("snippet")
    statement = (
        select(Article.url, Article.title, Site.host, Article.published, rank, snippet)
        .select_from(FTS_TABLE)
        .join(Article, Article.id == FTS_TABLE.c.rowid)
        .join(Site, Site.id == Article.site_id)
        .where(fts.op("MATCH")(query))
        .order_by(rank, Article.id)
        .limit(limit)
    )
    return filtered(statement, filters)


def postgresql_search(
    query: BindParameter[str], filters: SearchFilters, *, limit: int
) -> Select[Any]:
    """tsvector: @@, ts_rank_cd over `article.search_vector`, then ts_headline.

    The best `limit` articles are chosen first (the GIN index answers @@); only they get
    a headline, which parses their text again and is the costly part.
    """
    config: ColumnClause[Any] = literal_column(f"'{TS_CONFIG}'::regconfig")
    tsquery = func.websearch_to_tsquery(config, query)
    vector: ColumnClause[Any] = literal_column("article.search_vector")
    rank = (-func.ts_rank_cd(vector, tsquery, TS_RANK_NORMALIZATION)).label("rank")
    best = filtered(
        select(Article.id.label("article_id"), rank)
        .join(Site, Site.id == Article.site_id)
        .where(vector.bool_op("@@")(tsquery))
        .order_by(rank, Article.id)
        .limit(limit),
        filters,
    ).subquery("best")
    document = func.concat_ws(
        "\n\n",
        Article.title,
        Article.summary,
        Article.body,
        Article.authors_text,
        Article.tags_text,
    )
    snippet = func.ts_headline(config, document, tsquery, literal(HEADLINE_OPTIONS)).label(
        "snippet"
    )
    return (
        select(Article.url, Article.title, Site.host, Article.published, best.c.rank, snippet)
        .select_from(best)
        .join(Article, Article.id == best.c.article_id)
        .join(Site, Site.id == Article.site_id)
        .order_by(best.c.rank, Article.id)
    )


def filtered(statement: Select[Any], filters: SearchFilters) -> Select[Any]:
    """`statement` (over article joined to site) narrowed by the filters that are set."""
    if filters.site is not None:
        statement = statement.where(host_matches(filters.site))
    if filters.since is not None:
        statement = statement.where(Article.published_at >= utc_instant_of(filters.since))
    if filters.until is not None:
        statement = statement.where(Article.published_at < utc_instant_of(filters.until))
    if filters.author is not None:
        statement = statement.where(
            exists()
            .where(ArticleAuthor.article_id == Article.id)
            .where(Author.id == ArticleAuthor.author_id)
            .where(func.lower(Author.name) == filters.author.strip().lower())
        )
    if filters.tag is not None:
        statement = statement.where(
            exists()
            .where(ArticleTag.article_id == Article.id)
            .where(Tag.id == ArticleTag.tag_id)
            .where(func.lower(Tag.name) == filters.tag.strip().lower())
        )
    return statement


def search_failure(query: str, error: DBAPIError) -> str:
    reason = str(error.orig).splitlines()[0] if error.orig else type(error).__name__
    if "no such table" in reason or "search_vector" in reason:
        return "this archive has no full-text index: run `newsarchive db upgrade`"
    if "no such column" in reason:
        column = reason.rsplit(":", 1)[-1].strip()
        return (
            f"cannot search for {query!r}: no field {column!r} (fields: title, summary, "
            "body, authors_text, tags_text)"
        )
    return f"cannot search for {query!r}: {reason.removeprefix('fts5: ')}"
