"""Published and modified dates, machine-readable first; the only caller of dateparser.

Time zones: a datetime keeps the offset the page gives ("2021-03-04T00:30:00+01:00" stays at
+01:00, so its day is the page's local day). A UTC timestamp ("...Z", "+00:00") is shown in
the site's zone when that zone is known: from the profile, from another timestamp on the page
naming the same instant with its local offset, or from the country or language of the page.
A time printed without an offset is read in the site's zone; when no zone is known it names
no instant, so only its day is kept (a ``date``), rather than an invented offset.
"""

from __future__ import annotations

import email.utils
import itertools
import re
from collections.abc import Iterable, Iterator, Sequence
from datetime import UTC, date, datetime, timedelta, timezone, tzinfo
from functools import cached_property, lru_cache
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import dateparser
from lxml import etree

from parsers.boilerplate import class_words, is_elsewhere
from parsers.language import detect_language
from parsers.page import Found, Page, first_found, is_inside
from parsers.text import last_lines, squash, text_of

if TYPE_CHECKING:
    from lxml.html import HtmlElement

DateValue = date | datetime

# Month names read without dateparser: English, German, French, Spanish, Italian, Dutch and
# Portuguese, full and abbreviated (dateparser still reads every other language).
_MONTH_NAMES = (
    "january jan januar jänner janvier janv enero ene gennaio gen januari janeiro",
    "february feb februar feber février févr fevrier febrero febbraio februari fevereiro fev",
    "march mar märz mär maerz mars marzo maart março",
    "april apr avril avr abril aprile",
    "may mai mayo maggio mag mei maio",
    "june jun juni juin junio giugno giu junho",
    "july jul juli juillet juil julio luglio lug julho",
    "august aug août aout agosto ago augustus",
    "september sep sept septembre setiembre septiembre settembre set setembro",
    "october oct oktober okt octobre octubre ottobre ott outubro out",
    "november nov novembre noviembre novembro",
    "december dec dezember dez décembre déc decembre diciembre dic dicembre dezembro",
)
_MONTHS = {name: number for number, names in enumerate(_MONTH_NAMES, 1) for name in names.split()}
_MONTH = r"(?P<m>" + "|".join(sorted(_MONTHS, key=len, reverse=True)) + r")\.?"
_DAY = r"(?P<d>[0-3]?\d)(?:st|nd|rd|th)?"
_YEAR = r"(?P<y>(?:19|20)\d\d)"
# English printed dates, read without dateparser: "28.Oct 2014", "Tuesday 4 November 2014",
# "October 28, 2014", "2014-10-28", "05/11/2014".
_DAY_MONTH_YEAR = re.compile(
    rf"\b{_DAY}[\s.\-/]*(?:(?:of|de|del)\s+)?{_MONTH}(?![^\W\d_])[\s.,\-/]*(?:de\s+)?{_YEAR}\b",
    re.I,
)
_MONTH_DAY_YEAR = re.compile(rf"\b{_MONTH}(?![^\W\d_])\s+{_DAY},?\s+{_YEAR}\b", re.I)
_ISO_DATE = re.compile(r"\b(?P<y>(?:19|20)\d\d)[-/.](?P<m>[01]?\d)[-/.](?P<d>[0-3]?\d)\b")
_NUMERIC = re.compile(r"\b(?P<a>[0-3]?\d)[./-](?P<b>[0-3]?\d)[./-](?P<y>(?:19|20)\d\d|\d\d)\b")
_TIME = re.compile(
    r"(?P<h>[0-2]?\d)(?:[:.h](?P<mi>[0-5]\d))?(?::(?P<s>[0-5]\d))?\s*"
    r"(?P<ampm>[ap]\.?m\.?)?(?![\d])\s*(?P<zone>GMT|UTC|BST|CET|CEST|MEZ|MESZ|EST|EDT|CST|CDT|"
    r"MST|MDT|PST|PDT|Z)?(?![A-Za-z])",
    re.I,
)
_ZONE_OFFSETS = {
    "gmt": 0,
    "utc": 0,
    "z": 0,
    "bst": 1,
    "cet": 1,
    "mez": 1,
    "cest": 2,
    "mesz": 2,
    "est": -5,
    "edt": -4,
    "cst": -6,
    "cdt": -5,
    "mst": -7,
    "mdt": -6,
    "pst": -8,
    "pdt": -7,
}
_EXPLICIT_ZONE = re.compile(
    r"\b(?:GMT|UTC|BST|CET|CEST|MEZ|MESZ|EST|EDT|PST|PDT)\b|[+-]\d\d:?\d\d\b|\dZ\b"
)
_RELATIVE = re.compile(
    r"\bago\b|\byesterday\b|\btoday\b|\bgestern\b|\bheute\b|\bvor\s+\d|\bhier\b|\bil y a\b|"
    r"\bayer\b|\bhace\b|\bieri\b|\bfa\b|\bsiden\b|\bgeleden\b|\bgisteren\b",
    re.I,
)
# Two numbers, or a number and a word (a month's name): a lone "2015" names no day, and
# dateparser, the slowest step here, need not be asked.
_NAMES_A_DAY = re.compile(r"\d\D+\d|\d.*[^\W\d_]{3}|[^\W\d_]{3}.*\d")
_HOUR_PRECISE = re.compile(r"\b(?:min|minute|minuten|hour|hr|stunde|heure|hora|ora|uur)", re.I)
_CLOCK = re.compile(r"\d[:.h]\d\d|\d\s*[ap]\.?m\b", re.I)
_LEADING_WORDS = re.compile(
    r"^(?:(?:last\s+)?(?:posted|published|updated|modified|created|date|dated|written|"
    r"veröffentlicht|aktualisiert|erstellt|stand|datum|publié|mis à jour|publicado|actualizado|"
    r"pubblicato|aggiornato|gepubliceerd)\b\s*(?:on|am|le|el|il|op|:)?\s*)+",
    re.I,
)
_UPDATE_LABEL_BEFORE = re.compile(
    r"\b(?:updated|edited|modified|aktualisiert|geändert|stand|mis à jour|actualizado|"
    r"aggiornato)\W{0,3}(?:on|am|le|el|il)?\W*$",
    re.I,
)
# Where a line moves on to the modified date: "... last edited: 17 Jun 2018".
_UPDATE_IN_LINE = re.compile(
    r"\b(?:(?:last\s+)?(?:updated|edited|modified)|aktualisiert|geändert|mis à jour|"
    r"actualizado|aggiornato)\b",
    re.I,
)
_UPDATED = re.compile(
    r"^\W*(?:last\s+)?(?:updated|modified|edited|aktualisiert|geändert|"
    r"mis à jour|actualizado|aggiornato)\b",
    re.I,
)
# A printed label that announces the publication date ("Published: ...", "Datum: ...").
# "Updated", "Stand" and "Aktualisiert" are left out: they introduce the modified date.
_PUBLISHED_LABEL = (
    r"^\W{0,3}(?:published|publication date|date published|posted|first published|date|"
    r"veröffentlicht|erschienen|erstellt|datum|publié|date de publication|publicado|"
    r"publicada|fecha|pubblicato|data|gepubliceerd|datum publicatie|publicerad|publiceret|"
    r"udgivet|opublikowano)\b"
)
_PUBLISHED_LABEL_RE = re.compile(_PUBLISHED_LABEL, re.I)
_PLAUSIBLE_YEARS = range(1995, 2100)
_DATE_WORDS = frozenset(
    {
        "date",
        "time",
        "published",
        "pubdate",
        "posted",
        "postdate",
        "timestamp",
        "dateline",
        "datetime",
        "byline",
        "meta",
        "publish",
        "publication",
        "posted-on",
        "entry-date",
        "datum",
        "fecha",
        "data",
        # Drupal prints "Submitted by NAME on DATE" in div.submitted; WordPress's classic
        # themes put the date line in p.postmetadata / div.postmeta.
        "submitted",
        "postmetadata",
        "postmeta",
    }
)
_NOT_PUBLISHED_WORDS = frozenset(
    {
        "updated",
        "update",
        "modified",
        "lastmod",
        "today",
        "current",
        "clock",
        "weather",
        "expiry",
        "event",
        "comment",
        "comments",
    }
)
_MODIFIED_WORDS = frozenset({"updated", "update", "modified", "lastmod"})
_DATE_OR_MODIFIED_WORDS = _DATE_WORDS | _MODIFIED_WORDS


