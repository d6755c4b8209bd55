"""Wrappers that hold the article are never "elsewhere"; last-resort dates and names
(signatures, date lines, author cards, script data); one-post site roots; the page index."""

from __future__ import annotations

from datetime import date, datetime

import lxml.html

from parsers import parse_article
from parsers.boilerplate import is_elsewhere
from parsers.page import Page, parse_tree
from parsers.text import last_lines
from tests.parsers.pages import PARAGRAPHS, build_page, parse

# No date in the path: the URL must not date these pages.
PLAIN_URL = "https://news.example.com/news/council-budget-approved"
LONG_BIO = (
    "Ann covers local government, planning and transport for the paper and has reported "
    "on the county council since 2009, after ten years at regional radio stations."
)


def _page(body: str) -> str:
    return (
        '<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>Budget</title>'
        f"</head><body>{body}</body></html>"
    )


# --- wrappers of the article -------------------------------------------------------------


def test_sidebar_named_layout_wrapper_holding_the_headline_is_not_elsewhere() -> None:
    html = _page(
        '<section class="page__with-sidebar"><article><h1>Council budget approved</h1>'
        '<div class="post-meta">Posted on November 4, 2014 by Ann Smith</div>'
        f'<div class="entry-content">{PARAGRAPHS}</div></article></section>'
    )
    record = parse(html, url=PLAIN_URL)
    assert record.authors == ("Ann Smith",)
    assert record.published == date(2014, 11, 4)


def test_a_real_sidebar_without_the_headline_stays_elsewhere() -> None:
    tree = lxml.html.fromstring(
        _page(
            '<main><h1>Council budget approved</h1></main>'
            '<div class="sidebar"><p class="date">3 May 2013</p></div>'
        )
    )
    (date_line,) = tree.xpath("//p[@class='date']")
    (headline,) = tree.xpath("//h1")
    assert is_elsewhere(date_line)
    assert not is_elsewhere(headline)


def test_bem_element_of_an_opinion_header_is_read_by_its_own_part() -> None:
    html = _page(
        '<div class="PageArticle_commentHeader"><article class="ArticleHeaderComment">'
        "<h1>Was sich nach dem Urteil ändert</h1>"
        '<div class="PublishDate ArticleHeaderComment_publishDate">29. Januar 2019</div>'
        "</article></div>"
        f'<div class="PageArticle_body">{PARAGRAPHS}</div>'
    ).replace('lang="en"', 'lang="de"')
    assert parse(html, url=PLAIN_URL, fetched_at=None).published == date(2019, 1, 29)


def test_bem_element_of_a_comments_block_stays_elsewhere() -> None:
    tree = lxml.html.fromstring(
        _page(
            '<h1>Council budget approved</h1><div class="comments">'
            '<span class="comments__date">4 May 2013</span></div>'
        )
    )
    (stamp,) = tree.xpath("//span")
    assert is_elsewhere(stamp)


# --- one-post site roots ---------------------------------------------------------------------


def test_site_root_showing_one_post_is_an_article() -> None:
    html = _page(
        '<main><article class="main-article"><h1>Time to say goodbye</h1>'
        f"{PARAGRAPHS}{PARAGRAPHS}</article></main>"
    )
    record = parse_article(html, "https://blog.example.org/")
    assert record is not None
    assert record.title == "Time to say goodbye"


def test_site_root_listing_two_posts_is_not_an_article() -> None:
    html = _page(
        "<main>"
        f"<article><h1>First post</h1>{PARAGRAPHS}</article>"
        f"<article><h1>Second post</h1>{PARAGRAPHS}</article>"
        "</main>"
    )
    assert parse_article(html, "https://blog.example.org/") is None


# --- signed endings ----------------------------------------------------------------------


def test_signed_ending_dates_and_names_an_undated_post() -> None:
    body = f"{PARAGRAPHS}<p>Benni<br>\n10. September 2017</p>"
    record = parse(build_page(body=body, lang="de"), url=PLAIN_URL, fetched_at=None)
    assert record.published == date(2017, 9, 10)
    assert record.authors == ("Benni",)
    assert record.provenance["published"] == "signature"


