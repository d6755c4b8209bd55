"""The records passed between stages: what a parser returns and what the archive stores.

Frozen, slotted dataclasses (Scrapy accepts them as items). Tuples rather than lists,
``None`` for "absent" (never ``""``), aware datetimes (a publication time keeps the
offset the page gives, so its day is the page's local day; times the archive itself
records are UTC). Field names are the keys of the
record's JSON form (``record_to_json``), which the CLI, fixtures and exports all share.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import Any

RECORD_KEYS: tuple[str, ...] = (
    "url",
    "canonical_url",
    "site",
    "title",
    "summary",
    "published",
    "modified",
    "authors",
    "section",
    "tags",
    "language",
    "body",
    "lists",
    "related",
    "images",
    "provenance",
)


@dataclass(frozen=True, slots=True)
class ListBlock:
    """A bullet or numbered list inside an article, with the line that introduces it."""

    heading: str | None
    ordered: bool
    items: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class RelatedLink:
    """A link the page offers to another article ("Similar Articles", "Related", ...)."""

    url: str  # absolute
    title: str
    teaser: str | None = None
    comments: int | None = None


@dataclass(frozen=True, slots=True)
class ArticleImage:
    """An image inside the article body (not logos, avatars or sidebar thumbnails)."""

    url: str  # absolute
    caption: str | None = None


@dataclass(frozen=True, slots=True)
class ArticleRecord:
    """One article as extracted from one fetched page."""

    url: str  # as fetched
    canonical_url: str | None  # <link rel=canonical> or og:url; the archive's key when set
    site: str  # host name, e.g. "www.chamberlainfiles.com"
    title: str | None
    summary: str | None  # standfirst or description
    published: date | datetime | None  # datetime only with a time; aware, the page's own offset
    modified: date | datetime | None  # same; a time with no known zone keeps only its date
    authors: tuple[str, ...]
    section: str | None
    tags: tuple[str, ...]
    language: str | None  # e.g. "en"
    body: str  # paragraphs separated by blank lines, one list item a line
    lists: tuple[ListBlock, ...]
    related: tuple[RelatedLink, ...]
    images: tuple[ArticleImage, ...]
    provenance: Mapping[str, str]  # field -> how it was found, e.g. {"published": "json-ld"}
    # Not part of the JSON record nor of its content: how the page was fetched, for the
    # archive. When (aware UTC); the response's validators (ETag and Last-Modified headers,
    # as sent) for the next crawl's conditional request; the date the sitemap or feed that
    # listed the page gave it (aware UTC), if one did.
    fetched_at: datetime | None = field(default=None, compare=False)
    etag: str | None = field(default=None, compare=False)
    http_last_modified: str | None = field(default=None, compare=False)
    listed_modified_at: datetime | None = field(default=None, compare=False)
    # Nor is how it was extracted: the parser's version (parsers.PARSER_VERSION), and the
    # raw capture of the response it was read from (RawCapture.key), which the archive
    # turns into the capture's id on the version it writes.
    parser_version: str | None = field(default=None, compare=False)
    capture_key: str | None = field(default=None, compare=False)

    @property
    def archive_key(self) -> str:
        """The URL the archive files this article under: canonical when the page names one."""
        return self.canonical_url or self.url


@dataclass(frozen=True, slots=True)
class RawCapture:
    """One HTTP response exactly as the crawler received it, with the request that got it:
    what a WARC request/response pair holds. Kept for every response, redirects, 304s and
    errors included, so that a page can be parsed again by a later parser."""

    url: str  # the URL requested (a redirect's own URL, not where it led)
    method: str  # e.g. "GET"
    request_headers: tuple[tuple[str, str], ...]  # (name, value) pairs as sent, in order
    status: int
    protocol: str | None  # e.g. "HTTP/1.1"; None when the client did not say
    response_headers: tuple[tuple[str, str], ...]  # as received, Content-Encoding included
    body: bytes = field(repr=False)  # as received: still gzip/br when the server sent it so
    fetched_at: datetime  # aware UTC
    source: str | None = None  # None for a crawl; e.g. "warc:<file name>" for an import
    # Names this capture within the crawl, for the records read from it (ArticleRecord.
    # capture_key): the archive links each version to the capture it was extracted from.
    key: str = field(default_factory=lambda: uuid.uuid4().hex, compare=False)


@dataclass(frozen=True, slots=True)
class FetchFailure:
    """A page that could not be fetched or parsed, recorded so it can be retried."""

    url: str
    reason: str  # one line, e.g. "HTTP 404" or "TimeoutError: took longer than 180 s"
    failed_at: datetime  # aware UTC
    status: int | None = None  # HTTP status when there was a response


@dataclass(frozen=True, slots=True)
class FetchRecovered:
    """URLs that had failed before and were fetched fine now: their failures are resolved.

    Yielded for any page, article or not (a section page that was down counts too).
    """

    urls: tuple[str, ...]  # the URL asked for, any redirect hops, the URL that answered
    fetched_at: datetime  # aware UTC


@dataclass(frozen=True, slots=True)
class PageNotModified:
    """An archived article's page answered a conditional request with 304 Not Modified:
    the archived content is still what the site serves."""

    url: str  # as asked
    article_id: int  # the archived article (ArchivedPage.article_id)
    checked_at: datetime  # aware UTC
    listed_modified_at: datetime | None = None  # the listing's date for it, if any


@dataclass(frozen=True, slots=True)
class PageGone:
    """An archived article's page answered 404 or 410: the article stays, marked gone."""

    url: str  # as asked
    article_id: int
    status: int  # 404 or 410
    gone_at: datetime  # aware UTC


