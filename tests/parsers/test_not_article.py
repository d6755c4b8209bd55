"""Pages that are not one article: listings, home and about pages, galleries, messy input."""

from __future__ import annotations

from dataclasses import replace

from parsers import parse_article
from tests.parsers.pages import GB, PARAGRAPHS, URL, build_page


def teaser(n: int) -> str:
    return (f'<article class="post"><h2><a href="/news/story-{n}/">Story number {n} in the '
            f'county</a></h2><time datetime="2014-11-0{n % 9 + 1}">Nov</time>'
            f"<p>A short excerpt of story {n}, about what the council decided this week "
            "and what happens next.</p></article>")


def listing(url_path: str) -> str:
    return (
        '<html lang="en"><head><title>News | Example News</title>'
        '<meta property="og:type" content="website"></head><body>'
        '<nav class="menu"><a href="/">Home</a></nav><main><h1>News</h1>'
        + "".join(teaser(n) for n in range(1, 11))
        + '<div class="pagination"><a href="/news/page/2/">Next</a></div></main></body></html>'
    )


def test_home_page_with_many_teasers_is_not_an_article() -> None:
    assert parse_article(listing("/"), "https://news.example.com/") is None


def test_section_listing_is_not_an_article() -> None:
    assert parse_article(listing("/news/"), "https://news.example.com/news/") is None


def test_tag_page_is_not_an_article() -> None:
    assert parse_article(listing("/tag/budget/"), "https://news.example.com/tag/budget/") is None


def test_about_page_is_not_an_article() -> None:
    html = build_page(title="About us", body="<p>Example News has covered the county since "
                      "1881, with reporters in every town and a newsroom in the city.</p>" * 5)
    assert parse_article(html, "https://news.example.com/about/") is None


def test_gallery_without_text_is_not_an_article() -> None:
    body = "".join(f'<figure><img src="/img/{n}.jpg"><figcaption>Photo {n}</figcaption></figure>'
                   for n in range(12))
    assert parse_article(build_page(body=body), URL) is None


def test_profile_article_patterns_decide_when_they_match_or_not() -> None:
    profile = replace(GB, article_patterns=(r"/\d{4}/\d\d/\d\d/",))
    assert parse_article(build_page(), "https://news.example.com/news/x/", profile=profile) is None
    assert parse_article(build_page(), URL, profile=profile) is not None


def test_messy_html_never_raises() -> None:
    messy = [
        "<html><body><p>Unclosed <b>bold <i>italic <div>block in inline</p></b>",
        "<" * 500,
        "<html>" + "<div>" * 3000 + "deep text" + "</div>" * 10,
        '<?xml version="1.0" encoding="utf-8"?><html><body><p>xhtml</p></body></html>',
        "<html><head><script type='application/ld+json'>{{{</script></head></html>",
        "<html><body><time datetime='not a date'>x</time><h1></h1></body></html>",
        "<table><tr><td>" * 200,
    ]
    for html in messy:
        parse_article(html, URL)
        parse_article(html.encode("utf-16"), URL)


def more_stories(n: int) -> str:
    return "".join(f'<h3><a href="/news/other-{k}/">Another story number {k}</a></h3>'
                   for k in range(n))


def test_short_paywalled_article_with_related_teasers_is_an_article() -> None:
    body = ("<p>A senior official has said in a sworn statement that anyone determined to "
            "escape could do so.</p>"
            f'<div class="td-related-posts">{more_stories(8)}</div>')
    head = '<meta property="og:type" content="article">'
    record = parse_article(build_page(head=head, body=body), URL)
    assert record is not None
    assert record.body.startswith("A senior official")


def test_article_followed_by_unmarked_teaser_headings_is_an_article() -> None:
    body = PARAGRAPHS * 2 + more_stories(6)
    assert parse_article(build_page(body=body), URL) is not None


def test_page_of_lists_is_an_article() -> None:
    items = "".join(f"<li>step {n}: the follower turns under the leader's right arm</li>"
                    for n in range(12))
    body = f"<h2>Enchufla</h2><ul>{items}</ul><h2>Variants</h2><ul>{items}</ul>"
    html = build_page(body=body).replace('<div class="entry-content">', '<div id="page-content">')
    record = parse_article(html, "https://wiki.example.com/enchufla")
    assert record is not None
    assert record.lists[0].items[0] == "step 0: the follower turns under the leader's right arm"
