"""A synthetic regional news site of N articles, written once to disk for throughput benchmarks.

    .venv/bin/python -m bench.sitegen --articles 10000 --out /tmp/site [--seed 0] [--base-url URL]

The pages are the demo site's (``demo.templates`` rendered through ``demo.site.render_article``)
for articles invented procedurally from a seed: titles, authors, sections, tags, comments and
bodies of varied length, dated over 2008-2024, the older ones in the legacy templates. Around
them: a home page and section listings paginated 20 to a page (a crawl must follow the
pagination to reach everything), one-page tag, author, blog and archive listings, static
pages, an RSS feed of the latest 50, a sitemap index with child sitemaps of at most 10,000
URLs, and robots.txt naming it.

Links are root-relative unless ``--base-url`` is given, so the site works whatever port it is
served on. ``DIR/site/`` is the web root; beside it ``DIR/expected.jsonl`` holds one line per
article (path, title, published, authors, ...) for checking an archive after a crawl, and
``DIR/sitegen.json`` the parameters, written last: a tree with a matching marker is reused.

Generation is a pure function of (articles, seed, base URL): an article's date and header
come from its index, its body from a generator seeded by (seed, index), so worker processes
render disjoint slices without sharing state beyond the headers.
"""

# ruff: noqa: RUF001  (page text uses typographic apostrophes)

from __future__ import annotations

import argparse
import hashlib
import json
import math
import multiprocessing
import os
import random
import shutil
import sys
import time
from collections import defaultdict
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from email.utils import format_datetime
from pathlib import Path
from xml.sax.saxutils import escape as xml_escape

from demo import templates
from demo.content import (
    AUTHOR_BIOS,
    DATED,
    FILLER,
    GROUP,
    LEGACY,
    LEGACY_MISLABELLED,
    SECTIONS,
    SMALL_BLOG,
    WORDPRESS,
    ArticleSpec,
    Comment,
)
from demo.site import GALLERY_PATH, gallery_html, render_article
from demo.templates import Chrome, e
from demo.truth import ArticleTruth, related_link, slugify, truth_of, utc_of

REPO = Path(__file__).resolve().parent.parent
CACHE_DIR = Path(__file__).resolve().parent / ".cache"
MARKER = "sitegen.json"
EXPECTED = "expected.jsonl"
PER_PAGE = 20
FEED_SIZE = 50
SITEMAP_SIZE = 10_000
WINDOW = 20  # articles on either side that a page's sidebars and "recent" boxes draw from
RELATED_REACH = 40  # related articles are among this many older ones
FIRST_POST_ID = 20_000
SPAN_START = datetime(2008, 1, 7, 8, 0)
SPAN_END = datetime(2024, 6, 28, 18, 0)
MODERN_FROM = 2013  # before this year the site ran the legacy CMS and blog

# The generator's sources: a change to any of them changes the pages, so a cached tree made
# by other sources is rebuilt.
SOURCES = (
    Path(__file__),
    REPO / "demo" / "templates.py",
    REPO / "demo" / "truth.py",
    REPO / "demo" / "content.py",
    REPO / "demo" / "site.py",
)

# -- Vocabulary ------------------------------------------------------------------------------