@dataclass(frozen=True, slots=True)
class ResponseDone:
    """The last item of a response (or failed request) of a crawl on a shared frontier: once
    the archive has committed it, everything before it is stored, and the frontier may
    forget the request (spiders/frontier.py). The archive stores nothing for it."""

    token: str  # the request's entry among its worker's in-flight requests


# The Scrapy signal the archive pipeline sends after a commit that holds ResponseDone items,
# with them as ``done`` (a list): the frontier acknowledges their requests then.
ARCHIVE_COMMITTED = object()
# The Scrapy signal a crawl sends when it learns of sites after it opened (a worker on a
# shared frontier), with their profiles as ``profiles``: what the archive holds of them
# (archived pages, past failures) is handed to the spider then.
SITES_ADDED = object()


# A crawl of many sites in one process (a worker on a shared frontier) counts some stats per
# site too, under ``sites/NAME/STAT`` (the profile's name, the stat's usual key), so that the
# archive records one crawl run per site it worked on, as a crawl of one site does.
SITE_STATS_PREFIX = "sites/"


def site_stat(site: str, stat: str) -> str:
    """The key under which a crawl of many sites counts `stat` for the site named `site`."""
    return f"{SITE_STATS_PREFIX}{site}/{stat}"


def sites_counted(stats: Mapping[str, Any]) -> list[str]:
    """The names of the sites a crawl of many counted anything for (a profile's name is a
    file name: it holds no "/")."""
    return sorted(
        {
            key.removeprefix(SITE_STATS_PREFIX).split("/", 1)[0]
            for key in stats
            if key.startswith(SITE_STATS_PREFIX)
        }
    )


def site_counts(stats: Mapping[str, Any], site: str) -> dict[str, int]:
    """The integer stats counted for the site named `site`, under their usual keys."""
    prefix = site_stat(site, "")
    return {
        key.removeprefix(prefix): value
        for key, value in stats.items()
        if key.startswith(prefix) and isinstance(value, int) and not isinstance(value, bool)
    }


@dataclass(frozen=True, slots=True)
class ArchivedPage:
    """What a crawl needs to know of an archived article to decide whether (and how) to
    fetch its page again: read from the archive, handed to the spider."""

    article_id: int
    url: str  # as last fetched
    canonical_url: str | None
    etag: str | None  # of the last full response
    http_last_modified: str | None  # the header, as sent
    last_checked_at: datetime | None  # last 200 or 304 (aware UTC)
    listed_modified_at: datetime | None  # the listing's date when last checked
    published_at: datetime | None  # aware UTC
    first_seen_at: datetime
    gone_at: datetime | None  # set once the page answered 404 or 410
    gone_status: int | None


def _iso(value: date | datetime | None) -> str | None:
    return None if value is None else value.isoformat()


def record_to_json(record: ArticleRecord) -> dict[str, Any]:
    """The record's JSON form: exactly RECORD_KEYS, dates as ISO 8601, tuples as lists."""
    return {
        "url": record.url,
        "canonical_url": record.canonical_url,
        "site": record.site,
        "title": record.title,
        "summary": record.summary,
        "published": _iso(record.published),
        "modified": _iso(record.modified),
        "authors": list(record.authors),
        "section": record.section,
        "tags": list(record.tags),
        "language": record.language,
        "body": record.body,
        "lists": [
            {"heading": block.heading, "ordered": block.ordered, "items": list(block.items)}
            for block in record.lists
        ],
        "related": [
            {"url": link.url, "title": link.title, "teaser": link.teaser, "comments": link.comments}
            for link in record.related
        ],
        "images": [{"url": image.url, "caption": image.caption} for image in record.images],
        "provenance": dict(sorted(record.provenance.items())),
    }


def parse_iso_date(text: str | None) -> date | datetime | None:
    """Read back a `published`/`modified` value: a date for YYYY-MM-DD, else an aware datetime."""
    if text is None:
        return None
    if len(text) == 10:
        return date.fromisoformat(text)
    value = datetime.fromisoformat(text)
    return value if value.tzinfo else value.replace(tzinfo=UTC)


def record_from_json(data: Mapping[str, Any]) -> ArticleRecord:
    """Rebuild a record from its JSON form (fixtures, JSON lines)."""
    return ArticleRecord(
        url=data["url"],
        canonical_url=data["canonical_url"],
        site=data["site"],
        title=data["title"],
        summary=data["summary"],
        published=parse_iso_date(data["published"]),
        modified=parse_iso_date(data["modified"]),
        authors=tuple(data["authors"]),
        section=data["section"],
        tags=tuple(data["tags"]),
        language=data["language"],
        body=data["body"],
        lists=tuple(
            ListBlock(heading=b["heading"], ordered=b["ordered"], items=tuple(b["items"]))
            for b in data["lists"]
        ),
        related=tuple(
            RelatedLink(url=r["url"], title=r["title"], teaser=r["teaser"], comments=r["comments"])
            for r in data["related"]
        ),
        images=tuple(ArticleImage(url=i["url"], caption=i["caption"]) for i in data["images"]),
        provenance=dict(data["provenance"]),
    )
