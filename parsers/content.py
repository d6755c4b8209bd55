"""The article's main text: find the container, walk it into blocks, leave the chrome out."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Literal

from lxml import etree

from items import ArticleImage, ListBlock
from parsers.boilerplate import chrome_kind, class_words, is_chrome_heading
from parsers.page import Found, Page, is_inside
from parsers.text import INVISIBLE_TAGS, squash, squash_lines, text_of

if TYPE_CHECKING:
    from lxml.html import HtmlElement

BlockKind = Literal["p", "h", "list", "quote", "pre"]

HEADING_TAGS = frozenset({"h1", "h2", "h3", "h4", "h5", "h6"})
# Tags that start a new block of text when read.
BLOCK_TAGS = frozenset(
    {
        "p",
        "div",
        "section",
        "article",
        "main",
        "header",
        "footer",
        "aside",
        "nav",
        "ul",
        "ol",
        "li",
        "dl",
        "dt",
        "dd",
        "blockquote",
        "pre",
        "table",
        "thead",
        "tbody",
        "tfoot",
        "tr",
        "td",
        "th",
        "figure",
        "form",
        "hr",
        "center",
        "details",
        "summary",
        "address",
        "fieldset",
        "caption",
        "body",
        "html",
        *HEADING_TAGS,
    }
)
# Class names of the element holding an article's text, on common CMS themes.
_BODY_CLASS = re.compile(
    r"(?:^|[-_])(?:entry|post|article|story|blog|news|single|text|field-name-body|"
    r"field--name-body|c-article|article_|body)[-_]{0,2}(?:content|body|text|copy)$|"
    r"^(?:articlebody|articletext|storybody|bodytext|richtext|rich-text|entry|post-entry)$",
    re.I,
)
_ALWAYS_SKIPPED = frozenset(
    {
        "script",
        "style",
        "noscript",
        "template",
        "svg",
        "math",
        "button",
        "select",
        "textarea",
        "input",
        "iframe",
        "figcaption",
        "label",
    }
)
_BULLET = re.compile(r"^\s*(?:[•·▪◦‣●■□➢►]|[-\u2013—*](?=\s))\s*")
# Whole paragraphs a reader sees as chrome: share prompts, ad labels, "read more" links.
_CHROME_PARAGRAPH = re.compile(
    r"^(?:advertisement|advert|anzeige|publicité|publicidad|sponsored"
    r"|share( this)?( article| story)?|print|email|tweet|read more|continue reading|weiterlesen"
    r"|click here to .*|follow us on .*|sign up (?:for|to) .*newsletter.*|all rights reserved.*|©.*"
    r"|copyright .*)\W*$",
    re.I,
)
_BYLINE = re.compile(
    r"^(?:by|von|par|por|door)\s+\w[\w.'\u2019-]*(?:\s+\w[\w.'\u2019-]*){0,6}$", re.I
)
_READ_MORE = re.compile(
    r"^(?:read more|related|see also|also read|read also|more|watch|listen"
    r"|lesen sie auch|mehr dazu|weiterlesen|à lire aussi|lee también)\s*:",
    re.I,
)


@dataclass(slots=True)
class Block:
    """One block of article text as a reader sees it."""

    kind: BlockKind
    text: str = ""
    items: tuple[str, ...] = ()
    ordered: bool = False
    level: int = 0  # headings: 1-6
    link_chars: int = 0
    links: tuple[HtmlElement, ...] = ()


@dataclass(slots=True)
class Content:
    """What the walk of the main container found."""

    container: HtmlElement | None
    how: str
    blocks: list[Block] = field(default_factory=list)
    images: list[ArticleImage] = field(default_factory=list)
    inline_related: list[HtmlElement] = field(default_factory=list)
    byline: str | None = None  # a "By ..." line printed at the top of the text

    def drop_title(self, title: str) -> None:
        """Remove the headline when the container repeats it at the top."""
        key = squash(title).casefold()
        for index, block in enumerate(self.blocks[:3]):
            if block.kind == "h" and block.text.casefold() == key:
                del self.blocks[index]
                return

    @property
    def body(self) -> str:
        return "\n\n".join(block_text(block) for block in self.blocks)

    @property
    def lists(self) -> tuple[ListBlock, ...]:
        found: list[ListBlock] = []
        for index, block in enumerate(self.blocks):
            if block.kind == "list":
                previous = self.blocks[index - 1] if index else None
                found.append(
                    ListBlock(
                        heading=_list_heading(previous), ordered=block.ordered, items=block.items
                    )
                )
        return tuple(found)


def block_text(block: Block) -> str:
    return "\n".join(block.items) if block.kind == "list" else block.text


def _list_heading(previous: Block | None) -> str | None:
    """The line introducing a list: a heading, or a sentence ending with a colon."""
    if previous is None:
        return None
    if previous.kind == "h":
        return previous.text
    if previous.kind == "p" and previous.text.rstrip().endswith(":") and len(previous.text) <= 300:
        return previous.text.rsplit("\n", 1)[-1]
    return None


def extract_content(page: Page) -> Content:
    """The article's text blocks and images; an empty Content when no container is found."""
    scores = _TextMap(page.tree)
    found = find_container(page, scores)
    if found is None:
        return Content(container=None, how="none")
    walker = _Walker(page, scores, found.value)
    walker.walk_children(found.value)
    walker.flush()
    blocks = _drop_chrome_blocks(_merge_pseudo_lists(walker.blocks), walker)
    byline = _take_byline(blocks)
    return Content(
        container=found.value,
        how=found.how,
        blocks=blocks,
        images=walker.images,
        inline_related=walker.inline_related,
        byline=byline,
    )


