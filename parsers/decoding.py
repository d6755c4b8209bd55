"""Bytes to text: BOM, HTTP and <meta> charsets, pages that lie about them, Unicode clean-up."""

from __future__ import annotations

import codecs
import re
import unicodedata

import charset_normalizer
from bs4.dammit import EncodingDetector

# File signatures of things that are not HTML but arrive on HTML URLs (PDFs, images, archives).
_BINARY_MAGIC = (
    b"%PDF-",
    b"\x89PNG",
    b"GIF87a",
    b"GIF89a",
    b"\xff\xd8\xff",
    b"PK\x03\x04",
    b"\x1f\x8b",
    b"RIFF",
    b"OggS",
    b"ID3",
    b"wOFF",
    b"wOF2",
    b"\x00\x00\x01\x00",
    b"BM",
    b"\xd0\xcf\x11\xe0",
)
_BOMS = (
    (codecs.BOM_UTF8, "utf-8"),
    (codecs.BOM_UTF16_LE, "utf-16-le"),
    (codecs.BOM_UTF16_BE, "utf-16-be"),
)
# WHATWG: labels that browsers decode as windows-1252 (it is a superset for printable text).
_AS_CP1252 = {"iso-8859-1", "latin-1", "latin1", "l1", "ascii", "us-ascii", "iso8859-1", "cp819"}
_MARKUP = re.compile(r"<\s*(?:!doctype|html|head|body|meta|title|div|p|script|a)\b", re.I)
# Invisible characters that break word matching; ZWJ/ZWNJ stay (emoji, Persian script).
_INVISIBLE = ("\u200b", "\u2060", "\ufeff", "\u00ad")


class NotHTMLError(ValueError):
    """The input is not an HTML page (a PDF, an image, binary data)."""


def decode_html(data: bytes | str, *, http_charset: str | None = None) -> str:
    """The page as NFC text; raises NotHTMLError when it is not HTML at all.

    Order of trust: a byte-order mark, then the HTTP charset, then the page's own
    declaration; valid UTF-8 wins over a declared single-byte charset, and bytes that
    are not valid UTF-8 despite a UTF-8 label are read as windows-1252. Bytes in no
    declared charset are read as charset-normalizer guesses only when it is sure of a
    multi-byte or non-Latin charset (Shift_JIS, GBK, windows-1251...); otherwise, as
    browsers do, as windows-1252.
    """
    return decode_html_utf8(data, http_charset=http_charset)[0]


def decode_html_utf8(
    data: bytes | str, *, http_charset: str | None = None, compose: bool = True
) -> tuple[str, bytes]:
    """decode_html()'s text, and the same text as UTF-8 for lxml: the input itself when it
    already was exactly that (no need to encode a page a second time).

    ``compose=False`` leaves Unicode normalisation to the caller: checking a whole page for
    NFC costs more than the rest of decoding, where a parser can compose the few strings it
    takes out of the page (see ``compose_nfc``)."""
    if isinstance(data, str):
        text, same = data, False
    else:
        text, same = _decode_bytes(data, http_charset)
    head = text[:65536]
    if "\x00" in head[:1024] or not _MARKUP.search(head):
        raise NotHTMLError("not an HTML page: no markup at the start")
    cleaned = clean_unicode(text) if compose else without_invisible(text)
    if same and cleaned is text and isinstance(data, bytes):
        return cleaned, data
    return cleaned, cleaned.encode("utf-8", errors="replace")


def clean_unicode(text: str) -> str:
    """NFC, without zero-width spaces, soft hyphens and stray BOMs."""
    return compose_nfc(without_invisible(text))


def without_invisible(text: str) -> str:
    """The text without zero-width spaces, soft hyphens and stray BOMs."""
    for char in _INVISIBLE:
        if char in text:
            text = text.replace(char, "")
    return text


def compose_nfc(text: str) -> str:
    """The text in NFC ("Cafe\u0301" -> "Caf\u00e9")."""
    # ASCII is NFC as it stands: one fast scan instead of Unicode's normalisation check.
    if text.isascii() or unicodedata.is_normalized("NFC", text):
        return text
    return unicodedata.normalize("NFC", text)


