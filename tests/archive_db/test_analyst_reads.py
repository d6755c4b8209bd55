"""Denormalised names, resolved related links, article history, search, stats, read-only SQL."""

from __future__ import annotations

import hashlib
from datetime import date, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import delete, select, text
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from archive_db.engine import readonly_engine
from archive_db.models import Article, ArticleLink
from archive_db.queries import article_history, exported_articles, site_statistics
from archive_db.search import SearchError, search_articles
from archive_db.sql import QueryError, run_readonly_sql
from archive_db.writes import save_article, save_failure, start_crawl_run
from items import RelatedLink
from tests.factories import BODY, FETCHED_AT, make_failure, make_record

BUDGET = "https://news.example.org/2024/05/council-budget"
PREVIEW = "https://news.example.org/2024/04/budget-preview"  # make_record's related link


def save(session: Session, days: int = 0, **fields: object) -> None:
    record = make_record(**fields)
    save_article(session, record, seen_at=FETCHED_AT + timedelta(days=days), crawl_run_id=None)


def test_authors_and_tags_text_follow_the_record(session: Session) -> None:
    save(session)
    assert session.execute(select(Article.authors_text, Article.tags_text)).one() == (
        "Jane Reporter; Sam Writer",
        "council; budget",
    )
    save(session, days=1, authors=(), tags=("roads",))
    assert session.execute(select(Article.authors_text, Article.tags_text)).one() == (
        None,
        "roads",
    )


def test_related_links_resolve_at_write_time_and_when_the_target_comes_later(
    session: Session,
) -> None:
    save(session)  # links to PREVIEW, not archived yet
    link = session.scalars(select(ArticleLink)).one()
    assert link.target_article_id is None

    save(session, url=PREVIEW, canonical_url=PREVIEW, title="What to expect", related=())
    preview_id = session.scalars(select(Article.id).where(Article.archive_key == PREVIEW)).one()
    session.expire_all()
    assert session.scalars(select(ArticleLink.target_article_id)).one() == preview_id

    # A third article linking to the budget story is resolved as it is written.
    budget_id = session.scalars(select(Article.id).where(Article.archive_key == BUDGET)).one()
    other = "https://news.example.org/2024/06/after-the-budget"
    save(
        session,
        url=other,
        canonical_url=other,
        related=(RelatedLink(url=BUDGET, title="Budget", teaser=None, comments=None),),
    )
    targets = session.execute(
        select(ArticleLink.url, ArticleLink.target_article_id).order_by(ArticleLink.id)
    ).all()
    assert (BUDGET, budget_id) in targets

    # Deleting a target leaves the link, unresolved.
    session.execute(delete(Article).where(Article.id == preview_id))
    session.expire_all()
    link = session.scalars(select(ArticleLink).where(ArticleLink.url == PREVIEW)).one()
    assert link.target_article_id is None


def test_article_history_lists_each_version_by_url_or_canonical_url(session: Session) -> None:
    run = start_crawl_run(session, arguments={"command": "crawl"})
    record = make_record()
    save_article(session, record, seen_at=FETCHED_AT, crawl_run_id=run)
    save_article(session, record, seen_at=FETCHED_AT + timedelta(days=1), crawl_run_id=run)
    edited = make_record(title="Council approves revised budget", body=BODY + "\n\nUpdated.")
    save_article(session, edited, seen_at=FETCHED_AT + timedelta(days=2), crawl_run_id=None)

    history = article_history(session, BUDGET)
    assert [revision.number for revision in history] == [1, 2]  # the unchanged save added none
    assert [revision.title for revision in history] == [record.title, edited.title]
    assert history[0].crawl_run_id == run and history[1].crawl_run_id is None
    assert history[1].body.endswith("Updated.") and not history[0].body.endswith("Updated.")
    assert history[0].seen_at == FETCHED_AT
    assert history[0].content_hash != history[1].content_hash
    assert article_history(session, record.url) == history  # the fetched URL works too
    assert article_history(session, "https://news.example.org/nothing") == []


def fill_for_search(session: Session) -> None:
    save(session)  # title "Council approves budget", body mentions roads and libraries
    save(
        session,
        url="https://news.example.org/ferry",
        canonical_url=None,
        title="Ferry timetable changes",
        summary="Sailings move.",
        body="The council said the ferry budget is unchanged. Roads stay shut.",
        authors=("Ann Other",),
        tags=("transport",),
        published=date(2024, 6, 3),
        related=(),
    )
    save(
        session,
        url="https://other.example/council",
        canonical_url=None,
        site="other.example",
        title="Another council story",
        body="Nothing about money here.",
        summary=None,
        tags=(),
        published=datetime.fromisoformat("2024-07-01T08:00:00+00:00"),
        related=(),
    )
    session.commit()


def test_search_ranks_title_matches_first_and_highlights_the_snippet(session: Session) -> None:
    fill_for_search(session)
    hits = search_articles(session, "budget")
    assert [hit.title for hit in hits] == ["Council approves budget", "Ferry timetable changes"]
    assert hits[0].rank < hits[1].rank
    assert "«budget»" in hits[1].snippet
    assert hits[0].site == "news.example.org"