PLACES = (
    "Birmingham", "Coventry", "Wolverhampton", "Walsall", "Dudley", "Solihull", "Sandwell",
    "West Bromwich", "Sutton Coldfield", "Moseley", "Kings Heath", "Erdington", "Digbeth",
    "Selly Oak", "Edgbaston", "Handsworth", "Small Heath", "Acocks Green", "Harborne",
    "Northfield", "Stirchley", "Bournville", "Perry Barr", "Longbridge", "Tamworth",
    "Redditch", "Bromsgrove", "Lichfield", "Nuneaton", "Halesowen",
)
SUBJECTS = (
    "council", "library", "bus route", "tram extension", "housing plan", "school", "hospital",
    "budget", "bin strike", "car park", "cycle lane", "market", "leisure centre", "high street",
    "planning row", "police station", "railway station", "youth club", "care home",
    "canal path", "park", "museum", "swimming baths", "business district", "clean air zone",
    "council tax", "allotments", "community centre", "football ground", "food bank",
)
OUTCOMES = (
    "faces £{n}m shortfall", "plan approved after long debate", "to close next year",
    "reopens after £{n}m refit", "consultation opens", "decision delayed again",
    "campaigners win reprieve", "costs soar to £{n}m", "gets green light",
    "scheme scrapped", "review ordered", "wins national award", "under threat",
    "set for {n} new jobs", "opens two months early", "at the centre of row",
    "plans unveiled", "cuts confirmed", "back on the agenda", "given {n} weeks to improve",
    "inquiry hears evidence", "funding secured", "residents demand answers",
    "figures questioned", "future in doubt",
)
TITLE_PREFIXES = ("", "", "", "", "Analysis: ", "Comment: ", "Revealed: ", "Update: ")
FIRST_NAMES = (
    "Anna", "Ben", "Carys", "Dev", "Emma", "Farah", "George", "Hannah", "Imran", "Jess",
    "Kieran", "Laura", "Mohammed", "Niamh", "Owen", "Pooja", "Rhys", "Sian", "Tariq", "Zoe",
)
SURNAMES = (
    "Mistry", "Riley", "Ahmed", "Brennan", "Clarke", "Dhillon", "Evans", "Fletcher", "Grant",
    "Hussain", "Jones", "Kaur", "Lloyd", "Morgan", "Nash", "Patel", "Quinn", "Reid",
)
STAFF = tuple(AUTHOR_BIOS)
CONTRIBUTORS = tuple(f"{first} {last}" for first in FIRST_NAMES[:10] for last in SURNAMES[:4])
TAGS = (
    *PLACES,
    "Birmingham City Council", "West Midlands Combined Authority", "transport", "housing",
    "planning", "education", "health", "policing", "budget", "council tax", "elections",
    "devolution", "mayors", "Commonwealth Games", "Midland Metro", "HS2", "culture",
    "business", "environment", "clean air", "libraries", "parks", "equal pay", "refuse",
    "social care", "universities", "airport", "canals", "heritage", "sport",
)
ROLES = (
    "the cabinet member for transport", "a local councillor", "the chief executive",
    "a spokeswoman for the campaign", "the leader of the opposition group",
    "a resident of thirty years", "the head teacher", "a union representative",
    "the chair of the traders’ association", "a spokesman for the combined authority",
)
SENTENCE_PATTERNS = (
    "{person}, {role}, said the {subject} in {place} had been “let down for too long”.",
    "The {subject} in {place} is expected to cost about £{n} million over {k} years.",
    "More than {n},000 people in {place} have signed a petition about the {subject}.",
    "A report to the {place} committee on {day} said the {subject} was {k} months behind.",
    "{person} told the meeting that {place} could not afford to wait any longer.",
    "Officers in {place} have been asked to look again at the {subject} before {month}.",
    "The {subject} was first proposed in {year}, when {place} had {n} fewer residents.",
    "Figures seen by the demo site show {n} complaints about the {subject} since {month}.",
    "Councillors in {place} voted by {n} to {k} to back the {subject} on {day}.",
    "“We have listened,” said {person}, {role}, adding that the {subject} would be reviewed.",
)
COMMENTERS = (
    "Brummie Bob", "Jane S", "Councillor watcher", "Kev", "Sutton voter", "Mo from Sparkhill",
    "Disgruntled of Digbeth", "Pat", "Old Harborne", "Ray B",
)
COMMENT_TEXTS = (
    "Same old story. Nothing will change until the money is there.",
    "Good to see this reported properly for once.",
    "I live round the corner and nobody asked us.",
    "Who signed this off? Someone should answer for it.",
    "The figures in paragraph three do not add up.",
    "Thanks for covering this. The local paper never does.",
    "Let’s see if it actually happens this time.",
    "We were promised the same thing ten years ago.",
)
DAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday")
STANDFIRSTS = (
    "The decision comes after months of argument in the council chamber.",
    "Residents say they were not consulted; the council says they were.",
    "Opposition councillors have called the figures “a fantasy”.",
    "It is the third time in five years the plans have changed.",
    "Business leaders have welcomed the move, campaigners are less sure.",
)


# Modern pages carry a consent manager's vendor list inline, as real ones do (tens of KB of
# script that a parser must skip); the 2009 legacy pages predate it.
CONSENT_VENDORS = tuple(
    json.dumps({
        "id": number,
        "name": f"{SURNAMES[number % len(SURNAMES)]} {PLACES[number % len(PLACES)]} Media {number}",
        "purposes": [1 + (number + step) % 10 for step in range(1 + number % 5)],
        "legIntPurposes": [2 + number % 7],
        "policyUrl": f"https://vendor{number}.example.com/privacy-policy/",
        "cookieMaxAgeSeconds": 86400 * (1 + number % 400),
    })
    for number in range(1, 301)
)
MODERN_TEMPLATES = (WORDPRESS, GROUP, DATED, SMALL_BLOG)


