"""HeadOnlyMetaRefreshMiddleware redirects exactly where Scrapy's own would, and leaves pages
with no refresh tag undecoded."""

from __future__ import annotations

import pytest
from scrapy import Request
from scrapy.downloadermiddlewares.redirect import MetaRefreshMiddleware
from scrapy.http import HtmlResponse, Response
from scrapy.utils.test import get_crawler

from spiders.middlewares import HeadOnlyMetaRefreshMiddleware, may_hold_meta_refresh

URL = "http://news.example/2014/10/28/story/"
REFRESH = '<meta http-equiv="refresh" content="0; url=/moved/">'
E_ACUTE = "\u00e9"  # two bytes in UTF-8


def page(head: str, *, body: str = "<p>Text</p>", encoding: str = "utf-8") -> bytes:
    return f"<html><head>{head}</head><body>{body}</body></html>".encode(encoding)


PAGES = {
    "refresh, utf-8": page(f'<meta charset="utf-8">{REFRESH}'),
    "REFRESH in capitals": page(REFRESH.replace("refresh", "REFRESH")),
    "refresh, windows-1252, no charset": page(
        f"<title>Caf\u00e9 \u2013 \u00a3</title>{REFRESH}", encoding="cp1252"
    ),
    "refresh, UTF-16 with BOM": b"\xff\xfe" + page(REFRESH, encoding="utf-16-le"),
    "refresh after 3 KB of multi-byte title": page(f"<title>{E_ACUTE * 1500}</title>{REFRESH}"),
    "refresh too late to count": page(f"<title>{'x' * 5000}</title>{REFRESH}"),
    "refresh in a script only": page(f"<script>document.write('{REFRESH}')</script>"),
    "no refresh": page('<meta charset="utf-8"><title>Story</title>'),
    "no refresh, windows-1252": page("<title>Caf\u00e9</title>", encoding="cp1252"),
    "the word refresh in the text": page("<title>Refresh</title>", body="<p>refresh</p>"),
}


def outcome(result: Request | Response) -> str:
    return f"redirect to {result.url}" if isinstance(result, Request) else "no redirect"


@pytest.mark.parametrize("name", PAGES)
def test_redirects_exactly_where_scrapys_middleware_does(name: str) -> None:
    crawler = get_crawler()
    ours = HeadOnlyMetaRefreshMiddleware.from_crawler(crawler)
    scrapys = MetaRefreshMiddleware.from_crawler(crawler)
    request = Request(URL)
    theirs = scrapys.process_response(request, HtmlResponse(URL, body=PAGES[name], request=request))
    mine = ours.process_response(request, HtmlResponse(URL, body=PAGES[name], request=request))
    assert outcome(mine) == outcome(theirs)


def test_the_pages_with_a_refresh_tag_do_redirect() -> None:
    crawler = get_crawler()
    ours = HeadOnlyMetaRefreshMiddleware.from_crawler(crawler)
    request = Request(URL)
    redirected = [
        name
        for name, body in PAGES.items()
        if isinstance(ours.process_response(request, HtmlResponse(URL, body=body)), Request)
    ]
    assert redirected == [
        "refresh, utf-8",
        "REFRESH in capitals",
        "refresh, windows-1252, no charset",
        "refresh, UTF-16 with BOM",
        "refresh after 3 KB of multi-byte title",
        "refresh in a script only",  # Scrapy's METAREFRESH_IGNORE_TAGS is empty by default
    ]


def test_a_page_without_a_refresh_tag_is_not_decoded() -> None:
    ours = HeadOnlyMetaRefreshMiddleware.from_crawler(get_crawler())
    response = HtmlResponse(URL, body=PAGES["no refresh, windows-1252"])
    assert ours.process_response(Request(URL), response) is response
    assert response._cached_ubody is None  # Scrapy's cache of response.text, never filled


def test_only_ascii_refresh_bytes_or_nul_bytes_call_for_the_full_test() -> None:
    assert may_hold_meta_refresh(page(REFRESH))
    assert may_hold_meta_refresh("<p>x</p>".encode("utf-16-le"))
    assert not may_hold_meta_refresh(page("<title>News</title>"))
    assert not may_hold_meta_refresh(b" " * 16384 + b"refresh")
