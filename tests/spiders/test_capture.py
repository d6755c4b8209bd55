"""The capture middlewares, driven with Scrapy's own Requests, Responses and middlewares in
the order the project's settings give them."""

from __future__ import annotations

import asyncio
import gzip
from collections.abc import AsyncIterator, Iterable
from typing import Any

import pytest
from scrapy.crawler import Crawler
from scrapy.downloadermiddlewares.defaultheaders import DefaultHeadersMiddleware
from scrapy.downloadermiddlewares.httpcompression import HttpCompressionMiddleware
from scrapy.downloadermiddlewares.redirect import RedirectMiddleware
from scrapy.downloadermiddlewares.useragent import UserAgentMiddleware
from scrapy.exceptions import NotConfigured
from scrapy.http import HtmlResponse, Request, Response
from scrapy.utils.conf import build_component_list
from scrapy.utils.misc import build_from_crawler
from scrapy.utils.test import get_crawler

import settings as project_settings
from items import ArticleRecord, FetchFailure, RawCapture
from spiders.capture import (
    CAPTURE_SOURCE,
    CAPTURES,
    CaptureDownloaderMiddleware,
    CaptureSpiderMiddleware,
)
from tests.factories import make_record

PAGE = b"<html><body><p>" + b"The council met on Tuesday. " * 50 + b"</p></body></html>"
URL = "https://news.example.org/2024/05/council-budget"


def project_crawler(**overrides: Any) -> Crawler:
    """A crawler with the project's settings (settings.py), and `overrides`."""
    values = {key: getattr(project_settings, key) for key in dir(project_settings)}
    return get_crawler(settings_dict={k: v for k, v in values.items() if k.isupper()} | overrides)


@pytest.fixture
def crawler() -> Crawler:
    return project_crawler(EXTENSIONS={}, ITEM_PIPELINES={"pipelines.store.ArchivePipeline": 900})


def sent(crawler: Crawler, request: Request) -> Request:
    """The request after the downloader middlewares that set headers, as Scrapy sends it."""
    for middleware in (DefaultHeadersMiddleware, UserAgentMiddleware, HttpCompressionMiddleware):
        build_from_crawler(middleware, crawler).process_request(request)
    return request


def test_the_downloader_middleware_is_on_the_network_side_of_decoding_redirects_and_retries(
    crawler: Crawler,
) -> None:
    order = build_component_list(crawler.settings.getwithbase("DOWNLOADER_MIDDLEWARES"))
    capture = order.index("spiders.capture.CaptureDownloaderMiddleware")
    for name in ("httpcompression.HttpCompression", "redirect.Redirect", "retry.Retry"):
        assert order.index(f"scrapy.downloadermiddlewares.{name}Middleware") < capture
    assert capture == len(order) - 1  # process_response: the first to see a response
    spider_order = build_component_list(crawler.settings.getwithbase("SPIDER_MIDDLEWARES"))
    assert spider_order[0] == "spiders.capture.CaptureSpiderMiddleware"  # outermost


def test_a_gzip_body_is_captured_as_received_and_decoded_for_the_spider(crawler: Crawler) -> None:
    request = sent(crawler, Request(URL))
    gzipped = gzip.compress(PAGE)
    received = HtmlResponse(
        URL,
        status=200,
        headers={"Content-Type": "text/html", "Content-Encoding": "gzip"},
        body=gzipped,
        request=request,
        protocol="HTTP/1.1",
    )
    response = build_from_crawler(CaptureDownloaderMiddleware, crawler).process_response(
        request, received
    )
    decoded = build_from_crawler(HttpCompressionMiddleware, crawler).process_response(
        request, response
    )
    assert isinstance(decoded, Response)
    assert decoded.body == PAGE  # what the spider reads
    (capture,) = request.meta[CAPTURES]
    assert capture.body == gzipped  # what the server sent
    assert ("Content-Encoding", "gzip") in capture.response_headers
    assert capture.status == 200
    assert capture.protocol == "HTTP/1.1"
    assert capture.url == URL
    assert capture.method == "GET"
    assert capture.fetched_at.utcoffset() is not None
    assert capture.source is None


