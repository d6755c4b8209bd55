"""Related-article blocks ("Similar Articles", "More on this story"): links, teasers, comments."""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import TYPE_CHECKING
from urllib.parse import urldefrag

from items import RelatedLink
from parsers.boilerplate import class_words, is_related_heading, names_have_word
from parsers.page import Found, Page, is_inside, split_url
from parsers.text import squash, text_of

if TYPE_CHECKING:
    from lxml.html import HtmlElement

_HEADING_TAGS = ("h1", "h2", "h3", "h4", "h5", "h6")
# Elements that may hold a related block, or its heading.
_BLOCK_TAGS = frozenset({"div", "section", "aside", "ul", "ol", "nav", "footer"})
# Elements other than headings that a class may make the heading of a related block.
_TITLE_LIKE_TAGS = frozenset({"div", "span", "p", "strong", "header"})
_BLOCK_WORDS = frozenset(
    {"related", "similar", "recommended", "recommendations", "relatedposts", "yarpp"}
)
_BLOCK_TOKENS = frozenset(
    {
        "more-stories",
        "more-articles",
        "read-next",
        "also-read",
        "more-on-this-story",
        "jp-relatedposts",
        "crp_related",
    }
)
# Class words, or whole class names, of a related block.
_BLOCK_NAMES = _BLOCK_WORDS | _BLOCK_TOKENS
_TITLE_WORDS = frozenset({"title", "headline", "heading", "name"})
_TEASER_WORDS = frozenset(
    {
        "excerpt",
        "teaser",
        "summary",
        "desc",
        "description",
        "standfirst",
        "intro",
        "text",
        "snippet",
        "lede",
        "abstract",
    }
)
_COMMENT_FRAGMENT = re.compile(r"^(?:comments?|respond|disqus_thread|comment-\d+)$", re.I)
_NOT_ARTICLE_PATH = re.compile(
    r"/(?:tag|tags|category|categories|author|authors|topic|topics|page|search|feed|wp-login"
    r"\.php|login|subscribe|about|contact|privacy)(?:/|$)|[?&](?:s|replytocom|share)=",
    re.I,
)
_NOT_TITLES = re.compile(
    r"^(?:read more|more|continue reading|weiterlesen|click here|\d+|"
    r"\d+ comments?|comments?|video|photos?|gallery)\W*$",
    re.I,
)
_TWO_PART_SUFFIXES = {"co", "com", "org", "net", "ac", "gov", "ltd", "plc", "me", "nhs"}


@dataclass(frozen=True, slots=True)
class _Block:
    elements: tuple[HtmlElement, ...]
    how: str


def extract_related(
    page: Page,
    *,
    inline: list[HtmlElement] | None = None,
) -> Found[tuple[RelatedLink, ...]] | None:
    """Links from every related-article block on the page, in page order, one per URL.

    ``inline`` are the links of "Read more: ..." paragraphs found inside the article text.
    """
    blocks = list(_blocks(page))
    if inline:
        blocks.append(_Block(tuple(inline), "inline"))
    own = {page.url.split("#")[0].rstrip("/")}
    for link in page.tagged("link"):
        if "canonical" in (link.get("rel") or "").lower().split():
            own.add((page.absolute(link.get("href")) or "").split("#")[0].rstrip("/"))
    found: list[tuple[int, RelatedLink, str]] = []
    seen: set[str] = set()
    for block in blocks:
        for anchor_url, item in _items(page, block.elements):
            key = anchor_url.rstrip("/")
            if key in seen or key in own:
                continue
            seen.add(key)
            found.append((page.positions.get(item.anchor, 0), item.link, block.how))
    if not found:
        return None
    found.sort(key=lambda entry: entry[0])
    how = "+".join(sorted({entry[2] for entry in found}))
    return Found(tuple(entry[1] for entry in found), how)


