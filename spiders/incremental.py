"""What a crawl knows of the archive, and when an archived article's page is worth fetching.

A nightly crawl of a site it has archived before fetches its sitemaps, feeds and listing
pages as always, but an article page already archived only when it is *due*
(``RecheckPolicy.is_due``), and then conditionally (If-None-Match / If-Modified-Since with
the validators of its last full response), so that an unchanged page costs a 304.

``ArchivedPages`` holds, for each archived article, what that decision needs, keyed by the
crawl's canonical form (``spiders.urls.canonical_url``) of its fetched and of its canonical
URL. It is built by the CLI from the archive's rows (``items.ArchivedPage``) and lives as
long as the crawl, so it is compact: a 64-bit hash of each key (as ``spiders.urls.UrlSet``)
and one packed ``bytes`` per article (its dates, validators and URL), about 300 bytes an
article in all, where the rows it is built from take several times that
(tests/spiders/test_incremental.py measures it).

Links are not the only way to an archived page: an article no page links to any more (deep
in a section's pagination, or deleted) is still re-checked when due, since the spider goes
through ``ArchivedPages`` at its start and asks for every page due by age.
"""

from __future__ import annotations

import struct
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime, parsedate_to_datetime
from typing import TYPE_CHECKING

from spiders.urls import canonical_url

if TYPE_CHECKING:
    from items import ArchivedPage

# Defaults of the RECHECK_* settings (settings.py says why these).
RECHECK_YOUNG_DAYS = 3.0
RECHECK_EVERY_DAYS = 30.0

# Reasons `is_due` gives, also the suffixes of the spider's ``incremental/due/<reason>`` stats.
LISTED_LATER = "listed_later"  # the sitemap or feed dates the page after we last saw it
RECHECK_ALL = "recheck_all"  # the crawl re-checks every archived page (--recheck-all)
YOUNG = "young"  # published (else first archived) less than young_days ago
PERIODIC = "periodic"  # older, and last checked long enough ago

# article id, last checked, listed modified, age reference, gone at, Last-Modified (epoch
# seconds, NONE for None), gone status (0 for None); then the ETag's bytes.
_PACKED = struct.Struct("<qqqqqqH")
_NONE = -(2**63)
# Spreads the periodic re-checks of old articles over a window around every_days, so that a
# site archived in one night is not re-fetched all in one night a month later: the golden
# ratio's fractional multiples of the article id are evenly spread over [0, 1).
_GOLDEN = 0.6180339887498949
_SPREAD = 0.5  # each old article's interval is every_days x [0.75, 1.25)


@dataclass(frozen=True, slots=True)
class PageState:
    """One archived article as the spider sees it (aware UTC datetimes)."""

    url: str  # the crawl's canonical form of the URL it was last fetched at
    article_id: int
    etag: str | None
    http_last_modified: str | None  # an HTTP date, for If-Modified-Since
    last_checked_at: datetime | None
    listed_modified_at: datetime | None
    reference_at: datetime  # its age counts from here: published, else first archived
    gone_at: datetime | None
    gone_status: int | None

    def conditional_headers(self) -> dict[str, str]:
        """If-None-Match and If-Modified-Since from the last full response's validators."""
        headers = {}
        if self.etag:
            headers["If-None-Match"] = self.etag
        if self.http_last_modified:
            headers["If-Modified-Since"] = self.http_last_modified
        return headers