# Class words that name the publication date itself: hAtom's "entry-date published updated"
# marks the one date of a never-edited post with both, and it is the publication date.
_PUBLISHED_WORDS = frozenset({"published", "pubdate", "publishdate", "publish", "posted"})
# /2014/11/04/, /2017/7/12/, /2014-11-04-, /20141104/ in an article's path.
_URL_DATE = re.compile(
    r"/((?:19|20)\d\d)([/-]?)(0[1-9]|1[0-2]|(?<=/)[1-9](?=/))\2"
    r"(0[1-9]|[12]\d|3[01]|(?<=/)[1-9](?=/))(?:/|[-_.]|$)"
)
_ITEM_TYPES_NOT_ARTICLE = re.compile(r"Comment|Review|Answer|Question|Event|Offer", re.I)

# Countries that keep one civil time zone, by ISO 3166 code; a page from one of them (by its
# language region, profile or country TLD) is read in that zone.
_COUNTRY_ZONES = {
    "GB": "Europe/London",
    "UK": "Europe/London",
    "IE": "Europe/Dublin",
    "DE": "Europe/Berlin",
    "AT": "Europe/Vienna",
    "CH": "Europe/Zurich",
    "LI": "Europe/Vaduz",
    "FR": "Europe/Paris",
    "BE": "Europe/Brussels",
    "LU": "Europe/Luxembourg",
    "NL": "Europe/Amsterdam",
    "IT": "Europe/Rome",
    "SM": "Europe/San_Marino",
    "MT": "Europe/Malta",
    "ES": "Europe/Madrid",
    "DK": "Europe/Copenhagen",
    "SE": "Europe/Stockholm",
    "NO": "Europe/Oslo",
    "FI": "Europe/Helsinki",
    "IS": "Atlantic/Reykjavik",
    "PL": "Europe/Warsaw",
    "CZ": "Europe/Prague",
    "SK": "Europe/Bratislava",
    "HU": "Europe/Budapest",
    "SI": "Europe/Ljubljana",
    "HR": "Europe/Zagreb",
    "RS": "Europe/Belgrade",
    "RO": "Europe/Bucharest",
    "BG": "Europe/Sofia",
    "GR": "Europe/Athens",
    "CY": "Asia/Nicosia",
    "EE": "Europe/Tallinn",
    "LV": "Europe/Riga",
    "LT": "Europe/Vilnius",
    "UA": "Europe/Kyiv",
    "TR": "Europe/Istanbul",
    "IL": "Asia/Jerusalem",
    "IN": "Asia/Kolkata",
    "PK": "Asia/Karachi",
    "CN": "Asia/Shanghai",
    "HK": "Asia/Hong_Kong",
    "TW": "Asia/Taipei",
    "JP": "Asia/Tokyo",
    "KR": "Asia/Seoul",
    "SG": "Asia/Singapore",
    "PH": "Asia/Manila",
    "TH": "Asia/Bangkok",
    "VN": "Asia/Ho_Chi_Minh",
    "NZ": "Pacific/Auckland",
    "ZA": "Africa/Johannesburg",
    "NG": "Africa/Lagos",
    "KE": "Africa/Nairobi",
    "EG": "Africa/Cairo",
    "AR": "America/Argentina/Buenos_Aires",
    "UY": "America/Montevideo",
    "CO": "America/Bogota",
    "PE": "America/Lima",
    "VE": "America/Caracas",
    "CL": "America/Santiago",
    "AW": "America/Aruba",
    "PR": "America/Puerto_Rico",
}
# Languages written almost only inside one zone (English, Spanish, Portuguese, Arabic and
# Russian are not: their readers span many zones).
_LANGUAGE_ZONES = {
    "de": "Europe/Berlin",
    "it": "Europe/Rome",
    "fr": "Europe/Paris",
    "nl": "Europe/Amsterdam",
    "da": "Europe/Copenhagen",
    "sv": "Europe/Stockholm",
    "no": "Europe/Oslo",
    "nb": "Europe/Oslo",
    "fi": "Europe/Helsinki",
    "pl": "Europe/Warsaw",
    "cs": "Europe/Prague",
    "sk": "Europe/Bratislava",
    "hu": "Europe/Budapest",
    "sl": "Europe/Ljubljana",
    "hr": "Europe/Zagreb",
    "ro": "Europe/Bucharest",
    "bg": "Europe/Sofia",
    "el": "Europe/Athens",
    "et": "Europe/Tallinn",
    "lv": "Europe/Riga",
    "lt": "Europe/Vilnius",
    "uk": "Europe/Kyiv",
    "tr": "Europe/Istanbul",
    "he": "Asia/Jerusalem",
    "ja": "Asia/Tokyo",
    "ko": "Asia/Seoul",
    "zh": "Asia/Shanghai",
    "th": "Asia/Bangkok",
    "vi": "Asia/Ho_Chi_Minh",
}


