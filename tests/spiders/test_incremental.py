"""Incremental crawls, piece by piece: the re-check policy, the spider's view of the
archive, and what NewsSpider asks for and yields about archived pages (no network)."""

from __future__ import annotations

import dataclasses
import gc
import tracemalloc
from datetime import UTC, datetime, timedelta

import pytest
from scrapy import Request
from scrapy.http import HtmlResponse, Response
from scrapy.spidermiddlewares.httperror import HttpError
from twisted.python.failure import Failure

import parsers
from items import ArchivedPage, FetchFailure, PageGone, PageNotModified
from settings import BARREN_PAGE_LIMIT
from spiders.incremental import (
    LISTED_LATER,
    PERIODIC,
    RECHECK_ALL,
    YOUNG,
    ArchivedPages,
    PageState,
    RecheckPolicy,
)
from spiders.news import NewsSpider
from tests.factories import make_record
from tests.spiders.test_news import (
    SITE,
    FakeParser,
    listing_page,
    make_spider,
    requests_in,
    respond,
    start_requests,
    stat,
)

NOW = datetime(2024, 6, 1, 3, 0, tzinfo=UTC)
G = "https://www.gazette.example"
OLD = f"{G}/2024/01/10/old-story-about-the-council/"
NEW = f"{G}/2024/05/31/new-story-about-the-tram/"


def state(**fields: object) -> PageState:
    """An old article (published in January), last checked yesterday, never listed."""
    values: dict[str, object] = {
        "url": OLD,
        "article_id": 7,
        "etag": '"abc"',
        "http_last_modified": "Wed, 10 Jan 2024 09:00:00 GMT",
        "last_checked_at": NOW - timedelta(days=1),
        "listed_modified_at": None,
        "reference_at": datetime(2024, 1, 10, 9, 0, tzinfo=UTC),
        "gone_at": None,
        "gone_status": None,
    }
    return PageState(**(values | fields))  # type: ignore[arg-type]


def row(url: str = OLD, **fields: object) -> ArchivedPage:
    values: dict[str, object] = {
        "article_id": 7,
        "url": url,
        "canonical_url": None,
        "etag": '"abc"',
        "http_last_modified": "Wed, 10 Jan 2024 09:00:00 GMT",
        "last_checked_at": NOW - timedelta(days=1),
        "listed_modified_at": None,
        "published_at": datetime(2024, 1, 10, 9, 0, tzinfo=UTC),
        "first_seen_at": datetime(2024, 1, 10, 10, 0, tzinfo=UTC),
        "gone_at": None,
        "gone_status": None,
    }
    return ArchivedPage(**(values | fields))  # type: ignore[arg-type]


# ---- RecheckPolicy.is_due ------------------------------------------------------------------

POLICY = RecheckPolicy(young_days=3, every_days=30)


def test_an_old_page_checked_yesterday_is_not_due() -> None:
    assert POLICY.is_due(state(), None, NOW) is None


def test_a_listing_date_after_the_last_check_makes_it_due() -> None:
    assert POLICY.is_due(state(), NOW - timedelta(hours=2), NOW) == LISTED_LATER


def test_a_listing_date_seen_before_does_not() -> None:
    listed = NOW - timedelta(hours=2)
    page = state(listed_modified_at=listed, last_checked_at=NOW - timedelta(hours=3))
    assert POLICY.is_due(page, listed, NOW) is None
    # ... nor one older than the last check, stored or not: that version was seen then.
    assert POLICY.is_due(state(), NOW - timedelta(days=2), NOW) is None
    # The dates are kept to the second: a fraction more is not a move.
    page = state(listed_modified_at=listed, last_checked_at=listed - timedelta(hours=1))
    assert POLICY.is_due(page, listed + timedelta(microseconds=999), NOW) is None
    assert POLICY.is_due(page, listed + timedelta(seconds=1), NOW) == LISTED_LATER


def test_a_page_never_checked_nor_listed_is_due_by_any_listing_date() -> None:
    page = state(last_checked_at=None)
    assert POLICY.is_due(page, datetime(2001, 1, 1, tzinfo=UTC), NOW) == LISTED_LATER
    assert POLICY.is_due(page, None, NOW) == PERIODIC


