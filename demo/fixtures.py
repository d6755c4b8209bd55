"""`python -m demo.fixtures DIR`: write the demo's fixture cases (one per template, plus pages
that are not articles) for the stable base URL http://127.0.0.1:8765.

Each case gets page.html (the bytes exactly as served), meta.json and expected.json.
expected.json is the demo's ground truth (``demo.truth``), never the parser's output, except
``provenance``, which only the parser can say and is copied from its current output. The
script then prints, case by case, every field where the current parser disagrees with the
truth: those are parser bugs, and the fixture tests fail on them until they are fixed.
"""

# ruff: noqa: RUF001  (notes quote the pages' typographic characters)

from __future__ import annotations

import argparse
import json
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from demo.site import FETCHED_AT, DemoSite, build_site
from demo.truth import record_of
from items import RECORD_KEYS, record_to_json
from parsers import parse_article
from parsers.fixtures import EXPECTED, META, PAGE, dumps

BASE_URL = "http://127.0.0.1:8765"


@dataclass(frozen=True, slots=True)
class DemoCase:
    """One fixture case: which demo path to save, under what name, and why."""

    name: str
    path: str
    note: str


CASES = (
    DemoCase(
        "wordpress-byline-similar-articles",
        "/council-ceo-baxendale-for-birmingham/",
        "The reference article's WordPress theme: date only as \"🕔05.Dec 2017\", a rel=author "
        "byline, a numbered list, \"Similar Articles\" with teasers and comment counts, three "
        "dated reader comments, About Author box, MailChimp form, tweets widget.",
    ),
    DemoCase(
        "wordpress-category-comment-class",
        "/an-optimism-of-mayors/",
        "WordPress puts the category slug on <article>: class=\"category-comment\" for the "
        "Comment section. The article is not a comments block.",
    ),
    DemoCase(
        "wordpress-crosshead-two-authors",
        "/council-tax-what-the-rise-means-for-you/",
        "WordPress theme with two rel=author links (one name with a curly apostrophe: "
        "Daniel O’Connor), a crosshead <h2> inside the text and a list introduced by a "
        "sentence ending in a colon.",
    ),
    DemoCase(
        "group-json-ld-graph-ads",
        "/news/birmingham/birmingham-city-council-faces-300m-equal-pay-bill-10717",
        "Big-group CMS: JSON-LD NewsArticle inside @graph with two authors, datePublished and "
        "dateModified, <time datetime>, a standfirst, cookie consent dialog, ad slots, a "
        "crosshead, a \"More on this story\" box and a newsletter box inside the article body.",
    ),
    DemoCase(
        "small-blog-dayname-bullet-lines",
        "/blog/2014/10/moseley-residents-fight-plans-for-40-homes.html",
        "Small site with no metadata at all: date header \"Tuesday, October 28, 2014\", title in "
        "an <h2> under the blog name, \"By Anna Mistry\", a bullet list written as \"•\" lines "
        "joined by <br> in one <p>, \"Read more:\" links that are related articles.",
    ),
    DemoCase(
        "small-blog-posted-on-day-first",
        "/blog/2014/11/kings-heath-traders-say-parking-charges-hurting-business.html",
        "Small site with no metadata: \"Posted on 05/11/2014 by Anna Mistry and Tom Riley\" "
        "(British day-first: 5 November), one \"•\" <p> per list item, Blogger-style comments.",
    ),
    DemoCase(
        "dated-published-vs-modified-meta",
        "/2014/10/02/selly-oak-bypass-opens-two-months-early/",
        "\"Oct 2, 2014 at 9:05 am\" (BST) printed, article:published_time "
        "2014-10-02T08:05:00+00:00 and a later article:modified_time; Jetpack share buttons "
        "and \"Related\" posts inside .entry-content; post navigation; dated sidebar comments.",
    ),
    DemoCase(
        "legacy-cp1252-no-charset",
        "/archive/2009/03/council-chiefs-200000-pay-packet-criticised.htm",
        "A 2009 table layout in windows-1252 (curly quotes, £, en dash) with no charset in the "
        "HTTP header or the page; unclosed <P> tags; \"Last updated: Thursday, 12 March 2009, "
        "16:40 GMT\" above the headline and \"Published: ... 14:27 GMT\" under a bold "
        "\"By Peter Hale\" byline outside any paragraph.",
    ),
    DemoCase(
        "legacy-utf8-labelled-latin1",
        "/archive/2013/09/bull-ring-ten-years-on.htm",
        "UTF-8 bytes behind <META ... charset=iso-8859-1> and a header with no charset: the "
        "page lies about its encoding (Résumé, décor, curly quotes). Published on 4th "
        "September 2013.",
    ),
    DemoCase("home-page-not-article", "/", "The home page: teasers, pagination. Not an article."),
    DemoCase("tag-page-not-article", "/tag/mayors/", "A tag listing. Not an article."),
    DemoCase(
        "archive-index-not-article",
        "/archive/",
        "The legacy archive index in windows-1252: a heading and a list of links with dates. "
        "Not an article.",
    ),
    DemoCase(
        "gallery-not-article",
        "/gallery/bull-ring-christmas-market-in-pictures/",
        "A picture gallery: headline and captioned images, no text. Not an article.",
    ),
)