def test_search_filters_by_site_dates_author_and_tag(session: Session) -> None:
    fill_for_search(session)

    def titles(**filters: object) -> list[str | None]:
        return sorted(hit.title for hit in search_articles(session, "council", **filters))  # type: ignore[arg-type]

    assert len(titles()) == 3
    assert titles(site="other.example") == ["Another council story"]
    assert titles(since=date(2024, 6, 1)) == ["Another council story", "Ferry timetable changes"]
    assert titles(until=date(2024, 6, 1)) == ["Council approves budget"]
    assert titles(author="ann other") == ["Ferry timetable changes"]
    assert titles(tag="TRANSPORT") == ["Ferry timetable changes"]
    assert titles(author="Nobody") == []
    assert search_articles(session, "zeppelin") == []
    assert len(search_articles(session, "council", limit=1)) == 1
    assert [hit.title for hit in search_articles(session, "Ann")] == ["Ferry timetable changes"]


@pytest.mark.sqlite_only  # FTS5 query syntax; PostgreSQL's websearch syntax cannot fail
@pytest.mark.parametrize("query", ['budget AND "', "nosuchfield:word", "   ", "AND"])
def test_bad_search_syntax_is_one_line_search_error(session: Session, query: str) -> None:
    fill_for_search(session)
    with pytest.raises(SearchError) as refused:
        search_articles(session, query)
    assert "\n" not in str(refused.value)


@pytest.mark.sqlite_only  # FTS5 refuses the quote; see test_postgresql.py for PostgreSQL
def test_search_text_is_never_sql(session: Session) -> None:
    fill_for_search(session)
    with pytest.raises(SearchError):
        search_articles(session, "x'); DROP TABLE article; --")
    assert search_articles(session, '"DROP TABLE article"') == []
    assert session.scalar(text("SELECT count(*) FROM article")) == 3


def test_exported_articles_between_publication_dates(session: Session) -> None:
    fill_for_search(session)
    urls = [
        item.record.url
        for item in exported_articles(session, since=date(2024, 6, 1), until=date(2024, 7, 1))
    ]
    assert urls == ["https://news.example.org/ferry"]
    assert len(list(exported_articles(session, since=date(2024, 6, 1)))) == 2


def test_site_statistics(session: Session) -> None:
    fill_for_search(session)
    save_failure(session, make_failure(url="https://other.example/gone"), crawl_run_id=None)
    save_failure(session, make_failure(url="https://other.example/gone2"), crawl_run_id=None)
    stats = {entry.site: entry for entry in site_statistics(session)}
    assert set(stats) == {"news.example.org", "other.example"}
    news, other = stats["news.example.org"], stats["other.example"]
    assert news.articles == 2 and other.articles == 1
    assert news.first_published is not None and news.last_published is not None
    assert news.first_published.date() == date(2024, 5, 1)
    assert news.last_published.date() == date(2024, 6, 3)
    assert news.present["title"] == 1.0
    assert news.present["related"] == 0.5  # the ferry story has no related links
    assert news.present["lists"] == 1.0  # make_record's list block on both
    assert other.present["related"] == 0.0
    assert (news.failures, other.failures) == (0, 2)


def file_digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.mark.sqlite_only  # a read-only file URI
def test_readonly_sql_answers_queries(engine: Engine, archive_path: Path) -> None:
    with Session(engine) as session, session.begin():
        fill_for_search(session)
    reader = readonly_engine(str(archive_path))
    result = run_readonly_sql(
        reader, "SELECT site, count(*) AS n FROM article_latest GROUP BY site"
    )
    assert result.columns == ("site", "n")
    assert sorted(result.rows) == [("news.example.org", 2), ("other.example", 1)]
    assert run_readonly_sql(reader, "PRAGMA table_info(article)").rows
    reader.dispose()


@pytest.mark.sqlite_only  # the file's bytes, ATTACH, PRAGMAs
@pytest.mark.parametrize(
    "statement",
    [
        "INSERT INTO site (host, first_seen_at) VALUES ('x', '2024-01-01')",
        "DELETE FROM article",
        "UPDATE article SET title = 'x'",
        "DROP TABLE article",
        "ATTACH DATABASE '{dir}/elsewhere.sqlite' AS other",
        "PRAGMA query_only = OFF",
        "PRAGMA journal_mode = DELETE",
        "CREATE TABLE t (x)",
        "VACUUM INTO '{dir}/elsewhere.sqlite'",
        "SELECT 1; DELETE FROM article",
    ],
)
def test_readonly_sql_refuses_every_write(
    engine: Engine, archive_path: Path, statement: str
) -> None:
    with Session(engine) as session, session.begin():
        fill_for_search(session)
    engine.dispose()
    before = file_digest(archive_path)
    reader = readonly_engine(str(archive_path))
    with pytest.raises(QueryError) as refused:
        run_readonly_sql(reader, statement.format(dir=archive_path.parent))
    assert "\n" not in str(refused.value)
    # The same connection still refuses writes afterwards (query_only stayed on).
    with pytest.raises(QueryError):
        run_readonly_sql(reader, "DELETE FROM article")
    reader.dispose()
    assert file_digest(archive_path) == before
    assert not (archive_path.parent / "elsewhere.sqlite").exists()
