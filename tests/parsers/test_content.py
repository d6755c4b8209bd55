"""Body text: blocks, lists and pseudo-lists, boilerplate left out, images, container choice."""

from __future__ import annotations

from items import ArticleImage, ListBlock
from tests.parsers.pages import PARAGRAPHS, build_page, parse


def test_paragraphs_are_separated_by_blank_lines() -> None:
    record = parse(build_page())
    paragraphs = record.body.split("\n\n")
    assert len(paragraphs) == 4
    assert paragraphs[0].startswith("The county council approved its budget")
    assert "Council budget approved" not in record.body  # the headline is not body text


def test_bullet_lines_in_one_paragraph_become_a_list() -> None:
    body = PARAGRAPHS + ("<p>The budget includes:<br>• £2m for road repairs<br>"
                         "• longer library hours<br>• a council tax freeze</p>")
    record = parse(build_page(body=body))
    assert record.lists == (ListBlock(heading="The budget includes:", ordered=False,
                                      items=("£2m for road repairs", "longer library hours",
                                             "a council tax freeze")),)
    assert record.body.endswith(
        "The budget includes:\n\n£2m for road repairs\nlonger library hours\na council tax freeze")


def test_bullet_paragraphs_in_a_row_become_a_list() -> None:
    body = PARAGRAPHS + "<p>• first point</p><p>- second point</p><p>* third point</p>" \
        "<p>Afterwards the meeting closed.</p>"
    record = parse(build_page(body=body))
    assert record.lists[0].items == ("first point", "second point", "third point")
    assert record.lists[0].heading is None
    assert "first point\nsecond point\nthird point\n\nAfterwards" in record.body


def test_a_single_dash_line_is_not_a_list() -> None:
    body = PARAGRAPHS + "<p>- 5 degrees was the coldest night.</p>"
    record = parse(build_page(body=body))
    assert record.lists == ()
    assert record.body.endswith("- 5 degrees was the coldest night.")


def test_html_lists_with_introducing_heading_and_ordered_flag() -> None:
    body = PARAGRAPHS + "<h2>What happens next</h2><ol><li>Consultation</li><li>Vote</li></ol>"
    record = parse(build_page(body=body))
    assert record.lists == (ListBlock(heading="What happens next", ordered=True,
                                      items=("Consultation", "Vote")),)
    assert record.body.endswith("What happens next\n\nConsultation\nVote")


def test_blockquotes_and_headings_are_blocks() -> None:
    body = PARAGRAPHS + "<h3>Reaction</h3><blockquote><p>It is a good budget.</p></blockquote>"
    assert parse(build_page(body=body)).body.endswith("Reaction\n\nIt is a good budget.")


def test_boilerplate_inside_the_content_is_left_out() -> None:
    body = (
        '<div class="share-buttons"><a href="https://twitter.com/share">Tweet</a> Share this</div>'
        + PARAGRAPHS
        + '<div class="advertisement">Advertisement</div>'
        + '<div class="newsletter-signup"><p>Sign up for our daily newsletter with all the news '
          "from the county.</p></div>"
        + '<figure><img src="/img/chamber.jpg"><figcaption>The council chamber</figcaption>'
          "</figure>"
        + '<blockquote class="twitter-tweet"><p>Great news for the county tonight</p></blockquote>'
        + '<div class="author-box"><h4>About the author</h4><p>Ann covers local politics for '
          "the paper and has done so for a decade.</p></div>"
        + '<script>var tracking = "Councillors voted";</script>'
    )
    record = parse(build_page(body=body))
    for text in ("Tweet", "Share this", "Advertisement", "Sign up", "council chamber",
                 "Great news", "About the author", "tracking"):
        assert text not in record.body, text
    assert record.body.startswith("The county council approved")


def test_chrome_section_headed_inside_content_is_dropped() -> None:
    body = PARAGRAPHS + ('<h3>Share this article</h3><p>Copy the link to send this story to a '
                         "friend or colleague today.</p>")
    record = parse(build_page(body=body))
    assert "Copy the link" not in record.body
    assert "Share this article" not in record.body


def test_images_with_captions_lazy_sources_and_no_icons() -> None:
    body = (
        '<figure class="wp-caption aligncenter"><img data-src="/img/chamber.jpg" '
        'src="data:image/gif;base64,R0lGOD">'
        "<figcaption>The council chamber</figcaption></figure>" + PARAGRAPHS
        + '<img src="https://cdn.example.com/pixel.gif" width="1" height="1">'
        '<img src="/wp-content/avatar.png" class="avatar">'
        '<p><img src="https://cdn.example.com/img/roads.jpg" alt="Roads"> Road repairs.</p>'
    )
    record = parse(build_page(body=body))
    assert record.images == (
        ArticleImage(url="https://news.example.com/img/chamber.jpg",
                     caption="The council chamber"),
        ArticleImage(url="https://cdn.example.com/img/roads.jpg", caption=None),
    )


def test_text_density_finds_a_body_without_semantic_markup() -> None:
    html = (
        "<html><head><title>Budget approved</title></head><body>"
        '<div id="top"><a href="/">Home</a> | <a href="/news">News</a> | <a href="/sport">Sport'
        "</a></div><table><tr><td class='left'><a href='/a'>Archive</a><br><a href='/b'>About</a>"
        "</td><td>" + PARAGRAPHS.replace("<p>", "<font>").replace("</p>", "</font><br><br>")
        + "</td></tr></table><div>Copyright 2014</div></body></html>"
    )
    record = parse(html, url="https://news.example.com/2014/11/04/budget.html")
    assert record.body.startswith("The county council approved its budget")
    assert "Archive" not in record.body and "Copyright" not in record.body
    assert record.provenance["body"] == "density"


def test_whitespace_and_no_break_spaces_are_normalised() -> None:
    body = PARAGRAPHS + "<p>  Roads&nbsp;and\n   libraries   first. </p>"
    assert parse(build_page(body=body)).body.endswith("\n\nRoads and libraries first.")
