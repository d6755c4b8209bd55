"""Published and modified dates: printed styles, machine-readable sources and their priority."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime, timedelta

import pytest

from items import ArticleRecord
from tests.parsers.pages import GB, PARAGRAPHS, URL, US, build_page, parse

UNDATED_URL = "https://news.example.com/news/council-budget-approved/"


def byline(text: str) -> str:
    return f'<div class="post-meta"><span class="post-date">{text}</span></div>'


@pytest.mark.parametrize(
    ("printed", "expected"),
    [
        ("🕔28.Oct 2014", date(2014, 10, 28)),
        ("Tuesday, October 28, 2014", date(2014, 10, 28)),
        ("Tuesday 4 November 2014", date(2014, 11, 4)),
        ("Posted on 3rd November 2014", date(2014, 11, 3)),
        ("2014-10-30", date(2014, 10, 30)),
    ],
)
def test_printed_dates_without_time_are_dates(printed: str, expected: date) -> None:
    record = parse(build_page(header=byline(printed)), url=UNDATED_URL)
    assert record.published == expected
    assert record.provenance["published"] == "byline"


def test_printed_date_with_time_is_read_in_site_zone() -> None:
    # 6 November 2014 is GMT in London, UTC-5 in New York.
    html = build_page(header=byline("Nov 6, 2014 at 10:31 am"))
    london = parse(html, url=UNDATED_URL, profile=GB).published
    new_york = parse(html, url=UNDATED_URL, profile=US).published
    assert london == datetime(2014, 11, 6, 10, 31, tzinfo=UTC)
    assert new_york == datetime(2014, 11, 6, 15, 31, tzinfo=UTC)
    assert isinstance(new_york, datetime) and new_york.utcoffset() == timedelta(hours=-5)
    assert new_york.isoformat() == "2014-11-06T10:31:00-05:00"


def test_printed_time_without_a_known_zone_keeps_only_the_day() -> None:
    html = build_page(header=byline("Nov 6, 2014 at 10:31 am"), lang="en")
    assert parse(html, url=UNDATED_URL).published == date(2014, 11, 6)


def test_numeric_date_is_day_first_on_a_gb_site() -> None:
    html = build_page(header=byline("05/11/2014"))
    assert parse(html, url=UNDATED_URL, profile=GB).published == date(2014, 11, 5)


def test_numeric_date_is_month_first_on_an_en_us_page() -> None:
    html = build_page(header=byline("05/11/2014"), lang="en-US")
    assert parse(html, url=UNDATED_URL).published == date(2014, 5, 11)


def test_en_gb_page_language_means_day_first() -> None:
    html = build_page(header=byline("05/11/2014"), lang="en-GB")
    assert parse(html, url=UNDATED_URL).published == date(2014, 11, 5)


def test_relative_date_counts_back_from_fetch_time() -> None:
    html = build_page(header=byline("Posted 2 hours ago"))
    fetched = datetime(2014, 11, 6, 12, 0, tzinfo=UTC)
    record = parse(html, url=UNDATED_URL, profile=GB, fetched_at=fetched)
    assert record.published == datetime(2014, 11, 6, 10, 0, tzinfo=UTC)


def test_relative_date_is_not_resolved_without_fetch_time() -> None:
    html = build_page(header=byline("Posted 2 hours ago"))
    assert parse(html, url=UNDATED_URL, profile=GB, fetched_at=None).published is None


def test_relative_day_is_a_date() -> None:
    html = build_page(header=byline("Published yesterday"))
    fetched = datetime(2014, 11, 6, 12, 0, tzinfo=UTC)
    assert parse(html, url=UNDATED_URL, profile=GB, fetched_at=fetched).published == date(
        2014, 11, 5)


def test_time_element_datetime_attribute() -> None:
    header = '<p class="byline">By Ann Smith, <time datetime="2014-11-04T09:15:00+00:00">' \
             "this morning</time></p>"
    record = parse(build_page(header=header), url=UNDATED_URL)
    assert record.published == datetime(2014, 11, 4, 9, 15, tzinfo=UTC)
    assert record.provenance["published"] == "time"


def test_json_ld_date_wins_over_printed_date() -> None:
    head = ('<script type="application/ld+json">{"@context": "https://schema.org", '
            '"@type": "NewsArticle", "headline": "Council budget approved", '
            '"datePublished": "2014-11-04T08:00:00+01:00", '
            '"dateModified": "2014-11-05T10:00:00Z"}</script>')
    record = parse(build_page(head=head, header=byline("Tuesday 28 October 2014")))
    assert record.published == datetime(2014, 11, 4, 7, 0, tzinfo=UTC)
    assert record.published.isoformat() == "2014-11-04T08:00:00+01:00"  # the page's own offset
    assert record.provenance["published"] == "json-ld"
    assert record.modified == datetime(2014, 11, 5, 10, 0, tzinfo=UTC)


def test_modified_date_is_not_taken_as_published() -> None:
    head = '<meta property="article:modified_time" content="2014-11-05T10:00:00+00:00">'
    header = '<span class="updated">Updated 5 November 2014</span>'
    record = parse(build_page(head=head, header=header), url=UNDATED_URL)
    assert record.published is None
    assert record.modified == datetime(2014, 11, 5, 10, 0, tzinfo=UTC)


def test_meta_published_time() -> None:
    head = '<meta property="article:published_time" content="2014-11-04T18:30:00-05:00">'
    record = parse(build_page(head=head), url=UNDATED_URL)
    assert record.published == datetime(2014, 11, 4, 23, 30, tzinfo=UTC)
    assert record.published.isoformat() == "2014-11-04T18:30:00-05:00"
    assert record.provenance["published"] == "meta"


def test_copyright_year_body_dates_and_comment_dates_are_ignored() -> None:
    body = ("<p>The plan was first proposed on 12 March 2013 by the finance committee, which "
            "met again in the spring to settle the details of the borrowing.</p>" + PARAGRAPHS)
    after = ('<div id="comments" class="comments-area"><div class="comment-meta">'
             '<span class="comment-date">7 November 2014 at 9:00 am</span></div>'
             "<p>A reader's comment about the budget and the roads.</p></div>")
    record = parse(build_page(body=body, after=after), url=UNDATED_URL)
    assert record.published is None


def test_related_article_dates_are_ignored() -> None:
    after = ('<div class="related-posts"><h3>Related</h3><div class="post">'
             '<a href="/news/older-story/">An older story</a>'
             '<span class="post-date">1 January 2014</span></div></div>')
    record = parse(build_page(after=after), url=UNDATED_URL)
    assert record.published is None


def test_date_from_url_path_as_last_resort() -> None:
    record = parse(build_page(), url=URL)
    assert record.published == date(2014, 11, 4)
    assert record.provenance["published"] == "url-path"


def test_profile_selector_comes_first() -> None:
    profile = replace(GB, selectors={"published": ".when"})
    html = build_page(header='<span class="when">Tuesday 4 November 2014</span>'
                             '<time datetime="2014-11-01">1 Nov</time>')
    record = parse(html, url=UNDATED_URL, profile=profile)
    assert record.published == date(2014, 11, 4)
    assert record.provenance["published"] == "selector"


def test_german_printed_date_uses_page_language() -> None:
    html = build_page(header=byline("Veröffentlicht am 4. November 2014"), lang="de")
    assert parse(html, url=UNDATED_URL).published == date(2014, 11, 4)


# --- time zones: the page's local day ------------------------------------------------------


LATER = datetime(2024, 6, 1, 12, 0, tzinfo=UTC)


def parse_later(html: str, **options: object) -> ArticleRecord:
    """Parse as if fetched in 2024, so that dates after 2014 are plausible."""
    return parse(html, fetched_at=LATER, **options)  # type: ignore[arg-type]


def meta_published(value: str) -> str:
    return f'<meta property="article:published_time" content="{value}">'


def test_utc_timestamp_is_shown_in_the_profile_zone() -> None:
    # 23:30 UTC on 4 November is 18:30 on the 4th in New York, not the 5th.
    record = parse_later(build_page(head=meta_published("2014-11-04T23:30:00Z")), url=UNDATED_URL,
                   profile=US)
    assert isinstance(record.published, datetime)
    assert record.published.isoformat() == "2014-11-04T18:30:00-05:00"


def test_utc_timestamp_takes_the_offset_of_the_same_instant_elsewhere_on_the_page() -> None:
    header = '<time class="entry-date" datetime="2014-11-04T19:30:00-04:00">Nov 4, 2014</time>'
    html = build_page(head=meta_published("2014-11-04T23:30:00+00:00"), header=header)
    published = parse_later(html, url=UNDATED_URL).published
    assert isinstance(published, datetime)
    assert published.isoformat() == "2014-11-04T19:30:00-04:00"


def test_utc_timestamp_takes_the_offset_of_a_printed_local_wall_clock() -> None:
    # The page prints its local time without an offset next to the UTC metadata.
    header = '<time datetime="2014-11-04 18:30:59">November 4, 2014 at 6:30 p.m.</time>'
    html = build_page(head=meta_published("2014-11-04T23:30:59Z"), header=header)
    published = parse_later(html, url=UNDATED_URL).published
    assert isinstance(published, datetime)
    assert published.utcoffset() == timedelta(hours=-5)
    assert published.date() == date(2014, 11, 4)


def test_utc_timestamp_stays_utc_when_the_page_prints_the_utc_day() -> None:
    header = ('<time class="entry-date updated" datetime="2014-11-04T23:30:00+00:00">'
              "Nov 4, 2014</time>")
    html = build_page(head=meta_published("2014-11-04T23:30:00+00:00"), header=header,
                      lang="en-GB")
    published = parse_later(html, url=UNDATED_URL).published
    assert isinstance(published, datetime)
    assert published.isoformat() == "2014-11-04T23:30:00+00:00"


def test_utc_timestamp_is_shown_in_the_zone_of_the_page_country() -> None:
    # 23:15 UTC on 5 December is 00:15 on the 6th in Rome.
    html = build_page(head=meta_published("2020-12-05T23:15:00Z"), lang="it-IT")
    published = parse_later(html, url=UNDATED_URL).published
    assert isinstance(published, datetime)
    assert published.isoformat() == "2020-12-06T00:15:00+01:00"


def test_timestamp_without_offset_is_local_to_a_known_zone() -> None:
    html = build_page(head=meta_published("2014-07-04T09:15:00"))
    published = parse_later(html, url=UNDATED_URL, profile=GB).published
    assert isinstance(published, datetime)
    assert published.isoformat() == "2014-07-04T09:15:00+01:00"


def test_timestamp_without_offset_or_known_zone_keeps_only_the_day() -> None:
    html = build_page(head=meta_published("2014-07-04T23:15:00"), lang="en")
    assert parse_later(html, url=UNDATED_URL).published == date(2014, 7, 4)


def test_url_day_wins_over_a_utc_time_an_unknown_zone_moved() -> None:
    url = "https://news.example.com/2020/02/24/council-budget-approved/"
    html = build_page(head=meta_published("2020-02-25T02:25:54+00:00"), lang="en-US")
    assert parse_later(html, url=url).published == date(2020, 2, 24)


def test_url_day_does_not_move_a_modified_time() -> None:
    url = "https://news.example.com/2020/02/24/council-budget-approved/"
    head = '<meta property="article:modified_time" content="2020-02-25T02:25:54+00:00">'
    modified = parse_later(build_page(head=head, lang="en-US"), url=url).modified
    assert isinstance(modified, datetime)
    assert modified.isoformat() == "2020-02-25T02:25:54+00:00"


def test_javascript_date_string_in_meta() -> None:
    head = meta_published("Tue Feb 20 2018 01:00:00 GMT+0100 (Central European Standard Time)")
    published = parse_later(build_page(head=head), url=UNDATED_URL).published
    assert isinstance(published, datetime)
    assert published.isoformat() == "2018-02-20T01:00:00+01:00"


def test_one_digit_clock_fields_in_json_ld() -> None:
    head = ('<script type="application/ld+json">{"@type": "NewsArticle", "headline": "x", '
            '"datePublished": "2020-12-05T23:15:0Z"}</script>')
    published = parse_later(build_page(head=head), url=UNDATED_URL, profile=GB).published
    assert published == datetime(2020, 12, 5, 23, 15, tzinfo=UTC)


# --- where printed dates are found -----------------------------------------------------------


def test_date_in_the_article_header_inside_main_is_not_the_site_banner() -> None:
    html = ('<html lang="en"><body><header class="site-header"><a href="/">Example</a></header>'
            '<main><header class="entry-header"><h1>Council budget approved</h1>'
            '<div class="article-meta"><time class="entry-date">April 13, 2020</time></div>'
            f'</header><div class="entry-content">{PARAGRAPHS}</div></main></body></html>')
    assert parse_later(html, url=UNDATED_URL).published == date(2020, 4, 13)


def test_drupal_submitted_line_in_german() -> None:
    header = '<div class="submitted">Gespeichert von <span>rasos</span> am 24. Juli 2017</div>'
    html = build_page(header=header, lang="de")
    assert parse_later(html, url=UNDATED_URL).published == date(2017, 7, 24)


@pytest.mark.parametrize(
    ("printed", "lang", "expected"),
    [
        ("3 de noviembre de 2014", "es", date(2014, 11, 3)),
        ("3. Dezember 2011", "de", date(2011, 12, 3)),
        ("14 gennaio 2020", "it", date(2020, 1, 14)),
        ("2 décembre 2019", "fr", date(2019, 12, 2)),
        ("5 maart 2021", "nl", date(2021, 3, 5)),
    ],
)
def test_month_names_of_common_languages(printed: str, lang: str, expected: date) -> None:
    html = build_page(header=byline(printed), lang=lang)
    assert parse_later(html, url=UNDATED_URL).published == expected


def test_long_post_metadata_line_gives_its_date() -> None:
    line = ("Dieser Beitrag wurde am Samstag, 3. Dezember 2011 um 10:15 Uhr veröffentlicht und "
            "unter Allgemein, Politik, Sicherheit und Recht abgelegt. Sie können die Kommentare "
            "zu diesem Beitrag über den RSS 2.0 Feed verfolgen. Kommentare und Pings sind "
            "derzeit geschlossen, aber Sie können einen Trackback von Ihrer Seite setzen.")
    html = build_page(after=f'<p class="postmetadata">{line}</p>', lang="de")
    published = parse_later(html, url=UNDATED_URL).published
    assert published is not None and published.isoformat().startswith("2011-12-03")


def test_labelled_date_printed_after_its_label_element() -> None:
    header = '<div class="col"><h5 class="title-inline">Datum: </h5>03.11.2021 <br></div>'
    html = build_page(header=header, lang="de")
    assert parse_later(html, url=UNDATED_URL).published == date(2021, 11, 3)


def test_dateline_printed_above_the_headline() -> None:
    html = ('<html lang="de"><body><main><div class="text"><h3 class="teaser-meta">02.01.2022'
            f'</h3><h1>Land zahlte Prämien</h1>{PARAGRAPHS}</div></main></body></html>')
    assert parse_later(html, url=UNDATED_URL).published == date(2022, 1, 2)


def test_date_after_a_last_edited_label_is_not_published() -> None:
    header = '<div id="page-info">page revision: 8, last edited: <span class="odate">' \
             "17 Jun 2018 15:15</span></div>"
    assert parse_later(build_page(header=header), url=UNDATED_URL).published is None


def test_blog_posting_date_published_in_an_entry_footer() -> None:
    html = ('<html lang="en"><body><div class="post" itemscope '
            'itemtype="http://schema.org/BlogPosting"><h1>Council budget approved</h1>'
            f'<div class="post-body">{PARAGRAPHS}</div><div class="post-footer">Posted at '
            '<abbr itemprop="datePublished" title="2019-10-16T14:33:00-07:00">2:33 PM</abbr>'
            "</div></div></body></html>")
    published = parse_later(html, url=UNDATED_URL).published
    assert isinstance(published, datetime)
    assert published.isoformat() == "2019-10-16T14:33:00-07:00"


def test_comment_date_published_microdata_is_ignored() -> None:
    after = ('<div itemscope itemtype="https://schema.org/Comment"><p>Nice</p>'
             '<time itemprop="datePublished" datetime="2014-11-07T09:00:00Z">7 Nov</time></div>')
    assert parse_later(build_page(after=after), url=UNDATED_URL).published is None


def test_url_path_with_one_digit_month_and_day() -> None:
    url = "https://news.example.com/home/2017/7/12/council-budget-approved"
    record = parse_later(build_page(), url=url)
    assert record.published == date(2017, 7, 12)
    assert record.provenance["published"] == "url-path"


def test_undeclared_language_is_detected_for_printed_dates() -> None:
    body = ("<p>Rada miasta przyjęła w czwartek budżet na przyszły rok po długiej debacie, "
            "w której wzięli udział radni wszystkich klubów.</p><p>Opozycja twierdzi, że plan "
            "opiera się na zbyt optymistycznych prognozach dochodów z podatków lokalnych.</p>" * 2)
    html = build_page(header=byline("4 listopada 2014"), body=body).replace(' lang="en"', "")
    assert parse_later(html, url=UNDATED_URL).published == date(2014, 11, 4)


# -- Modified dates printed for readers are never the publication date ------------------------


@pytest.mark.parametrize(
    "line",
    [
        "Last updated: Wednesday, 5 November 2014, 16:40 GMT",
        "Last Updated: 5 November 2014 16:40 GMT",
        "Updated on 5 November 2014 at 16:40 GMT",
    ],
)
def test_a_page_dated_only_last_updated_has_no_published_date(line: str) -> None:
    header = f'<p class="date">{line}</p>'
    record = parse(build_page(header=header), url=UNDATED_URL)
    assert record.published is None
    assert record.modified == datetime(2014, 11, 5, 16, 40, tzinfo=UTC)
    assert record.provenance["modified"] == "printed"


def test_published_and_last_updated_lines_each_give_their_date() -> None:
    # The "Last updated" line comes first on the page, above the headline's byline.
    html = build_page(
        header='<p class="date">Last updated: 5 November 2014, 16:40 GMT</p><p>By Ann Smith</p>'
        '<p class="date">Published: 4 November 2014, 14:27 GMT</p>'
    )
    record = parse(html, url=UNDATED_URL)
    assert record.published == datetime(2014, 11, 4, 14, 27, tzinfo=UTC)
    assert record.modified == datetime(2014, 11, 5, 16, 40, tzinfo=UTC)


def test_time_after_an_updated_label_is_not_published() -> None:
    header = ('<div class="meta">Updated <time datetime="2014-11-05T10:00:00+00:00">'
              "5 Nov 2014</time></div>")
    record = parse(build_page(header=header), url=UNDATED_URL)
    assert record.published is None
    assert record.modified == datetime(2014, 11, 5, 10, 0, tzinfo=UTC)


def test_hatom_entry_date_marked_published_and_updated_is_published() -> None:
    # Themes mark a never-edited post's one date "entry-date published updated".
    header = ('<time class="entry-date published updated" '
              'datetime="2014-11-04T10:00:00+00:00">4 November 2014</time>')
    record = parse(build_page(header=header), url=UNDATED_URL)
    assert record.published == datetime(2014, 11, 4, 10, 0, tzinfo=UTC)
    assert record.provenance["published"] == "time"


# -- Where the publication date is printed ------------------------------------------------------


def test_dates_inside_an_embedded_post_are_not_the_article_date() -> None:
    embed = ('<blockquote class="instagram-media"><p>A post shared by Example</p>'
             '<time datetime="2013-03-12T19:30:12+00:00">Mar 12, 2013</time></blockquote>')
    html = build_page(header=byline("4 November 2014"), body=embed + PARAGRAPHS)
    record = parse(html, url=UNDATED_URL)
    assert record.published == date(2014, 11, 4)
    assert record.provenance["published"] == "byline"


def test_date_printed_in_the_author_credit_line() -> None:
    # "By <a rel=author>Ann Smith</a>, 4.11.14": no date class, not next to the headline.
    credit = ('<p class="intro">By <a rel="author" href="/author/ann-smith/">Ann Smith</a>, '
              "4.11.14</p>")
    html = build_page(body=credit + PARAGRAPHS, lang="en-GB")
    assert parse(html, url=UNDATED_URL).published == date(2014, 11, 4)


def test_date_under_the_only_headline_even_in_a_navigation_block() -> None:
    html = ('<html lang="en"><body><div class="intro intro--breadcrumb-navigation">'
            "<h1>Council budget approved</h1><p>4 November 2014 | Politics</p></div>"
            f'<div class="text">{PARAGRAPHS}</div></body></html>')
    assert parse(html, url=UNDATED_URL).published == date(2014, 11, 4)


def test_date_in_a_data_attribute_of_a_date_element() -> None:
    header = '<div class="article-date" data-published="2014-11-04T10:00:00+00:00"></div>'
    record = parse(build_page(header=header), url=UNDATED_URL)
    assert record.published == datetime(2014, 11, 4, 10, 0, tzinfo=UTC)


def test_unix_timestamp_in_json_ld() -> None:
    head = ('<script type="application/ld+json">{"@type": "NewsArticle", '
            '"headline": "Council budget approved", "datePublished": 1415095200}</script>')
    record = parse(build_page(head=head), url=UNDATED_URL)
    assert record.published == datetime(2014, 11, 4, 10, 0, tzinfo=UTC)
    assert record.provenance["published"] == "json-ld"


# -- When the page's claims disagree -------------------------------------------------------------


def json_ld_published(value: str) -> str:
    return ('<script type="application/ld+json">{"@type": "BlogPosting", '
            f'"headline": "Council budget approved", "datePublished": "{value}"}}</script>')


def test_url_date_wins_over_a_later_json_ld_date() -> None:
    # A re-imported archive stamps old posts with the day of the import.
    url = "https://news.example.com/home/2014/11/4/council-budget-approved"
    record = parse_later(build_page(head=json_ld_published("2019-06-17T18:28:00+02:00")), url=url)
    assert record.published == date(2014, 11, 4)
    assert record.provenance["published"] == "url-path"


@pytest.mark.parametrize(
    "stamp",
    [
        "2014-11-05T09:00:00+01:00",  # a day later: a late upload, or a zone apart
        "2014-11-02T09:00:00+00:00",  # earlier than the URL's day: the URL says nothing more
    ],
)
def test_json_ld_date_is_kept_when_the_url_does_not_contradict_it(stamp: str) -> None:
    url = "https://news.example.com/2014/11/04/council-budget-approved/"
    record = parse_later(build_page(head=json_ld_published(stamp)), url=url)
    assert record.provenance["published"] == "json-ld"
    assert record.published == datetime.fromisoformat(stamp)
