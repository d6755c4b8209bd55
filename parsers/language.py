"""The page's language: as declared, else detected from a short sample of its text."""

from __future__ import annotations

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
SAMPLE_CHARS = 1500  # enough for a sure answer; longer samples only cost time
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


def detect_language(text: str) -> str | None:
    """ISO 639-1 code of the text's language, or None when the sample is too short or unsure."""
    sample = squash(text)[:SAMPLE_CHARS]
    if sum(char.isalpha() for char in sample) < MIN_CHARS:
        return None
    code, probability = _identifier().classify(sample)
    if probability < MIN_PROBABILITY:
        return None
    return code


def detected_language(text: str) -> Found[str] | None:
    """The language detected in the article's text, for pages that declare none."""
    detected = detect_language(text)
    return Found(detected, "detected") if detected else None
