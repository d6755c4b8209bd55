"""The reference article (The Chamberlain Files): the facts a reader sees, and the seed text."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from items import ArticleRecord, ListBlock, RelatedLink
from parsers import parse_article
from parsers.fixtures import load_case, parse_case

REPO = Path(__file__).resolve().parents[2]
CASE = REPO / "tests" / "fixtures" / "chamberlainfiles" / "police-criticised-child-abuse"
SEED = Path(__file__).resolve().parents[3] / "shared" / "seed" / "chamberlain-files-article.txt"
DEMO_COPY = REPO / "demo" / "pages" / "police-criticised-child-abuse.html"

BOILERPLATE = (
    "Similar Articles",
    "About Author",
    "Chamberlain Files Weekly",
    "Don't miss a thing",
    "required field",
    "MailChimp",
    "Our latest tweets",
    "Published by",
    "Our community",
    "The Chamberlain Files | Homepage",
    "We use cookies",
    "28.Oct 2014",
    "Tourist charge",
    "Leave a Reply",
    "Analysis",
    "child protection\nHMIC",
)


@pytest.fixture(scope="module")
def record() -> ArticleRecord:
    found = parse_case(load_case(CASE))
    assert found is not None
    return found


def test_title_without_site_name(record: ArticleRecord) -> None:
    assert record.title == "Police criticised over poor response to West Midlands child abuse cases"


def test_published_from_printed_date(record: ArticleRecord) -> None:
    # The page has no machine-readable date: only "🕔28.Oct 2014" printed in .post-date.
    assert record.published.isoformat() == "2014-10-28"
    assert record.provenance["published"] == "selector"


def test_printed_date_found_without_profile() -> None:
    case = load_case(CASE)
    record = parse_article(case.html, case.url, fetched_at=case.fetched_at)
    assert record is not None
    assert record.published.isoformat() == "2014-10-28"  # type: ignore[union-attr]
    assert record.provenance["published"] == "byline"


def test_canonical_url_and_site(record: ArticleRecord) -> None:
    assert record.canonical_url == (
        "https://www.chamberlainfiles.com/"
        "police-criticised-over-poor-response-to-west-midlands-child-abuse-cases/"
    )
    assert record.site == "www.chamberlainfiles.com"


def test_body_starts_and_ends_with_article_text(record: ArticleRecord) -> None:
    assert record.body.startswith("West Midlands Police has been criticised for failing")
    assert record.body.endswith("detained in police custody overnight.")


def test_body_has_no_boilerplate(record: ArticleRecord) -> None:
    for text in BOILERPLATE:
        assert text not in record.body, text


def test_list_items_one_per_line_without_bullets(record: ArticleRecord) -> None:
    assert "•" not in record.body
    assert "Incidents that concerned HMIC included:\n\nCare home staff called police" in record.body
    assert "older man. Although" in record.body
    assert "exploitation.\nA passer-by saw a man" in record.body


def test_three_lists_with_their_headings(record: ArticleRecord) -> None:
    assert [block.heading for block in record.lists] == [
        "Incidents that concerned HMIC included:",
        "HMIC said positive aspects of the West Midlands inspection included:",
        "However, inspectors were concerned to find:",
    ]
    assert [len(block.items) for block in record.lists] == [3, 3, 4]
    assert all(isinstance(block, ListBlock) and not block.ordered for block in record.lists)
    assert record.lists[2].items[0] == (
        "A weak response to difficult, complex or prolonged child protection cases."
    )


def test_five_similar_articles_with_teasers_and_comment_counts(record: ArticleRecord) -> None:
    assert [link.title for link in record.related] == [
        "Tourist charge shouldn’t depend on the Games",  # noqa: RUF001
        "A week? A day is a long time in politics",
        "Council CEO: Baxendale for Birmingham",
        "An Optimism of Mayors",
        "Commonwealth Games finishing line extended…again",
    ]
    assert [link.comments for link in record.related] == [0, 0, 3, 0, 0]
    assert all(isinstance(link, RelatedLink) for link in record.related)
    assert all(link.url.startswith("https://www.chamberlainfiles.com/") for link in record.related)
    assert record.related[3].teaser == (
        "What is the collective noun for Mayors, you might be wondering? OK, you probably weren't."
    )
    assert all(link.teaser for link in record.related)


def test_no_author_taken_from_facebook_url_or_empty_author_box(record: ArticleRecord) -> None:
    assert record.authors == ()


def test_demo_copy_is_byte_identical() -> None:
    assert DEMO_COPY.read_bytes() == (CASE / "page.html").read_bytes()


def seed_body(seed_text: str) -> str:
    """The article text of the seed: lines between the date and "Similar Articles".

    Bullets ("  • item") become plain lines, one item a line, the items of one list
    together; whitespace runs (the seed has a no-break space) read as one space, as the
    parser writes them.
    """
    lines = seed_text.splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith("🕔")) + 1
    end = lines.index("Similar Articles")
    blocks: list[list[str]] = []
    previous_bullet = False
    for line in lines[start:end]:
        text = " ".join(line.split())
        if not text:
            continue
        bullet = text.startswith("• ")
        text = re.sub(r"^•\s*", "", text)
        if bullet and previous_bullet:
            blocks[-1].append(text)
        else:
            blocks.append([text])
        previous_bullet = bullet
    return "\n\n".join("\n".join(block) for block in blocks)


@pytest.mark.skipif(not SEED.is_file(), reason=f"seed text not available at {SEED}")
def test_body_equals_seed_article_text(record: ArticleRecord) -> None:
    expected = seed_body(SEED.read_text(encoding="utf-8"))
    assert expected.startswith("West Midlands Police has been criticised")
    assert expected.endswith("police custody overnight.")
    assert record.body == expected


@pytest.mark.skipif(not SEED.is_file(), reason=f"seed text not available at {SEED}")
def test_related_titles_and_teasers_appear_in_seed(record: ArticleRecord) -> None:
    seed = SEED.read_text(encoding="utf-8")
    for link in record.related:
        assert f"{link.title} {link.comments}" in seed
        assert link.teaser in seed
