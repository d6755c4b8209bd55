"""Ground truth of the demo's articles: what a perfect parser returns for each article page.

Built from ``demo.content`` alone (never from the rendered HTML), so tests can hold the
parser's output against it: title, dates as the record stores them (a ``date`` when the
page prints no time, else an aware UTC datetime), authors, body blocks, lists, related
links and in-article images.
"""

# ruff: noqa: RUF001, RUF002  (typographic apostrophes in slugs and names are the point)

from __future__ import annotations

import random
import re
import textwrap
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

from demo.content import (
    ARTICLES,
    DATED,
    FILLER,
    GROUP,
    LEGACY,
    LEGACY_MISLABELLED,
    REFERENCE,
    SMALL_BLOG,
    WORDPRESS,
    ArticleSpec,
    Comment,
)
from items import ArticleImage, ArticleRecord, ListBlock, RelatedLink

LONDON = ZoneInfo("Europe/London")
REFERENCE_POST_ID = 10523
EXCERPT_WORDS = 15


@dataclass(frozen=True, slots=True)
class Subheading:
    """A crosshead inside an article body (``<h2>``): part of the body text."""

    text: str


Block = str | Subheading | ListBlock  # a str is a paragraph


@dataclass(frozen=True, slots=True)
class ArticleTruth:
    """One demo article as a perfect parser would read it from its page."""

    path: str  # where the site serves it, e.g. "/an-optimism-of-mayors/"
    url: str  # absolute, for the site's base URL
    template: str  # one of demo.content.TEMPLATES
    title: str
    summary: str | None  # standfirst or meta description, where the page has one
    published: date | datetime  # datetime (aware UTC) only when the page prints a time
    modified: date | datetime | None  # only where the page states one
    authors: tuple[str, ...]
    section: str | None
    tags: tuple[str, ...]
    language: str | None  # every demo page is English: declared, or detected on legacy pages
    blocks: tuple[Block, ...]  # the body in reading order
    related: tuple[RelatedLink, ...]
    images: tuple[ArticleImage, ...]
    canonical_url: str | None  # None where the page names no canonical URL
    robots_disallowed: bool  # under /private/: a polite crawler never fetches it
    post_id: int
    excerpt: str  # the teaser listing pages and related blocks show
    spec: ArticleSpec = field(compare=False, repr=False)

    @property
    def paragraphs(self) -> tuple[str, ...]:
        """Paragraphs and crossheads, lists left out."""
        return tuple(
            block if isinstance(block, str) else block.text
            for block in self.blocks
            if not isinstance(block, ListBlock)
        )

    @property
    def lists(self) -> tuple[ListBlock, ...]:
        return tuple(block for block in self.blocks if isinstance(block, ListBlock))

    @property
    def standfirst(self) -> str | None:
        """The summary as printed under the headline (only the group template prints it)."""
        return self.summary if self.template == GROUP else None

    @property
    def body(self) -> str:
        """The record's ``body``: the printed standfirst first, as readers read it, then the
        blocks; blocks separated by blank lines, one list item a line. A summary that is
        only the page's meta description is never part of it."""
        return "\n\n".join(
            [
                *([self.standfirst] if self.standfirst else []),
                *(
                    "\n".join(block.items) if isinstance(block, ListBlock)
                    else block.text if isinstance(block, Subheading)
                    else block
                    for block in self.blocks
                ),
            ]
        )

    @property
    def comments(self) -> tuple[Comment, ...]:
        return self.spec.comments

    @property
    def published_utc(self) -> datetime:
        """Publication time for ordering: a bare date counts as local midnight."""
        return utc_of(self.published)


def record_of(
    truth: ArticleTruth, *, provenance: Mapping[str, str], fetched_at: datetime | None = None
) -> ArticleRecord:
    """The record a perfect parser returns for the article's page.

    ``provenance`` (how each field was found) is the parser's business, not the page's:
    callers pass the parser's own.
    """
    return ArticleRecord(
        url=truth.url,
        canonical_url=truth.canonical_url,
        site=urlsplit(truth.url).hostname or "",
        title=truth.title,
        summary=truth.summary,
        published=truth.published,
        modified=truth.modified,
        authors=truth.authors,
        section=truth.section,
        tags=truth.tags,
        language=truth.language,
        body=truth.body,
        lists=truth.lists,
        related=truth.related,
        images=truth.images,
        provenance=dict(provenance),
        fetched_at=fetched_at,
    )


def utc_of(value: date | datetime) -> datetime:
    """An aware UTC datetime; a bare date is midnight in Europe/London."""
    if isinstance(value, datetime):
        return value.astimezone(UTC)
    return datetime(value.year, value.month, value.day, tzinfo=LONDON).astimezone(UTC)


def london_to_utc(value: datetime) -> datetime:
    """A naive Europe/London wall-clock time as an aware UTC datetime."""
    return value.replace(tzinfo=LONDON).astimezone(UTC)


def slugify(text: str) -> str:
    """WordPress-style slug: "Daniel O’Connor" -> "daniel-oconnor"."""
    text = re.sub(r"[’'‘.]", "", text.lower())
    return re.sub(r"[^a-z0-9]+", "-", text).strip("-")