def write_cases(root: Path, site: DemoSite | None = None) -> dict[str, list[str]]:
    """Write every case under ``root``; returns case name -> fields the parser gets wrong."""
    site = site or build_site(BASE_URL)
    disagreements: dict[str, list[str]] = {}
    for case in CASES:
        disagreements[case.name] = write_case(root / case.name, case, site)
    return disagreements


def write_case(case_dir: Path, case: DemoCase, site: DemoSite) -> list[str]:
    page = site.page_for(case.path)
    url = site.url(case.path)
    case_dir.mkdir(parents=True, exist_ok=True)
    (case_dir / PAGE).write_bytes(page.body)
    meta: dict[str, Any] = {"url": url, "fetched_at": FETCHED_AT.isoformat(), "note": case.note}
    if page.http_charset:
        meta["http_charset"] = page.http_charset
    (case_dir / META).write_text(dumps(meta), encoding="utf-8")
    record = parse_article(page.body, url, fetched_at=FETCHED_AT, http_charset=page.http_charset)
    actual = None if record is None else json.loads(dumps(record_to_json(record)))
    truth = site.article_at(case.path)
    if truth is None:
        expected = None
    else:
        provenance = actual["provenance"] if actual else _previous_provenance(case_dir)
        expected = json.loads(dumps(record_to_json(record_of(truth, provenance=provenance))))
    (case_dir / EXPECTED).write_text(dumps(expected), encoding="utf-8")
    if expected is None or actual is None:
        return [] if expected is actual else ["*"]
    return [key for key in RECORD_KEYS if key != "provenance" and actual[key] != expected[key]]


def _previous_provenance(case_dir: Path) -> dict[str, str]:
    # The parser found no article, so it has no provenance to offer: keep what was there.
    try:
        previous = json.loads((case_dir / EXPECTED).read_text(encoding="utf-8"))
    except (FileNotFoundError, json.JSONDecodeError):
        return {}
    return dict(previous["provenance"]) if isinstance(previous, dict) else {}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m demo.fixtures",
        description="Write the demo site's fixture cases; expected.json comes from the "
        "demo's ground truth. Prints the fields the current parser gets wrong.",
        epilog="Example: python -m demo.fixtures tests/fixtures/demo",
    )
    parser.add_argument("root", type=Path, help="folder for the cases, e.g. tests/fixtures/demo")
    args = parser.parse_args(argv)
    disagreements = write_cases(args.root)
    for name, fields in disagreements.items():
        verdict = "ok" if not fields else "parser differs: " + (
            "article/not-article" if fields == ["*"] else ", ".join(fields)
        )
        print(f"{args.root / name}: {verdict}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
