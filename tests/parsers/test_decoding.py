"""Bytes to text: charsets declared, missing and wrong; non-HTML input."""

from __future__ import annotations

import pytest

from parsers import parse_article
from parsers.decoding import NotHTMLError, decode_html
from tests.parsers.pages import PARAGRAPHS, build_page, parse

QUOTE = "Councillors said the council’s “plan” was ‘sound’ – and cost £2m."  # noqa: RUF001


def page_bytes(encoding: str, *, declare: str | None) -> bytes:
    html = build_page(body=f"<p>{QUOTE}</p>" + PARAGRAPHS)
    html = html.replace('<meta charset="utf-8">', f'<meta charset="{declare}">' if declare else "")
    return html.encode(encoding)


def test_windows_1252_bytes_without_declaration() -> None:
    record = parse(page_bytes("cp1252", declare=None))
    assert record.body.startswith(QUOTE)


def test_page_claiming_utf8_but_written_in_windows_1252() -> None:
    # The bytes are not valid UTF-8 anywhere: believe the bytes, not the label.
    record = parse(page_bytes("cp1252", declare="utf-8"))
    assert record.body.startswith(QUOTE)


def test_page_claiming_latin1_but_written_in_utf8() -> None:
    record = parse(page_bytes("utf-8", declare="iso-8859-1"))
    assert record.body.startswith(QUOTE)


def test_http_charset_is_used_for_undeclared_legacy_bytes() -> None:
    text = "Düsseldorf: Straßenbahn fährt wieder"
    html = build_page(body=f"<p>{text}, sagt die Stadt, und mehr Busse fahren ab Montag im "
                      "ganzen Stadtgebiet nach dem neuen Fahrplan.</p>" * 4, lang="de").replace(
        '<meta charset="utf-8">', "")
    record = parse(html.encode("iso-8859-15"), http_charset="ISO-8859-15")
    assert record.body.startswith(text)


def test_utf8_bom_and_zero_width_characters() -> None:
    html = build_page(body="<p>Road\u200bworks start on Monday across the county.</p>" + PARAGRAPHS)
    record = parse(b"\xef\xbb\xbf" + html.encode("utf-8"))
    assert record.body.startswith("Roadworks start on Monday")


def test_decomposed_characters_are_composed() -> None:
    assert decode_html("<p>Cafe\u0301</p>") == "<p>Caf\u00e9</p>"


@pytest.mark.parametrize(
    "data",
    [b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj", b"\x89PNG\r\n\x1a\n\x00\x00", b"GIF89a\x01\x00",
     b"just some plain text, no markup at all", b"", "   "],
)
def test_non_html_input_is_not_an_article(data: bytes | str) -> None:
    assert parse_article(data, "https://news.example.com/report.pdf") is None


def test_decode_html_raises_not_html_error_with_one_line_message() -> None:
    with pytest.raises(NotHTMLError) as raised:
        decode_html(b"%PDF-1.7 binary")
    assert isinstance(raised.value, ValueError)
    assert "\n" not in str(raised.value)