def _take_byline(blocks: list[Block]) -> str | None:
    """Remove a "By Name" line (with a job title under it) printed above the first paragraph."""
    for index, block in enumerate(blocks[:3]):
        first_line = block.text.split("\n", 1)[0]
        if block.kind == "p" and len(block.text) <= 120 and _BYLINE.match(first_line):
            del blocks[index]
            return first_line
    return None


def find_container(page: Page, scores: _TextMap | None = None) -> Found[HtmlElement] | None:
    """The element holding the article text: profile selector, article markup, then text density."""
    scores = scores or _TextMap(page.tree)
    best = scores.best_node()
    for how, candidates in _semantic_candidates(page):
        chosen = _richest(candidates, scores)
        if chosen is None:
            continue
        if how == "selector" or _agrees(chosen, best, scores):
            return Found(chosen, how)
    if best is not None and scores.text_length(best) >= 80:
        return Found(best, "density")
    return None


def _semantic_candidates(page: Page) -> Iterator[tuple[str, list[HtmlElement]]]:
    yield "selector", page.select(page.selector_for("body"))
    yield (
        "itemprop",
        page.tree.xpath(
            "//*[@itemprop='articleBody' or @property='articleBody' or @itemprop='text']"
        ),
    )
    yield (
        "class",
        [
            e
            for e in page.tree.iter("div", "section", "article", "main", "td")
            if any(_BODY_CLASS.match(token) for token in (e.get("class") or "").split())
            or _BODY_CLASS.match(e.get("id") or "")
        ],
    )
    yield "article", list(page.tree.iter("article"))
    yield "main", page.tree.xpath("//main | //*[@role='main']")


def _richest(candidates: list[HtmlElement], scores: _TextMap) -> HtmlElement | None:
    """The candidate with the most text, or a candidate nested in it that holds most of it."""
    ranked = sorted(candidates, key=scores.text_length, reverse=True)
    if not ranked or scores.text_length(ranked[0]) < 80:
        return None
    best = ranked[0]
    for candidate in ranked[1:]:
        if (
            candidate is not best
            and is_inside(candidate, best)
            and scores.text_length(candidate) >= 0.6 * scores.text_length(best)
        ):
            best = candidate
    return best


def _agrees(candidate: HtmlElement, best: HtmlElement | None, scores: _TextMap) -> bool:
    """Markup and text density point at the same place (or markup holds most of the text)."""
    if best is None or is_inside(best, candidate):
        return True
    return scores.text_length(candidate) >= 0.5 * scores.text_length(best)