def extract_published(page: Page, *, scope: HtmlElement | None = None) -> Found[DateValue] | None:
    """The publication date, never the modified date, the fetch date or a date in the body.

    A date printed without a time is a ``date``; with a time, an aware ``datetime`` in the
    page's own offset or the site's zone (see the module docstring).
    ``scope`` is the element holding the article (headline, byline, body), searched first.
    """
    dating = _Dating(page, scope, published=True)
    selected = _from_selector(dating, "published")
    if selected is not None:
        return selected
    claimed = first_found(
        lambda: _from_json_ld(dating, "datePublished", "dateCreated"),
        lambda: _from_meta(dating, _PUBLISHED_META),
        lambda: _from_itemprop(dating, "datepublished"),
    )
    if claimed is not None:
        return _reconciled(dating, claimed)
    return first_found(
        lambda: _from_time_element(dating, modified=False),
        lambda: _from_byline(dating),
        lambda: _from_url_path(dating),
        lambda: _from_signature(dating),
        lambda: _from_script_data(dating),
    )


def extract_modified(page: Page, *, scope: HtmlElement | None = None) -> Found[DateValue] | None:
    """The last-modified date the page states, machine-readable sources only."""
    dating = _Dating(page, scope, published=False)
    return first_found(
        lambda: _from_selector(dating, "modified"),
        lambda: _from_json_ld(dating, "dateModified"),
        lambda: _from_meta(dating, _MODIFIED_META),
        lambda: _from_itemprop(dating, "datemodified"),
        lambda: _from_time_element(dating, modified=True),
        lambda: _from_update_line(dating),
    )


def _reconciled(dating: _Dating, claimed: Found[DateValue]) -> Found[DateValue]:
    """The page's machine-readable claim, unless the article's own address contradicts it.

    A date in the URL path is fixed when the article is first saved; a datePublished days
    after it comes from a re-import or a re-index of the archive (a CMS migration stamps
    every old post with the day it ran), so the URL's earlier day is the publication day.
    """
    url_date = _from_url_path(dating)
    if url_date is None or not _later_day(claimed.value, url_date.value):
        return claimed
    return url_date


def _later_day(value: DateValue, than: DateValue) -> bool:
    """More than a day after: two readings of one instant in two zones differ by one day."""
    day = value.date() if isinstance(value, datetime) else value
    other = than.date() if isinstance(than, datetime) else than
    return (day - other).days > 1


_PUBLISHED_META = (
    "article:published_time",
    "og:article:published_time",
    "og:published_time",
    "published_time",
    "datepublished",
    "dc.date.issued",
    "dcterms.issued",
    "dc.date",
    "dcterms.date",
    "dcterms.created",
    "dc.date.created",
    "parsely-pub-date",
    "sailthru.date",
    "publish-date",
    "publish_date",
    "publishdate",
    "pubdate",
    "publication_date",
    "article.published",
    "article_date_original",
    "date",
    "citation_publication_date",
    "citation_date",
    "originalpublicationdate",
)
_MODIFIED_META = (
    "article:modified_time",
    "og:article:modified_time",
    "og:updated_time",
    "datemodified",
    "dc.date.modified",
    "dcterms.modified",
    "last-modified",
    "lastmod",
)