def _blocks(page: Page) -> Iterator[_Block]:
    selected = page.select(page.selector_for("related"))
    if selected:
        yield _Block(tuple(selected), "selector")
    # Blocks and titles named by their class, in one pass over every element with a class or
    # an id (page.marked, in page order): each element's names are read once.
    named: list[HtmlElement] = []
    titled: list[HtmlElement] = []
    for element in page.marked:
        tag = element.tag
        block, title = tag in _BLOCK_TAGS, tag in _TITLE_LIKE_TAGS
        if not (block or title):
            continue
        class_names, element_id = element.get("class"), element.get("id")
        if not class_names and not element_id:
            continue
        if (
            block
            and names_have_word(class_names, element_id, _BLOCK_NAMES)
            and not any(is_inside(element, outer) for outer in named)
        ):
            named.append(element)
        if title and names_have_word(class_names, element_id, _TITLE_WORDS):
            titled.append(element)
    if named:
        yield _Block(tuple(named), "class")
    for heading in _related_headings(page, titled):
        elements = _after_heading(heading)
        if elements:
            yield _Block(elements, "heading")


def _related_headings(page: Page, titled: list[HtmlElement]) -> Iterator[HtmlElement]:
    """Headings, and the elements whose class calls them a title (``titled``, in page order),
    that name a related block."""
    headings: Sequence[HtmlElement] = list(page.tree.iter(*_HEADING_TAGS))
    if titled:
        headings = page.in_order([*headings, *titled])  # an <h2 class="title"> read once
    for element in headings:
        # Most headings have no child element: nothing below them to search.
        if len(element) and (
            (
                element.tag in _TITLE_LIKE_TAGS
                and (
                    element.find(".//a") is not None
                    or any(child.tag in _HEADING_TAGS for child in element)
                )
            )
            # A heading holding a heading was left unclosed (lxml nests what browsers
            # close): the inner one is read, not each level of the chain, all of its text
            # every time.
            or next(element.iterdescendants(*_HEADING_TAGS), None) is not None
        ):
            continue
        text = text_of(element)
        if text and is_related_heading(text):
            yield element


def _after_heading(heading: HtmlElement) -> tuple[HtmlElement, ...]:
    """The elements after a heading up to the next heading: the block it names."""
    node: HtmlElement | None = heading
    for _ in range(4):
        if node is None:
            return ()
        following: list[HtmlElement] = []
        for sibling in node.itersiblings():
            if not isinstance(sibling.tag, str):
                continue
            if sibling.tag in _HEADING_TAGS or (
                sibling.tag in {"header", "div"}
                and len(sibling) == 1
                and sibling[0].tag in _HEADING_TAGS
                and sibling.find(".//a") is None
            ):
                break
            following.append(sibling)
        if any(
            sibling.find(".//a[@href]") is not None or sibling.tag == "a" for sibling in following
        ):
            return tuple(following)
        node = node.getparent()
    return ()


@dataclass(frozen=True, slots=True)
class _Item:
    anchor: HtmlElement
    link: RelatedLink


def _items(page: Page, elements: tuple[HtmlElement, ...]) -> Iterator[tuple[str, _Item]]:
    anchors: dict[str, list[HtmlElement]] = {}
    url_of: dict[HtmlElement, str] = {}
    for element in elements:
        for anchor in element.iter("a"):
            url = _article_url(page, anchor.get("href"))
            if url is not None:
                anchors.setdefault(url, []).append(anchor)
                url_of[anchor] = url
    for url, group in anchors.items():
        titled = _title_anchor(group)
        if titled is None:
            continue
        title_anchor, title = titled
        item = _item_element(title_anchor, url, url_of, elements)
        link = RelatedLink(
            url=url, title=title, teaser=_teaser(item, title), comments=_comment_count(group, item)
        )
        yield url, _Item(title_anchor, link)


def _article_url(page: Page, href: str | None) -> str | None:
    url = page.absolute(href)
    return None if url is None else _article_url_of(url, page.host)