# Elements read as paragraphs when scoring: <p>, and others that hold text directly, as the
# <div>s and <td>s of older CMSs do.
_NO_BLOCKS = "not(.//p|.//div|.//table|.//ul|.//ol|.//section|.//article|.//h2|.//h3|.//blockquote)"
_PARAGRAPHS = etree.XPath(
    f"//p | //pre | //li[{_NO_BLOCKS}] | //td[{_NO_BLOCKS}] | //blockquote[{_NO_BLOCKS}] | "
    f"//dd[{_NO_BLOCKS}] | //div[{_NO_BLOCKS}]"
)


class _TextMap:
    """Paragraph text per element (for choosing containers) and a readability-style score."""

    def __init__(self, tree: HtmlElement) -> None:
        self.length: dict[HtmlElement, int] = {}
        self.score: dict[HtmlElement, float] = {}
        paragraphs: list[tuple[HtmlElement, int, float]] = []
        for paragraph in _PARAGRAPHS(tree):
            text = text_of(paragraph)
            if len(text) < 25:
                continue
            linked = sum(len(text_of(a)) for a in paragraph.iter("a"))
            weight = len(text) - linked
            if weight <= 0:
                continue
            points = 1 + text.count(",") + min(len(text) / 100, 3)
            paragraphs.append((paragraph, weight, points if paragraph.tag == "p" else points / 2))
        raw: dict[HtmlElement, int] = {}
        for paragraph, weight, _ in paragraphs:
            for node in paragraph.iterancestors():
                raw[node] = raw.get(node, 0) + weight
        self.raw = raw
        self._total = max(raw.get(tree, 0), 1)
        self._chrome: dict[HtmlElement, bool] = {}
        for paragraph, weight, points in paragraphs:
            if self._in_chrome(paragraph):
                continue
            for depth, node in enumerate(paragraph.iterancestors()):
                self.length[node] = self.length.get(node, 0) + weight
                if depth < 2:
                    self.score[node] = self.score.get(node, 0.0) + points / (1 + depth)

    def _in_chrome(self, element: HtmlElement) -> bool:
        """Inside chrome, unless that "chrome" wraps most of the page's text (a class such as
        "id-Article--layoutAdRight" on the article's own wrapper)."""
        chain: list[HtmlElement] = []
        node: HtmlElement | None = element
        result = False
        while node is not None:
            if node in self._chrome:
                result = self._chrome[node]
                break
            chain.append(node)
            if (
                node.tag not in {"body", "html"}
                and chrome_kind(node) == "strong"
                and self.raw.get(node, 0) < 0.5 * self._total
            ):
                result = True
                break
            node = node.getparent()
        for visited in chain:
            self._chrome[visited] = result
        return result

    def text_length(self, element: HtmlElement) -> int:
        return self.length.get(element, 0)

    def raw_length(self, element: HtmlElement) -> int:
        """Paragraph text inside the element, chrome or not."""
        return self.raw.get(element, 0)

    def best_node(self) -> HtmlElement | None:
        if not self.score:
            return None
        return max(self.score, key=lambda node: self.score[node])