class _Dating:
    """What reading one page's dates needs: its zone, its language, its other timestamps."""

    def __init__(self, page: Page, scope: HtmlElement | None, *, published: bool) -> None:
        self.page = page
        self.scope = scope
        self.published = published

    @cached_property
    def profile_zone(self) -> tzinfo | None:
        return _zone_named(self.page.timezone)

    @cached_property
    def zone(self) -> tzinfo | None:
        """The site's zone: the profile's, else the zone of the page's country or language."""
        if self.profile_zone is not None:
            return self.profile_zone
        country = self.page.country
        if country in _COUNTRY_ZONES:
            return _zone_named(_COUNTRY_ZONES[country])
        language = self.page.language
        if language in _LANGUAGE_ZONES and not country:
            return _zone_named(_LANGUAGE_ZONES[language])
        return None

    @cached_property
    def language(self) -> str | None:
        """The declared language, else the one detected in the article's first paragraphs."""
        if self.page.language:
            return self.page.language
        root = self.scope if self.scope is not None else self.page.tree
        sample: list[str] = []
        size = 0
        for paragraph in root.iter("p"):
            text = text_of(paragraph)
            sample.append(text)
            size += len(text)
            if size > 1000:
                break
        return detect_language(" ".join(sample))

    @cached_property
    def stamps(self) -> tuple[datetime, ...]:
        """Every ISO timestamp the page states in markup: time elements, meta, JSON-LD."""
        raws = [raw for raw, _ in self._time_elements]
        for name, values in self.page.meta.items():
            if "date" in name or "time" in name:
                raws.extend(values)
        for obj in self.page.json_ld:
            for key in ("datePublished", "dateCreated", "dateModified", "uploadDate"):
                value = obj.get(key)
                if isinstance(value, str):
                    raws.append(value)
        found = (_iso_datetime(raw.strip()) for raw in raws if "T" in raw or " " in raw.strip())
        return tuple(value for value in found if value is not None)

    @cached_property
    def printed_days(self) -> dict[datetime, date]:
        """The day printed for readers next to a timestamp: <time datetime=...>Oct 10, 2023."""
        days: dict[datetime, date] = {}
        for raw, text in self._time_elements:
            stamp = _iso_datetime(raw.strip())
            if stamp is not None and stamp.tzinfo is not None and text:
                found = _english_day(text, self.page.date_order)
                if found is not None:
                    days.setdefault(stamp, found[0])
        return days

    @cached_property
    def _time_elements(self) -> tuple[tuple[str, str], ...]:
        pairs: list[tuple[str, str]] = []
        for count, element in enumerate(self.page.tree.iter("time")):
            if count >= 60:
                break
            raw = element.get("datetime")
            if raw:
                pairs.append((raw, squash(element.text_content())[:60]))
        return tuple(pairs)

    def local(self, value: datetime) -> DateValue:
        """The datetime as the page's readers see it (see the module docstring)."""
        if value.tzinfo is None:
            return self._placed(value)
        offset = value.utcoffset()
        if offset:
            return value
        if self.profile_zone is not None:
            return value.astimezone(self.profile_zone)
        hint = self._offset_hint(value)
        if hint is not None:
            return value.astimezone(timezone(hint))
        # A site whose CMS runs on UTC prints the UTC day next to the timestamp.
        if self.printed_days.get(value) == value.astimezone(UTC).date():
            return value.astimezone(UTC)
        if self.zone is not None:
            return value.astimezone(self.zone)
        return self._url_day(value) or value.astimezone(UTC)

    def _url_day(self, value: datetime) -> date | None:
        """The day the article's URL names, when a UTC publication time falls on the next or
        the previous day: the site's unknown zone moved it, and the site's own day is the
        one its readers see. Only its day is known then, so only the day is kept.
        """
        if not self.published or (match := _URL_DATE.search(self.page.url)) is None:
            return None
        day = _safe_date(int(match[1]), int(match[3]), int(match[4]))
        utc = value.astimezone(UTC)
        if day == utc.date() - timedelta(days=1) and utc.hour < 14:
            return day
        if day == utc.date() + timedelta(days=1) and utc.hour >= 10:
            return day
        return None

    def _placed(self, wall: datetime) -> DateValue:
        """A wall-clock time, read in the site's zone; its day alone when no zone is known."""
        if self.profile_zone is not None:
            return wall.replace(tzinfo=self.profile_zone)
        for stamp in self.stamps:
            offset = stamp.utcoffset()
            if offset is not None and stamp.replace(tzinfo=None) == wall:
                return wall.replace(tzinfo=timezone(offset))
            if offset == timedelta(0) and (hint := _shift(stamp.replace(tzinfo=None), wall)):
                return wall.replace(tzinfo=timezone(hint))
        if self.zone is not None:
            return wall.replace(tzinfo=self.zone)
        return wall.date()

    def _offset_hint(self, value: datetime) -> timedelta | None:
        """The local offset of a UTC timestamp, from another stamp naming the same instant."""
        naive_utc = value.astimezone(UTC).replace(tzinfo=None)
        for stamp in self.stamps:
            offset = stamp.utcoffset()
            if offset is None:
                hint = _shift(naive_utc, stamp)
                if hint is not None:
                    return hint
            elif offset and stamp == value:
                return offset
        return None


def _shift(utc_wall: datetime, local_wall: datetime) -> timedelta | None:
    """The offset that turns a UTC wall-clock time into the same instant's local one.

    Only a whole number of quarter hours within a day, with the same seconds: a page that
    prints 23:30:59 next to 05:30:59Z means UTC-6, one that prints 23:12:07 means nothing.
    """
    difference = local_wall - utc_wall
    if not difference or abs(difference) > timedelta(hours=14):
        return None
    if difference % timedelta(minutes=15) or (local_wall.second == 0 and local_wall.minute == 0):
        return None
    return difference


def _from_selector(dating: _Dating, field: str) -> Found[DateValue] | None:
    page = dating.page
    for element in page.select(page.selector_for(field)):
        value = _date_of_element(dating, element)
        if value is not None:
            return Found(value, "selector")
    return None


def _from_json_ld(dating: _Dating, *keys: str) -> Found[DateValue] | None:
    for obj in dating.page.json_ld_article:
        for key in keys:
            raw = obj.get(key)
            if isinstance(raw, list) and raw:
                raw = raw[0]
            if isinstance(raw, int) and not isinstance(raw, bool):
                raw = str(raw)  # a Unix timestamp, in seconds or milliseconds
            if isinstance(raw, str):
                value = _machine_date(raw, dating=dating)
                if value is not None:
                    return Found(value, "json-ld")
    return None


def _from_meta(dating: _Dating, names: Iterable[str]) -> Found[DateValue] | None:
    for name in names:
        for raw in dating.page.meta.get(name, ()):
            value = _machine_date(raw, dating=dating)
            if value is not None:
                return Found(value, "meta")
    return None


def _from_itemprop(dating: _Dating, prop: str) -> Found[DateValue] | None:
    for element in dating.page.with_attribute.get("itemprop", ()):
        itemprop = element.get("itemprop")  # <meta> has no printed date
        if not itemprop or itemprop.lower() != prop or element.tag == "meta":
            continue
        if not in_article_item(element):
            continue
        value = _date_of_element(dating, element)
        if value is not None:
            return Found(value, "itemprop")
    return None


