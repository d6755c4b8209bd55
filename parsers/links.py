"""Where a page leads: its links and the feeds it announces, read from the parser's tree.

A crawl reads an article candidate's links from the same tree the parser builds for the
article (``parsers.parse_article_and_links``), so each page is decoded and parsed once.
The tree is never changed by extraction, so reading it before or after gives the same.
"""

from __future__ import annotations

from typing import TYPE_CHECKING
from urllib.parse import urlsplit

from parsers.page import join_url

if TYPE_CHECKING:
    from lxml.html import HtmlElement

# <a> and <area> links, and <link rel="next"/"prev"> (paginated listings announce these).
_LINK_XPATH = (
    "//a/@href | //area/@href"
    " | //link[contains(concat(' ', normalize-space(@rel), ' '), ' next ')"
    " or contains(concat(' ', normalize-space(@rel), ' '), ' prev ')]/@href"
)
_FEED_TYPES = frozenset({"application/rss+xml", "application/atom+xml", "application/rdf+xml"})


def base_url_of(tree: HtmlElement, url: str) -> str:
    """The URL the page's relative links resolve against: its first <base href>, if any,
    joined with the page URL (as browsers do)."""
    for href in tree.xpath("//base/@href"):
        if (href := str(href).strip()) and (base := join_url(url, href)):
            return base
    return url


def page_links(tree: HtmlElement, url: str) -> list[str]:
    """Absolute URLs of a page's links (<a>, <area>, <link rel=next/prev>), in page order.

    Each href once; fragment-only and empty hrefs are left out, and so are hrefs no URL
    can be made of ("http://[oops": urljoin refuses them). XPath on the tree itself, not
    through parsel: its per-result Selector objects cost ~3x as much on a page of 120 links.
    """
    base_url = base_url_of(tree, url)
    urls = []
    for href in dict.fromkeys(str(href).strip() for href in tree.xpath(_LINK_XPATH)):
        if href and not href.startswith("#") and (absolute := join_url(base_url, href)):
            urls.append(absolute)
    return urls


def page_feeds(tree: HtmlElement, url: str) -> list[str]:
    """Absolute URLs of the RSS/Atom feeds a page announces with <link rel=alternate>.

    Comment feeds are left out: their items are comments, not articles.
    """
    base_url = base_url_of(tree, url)
    feeds: list[str] = []
    for link in tree.xpath("//link[@href][@type]"):
        rel = (link.get("rel") or "").lower().split()
        kind = (link.get("type") or "").lower().split(";")[0].strip()
        title = (link.get("title") or "").lower()
        href = (link.get("href") or "").strip()
        if "alternate" not in rel or kind not in _FEED_TYPES or not href:
            continue
        feed = join_url(base_url, href)
        if feed is None or "comment" in title or "/comments/" in urlsplit(feed).path:
            continue
        if feed not in feeds:
            feeds.append(feed)
    return feeds
