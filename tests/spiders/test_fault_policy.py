"""How NewsSpider and its middlewares treat bad servers, traps and past failures, in process.

Responses are built in the test (no network, no reactor); tests/spiders/test_fault_crawl.py
shows the same behaviour end to end against a misbehaving server.
"""

from __future__ import annotations

import gzip
import io
from datetime import UTC, datetime
from typing import Any

import pytest
from scrapy import Request
from scrapy.exceptions import (
    DownloadCancelledError,
    DownloadFailedError,
    IgnoreRequest,
    ResponseDataLossError,
)
from scrapy.http import HtmlResponse, Response
from scrapy.spidermiddlewares.httperror import HttpError
from scrapy.utils.test import get_crawler

import parsers
from items import FetchFailure, FetchRecovered
from spiders.middlewares import (
    CallbackErrorMiddleware,
    RedirectError,
    RedirectGuardMiddleware,
    RetryAfterMiddleware,
)
from spiders.news import BARREN_PAGE_LIMIT, NewsSpider, failure_reason
from tests.spiders.test_news import (
    SITE,
    FakeParser,
    G,
    failure_for,
    listing_page,
    make_spider,
    respond,
    start_requests,
    stat,
    urls_of,
)

NOW = datetime(2024, 5, 1, 12, 0, tzinfo=UTC)


@pytest.fixture
def fake_parser(monkeypatch: pytest.MonkeyPatch) -> FakeParser:
    fake = FakeParser()
    monkeypatch.setattr(parsers, "parse_article", fake, raising=False)
    return fake


def past(url: str, status: int | None = 500, times: int = 1) -> list[FetchFailure]:
    return [FetchFailure(url=url, reason="HTTP 500", failed_at=NOW, status=status)] * times


# ---- traps ----------------------------------------------------------------------------------


def listing(url: str, barren: int) -> Request:
    return Request(url, meta={"link_kind": "listing", "barren": barren})


def test_a_listing_with_nothing_new_passes_one_more_barren_page_to_its_links() -> None:
    spider = make_spider(profile=SITE)
    output = list(spider.parse(respond(listing(f"{G}/events/2024/05/", 1), listing_page(
        "/events/2024/06/", "/events/2024/04/"
    ))))  # fmt: skip
    assert [request.meta["barren"] for request in output] == [2, 2]


def test_links_past_the_barren_limit_are_not_followed_but_not_forgotten() -> None:
    spider = make_spider(profile=SITE)
    trap = listing(f"{G}/opinion/page/9/", BARREN_PAGE_LIMIT)
    assert urls_of(spider.parse(respond(trap, listing_page("/opinion/page/10/")))) == []
    assert stat(spider, "spider/barren_stop") == 1
    # Found again from a page that lists new articles, the same link is followed.
    home = listing(f"{G}/", 0)
    fruitful = listing_page("/2024/05/01/new-story-on-the-home-page/", "/opinion/page/10/")
    requests = list(spider.parse(respond(home, fruitful)))
    assert [(r.url, r.meta["barren"]) for r in requests] == [
        (f"{G}/2024/05/01/new-story-on-the-home-page/", 0),
        (f"{G}/opinion/page/10/", 0),
    ]


def test_a_listing_with_a_new_article_resets_the_count_whatever_led_to_it() -> None:
    spider = make_spider(profile=SITE)
    page = listing(f"{G}/news/page/40/", BARREN_PAGE_LIMIT)
    body = listing_page("/2024/05/01/yet-another-new-story/", "/news/page/41/")
    assert [r.meta["barren"] for r in spider.parse(respond(page, body))] == [0, 0]


def test_a_candidate_that_is_not_an_article_counts_as_barren(fake_parser: FakeParser) -> None:
    spider = make_spider(profile=SITE)
    month = f"{G}/events/month/2024-05/"
    fake_parser.records[month] = None  # looks like an article URL; the parser says no
    request = Request(month, meta={"link_kind": "article", "barren": 1})
    output = list(spider.parse(respond(request, listing_page("/events/month/2024-06/"))))
    assert [r.meta["barren"] for r in output] == [2]


def test_an_article_resets_the_count(fake_parser: FakeParser) -> None:
    spider = make_spider(profile=SITE)
    request = Request(f"{G}/2024/05/01/story/", meta={"link_kind": "article", "barren": 3})
    output = list(spider.parse(respond(request, listing_page("/tag/council/"))))
    assert [r.meta["barren"] for r in output if isinstance(r, Request)] == [0]


# ---- failures -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("error", "reason"),
    [
        (ResponseDataLossError(), "Data loss: the body ended before its Content-Length"),
        (DownloadFailedError("[ConnectionLost]"), "Connection lost before the response was"),
        (DownloadCancelledError(), "Size limit: larger than DOWNLOAD_MAXSIZE (1000 bytes)"),
        (RedirectError("Too many redirects: more than 10"), "Too many redirects: more than 10"),
    ],
)
def test_failure_reasons_say_what_went_wrong(error: Exception, reason: str) -> None:
    assert failure_reason(error, timeout=30, max_size=1000).startswith(reason)


def test_a_body_inflating_past_the_size_limit_is_a_failure_not_a_policy_drop() -> None:
    spider = make_spider(profile=SITE)
    request = Request(f"{G}/2024/05/01/bomb/")
    error = IgnoreRequest("exceeded DOWNLOAD_MAXSIZE during decompression")
    error.__cause__ = type("Exceeded", (ValueError,), {"max_size": 1000})()
    (failure,) = spider.on_error(failure_for(request, error))
    assert failure.reason.startswith("Size limit: inflates past DOWNLOAD_MAXSIZE")