def with_consent_script(html: str, rng: random.Random) -> str:
    """The page with a vendor list of 50-170 entries before ``</head>``."""
    vendors = ",".join(CONSENT_VENDORS[: rng.randint(50, 170)])
    script = (
        '<script type="text/javascript">window.__cmp_config = {"gdprApplies": true, '
        f'"vendorListVersion": 211, "vendors": [{vendors}]}};</script>\n'
    )
    return html.replace("</head>", script + "</head>", 1)


# -- Articles --------------------------------------------------------------------------------


def _rng(seed: int, index: int, part: str) -> random.Random:
    return random.Random(f"{seed}:{index}:{part}")


def _when_of(index: int, count: int, rng: random.Random) -> datetime:
    """Increasing with the index, between 07:00 and 21:59 (never a clock-change hour)."""
    span = (SPAN_END - SPAN_START).total_seconds()
    moment = SPAN_START + timedelta(seconds=span * (index + rng.random() * 0.9) / count)
    return moment.replace(hour=7 + moment.hour % 15, second=0, microsecond=0)


def _template_of(year: int, month: int, rng: random.Random) -> tuple[str, str | None]:
    if year < MODERN_FROM:
        template = rng.choices((LEGACY, LEGACY_MISLABELLED, SMALL_BLOG, DATED), (5, 1, 2, 2))[0]
    else:
        template = rng.choices((WORDPRESS, GROUP, DATED, SMALL_BLOG), (4, 3, 2, 1))[0]
    if template == SMALL_BLOG:
        return template, rng.choice(("dayname", "posted-on"))
    if template == LEGACY and month in (11, 12, 1, 2) and rng.random() < 0.6:
        return template, "bbc"  # it prints "GMT": true only in winter
    if template in (LEGACY, LEGACY_MISLABELLED):
        return template, "ordinal"
    return template, None


def _title(rng: random.Random) -> str:
    outcome = rng.choice(OUTCOMES).format(n=rng.randint(2, 90))
    return f"{rng.choice(TITLE_PREFIXES)}{rng.choice(PLACES)} {rng.choice(SUBJECTS)} {outcome}"


def _sentence(rng: random.Random) -> str:
    if rng.random() < 0.45:
        return rng.choice(FILLER)
    return rng.choice(SENTENCE_PATTERNS).format(
        person=f"{rng.choice(FIRST_NAMES)} {rng.choice(SURNAMES)}",
        role=rng.choice(ROLES),
        subject=rng.choice(SUBJECTS),
        place=rng.choice(PLACES),
        n=rng.randint(3, 95),
        k=rng.randint(2, 12),
        day=rng.choice(DAYS),
        month=templates.MONTHS[rng.randrange(12)],
        year=rng.randint(1995, 2012),
    )


def _paragraph(rng: random.Random, sentences: tuple[int, int]) -> str:
    return " ".join(_sentence(rng) for _ in range(rng.randint(*sentences)))


def _comments(rng: random.Random, when: datetime) -> tuple[Comment, ...]:
    count = rng.choice((0, 0, 1, 2, 3, 5, 8, 12))
    return tuple(
        Comment(
            rng.choice(COMMENTERS),
            when + timedelta(minutes=rng.randint(20, 3 * 24 * 60)),
            rng.choice(COMMENT_TEXTS),
        )
        for _ in range(count)
    )


