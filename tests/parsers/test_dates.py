"""Published and modified dates: printed styles, machine-readable sources and their priority."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime

import pytest

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


def test_printed_date_with_time_is_utc_datetime_in_site_zone() -> None:
    # 6 November 2014 is GMT in London, UTC-5 in New York.
    html = build_page(header=byline("Nov 6, 2014 at 10:31 am"))
    assert parse(html, url=UNDATED_URL, profile=GB).published == datetime(
        2014, 11, 6, 10, 31, tzinfo=UTC)
    assert parse(html, url=UNDATED_URL, profile=US).published == datetime(
        2014, 11, 6, 15, 31, tzinfo=UTC)


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
