"""Text of elements and strings: whitespace collapsed, what a reader never sees left out."""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from lxml.html import HtmlElement

# Elements whose text a reader never sees.
INVISIBLE_TAGS = frozenset({"script", "style", "noscript", "template", "svg", "math", "head"})
_SPACE = re.compile(r"[ \t\r\n\f\v\u00a0\u1680\u2000-\u200a\u202f\u205f\u3000]+")


def squash(text: str | None) -> str:
    """Runs of whitespace (no-break spaces included) as one space, trimmed."""
    if not text:
        return ""
    if len(text) >= _PARAGRAPH_LENGTH:
        return _squash_paragraph(text)
    return _squash(text)


def _squash(text: str) -> str:
    # White space to str.split() that _SPACE leaves inside a line (separators, NEL): where
    # none occurs, split-and-join gives the same text three times faster than the regex. A
    # substring test a character finds them ten times faster than a regex's class would.
    if not (
        "\x1c" in text
        or "\x1d" in text
        or "\x1e" in text
        or "\x1f" in text
        or "\x85" in text
        or "\u2028" in text
        or "\u2029" in text
    ):
        return " ".join(text.split())
    return _SPACE.sub(" ", text).strip()


# Characters: text this long is a paragraph (or a heading, a teaser), squashed once when the
# parser scores containers and again when it reads the chosen one into blocks. The cache
# holds a page's paragraphs between the two (hashing a text costs a tenth of squashing it).
_PARAGRAPH_LENGTH = 60
_squash_paragraph = lru_cache(maxsize=1024)(_squash)


def squash_lines(text: str) -> str:
    """Whitespace squashed inside each line; empty lines dropped."""
    if "\n" not in text:  # one line, most paragraphs are
        return squash(text)
    return "\n".join(line for line in (squash(part) for part in text.split("\n")) if line)


def text_of(element: HtmlElement | None) -> str:
    """What a reader sees of the element, on one line."""
    if element is None:
        return ""
    if not len(element):  # no children: most links, list items and short paragraphs
        tag = element.tag
        if not isinstance(tag, str) or tag in INVISIBLE_TAGS or tag == "br":
            return ""
        return squash(element.text)
    pieces: list[str] = []
    add_pieces(element, pieces)
    return squash("".join(pieces))


def text_and_links(element: HtmlElement) -> tuple[str, int]:
    """text_of(element), and the characters of text_of() of each link inside it, added up."""
    if not len(element):
        return text_of(element), len(text_of(element)) if element.tag == "a" else 0
    pieces: list[str] = []
    links: list[int] = []
    add_pieces(element, pieces, links)
    return squash("".join(pieces)), sum(links)


def add_pieces(element: HtmlElement, pieces: list[str], links: list[int] | None = None) -> None:
    """Append the pieces of text a reader sees in the element (and the visible text length of
    each link in it to ``links``, when given)."""
    tag = element.tag
    if not isinstance(tag, str) or tag in INVISIBLE_TAGS:
        if links is not None and isinstance(tag, str):
            links.extend(len(text_of(link)) for link in element.iter("a"))
        return
    start = len(pieces)
    if tag == "br":
        pieces.append(" ")
    elif element.text:
        pieces.append(element.text)
    for child in element:
        if len(child):
            add_pieces(child, pieces, links)
        else:  # a leaf, most children are: the same as the call, without its cost
            child_tag = child.tag
            if isinstance(child_tag, str) and child_tag not in INVISIBLE_TAGS:
                if child_tag == "br":
                    pieces.append(" ")
                else:
                    text = child.text
                    if text:
                        pieces.append(text)
                    if child_tag in BLOCKISH_TAGS:
                        pieces.append(" ")
                    elif links is not None and child_tag == "a":
                        links.append(len(squash(text)))
        if child.tail:
            pieces.append(child.tail)
    if tag in BLOCKISH_TAGS:
        pieces.append(" ")
    elif links is not None and tag == "a":
        links.append(len(squash("".join(pieces[start:]))))


# Tags after which a reader sees a line break, so words on either side must not run together.
BLOCKISH_TAGS = frozenset(
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
        "h1",
        "h2",
        "h3",
        "h4",
        "h5",
        "h6",
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
        "figcaption",
        "form",
        "hr",
        "center",
        "details",
        "summary",
        "address",
        "fieldset",
        "caption",
        "option",
        "label",
    }
)


def letters_of(text: str) -> str:
    """Only the letters and digits, case-folded and without accents: for comparing names."""
    folded = unicodedata.normalize("NFKD", text.casefold())
    return _NOT_ALNUM.sub("", folded)


# What str.isalnum() refuses: re's \w is isalnum() and "_" (a regex, not a loop per character).
_NOT_ALNUM = re.compile(r"[\W_]+")


def last_lines(element: HtmlElement, count: int) -> list[str]:
    """The element's last ``count`` printed lines (text pieces split at line breaks and tags),
    squashed, in reading order: a letter's "Ann Smith" / "10 September 2017" signature.
    """
    pieces: list[str] = []
    for node in element.iter():
        # A comment's or a script's own text is not printed; the text after it is.
        printed = isinstance(node.tag, str) and node.tag not in INVISIBLE_TAGS
        if printed and node.text and not node.text.isspace():
            pieces.append(node.text)
        if node is not element and node.tail and not node.tail.isspace():
            pieces.append(node.tail)
    lines: list[str] = []
    for piece in reversed(pieces):
        for line in reversed(piece.splitlines()):
            if line.strip():
                lines.insert(0, squash(line))
                if len(lines) == count:
                    return lines
    return lines
