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


def test_detects_the_common_news_languages_from_a_paragraph() -> None:
    paragraphs = {
        "es": "El ayuntamiento aprobó el martes los presupuestos para el año que viene, con los "
              "votos del gobierno y la abstención de la oposición, que criticó la subida de las "
              "tasas y pidió más dinero para los barrios del sur de la ciudad.",
        "it": "Il consiglio comunale ha approvato il bilancio per il prossimo anno dopo una lunga "
              "discussione, e l'opposizione ha criticato la scelta di non ridurre le tasse della "
              "città, che sono tra le più alte della regione anche per questo motivo.",
        "fr": "Le conseil municipal a adopté mardi le budget pour l'année prochaine après un long "
              "débat, et l'opposition a critiqué la hausse des impôts, qui sont déjà parmi les "
              "plus élevés de la région, dans une ville où les loyers ont été multipliés.",
        "nl": "De gemeenteraad heeft dinsdag de begroting voor het komende jaar goedgekeurd na een "
              "lang debat, en de oppositie vindt dat de plannen van het college niet haalbaar "
              "zijn omdat er ook bezuinigd wordt op de bibliotheek en het zwembad.",
        "pt": "A câmara municipal aprovou na terça-feira o orçamento para o próximo ano, com os "
              "votos da maioria, e a oposição criticou o aumento das taxas, que são das mais "
              "altas do país, e pediu mais investimento nos bairros do sul da cidade.",
    }
    for code, text in paragraphs.items():
        assert detect_language(text) == code, code
