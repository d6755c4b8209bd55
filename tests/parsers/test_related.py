"""Related-article blocks: headings, class names, several blocks, teasers and comment counts."""

from __future__ import annotations

from items import RelatedLink
from tests.parsers.pages import PARAGRAPHS, build_page, parse


def test_blocks_under_several_headings_are_collected_in_page_order() -> None:
    after = (
        '<section><h2>More on this story</h2><ul>'
        '<li><a href="/news/budget-vote-delayed/">Budget vote delayed</a></li>'
        '<li><a href="https://news.example.com/news/tax-freeze/">Tax freeze agreed</a></li>'
        "</ul></section>"
        '<section><h2>You may also like</h2>'
        '<div><a href="/news/library-hours/">Library hours extended</a>'
        "<p>Libraries will open until 8pm on weekdays from January.</p></div>"
        '<div><a href="/news/budget-vote-delayed/">Budget vote delayed (again)</a></div>'
        "</section>"
    )
    record = parse(build_page(after=after))
    assert record.related == (
        RelatedLink(url="https://news.example.com/news/budget-vote-delayed/",
                    title="Budget vote delayed"),
        RelatedLink(url="https://news.example.com/news/tax-freeze/", title="Tax freeze agreed"),
        RelatedLink(url="https://news.example.com/news/library-hours/",
                    title="Library hours extended",
                    teaser="Libraries will open until 8pm on weekdays from January."),
    )
    assert record.provenance["related"] == "heading"
    assert "Budget vote delayed" not in record.body


def test_related_block_found_by_class_with_comment_counts() -> None:
    after = (
        '<div class="related-posts"><div class="item">'
        '<h4><a href="/news/roads/" rel="bookmark">Roads plan</a></h4>'
        '<a href="/news/roads/#comments" class="comments-link">12</a>'
        '<p class="excerpt">The roads plan was published today.</p></div>'
        '<div class="item"><h4><a href="/news/bins/">Bin collections</a></h4>'
        '<span class="comment-count">0</span></div></div>'
    )
    record = parse(build_page(after=after))
    assert record.related == (
        RelatedLink(url="https://news.example.com/news/roads/", title="Roads plan",
                    teaser="The roads plan was published today.", comments=12),
        RelatedLink(url="https://news.example.com/news/bins/", title="Bin collections",
                    comments=0),
    )
    assert record.provenance["related"] == "class"


def test_inline_read_more_paragraph_is_a_related_link_not_body() -> None:
    body = PARAGRAPHS + '<p>Read more: <a href="/news/roads/">Roads plan unveiled</a></p>'
    record = parse(build_page(body=body))
    assert record.related == (
        RelatedLink(url="https://news.example.com/news/roads/", title="Roads plan unveiled"),)
    assert "Read more" not in record.body


def test_links_to_other_sites_tags_and_the_page_itself_are_not_related() -> None:
    after = (
        '<div class="related"><h3>Related</h3>'
        '<a href="https://ads.elsewhere.net/promo">Sponsored story</a>'
        '<a href="/tag/budget/">budget</a>'
        '<a href="/2014/11/04/council-budget-approved/">This very story</a>'
        '<a href="/news/kept/">Kept story</a></div>'
    )
    record = parse(build_page(after=after))
    assert [link.url for link in record.related] == ["https://news.example.com/news/kept/"]


def test_no_related_block_gives_an_empty_tuple() -> None:
    record = parse(build_page())
    assert record.related == ()
    assert "related" not in record.provenance