def parse_blocks(spec: ArticleSpec) -> tuple[Block, ...]:
    """Read an article's markup (see demo.content) into body blocks, filler drawn by slug."""
    filler = _filler_paragraphs(spec.slug)
    blocks: list[Block] = []
    for chunk in textwrap.dedent(spec.text).strip().split("\n\n"):
        lines = [line.rstrip() for line in chunk.strip().splitlines()]
        if re.fullmatch(r"\+\d", lines[0]):
            blocks.extend(next(filler) for _ in range(int(lines[0][1:])))
        elif lines[0].startswith("## "):
            blocks.append(Subheading(lines[0][3:].strip()))
        elif re.match(r"(- |\d+\. )", lines[0]):
            ordered = not lines[0].startswith("- ")
            items: list[str] = []
            for line in lines:
                if re.match(r"(- |\d+\. )", line):
                    items.append(re.sub(r"^(- |\d+\. )", "", line).strip())
                else:
                    items[-1] += " " + line.strip()
            before = blocks[-1] if blocks else None
            heading = before if isinstance(before, str) and before.endswith(":") else None
            blocks.append(ListBlock(heading=heading, ordered=ordered, items=tuple(items)))
        else:
            blocks.append(" ".join(line.strip() for line in lines))
    return tuple(blocks)


def _filler_paragraphs(seed: str) -> Iterator[str]:
    # A seeded generator: the same slug always gets the same paragraphs.
    rng = random.Random(seed)
    sentences = list(FILLER)
    rng.shuffle(sentences)
    position = 0
    while position < len(sentences):
        size = rng.choice((2, 3))
        yield " ".join(sentences[position : position + size])
        position += size


def excerpt_of(spec: ArticleSpec, blocks: tuple[Block, ...]) -> str:
    if spec.excerpt:
        return spec.excerpt
    first = next(block for block in blocks if isinstance(block, str))
    return " ".join(first.split()[:EXCERPT_WORDS])


def path_of(spec: ArticleSpec, post_id: int) -> str:
    when = spec.when
    if spec.private:
        return f"/private/{spec.slug}/"
    if spec.template == WORDPRESS:
        return f"/{spec.slug}/"
    if spec.template == GROUP:
        # Big-group URLs: section folder, slug plus article id, no trailing slash.
        return f"/news/{slugify(spec.section or 'news')}/{spec.slug}-{post_id}"
    if spec.template == SMALL_BLOG:
        return f"/blog/{when.year}/{when.month:02d}/{spec.slug}.html"
    if spec.template == DATED:
        return f"/{when.year}/{when.month:02d}/{when.day:02d}/{spec.slug}/"
    if spec.template in (LEGACY, LEGACY_MISLABELLED):
        return f"/archive/{when.year}/{when.month:02d}/{spec.slug}.htm"
    raise ValueError(f"unknown template {spec.template!r}")


def image_path_of(spec: ArticleSpec) -> str:
    return f"/wp-content/uploads/{spec.when.year}/{spec.when.month:02d}/{spec.slug}.png"


def _published(spec: ArticleSpec) -> date | datetime:
    if isinstance(spec.when, datetime):
        return london_to_utc(spec.when).astimezone(LONDON)  # the page's own offset
    return spec.when


def _modified(spec: ArticleSpec) -> date | datetime | None:
    if spec.template == GROUP:
        # The group CMS always states dateModified; unedited stories repeat datePublished.
        return london_to_utc(spec.modified or _as_datetime(spec.when)).astimezone(LONDON)
    if spec.template in (DATED, LEGACY, LEGACY_MISLABELLED) and spec.modified is not None:
        return london_to_utc(spec.modified).astimezone(LONDON)
    return None


def _as_datetime(value: date | datetime) -> datetime:
    if isinstance(value, datetime):
        return value
    return datetime(value.year, value.month, value.day)


def related_link(source: ArticleSpec, target: ArticleTruth) -> RelatedLink:
    if source.template == WORDPRESS:  # "Similar Articles": teaser and comment count
        return RelatedLink(target.url, target.title, target.excerpt, len(target.comments))
    if source.template == DATED:  # Jetpack "Related": title and excerpt
        return RelatedLink(target.url, target.title, target.excerpt)
    return RelatedLink(target.url, target.title)  # "More on this story", "Read more:"


def truth_of(spec: ArticleSpec, post_id: int, base_url: str) -> ArticleTruth:
    """One article's truth for a site at ``base_url``; related links left out (they need the
    other articles' truths: see build_truths)."""
    blocks = parse_blocks(spec)
    path = path_of(spec, post_id)
    url = base_url + path
    has_canonical = spec.template in (WORDPRESS, GROUP, DATED)
    images = (ArticleImage(base_url + image_path_of(spec), spec.figure),) if spec.figure else ()
    return ArticleTruth(
        path=path,
        url=url,
        template=spec.template,
        title=spec.title,
        summary=_summary(spec, blocks),
        published=_published(spec),
        modified=_modified(spec),
        authors=spec.authors,
        section=spec.section,
        tags=spec.tags,
        language="en",
        blocks=blocks,
        related=(),
        images=images,
        canonical_url=url if has_canonical else None,
        robots_disallowed=spec.private,
        post_id=post_id,
        excerpt=excerpt_of(spec, blocks),
        spec=spec,
    )


def build_truths(base_url: str) -> tuple[ArticleTruth, ...]:
    """Every demo article's truth for a site served at ``base_url`` (no trailing slash)."""
    specs = (REFERENCE, *ARTICLES)
    ids = {REFERENCE.slug: REFERENCE_POST_ID}
    ids.update({spec.slug: 10600 + 13 * index for index, spec in enumerate(ARTICLES)})
    first = {spec.slug: truth_of(spec, ids[spec.slug], base_url) for spec in specs}
    truths = []
    for spec in specs:
        truth = first[spec.slug]
        related = tuple(related_link(spec, first[slug]) for slug in spec.related)
        truths.append(replace(truth, related=related))
    return tuple(truths)


def _summary(spec: ArticleSpec, blocks: tuple[Block, ...]) -> str | None:
    if spec.summary or spec.template not in (WORDPRESS, DATED):
        return spec.summary
    # WordPress SEO plugins describe a post by its first paragraph.
    return next(block for block in blocks if isinstance(block, str))
