"""Small article pages for parser tests, and a parse() that insists on an article."""

from __future__ import annotations

from datetime import UTC, datetime

from items import ArticleRecord
from parsers import parse_article
from profiles import SiteProfile

URL = "https://news.example.com/2014/11/04/council-budget-approved/"
FETCHED_AT = datetime(2014, 11, 6, 12, 0, tzinfo=UTC)
PARAGRAPHS = (
    "<p>The county council approved its budget on Tuesday after a three-hour debate in the "
    "chamber, with councillors from every party taking part.</p>"
    "<p>Councillors voted 31 to 12 in favour of the plan, which raises spending on roads and "
    "libraries while freezing the council's share of local taxes for another year.</p>"
    "<p>The opposition said the plan relied on optimistic forecasts of business rates and "
    "would leave the authority exposed if the economy slowed.</p>"
    "<p>The leader of the council said the budget protected front-line services and that "
    "reserves would be rebuilt over the next three years without cuts to bin collections.</p>"
)

GB = SiteProfile(name="gb", start_urls=(URL,), domains=("news.example.com",), language="en",
                 country="GB", timezone="Europe/London")
US = SiteProfile(name="us", start_urls=(URL,), domains=("news.example.com",), language="en",
                 country="US", timezone="America/New_York")

def build_page(*, head: str = "", header: str = "", body: str = PARAGRAPHS, after: str = "",
               lang: str = "en", title: str = "Council budget approved") -> str:
    """A plain article page: header with h1 and byline, body, then whatever comes after."""
    return (
        f'<!DOCTYPE html><html lang="{lang}"><head><meta charset="utf-8">'
        f"<title>{title} | Example News</title>"
        f'<meta property="og:site_name" content="Example News">{head}</head><body>'
        '<nav class="menu"><a href="/">Home</a> <a href="/news/">News</a></nav>'
        f'<main><article><header><h1>{title}</h1>{header}</header>'
        f'<div class="entry-content">{body}</div></article>{after}</main>'
        '<footer class="site-footer"><p>© 2014 Example News Ltd. All rights reserved.</p></footer>'
        "</body></html>"
    )


def parse(html: str | bytes, *, url: str = URL, profile: SiteProfile | None = None,
          fetched_at: datetime | None = FETCHED_AT, http_charset: str | None = None,
          ) -> ArticleRecord:
    """Parse a page that must be an article."""
    record = parse_article(html, url, profile=profile, fetched_at=fetched_at,
                           http_charset=http_charset)
    assert record is not None, "the page was not taken for an article"
    return record