def in_article_item(element: HtmlElement) -> bool:
    """Microdata of the article itself: its item is an article, or it is in the article area.

    An item property names its own item, so an Article's datePublished counts even where
    the layout puts it in an entry footer; a Comment's or a Review's never does.
    """
    for ancestor in element.iterancestors():
        if ancestor.get("itemscope") is not None:
            kind = (ancestor.get("itemtype") or "").rsplit("/", 1)[-1]
            if _ITEM_TYPES_NOT_ARTICLE.search(kind):
                return False
            if re.search(r"Article|Posting|Report", kind) and not _in_listing(ancestor):
                return True
            break
    return not is_elsewhere(element)


def _in_listing(element: HtmlElement) -> bool:
    """Inside a block of several articles (a related list, a blog's front page)."""
    return any("related" in class_words(node) for node in element.iterancestors())


def _from_time_element(dating: _Dating, *, modified: bool) -> Found[DateValue] | None:
    for element in _in_scope_first(dating, "time"):
        raw = element.get("datetime") or element.get("content")
        if not raw or _in_quote(element) or not in_article_item(element):
            continue
        if _says_modified(element) != modified:
            continue
        value = _machine_date(raw, dating=dating)
        if value is not None:
            return Found(value, "time")
    return None


def _says_modified(element: HtmlElement) -> bool:
    """Marked as the modified date, by its class, its parent's or a printed "Updated" label."""
    words = class_words(element) | _parent_words(element)
    if words & _PUBLISHED_WORDS:
        return False
    return bool(words & _MODIFIED_WORDS) or _after_update_label(element)


def _in_quote(element: HtmlElement) -> bool:
    """Inside a quotation: an embedded post (Instagram, X, Mastodon) dated by its author."""
    return any(node.tag in {"blockquote", "q"} for node in element.iterancestors())


def _from_byline(dating: _Dating) -> Found[DateValue] | None:
    for element in _date_elements(dating):
        value = _date_of_element(dating, element)
        if value is not None:
            return Found(value, "byline")
    for element in _author_lines(dating):
        value = _date_of_element(dating, element)
        if value is not None:
            return Found(value, "byline")
    for text in _labelled_texts(dating):
        value = _printed_date(text, dating=dating)
        if value is not None:
            return Found(value, "byline")
    for text in _texts_around_headline(dating):
        value = _printed_date(text, dating=dating)
        if value is not None:
            return Found(value, "byline")
    return None


def _from_url_path(dating: _Dating) -> Found[DateValue] | None:
    match = _URL_DATE.search(dating.page.url)
    if match is None:
        return None
    value = _safe_date(int(match[1]), int(match[3]), int(match[4]))
    if value is None or not _plausible(value, dating.page):
        return None
    return Found(value, "url-path")


# A line that is a date and nothing else: "10. September 2017", "March 3, 2019".
_DATE_ALONE = re.compile(r"^[\w.,/ -]{6,30}$")
_FULL_YEAR = re.compile(r"\b(?:19|20)\d\d\b")


def is_date_line(line: str) -> bool:
    """A short line that holds a date with its year and nothing else, not an "Updated" label."""
    return bool(_DATE_ALONE.match(line) and _FULL_YEAR.search(line)) and not _UPDATE_IN_LINE.search(
        line
    )


def _from_signature(dating: _Dating) -> Found[DateValue] | None:
    """The date a letter, statement or farewell post is signed with: the article's last line
    is a date alone ("Ann<br>10. September 2017"), where nothing else dates the page.
    """
    if dating.scope is None:
        return None
    lines = last_lines(dating.scope, 2)
    line = lines[-1] if lines else ""
    # "Last updated:" / "13 July 2020" on two lines: a label's date, not a signature.
    label = lines[0] if len(lines) == 2 else ""
    if not is_date_line(line) or label.endswith(":") or _UPDATE_IN_LINE.search(label):
        return None
    value = _printed_date(line, dating=dating)
    return Found(value, "signature") if value is not None else None


# A publication date in an app's embedded state: {"publishedDate":"2016-11-04T20:37:27Z"}.
_SCRIPT_PUBLISHED = re.compile(
    r'"(?:datePublished|publishedDate|publishDate|published_at|publishedAt|publicationDate|'
    r'firstPublished)"\s*:\s*"(\d{4}-\d\d-\d\d(?:[T ][\d:.]+(?:Z|[+-]\d\d:?\d\d)?)?)"'
)


def _from_script_data(dating: _Dating) -> Found[DateValue] | None:
    """The first publication date in a script's JSON data (an app's state, not JSON-LD),
    the last resort of a page that prints its date only from script.
    """
    for script in dating.page.tagged("script"):
        kind = (script.get("type") or "").lower()
        if kind == "application/ld+json" or not script.text:
            continue
        match = _SCRIPT_PUBLISHED.search(script.text)
        if match is not None:
            value = _machine_date(match[1], dating=dating)
            if value is not None:
                return Found(value, "script-data")
    return None


def _from_update_line(dating: _Dating) -> Found[DateValue] | None:
    """A printed "Last updated: 12 March 2009, 16:40 GMT" in a date line of the article
    (only the article's own lines: a page-wide search costs more than this rare case is worth).
    """
    for element in _date_elements(dating, article_only=True):
        text = text_of(element)
        if len(text) > 250:
            continue
        label = _UPDATE_IN_LINE.search(text)
        if label is not None:
            value = _printed_date(text[label.end() :], dating=dating)
        elif _after_update_label(element) or class_words(element) & _MODIFIED_WORDS:
            value = _date_of_element(dating, element)
        else:
            continue
        if value is not None:
            return Found(value, "printed")
    return None