class _Walker:
    """Reads a container in document order into blocks, skipping chrome."""

    def __init__(self, page: Page, scores: _TextMap, container: HtmlElement) -> None:
        self.page = page
        self.scores = scores
        self.container_length = max(scores.raw_length(container), 1)
        self.blocks: list[Block] = []
        self.images: list[ArticleImage] = []
        self.inline_related: list[HtmlElement] = []
        self._buffer: list[str] = []
        self._link_chars = 0
        self._links: list[HtmlElement] = []
        self._in_link = 0

    def skip(self, element: HtmlElement) -> bool:
        kind = chrome_kind(element)
        if kind is None:
            return False
        # Chrome signals on a wrapper of most of the article are layout, not chrome: ASP.NET
        # pages wrap everything in one <form>, themes put "has-sidebar" or "layoutAdRight"
        # on the article's own wrapper.
        share = self.scores.raw_length(element) / self.container_length
        if kind == "strong":
            return element.tag in _ALWAYS_SKIPPED or share < 0.6
        return share < 0.5

    def flush(self) -> None:
        text = squash_lines("".join(self._buffer))
        if text:
            self.blocks.append(
                Block("p", text, link_chars=self._link_chars, links=tuple(self._links))
            )
        self._buffer.clear()
        self._link_chars = 0
        self._links = []

    def walk(self, element: HtmlElement) -> None:
        tag = element.tag
        if tag in HEADING_TAGS:
            self.flush()
            text = text_of(element)
            if text:
                self.blocks.append(Block("h", text, level=int(tag[1])))
            return
        if tag in {"ul", "ol"}:
            self.flush()
            self._list(element)
            return
        if tag == "blockquote":
            self.flush()
            self._quote(element)
            return
        if tag == "pre":
            self.flush()
            text = "\n".join(line.rstrip() for line in "".join(element.itertext()).splitlines())
            if text.strip():
                self.blocks.append(Block("pre", text.strip("\n")))
            return
        if tag == "img":
            self._image(element)
            return
        if tag == "br":
            self._buffer.append("\n")
            return
        if tag == "hr":
            self.flush()
            return
        block = tag in BLOCK_TAGS
        if block:
            self.flush()
        is_link = tag == "a"
        if is_link:
            self._in_link += 1
            self._links.append(element)
        self.walk_children(element)
        if is_link:
            self._in_link -= 1
        if block:
            self.flush()

    def walk_children(self, element: HtmlElement) -> None:
        if element.text:
            self._add_text(element.text)
        for child in element:
            if isinstance(child.tag, str) and not self.skip(child):
                self.walk(child)
            if child.tail:
                self._add_text(child.tail)

    def _add_text(self, text: str) -> None:
        # Line breaks in the source are spaces to a reader; only <br> breaks a line.
        self._buffer.append(text.replace("\n", " ").replace("\r", " "))
        if self._in_link:
            self._link_chars += len(text.strip())

    def _list(self, element: HtmlElement) -> None:
        items: list[str] = []
        linked_items = 0
        for item in self._list_items(element):
            text = squash(_visible_text(item, self))
            if text:
                items.append(text)
                anchors = [a for a in item.iter("a") if text_of(a)]
                if anchors and sum(len(text_of(a)) for a in anchors) >= 0.8 * len(text):
                    linked_items += 1
        for image in element.iter("img"):
            self._image(image)
        if not items or (len(items) >= 2 and linked_items == len(items)):
            return  # a list of links only is navigation or a related block
        self.blocks.append(Block("list", items=tuple(items), ordered=element.tag == "ol"))

    def _list_items(self, element: HtmlElement) -> Iterator[HtmlElement]:
        for item in element:
            if item.tag != "li" or self.skip(item):
                continue
            yield item
            for nested in item:
                if nested.tag in {"ul", "ol"} and not self.skip(nested):
                    yield from self._list_items(nested)

    def _quote(self, element: HtmlElement) -> None:
        inner = _Walker(self.page, self.scores, element)
        inner.container_length = self.container_length
        inner.walk_children(element)
        inner.flush()
        self.images.extend(inner.images)
        text = "\n".join(block_text(b) for b in inner.blocks)
        if text:
            self.blocks.append(Block("quote", text))

    def _image(self, element: HtmlElement) -> None:
        image = _article_image(self.page, element)
        if image is not None and all(image.url != seen.url for seen in self.images):
            self.images.append(image)


def _visible_text(item: HtmlElement, walker: _Walker) -> str:
    """A list item's own text: nested lists and chrome left out."""
    pieces: list[str] = []

    def visit(node: HtmlElement) -> None:
        if node.text:
            pieces.append(node.text)
        for child in node:
            if (
                isinstance(child.tag, str)
                and child.tag not in INVISIBLE_TAGS
                and child.tag not in {"ul", "ol"}
                and not walker.skip(child)
            ):
                if child.tag == "br":
                    pieces.append(" ")
                visit(child)
            if child.tail:
                pieces.append(child.tail)

    visit(item)
    return "".join(pieces)


