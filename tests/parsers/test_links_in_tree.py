"""parsers.links: a page's links and feeds, read from the parser's own tree."""

from __future__ import annotations

from lxml.html import HtmlElement

from parsers.links import base_url_of, page_feeds, page_links
from parsers.page import parse_tree

G = "https://www.gazette.example"
URL = f"{G}/section/"


def tree(html: str) -> HtmlElement:
    root = parse_tree(html)
    assert root is not None
    return root


def test_links_are_absolute_unique_in_order_without_fragment_only_links() -> None:
    page = tree(
        '<html><head><link rel="next" href="/section/page/2/"></head><body>'
        '<a href="/2024/05/01/first-story/">1</a>'
        '<a href=" second-story-slug-here/ ">2</a>'
        '<a href="#top">top</a><a href="">empty</a><a>no href</a>'
        '<a href="https://other.example/x">off</a><a href="http://[oops/x">bad</a>'
        '<map><area href="/map-area-link/"></map>'
        '<a href="/2024/05/01/first-story/">again</a></body></html>'
    )
    assert page_links(page, URL) == [
        f"{G}/section/page/2/",
        f"{G}/2024/05/01/first-story/",
        f"{G}/section/second-story-slug-here/",
        "https://other.example/x",
        f"{G}/map-area-link/",
    ]


def test_links_resolve_against_the_first_base_href() -> None:
    page = tree(
        '<html><head><base href="https://cdn.gazette.example/base/"><base href="/other/">'
        '</head><body><a href="story-slug-one-two/">x</a></body></html>'
    )
    assert base_url_of(page, URL) == "https://cdn.gazette.example/base/"
    assert page_links(page, URL) == ["https://cdn.gazette.example/base/story-slug-one-two/"]


def test_a_relative_or_empty_base_href_joins_the_page_url() -> None:
    assert base_url_of(tree('<head><base href="../archive/"></head>'), URL) == f"{G}/archive/"
    assert base_url_of(tree('<head><base href=" "></head><p>x</p>'), URL) == URL
    assert base_url_of(tree('<head><base href="//[::1/"></head><p>x</p>'), URL) == URL


def test_feeds_skip_comment_feeds_and_other_types() -> None:
    page = tree(
        "<html><head>"
        '<link rel="alternate" type="application/rss+xml" title="Gazette" href="/feed/">'
        '<link rel="alternate" type="application/atom+xml; charset=utf-8" href="/feed/atom/">'
        '<link rel="alternate" type="application/rss+xml" title="Gazette » Comments Feed"'
        ' href="/comments/feed/">'
        '<link rel="alternate" type="application/rss+xml" title="Story"'
        ' href="/x/comments/feed/">'
        '<link rel="alternate" type="application/json+oembed" href="/oembed">'
        '<link rel="alternate" hreflang="de" type="text/html" href="/de/">'
        '<link rel="stylesheet" type="text/css" href="/style.css">'
        '<link rel="Alternate" type="application/rss+xml" href="/feed/">'
        "</head></html>"
    )
    assert page_feeds(page, URL) == [f"{G}/feed/", f"{G}/feed/atom/"]