_DATE_ATTRIBUTES = (
    "datetime",
    "content",
    "data-datetime",
    "data-timestamp",
    "data-time",
    "data-date",
    "data-published",
    "data-publish-date",
    "data-pubdate",
    "title",
)


def _date_of_element(dating: _Dating, element: HtmlElement) -> DateValue | None:
    """The date an element states: in its attributes, a <time> inside it, or its text.

    Looking for the publication date, an element whose text opens with "Updated" /
    "Last updated" or that follows such a label holds the modified date: none is read.
    """
    text = text_of(element)
    if dating.published and (_UPDATED.match(text) or _after_update_label(element)):
        return None
    for attribute in _DATE_ATTRIBUTES:
        raw = element.get(attribute)
        if raw:
            value = _machine_date(raw, dating=dating)
            if value is not None:
                return value
    for time_element in element.iter("time"):
        raw = time_element.get("datetime")
        if not raw or (dating.published and _says_modified(time_element)):
            continue
        if (value := _machine_date(raw, dating=dating)) is not None:
            return value
    if 0 < len(text) <= 400:
        # A date line can be long ("This entry was posted on ... and filed under ...");
        # its date comes first, and a modified date after "updated" is not read.
        if dating.published:
            text = _UPDATE_IN_LINE.split(text[:250], maxsplit=1)[0]
        return _printed_date(text[:250], dating=dating)
    return None


def _after_update_label(element: HtmlElement) -> bool:
    """Printed right after "last edited:" / "Updated on" / "Stand:" (a modified date)."""
    previous = element.getprevious()
    if previous is not None:
        before = previous.tail or ""
    else:
        parent = element.getparent()
        before = (parent.text or "") if parent is not None else ""
    return bool(_UPDATE_LABEL_BEFORE.search(before[-40:]))


def _in_scope_first(dating: _Dating, tag: str) -> Iterator[HtmlElement]:
    return dating.page.scope_first(dating.page.tagged(tag), dating.scope)


def _marked(
    dating: _Dating, elements: Sequence[HtmlElement], *, article_only: bool = False
) -> Iterator[HtmlElement]:
    """The elements (the page's, in document order) in the article first, then the rest."""
    inside, outside = dating.page.split_by_scope(elements, dating.scope)
    yield from inside
    if not (article_only and dating.scope is not None):
        yield from outside


def _date_elements(dating: _Dating, *, article_only: bool = False) -> Iterator[HtmlElement]:
    """Elements whose class, id or tag says they hold a date or a byline, article first.

    Looking for the modified date, elements marked "updated" / "modified" count too.
    """
    seen = 0
    wanted = _DATE_WORDS if dating.published else _DATE_OR_MODIFIED_WORDS
    for element in _marked(dating, dating.page.marked, article_only=article_only):
        if element.tag in {"html", "body", "head"}:
            continue
        words = class_words(element)
        if element.tag != "time" and not words & wanted:
            continue
        refused = words & _NOT_PUBLISHED_WORDS
        if words & _PUBLISHED_WORDS:
            # "entry-date published updated", "ArticleHeaderComment_publishDate" (an opinion
            # piece's header): the element names the publication date; reader comments are
            # left out by in_article_item.
            refused -= _MODIFIED_WORDS | {"comment", "comments"}
        elif not dating.published:
            refused -= _MODIFIED_WORDS
        if refused or _in_quote(element) or _in_page_header(element):
            continue
        if not in_article_item(element):
            continue
        seen += 1
        if seen > 40:
            return
        yield element


def _has_rel_author(link: HtmlElement) -> bool:
    rel = link.get("rel")
    return rel is not None and "author" in rel.split()


def _author_lines(dating: _Dating) -> Iterator[HtmlElement]:
    """The line that credits the author ("von <a rel=author>Ann Smith</a>, 8.5.12"): bylines
    print the date next to the name, in an element that says nothing about dates.
    """
    credits = _marked(dating, [a for a in dating.page.tagged("a") if _has_rel_author(a)])
    marked = (e for e in _marked(dating, dating.page.marked) if "author" in class_words(e))
    for count, element in enumerate(itertools.chain(credits, marked)):
        if count >= 6:
            return
        line = element.getparent()
        if line is None or line.tag in {"body", "html"} or _in_quote(element):
            continue
        if len(text_of(line)) <= 160 and not is_elsewhere(line):
            yield line


# XPath narrows to short text outside scripts; the label is checked in Python. Compiled once:
# compiling costs about as much as running it.
_SHORT_TEXTS = etree.XPath(
    ".//text()[string-length(normalize-space(.)) > 3]"
    "[string-length(normalize-space(.)) < 140]"
    "[not(ancestor::script or ancestor::style or ancestor::head)]"
)


def _labelled_texts(dating: _Dating) -> Iterator[str]:
    """What follows a printed "Published:" / "Datum:" label, article first."""
    roots = [dating.scope] if dating.scope is not None else []
    roots.append(dating.page.tree)
    seen: set[HtmlElement] = set()
    for root in roots:
        hits = _SHORT_TEXTS(root)
        labelled = (hit for hit in hits if _PUBLISHED_LABEL_RE.match(hit))
        for _, hit in zip(range(12), labelled, strict=False):
            parent = hit.getparent()
            if parent is None or parent in seen:
                continue
            seen.add(parent)
            if parent.tag in {"script", "style", "title"} or is_elsewhere(parent):
                continue
            # The label is either followed by the date inside the same element, or it is an
            # element of its own ("<h5>Datum:</h5> 03.11.2021"), the date following it.
            if hit.is_tail:
                text = squash(hit)
            else:
                text = text_of(parent)
                if len(text) < 14 and parent.getparent() is not None:
                    text = squash(text + " " + (parent.tail or ""))
            if _PUBLISHED_LABEL_RE.match(text) and len(text) <= 120:
                yield text


