"""Bytes to text: BOM, HTTP and <meta> charsets, pages that lie about them, Unicode clean-up."""

from __future__ import annotations

import codecs
import re
import unicodedata

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
    are not valid UTF-8 despite a UTF-8 label are read as windows-1252.
    """
    text = data if isinstance(data, str) else _decode_bytes(data, http_charset)
    head = text[:65536]
    if "\x00" in head[:1024] or not _MARKUP.search(head):
        raise NotHTMLError("not an HTML page: no markup at the start")
    return clean_unicode(text)


def clean_unicode(text: str) -> str:
    """NFC, without zero-width spaces, soft hyphens and stray BOMs."""
    for char in _INVISIBLE:
        if char in text:
            text = text.replace(char, "")
    return text if unicodedata.is_normalized("NFC", text) else unicodedata.normalize("NFC", text)


def _decode_bytes(data: bytes, http_charset: str | None) -> str:
    for bom, encoding in _BOMS:
        if data.startswith(bom):
            return data[len(bom) :].decode(encoding, errors="replace")
    if data.lstrip()[:8].startswith(_BINARY_MAGIC) or b"\x00" in data[:1024]:
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
                return data.decode(name)
        return utf8
    for name in declared_known:
        if name == "utf-8":
            return _mostly_utf8(data)
        if _fits(data, name):
            return data.decode(name)
    return data.decode("cp1252", errors="replace")


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
