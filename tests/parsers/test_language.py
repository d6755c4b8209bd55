"""Language: declared by the page, else detected from a sample of its text."""

from __future__ import annotations

from parsers.language import detect_language
from tests.parsers.pages import build_page, parse

GERMAN = ("<p>Der Gemeinderat hat am Dienstag nach einer dreistündigen Debatte den Haushalt für "
          "das kommende Jahr beschlossen.</p><p>Die Opposition kritisierte, der Plan beruhe auf "
          "zu optimistischen Annahmen über die Einnahmen aus der Gewerbesteuer.</p>")


def test_detects_the_language_of_a_paragraph() -> None:
    assert detect_language(GERMAN) == "de"
    assert detect_language("The council approved its budget on Tuesday after a long debate "
                           "in the chamber.") == "en"


def test_too_little_text_is_not_guessed() -> None:
    assert detect_language("Home | News") is None
    assert detect_language("") is None


def test_declared_language_comes_first() -> None:
    record = parse(build_page(body=GERMAN * 2, lang="en-GB"))
    assert record.language == "en"
    assert record.provenance["language"] == "html"


def test_undeclared_language_is_detected_from_the_body() -> None:
    html = build_page(body=GERMAN * 2).replace(' lang="en"', "")
    record = parse(html)
    assert record.language == "de"
    assert record.provenance["language"] == "detected"