def test_a_young_page_is_due_every_crawl_until_young_days() -> None:
    published = NOW - timedelta(days=2, hours=23)
    assert POLICY.is_due(state(reference_at=published), None, NOW) == YOUNG
    page = state(reference_at=NOW - timedelta(days=3))
    assert POLICY.is_due(page, None, NOW) is None
    assert RecheckPolicy(young_days=0).is_due(state(reference_at=NOW), None, NOW) is None


def test_an_old_page_is_due_about_every_every_days_spread_by_article() -> None:
    due_after = []
    for article_id in range(200):
        for days in range(20, 41):
            page = state(article_id=article_id, last_checked_at=NOW - timedelta(days=days))
            if POLICY.is_due(page, None, NOW) == PERIODIC:
                due_after.append(days)
                break
    assert len(due_after) == 200
    assert min(due_after) >= 23  # 30 x 0.75 = 22.5
    assert max(due_after) <= 38  # 30 x 1.25 = 37.5
    assert len(set(due_after)) > 10  # spread, not all on one night
    assert RecheckPolicy(every_days=0).is_due(state(), None, NOW) == PERIODIC


def test_gone_pages_are_due_only_when_listed_after_they_went() -> None:
    went = NOW - timedelta(days=60)
    gone = state(gone_at=went, gone_status=404, last_checked_at=went - timedelta(days=90))
    assert POLICY.is_due(gone, None, NOW) is None
    assert RecheckPolicy(recheck_all=True).is_due(gone, None, NOW) is None
    assert POLICY.is_due(gone, went - timedelta(days=1), NOW) is None
    assert POLICY.is_due(gone, went + timedelta(days=1), NOW) == LISTED_LATER
    young_gone = state(gone_at=went, gone_status=410, reference_at=NOW)
    assert POLICY.is_due(young_gone, None, NOW) is None


def test_recheck_all_makes_every_page_due() -> None:
    assert RecheckPolicy(recheck_all=True).is_due(state(), None, NOW) == RECHECK_ALL


def test_negative_days_are_refused() -> None:
    with pytest.raises(ValueError, match="0 or more"):
        RecheckPolicy(young_days=-1)


# ---- ArchivedPages -------------------------------------------------------------------------


def test_archived_pages_are_found_by_either_url_in_canonical_form() -> None:
    pages = ArchivedPages(
        [row(f"{G}/2024/01/10/old-story-about-the-council/print/?utm_source=x", canonical_url=OLD)]
    )
    assert len(pages) == 1
    by_canonical = pages.get(OLD)
    by_fetched = pages.get(f"{G}/2024/01/10/old-story-about-the-council/print/")
    assert by_canonical == by_fetched
    assert by_canonical is not None
    assert by_canonical.article_id == 7
    assert by_canonical.url == f"{G}/2024/01/10/old-story-about-the-council/print/"
    assert pages.get(NEW) is None
    assert [page.article_id for page in pages] == [7]  # each article once


def test_archived_pages_keep_what_the_policy_and_the_request_need() -> None:
    listed = datetime(2024, 1, 11, 8, 30, 15, tzinfo=UTC)
    gone = datetime(2024, 5, 1, tzinfo=UTC)
    pages = ArchivedPages(
        [
            row(listed_modified_at=listed, gone_at=gone, gone_status=410),
            row(NEW, article_id=8, etag=None, http_last_modified="not a date", published_at=None),
        ]
    )
    old = pages.get(OLD)
    assert old == state(
        listed_modified_at=listed, gone_at=gone, gone_status=410
    )  # every field round-trips
    assert old.conditional_headers() == {
        "If-None-Match": '"abc"',
        "If-Modified-Since": "Wed, 10 Jan 2024 09:00:00 GMT",
    }
    new = pages.get(NEW)
    assert new is not None
    assert new.reference_at == datetime(2024, 1, 10, 10, 0, tzinfo=UTC)  # first seen
    assert new.conditional_headers() == {}


