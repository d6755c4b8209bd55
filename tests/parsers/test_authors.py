"""Authors: JSON-LD, meta, author markup and printed bylines in several languages; names only."""

from __future__ import annotations

import pytest

from tests.parsers.pages import PARAGRAPHS, build_page, parse


def json_ld_author(author: str) -> str:
    return ('<script type="application/ld+json">{"@context": "https://schema.org", '
            f'"@type": "NewsArticle", "headline": "Council budget approved", "author": {author}}}'
            "</script>")


def test_nobiliary_particle_stays_in_a_json_ld_name() -> None:
    head = json_ld_author('{"@type": "Person", "name": "Christoph von Ritter"}')
    assert parse(build_page(head=head)).authors == ("Christoph von Ritter",)


def test_json_ld_user_name_in_lower_case_is_kept() -> None:
    head = json_ld_author('{"@type": "Person", "name": "mh"}')
    assert parse(build_page(head=head)).authors == ("mh",)


def test_twitter_handle_is_dropped_from_a_name() -> None:
    head = json_ld_author('{"@type": "Person", "name": "Williams Perdomo @wperdomod"}')
    assert parse(build_page(head=head)).authors == ("Williams Perdomo",)


def test_json_ld_organization_falls_through_to_the_byline() -> None:
    head = json_ld_author('{"@type": "Organization", "name": "Example News"}')
    header = '<p class="byline">By Ann Smith</p>'
    record = parse(build_page(head=head, header=header))
    assert record.authors == ("Ann Smith",)
    assert record.provenance["authors"] == "byline"


def test_citation_author_wins_over_a_broken_author_meta() -> None:
    head = ('<meta name="author" content="NH. Shear, SP. Spielberg,">'
            '<meta name="author" content="H. Peyriere,">'
            '<meta name="citation_author" content="Marwan H. Adwan">')
    assert parse(build_page(head=head)).authors == ("Marwan H. Adwan",)


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        ("by oz on December 4, 2006", ("oz",)),
        ("Von Matthias Lauerer, 3. Mai 2021", ("Matthias Lauerer",)),
        ("Par Ophélie Ostermann | Le 12 mars 2020", ("Ophélie Ostermann",)),
        ("Door Jan de Vries en Piet Jansen", ("Jan de Vries", "Piet Jansen")),
        ("By ANN SMITH and BOB JONES", ("ANN SMITH", "BOB JONES")),
    ],
)
def test_printed_byline_in_several_languages(line: str, expected: tuple[str, ...]) -> None:
    header = f'<p class="byline">{line}</p>'
    assert parse(build_page(header=header)).authors == expected


def test_drupal_submitted_by_user_name() -> None:
    header = ('<div class="submitted">Gespeichert von <span class="username">rasos</span> '
              "am 24. Juli 2017 - 18:55</div>")
    assert parse(build_page(header=header, lang="de")).authors == ("rasos",)


def test_lower_case_words_without_a_by_are_not_names() -> None:
    header = '<p class="byline">share this</p>'
    assert parse(build_page(header=header)).authors == ()


def test_byline_marked_by_data_testid_with_author_link() -> None:
    header = ('<div data-testid="prism-byline"><span>By</span><span>'
              '<a href="https://news.example.com/about/newsteam/jr-stone">J.R. Stone</a></span>'
              "<span>Thursday, November 9, 2023</span></div>")
    assert parse(build_page(header=header)).authors == ("J.R. Stone",)


def test_byline_outside_the_article_element() -> None:
    html = ('<html lang="en"><body><main><div class="article_meta_info"><span>| By </span>'
            '<span>Cara Stiles</span> | <time class="entry-date">April 13, 2020</time></div>'
            f'<article><h1>Council budget approved</h1>{PARAGRAPHS}</article></main></body></html>')
    assert parse(html).authors == ("Cara Stiles",)


def test_author_address_element() -> None:
    header = '<address>By <a href="/author/tanderson/"> Tim Anderson </a></address>'
    assert parse(build_page(header=header)).authors == ("Tim Anderson",)


def test_links_to_author_pages_are_a_byline() -> None:
    header = ('<div class="meta-line"><a href="/autoren/anna-schmidt/">Anna Schmidt</a>, '
              '<a href="/autoren/max-muster/">Max Muster</a></div>')
    record = parse(build_page(header=header, lang="de"))
    assert record.authors == ("Anna Schmidt", "Max Muster")
    assert record.provenance["authors"] == "author-link"


