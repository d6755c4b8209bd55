"""save_article: inserted, unchanged or updated, with versions and child rows; failures; runs."""

from __future__ import annotations

import dataclasses
import json
from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from archive_db import writes
from archive_db.models import (
    Article,
    ArticleAuthor,
    ArticleLink,
    ArticleList,
    ArticleListItem,
    ArticleVersion,
    Author,
    CrawlRun,
    FetchFailure,
    Site,
    Tag,
)
from archive_db.writes import (
    RecordError,
    SaveOutcome,
    collapsed_whitespace,
    compact_json,
    content_hash_of,
    finish_crawl_run,
    save_article,
    save_articles,
    save_failure,
    start_crawl_run,
)
from items import ArticleRecord, ListBlock, RelatedLink, record_to_json
from tests.factories import FETCHED_AT, make_failure, make_record

LATER = FETCHED_AT + timedelta(days=1)


def count(session: Session, model: type[object]) -> int:
    return session.scalar(select(func.count()).select_from(model)) or 0


def only_article(session: Session) -> Article:
    return session.scalars(select(Article)).one()


# Text with what the fast paths must get right: every kind of whitespace and line break,
# DEL and other control characters, backslashes and quotes, combining and non-ASCII letters.
AWKWARD_PIECES = (
    " ", "\t", "\n", "\n\n", "\r", "\x0b", "\x1c", "\x85", "\u00a0", "\u2028", "\u3000",
    "\x7f", "\x00", "\x01", "\\", "\\u", '"', "a", "Z", "\u00e9", "e\u0301", "\u00ad",
    "\u200b", "\u65e5", "\U0001f600",
)  # fmt: skip
AWKWARD_TEXT = st.lists(st.sampled_from(AWKWARD_PIECES) | st.characters(), max_size=40).map("".join)


def test_the_content_hash_of_a_record_never_changes() -> None:
    # Archives keep these hashes: a new way of computing them must give the same digests,
    # or every article would read as edited on its next crawl.
    assert content_hash_of(make_record()) == (
        "b3a7187368ccc24bc1a8a4c85f7b182b0b5d9925808558b9ba294763306dee66"
    )


def test_a_changed_copy_of_a_hashed_record_gets_its_own_hash() -> None:
    record = make_record()
    edited = dataclasses.replace(record, body=record.body + " More.")
    assert content_hash_of(record) != content_hash_of(edited)
    assert content_hash_of(dataclasses.replace(record)) == content_hash_of(record)


@given(AWKWARD_TEXT)
def test_collapsed_whitespace_is_split_and_join(text: str) -> None:
    assert collapsed_whitespace(text) == " ".join(text.split())


