"""Title, authors, JSON-LD variants, canonical URL, section, tags, language, summary."""

from __future__ import annotations

from datetime import UTC, datetime

from parsers.page import load_json_ld
from tests.parsers.pages import PARAGRAPHS, URL, build_page, parse


def ld(json_text: str) -> str:
    return f'<script type="application/ld+json">{json_text}</script>'


def test_json_ld_graph_is_searched() -> None:
    head = ld('{"@context": "https://schema.org", "@graph": ['
              '{"@type": "WebSite", "name": "Example News"},'
              '{"@type": "NewsArticle", "headline": "Budget approved after long debate",'
              ' "datePublished": "2014-11-04T09:00:00Z", "author": {"@id": "#ann"},'
              ' "articleSection": "Politics", "keywords": ["budget", "council"]},'
              '{"@type": "Person", "@id": "#ann", "name": "Ann Smith"}]}')
    record = parse(build_page(head=head, title="Budget approved after long debate"))
    assert record.published == datetime(2014, 11, 4, 9, 0, tzinfo=UTC)
    assert record.authors == ("Ann Smith",)
    assert record.section == "Politics"
    assert record.tags == ("budget", "council")
    assert record.provenance["authors"] == "json-ld"


def test_json_ld_top_level_list_and_author_list() -> None:
    head = ld('[{"@type": "BreadcrumbList", "itemListElement": []},'
              ' {"@type": ["NewsArticle"], "datePublished": "2014-11-04",'
              '  "author": [{"@type": "Person", "name": "Ann Smith"}, "Bob Jones",'
              '             {"@type": "Organization", "name": "Example News"}]}]')
    record = parse(build_page(head=head))
    assert str(record.published) == "2014-11-04"
    assert record.authors == ("Ann Smith", "Bob Jones")


def test_json_ld_with_javascript_comments_loads() -> None:
    text = """{
      // the CMS's template note, in JavaScript style
      "@type": "NewsArticle", /* one block comment */ "headline": "A // B /* C */",
      "url": "https://news.example.com/a/", // a URL keeps its //
      "image": "http://img.example.com/x.jpg"
    }"""
    assert load_json_ld(text) == {
        "@type": "NewsArticle",
        "headline": "A // B /* C */",
        "url": "https://news.example.com/a/",
        "image": "http://img.example.com/x.jpg",
    }
    escaped = '{"headline": "Say \\"hi\\" // not a comment", /* gone */ "x": 1}'
    assert load_json_ld(escaped) == {"headline": 'Say "hi" // not a comment', "x": 1}


def test_json_ld_with_comments_feeds_the_record() -> None:
    head = ld('{"@type": "NewsArticle", // published by the CMS\n'
              '"datePublished": "2014-11-03", "url": "https://news.example.com/a/"}')
    assert str(parse(build_page(head=head)).published) == "2014-11-03"


def test_broken_json_ld_is_repaired_or_skipped() -> None:
    assert load_json_ld('<!--\n{"@type": "NewsArticle", "headline": "A",}\n-->') == {
        "@type": "NewsArticle", "headline": "A"}
    assert load_json_ld('{"@type": "NewsArticle", "headline": "line\nbreak"}') == {
        "@type": "NewsArticle", "headline": "line\nbreak"}
    assert load_json_ld("{not json at all") is None
    head = ld('{"@type": "NewsArticle", "datePublished": ') + ld(
        '{"@type": "NewsArticle", "datePublished": "2014-11-03"}')
    assert str(parse(build_page(head=head)).published) == "2014-11-03"


def test_multi_author_byline() -> None:
    header = '<p class="byline">By Ann Smith, Bob Jones and Carol White</p>'
    record = parse(build_page(header=header))
    assert record.authors == ("Ann Smith", "Bob Jones", "Carol White")
    assert record.provenance["authors"] == "byline"


def test_byline_drops_job_titles_dates_and_duplicates() -> None:
    header = ('<div class="author-info"><span class="author">By Ann Smith and Bob Jones'
              ' | Political Editor</span> <span class="author">Ann Smith</span></div>')
    record = parse(build_page(header=header))
    assert record.authors == ("Ann Smith", "Bob Jones")


def test_meta_author_urls_and_site_name_are_not_authors() -> None:
    head = ('<meta property="article:author" content="https://www.facebook.com/examplenews">'
            '<meta name="author" content="Example News">')
    record = parse(build_page(head=head))
    assert record.authors == ()