def test_last_updated_label_above_the_last_line_is_no_signature() -> None:
    body = f"{PARAGRAPHS}<p>Last updated:</p><p>13 July 2020</p>"
    record = parse(build_page(body=body), url=PLAIN_URL, fetched_at=None)
    assert record.published is None
    assert record.authors == ()


def test_a_closing_sentence_with_a_year_is_no_signature() -> None:
    body = f"{PARAGRAPHS}<p>The plan runs until 2030 and will be reviewed every year.</p>"
    assert parse(build_page(body=body), url=PLAIN_URL, fetched_at=None).published is None


def test_last_lines_reads_text_after_comments_and_scripts() -> None:
    element = lxml.html.fromstring(
        "<div><p>First</p><p>Ann<br>\n<!-- sig -->3 May 2013<script>var x = 1;</script></p></div>"
    )
    assert last_lines(element, 2) == ["Ann", "3 May 2013"]
    assert last_lines(element, 5) == ["First", "Ann", "3 May 2013"]


# --- date lines and author cards -----------------------------------------------------------


def test_name_in_the_date_line_above_the_headline() -> None:
    html = _page(
        '<div class="contentBlock"><small>04.02.2022 | 13:10 Uhr | Uta Helkenberg</small>'
        f"<h1>Stellungnahme zum Pilotjahr</h1>{PARAGRAPHS}</div>"
    ).replace('lang="en"', 'lang="de"')
    record = parse(html, url=PLAIN_URL, fetched_at=None)
    assert record.authors == ("Uta Helkenberg",)
    assert record.published is not None


def test_date_line_with_a_section_label_of_one_word_names_nobody() -> None:
    html = _page(
        f"<div><small>04.02.2022 | Politik</small><h1>Stellungnahme</h1>{PARAGRAPHS}</div>"
    )
    assert parse(html, url=PLAIN_URL).authors == ()


def test_author_card_gives_its_heading_not_its_bio() -> None:
    header = (
        '<div class="author-info"><h3><a href="https://social.example.com/in/annsmith">'
        'Ann Smith</a><a class="author-info__follow">Follow</a></h3>'
        f"<p>{LONG_BIO}</p></div>"
    )
    assert parse(build_page(header=header)).authors == ("Ann Smith",)


# --- script data -----------------------------------------------------------------------------


def test_publication_date_in_an_apps_embedded_state() -> None:
    head = (
        '<script type="application/json" data-state="dates">'
        '{"publishedDate":"2016-11-04T20:37:27Z","updatedDate":"2016-11-05T09:00:00Z"}'
        "</script>"
    )
    record = parse(build_page(head=head), url=PLAIN_URL, fetched_at=None)
    assert isinstance(record.published, datetime)
    assert record.published.date() == date(2016, 11, 4)
    assert record.provenance["published"] == "script-data"


def test_script_data_never_wins_over_a_printed_byline_date() -> None:
    head = '<script>window.s = {"publishedDate": "2016-11-04"};</script>'
    header = '<p class="byline">By Ann Smith, 3 May 2013</p>'
    record = parse(build_page(head=head, header=header), url=PLAIN_URL, fetched_at=None)
    assert record.published == date(2013, 5, 3)


# --- the page index -----------------------------------------------------------------------


def test_split_by_scope_keeps_document_order_and_leaves_the_scope_out() -> None:
    tree = parse_tree(
        "<html><body><p class='a'>1</p><div class='scope'><p class='b'>2</p>"
        "<p class='c'>3</p></div><p class='d'>4</p></body></html>"
    )
    assert tree is not None
    page = Page(tree, PLAIN_URL)
    (scope,) = tree.xpath("//div")
    inside, outside = page.split_by_scope(page.marked, scope)
    assert [e.get("class") for e in inside] == ["b", "c"]
    assert [e.get("class") for e in outside] == ["a", "scope", "d"]
    assert [e.get("class") for e in page.scope_first(page.marked, None)] == [
        "a",
        "scope",
        "b",
        "c",
        "d",
    ]
