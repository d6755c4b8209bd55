"""Published and modified dates, machine-readable first; the only caller of dateparser."""

from __future__ import annotations

import email.utils
import re
from collections.abc import Iterable, Iterator
from datetime import UTC, date, datetime, timedelta, tzinfo
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import dateparser

from parsers.boilerplate import class_words, is_elsewhere
from parsers.page import Found, Page, first_found, is_inside
from parsers.text import squash, text_of

if TYPE_CHECKING:
    from lxml.html import HtmlElement

DateValue = date | datetime

_MONTHS = {
    "jan": 1,
    "january": 1,
    "feb": 2,
    "february": 2,
    "mar": 3,
    "march": 3,
    "apr": 4,
    "april": 4,
    "may": 5,
    "jun": 6,
    "june": 6,
    "jul": 7,
    "july": 7,
    "aug": 8,
    "august": 8,
    "sep": 9,
    "sept": 9,
    "september": 9,
    "oct": 10,
    "october": 10,
    "nov": 11,
    "november": 11,
    "dec": 12,
    "december": 12,
}
_MONTH = r"(?P<m>" + "|".join(sorted(_MONTHS, key=len, reverse=True)) + r")\.?"
_DAY = r"(?P<d>[0-3]?\d)(?:st|nd|rd|th)?"
_YEAR = r"(?P<y>(?:19|20)\d\d)"
# English printed dates, read without dateparser: "28.Oct 2014", "Tuesday 4 November 2014",
# "October 28, 2014", "2014-10-28", "05/11/2014".
_DAY_MONTH_YEAR = re.compile(rf"\b{_DAY}[\s.\-/]*(?:of\s+)?{_MONTH}[\s.,\-/]*{_YEAR}\b", re.I)
_MONTH_DAY_YEAR = re.compile(rf"\b{_MONTH}\s+{_DAY},?\s+{_YEAR}\b", re.I)
_ISO_DATE = re.compile(r"\b(?P<y>(?:19|20)\d\d)[-/.](?P<m>[01]?\d)[-/.](?P<d>[0-3]?\d)\b")
_NUMERIC = re.compile(r"\b(?P<a>[0-3]?\d)[./-](?P<b>[0-3]?\d)[./-](?P<y>(?:19|20)\d\d|\d\d)\b")
_TIME = re.compile(
    r"(?P<h>[0-2]?\d)(?:[:.h](?P<mi>[0-5]\d))?(?::(?P<s>[0-5]\d))?\s*"
    r"(?P<ampm>[ap]\.?m\.?)?(?![\d])\s*(?P<zone>GMT|UTC|BST|CET|CEST|EST|EDT|PST|PDT|Z)?",
    re.I,
)
_ZONE_OFFSETS = {
    "gmt": 0,
    "utc": 0,
    "z": 0,
    "bst": 1,
    "cet": 1,
    "cest": 2,
    "est": -5,
    "edt": -4,
    "pst": -8,
    "pdt": -7,
}
_RELATIVE = re.compile(
    r"\bago\b|\byesterday\b|\btoday\b|\bgestern\b|\bheute\b|\bvor\s+\d|\bhier\b|\bil y a\b|"
    r"\bayer\b|\bhace\b|\bieri\b|\bfa\b|\bsiden\b|\bgeleden\b|\bgisteren\b",
    re.I,
)
_HOUR_PRECISE = re.compile(r"\b(?:min|minute|minuten|hour|hr|stunde|heure|hora|ora|uur)", re.I)
_LEADING_WORDS = re.compile(
    r"^(?:(?:last\s+)?(?:posted|published|updated|modified|created|date|dated|written|"
    r"veröffentlicht|aktualisiert|erstellt|stand|publié|mis à jour|publicado|actualizado|"
    r"pubblicato|aggiornato|gepubliceerd)\b\s*(?:on|am|le|el|il|op|:)?\s*)+",
    re.I,
)
_UPDATED = re.compile(
    r"^\W*(?:last\s+)?(?:updated|modified|edited|aktualisiert|geändert|"
    r"mis à jour|actualizado|aggiornato)\b",
    re.I,
)
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
_URL_DATE = re.compile(
    r"/((?:19|20)\d\d)[/-]?(0[1-9]|1[0-2])[/-]?(0[1-9]|[12]\d|3[01])(?:/|[-_]|$)"
)