def _texts_around_headline(dating: _Dating) -> Iterator[str]:
    """Short lines printed just after the headline, or a dateline just above it."""
    scope = dating.scope
    headlines = dating.page.h1s
    headline = next((h for h in headlines if scope is None or is_inside(h, scope)), None)
    if headline is None:
        # The headline can sit above the element that holds the text.
        headline = next((h for h in headlines if not is_elsewhere(h)), None)
    if headline is None and len(headlines) == 1:
        # The page's one <h1> is its headline, whatever the classes around it suggest.
        headline = headlines[0]
    if headline is None:
        return
    budget = 12
    node: HtmlElement | None = headline
    for _ in range(3):
        if node is None:
            return
        for sibling in node.itersiblings():
            text = text_of(sibling)
            if len(text) > 200:
                break
            if class_words(sibling) & _NOT_PUBLISHED_WORDS:
                continue
            # "Published 3 Nov 2014, updated 4 Nov 2014": only what comes before "updated".
            text = _UPDATE_IN_LINE.split(text, maxsplit=1)[0].strip()
            if text:
                yield text
                budget -= 1
                if budget == 0:
                    return
        for sibling in list(node.itersiblings(preceding=True))[:2]:
            text = text_of(sibling)
            # A line of its own above the headline, holding little but a date.
            if 0 < len(text) <= 40 and not class_words(sibling) & _NOT_PUBLISHED_WORDS:
                yield text
        node = node.getparent()


def _parent_words(element: HtmlElement) -> frozenset[str]:
    parent = element.getparent()
    return class_words(parent) if parent is not None else frozenset()


def _in_page_header(element: HtmlElement) -> bool:
    """Inside the site's banner, not the article's own <header> (in <main> or <article>)."""
    node: HtmlElement | None = element
    header = False
    while node is not None:
        if node.tag in {"article", "main"} or node.get("role") == "main":
            return False
        if node.tag == "header" or node.get("role") == "banner" or node.get("id") == "header":
            header = True
        node = node.getparent()
    return header


def _machine_date(raw: str, *, dating: _Dating) -> DateValue | None:
    """An ISO 8601 / RFC 2822 / epoch timestamp; a date alone stays a ``date``."""
    text = raw.strip()
    if not text:
        return None
    value: DateValue | None
    if re.fullmatch(r"\d{4}-\d{2}-\d{2}", text):
        value = _safe_date(int(text[:4]), int(text[5:7]), int(text[8:10]))
    elif re.fullmatch(r"1\d{9}(?:\d{3})?", text):
        seconds = int(text) / (1000 if len(text) == 13 else 1)
        value = dating.local(datetime.fromtimestamp(seconds, UTC))
    else:
        stamp = _iso_datetime(text) or _rfc2822(text) or _js_date(text)
        if stamp is None:
            return _printed_date(text, dating=dating) if len(text) <= 80 else None
        value = dating.local(stamp)
    return value if value is not None and _plausible(value, dating.page) else None


_ISO_OFFSET = re.compile(r"\s*([+-]\d\d):?(\d\d)$")
_ISO_FRACTION = re.compile(r"(\.\d{6})\d+")
_ISO_TIME = re.compile(r"T(\d{1,2}):(\d{1,2})(?::(\d{1,2}))?")


@lru_cache(maxsize=4096)
def _iso_datetime(text: str) -> datetime | None:
    """An ISO 8601 datetime as written (aware or naive); lenient on what CMSs emit. Cached: a
    page states the same stamps in its meta, JSON-LD and <time>, read by several strategies."""
    if len(text) < 10 or not text[:4].isdigit():
        return None
    normalised = _ISO_OFFSET.sub(r"\1:\2", text.replace(" ", "T", 1))
    normalised = _ISO_FRACTION.sub(r"\1", normalised)
    # One-digit hours, minutes or seconds ("2022-05-11T4:10:00", "23:15:0Z").
    normalised = _ISO_TIME.sub(
        lambda m: f"T{int(m[1]):02d}:{int(m[2]):02d}" + (f":{int(m[3]):02d}" if m[3] else ""),
        normalised,
        count=1,
    )
    try:
        return datetime.fromisoformat(normalised)
    except ValueError:
        return None


def _rfc2822(text: str) -> datetime | None:
    if not re.match(r"^(?:[A-Za-z]{3},\s*)?\d{1,2}\s+[A-Za-z]{3}\s+\d{4}\s+\d", text):
        return None
    try:
        value = email.utils.parsedate_to_datetime(text)
    except (TypeError, ValueError):
        return None
    return value if value.tzinfo else None


def _js_date(text: str) -> datetime | None:
    """JavaScript's Date.toString(): "Tue Feb 20 2018 01:00:00 GMT+0100 (Central European ...)"."""
    match = re.match(
        r"^[A-Z][a-z]{2} ([A-Z][a-z]{2}) (\d\d) (\d{4}) (\d\d):(\d\d):(\d\d) GMT([+-]\d\d)(\d\d)",
        text,
    )
    if match is None or match[1].lower() not in _MONTHS:
        return None
    offset = timedelta(
        hours=int(match[7]), minutes=int(match[8]) * (1 if match[7][0] == "+" else -1)
    )
    try:
        return datetime(
            int(match[3]),
            _MONTHS[match[1].lower()],
            int(match[2]),
            int(match[4]),
            int(match[5]),
            int(match[6]),
            tzinfo=timezone(offset),
        )
    except ValueError:
        return None


def _printed_date(text: str, *, dating: _Dating) -> DateValue | None:
    """A date as printed for readers ("28.Oct 2014", "Posted 2 hours ago"), in the page's terms.

    English forms are read by pattern; other languages and relative dates go to dateparser,
    restricted to the page language, with the site's day/month order and time zone.
    Relative dates resolve against ``page.fetched_at`` and only when it is known.
    """
    text = squash(text)
    if not text or len(text) > 250:
        return None
    value = _english_date(text, dating)
    if value is None and (_NAMES_A_DAY.search(text) or _RELATIVE.search(text)):
        value = _dateparser_date(text, dating)
    return value if value is not None and _plausible(value, dating.page) else None