@dataclass(frozen=True, slots=True)
class RecheckPolicy:
    """When an archived article's page is fetched again (see ``is_due``)."""

    young_days: float = RECHECK_YOUNG_DAYS
    every_days: float = RECHECK_EVERY_DAYS
    recheck_all: bool = False  # every archived page that is not gone, every crawl

    def __post_init__(self) -> None:
        if self.young_days < 0 or self.every_days < 0:
            raise ValueError(
                f"re-check days must be 0 or more, not {self.young_days} / {self.every_days}"
            )

    def is_due(
        self, page: PageState, listed_modified_at: datetime | None, now: datetime
    ) -> str | None:
        """Why the page is to be fetched again now, or None if it is not.

        `listed_modified_at` is the date the sitemap or feed entry that led here gives the
        page (None: found through a link, or undated). Due, in this order:

        - when that date is later than every date the archive has seen the page at (the
          listing date stored, the last check, the moment it went): the site says it
          changed. This holds for gone pages too: a page listed again after it went;
        - never otherwise for a gone page (404/410): the failure retries handle those;
        - always with ``recheck_all``;
        - when it is young: published (else first archived) under `young_days` ago;
        - when last checked `every_days` ago or more (give or take a quarter, spread by
          article so that the re-checks of a site archived in one night are spread too).
        """
        known = [
            moment
            for moment in (page.listed_modified_at, page.last_checked_at, page.gone_at)
            if moment is not None
        ]
        # To the second: that is how ArchivedPages keeps its dates.
        listed = listed_modified_at and listed_modified_at.replace(microsecond=0)
        if listed is not None and (not known or listed > max(known)):
            return LISTED_LATER
        if page.gone_at is not None:
            return None
        if self.recheck_all:
            return RECHECK_ALL
        if now - page.reference_at < timedelta(days=self.young_days):
            return YOUNG
        if page.last_checked_at is None:
            return PERIODIC
        spread = 1 - _SPREAD / 2 + (page.article_id * _GOLDEN) % 1 * _SPREAD
        if now - page.last_checked_at >= timedelta(days=self.every_days * spread):
            return PERIODIC
        return None


class ArchivedPages:
    """The archived articles of the crawled sites, by the canonical forms of their URLs."""

    __slots__ = ("_entries", "articles")

    def __init__(self, pages: Iterable[ArchivedPage] = ()) -> None:
        self._entries: dict[int, bytes] = {}
        self.articles = 0
        for page in pages:
            self.add(page)

    def __len__(self) -> int:
        return self.articles

    def add(self, page: ArchivedPage) -> None:
        packed = _PACKED.pack(
            page.article_id,
            _epoch(page.last_checked_at),
            _epoch(page.listed_modified_at),
            _epoch(page.published_at or page.first_seen_at),
            _epoch(page.gone_at),
            _epoch(_http_date(page.http_last_modified)),
            page.gone_status or 0,
        )
        urls = []
        for url in (page.url, page.canonical_url):
            if not url:
                continue
            try:
                urls.append(canonical_url(url))
            except ValueError:  # a URL the crawl cannot fetch cannot lead it here either
                continue
        if not urls:
            return
        # An ETag holds no line break (it is a header value): the URL follows the first.
        packed += b"\n".join([(page.etag or "").encode("utf-8"), urls[0].encode("utf-8")])
        for url in urls:
            self._entries[hash(url)] = packed
        self.articles += 1

    def __iter__(self) -> Iterator[PageState]:
        """Every archived article, once."""
        for key, packed in self._entries.items():
            page = self._unpacked(packed)
            if hash(page.url) == key:  # not its other URL's entry
                yield page

    def get(self, url: str) -> PageState | None:
        """The archived article whose URL, in the crawl's canonical form, is `url`."""
        packed = self._entries.get(hash(url))
        return None if packed is None else self._unpacked(packed)

    @staticmethod
    def _unpacked(packed: bytes) -> PageState:
        article_id, checked, listed, reference, gone, last_modified, status = _PACKED.unpack_from(
            packed
        )
        etag, _, url = packed[_PACKED.size :].decode("utf-8").partition("\n")
        modified = _datetime(last_modified)
        return PageState(
            url=url,
            article_id=article_id,
            etag=etag or None,
            http_last_modified=None if modified is None else format_datetime(modified, True),
            last_checked_at=_datetime(checked),
            listed_modified_at=_datetime(listed),
            reference_at=_datetime(reference) or datetime.fromtimestamp(0, UTC),
            gone_at=_datetime(gone),
            gone_status=status or None,
        )


def _http_date(text: str | None) -> datetime | None:
    """A Last-Modified header's time, to send back as If-Modified-Since; None if unreadable."""
    if not text:
        return None
    try:
        value = parsedate_to_datetime(text)
    except (TypeError, ValueError, IndexError):
        return None
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value


def _epoch(value: datetime | None) -> int:
    return _NONE if value is None else int(value.timestamp())


def _datetime(epoch: int) -> datetime | None:
    return None if epoch == _NONE else datetime.fromtimestamp(epoch, UTC)
