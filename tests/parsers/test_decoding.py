"""Bytes to text: charsets declared, missing and wrong; non-HTML input."""

from __future__ import annotations

import pytest

from parsers import parse_article
from parsers.decoding import NotHTMLError, decode_html, decode_html_utf8
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


RUSSIAN = ("<p>Городской совет утвердил бюджет во вторник после трёхчасовых дебатов, в которых "
           "приняли участие депутаты всех партий.</p><p>Депутаты проголосовали 31 голосом против "
           "12 за план, который увеличивает расходы на дороги и библиотеки.</p>")
JAPANESE = ("<p>市議会は火曜日、3時間にわたる議論の末に予算案を承認した。すべての党の議員が討論に"
            "参加した。</p><p>議員らは31対12で計画に賛成した。道路と図書館への支出を増やす。</p>")
FRENCH = ("<p>Le conseil a approuvé le budget mardi après trois heures de débat ; les élus de "
          "tous les partis ont participé à la séance, très animée. Où est la bibliothèque ? "
          "Déjà fermée, répond le maire, à cause des travaux prévus cet été.</p>")


def undeclared(body: str, encoding: str, lang: str) -> bytes:
    html = build_page(body=body * 2, lang=lang).replace('<meta charset="utf-8">', "")
    return html.replace("©", "(c)").encode(encoding)


@pytest.mark.parametrize(
    ("body", "encoding", "lang"),
    [(RUSSIAN, "cp1251", "ru"), (RUSSIAN, "koi8-r", "ru"), (JAPANESE, "shift_jis", "ja"),
     (JAPANESE, "euc-jp", "ja")],
)
def test_undeclared_non_latin_charset_is_detected(body: str, encoding: str, lang: str) -> None:
    text = decode_html(undeclared(body, encoding, lang))
    assert body in text


@pytest.mark.parametrize(("body", "lang"), [(f"<p>{QUOTE}</p>" + PARAGRAPHS, "en"), (FRENCH, "fr")])
def test_undeclared_western_text_stays_windows_1252(body: str, lang: str) -> None:
    # charset-normalizer reads these as windows-1250 or -1257: a Latin-script guess is not
    # taken, or "è" would come out as "č".
    assert body in decode_html(undeclared(body, "cp1252", lang))


def test_utf8_bytes_go_to_lxml_unchanged_and_cleaned_text_re_encoded() -> None:
    html = build_page().encode("utf-8")
    text, utf8 = decode_html_utf8(html)
    assert utf8 is html and text == html.decode("utf-8")
    dirty = build_page(body="<p>Road\u200bworks</p>" + PARAGRAPHS).encode("utf-8")
    text, utf8 = decode_html_utf8(dirty)
    assert "\u200b" not in text and utf8 == text.encode("utf-8")
    text, utf8 = decode_html_utf8(html.decode("utf-8").encode("cp1252"))
    assert utf8 == text.encode("utf-8")


def test_decomposed_characters_are_composed() -> None:
    assert decode_html("<p>Cafe\u0301</p>") == "<p>Caf\u00e9</p>"


@pytest.mark.parametrize(
    "data",
    [b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj", b"\x89PNG\r\n\x1a\n\x00\x00", b"GIF89a\x01\x00",
     b"just some plain text, no markup at all", b"", "   "],
)
def test_non_html_input_is_not_an_article(data: bytes | str) -> None:
    assert parse_article(data, "https://news.example.com/report.pdf") is None


@pytest.mark.parametrize("space", [b"", b"\r\n \t", b" " * 2000])
def test_binary_files_are_known_by_their_magic_after_leading_white_space(space: bytes) -> None:
    with pytest.raises(NotHTMLError, match="binary"):
        decode_html(space + b"%PDF-1.7 <html><body><p>text</p></body></html>")


def test_decode_html_raises_not_html_error_with_one_line_message() -> None:
    with pytest.raises(NotHTMLError) as raised:
        decode_html(b"%PDF-1.7 binary")
    assert isinstance(raised.value, ValueError)
    assert "\n" not in str(raised.value)


def test_decomposed_characters_in_the_record_are_composed() -> None:
    # The page is decoded as it is; the strings taken out of it are composed.
    html = build_page(title="Cafe\u0301 budget approved").replace(
        "county council approved", "county council's cafe\u0301 approved"
    )
    record = parse(html)
    assert record.title == "Caf\u00e9 budget approved"
    assert "council's caf\u00e9 approved" in record.body
    assert "\u0301" not in record.body
