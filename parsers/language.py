"""The page's language: as declared, else detected from a short sample of its text."""

from __future__ import annotations

import re
from collections import Counter
from functools import cache
from typing import Protocol, cast

from parsers.page import Found
from parsers.text import squash

# Languages a news page is likely to be written in; restricting py3langid to them makes its
# guesses on short samples safer (no Latin-script text taken for Latin or Esperanto).
CANDIDATES = (
    "en", "de", "fr", "es", "it", "nl", "pt", "sv", "da", "no", "fi", "pl", "cs", "sk", "hu",
    "ro", "tr", "ru", "uk", "el", "ca", "hr", "sl", "bg", "sr", "lt", "lv", "et", "ja", "zh",
    "ko", "ar", "he", "hi", "id", "ms", "th", "vi", "fa",
)  # fmt: skip
SAMPLE_CHARS = 1000  # enough for a sure answer; longer samples only cost time
MIN_CHARS = 40  # below this, a guess is noise
MIN_PROBABILITY = 0.9


class _Identifier(Protocol):
    def classify(self, text: str) -> tuple[str, float]: ...


@cache
def _identifier() -> _Identifier:
    # The model ships inside the wheel; loading it takes ~0.5 s, once per process.
    from py3langid.langid import MODEL_FILE, LanguageIdentifier

    identifier = LanguageIdentifier.from_model_file(MODEL_FILE, norm_probs=True)
    identifier.set_languages(list(CANDIDATES))
    return cast("_Identifier", identifier)


# The commonest words of the languages most news pages are written in, none of them common
# in another of these languages: running text uses them so often that counting them names
# the language of a paragraph or two without loading the statistical model (~0.4 s).
_FUNCTION_WORDS = {
    "en": "the and of to is that with was are this have from which were has been",
    "de": "der die und das ist nicht mit den von sich auch ein eine dem wird auf",
    "fr": "les des est une dans pour qui pas sur avec aux sont cette du au été",
    "es": "el los las del y por con una para más como fue pero sus está entre",
    "it": "il della che di per sono non gli è nel alla anche delle dei questo più",
    "nl": "het een van niet dat op voor zijn ook aan wordt bij naar worden deze heeft",
    "pt": "os da do das dos não uma com em mais ao foi são pelo seu também",
}
_LANGUAGE_OF_WORD: dict[str, list[str]] = {}
for _code, _words in _FUNCTION_WORDS.items():
    for _word in _words.split():
        _LANGUAGE_OF_WORD.setdefault(_word, []).append(_code)
_WORD = re.compile(r"[^\W\d_]+")
MIN_FUNCTION_WORDS = 8  # hits of the leading language before the count is trusted
FUNCTION_WORD_MARGIN = 3  # ... and how many times the runner-up's it must reach


def detect_language(text: str) -> str | None:
    """ISO 639-1 code of the text's language, or None when the sample is too short or unsure."""
    # Cut before squashing: a long body would be normalised whole for a short sample.
    sample = squash(text[: SAMPLE_CHARS * 2])[:SAMPLE_CHARS]
    if sum(char.isalpha() for char in sample) < MIN_CHARS:
        return None
    counted = _by_function_words(sample)
    if counted is not None:
        return counted
    code, probability = _identifier().classify(sample)
    if probability < MIN_PROBABILITY:
        return None
    return code


def _by_function_words(sample: str) -> str | None:
    """The language whose function words the sample uses most, when it clearly leads."""
    hits: Counter[str] = Counter()
    for word in _WORD.findall(sample.lower()):
        hits.update(_LANGUAGE_OF_WORD.get(word, ()))
    ranked = hits.most_common(2)
    if not ranked or ranked[0][1] < MIN_FUNCTION_WORDS:
        return None
    runner_up = ranked[1][1] if len(ranked) > 1 else 0
    return ranked[0][0] if ranked[0][1] >= FUNCTION_WORD_MARGIN * runner_up else None


def detected_language(text: str) -> Found[str] | None:
    """The language detected in the article's text, for pages that declare none."""
    detected = detect_language(text)
    return Found(detected, "detected") if detected else None
