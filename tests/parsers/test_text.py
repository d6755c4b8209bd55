"""Element text, class-name words and the page's element index: the helpers every extractor uses."""

from __future__ import annotations

import lxml.html
import pytest

from parsers.boilerplate import class_words, has_class_word, words_of
from parsers.page import Page, parse_tree
from parsers.text import squash, text_and_links, text_of


def element(html: str) -> lxml.html.HtmlElement:
    return lxml.html.fragment_fromstring(html)


@pytest.mark.parametrize(
    ("raw", "squashed"),
    [
        ("  a \t b\n\nc  ", "a b c"),
        ("no\u00a0break\u2009thin\u3000wide", "no break thin wide"),
        ("line\u2028separator kept inside", "line\u2028separator kept inside"),
        ("\u2028 trimmed at the ends \x1c", "trimmed at the ends"),
        ("unit\x1fseparator", "unit\x1fseparator"),
        # Paragraph-length text takes a cached path: the same answers.
        (" a paragraph\n" * 8, "a paragraph " * 7 + "a paragraph"),
        ("a long\u2028line " * 8, ("a long\u2028line " * 8).strip()),
        ("", ""),
        (None, ""),
    ],
)
def test_squash_collapses_spaces_but_not_separators(raw: str | None, squashed: str) -> None:
    assert squash(raw) == squashed


def test_text_of_reads_as_a_reader_sees() -> None:
    html = (
        "<div>One<br>two <b>bold</b> <p>block</p>after <script>var x = 1;</script>"
        "<span>end</span></div>"
    )
    assert text_of(element(html)) == "One two bold block after end"
    assert text_of(element("<p>leaf  text </p>")) == "leaf text"
    assert text_of(element("<script>code()</script>")) == ""
    assert text_of(None) == ""


@pytest.mark.parametrize(
    "html",
    [
        "<p>Read <a href='/a'>the  report</a> and <a href='/b'><b>its</b> annex</a>.</p>",
        "<p>No links at all, just text.</p>",
        "<li><a href='/a'>Home</a></li>",
        "<a href='/a'>a link <i>itself</i></a>",
        "<p>Hidden <noscript><a href='/n'>enable JavaScript</a></noscript> link</p>",
        "<div>x<a href='/1'>one</a><br><a href='/2'> </a><p><a href='/3'>three</a></p></div>",
    ],
)
def test_text_and_links_agrees_with_text_of_each_link(html: str) -> None:
    node = element(html)
    text, linked = text_and_links(node)
    assert text == text_of(node)
    assert linked == sum(len(text_of(anchor)) for anchor in node.iter("a"))


def test_class_words_split_names_and_skip_taxonomy() -> None:
    assert words_of("entry-content relatedPosts", "main_col") == {
        "entry", "content", "related", "posts", "main", "col"
    }
    assert words_of("category-comment tag-social-media post", None) == {"post"}
    assert words_of("elementor-widget-text-editor", None) == {"elementor", "text", "editor"}
    assert words_of("Sidebar.Widget:wide", None) == {"sidebar", "widget", "wide"}
    assert words_of(None, None) == frozenset()
    assert class_words(element('<div class="share-bar" id="TopNav">x</div>')) == {
        "share", "bar", "top", "nav"
    }


def test_has_class_word_matches_words_and_whole_names_only() -> None:
    related = frozenset({"related", "more-stories"})
    assert has_class_word(element('<div class="jp-relatedPosts">x</div>'), related)
    assert has_class_word(element('<div id="more-stories">x</div>'), related)
    # "unrelated" holds the letters of "related" but not the word
    assert not has_class_word(element('<div class="unrelated-box">x</div>'), related)
    assert not has_class_word(element("<div>x</div>"), related)


def test_page_elements_are_in_document_order_with_positions() -> None:
    tree = parse_tree(
        "<html><head><base href='/news/'><title>t</title></head>"
        "<body><div><p>a</p></div><p>b</p></body></html>"
    )
    assert tree is not None
    page = Page(tree, "https://example.com/x/y")
    assert [node.tag for node in page.elements] == [
        "html", "head", "base", "title", "body", "div", "p", "p"
    ]
    assert all(page.positions[node] == index for index, node in enumerate(page.elements))
    assert page.base_url == "https://example.com/news/"
    assert page.absolute("story.html") == "https://example.com/news/story.html"


def test_parse_tree_reads_utf8_bytes_and_text_alike() -> None:
    html = "<html><body><p>Caf\u00e9 \u2013 \u00a32</p></body></html>"
    from_bytes = parse_tree(html.encode("utf-8"))
    from_text = parse_tree(html)
    assert from_bytes is not None and from_text is not None
    assert text_of(from_bytes) == text_of(from_text) == "Caf\u00e9 \u2013 \u00a32"