def test_retry_after_is_recorded_in_the_reason() -> None:
    request = Request(f"{G}/2024/05/01/busy/")
    response = Response(request.url, status=503, headers={"Retry-After": "120"}, request=request)
    assert failure_reason(HttpError(response), timeout=30) == "HTTP 503 (Retry-After: 120)"


def test_a_failure_after_redirects_is_filed_under_the_url_asked_for() -> None:
    spider = make_spider(profile=SITE)
    hop = Request(f"{G}/new-home/", meta={"redirect_urls": [f"{G}/2024/05/01/old/"]})
    response = respond(hop, b"gone", status=404)
    (failure,) = spider.on_error(failure_for(hop, HttpError(response)))
    assert (failure.url, failure.reason) == (f"{G}/2024/05/01/old/", "HTTP 404")


# ---- past failures: retried, given up, resolved -------------------------------------------


def test_past_failures_are_fetched_again_after_the_start_urls() -> None:
    failures = past(f"{G}/2024/05/01/flaky/", times=2) + past(f"{G}/section/", status=None)
    spider = make_spider(profile=SITE, past_failures=failures)
    urls = [request.url for request in start_requests(spider)]
    assert urls[2:] == [f"{G}/2024/05/01/flaky/", f"{G}/section/"]
    assert stat(spider, "spider/retry_failed") == 2


def test_a_url_is_given_up_after_max_attempts_or_a_410() -> None:
    failures = (
        past(f"{G}/2024/05/01/dead-link/", times=5)
        + past(f"{G}/2024/05/01/gone-story/", status=410)
        + past(f"{G}/2024/05/01/fourth-try/", times=4)
        + past("https://elsewhere.example/2024/05/01/not-this-site/")
    )
    spider = make_spider(profile=SITE, past_failures=failures)
    urls = [request.url for request in start_requests(spider)]
    assert urls[2:] == [f"{G}/2024/05/01/fourth-try/"]
    assert stat(spider, "spider/retry_given_up") == 2


def test_a_failed_url_fetched_fine_yields_a_recovery_even_when_not_an_article() -> None:
    spider = make_spider(profile=SITE, past_failures=past(f"{G}/section/"))
    hop = Request(f"{G}/sections/news/", meta={"link_kind": "page", "redirect_urls": [
        f"{G}/section/"
    ]})  # fmt: skip
    response = HtmlResponse(hop.url, body=listing_page(), request=hop)
    (recovered,) = [x for x in spider.parse(response) if isinstance(x, FetchRecovered)]
    assert recovered.urls == (f"{G}/section/", f"{G}/sections/news/")
    assert recovered.fetched_at.tzinfo is not None
    again = HtmlResponse(hop.url, body=listing_page(), request=hop)
    assert not [x for x in spider.parse(again) if isinstance(x, FetchRecovered)]


# ---- middlewares ----------------------------------------------------------------------------


def redirect(request: Request, location: str, status: int = 302) -> Response:
    return Response(request.url, status=status, headers={"Location": location}, request=request)


def test_a_redirect_back_to_a_url_of_the_chain_is_a_loop() -> None:
    guard = RedirectGuardMiddleware(max_redirects=10)
    hop = Request(f"{G}/b/", meta={"redirect_urls": [f"{G}/a/"], "redirect_times": 1})
    with pytest.raises(RedirectError, match=r"^Redirect loop: .*/a/ -> .*/b/ -> .*/a/$"):
        guard.process_response(hop, redirect(hop, "/a/?utm_source=x"))
    onward = redirect(hop, "/c/")
    assert guard.process_response(hop, onward) is onward


def test_a_chain_longer_than_the_limit_is_too_many_redirects() -> None:
    guard = RedirectGuardMiddleware(max_redirects=3)
    hop = Request(f"{G}/4/", meta={"redirect_times": 3})
    with pytest.raises(RedirectError, match="Too many redirects: more than 3"):
        guard.process_response(hop, redirect(hop, "/5/"))
    ok = Response(hop.url, status=200, request=hop)
    assert guard.process_response(hop, ok) is ok


def test_a_503_with_retry_after_is_not_retried_at_once() -> None:
    middleware = RetryAfterMiddleware(get_crawler(NewsSpider))
    busy, down = Request(f"{G}/busy/"), Request(f"{G}/down/")
    middleware.process_response(busy, Response(busy.url, status=503, headers={
        "Retry-After": "120"
    }))  # fmt: skip
    middleware.process_response(down, Response(down.url, status=503))
    assert busy.meta.get("dont_retry") is True
    assert "dont_retry" not in down.meta


def test_a_callback_that_raises_becomes_a_fetch_failure() -> None:
    crawler = get_crawler(NewsSpider)
    middleware = CallbackErrorMiddleware(crawler)
    crawler.stats.open_spider()  # type: ignore[union-attr]
    request = Request(f"{G}/2024/05/01/odd-page/")
    response = HtmlResponse(request.url, body=b"<html></html>", request=request)
    output: Any = middleware.process_spider_exception(response, RecursionError("too deep"))
    (failure,) = output
    assert isinstance(failure, FetchFailure)
    assert (failure.url, failure.reason) == (request.url, "Parse error: RecursionError: too deep")
    assert middleware.process_spider_exception(response, IgnoreRequest()) is None


def test_gzip_bomb_helper_really_inflates() -> None:
    # Guards the end-to-end test: its bomb must exceed the limit it is meant to break.
    from tests.faultsite import MAX_SIZE, gzip_bomb

    bomb = gzip_bomb(64 * 1024 * 1024)
    assert len(bomb) < 1024 * 1024
    with gzip.GzipFile(fileobj=io.BytesIO(bomb)) as inflating:
        assert len(inflating.read(MAX_SIZE + 1)) > MAX_SIZE
