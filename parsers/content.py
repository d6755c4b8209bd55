"""The article's main text: find the container, walk it into blocks, leave the chrome out."""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Literal

from items import ArticleImage, ListBlock
from parsers.boilerplate import (
    chrome_kind,
    class_words,
    is_chrome_heading,
    is_named_body,
    is_related_heading,
)
from parsers.page import Found, Page, is_inside
from parsers.text import INVISIBLE_TAGS, squash, squash_lines, text_and_links, text_of

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
# Short lines that are chrome wherever they stand: a label before tag links, an ad label
# in front of the ad's text (_CHROME_LABEL), a newsletter prompt (_NEWSLETTER_PROMPT).
_CHROME_LABEL = re.compile(
    r"(?:tags?|schlagw(?:o|ö)rte|stichw(?:o|ö)rter|themen|mehr themen|more topics|topics"
    r"|étiquettes|etiquetas|mots-clés)\s*:?\s*$"
    r"|(?:anzeige|advertisement|werbung|sponsored|publicité|publicidad)\s*[-\u2013\u2014:|]\s*\S",
    re.I,
)
_NEWSLETTER_PROMPT = re.compile(
    r"\b(?:sign(?:ing)? up|subscribe|subscribing|register)\b.{0,60}\bnewsletters?\b"
    r"|\bnewsletter\b.{0,40}\b(?:abonnieren|anmelden|bestellen|abonnez|suscríbete)\b",
    re.I,
)
_CHROME_LINE_LENGTH = 250
_LABELLED_LINKS = re.compile(
    r"^(?:tags?|schlagw(?:o|ö)rte|stichw(?:o|ö)rter|themen|mehr themen|more topics|topics"
    r"|filed under|étiquettes|etiquetas|mots-clés)\s*:",
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

    def add_standfirst(self, text: str) -> None:
        """Put the standfirst printed above the text first in the body, as readers read it,
        unless the text already has it."""
        key = squash(text).casefold()
        if key and all(block_text(block).casefold() != key for block in self.blocks):
            self.blocks.insert(0, Block("p", squash(text)))

    @property
    def teasers(self) -> int:
        """Headings that are links, as a listing's teasers are (an article's are not)."""
        return sum(1 for block in self.blocks if _is_teaser(block))

    @property
    def longest_run(self) -> int:
        """Characters of the longest stretch of text between two teaser headings."""
        longest = run = 0
        for block in self.blocks:
            if _is_teaser(block):
                run = 0
            else:
                run += len(block_text(block))
                longest = max(longest, run)
        return longest

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


def _is_teaser(block: Block) -> bool:
    return block.kind == "h" and block.level > 1 and block.link_chars >= 0.8 * len(block.text)


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
    scores = _TextMap(page)
    found = find_container(page, scores)
    if found is None:
        return Content(container=None, how="none")
    walker = _Walker(page, scores, found.value)
    parts = _body_parts(page, scores, found.value, marked=found.how == "itemprop")
    for part in parts:
        walker.walk_children(part)
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


_PART_LEVELS = 6  # the parts of one body sit within this many levels of each other


def _body_parts(
    page: Page, scores: _TextMap, chosen: HtmlElement, *, marked: bool
) -> list[HtmlElement]:
    """The container and the other parts of one article body, in page order: pages that
    cut the text into sections (between ads, before a paywall, one CMS content element per
    section) give each the container's tag and class (and articleBody, when ``marked``)."""
    class_names = chosen.get("class")
    if not marked and not (class_names and class_names.strip()):
        return [chosen]  # a bare <div> is no name shared by the parts of one text
    region = chosen
    for _ in range(_PART_LEVELS):
        parent = region.getparent()
        if parent is None or parent.tag in {"body", "html"}:
            break
        region = parent
    if region is chosen:
        return [chosen]
    try:
        same_tag = list(region.iter(chosen.tag))
    except ValueError:  # a tag name with control characters (a corrupted page): lxml looks
        return [chosen]  # up no such name, and no other part can share it
    start, end = page.span(chosen)
    others = [
        part
        for part in same_tag
        if (
            part is not chosen
            and part.get("class") == class_names
            and (
                not marked
                or part.get("itemprop") == "articleBody"
                or part.get("property") == "articleBody"
            )
            and scores.text_length(part) >= 100
            and not start <= page.positions[part] <= end
            and not is_inside(chosen, part)
        )
    ]
    if not others:
        return [chosen]
    return sorted([chosen, *others], key=page.positions.__getitem__)


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
    scores = scores or _TextMap(page)
    best = scores.best_node()
    for how, candidates in _semantic_candidates(page):
        chosen = _richest(candidates, scores)
        if chosen is None:
            continue
        if how == "selector" or _agrees(chosen, best, scores):
            if how == "main":
                # <main> wraps the page's content column: teasers, "more from" headings
                # and the like around the article, when the article has no markup of its own.
                return Found(_narrowed(chosen, scores), how)
            return Found(chosen, how)
    if best is not None and scores.text_length(best) >= 80:
        return Found(best, "density")
    return None


def _semantic_candidates(page: Page) -> Iterator[tuple[str, list[HtmlElement]]]:
    yield "selector", page.select(page.selector_for("body"))
    having = page.with_attribute.get
    yield (
        "itemprop",
        list(
            page.in_order(
                [
                    *(e for e in having("itemprop", ()) if e.get("itemprop") in _BODY_ITEMPROPS),
                    *(e for e in having("property", ()) if e.get("property") == "articleBody"),
                ]
            )
        ),
    )
    # A body class or id, or an articleBody property: none of the other elements has either.
    named = [e for e in page.marked if e.tag in _NAMED_BODY_TAGS and is_named_body(e)]
    properties = [
        e for e in having("property", ()) if e.tag in _NAMED_BODY_TAGS and is_named_body(e)
    ]
    yield "class", list(page.in_order(named + properties)) if properties else named
    yield "article", list(page.tagged("article"))
    roles = (e for e in having("role", ()) if e.get("role") == "main")
    yield "main", list(page.in_order([*page.tagged("main"), *roles]))


_BODY_ITEMPROPS = frozenset({"articleBody", "text"})
_NAMED_BODY_TAGS = frozenset({"div", "section", "article", "main", "td"})


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


_NARROW_SLACK = 500  # characters of running text that narrowing may leave out


def _narrowed(element: HtmlElement, scores: _TextMap) -> HtmlElement:
    """The innermost element that still holds nine tenths of the element's text, leaving
    out no more than a few lines of running text (a caption, a teaser's excerpt)."""
    length = scores.text_length(element)
    node = element
    while True:
        inner = next(
            (
                child
                for child in node
                if scores.text_length(child) >= max(0.9 * length, length - _NARROW_SLACK)
            ),
            None,
        )
        if inner is None:
            return node
        node = inner


def _agrees(candidate: HtmlElement, best: HtmlElement | None, scores: _TextMap) -> bool:
    """Markup and text density point at the same place (or markup holds most of the text)."""
    if best is None or is_inside(best, candidate):
        return True
    return scores.text_length(candidate) >= 0.5 * scores.text_length(best)


# Elements read as paragraphs when scoring: <p>, <pre> and headings, and elements that hold
# text directly (no block inside), as the <div>s and <td>s of older CMSs do.
_PARAGRAPH_TAGS = frozenset({"p", "pre", "h2", "h3", "h4", "h5", "h6"})
_PARAGRAPH_UNLESS_BLOCKS = frozenset({"li", "td", "blockquote", "dd", "div"})
_INNER_BLOCKS = frozenset(
    {"p", "div", "table", "ul", "ol", "section", "article", "h2", "h3", "blockquote"}
)


def _paragraphs(
    elements: tuple[HtmlElement, ...],
) -> tuple[list[HtmlElement], list[HtmlElement], set[HtmlElement]]:
    """The elements that may be read as paragraphs (those that are ``_unclosed`` are not),
    the <div>s and <td>s that are not (they hold blocks: only their loose text can be one),
    each in document order, and the elements with an inner block somewhere inside: one pass.
    """
    holders: set[HtmlElement] = set()
    found: list[HtmlElement] = []
    for element in elements:
        tag = element.tag
        if tag in _INNER_BLOCKS:
            parent = element.getparent()
            while parent is not None and parent not in holders:
                holders.add(parent)  # and its ancestors, if not already marked
                parent = parent.getparent()
        if tag in _PARAGRAPH_TAGS or tag in _PARAGRAPH_UNLESS_BLOCKS:
            found.append(element)
    paragraphs = [e for e in found if e.tag in _PARAGRAPH_TAGS or e not in holders]
    wrappers = [e for e in found if e.tag in _LOOSE_TEXT_TAGS and e in holders]
    return paragraphs, wrappers, holders


def _unclosed(element: HtmlElement, holders: set[HtmlElement]) -> bool:
    """The element holds one of its own kind: a <p>, <h3> or <li> left unclosed, which
    lxml nests where a browser closes it. Its text is counted in the innermost one;
    reading it at every level of a chain would cost the chain's length times its text.
    An inner block inside makes a holder, so only holders of those tags are searched
    (small subtrees otherwise: headings, <pre>, list items and cells without blocks)."""
    tag = element.tag
    if not len(element) or (tag in _INNER_BLOCKS and element not in holders):
        return False
    return next(element.iterdescendants(tag), None) is not None


# Characters: a heading this long is a sentence set in a heading's type, read as a paragraph.
_PROSE_HEADING = 60


_LOOSE_TEXT_TAGS = frozenset({"div", "td"})
_XML_SPACE = re.compile(r"[ \t\r\n]+")
_LOOSE_LINE = 20  # characters: a line of loose text longer than this may be a paragraph


def _has_loose_text(element: HtmlElement) -> bool:
    """A <div> or <td> with a line of text of its own, between or around its children."""
    for text in (element.text, *(child.tail for child in element)):
        # XPath's normalize-space(): only XML white space counts; never longer than the text.
        if (
            text
            and len(text) > _LOOSE_LINE
            and len(_XML_SPACE.sub(" ", text).strip(" ")) > _LOOSE_LINE
        ):
            return True
    return False


def _is_script_text(element: HtmlElement) -> bool:
    """The text after a self-closed <script/>: browsers run it as script, lxml makes it text."""
    return (
        element.tag in {"script", "style"}
        and not element.text
        and _looks_like_code(element.tail or "")
    )


def _inside_links(page: Page) -> set[HtmlElement]:
    """Every element inside an <a>: a teaser card's excerpt, however long, is a link. Most
    links hold only their text, so this is far fewer steps than a walk up from each paragraph.
    A link inside a link (lxml nests unclosed ones) is already counted: each node once."""
    inside: set[HtmlElement] = set()
    for link in page.tagged("a"):  # in document order: outer links first
        if len(link) and link not in inside:
            inside.update(link.iterdescendants())
    return inside


_XML_SPACE_CHARS = " \t\r\n"  # white space to squash() and str.split() alike


def _only_a_link(element: HtmlElement) -> bool:
    """The element holds one link and nothing else, maybe through wrappers of one child each
    (<td><font><a>Title</a></font></td>): its text is the link's, so text_and_links() would
    find no unlinked text. Menu and teaser cells like this are a third of the paragraph
    candidates on the generated site's pages; reading them is most of their cost."""
    node = element
    while len(node) == 1:
        text = node.text
        if text and text.strip(_XML_SPACE_CHARS):
            return False
        child = node[0]
        tail = child.tail
        if not isinstance(child.tag, str) or (tail and tail.strip(_XML_SPACE_CHARS)):
            return False
        node = child
    return node is not element and not len(node) and node.tag == "a"


def _looks_like_code(text: str) -> bool:
    """Script text (after a self-closed <script/>) rather than prose."""
    marks = sum(text.count(char) for char in "{}();=\\")
    return marks > 0.03 * len(text)


def _summed_up(weights: Iterable[tuple[HtmlElement, int, bool]]) -> dict[HtmlElement, int]:
    """Each element's total of the weights of the paragraphs inside it (or its own, when the
    text is the element's own): added up per parent first, then once up each ancestor line."""
    by_parent: dict[HtmlElement, int] = {}
    totals: dict[HtmlElement, int] = {}
    for element, weight, own in weights:
        if own:
            totals[element] = totals.get(element, 0) + weight
        parent = element.getparent()
        if parent is not None:
            by_parent[parent] = by_parent.get(parent, 0) + weight
    for parent, weight in by_parent.items():
        node: HtmlElement | None = parent
        while node is not None:
            totals[node] = totals.get(node, 0) + weight
            node = node.getparent()
    return totals


# The page footer and side columns: never the article, unless they wrap most of the page.
_PAGE_CHROME_TAGS = frozenset({"footer", "aside"})


class _TextMap:
    """Paragraph text per element (for choosing containers) and a readability-style score."""

    def __init__(self, page: Page) -> None:
        tree = page.tree
        self.score: dict[HtmlElement, float] = {}
        score = self.score
        # (element, weight, points, whether the text is the element's own)
        paragraphs: list[tuple[HtmlElement, int, float, bool]] = []
        candidates, wrappers, holders = _paragraphs(page.elements)
        linked_elements = _inside_links(page)
        for paragraph in candidates:
            shortest = _PROSE_HEADING if paragraph.tag in HEADING_TAGS else 25
            if not len(paragraph):
                # A leaf, most paragraphs are: its text as text_and_links() reads it.
                leaf_text = paragraph.text
                if leaf_text is None or len(leaf_text) < shortest:
                    continue  # a short leaf ("Home", "About"): squashing only shortens it
                text, linked = squash(leaf_text), 0
            elif _only_a_link(paragraph) or _unclosed(paragraph, holders):
                continue  # a menu or teaser cell (all its text linked), or an unclosed chain
            else:
                text, linked = text_and_links(paragraph)
            if len(text) < shortest:
                continue
            weight = len(text) - linked
            if weight <= 0 or paragraph in linked_elements:
                continue
            points = 1 + text.count(",") + min(len(text) / 100, 3)
            paragraphs.append(
                (paragraph, weight, points if paragraph.tag == "p" else points / 2, False)
            )
        for element in wrappers:
            if not _has_loose_text(element):
                continue
            # Text written straight into a <div> between its child blocks, lines kept apart by
            # <br>: the element itself is the paragraph's parent.
            loose = squash("".join([element.text or "", *(child.tail or "" for child in element)]))
            if len(loose) >= 100 and not _looks_like_code(loose):
                points = 1 + loose.count(",") + min(len(loose) / 100, 3)
                paragraphs.append((element, len(loose), points / 2, True))
        self.raw: dict[HtmlElement, int] = _summed_up(
            (paragraph, weight, own) for paragraph, weight, _, own in paragraphs
        )
        self._total = max(self.raw.get(tree, 0), 1)
        self._chrome: dict[HtmlElement, bool] = {}
        counted: list[tuple[HtmlElement, int, bool]] = []
        for paragraph, weight, points, own in paragraphs:
            if self._in_chrome(paragraph):
                continue
            counted.append((paragraph, weight, own))
            # The points go to the paragraph's parent (the element itself for its own text),
            # and half of them one level up.
            node = paragraph if own else paragraph.getparent()
            if node is not None:
                score[node] = score.get(node, 0.0) + points
                node = node.getparent()
                if node is not None:
                    score[node] = score.get(node, 0.0) + points / 2
        self.length: dict[HtmlElement, int] = _summed_up(counted)

    def _in_chrome(self, element: HtmlElement) -> bool:
        """Inside chrome, unless that "chrome" wraps most of the page's text (a class such as
        "id-Article--layoutAdRight" on the article's own wrapper)."""
        chain: list[HtmlElement] = []
        node: HtmlElement | None = element
        result = False
        known, raw, half = self._chrome, self.raw, 0.5 * self._total
        while node is not None:
            verdict = known.get(node)
            if verdict is not None:
                result = verdict
                break
            chain.append(node)
            if is_named_body(node):
                break  # what the page calls its article text is not chrome, whatever wraps it
            tag = node.tag
            if (
                tag not in {"body", "html"}
                and raw.get(node, 0) < half
                and (tag in _PAGE_CHROME_TAGS or chrome_kind(node) == "strong")
            ):
                result = True
                break
            node = node.getparent()
        for visited in chain:
            known[visited] = result
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
        if kind is None and element.tag not in _BOX_TAGS:
            return False  # most elements: a paragraph, a link, an emphasis
        # Chrome signals on a wrapper of most of the article are layout, not chrome: ASP.NET
        # pages wrap everything in one <form>, themes put "has-sidebar" or "layoutAdRight"
        # on the article's own wrapper.
        share = self.scores.raw_length(element) / self.container_length
        if kind is None:
            # A box that opens with "Related" or "Share this" inside the text: the box goes,
            # not everything up to the next heading as for a section of the text itself.
            return share < 0.3 and _opens_with_chrome_heading(element)
        if element.tag == "noscript":
            # Script-rendered blogs (Blogger) print the article in <noscript> for readers
            # without JavaScript; elsewhere it holds tracking pixels and "enable JS" notes.
            return share < 0.5
        if kind == "strong":
            return element.tag in _ALWAYS_SKIPPED or share < 0.6
        return share < 0.5 and self.scores.text_length(element) < _WEAK_PROSE

    def flush(self) -> None:
        if not self._buffer:  # nothing read since the last block (the usual case)
            self._link_chars = 0
            if self._links:
                self._links = []
            return
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
        if tag in _READ_APART:
            self._read_apart(element, tag)
            return
        # Any other element's text runs into the paragraph; a block tag starts and ends one.
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

    def _read_apart(self, element: HtmlElement, tag: str) -> None:
        """Headings, lists, quotes, preformatted text, images and line breaks."""
        if tag in HEADING_TAGS:
            self.flush()
            text = text_of(element)
            if text:
                linked = sum(len(text_of(a)) for a in element.iter("a"))
                self.blocks.append(Block("h", text, level=int(tag[1]), link_chars=linked))
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
            if self._after_break():
                self.flush()  # <br><br>: a blank line, the end of a paragraph
            else:
                self._buffer.append("\n")
            return
        self.flush()  # <hr>, the last of _READ_APART

    def _after_break(self) -> bool:
        """Nothing but white space since the last line break."""
        for piece in reversed(self._buffer):
            if piece == "\n":
                return True
            if piece.strip():
                return False
        return False

    def walk_children(self, element: HtmlElement) -> None:
        if element.text:
            self._add_text(element.text)
        for child in element:
            if isinstance(child.tag, str) and not self.skip(child):
                self.walk(child)
            if child.tail and not _is_script_text(child):
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
        if not items or linked_items == len(items):
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


# Tags read by a rule of their own; every other element's text runs into the paragraph.
_READ_APART = frozenset({*HEADING_TAGS, "ul", "ol", "blockquote", "pre", "img", "br", "hr"})
_WEAK_PROSE = 500  # characters of running text: more is article text, whatever its class
_BOX_TAGS = frozenset({"div", "section", "aside", "figure", "table"})


def _opens_with_chrome_heading(element: HtmlElement) -> bool:
    """The element's first text is a heading such as "Related" or "Share this article"."""
    for node in element.iter():
        if not isinstance(node.tag, str) or node.tag in INVISIBLE_TAGS:
            continue
        if node.tag in HEADING_TAGS:
            return is_chrome_heading(text_of(node))
        if (node.text and node.text.strip()) or (
            node is not element and node.tail and node.tail.strip()
        ):
            return False
    return False


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
    skip_links_only = False  # a related section ends where running text starts again
    for block in blocks:
        if block.kind == "h":
            if is_chrome_heading(block.text):
                skip_level = block.level
                skip_links_only = is_related_heading(block.text)
                continue
            if skip_level and block.level <= skip_level:
                skip_level = 0
        if skip_level and skip_links_only and _is_prose(block):
            skip_level = 0
        if skip_level:
            continue
        if block.kind == "p":
            if _CHROME_PARAGRAPH.match(block.text) or (
                len(block.text) <= _CHROME_LINE_LENGTH and _is_chrome_line(block.text)
            ):
                continue
            if _LABELLED_LINKS.match(block.text) and block.link_chars >= 0.5 * len(block.text):
                continue  # "Tags: Budget, Council" with the tags as links
            if _READ_MORE.match(block.text) and block.links:
                walker.inline_related.extend(block.links)
                continue
            if block.link_chars >= 0.8 * len(block.text) and len(block.text) < 200 and block.links:
                continue
        kept.append(block)
    # Stray headings at the end (a section title whose section was all chrome) go too.
    while kept and kept[-1].kind == "h" and len(kept[-1].text) < _PROSE_HEADING:
        kept.pop()
    return kept


def _is_chrome_line(text: str) -> bool:
    """A tag or ad label, or a newsletter prompt. The prompt's regex, searched at every
    position, costs some 30 µs a paragraph: it runs only where "newsletter" occurs
    (casefold() folds what re.I matches, such as the long s U+017F, into those letters)."""
    return bool(_CHROME_LABEL.match(text)) or (
        "newsletter" in text.casefold() and _NEWSLETTER_PROMPT.search(text) is not None
    )


def _is_prose(block: Block) -> bool:
    return block.kind == "p" and len(block.text) >= 150 and block.link_chars < 0.3 * len(block.text)


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
