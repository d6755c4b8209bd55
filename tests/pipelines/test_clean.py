"""CleanPipeline tidies text without changing what it says."""

from __future__ import annotations

import re
import unicodedata

from hypothesis import given
from hypothesis import strategies as st
from scrapy.utils.misc import build_from_crawler
from scrapy.utils.test import get_crawler

from items import ArticleImage, ArticleRecord, ListBlock, RelatedLink
from pipelines.clean import INVISIBLE, CleanPipeline, clean_body, is_tidy
from tests.factories import make_failure, make_record

# "I want" in Persian: the zero-width non-joiner inside it is spelling, not noise.
PERSIAN = "\u0645\u06cc\u200c\u062e\u0648\u0627\u0647\u0645"


def clean(**fields: object) -> ArticleRecord:
    pipeline = build_from_crawler(CleanPipeline, get_crawler())
    cleaned = pipeline.process_item(make_record(**fields))
    assert isinstance(cleaned, ArticleRecord)
    return cleaned


def test_whitespace_collapses_inside_lines_and_paragraphs_stay() -> None:
    cleaned = clean(
        title="  Council\u00a0 approves\tbudget \n",
        body="  First   paragraph\u00a0here. \r\n\r\n\n\n Second\tparagraph.  \n",
    )
    assert cleaned.title == "Council approves budget"
    assert cleaned.body == "First paragraph here.\n\nSecond paragraph."


def test_text_is_nfc_without_zero_width_characters() -> None:
    cleaned = clean(
        title="Cafe\u0301 re\u200bopens\ufeff",
        summary="soft\u00adhyphen",
        section="\u200b",
        body=PERSIAN,
    )
    assert cleaned.title == "Café reopens"
    assert cleaned.summary == "softhyphen"
    assert cleaned.section is None
    assert cleaned.body == PERSIAN


def test_empty_names_and_items_are_dropped() -> None:
    cleaned = clean(
        authors=("  Jane  Reporter ", "", "\u200b", "Jane Reporter", "Sam Writer"),
        tags=(" ", "budget"),
        lists=(
            ListBlock(heading=" Changes: ", ordered=True, items=(" Roads ", "", "  ")),
            ListBlock(heading="Empty", ordered=False, items=(" ",)),
        ),
    )
    assert cleaned.authors == ("Jane Reporter", "Sam Writer")
    assert cleaned.tags == ("budget",)
    assert cleaned.lists == (ListBlock(heading="Changes:", ordered=True, items=("Roads",)),)


def test_links_and_images_are_tidied() -> None:
    cleaned = clean(
        canonical_url="  ",
        related=(RelatedLink(url=" https://x.example/a ", title=" A\n title ", teaser=" "),),
        images=(ArticleImage(url="https://x.example/i.jpg\n", caption="  "),),
    )
    assert cleaned.canonical_url is None
    assert cleaned.related == (RelatedLink(url="https://x.example/a", title="A title"),)
    assert cleaned.images == (ArticleImage(url="https://x.example/i.jpg", caption=None),)


def test_clean_record_is_left_as_it_is() -> None:
    record = make_record()
    pipeline = build_from_crawler(CleanPipeline, get_crawler())
    assert pipeline.process_item(record) == record


def test_fetch_failures_pass_untouched() -> None:
    failure = make_failure(reason="  HTTP   404 ")
    pipeline = build_from_crawler(CleanPipeline, get_crawler())
    assert pipeline.process_item(failure) is failure


@given(st.text(alphabet=st.sampled_from(list("ab é\u0065\u0301\t\n\r\u00a0\u200b\u2028\x0b\x85"))))
def test_clean_body_keeps_every_word_and_leaves_only_single_spaces(text: str) -> None:
    cleaned = clean_body(text)
    expected_words = unicodedata.normalize("NFC", INVISIBLE.sub("", text)).split()
    assert cleaned.split() == expected_words
    assert "\n\n\n" not in cleaned and not cleaned.startswith("\n")
    for line in cleaned.split("\n"):
        assert line == " ".join(line.split())  # no edge or doubled whitespace within a line
    assert clean_body(cleaned) == cleaned


@given(st.text(alphabet=st.sampled_from(list("ab\u00e9 \t\n\r\u00a0\u2028\x0b\x85\x1c\x01\u200e"))))
def test_the_tidy_body_shortcut_answers_as_the_full_cleaning_would(text: str) -> None:
    text = unicodedata.normalize("NFC", text)
    lines = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    full = re.sub("\n{3,}", "\n\n", "\n".join(" ".join(line.split()) for line in lines))
    if is_tidy(text):
        assert full.strip("\n") == text
    assert clean_body(text) == full.strip("\n")


def test_an_invisible_between_a_letter_and_its_accent_leaves_them_joined() -> None:
    assert clean(title="Caf e\u200b\u0301").title == "Caf \u00e9"
    assert clean_body("e\u200b\u0301") == "\u00e9"