def _merge_pseudo_lists(blocks: list[Block]) -> list[Block]:
    """Lines written as "• item" (in one paragraph or in several) become one list block."""
    merged: list[Block] = []
    pending: list[tuple[str, str]] = []  # (item without its marker, line as written)

    def close() -> None:
        if len(pending) >= 2:
            merged.append(Block("list", items=tuple(item for item, _ in pending)))
        elif pending:
            merged.append(Block("p", pending[0][1]))
        pending.clear()

    for block in blocks:
        lines = block.text.split("\n") if block.kind == "p" else []
        if not any(_BULLET.match(line) for line in lines):
            close()
            merged.append(block)
            continue
        paragraph: list[str] = []
        for line in lines:
            if _BULLET.match(line):
                if paragraph:
                    close()
                    merged.append(Block("p", "\n".join(paragraph)))
                    paragraph = []
                item = _BULLET.sub("", line)
                if item:
                    pending.append((item, line))
            else:
                close()
                paragraph.append(line)
        if paragraph:
            merged.append(Block("p", "\n".join(paragraph)))
    close()
    return merged


def _drop_chrome_blocks(blocks: list[Block], walker: _Walker) -> list[Block]:
    """Drop chrome sections (by heading), link-only paragraphs and "Advertisement" lines."""
    kept: list[Block] = []
    skip_level = 0
    for block in blocks:
        if block.kind == "h":
            if is_chrome_heading(block.text):
                skip_level = block.level
                continue
            if skip_level and block.level <= skip_level:
                skip_level = 0
        if skip_level:
            continue
        if block.kind == "p":
            if _CHROME_PARAGRAPH.match(block.text):
                continue
            if _READ_MORE.match(block.text) and block.links:
                walker.inline_related.extend(block.links)
                continue
            if block.link_chars >= 0.8 * len(block.text) and len(block.text) < 200 and block.links:
                continue
        kept.append(block)
    # Stray headings at the end (a section title whose section was all chrome) go too.
    while kept and kept[-1].kind == "h":
        kept.pop()
    return kept


_NOT_CONTENT_IMAGE = re.compile(
    r"avatar|gravatar|logo|icon|sprite|pixel|spacer|blank\.gif|tracking|badge|emoji|wp-smiley|"
    r"/ads?/|doubleclick|feeds\.feedburner|share|button",
    re.I,
)


def _article_image(page: Page, element: HtmlElement) -> ArticleImage | None:
    src = None
    for attribute in ("data-src", "data-lazy-src", "data-original", "data-url", "src"):
        value = element.get(attribute)
        if value and not value.startswith("data:"):
            src = value
            break
    if src is None:
        srcset = element.get("data-srcset") or element.get("srcset")
        src = srcset.split(",")[0].split()[0] if srcset and srcset.strip() else None
    url = page.absolute(src)
    if url is None:
        return None
    if _NOT_CONTENT_IMAGE.search(url) or _NOT_CONTENT_IMAGE.search(element.get("class") or ""):
        return None
    for size in (element.get("width"), element.get("height")):
        if size and size.strip().rstrip("px").isdigit() and int(size.strip().rstrip("px")) <= 50:
            return None
    return ArticleImage(url=url, caption=_caption(element))


def _caption(image: HtmlElement) -> str | None:
    node = image.getparent()
    for _ in range(4):
        if node is None:
            return None
        if node.tag == "figure" or "caption" in class_words(node):
            caption = node.find(".//figcaption")
            if caption is None:
                found = [
                    e
                    for e in node.iter()
                    if isinstance(e.tag, str) and _is_caption_text(class_words(e))
                ]
                caption = found[0] if found else None
            text = text_of(caption) if caption is not None else ""
            return text or None
        node = node.getparent()
    return None


def _is_caption_text(words: frozenset[str]) -> bool:
    return {"caption", "text"} <= words or "figcaption" in words