def _header_spec(index: int, count: int, seed: int) -> ArticleSpec:
    rng = _rng(seed, index, "header")
    when = _when_of(index, count, rng)
    template, variant = _template_of(when.year, when.month, rng)
    timed = template in (GROUP, DATED) or variant == "bbc"
    edited = timed and (variant == "bbc" or rng.random() < 0.4)  # "bbc" prints "Last updated"
    authors: tuple[str, ...]
    if template in (LEGACY, LEGACY_MISLABELLED):
        authors = (rng.choice(CONTRIBUTORS),)
    elif template == SMALL_BLOG:
        authors = tuple(rng.sample(CONTRIBUTORS, rng.choice((1, 1, 2))))
    else:
        authors = tuple(rng.sample(STAFF, rng.choice((1, 1, 1, 2))))
    sectioned = template in (WORDPRESS, GROUP, DATED)
    lede = _paragraph(rng, (2, 3))
    return ArticleSpec(
        slug="",  # given by build_headers, which makes slugs unique
        template=template,
        title=_title(rng),
        when=when if timed else when.date(),
        text=lede,
        authors=authors,
        section=rng.choice(SECTIONS) if sectioned else None,
        tags=tuple(rng.sample(TAGS, rng.randint(1, 3))),
        summary=rng.choice(STANDFIRSTS) if template == GROUP else None,
        modified=when + timedelta(hours=rng.randint(1, 30)) if edited else None,
        figure=f"{rng.choice(PLACES)}, pictured last year" if rng.random() < 0.5 else None,
        comments=_comments(rng, when),
        variant=variant,
    )


def build_headers(count: int, seed: int, base: str) -> tuple[ArticleTruth, ...]:
    """Every article as other pages show it (body: the lede only; no related links), oldest
    first, cheap enough for all N; slugs made unique as WordPress does ("-2")."""
    headers = []
    seen: dict[str, int] = {}
    for index in range(count):
        spec = _header_spec(index, count, seed)
        slug = slugify(spec.title)
        seen[slug] = seen.get(slug, 0) + 1
        if seen[slug] > 1:
            slug = f"{slug}-{seen[slug]}"
        spec = replace(spec, slug=slug)
        headers.append(truth_of(spec, FIRST_POST_ID + index, base))
    return tuple(headers)


def _body_markup(spec: ArticleSpec, rng: random.Random) -> str:
    """The article's text in demo.content's markup: the lede, paragraphs, crossheads, lists."""
    chunks = [spec.text]
    paragraphs = rng.randint(12, 30)
    list_at = rng.randint(2, paragraphs - 1) if rng.random() < 0.6 else -1
    heading_at = rng.randint(4, paragraphs - 1) if rng.random() < 0.5 else -1
    for number in range(1, paragraphs):
        if number == heading_at:
            chunks.append(f"## What happens next in {rng.choice(PLACES)}")
        if number == list_at:
            chunks.append(f"The {rng.choice(SUBJECTS)} plan sets out {rng.randint(3, 5)} aims:")
            ordered = rng.random() < 0.3
            items = [_sentence(rng).rstrip(".") + ";" for _ in range(rng.randint(3, 5))]
            chunks.append("\n".join(
                (f"{n}. " if ordered else "- ") + item for n, item in enumerate(items, start=1)
            ))
        chunks.append(_paragraph(rng, (2, 6)))
    return "\n\n".join(chunks)


def related_indices(index: int, count: int, seed: int) -> tuple[int, ...]:
    """Two to four recent older articles (newer ones for the very first)."""
    rng = _rng(seed, index, "related")
    pool = list(range(max(0, index - RELATED_REACH), index))
    if len(pool) < 2:
        pool = [other for other in range(min(count, index + 6)) if other != index]
    return tuple(rng.sample(pool, min(len(pool), rng.randint(2, 4))))


# -- Rendering (in worker processes) ---------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Plan:
    """Everything a worker needs: set before the pool forks, read-only after."""

    headers: tuple[ArticleTruth, ...]  # see build_headers
    seed: int
    base: str
    root: Path


_PLAN: Plan | None = None


def _plan() -> Plan:
    assert _PLAN is not None, "set _PLAN before rendering"
    return _PLAN


def chrome_for(
    plan: Plan, articles: Sequence[ArticleTruth], extra: Sequence[ArticleTruth] = ()
) -> Chrome:
    """The chrome of one page: sidebars drawn from ``articles`` (newest first), never all N."""
    window = tuple(articles)
    return Chrome(
        base=plan.base,
        articles=window,
        tags=tuple(sorted({tag for t in window for tag in t.tags}, key=str.lower)),
        authors=tuple(sorted({name for t in window for name in t.authors})),
        sections=SECTIONS,
        by_slug={t.spec.slug: t for t in (*window, *extra)},
    )