@given(
    st.recursive(
        st.none() | st.booleans() | AWKWARD_TEXT,
        lambda inner: (
            st.lists(inner, max_size=4) | st.dictionaries(AWKWARD_TEXT, inner, max_size=4)
        ),
        max_leaves=12,
    ),
    st.booleans(),
)
def test_compact_json_is_json_dumps_keeping_non_ascii(value: object, likely_ascii: bool) -> None:
    expected = json.dumps(value, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    assert compact_json(value, likely_ascii=likely_ascii) == expected


def test_new_archive_key_is_inserted_as_version_one(session: Session) -> None:
    record = make_record()
    outcome = save_article(session, record, seen_at=FETCHED_AT, crawl_run_id=None)
    assert outcome is SaveOutcome.INSERTED
    article = only_article(session)
    assert article.archive_key == record.canonical_url
    assert article.url == record.url
    assert article.site.host == "news.example.org"
    assert article.content_hash == content_hash_of(record)
    assert (article.first_seen_at, article.last_seen_at) == (FETCHED_AT, FETCHED_AT)
    assert article.current_version == 1
    version = session.scalars(select(ArticleVersion)).one()
    assert (version.number, version.seen_at) == (1, FETCHED_AT)
    assert version.record == record_to_json(record)


def test_record_without_canonical_url_is_keyed_by_its_url(session: Session) -> None:
    record = make_record(canonical_url=None)
    save_article(session, record, seen_at=FETCHED_AT, crawl_run_id=None)
    assert only_article(session).archive_key == record.url


def test_same_content_again_only_moves_last_seen_and_url(session: Session) -> None:
    save_article(session, make_record(), seen_at=FETCHED_AT, crawl_run_id=None)
    again = make_record(url="https://news.example.org/2024/05/council-budget")
    outcome = save_article(session, again, seen_at=LATER, crawl_run_id=None)
    assert outcome is SaveOutcome.UNCHANGED
    article = only_article(session)
    assert (article.first_seen_at, article.last_seen_at) == (FETCHED_AT, LATER)
    assert article.url == again.url
    assert count(session, ArticleVersion) == 1


def test_whitespace_and_rotating_related_links_are_not_edits(session: Session) -> None:
    record = make_record()
    save_article(session, record, seen_at=FETCHED_AT, crawl_run_id=None)
    rewrapped = dataclasses.replace(
        record,
        body=record.body.replace("three-hour", "three-hour\n"),
        related=(RelatedLink(url="https://news.example.org/other", title="Other news"),),
    )
    assert save_article(session, rewrapped, seen_at=LATER, crawl_run_id=None) is (
        SaveOutcome.UNCHANGED
    )


def test_changed_content_adds_a_version_and_replaces_the_fields(session: Session) -> None:
    run_id = start_crawl_run(session, arguments={"site": "example"})
    first = make_record()
    save_article(session, first, seen_at=FETCHED_AT, crawl_run_id=None)
    edited = make_record(
        title="Council approves budget after long debate",
        authors=("Sam Writer",),
        tags=("budget", "roads", "council"),
        lists=(ListBlock(heading=None, ordered=True, items=("First", "Second", "Third")),),
    )
    outcome = save_article(session, edited, seen_at=LATER, crawl_run_id=run_id)
    assert outcome is SaveOutcome.UPDATED
    session.expire_all()
    article = only_article(session)
    assert article.title == edited.title
    assert article.current_version == 2
    assert [row.author.name for row in article.authors] == ["Sam Writer"]
    assert [row.tag.name for row in article.tags] == ["budget", "roads", "council"]
    assert [item.text for item in article.lists[0].items] == ["First", "Second", "Third"]
    assert count(session, ArticleList) == 1
    assert count(session, ArticleListItem) == 3  # the old list's items are gone
    versions = session.scalars(select(ArticleVersion).order_by(ArticleVersion.number)).all()
    assert [v.number for v in versions] == [1, 2]
    assert versions[0].record["title"] == first.title  # the previous text is kept
    assert versions[1].record["title"] == edited.title
    assert (versions[0].crawl_run_id, versions[1].crawl_run_id) == (None, run_id)
    assert (article.first_seen_at, article.last_seen_at) == (FETCHED_AT, LATER)


def test_an_edit_back_to_earlier_content_is_a_new_version(session: Session) -> None:
    first, second = make_record(), make_record(title="Corrected headline")
    for seen_at, record in enumerate((first, second, first)):
        save_article(
            session, record, seen_at=FETCHED_AT + timedelta(hours=seen_at), crawl_run_id=None
        )
    assert only_article(session).current_version == 3
    assert only_article(session).title == first.title


def test_child_rows_are_written_in_order(session: Session) -> None:
    record = make_record(
        related=(
            RelatedLink(url="https://news.example.org/a", title="A", teaser=None, comments=None),
            RelatedLink(url="https://news.example.org/b", title="B", teaser="Bee", comments=7),
        )
    )
    save_article(session, record, seen_at=FETCHED_AT, crawl_run_id=None)
    article = only_article(session)
    assert [(r.position, r.author.name) for r in article.authors] == [
        (0, "Jane Reporter"),
        (1, "Sam Writer"),
    ]
    assert [(r.position, r.tag.name) for r in article.tags] == [(0, "council"), (1, "budget")]
    block = article.lists[0]
    assert (block.position, block.heading, block.ordered) == (0, "What changes:", False)
    assert [(i.position, i.text) for i in block.items] == [(0, "Roads"), (1, "Libraries")]
    links = session.scalars(select(ArticleLink).order_by(ArticleLink.position)).all()
    assert [(k.url, k.title, k.teaser, k.comments) for k in links] == [
        ("https://news.example.org/a", "A", None, None),
        ("https://news.example.org/b", "B", "Bee", 7),
    ]
    assert [(i.url, i.caption) for i in article.images] == [
        ("https://news.example.org/img/council.jpg", "The chamber")
    ]


def test_authors_tags_and_sites_are_shared_between_articles(session: Session) -> None:
    for n in range(3):
        record = make_record(
            canonical_url=f"https://news.example.org/story-{n}", title=f"Story {n}"
        )
        save_article(session, record, seen_at=FETCHED_AT, crawl_run_id=None)
    assert count(session, Article) == 3
    assert count(session, Site) == 1
    assert count(session, Author) == 2
    assert count(session, Tag) == 2
    assert count(session, ArticleAuthor) == 6


def test_naive_datetimes_are_refused(session: Session) -> None:
    with pytest.raises(RecordError, match="published"):
        save_article(
            session,
            make_record(published=datetime(2024, 5, 1, 9, 30)),
            seen_at=FETCHED_AT,
            crawl_run_id=None,
        )
    with pytest.raises(RecordError, match="seen_at"):
        save_article(session, make_record(), seen_at=datetime(2024, 5, 1), crawl_run_id=None)
    assert count(session, Article) == 0


def test_failure_is_saved_and_resolved_by_a_later_success(session: Session) -> None:
    run_id = start_crawl_run(session, arguments={})
    record = make_record()
    saved = save_failure(session, make_failure(url=record.url, status=503), crawl_run_id=run_id)
    other = save_failure(session, make_failure(), crawl_run_id=run_id)
    assert (saved.reason, saved.status, saved.crawl_run_id) == ("HTTP 404", 503, run_id)
    assert saved.resolved_at is None
    save_article(session, record, seen_at=LATER, crawl_run_id=run_id)
    session.expire_all()
    assert session.get(FetchFailure, saved.id).resolved_at == LATER  # type: ignore[union-attr]
    assert session.get(FetchFailure, other.id).resolved_at is None  # type: ignore[union-attr]


def test_crawl_run_is_started_and_finished(session: Session) -> None:
    started = datetime(2024, 5, 1, 18, 0, tzinfo=UTC)
    run_id = start_crawl_run(
        session, arguments={"site": "example", "limit": 10}, started_at=started
    )
    run = session.get(CrawlRun, run_id)
    assert run is not None
    assert (run.started_at, run.finished_at, run.finish_reason) == (started, None, None)
    finish_crawl_run(
        session,
        run_id,
        counts={"archive/inserted": 4, "archive/failures": 1},
        finish_reason="finished",
        finished_at=LATER,
    )
    session.expire_all()
    run = session.get(CrawlRun, run_id)
    assert run is not None
    assert run.arguments == {"site": "example", "limit": 10}
    assert run.counts == {"archive/failures": 1, "archive/inserted": 4}
    assert (run.finished_at, run.finish_reason) == (LATER, "finished")


def test_counts_saved_before_the_reason_is_known_leave_the_run_unfinished(
    session: Session,
) -> None:
    # The pipeline saves its counts at close_spider and the reason at spider_closed; a crawl
    # killed between the two must not read as ended.
    run_id = start_crawl_run(session, arguments={}, started_at=FETCHED_AT)
    finish_crawl_run(session, run_id, counts={"archive/inserted": 2}, finish_reason=None)
    session.expire_all()
    run = session.get(CrawlRun, run_id)
    assert run is not None
    assert (run.counts, run.finished_at, run.finish_reason) == ({"archive/inserted": 2}, None, None)


def test_nothing_is_committed_by_the_writes(session: Session) -> None:
    save_article(session, make_record(), seen_at=FETCHED_AT, crawl_run_id=None)
    save_failure(session, make_failure(), crawl_run_id=None)
    session.rollback()
    assert count(session, Article) == 0
    assert count(session, FetchFailure) == 0


def story(n: int, **fields: object) -> ArticleRecord:
    """Article number `n`, under its own archive key."""
    url = f"https://news.example.org/story-{n}"
    return make_record(**({"url": url, "canonical_url": url, "title": f"Story {n}"} | fields))


def link_to(n: int) -> RelatedLink:
    return RelatedLink(url=f"https://news.example.org/story-{n}", title=f"Story {n}")


def test_a_batch_has_the_outcomes_of_saving_its_records_one_by_one(session: Session) -> None:
    save_article(session, story(1), seen_at=FETCHED_AT, crawl_run_id=None)
    save_article(session, story(2), seen_at=FETCHED_AT, crawl_run_id=None)
    edited = story(2, title="Story 2, corrected")
    batch = [
        (story(3), LATER),
        (story(1), LATER),  # unchanged
        (edited, LATER),
        (story(3, body=story(3).body + " Updated."), LATER + timedelta(hours=1)),  # same key
        (story(4), LATER),
        (edited, LATER + timedelta(hours=2)),  # same key, same content again
    ]
    outcomes = save_articles(session, batch, crawl_run_id=None)
    assert outcomes == [
        SaveOutcome.INSERTED,
        SaveOutcome.UNCHANGED,
        SaveOutcome.UPDATED,
        SaveOutcome.UPDATED,
        SaveOutcome.INSERTED,
        SaveOutcome.UNCHANGED,
    ]
    rows = session.execute(
        select(
            Article.title, Article.current_version, Article.first_seen_at, Article.last_seen_at
        ).order_by(Article.archive_key)
    ).all()
    assert rows == [
        ("Story 1", 1, FETCHED_AT, LATER),
        ("Story 2, corrected", 2, FETCHED_AT, LATER + timedelta(hours=2)),
        ("Story 3", 2, LATER, LATER + timedelta(hours=1)),
        ("Story 4", 1, LATER, LATER),
    ]
    assert count(session, ArticleVersion) == 6
    assert count(session, ArticleAuthor) == 8  # two authors each, old rows of edits replaced


def test_links_within_a_batch_and_to_earlier_and_later_batches_are_resolved(
    session: Session,
) -> None:
    save_article(session, story(1, related=(link_to(4),)), seen_at=FETCHED_AT, crawl_run_id=None)
    batch = [
        (story(2, related=(link_to(3), link_to(1), link_to(9))), FETCHED_AT),
        (story(3, related=(link_to(2), link_to(3))), FETCHED_AT),
        (story(4, related=()), FETCHED_AT),
    ]
    save_articles(session, batch, crawl_run_id=None)
    ids = {
        title: article_id
        for title, article_id in session.execute(select(Article.title, Article.id))
    }
    links = session.execute(
        select(Article.title, ArticleLink.position, ArticleLink.target_article_id)
        .join(Article, Article.id == ArticleLink.article_id)
        .order_by(Article.title, ArticleLink.position)
    ).all()
    assert links == [
        ("Story 1", 0, ids["Story 4"]),  # saved before its target
        ("Story 2", 0, ids["Story 3"]),  # to a later article of the batch
        ("Story 2", 1, ids["Story 1"]),
        ("Story 2", 2, None),  # never archived
        ("Story 3", 0, ids["Story 2"]),
        ("Story 3", 1, ids["Story 3"]),  # to itself
    ]


def test_a_batch_resolves_failures_when_the_first_record_naming_them_was_seen(
    session: Session,
) -> None:
    first, second = story(1), story(2, url=story(1).url + "?from=feed")
    save_failure(session, make_failure(url=first.url), crawl_run_id=None)
    save_failure(session, make_failure(url=second.url), crawl_run_id=None)
    save_articles(
        session,
        [(first, LATER), (second, LATER + timedelta(hours=1))],
        crawl_run_id=None,
    )
    session.expire_all()
    resolved = session.execute(
        select(FetchFailure.url, FetchFailure.resolved_at).order_by(FetchFailure.id)
    ).all()
    assert resolved == [(first.url, LATER), (second.url, LATER + timedelta(hours=1))]


def test_a_batch_with_a_naive_datetime_writes_nothing(session: Session) -> None:
    naive = story(2, modified=datetime(2024, 5, 2, 8, 0))
    with pytest.raises(RecordError, match="modified"):
        save_articles(session, [(story(1), FETCHED_AT), (naive, FETCHED_AT)], crawl_run_id=None)
    assert count(session, Article) == 0


def test_a_long_batch_is_saved_in_parts_with_the_same_outcome(
    session: Session, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(writes, "PART_SIZE", 2)
    batch = [(story(n, related=(link_to(n + 1),)), FETCHED_AT) for n in range(5)]
    batch.append((story(0), LATER))
    outcomes = save_articles(session, batch, crawl_run_id=None)
    assert outcomes == [SaveOutcome.INSERTED] * 5 + [SaveOutcome.UNCHANGED]
    targets = session.scalars(select(ArticleLink.target_article_id)).all()
    assert sum(target is not None for target in targets) == 4  # story 5 was never saved