def _english_date(text: str, dating: _Dating) -> DateValue | None:
    found = _english_day(text, dating.page.date_order)
    return _with_time(found[0], text, found[1], dating) if found is not None else None


def _english_day(text: str, order: str) -> tuple[date, re.Match[str]] | None:
    """The first English or numeric date in the text, and where it was printed."""
    for pattern in (_DAY_MONTH_YEAR, _MONTH_DAY_YEAR, _ISO_DATE):
        match = pattern.search(text)
        if match is None:
            continue
        month_text = match["m"]
        month = int(month_text) if month_text.isdigit() else _MONTHS[month_text.lower()]
        day = _safe_date(int(match["y"]), month, int(match["d"]))
        if day is not None:
            return day, match
    match = _NUMERIC.search(text)
    if match is None:
        return None
    first, second, year = int(match["a"]), int(match["b"]), int(match["y"])
    if year < 100:
        year += 2000
    day_first = order == "DMY"
    if first > 12 >= second:
        day_first = True
    elif second > 12 >= first:
        day_first = False
    day = _safe_date(year, second, first) if day_first else _safe_date(year, first, second)
    return (day, match) if day is not None else None


def _with_time(day: date, text: str, match: re.Match[str], dating: _Dating) -> DateValue:
    """The day, or a datetime when a clock time is printed right next to it."""
    after = text[match.end() : match.end() + 24]
    before = text[max(0, match.start() - 16) : match.start()]
    for window, anchored in (
        (after, r"^\s*(?:at|@|,|-|\u2013|\||um|à|a las|alle|om)?\s*"),
        (before, r""),
    ):
        ending = "" if anchored else r"\s*(?:,|-|\u2013|\||on)?\s*$"
        pattern = anchored + _TIME.pattern + ending
        found = re.search(pattern, window, re.I)
        if found is None or (found["mi"] is None and found["ampm"] is None):
            continue
        hour, minute = int(found["h"]), int(found["mi"] or 0)
        ampm = (found["ampm"] or "").replace(".", "").lower()
        if ampm == "pm" and hour < 12:
            hour += 12
        elif ampm == "am" and hour == 12:
            hour = 0
        if hour > 23:
            continue
        wall = datetime(day.year, day.month, day.day, hour, minute)
        zone = (found["zone"] or "").lower()
        if zone in _ZONE_OFFSETS:
            return wall.replace(tzinfo=timezone(timedelta(hours=_ZONE_OFFSETS[zone])))
        return dating.local(wall)
    return day


def _dateparser_date(text: str, dating: _Dating) -> DateValue | None:
    page = dating.page
    relative = bool(_RELATIVE.search(text))
    if relative and page.fetched_at is None:
        return None
    zone = dating.zone
    settings: dict[str, object] = {
        "TIMEZONE": getattr(zone, "key", "UTC"),
        "RETURN_AS_TIMEZONE_AWARE": True,
        "PREFER_DATES_FROM": "past",
        "DATE_ORDER": page.date_order,
    }
    if page.fetched_at is not None:
        base = page.fetched_at if page.fetched_at.tzinfo else page.fetched_at.replace(tzinfo=UTC)
        settings["RELATIVE_BASE"] = base.astimezone(zone or UTC).replace(tzinfo=None)
    if not relative:
        settings["REQUIRE_PARTS"] = ["day", "month", "year"]
    language = dating.language
    languages = [language] if language in _DATEPARSER_LANGUAGES else None
    for segment in _segments(text):
        parsed: datetime | None = dateparser.parse(segment, languages=languages, settings=settings)
        if parsed is None:
            continue
        if relative:
            # "2 hours ago" names an instant (fetch time less two hours); "yesterday" a day.
            if _HOUR_PRECISE.search(segment):
                return dating.local(parsed)
            return parsed.date()
        if not _CLOCK.search(segment):
            return parsed.date()
        if _EXPLICIT_ZONE.search(segment):
            return parsed
        return dating.local(parsed.replace(tzinfo=None))
    return None


def _segments(text: str) -> Iterator[str]:
    """Short pieces of a byline line that may each be a date on their own."""
    pieces = [text] if len(text) <= 60 else []
    pieces += [p for p in re.split(r"\s*[|•·/]\s*|\s+[-\u2013—]\s+|\n", text) if p != text]
    for piece in pieces:
        piece = _LEADING_WORDS.sub("", piece.strip(" :,")).strip()
        if piece and len(piece) <= 60 and (_NAMES_A_DAY.search(piece) or _RELATIVE.search(piece)):
            yield piece


def _zone_named(name: str | None) -> tzinfo | None:
    if not name:
        return None
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return None


def _safe_date(year: int, month: int, day: int) -> date | None:
    try:
        return date(year, month, day)
    except ValueError:
        return None


def _plausible(value: DateValue, page: Page) -> bool:
    if value.year not in _PLAUSIBLE_YEARS:
        return False
    if page.fetched_at is None:
        return True
    fetched = page.fetched_at if page.fetched_at.tzinfo else page.fetched_at.replace(tzinfo=UTC)
    if isinstance(value, datetime):
        return value <= fetched + timedelta(days=1)
    return value <= (fetched + timedelta(days=1)).date()


# Languages dateparser knows, by ISO 639-1 code (the common ones for news pages).
_DATEPARSER_LANGUAGES = frozenset(
    (
        "en",
        "de",
        "fr",
        "es",
        "it",
        "nl",
        "pt",
        "sv",
        "da",
        "nb",
        "no",
        "fi",
        "pl",
        "cs",
        "sk",
        "hu",
        "ro",
        "tr",
        "ru",
        "uk",
        "el",
        "ca",
        "hr",
        "sl",
        "bg",
        "sr",
        "lt",
        "lv",
        "et",
        "ja",
        "zh",
        "ko",
        "ar",
        "he",
        "hi",
        "id",
        "ms",
        "th",
        "vi",
        "fa",
    ),
)