def full_truth(plan: Plan, index: int, targets: Sequence[ArticleTruth]) -> ArticleTruth:
    """The article with its whole body, and ``targets`` as its related links."""
    header = plan.headers[index]
    spec = replace(
        header.spec,
        text=_body_markup(header.spec, _rng(plan.seed, index, "body")),
        related=tuple(t.spec.slug for t in targets),
    )
    truth = truth_of(spec, header.post_id, plan.base)
    return replace(truth, related=tuple(related_link(spec, t) for t in targets))


def _write(root: Path, path: str, body: bytes) -> int:
    """Write the page a request for ``path`` gets: ".../" is ".../index.html"."""
    target = root / (path.lstrip("/") + ("index.html" if path.endswith("/") else ""))
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_bytes(body)
    return len(body)


def render_articles(bounds: tuple[int, int]) -> int:
    """Render articles [start, stop) to disk; the bytes written."""
    plan = _plan()
    written = 0
    count = len(plan.headers)
    for index in range(*bounds):
        targets = [plan.headers[i] for i in related_indices(index, count, plan.seed)]
        truth = full_truth(plan, index, targets)
        low, high = max(0, index - WINDOW), min(count, index + WINDOW + 1)
        window = [plan.headers[i] for i in range(high - 1, low - 1, -1)]
        window[high - 1 - index] = truth  # the article itself, in full: templates look it up
        body = render_article(truth, chrome_for(plan, window, targets)).body
        if truth.template in MODERN_TEMPLATES:
            body = with_consent_script(
                body.decode("utf-8"), _rng(plan.seed, index, "consent")
            ).encode("utf-8")
        written += _write(plan.root, truth.path, body)
    return written


@dataclass(frozen=True, slots=True)
class Listing:
    """One listing page: which articles it shows and where it sits in its series."""

    path: str
    base_path: str
    heading: str
    indices: tuple[int, ...]  # newest first
    page: int
    pages: int


def page_path(base_path: str, number: int) -> str:
    return base_path if number == 1 else f"{base_path}page/{number}/"


def pagination_nav(base_path: str, page: int, pages: int, chrome: Chrome) -> str:
    """Newer/older, the first and last page and two on either side: not all N/20 numbers."""
    if pages <= 1:
        return ""
    shown = sorted({1, pages, *range(max(1, page - 2), min(pages, page + 2) + 1)})

    def link(number: int, css: str, text: str) -> str:
        href = chrome.url(page_path(base_path, number))
        return f'<a class="{css}page-numbers" href="{href}">{text}</a>'

    links = [link(page - 1, "prev ", "« Newer posts")] if page > 1 else []
    previous = 0
    for number in shown:
        if number > previous + 1:
            links.append('<span class="page-numbers dots">…</span>')
        if number == page:
            links.append(f'<span class="page-numbers current">{number}</span>')
        else:
            links.append(link(number, "", str(number)))
        previous = number
    if page < pages:
        links.append(link(page + 1, "next ", "Older posts »"))
    return '<nav class="pagination">' + " ".join(links) + "</nav>"


def render_listings(listings: Sequence[Listing]) -> int:
    plan = _plan()
    written = 0
    for listing in listings:
        shown = [plan.headers[i] for i in listing.indices]
        chrome = chrome_for(plan, shown)
        heading = e(listing.heading)
        title = listing.heading if listing.page == 1 else f"{listing.heading} – Page {listing.page}"
        main = f"""<div class="archive-header"><h1 class="archive-title">{heading}</h1></div>
<div class="article-list">
{templates.listing_items(shown, chrome)}
</div>
{pagination_nav(listing.base_path, listing.page, listing.pages, chrome)}"""
        head = (
            f'<link rel="canonical" href="{chrome.url(listing.path)}" />\n'
            '<meta property="og:type" content="website" />'
        )
        html = templates.wordpress_page(
            chrome, title=title, main=main, head_extra=head, body_class="archive"
        )
        html = with_consent_script(html, _rng(plan.seed, listing.page, listing.path))
        written += _write(plan.root, listing.path, html.encode("utf-8"))
    return written


Job = tuple[int, int] | list[Listing]  # a slice of articles, or some listing pages


def _render(job: Job) -> int:
    return render_articles(job) if isinstance(job, tuple) else render_listings(job)


# -- Listings, feed, sitemaps, static pages --------------------------------------------------


