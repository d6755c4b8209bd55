"""What incremental crawls write and read: validators, checks, gone marks, archived pages."""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from archive_db.models import Article, ArticleVersion
from archive_db.queries import archived_pages_on
from archive_db.writes import RecordError, SaveOutcome, mark_gone, save_article, save_checks
from items import ArticleRecord, PageGone, PageNotModified
from tests.factories import FETCHED_AT, make_record

LATER = FETCHED_AT + timedelta(days=1)
LISTED = datetime(2024, 5, 2, 7, 0, tzinfo=UTC)
ETAG = '"5e2b-7c9d"'
LAST_MODIFIED = "Thu, 02 May 2024 07:00:00 GMT"


def fetched(record: ArticleRecord, **fields: object) -> ArticleRecord:
    """The record as the spider yields it: with its response's validators and listing date."""
    values = {"etag": ETAG, "http_last_modified": LAST_MODIFIED, "listed_modified_at": LISTED}
    return dataclasses.replace(record, **(values | fields))  # type: ignore[arg-type]


def saved(session: Session, record: ArticleRecord, seen_at: datetime = FETCHED_AT) -> Article:
    save_article(session, record, seen_at=seen_at, crawl_run_id=None)
    session.expire_all()
    article = session.scalars(select(Article).where(Article.archive_key == record.archive_key))
    return article.one()


def test_a_saved_record_keeps_its_validators_listing_date_and_check(session: Session) -> None:
    article = saved(session, fetched(make_record()))
    assert article.etag == ETAG
    assert article.http_last_modified == LAST_MODIFIED
    assert article.listed_modified_at == LISTED
    assert article.last_checked_at == FETCHED_AT
    assert article.gone_at is None


def test_validators_and_listing_date_are_not_content(session: Session) -> None:
    record = make_record()
    saved(session, fetched(record))
    outcome = save_article(
        session,
        fetched(record, etag='"other"', http_last_modified=None),
        seen_at=LATER,
        crawl_run_id=None,
    )
    assert outcome is SaveOutcome.UNCHANGED
    session.expire_all()
    article = session.scalars(select(Article)).one()
    assert (article.etag, article.http_last_modified) == ('"other"', None)  # the latest response's
    assert article.last_checked_at == LATER
    assert article.current_version == 1


def test_a_fetch_from_a_link_keeps_the_listing_date_stored_before(session: Session) -> None:
    record = make_record()
    saved(session, fetched(record))
    edited = dataclasses.replace(record, body=record.body + "\n\nA correction was added.")
    article = saved(session, fetched(edited, listed_modified_at=None), LATER)
    assert article.current_version == 2
    assert article.listed_modified_at == LISTED
    assert article.last_checked_at == LATER


def test_a_304_moves_the_last_check_and_stores_the_listing_date(session: Session) -> None:
    article = saved(session, fetched(make_record(), listed_modified_at=None))
    newer = LISTED + timedelta(hours=3)
    save_checks(
        session,
        [PageNotModified(article.url, article.id, checked_at=LATER, listed_modified_at=newer)],
    )
    session.expire_all()
    article = session.scalars(select(Article)).one()
    assert article.last_checked_at == LATER
    assert article.listed_modified_at == newer
    assert article.last_seen_at == FETCHED_AT  # no new content was seen
    # A check without a listing date leaves the stored one.
    save_checks(session, [PageNotModified(article.url, article.id, checked_at=LATER)])
    session.expire_all()
    assert session.scalars(select(Article.listed_modified_at)).one() == newer


def test_a_gone_page_is_marked_and_its_article_and_versions_kept(session: Session) -> None:
    record = make_record()
    saved(session, record)
    article = saved(session, dataclasses.replace(record, title="Council approves budget (2)"))
    mark_gone(session, [PageGone(article.url, article.id, status=410, gone_at=LATER)])
    # Still gone a day later: the date it went is kept, the status is the latest.
    later = LATER + timedelta(days=1)
    mark_gone(session, [PageGone(article.url, article.id, status=404, gone_at=later)])
    session.expire_all()
    article = session.scalars(select(Article)).one()
    assert (article.gone_at, article.gone_status) == (LATER, 404)
    assert article.body == record.body
    versions = session.scalar(select(func.count()).select_from(ArticleVersion))
    assert versions == 2


def test_a_page_back_after_it_went_is_no_longer_gone(session: Session) -> None:
    record = make_record()
    article = saved(session, record)
    mark_gone(session, [PageGone(article.url, article.id, status=404, gone_at=LATER)])
    article = saved(session, fetched(record), LATER + timedelta(days=1))
    assert (article.gone_at, article.gone_status) == (None, None)
    mark_gone(session, [PageGone(article.url, article.id, status=404, gone_at=LATER)])
    save_checks(session, [PageNotModified(article.url, article.id, checked_at=LATER)])
    session.expire_all()
    assert session.scalars(select(Article.gone_at)).one() is None


def test_naive_times_are_refused(session: Session) -> None:
    naive = datetime(2024, 5, 1, 9, 0)
    with pytest.raises(RecordError):
        save_checks(session, [PageNotModified("https://x.example/a", 1, checked_at=naive)])
    with pytest.raises(RecordError):
        mark_gone(session, [PageGone("https://x.example/a", 1, status=404, gone_at=naive)])
    with pytest.raises(RecordError):
        save_article(
            session, fetched(make_record(), listed_modified_at=naive), seen_at=LATER,
            crawl_run_id=None,
        )  # fmt: skip


def test_archived_pages_on_reads_the_sites_articles_only(session: Session) -> None:
    ours = fetched(make_record())
    other = make_record(
        url="https://elsewhere.example/story", canonical_url=None, site="elsewhere.example"
    )
    sub = make_record(
        url="https://www.news.example.org/2024/06/sub",
        canonical_url=None,
        site="www.news.example.org",
        title="Another",
        body=make_record().body + " More.",
        published=None,
    )
    for record in (ours, other, sub):
        saved(session, record)
    pages = {page.url: page for page in archived_pages_on(session, ["www.news.example.org"])}
    assert set(pages) == {ours.url, sub.url}
    page = pages[ours.url]
    assert page.canonical_url == ours.canonical_url
    assert (page.etag, page.http_last_modified) == (ETAG, LAST_MODIFIED)
    assert page.listed_modified_at == LISTED
    assert page.last_checked_at == FETCHED_AT
    assert page.published_at == ours.published
    assert page.first_seen_at == FETCHED_AT
    assert (page.gone_at, page.gone_status) == (None, None)
    assert pages[sub.url].published_at is None
    assert list(archived_pages_on(session, ["nowhere.example"])) == []


def test_archived_pages_fall_back_to_last_seen_before_checks_were_recorded(
    session: Session,
) -> None:
    article = saved(session, make_record())
    article.last_checked_at = None
    session.flush()
    (page,) = archived_pages_on(session, ["news.example.org"])
    assert page.last_checked_at == article.last_seen_at == FETCHED_AT
