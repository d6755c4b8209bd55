"""Text of elements and strings: whitespace collapsed, what a reader never sees left out."""

from __future__ import annotations

import re
import unicodedata
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from lxml.html import HtmlElement

# Elements whose text a reader never sees.
INVISIBLE_TAGS = frozenset({"script", "style", "noscript", "template", "svg", "math", "head"})
_SPACE = re.compile(r"[ \t\r\n\f\v\u00a0\u1680\u2000-\u200a\u202f\u205f\u3000]+")


def squash(text: str | None) -> str:
    """Runs of whitespace (no-break spaces included) as one space, trimmed."""
    return _SPACE.sub(" ", text).strip() if text else ""


def squash_lines(text: str) -> str:
    """Whitespace squashed inside each line; empty lines dropped."""
    return "\n".join(line for line in (squash(part) for part in text.split("\n")) if line)


def text_of(element: HtmlElement | None) -> str:
    """What a reader sees of the element, on one line."""
    if element is None:
        return ""
    return squash("".join(_pieces(element)))


def _pieces(element: HtmlElement) -> list[str]:
    pieces: list[str] = []

    def visit(node: HtmlElement) -> None:
        if not isinstance(node.tag, str) or node.tag in INVISIBLE_TAGS:
            return
        if node.tag == "br":
            pieces.append(" ")
        elif node.text:
            pieces.append(node.text)
        for child in node:
            visit(child)
            if child.tail:
                pieces.append(child.tail)
        if node.tag in BLOCKISH_TAGS:
            pieces.append(" ")

    visit(element)
    return pieces


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
    return "".join(char for char in folded if char.isalnum())
