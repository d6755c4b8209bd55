"""Title, summary, canonical URL, authors, section, tags: the page's own claims, then structure."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import TYPE_CHECKING

from parsers.boilerplate import class_words, is_elsewhere
from parsers.page import Found, Page, first_found, is_inside, types_of
from parsers.text import letters_of, squash, text_of

if TYPE_CHECKING:
    from lxml.html import HtmlElement

# Separators between a headline and the site name in <title> and og:title.
_TITLE_SEPARATORS = (" | ", " - ", " \u2013 ", " — ", " :: ", " » ", " · ", " • ", "|")
_SUMMARY_WORDS = frozenset(
    {
        "standfirst",
        "intro",
        "lede",
        "lead",
        "dek",
        "subtitle",
        "subheadline",
        "subhead",
        "summary",
        "deck",
        "kicker",
        "teaser",
        "strapline",
        "description",
        "excerpt",
        "abstract",
        "sapo",
        "chapo",
    }
)
_SUMMARY_EXCLUDE = frozenset(
    {
        "meta",
        "image",
        "img",
        "photo",
        "caption",
        "video",
        "author",
        "byline",
        "date",
        "more",
        "link",
        "button",
    }
)


def extract_canonical_url(page: Page) -> Found[str] | None:
    """<link rel=canonical>, then og:url, made absolute; None when the page names neither."""
    for link in page.tree.iter("link"):
        rel = (link.get("rel") or "").lower().split()
        if "canonical" in rel and (url := page.absolute(link.get("href"))):
            return Found(url, "canonical")
    for value in page.meta.get("og:url", ()):
        if url := page.absolute(value):
            return Found(url, "og")
    return None


def extract_title(page: Page, *, scope: HtmlElement | None = None) -> Found[str] | None:
    """The headline without the site name: the article's h1 when metadata agrees."""
    selected = _selected_text(page, "title")
    if selected:
        return Found(selected, "selector")
    raw_claims = [
        *(
            (_str(obj.get("headline") or obj.get("name")), "json-ld")
            for obj in page.json_ld_article
        ),
        *((value, "og") for value in page.meta.get("og:title", ())),
        *((value, "meta") for value in page.meta.get("twitter:title", ())),
    ]
    claims = [(squash(value), how) for value, how in raw_claims if value and squash(value)]
    html_title = text_of(page.tree.find(".//title"))
    headings = [
        (text, "h1" if h.tag == "h1" else "headline")
        for h in _headlines(page, scope)
        if (text := text_of(h))
    ]
    for heading, heading_how in headings:
        key = letters_of(heading)
        for claim, how in [*claims, (html_title, "title")]:
            claim_key = letters_of(claim)
            if not key or not claim_key:
                continue
            if (claim_key.startswith(key) or claim_key.endswith(key)) and len(key) >= 0.4 * len(
                claim_key
            ):
                return Found(heading, heading_how)  # the claim adds the site name
            if (
                key != claim_key
                and len(claim_key) >= 20
                and (key.endswith(claim_key) or key.startswith(claim_key))
            ):
                return Found(strip_site_name(claim, page), how)  # the h1 adds a kicker
    if claims:
        value, how = claims[0]
        return Found(strip_site_name(value, page), how)
    if headings:
        return Found(*headings[0])
    if html_title:
        return Found(strip_site_name(html_title, page, loose=True), "title")
    return None


def _headlines(page: Page, scope: HtmlElement | None) -> Iterator[HtmlElement]:
    """Candidate headline elements: h1s (in the article first), then titled h2/h3s."""
    inside = [h for h in page.h1s if scope is not None and is_inside(h, scope)]
    yield from inside
    for heading in page.h1s:
        if heading not in inside and not is_elsewhere(heading):
            yield heading
    root = scope if scope is not None else page.tree
    for heading in root.iter("h2", "h3"):
        if class_words(heading) & {"title", "headline", "heading"} and not is_elsewhere(heading):
            yield heading


def find_headline(page: Page, container: HtmlElement) -> HtmlElement | None:
    """The headline element nearest above the article text (an h1, else a titled h2/h3)."""
    node: HtmlElement | None = container
    for _ in range(6):
        if node is None or node.tag in {"body", "html"}:
            break
        for heading in _headlines(page, node):
            if is_inside(heading, node) and not is_inside(heading, container):
                return heading
        node = node.getparent()
    return next(_headlines(page, None), None)


def strip_site_name(title: str, page: Page, *, loose: bool = False) -> str:
    """ "Headline | Site" -> "Headline"; only when the part cut off names the site.

    ``loose`` also cuts a trailing part of up to three capitalised words ("- ÖBFV"), for
    <title> text that no headline on the page confirms.
    """
    for separator in _TITLE_SEPARATORS:
        parts = title.split(separator)
        if len(parts) < 2:
            continue
        if _names_site(parts[-1], page) or (loose and _looks_like_site(parts[-1], parts[:-1])):
            return separator.join(parts[:-1]).strip()
        if _names_site(parts[0], page):
            return separator.join(parts[1:]).strip()
    return title


def _looks_like_site(part: str, rest: list[str]) -> bool:
    words = part.split()
    return (
        1 <= len(words) <= 3
        and all(not w[0].isalpha() or w[0].isupper() for w in words)
        and len(" ".join(rest).split()) >= 3
    )