def test_view_all_posts_link_title_gives_the_name() -> None:
    header = '<span class="author-link"><a rel="author" href="/author/d/">View all posts by ' \
             "Daniel Lemire</a></span>"
    assert parse(build_page(header=header)).authors == ("Daniel Lemire",)


def test_labelled_author_with_agency_after_a_slash() -> None:
    header = '<div class="col"><h5 class="title-inline">Autor: </h5>Peter Maahn/SP-X</div>'
    assert parse(build_page(header=header, lang="de")).authors == ("Peter Maahn",)


def test_labelled_author_in_a_date_line_drops_the_job_title() -> None:
    header = ('<div class="news-single-timedata">05.02.2020 <span>-&nbsp;Redaktion: '
              "Eberhard Fuhr (Pressesprecher)</span></div>")
    assert parse(build_page(header=header, lang="de")).authors == ("Eberhard Fuhr",)


def test_photo_credit_byline_is_not_an_author() -> None:
    header = ('<p class="byline">By Michael Hingston</p><figure><img src="/a.jpg" alt="">'
              '<figcaption><div class="img-byline">Photograph by <span>Ed Marshall, '
              "Redonda Restoration Programme</span></div></figcaption></figure>")
    assert parse(build_page(header=header)).authors == ("Michael Hingston",)


def test_picture_credit_line_alone_gives_no_author() -> None:
    header = '<div class="byline">Photograph by Ed Marshall</div>'
    assert parse(build_page(header=header)).authors == ()


def test_a_lone_prefix_word_is_not_a_name() -> None:
    header = '<span class="author">Von</span>'
    assert parse(build_page(header=header, lang="de")).authors == ()


def test_blogger_rel_author_in_a_blog_posting_footer() -> None:
    html = ('<html lang="en"><body><div class="post" itemscope '
            'itemtype="http://schema.org/BlogPosting"><h1>Council budget approved</h1>'
            f'<div class="post-body">{PARAGRAPHS}</div><div class="post-footer">Posted by '
            '<span itemprop="author" itemscope itemtype="http://schema.org/Person">'
            '<a rel="author" href="https://www.blogger.com/profile/1"><span itemprop="name">'
            "T. V. Raman</span></a></span></div></div></body></html>")
    assert parse(html).authors == ("T. V. Raman",)


def test_json_ld_person_with_a_list_of_names() -> None:
    head = json_ld_author('{"@type": "Person", "name": ["Ann Smith", "Tom Jones"]}')
    assert parse(build_page(head=head)).authors == ("Ann Smith", "Tom Jones")


def test_json_ld_author_reference_into_the_graph() -> None:
    head = ('<script type="application/ld+json">{"@context": "https://schema.org", "@graph": ['
            '{"@type": "NewsArticle", "headline": "Council budget approved", '
            '"author": {"@id": "https://news.example.com/#/person/1"}}, '
            '{"@type": "Person", "@id": "https://news.example.com/#/person/1", '
            '"name": "Ann Smith"}]}</script>')
    assert parse(build_page(head=head)).authors == ("Ann Smith",)


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        ("By Ann Smith and Tom Jones, Birmingham", ("Ann Smith", "Tom Jones")),
        ("By Ann Smith, Political Editor", ("Ann Smith",)),
        ("By Brendan Carlin for the Mail on Sunday", ("Brendan Carlin",)),
        ("By Ann Smith From The University Of Leeds", ("Ann Smith",)),
    ],
)
def test_places_roles_and_affiliations_after_the_names_are_dropped(
    line: str, expected: tuple[str, ...]
) -> None:
    record = parse(build_page(header=f'<p class="byline">{line}</p>'))
    assert record.authors == expected


def test_printed_by_line_at_the_top_of_the_text_wins_over_another_cms_account() -> None:
    # The metadata names the account that posted the story; the story credits its writer.
    head = '<meta name="author" content="Web Desk Editor Jane Roe">' + json_ld_author(
        '{"@type": "Person", "name": "Jane Roe"}'
    )
    body = "<p><strong>By Matthias Lauerer</strong></p>" + PARAGRAPHS
    record = parse(build_page(head=head, body=body))
    assert record.authors == ("Matthias Lauerer",)
    assert record.provenance["authors"] == "byline"


def test_printed_by_line_naming_the_same_author_keeps_the_metadata() -> None:
    head = json_ld_author('[{"@type": "Person", "name": "Ann Smith"}, '
                          '{"@type": "Person", "name": "Tom Jones"}]')
    body = "<p>By Ann Smith</p>" + PARAGRAPHS
    record = parse(build_page(head=head, body=body))
    assert record.authors == ("Ann Smith", "Tom Jones")
    assert record.provenance["authors"] == "json-ld"