def test_archived_pages_take_a_few_hundred_bytes_an_article() -> None:
    count = 20_000
    rows = [
        row(
            f"{G}/2024/01/10/story-number-{n}-about-the-council-budget/",
            article_id=n,
            etag=f'"6650a1b2-{n:x}"',
            http_last_modified="Fri, 24 May 2024 10:31:14 GMT",
            listed_modified_at=NOW,
        )
        for n in range(count)
    ]
    gc.collect()
    tracemalloc.start()
    try:
        pages = ArchivedPages(rows)
        size, _ = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert len(pages) == count
    assert size / count < 350, f"{size / count:.0f} bytes an article"


# ---- NewsSpider ------------------------------------------------------------------------------


@pytest.fixture
def parser(monkeypatch: pytest.MonkeyPatch) -> FakeParser:
    """parsers.parse_article replaced by a fake (as in test_news.py)."""
    fake = FakeParser()
    monkeypatch.setattr(parsers, "parse_article", fake, raising=False)
    return fake


def spider_with(pages: list[ArchivedPage], **settings: object) -> NewsSpider:
    spider = make_spider(profile=SITE, archived_pages=ArchivedPages(pages))
    spider.started_at = NOW
    if settings:
        spider.recheck = RecheckPolicy(**settings)  # type: ignore[arg-type]
    return spider


def listing_response(spider: NewsSpider, *hrefs: str, barren: int = 0) -> Response:
    request = Request(f"{G}/news/", meta={"link_kind": "listing", "barren": barren})
    spider.frontier.admit(request.url)
    return respond(request, listing_page(*hrefs))


def test_links_to_archived_pages_not_due_are_not_followed(parser: FakeParser) -> None:
    spider = spider_with([row()])
    output = list(spider.parse(listing_response(spider, OLD, NEW)))
    assert [request.url for request in requests_in(output)] == [NEW]
    assert stat(spider, "incremental/skipped") == 1
    # Forgotten again: a sitemap dating it later in the crawl still gets it fetched.
    assert spider.frontier.admit(OLD) is not None


def test_a_page_of_links_to_archived_pages_not_due_is_barren(parser: FakeParser) -> None:
    spider = spider_with([row()], young_days=3, every_days=30)
    page_2 = listing_response(spider, OLD, f"{G}/news/page/2/", barren=BARREN_PAGE_LIMIT - 1)
    (request,) = requests_in(spider.parse(page_2))
    assert request.url == f"{G}/news/page/2/"
    assert request.meta["barren"] == BARREN_PAGE_LIMIT
    page_3 = listing_response(spider, OLD, f"{G}/news/page/3/", barren=BARREN_PAGE_LIMIT)
    assert requests_in(spider.parse(page_3)) == []
    assert stat(spider, "spider/barren_stop") == 1


def test_a_due_archived_page_is_requested_conditionally(parser: FakeParser) -> None:
    spider = spider_with([row()], recheck_all=True)
    (request,) = requests_in(spider.parse(listing_response(spider, OLD)))
    assert request.headers[b"If-None-Match"] == b'"abc"'
    assert request.headers[b"If-Modified-Since"] == b"Wed, 10 Jan 2024 09:00:00 GMT"
    assert request.meta["handle_httpstatus_list"] == [304]
    assert stat(spider, "incremental/due/recheck_all") == 1


def test_a_sitemap_date_after_the_last_check_makes_a_page_due(parser: FakeParser) -> None:
    spider = spider_with([row()])
    listed = "2024-05-31T22:00:00Z"
    sitemap = (
        '<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">'
        f"<url><loc>{OLD}</loc><lastmod>{listed}</lastmod></url>"
        f"<url><loc>{NEW}</loc><lastmod>2024-05-31</lastmod></url></urlset>"
    ).encode()
    request = Request(f"{G}/sitemap.xml", meta={"link_kind": "listing"})
    requests = requests_in(spider.parse(respond(request, sitemap, "application/xml")))
    assert [r.url for r in requests] == [OLD, NEW]
    assert requests[0].meta["listed_at"] == datetime(2024, 5, 31, 22, 0, tzinfo=UTC)
    assert requests[0].meta["archived_id"] == 7
    assert "archived_id" not in requests[1].meta
    assert requests[1].meta["listed_at"] == datetime(2024, 5, 31, tzinfo=UTC)