def extract_published(page: Page, *, scope: HtmlElement | None = None) -> Found[DateValue] | None:
    """The publication date, never the modified date, the fetch date or a date in the body.

    A date printed without a time is a ``date``; with a time, an aware UTC ``datetime``.
    ``scope`` is the element holding the article (headline, byline, body), searched first.
    """
    return first_found(
        lambda: _from_selector(page, "published"),
        lambda: _from_json_ld(page, "datePublished", "dateCreated"),
        lambda: _from_meta(page, _PUBLISHED_META),
        lambda: _from_itemprop(page, "datepublished"),
        lambda: _from_time_element(page, scope, modified=False),
        lambda: _from_byline(page, scope),
        lambda: _from_url_path(page),
    )


def extract_modified(page: Page, *, scope: HtmlElement | None = None) -> Found[DateValue] | None:
    """The last-modified date the page states, machine-readable sources only."""
    return first_found(
        lambda: _from_selector(page, "modified"),
        lambda: _from_json_ld(page, "dateModified"),
        lambda: _from_meta(page, _MODIFIED_META),
        lambda: _from_itemprop(page, "datemodified"),
        lambda: _from_time_element(page, scope, modified=True),
    )


_PUBLISHED_META = (
    "article:published_time",
    "og:article:published_time",
    "og:published_time",
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
    "publishdate",
    "pubdate",
    "publication_date",
    "article.published",
    "date",
    "citation_publication_date",
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


def _from_selector(page: Page, field: str) -> Found[DateValue] | None:
    for element in page.select(page.selector_for(field)):
        value = _date_of_element(page, element)
        if value is not None:
            return Found(value, "selector")
    return None


def _from_json_ld(page: Page, *keys: str) -> Found[DateValue] | None:
    for obj in page.json_ld_article:
        for key in keys:
            raw = obj.get(key)
            if isinstance(raw, list) and raw:
                raw = raw[0]
            if isinstance(raw, str):
                value = parse_machine_date(raw, page=page)
                if value is not None:
                    return Found(value, "json-ld")
    return None


def _from_meta(page: Page, names: Iterable[str]) -> Found[DateValue] | None:
    for name in names:
        for raw in page.meta.get(name, ()):
            value = parse_machine_date(raw, page=page)
            if value is not None:
                return Found(value, "meta")
    return None


def _from_itemprop(page: Page, prop: str) -> Found[DateValue] | None:
    for element in page.tree.xpath(
        "//*[@itemprop][not(self::meta)]"
        "[translate(@itemprop, 'ABCDEFGHIJKLMNOPQRSTUVWXYZ', 'abcdefghijklmnopqrstuvwxyz')=$p]",
        p=prop,
    ):
        if is_elsewhere(element):
            continue
        value = _date_of_element(page, element)
        if value is not None:
            return Found(value, "itemprop")
    return None


def _from_time_element(
    page: Page, scope: HtmlElement | None, *, modified: bool
) -> Found[DateValue] | None:
    for element in _in_scope_first(page, scope, "time"):
        raw = element.get("datetime") or element.get("content")
        if not raw or is_elsewhere(element):
            continue
        words = class_words(element) | _parent_words(element)
        if bool(words & _MODIFIED_WORDS) != modified:
            continue
        value = parse_machine_date(raw, page=page)
        if value is not None:
            return Found(value, "time")
    return None


def _from_byline(page: Page, scope: HtmlElement | None) -> Found[DateValue] | None:
    for element in _date_elements(page, scope):
        value = _date_of_element(page, element)
        if value is not None:
            return Found(value, "byline")
    for text in _texts_after_headline(page, scope):
        printed = parse_printed_date(text, page=page)
        if printed is not None:
            return Found(printed, "byline")
    return None


def _from_url_path(page: Page) -> Found[DateValue] | None:
    match = _URL_DATE.search(page.url)
    if match is None:
        return None
    value = _safe_date(int(match[1]), int(match[2]), int(match[3]))
    return Found(value, "url-path") if value is not None and _plausible(value, page) else None


def _date_of_element(page: Page, element: HtmlElement) -> DateValue | None:
    for attribute in ("datetime", "content", "data-datetime", "data-timestamp", "title"):
        raw = element.get(attribute)
        if raw:
            value = parse_machine_date(raw, page=page)
            if value is not None:
                return value
    for time_element in element.iter("time"):
        raw = time_element.get("datetime")
        if raw and (value := parse_machine_date(raw, page=page)) is not None:
            return value
    text = text_of(element)
    return parse_printed_date(text, page=page) if 0 < len(text) <= 250 else None


def _in_scope_first(page: Page, scope: HtmlElement | None, tag: str) -> Iterator[HtmlElement]:
    if scope is not None:
        yield from scope.iter(tag)
    for element in page.tree.iter(tag):
        if scope is None or not is_inside(element, scope):
            yield element


def _date_elements(page: Page, scope: HtmlElement | None) -> Iterator[HtmlElement]:
    """Elements whose class, id or tag says they hold a date or a byline, article first."""
    seen = 0
    for element in _in_scope_first(page, scope, "*"):
        if not isinstance(element.tag, str) or element.tag in {"html", "body", "head"}:
            continue
        words = class_words(element)
        if element.tag != "time" and not words & _DATE_WORDS:
            continue
        if words & _NOT_PUBLISHED_WORDS or is_elsewhere(element) or _in_page_header(element):
            continue
        seen += 1
        if seen > 40:
            return
        yield element


def _texts_after_headline(page: Page, scope: HtmlElement | None) -> Iterator[str]:
    """Short lines printed just after the headline, where a byline date usually sits."""
    headline = next((h for h in page.h1s if scope is None or is_inside(h, scope)), None)
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
                return
            if class_words(sibling) & _NOT_PUBLISHED_WORDS or _UPDATED.match(text):
                continue
            if text:
                yield text
                budget -= 1
                if budget == 0:
                    return
        node = node.getparent()


def _parent_words(element: HtmlElement) -> frozenset[str]:
    parent = element.getparent()
    return class_words(parent) if parent is not None else frozenset()


def _in_page_header(element: HtmlElement) -> bool:
    node: HtmlElement | None = element
    header = False
    while node is not None:
        if node.tag == "article":
            return False
        if node.tag == "header" or node.get("role") == "banner" or node.get("id") == "header":
            header = True
        node = node.getparent()
    return header


def parse_machine_date(raw: str, *, page: Page) -> DateValue | None:
    """An ISO 8601 / RFC 2822 / epoch timestamp; a date alone stays a ``date``."""
    text = raw.strip()
    if not text:
        return None
    value: DateValue | None
    if re.fullmatch(r"\d{4}-\d{2}-\d{2}", text):
        value = _safe_date(int(text[:4]), int(text[5:7]), int(text[8:10]))
    elif re.fullmatch(r"1\d{9}(?:\d{3})?", text):
        seconds = int(text) / (1000 if len(text) == 13 else 1)
        value = datetime.fromtimestamp(seconds, UTC)
    else:
        value = _iso_datetime(text, page) or _rfc2822(text)
        if value is None:
            return parse_printed_date(text, page=page) if len(text) <= 80 else None
    return value if value is not None and _plausible(value, page) else None


def _iso_datetime(text: str, page: Page) -> datetime | None:
    normalised = re.sub(r"\s*([+-]\d\d):?(\d\d)$", r"\1:\2", text.replace(" ", "T", 1))
    normalised = re.sub(r"(\.\d{6})\d+", r"\1", normalised)
    try:
        value = datetime.fromisoformat(normalised)
    except ValueError:
        return None
    return _to_utc(value, page)


def _rfc2822(text: str) -> datetime | None:
    if not re.match(r"^(?:[A-Za-z]{3},\s*)?\d{1,2}\s+[A-Za-z]{3}\s+\d{4}\s+\d", text):
        return None
    try:
        value = email.utils.parsedate_to_datetime(text)
    except (TypeError, ValueError):
        return None
    return value.astimezone(UTC) if value.tzinfo else value.replace(tzinfo=UTC)


def parse_printed_date(text: str, *, page: Page) -> DateValue | None:
    """A date as printed for readers ("28.Oct 2014", "Posted 2 hours ago"), in the page's terms.

    English forms are read by pattern; other languages and relative dates go to dateparser,
    restricted to the page language, with the site's day/month order and time zone.
    Relative dates resolve against ``page.fetched_at`` and only when it is known.
    """
    text = squash(text)
    if not text or len(text) > 250:
        return None
    value = _english_date(text, page)
    if value is None and (re.search(r"\d", text) or _RELATIVE.search(text)):
        value = _dateparser_date(text, page)
    return value if value is not None and _plausible(value, page) else None


def _english_date(text: str, page: Page) -> DateValue | None:
    for pattern in (_DAY_MONTH_YEAR, _MONTH_DAY_YEAR, _ISO_DATE):
        match = pattern.search(text)
        if match is None:
            continue
        month_text = match["m"]
        month = int(month_text) if month_text.isdigit() else _MONTHS[month_text.lower()]
        day = _safe_date(int(match["y"]), month, int(match["d"]))
        if day is not None:
            return _with_time(day, text, match, page)
    match = _NUMERIC.search(text)
    if match is None:
        return None
    first, second, year = int(match["a"]), int(match["b"]), int(match["y"])
    if year < 100:
        year += 2000
    day_first = page.date_order == "DMY"
    if first > 12 >= second:
        day_first = True
    elif second > 12 >= first:
        day_first = False
    day = _safe_date(year, second, first) if day_first else _safe_date(year, first, second)
    return _with_time(day, text, match, page) if day is not None else None


def _with_time(day: date, text: str, match: re.Match[str], page: Page) -> DateValue:
    """The day, or a UTC datetime when a clock time is printed right next to it."""
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
        local = datetime(day.year, day.month, day.day, hour, minute)
        zone = (found["zone"] or "").lower()
        if zone in _ZONE_OFFSETS:
            return (local - timedelta(hours=_ZONE_OFFSETS[zone])).replace(tzinfo=UTC)
        return local.replace(tzinfo=_zone(page)).astimezone(UTC)
    return day


def _dateparser_date(text: str, page: Page) -> DateValue | None:
    relative = bool(_RELATIVE.search(text))
    if relative and page.fetched_at is None:
        return None
    zone = _zone(page)
    settings: dict[str, object] = {
        "TIMEZONE": page.timezone or "UTC",
        "TO_TIMEZONE": "UTC",
        "RETURN_AS_TIMEZONE_AWARE": True,
        "PREFER_DATES_FROM": "past",
        "DATE_ORDER": page.date_order,
    }
    if page.fetched_at is not None:
        base = page.fetched_at if page.fetched_at.tzinfo else page.fetched_at.replace(tzinfo=UTC)
        settings["RELATIVE_BASE"] = base.astimezone(zone).replace(tzinfo=None)
    if not relative:
        settings["REQUIRE_PARTS"] = ["day", "month", "year"]
    languages = [page.language] if page.language in _DATEPARSER_LANGUAGES else None
    for segment in _segments(text):
        parsed: datetime | None = dateparser.parse(segment, languages=languages, settings=settings)
        if parsed is None:
            continue
        parsed_utc = parsed.astimezone(UTC)
        if relative:
            if _HOUR_PRECISE.search(segment):
                return parsed_utc
            return parsed_utc.astimezone(zone).date()
        if re.search(r"\d[:.h]\d\d|\d\s*[ap]\.?m\b", segment, re.I):
            return parsed_utc
        return parsed_utc.astimezone(zone).date()
    return None


def _segments(text: str) -> Iterator[str]:
    """Short pieces of a byline line that may each be a date on their own."""
    pieces = [text] if len(text) <= 60 else []
    pieces += [p for p in re.split(r"\s*[|•·/]\s*|\s+[-\u2013—]\s+|\n", text) if p != text]
    for piece in pieces:
        piece = _LEADING_WORDS.sub("", piece.strip(" :,")).strip()
        if piece and len(piece) <= 60 and (re.search(r"\d", piece) or _RELATIVE.search(piece)):
            yield piece


def _zone(page: Page) -> tzinfo:
    if page.timezone:
        try:
            return ZoneInfo(page.timezone)
        except (ZoneInfoNotFoundError, ValueError):
            return UTC
    return UTC


def _to_utc(value: datetime, page: Page) -> datetime:
    if value.tzinfo is None:
        value = value.replace(tzinfo=_zone(page))
    return value.astimezone(UTC)


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