def test_request_headers_are_pairs_as_scrapy_sent_them(crawler: Crawler) -> None:
    request = sent(crawler, Request(URL, headers={"If-None-Match": ['"a"', '"b"']}))
    response = Response(URL, status=304, headers={"ETag": '"a"'}, request=request)
    build_from_crawler(CaptureDownloaderMiddleware, crawler).process_response(request, response)
    (capture,) = request.meta[CAPTURES]
    headers = capture.request_headers
    assert ("User-Agent", crawler.settings["USER_AGENT"]) in headers
    assert any(name == "Accept-Encoding" and "gzip" in value for name, value in headers)
    assert [value for name, value in headers if name == "If-None-Match"] == ['"a"', '"b"']
    assert all(isinstance(name, str) and isinstance(value, str) for name, value in headers)
    assert capture.response_headers == (("Etag", '"a"'),)
    assert capture.status == 304
    assert capture.body == b""


def test_a_redirect_chain_reaches_the_final_response_with_every_hop(crawler: Crawler) -> None:
    capturing = build_from_crawler(CaptureDownloaderMiddleware, crawler)
    redirecting = build_from_crawler(RedirectMiddleware, crawler)
    request = sent(crawler, Request("https://news.example.org/old", meta={CAPTURE_SOURCE: "x"}))
    moved = Response(
        request.url, status=301, headers={"Location": URL}, body=b"moved", request=request
    )
    follow = redirecting.process_response(request, capturing.process_response(request, moved))
    assert isinstance(follow, Request) and follow.url == URL
    final = HtmlResponse(URL, status=200, body=PAGE, request=follow)
    capturing.process_response(follow, final)
    statuses = [(c.url, c.status, c.body) for c in follow.meta[CAPTURES]]
    assert statuses == [("https://news.example.org/old", 301, b"moved"), (URL, 200, PAGE)]
    assert {c.source for c in follow.meta[CAPTURES]} == {"x"}
    # The first request's own list is untouched by its follower's capture.
    assert [c.status for c in request.meta[CAPTURES]] == [301]


def spider_output(crawler: Crawler, response: Response, result: Iterable[Any]) -> list[Any]:
    middleware = build_from_crawler(CaptureSpiderMiddleware, crawler)
    return list(middleware.process_spider_output(response, result))


def captured_response(crawler: Crawler) -> tuple[HtmlResponse, list[RawCapture]]:
    """A final 200 after a 302: both captured in its request's meta."""
    capturing = build_from_crawler(CaptureDownloaderMiddleware, crawler)
    first = Request("https://news.example.org/a")
    capturing.process_response(
        first, Response(first.url, status=302, headers={"Location": URL}, request=first)
    )
    final_request = first.replace(url=URL)
    response = HtmlResponse(URL, status=200, body=PAGE, request=final_request)
    capturing.process_response(final_request, response)
    return response, list(final_request.meta[CAPTURES])


def test_the_spider_middleware_yields_captures_first_and_links_records(crawler: Crawler) -> None:
    response, captures = captured_response(crawler)
    record = make_record(url=URL)
    follow = Request("https://news.example.org/next")
    output = spider_output(crawler, response, [record, follow])
    assert output[:2] == captures
    linked, request = output[2:]
    assert isinstance(linked, ArticleRecord)
    assert linked.capture_key == captures[-1].key  # the response it was read from
    assert linked == record  # nothing else changed
    assert request is follow


def test_captures_go_out_once_however_often_the_output_chain_runs(crawler: Crawler) -> None:
    response, captures = captured_response(crawler)
    first = spider_output(crawler, response, [])
    failure = FetchFailure(
        url=URL, reason="Parse error: ValueError", failed_at=captures[0].fetched_at
    )
    recovered = spider_output(crawler, response, [failure])  # CallbackErrorMiddleware's output
    assert first == captures
    assert recovered == [failure]


def test_the_async_output_path_does_the_same(crawler: Crawler) -> None:
    response, captures = captured_response(crawler)
    record = make_record(url=URL)
    middleware = build_from_crawler(CaptureSpiderMiddleware, crawler)

    async def result() -> AsyncIterator[Any]:
        yield record

    async def collect() -> list[Any]:
        return [item async for item in middleware.process_spider_output_async(response, result())]

    output = asyncio.run(collect())
    assert output[:2] == captures
    assert output[2].capture_key == captures[-1].key


@pytest.mark.parametrize(
    "overrides",
    [
        {"ARCHIVE_CAPTURES": False, "ITEM_PIPELINES": {"pipelines.store.ArchivePipeline": 900}},
        {"ITEM_PIPELINES": {}},  # nothing would store them
    ],
)
def test_captures_are_off_when_turned_off_or_nothing_stores_them(overrides: dict[str, Any]) -> None:
    crawler = project_crawler(EXTENSIONS={}, **overrides)
    for middleware in (CaptureDownloaderMiddleware, CaptureSpiderMiddleware):
        with pytest.raises(NotConfigured):
            build_from_crawler(middleware, crawler)
