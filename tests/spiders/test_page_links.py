"""links_of_page reads a page as the parser does: right on old undeclared windows-1252
pages, and without Scrapy's charset guessing."""

from __future__ import annotations

from scrapy.http import HtmlResponse

from parsers.links import base_url_of
from spiders.links import links_of_page, page_tree_of

URL = "http://news.example/archive/2009/story.htm"
LEGACY = (
    "<HTML><HEAD><TITLE>Caf\u00e9 opens \u2013 \u00a35 a cup</TITLE>"
    '<BASE HREF="http://news.example/archive/"></HEAD><BODY>'
    '<A HREF="2009/caf\u00e9-opens.htm">Caf\u00e9</A> \u2022 <A HREF="/\u00a5en">Yen</A>'
    '<A HREF="#top">Top</A><A HREF="2009/caf\u00e9-opens.htm">again</A></BODY></HTML>'
).encode("cp1252")


def response(body: bytes, content_type: str = "text/html") -> HtmlResponse:
    return HtmlResponse(URL, body=body, headers={"Content-Type": content_type})


def test_an_undeclared_legacy_page_reads_as_windows_1252() -> None:
    declared = links_of_page(response(LEGACY, "text/html; charset=windows-1252"))
    assert (
        links_of_page(response(LEGACY))
        == declared
        == [
            "http://news.example/archive/2009/caf\u00e9-opens.htm",
            "http://news.example/\u00a5en",
        ]
    )


def test_the_page_is_not_decoded_by_scrapy() -> None:
    page = response(LEGACY)
    tree = page_tree_of(page)
    assert tree is not None
    assert base_url_of(tree, URL) == "http://news.example/archive/"
    assert tree.findtext(".//title") == "Caf\u00e9 opens \u2013 \u00a35 a cup"
    assert page._cached_ubody is None  # response.text, with its charset guessing, never ran


def test_a_declared_page_reads_as_its_charset_says() -> None:
    page = '<html><head><meta charset="koi8-r"></head><body><a href="/\u0436">\u0436</a></body>'
    assert links_of_page(response(page.encode("koi8-r"))) == ["http://news.example/\u0436"]