def listings_of(headers: Sequence[ArticleTruth]) -> list[Listing]:
    """Home and section listings paginated; tag, author, blog and archive pages one page each."""
    listings: list[Listing] = []

    def series(base_path: str, heading: str, chosen: Sequence[int], paged: bool) -> None:
        if not chosen and not paged:
            return  # nothing links to an empty tag or author page
        pages = max(1, math.ceil(len(chosen) / PER_PAGE)) if paged else 1
        for number in range(1, pages + 1):
            chunk = tuple(chosen[(number - 1) * PER_PAGE : number * PER_PAGE])
            listings.append(
                Listing(page_path(base_path, number), base_path, heading, chunk, number, pages)
            )

    newest_first = range(len(headers) - 1, -1, -1)
    filed: defaultdict[str, list[int]] = defaultdict(list)  # "kind:name" -> indices
    for index in newest_first:
        truth = headers[index]
        keys = [f"section:{truth.section}", f"template:{truth.template}"]
        keys += [f"tag:{tag}" for tag in truth.tags]
        keys += [f"author:{name}" for name in truth.authors]
        for key in keys:
            filed[key].append(index)
    series("/", "Latest news", newest_first, paged=True)
    for section in SECTIONS:
        series(f"/category/{slugify(section)}/", section, filed[f"section:{section}"], True)
    for tag in TAGS:
        series(f"/tag/{slugify(tag)}/", f"Tag: {tag}", filed[f"tag:{tag}"], False)
    for name in (*STAFF, *CONTRIBUTORS):
        series(f"/author/{slugify(name)}/", f"Author: {name}", filed[f"author:{name}"], False)
    series("/blog/", "Neighbourhood notes", filed[f"template:{SMALL_BLOG}"], paged=False)
    legacy = sorted(filed[f"template:{LEGACY}"] + filed[f"template:{LEGACY_MISLABELLED}"])
    series("/archive/", "Archive", legacy[::-1], paged=False)
    return listings


STATIC_PAGES = {
    "/about/": ("About this site", "A synthetic regional news site, generated for benchmarks."),
    "/contact/": ("Contact us", "Tips, corrections and letters are always welcome."),
    "/subscribe/": ("Subscribe", "Sign up for our free weekly summary."),
    "/privacy-policy/": ("Privacy policy", "We use cookies to measure readership."),
    "/community/": ("Community guidelines", "Be civil and stay on topic."),
}


def write_static_pages(plan: Plan, newest: Sequence[ArticleTruth]) -> int:
    """About, contact and the like, and the picture gallery every menu links to."""
    chrome = chrome_for(plan, newest)
    pages = {
        path: templates.simple_page(chrome, path=path, heading=heading, paragraphs=[text])
        for path, (heading, text) in STATIC_PAGES.items()
    }
    pages[GALLERY_PATH] = gallery_html(chrome)
    return sum(_write(plan.root, path, html.encode("utf-8")) for path, html in pages.items())


def feed_xml(base: str, newest: Sequence[ArticleTruth]) -> str:
    """RSS 2.0 of the latest articles (``newest`` first)."""
    items = "\n".join(
        f"<item><title>{xml_escape(t.title)}</title><link>{xml_escape(t.url)}</link>"
        f"<pubDate>{format_datetime(t.published_utc)}</pubDate>"
        + "".join(f"<dc:creator><![CDATA[{name}]]></dc:creator>" for name in t.authors)
        + f'<guid isPermaLink="false">{base}/?p={t.post_id}</guid>'
        f"<description>{xml_escape(t.excerpt)} […]</description></item>"
        for t in newest
    )
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        '<rss version="2.0" xmlns:dc="http://purl.org/dc/elements/1.1/">\n<channel>\n'
        f"<title>{templates.SITE_NAME}</title>\n<link>{base}/</link>\n"
        "<description>Synthetic regional news (benchmark site)</description>\n"
        f"<lastBuildDate>{format_datetime(newest[0].published_utc)}</lastBuildDate>\n"
        f"{items}\n</channel>\n</rss>\n"
    )


def _lastmod(truth: ArticleTruth) -> str:
    return utc_of(truth.modified or truth.published).isoformat()