def test_a_304_yields_a_page_not_modified_and_is_not_read(parser: FakeParser) -> None:
    spider = spider_with([row()], recheck_all=True)
    (request,) = requests_in(spider.parse(listing_response(spider, OLD)))
    response = Response(OLD, status=304, request=request)
    assert spider.article_parse_arguments(request, response) is None
    (item,) = spider.parse(response)
    assert isinstance(item, PageNotModified)
    assert (item.url, item.article_id, item.listed_modified_at) == (OLD, 7, None)
    assert parser.calls == []
    assert stat(spider, "incremental/not_modified") == 1


def test_an_archived_article_fetched_again_carries_its_validators(
    parser: FakeParser,
) -> None:
    spider = spider_with([row()], recheck_all=True)
    (request,) = requests_in(spider.parse(listing_response(spider, OLD)))
    request.meta["listed_at"] = NOW
    headers = {
        "Content-Type": "text/html; charset=utf-8",
        "ETag": '"def"',
        "Last-Modified": "Fri, 31 May 2024 22:00:00 GMT",
    }
    body = b"<html><body><p>Edited.</p></body></html>"
    response = HtmlResponse(OLD, status=200, headers=headers, body=body, request=request)
    (record,) = [item for item in spider.parse(response) if not isinstance(item, Request)]
    assert record.etag == '"def"'
    assert record.http_last_modified == "Fri, 31 May 2024 22:00:00 GMT"
    assert record.listed_modified_at == NOW
    assert record == dataclasses.replace(record, etag=None, listed_modified_at=None)  # not content


@pytest.mark.parametrize("status", [404, 410])
def test_an_archived_page_answering_404_or_410_is_gone(status: int) -> None:
    spider = spider_with([row()], recheck_all=True)
    (request,) = requests_in(spider.parse(listing_response(spider, OLD)))
    response = Response(OLD, status=status, request=request)
    failure = Failure(HttpError(response, "Ignoring non-200 response"))
    failure.request = request  # type: ignore[attr-defined]
    failed, gone = spider.on_error(failure)
    assert isinstance(failed, FetchFailure)
    assert isinstance(gone, PageGone)
    assert (gone.url, gone.article_id, gone.status) == (OLD, 7, status)


def test_a_page_not_archived_answering_404_is_only_a_failure() -> None:
    spider = spider_with([])
    request = Request(NEW, meta={"link_kind": "article"})
    response = Response(NEW, status=404, request=request)
    failure = Failure(HttpError(response, "Ignoring non-200 response"))
    failure.request = request  # type: ignore[attr-defined]
    assert [type(item) for item in spider.on_error(failure)] == [FetchFailure]


def test_archived_pages_due_by_age_are_requested_at_the_start() -> None:
    young = row(NEW, article_id=8, published_at=NOW - timedelta(days=1))
    stale = row(f"{G}/2023/01/10/stale-story-about-the-budget/", article_id=9,
                last_checked_at=NOW - timedelta(days=90))  # fmt: skip
    gone = row(f"{G}/2023/02/10/gone-story-about-the-bins/", article_id=10,
               last_checked_at=NOW - timedelta(days=90), gone_at=NOW, gone_status=404)  # fmt: skip
    spider = spider_with([row(), young, stale, gone])
    requests = start_requests(spider)
    rechecks = {r.url: r for r in requests if "archived_id" in r.meta}
    assert set(rechecks) == {NEW, stale.url}
    assert rechecks[NEW].headers[b"If-None-Match"] == b'"abc"'
    assert stat(spider, "incremental/due/young") == 1
    assert stat(spider, "incremental/due/periodic") == 1


def test_record_json_and_content_hash_ignore_fetch_fields() -> None:
    from archive_db.writes import content_hash_of
    from items import record_to_json

    record = make_record()
    fetched = dataclasses.replace(
        record, etag='"x"', http_last_modified="Fri, 31 May 2024 22:00:00 GMT",
        listed_modified_at=NOW,
    )  # fmt: skip
    assert record_to_json(fetched) == record_to_json(record)
    assert content_hash_of(fetched) == content_hash_of(record)