def test_rel_author_link() -> None:
    header = '<span class="by">Words: <a rel="author" href="/author/ann/">Ann Smith</a></span>'
    assert parse(build_page(header=header)).authors == ("Ann Smith",)


def test_title_prefers_h1_over_og_title_with_site_suffix() -> None:
    head = '<meta property="og:title" content="Council budget approved - Example News">'
    record = parse(build_page(head=head))
    assert record.title == "Council budget approved"
    assert record.provenance["title"] == "h1"


def test_title_from_title_tag_without_site_name() -> None:
    html = build_page().replace("<h1>Council budget approved</h1>", "")
    record = parse(html)
    assert record.title == "Council budget approved"
    assert record.provenance["title"] == "title"


def test_title_keeps_separator_inside_headline() -> None:
    head = '<meta property="og:title" content="Budget - what it means for you | Example News">'
    html = build_page(head=head).replace("<h1>Council budget approved</h1>", "")
    assert parse(html).title == "Budget - what it means for you"


def test_the_articles_h1_wins_when_metadata_rewrites_the_headline() -> None:
    head = ('<meta property="og:title" content="Why the council budget matters to you">'
            + ld('{"@type": "NewsArticle", "headline": "Budget: what it means"}'))
    record = parse(build_page(head=head))
    assert record.title == "Council budget approved"
    assert record.provenance["title"] == "h1"


def test_an_h1_outside_the_article_does_not_override_metadata() -> None:
    head = '<meta property="og:title" content="Budget: what it means">'
    html = build_page(head=head).replace("<h1>Council budget approved</h1>", "").replace(
        "<main>", "<main><h1>Politics and council news</h1>")
    assert parse(html).title == "Budget: what it means"


def test_an_h1_linking_to_the_front_page_is_the_logo() -> None:
    html = build_page().replace("<title>Council budget approved | Example News</title>",
                                "<title>Enchufla Figuren - Salsa-Figuren - Rueda in Berlin</title>")
    logo = '<h1><a href="/"><span>Salsa-Figuren - Rueda in Berlin</span></a></h1>'
    html = html.replace('<meta property="og:site_name" content="Example News">', "").replace(
        "<h1>Council budget approved</h1>", "").replace('<nav class="menu">', logo + "<nav>")
    assert parse(html).title == "Enchufla Figuren"


def test_kicker_and_byline_inside_the_h1_are_not_the_title() -> None:
    kicker = build_page().replace(
        "<h1>Council budget approved</h1>",
        '<h1><span class="subtitle">County hall</span> Council budget approved</h1>')
    assert parse(kicker).title == "Council budget approved"
    topline = build_page().replace(
        "<h1>Council budget approved</h1>",
        '<h1><span class="headline--topline">County hall</span><span>: </span>'
        "<span>Council budget approved</span></h1>")
    assert parse(topline).title == "Council budget approved"
    byline = build_page().replace(
        "<h1>Council budget approved</h1>",
        '<h1>Council budget approved <h4 class="author">Published by Ann Smith on '
        '<time datetime="2014-11-04">4 November</time></h4></h1>')
    assert parse(byline).title == "Council budget approved"


def test_an_h1_that_only_contains_the_host_name_is_still_a_headline() -> None:
    head = '<meta property="og:title" content="Run the newsroom on a budget - News Example">'
    html = build_page(head=head, title="Example News Desktop 15 for the newsroom").replace(
        "<title>Example News Desktop 15 for the newsroom | Example News</title>",
        "<title>Run the newsroom on a budget</title>")
    assert parse(html, url="https://example.com/2014/11/04/desktop/").title == (
        "Example News Desktop 15 for the newsroom")


def test_title_h1_in_a_wrapper_named_for_ad_margins_is_not_elsewhere() -> None:
    head = ('<meta property="og:title" content="Budget approved after three hours">'
            + ld('{"@type": "NewsArticle", "headline": "Budget approved"}'))
    html = build_page(head=head).replace("<h1>Council budget approved</h1>", "").replace(
        "<main>", '<div class="Page-ad-margins"><h1>Budget approved after three hours</h1><main>'
    ).replace("</main>", "</main></div>")
    assert parse(html).title == "Budget approved after three hours"