def write_discovery_files(plan: Plan, listings: Sequence[Listing]) -> int:
    """robots.txt, the sitemap index and its child sitemaps, and the feed."""
    truths = plan.headers
    urlset = '<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">\n'
    children = []
    written = 0
    for number, start in enumerate(range(0, len(truths), SITEMAP_SIZE), start=1):
        chunk = truths[start : start + SITEMAP_SIZE]
        urls = "".join(
            f"<url><loc>{xml_escape(t.url)}</loc><lastmod>{_lastmod(t)}</lastmod></url>\n"
            for t in chunk
        )
        path = f"/sitemap-posts-{number}.xml"
        written += _write(plan.root, path, (
            f'<?xml version="1.0" encoding="UTF-8"?>\n{urlset}{urls}</urlset>\n'
        ).encode())
        newest = max(_lastmod(t) for t in chunk)
        children.append(
            f"<sitemap><loc>{plan.base}{path}</loc><lastmod>{newest}</lastmod></sitemap>"
        )
    firsts = [listing.path for listing in listings if listing.page == 1]
    others = [*firsts, *STATIC_PAGES, GALLERY_PATH]
    pages = "".join(f"<url><loc>{plan.base}{path}</loc></url>\n" for path in others)
    written += _write(plan.root, "/sitemap-pages.xml", (
        f'<?xml version="1.0" encoding="UTF-8"?>\n{urlset}{pages}</urlset>\n'
    ).encode())
    children.append(f"<sitemap><loc>{plan.base}/sitemap-pages.xml</loc></sitemap>")
    index = (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        '<sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">\n'
        + "\n".join(children) + "\n</sitemapindex>\n"
    )
    written += _write(plan.root, "/sitemap.xml", index.encode("utf-8"))
    robots = (
        "User-agent: *\nDisallow: /wp-login.php\nDisallow: /wp-admin/\n\n"
        f"Sitemap: {plan.base}/sitemap.xml\n"
    )
    written += _write(plan.root, "/robots.txt", robots.encode("utf-8"))
    newest_first = truths[::-1][:FEED_SIZE]
    written += _write(plan.root, "/feed/index.xml", feed_xml(plan.base, newest_first).encode())
    return written


def expected_record(truth: ArticleTruth) -> dict[str, object]:
    """What a perfect crawl archives for the article (the fields benchmarks check)."""
    return {
        "path": truth.path,
        "title": truth.title,
        "published": truth.published.isoformat(),
        "authors": list(truth.authors),
        "section": truth.section,
        "template": truth.template,
    }


# -- The whole site --------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class GeneratedSite:
    """A generated site on disk: serve ``root``; check a crawl against ``expected``."""

    directory: Path  # holds site/, expected.jsonl and the marker
    articles: int
    listing_pages: int  # home, section, tag, author, blog and archive pages
    seed: int
    base_url: str | None  # None: every link is root-relative
    size_bytes: int  # of the web root's files

    @property
    def root(self) -> Path:
        return self.directory / "site"

    @property
    def expected(self) -> Path:
        return self.directory / EXPECTED

    def expected_records(self) -> Iterator[dict[str, object]]:
        with self.expected.open(encoding="utf-8") as lines:
            for line in lines:
                yield json.loads(line)

    def article_paths(self) -> list[str]:
        """Root-relative paths of every article, oldest first."""
        return [str(record["path"]) for record in self.expected_records()]


def page_file(root: Path, path: str) -> Path:
    """The file a server of ``root`` answers ``path`` with (nginx: index index.html index.xml)."""
    target = root / path.lstrip("/")
    if not path.endswith("/"):
        return target
    html = target / "index.html"
    return html if html.exists() else target / "index.xml"


def article_pages(
    site: GeneratedSite, base_url: str = "http://127.0.0.1:8080"
) -> Iterator[tuple[Path, str]]:
    """(file, URL) of every article, for reading pages without a server; the URL is on the
    site's own base URL if it has one, else on ``base_url``."""
    base = (site.base_url or base_url).rstrip("/")
    for path in site.article_paths():
        yield page_file(site.root, path), base + path


def source_hash() -> str:
    digest = hashlib.sha256()
    for source in SOURCES:
        digest.update(source.read_bytes())
    return digest.hexdigest()[:16]


def _params(articles: int, seed: int, base_url: str | None) -> dict[str, object]:
    return {"articles": articles, "seed": seed, "base_url": base_url, "sources": source_hash()}