@lru_cache(maxsize=4096)
def _article_url_of(url: str, page_host: str) -> str | None:
    """The absolute URL without its fragment, when it may be an article of the page's site:
    a site's pages repeat the same menu, teaser and share links."""
    url, _fragment = urldefrag(url)
    parts = split_url(url)
    if (
        parts is None
        or not _same_site(parts.hostname or "", page_host)
        or _NOT_ARTICLE_PATH.search(url[len(parts.scheme) + 3 + len(parts.netloc) :])
    ):
        return None
    if parts.path in {"", "/"} and not parts.query:
        return None
    return url


def _same_site(host: str, page_host: str) -> bool:
    return bool(host) and _site_key(host.lower()) == _site_key(page_host)


def _site_key(host: str) -> str:
    labels = host.split(".")
    two_part = len(labels) >= 3 and labels[-2] in _TWO_PART_SUFFIXES and len(labels[-1]) == 2
    keep = 3 if two_part else 2
    return ".".join(labels[-keep:])


def _title_anchor(group: list[HtmlElement]) -> tuple[HtmlElement, str] | None:
    """The link that gives the item its title, and that title."""
    usable = [
        (anchor, title)
        for anchor in group
        if (title := _anchor_title(anchor)) and not _is_comment_link(anchor)
    ]
    if not usable:
        return None
    for anchor, title in usable:
        if (
            anchor.get("rel") == "bookmark"
            or _in_heading(anchor)
            or class_words(anchor) & _TITLE_WORDS
        ):
            return anchor, title
    return max(usable, key=lambda found: len(found[1]))


def _anchor_title(anchor: HtmlElement) -> str | None:
    text = text_of(anchor)
    if not text:
        image = anchor.find(".//img")
        text = squash((image.get("alt") if image is not None else None) or anchor.get("title"))
    return text if text and not _NOT_TITLES.match(text) else None


def _in_heading(anchor: HtmlElement) -> bool:
    node = anchor.getparent()
    for _ in range(3):
        if node is None:
            return False
        if node.tag in _HEADING_TAGS:
            return True
        node = node.getparent()
    return False


def _is_comment_link(anchor: HtmlElement) -> bool:
    return _is_comment_href(anchor.get("href") or "") or bool(
        class_words(anchor) & {"comment", "comments"}
    )


@lru_cache(maxsize=4096)
def _is_comment_href(href: str) -> bool:
    return bool(_COMMENT_FRAGMENT.match(urldefrag(href)[1]))


def _item_element(
    anchor: HtmlElement, url: str, url_of: dict[HtmlElement, str], block: tuple[HtmlElement, ...]
) -> HtmlElement:
    """The largest ancestor of the title link, inside the block, that holds no other link."""
    node = anchor
    for _ in range(6):
        if any(node is element for element in block):
            break
        parent = node.getparent()
        if parent is None or parent.tag in {"body", "html"}:
            break
        if any(url_of.get(a, url) != url for a in parent.iter("a")):
            break
        node = parent
    return node


def _teaser(item: HtmlElement, title: str) -> str | None:
    candidates = [
        e
        for e in item.iter("p", "div", "span")
        if class_words(e) & _TEASER_WORDS and _holds_no_link(e)
    ]
    candidates += [e for e in item.iter("p") if _holds_no_link(e)]
    for element in candidates:
        text = text_of(element)
        if len(text) >= 15 and text != title and not _NOT_TITLES.match(text):
            return text
    return None


def _holds_no_link(element: HtmlElement) -> bool:
    return not len(element) or element.find(".//a") is None


def _comment_count(group: list[HtmlElement], item: HtmlElement) -> int | None:
    candidates = [a for a in group if _is_comment_link(a)]
    candidates += [
        e
        for e in item.iter("span", "a", "div", "small")
        if class_words(e) & {"comment", "comments", "comment-count", "count"}
    ]
    for element in candidates:
        match = re.fullmatch(r"\(?(\d{1,6})\)?(?:\s+comments?)?", text_of(element), re.I)
        if match:
            return int(match[1])
    return None