def _names_site(part: str, page: Page) -> bool:
    key = letters_of(part)
    if not key:
        return False
    if page.site_name and key == letters_of(page.site_name):
        return True
    host = letters_of(page.host.removeprefix("www.").rsplit(".", 1)[0])
    bare = letters_of(page.host.removeprefix("www.").split(".")[0])
    return key in {host, bare} or (len(key) >= 5 and (key in host or host in key))


def extract_summary(page: Page, *, scope: HtmlElement | None = None) -> Found[str] | None:
    """The standfirst printed under the headline, else the page's description."""
    return first_found(
        lambda: _found(_selected_text(page, "summary"), "selector"),
        lambda: _standfirst(page, scope),
        lambda: _found(
            _first_str(obj.get("description") for obj in page.json_ld_article), "json-ld"
        ),
        lambda: _found(_first(page.meta.get("og:description", ())), "og"),
        lambda: _found(_first(page.meta.get("description", ())), "meta"),
        lambda: _found(_first(page.meta.get("twitter:description", ())), "meta"),
    )


def _standfirst(page: Page, scope: HtmlElement | None) -> Found[str] | None:
    root = scope if scope is not None else page.tree
    for element in root.iter("p", "div", "h2", "span", "section"):
        words = class_words(element)
        if not words & _SUMMARY_WORDS or words & _SUMMARY_EXCLUDE:
            continue
        if element.get("itemprop") == "articleBody" or is_elsewhere(element):
            continue
        text = text_of(element)
        if 30 <= len(text) <= 600 and len(element.findall(".//p")) <= 1:
            return Found(text, "standfirst")
    return None


def extract_section(page: Page) -> Found[str] | None:
    """JSON-LD articleSection, article:section, or the breadcrumb's last category."""
    return first_found(
        lambda: _found(
            _first_str(_listed(obj.get("articleSection")) for obj in page.json_ld_article),
            "json-ld",
        ),
        lambda: _found(_first(page.meta.get("article:section", ())), "meta"),
        lambda: _found(_first(page.meta.get("parsely-section", ())), "meta"),
        lambda: _found(_breadcrumb_section(page), "breadcrumb"),
    )


def _breadcrumb_section(page: Page) -> str | None:
    for obj in page.json_ld:
        if "BreadcrumbList" not in types_of(obj):
            continue
        items = obj.get("itemListElement")
        names: list[str] = []
        for item in items if isinstance(items, list) else []:
            if isinstance(item, Mapping):
                inner = item.get("item")
                name = item.get("name")
                if name is None and isinstance(inner, Mapping):
                    name = inner.get("name")
                if isinstance(name, str):
                    names.append(squash(name))
        # The last crumb is usually the article itself, the first the home page.
        if len(names) >= 3:
            return names[-2]
        if len(names) == 2 and letters_of(names[0]) not in {"home", "startseite", "accueil"}:
            return names[0]
    return None


def extract_tags(page: Page, *, scope: HtmlElement | None = None) -> Found[tuple[str, ...]] | None:
    """article:tag, JSON-LD keywords, or rel=tag links in the article; de-duplicated."""

    def answer(values: list[str], how: str) -> Found[tuple[str, ...]] | None:
        tags = _dedupe(squash(v) for v in values if v and len(squash(v)) <= 80)
        return Found(tags, how) if tags else None

    def json_ld_keywords() -> list[str]:
        for obj in page.json_ld_article:
            keywords = obj.get("keywords")
            if isinstance(keywords, str):
                return keywords.split(",")
            if isinstance(keywords, list):
                return [k for k in keywords if isinstance(k, str)]
        return []

    root = scope if scope is not None else page.tree
    return first_found(
        lambda: answer(list(page.meta.get("article:tag", ())), "meta"),
        lambda: answer(json_ld_keywords(), "json-ld"),
        lambda: answer(",".join(page.meta.get("news_keywords", ())).split(","), "meta"),
        lambda: answer(
            [text_of(a) for a in root.iter("a") if "tag" in (a.get("rel") or "").lower().split()],
            "rel-tag",
        ),
    )


def extract_language(page: Page) -> Found[str] | None:
    """ISO 639-1 language of the page, e.g. "en"."""
    return Found(page.language, "html") if page.language else None


def _selected_text(page: Page, field: str) -> str | None:
    for element in page.select(page.selector_for(field)):
        text = text_of(element)
        if text:
            return text
    return None


def _found(value: str | None, how: str) -> Found[str] | None:
    value = squash(value) if value else None
    return Found(value, how) if value else None


def _first(values: tuple[str, ...]) -> str | None:
    return values[0] if values else None


def _first_str(values: Iterator[object] | object) -> str | None:
    for value in values if isinstance(values, Iterator) else [values]:
        if isinstance(value, str) and value.strip():
            return value
    return None


def _listed(value: object) -> object:
    return value[0] if isinstance(value, list) and value else value


def _str(value: object) -> str | None:
    return value if isinstance(value, str) else None


def _dedupe(values: Iterator[str]) -> tuple[str, ...]:
    seen: set[str] = set()
    kept: list[str] = []
    for value in values:
        key = value.casefold()
        if value and key not in seen:
            seen.add(key)
            kept.append(value)
    return tuple(kept)