def _decode_bytes(data: bytes, http_charset: str | None) -> tuple[str, bool]:
    """The text, and whether it is the bytes read as UTF-8 (so they are its UTF-8 form)."""
    for bom, encoding in _BOMS:
        if data.startswith(bom):
            return data[len(bom) :].decode(encoding, errors="replace"), False
    head = data[:1024].lstrip()  # data.lstrip() would copy the whole page
    if len(head) < 8:  # a kilobyte of white space first
        head = data.lstrip()
    if head[:8].startswith(_BINARY_MAGIC) or b"\x00" in data[:1024]:
        raise NotHTMLError("not an HTML page: binary content")
    declared = [_codec_name(label) for label in (http_charset, _declared_charset(data))]
    declared_known = [name for name in declared if name]
    try:
        utf8 = data.decode("utf-8")
    except UnicodeDecodeError:
        utf8 = None
    if utf8 is not None:
        # Valid UTF-8 with non-ASCII bytes is almost never meant as a single-byte charset;
        # only a multi-byte legacy declaration (Shift_JIS, GBK...) that also fits wins.
        for name in declared_known:
            if name not in {"utf-8", "cp1252"} and _fits(data, name):
                return data.decode(name), False
        return utf8, True
    for name in declared_known:
        if name == "utf-8":
            return _mostly_utf8(data), False
        if _fits(data, name):
            return data.decode(name), False
    guessed = _detected_charset(data) if _has_high_byte_run(data) else None
    if guessed is not None:
        return data.decode(guessed), False
    return data.decode("cp1252", errors="replace"), False


# Three bytes above ASCII in a row: how words of a non-Latin script look in every legacy
# charset (one or two such bytes a letter). Western text in windows-1252 has its accented
# letters one or two at a time: a page without such a run is read as windows-1252 without
# asking charset-normalizer (about 4 ms a page), whose Latin guesses are turned down anyway.
def _has_high_byte_run(data: bytes) -> bool:
    """Three bytes above ASCII in a row. Every such byte mapped to one value, a substring test
    finds the run five times faster than the regex [\\x80-\\xff]{3}."""
    return b"\x80\x80\x80" in data.translate(_HIGH_BYTES_AS_ONE)


_HIGH_BYTES_AS_ONE = bytes(0x80 if byte >= 0x80 else 0 for byte in range(256))
_MAX_CHAOS = 0.1  # charset-normalizer's share of "noise" in a decoding it is sure of
# Letters above the Latin, IPA and combining blocks (Greek, Cyrillic, Hebrew, Arabic, CJK...),
# and Latin letters outside ASCII.
_NON_LATIN_LETTER = re.compile(r"[^\W\d_\x00-\u036f]")
_LATIN_LETTER = re.compile(r"[^\W\d_\x00-\x7f\u0370-\U0010ffff]")


def _detected_charset(data: bytes) -> str | None:
    """The charset charset-normalizer finds for undeclared bytes, when it is a multi-byte or
    non-Latin one and reads them cleanly. Between single-byte Latin code pages it cannot
    tell Western from Central European or Baltic text (English in windows-1252 comes out
    as windows-1250, French as windows-1257), so those stay windows-1252."""
    best = charset_normalizer.from_bytes(data).best()
    if best is None or best.chaos > _MAX_CHAOS:
        return None
    name = _codec_name(best.encoding)
    if name is None or name == "cp1252" or not _fits(data, name):
        return None
    text = data.decode(name)
    if len(_NON_LATIN_LETTER.findall(text)) <= len(_LATIN_LETTER.findall(text)):
        return None  # Latin script: a Western code page it is
    return name


def _mostly_utf8(data: bytes) -> str:
    """A page labelled UTF-8 whose bytes are not: a few bad bytes, or windows-1252 throughout."""
    text = data.decode("utf-8", errors="replace")
    bad = text.count("\ufffd")
    good = sum(1 for char in text if ord(char) > 127) - bad
    if good >= bad:
        return text
    return data.decode("cp1252", errors="replace")


def _fits(data: bytes, name: str) -> bool:
    try:
        data.decode(name)
    except (UnicodeDecodeError, LookupError):
        return False
    return True


def _declared_charset(data: bytes) -> str | None:
    found = EncodingDetector.find_declared_encoding(data[:8192], is_html=True)
    return str(found) if found else None


def _codec_name(label: str | None) -> str | None:
    if not label:
        return None
    label = label.strip().strip("\"'").lower()
    if label in _AS_CP1252:
        return "cp1252"
    try:
        name = codecs.lookup(label).name
    except LookupError:
        return None
    return "cp1252" if name in _AS_CP1252 or name == "latin-1" else name