def load_site(
    directory: Path, articles: int, seed: int, base_url: str | None
) -> GeneratedSite | None:
    """The site already in ``directory`` if it was generated with these parameters."""
    try:
        marker = json.loads((directory / MARKER).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    if {key: marker.get(key) for key in ("articles", "seed", "base_url", "sources")} != _params(
        articles, seed, base_url
    ):
        return None
    return GeneratedSite(
        directory, articles, int(marker["listing_pages"]), seed, base_url, int(marker["size_bytes"])
    )


def generate(
    directory: Path, articles: int, seed: int = 0, base_url: str | None = None,
    jobs: int | None = None,
) -> GeneratedSite:
    """Write the site into ``directory`` (replaced if it exists), the marker last."""
    global _PLAN
    if articles < 1:
        raise ValueError("a site needs at least one article")
    if directory.exists():
        shutil.rmtree(directory)
    root = directory / "site"
    root.mkdir(parents=True)
    base = (base_url or "").rstrip("/")
    headers = build_headers(articles, seed, base)
    _PLAN = Plan(headers, seed, base, root)
    listings = listings_of(headers)
    step = 500  # pages a job: small enough to spread over the workers, big enough to be cheap
    work: list[Job] = [(start, min(articles, start + step)) for start in range(0, articles, step)]
    work += [listings[start : start + step] for start in range(0, len(listings), step)]
    workers = jobs or min(2, os.cpu_count() or 1)
    try:
        if workers > 1 and len(work) > 1:
            with multiprocessing.get_context("fork").Pool(workers) as pool:
                size = sum(pool.imap_unordered(_render, work))
        else:
            size = sum(map(_render, work))
        newest = headers[::-1][: 2 * WINDOW]
        size += write_static_pages(_PLAN, newest)
        size += write_discovery_files(_PLAN, listings)
    finally:
        _PLAN = None
    with (directory / EXPECTED).open("w", encoding="utf-8") as out:
        for truth in headers:
            out.write(json.dumps(expected_record(truth), ensure_ascii=False) + "\n")
    marker = {
        **_params(articles, seed, base_url), "listing_pages": len(listings), "size_bytes": size
    }
    (directory / MARKER).write_text(json.dumps(marker, indent=1) + "\n", encoding="utf-8")
    return GeneratedSite(directory, articles, len(listings), seed, base_url, size)


def cache_directory(articles: int, seed: int = 0, base_url: str | None = None) -> Path:
    name = f"site-{articles}-seed{seed}"
    if base_url:
        name += "-" + hashlib.sha256(base_url.encode()).hexdigest()[:10]
    return CACHE_DIR / name


def ensure_site(articles: int, seed: int = 0, base_url: str | None = None) -> GeneratedSite:
    """The site for these parameters under bench/.cache/, generated only when missing or stale.

    Generates into a temporary directory and renames it, so an interrupted run never leaves
    a tree that looks complete, and a tree another process finished meanwhile is kept.
    """
    directory = cache_directory(articles, seed, base_url)
    if found := load_site(directory, articles, seed, base_url):
        return found
    scratch = directory.with_name(f"{directory.name}.tmp-{os.getpid()}")
    generate(scratch, articles, seed, base_url)
    if load_site(directory, articles, seed, base_url):
        shutil.rmtree(scratch)
    else:
        if directory.exists():
            shutil.rmtree(directory)
        scratch.rename(directory)
    site = load_site(directory, articles, seed, base_url)
    assert site is not None
    return site


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--articles", type=int, required=True)
    parser.add_argument("--out", type=Path, help="default: bench/.cache/site-N-seedS/")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument(
        "--base-url", help="write absolute links for this base (default: root-relative)"
    )
    parser.add_argument("--jobs", type=int, help="worker processes (default: up to 2)")
    args = parser.parse_args(argv)
    started = time.perf_counter()
    if args.out is None:
        site = ensure_site(args.articles, args.seed, args.base_url)
    elif found := load_site(args.out, args.articles, args.seed, args.base_url):
        site = found
    elif args.out.exists() and any(args.out.iterdir()) and not (args.out / MARKER).exists():
        print(f"{args.out} exists and was not made by bench.sitegen: not overwriting it",
              file=sys.stderr)
        return 2
    else:
        site = generate(args.out, args.articles, args.seed, args.base_url, args.jobs)
    seconds = time.perf_counter() - started
    average = site.size_bytes / (site.articles + site.listing_pages) / 1024
    print(
        f"{site.articles:,} articles, {site.listing_pages:,} listing pages, "
        f"{site.size_bytes / 2**20:,.1f} MiB (avg {average:.1f} KiB a page) in {site.root} "
        f"({seconds:.1f} s); expected records: {site.expected}"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