def test_canonical_url_is_made_absolute_and_og_url_is_the_fallback() -> None:
    canonical = parse(build_page(head='<link rel="canonical" href="/news/budget/">'))
    assert canonical.canonical_url == "https://news.example.com/news/budget/"
    og = parse(build_page(head='<meta property="og:url" content="https://news.example.com/b/">'))
    assert og.canonical_url == "https://news.example.com/b/"
    assert parse(build_page()).canonical_url is None


def test_site_language_section_tags_summary() -> None:
    head = ('<meta property="article:section" content="Politics">'
            '<meta property="article:tag" content="Budget">'
            '<meta property="article:tag" content="Council">'
            '<meta name="description" content="The council approved its budget.">')
    record = parse(build_page(head=head, lang="en-GB"),
                   url="https://News.Example.com/2014/11/04/budget/")
    assert record.site == "news.example.com"
    assert record.language == "en"
    assert record.section == "Politics"
    assert record.tags == ("Budget", "Council")
    assert record.summary == "The council approved its budget."


STANDFIRST = ("Councillors backed a plan that freezes the council tax share and spends more "
              "on roads.")


def test_standfirst_wins_over_meta_description() -> None:
    head = '<meta name="description" content="Short description.">'
    header = f'<p class="standfirst">{STANDFIRST}</p>'
    record = parse(build_page(head=head, header=header))
    assert record.summary == STANDFIRST
    assert record.provenance["summary"] == "standfirst"


def test_printed_standfirst_opens_the_body_and_stays_the_summary() -> None:
    header = f'<p class="standfirst">{STANDFIRST}</p>'
    record = parse(build_page(header=header))
    assert record.summary == STANDFIRST
    first, second = record.body.split("\n\n")[:2]
    assert first == STANDFIRST  # its own paragraph, before the text
    assert second.startswith("The county council approved its budget")
    assert record.body.count("Councillors backed a plan") == 1


def test_meta_description_never_enters_the_body() -> None:
    head = f'<meta name="description" content="{STANDFIRST}">'
    record = parse(build_page(head=head))
    assert record.summary == STANDFIRST
    assert "Councillors backed" not in record.body


def test_standfirst_already_at_the_top_of_the_text_is_not_repeated() -> None:
    body = f'<p class="standfirst">{STANDFIRST}</p>' + PARAGRAPHS
    record = parse(build_page(body=body))
    assert record.body.startswith(STANDFIRST + "\n\n")
    assert record.body.count("Councillors backed a plan") == 1


def test_standfirst_leaves_out_its_credit_and_never_wraps_the_headline() -> None:
    # The wrapper holds the h1 as well: the standfirst is the element inside it.
    header = ('<div class="headline-standfirst-wrapper"><h2>Council budget approved</h2>'
              f'<div class="standfirst"><p>{STANDFIRST} <span class="credit">By Town Hall '
              "Press Office</span></p></div></div>")
    record = parse(build_page(header=header))
    assert record.summary == STANDFIRST
    assert record.body.startswith(STANDFIRST + "\n\n")
    assert "Press Office" not in record.body


def test_a_list_of_facts_about_the_post_is_no_standfirst() -> None:
    header = ('<div class="post-description"><ul><li>Thread starter Ann Smith</li>'
              "<li>Start date 4 November 2014, 09:00</li></ul></div>")
    record = parse(build_page(header=header))
    assert record.summary is None
    assert "Thread starter" not in record.body


def test_missing_summary_is_none() -> None:
    assert parse(build_page(), url=URL).summary is None


def test_sentence_under_the_headline_opens_the_body_but_is_no_summary() -> None:
    # An <hgroup>'s second heading, with no class to call it a standfirst.
    html = build_page().replace(
        "<h1>Council budget approved</h1>",
        f"<hgroup><h1>Council budget approved</h1><h2>{STANDFIRST}</h2></hgroup>",
    )
    record = parse(html)
    assert record.body.startswith(STANDFIRST + "\n\n")
    assert record.summary is None  # on many pages that sentence is the text's first paragraph


def test_a_byline_under_the_headline_is_no_subheadline() -> None:
    header = "<p>By Ann Smith, local democracy reporter for the county, in the chamber</p>"
    record = parse(build_page(header=header))
    assert record.body.startswith("The county council approved")
