"""Title, summary, canonical URL, authors, section, tags: the page's own claims, then structure."""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from typing import TYPE_CHECKING

from parsers.boilerplate import class_words, has_class_word, is_elsewhere
from parsers.page import Found, Page, first_found, is_inside, split_url, types_of
from parsers.text import BLOCKISH_TAGS, INVISIBLE_TAGS, letters_of, squash, text_of

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
_SUMMARY_TAGS = frozenset({"p", "div", "h2", "span", "section"})
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
        "credit",
        "credits",
        "login",
    }
)


def extract_canonical_url(page: Page) -> Found[str] | None:
    """<link rel=canonical>, then og:url, made absolute; None when the page names neither."""
    for link in page.tagged("link"):
        rel = (link.get("rel") or "").lower().split()
        if "canonical" in rel and (url := page.absolute(link.get("href"))):
            return Found(url, "canonical")
    for value in page.meta.get("og:url", ()):
        if url := page.absolute(value):
            return Found(url, "og")
    return None


def extract_title(page: Page, *, scope: HtmlElement | None = None) -> Found[str] | None:
    """The headline without the site name: the article's h1 when metadata agrees, or when
    no metadata does; otherwise the page's own claim (JSON-LD, og:title, <title>). None
    when the only claim is the site's name ("<title> | Example News</title>")."""
    found = _title(page, scope)
    return found if found is not None and found.value else None


def _title(page: Page, scope: HtmlElement | None) -> Found[str] | None:
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
        (h, text, "h1" if h.tag == "h1" else "headline")
        for h in _headlines(page, scope)
        if (text := headline_text(h))
    ]
    # Each claim's letters once, not once a heading.
    keyed_claims = [
        (claim, how, letters_of(claim)) for claim, how in [*claims, (html_title, "title")]
    ]
    for element, heading, heading_how in headings:
        key = letters_of(heading)
        for claim, how, claim_key in keyed_claims:
            if not key or not claim_key:
                continue
            if claim_key.startswith(key) and len(key) >= 0.4 * len(claim_key):
                return Found(heading, heading_how)  # the claim adds the site name
            if claim_key.endswith(key) and len(key) >= 0.4 * len(claim_key):
                if not _links_home(element, page):
                    return Found(heading, heading_how)  # "Site: Headline"
                # "Headline - Site" with the site's name as the h1: the logo
                return Found(strip_site_name(claim, page, site=heading), how)
            if (
                key != claim_key
                and len(claim_key) >= 20
                and (key.endswith(claim_key) or key.startswith(claim_key))
            ):
                return Found(strip_site_name(claim, page), how)  # the h1 adds a kicker
    for element, heading, heading_how in headings:
        # No claim agrees with any heading: the article's own h1 is what readers see, and
        # og:title or JSON-LD is then often a rewrite for search or social media.
        if (
            scope is not None
            and (element.tag == "h1" or element.get("itemprop") == "headline")
            and is_inside(element, scope)
            and _plausible_headline(element, heading, page)
        ):
            return Found(heading, heading_how)
    if claims:
        value, how = claims[0]
        return Found(strip_site_name(value, page), how)
    for element, heading, heading_how in headings:
        if _plausible_headline(element, heading, page):
            return Found(heading, heading_how)
    if html_title:
        return Found(strip_site_name(html_title, page, loose=True), "title")
    return None


# Class words of a label printed inside the headline element, above or before it.
_KICKER_WORDS = frozenset(
    {
        "kicker",
        "overline",
        "dachzeile",
        "topline",
        "eyebrow",
        "subtitle",
        "rubric",
        "flag",
        "label",
        "category",
        "section",
        "spitzmarke",
        "supertitle",
        "pretitle",
        "surtitre",
        "antetitulo",
        "occhiello",
    }
)
_KICKER_PUNCTUATION = " :|-\u2013\u2014\u00b7"
_NOT_HEADLINE_WORDS = frozenset({"author", "byline", "date", "meta", "time", "timestamp"})


def headline_text(element: HtmlElement) -> str:
    """A headline element's text without the kicker, byline or date some pages put inside."""
    pieces: list[str] = []

    def visit(node: HtmlElement, top: bool) -> None:
        if node.text:
            pieces.append(node.text)
        for child in node:
            if isinstance(child.tag, str) and not _left_out(child, top):
                visit(child, top=False)
                if child.tag in {"br", "div", "p", "span"}:
                    pieces.append(" ")
            if child.tail:
                pieces.append(child.tail)

    def _left_out(child: HtmlElement, top: bool) -> bool:
        if child.tag in {"time", "h2", "h3", "h4", "h5", "h6", "script", "style", "template"}:
            return True
        words = class_words(child)
        return bool(words & _NOT_HEADLINE_WORDS or (top and words & _KICKER_WORDS))

    visit(element, top=True)
    text = squash("".join(pieces)).strip(_KICKER_PUNCTUATION)
    return text if len(text) >= 3 else text_of(element)


def _links_home(element: HtmlElement, page: Page) -> bool:
    """The heading is a link to the site's front page, as a logo in an h1 is."""
    anchor = element if element.tag == "a" else element.find(".//a")
    if anchor is None or len(text_of(anchor)) < 0.8 * len(text_of(element)):
        return False
    url = page.absolute(anchor.get("href"))
    parts = split_url(url) if url is not None else None
    return parts is not None and parts.path in {"", "/"}


def _plausible_headline(element: HtmlElement, text: str, page: Page) -> bool:
    """Not the site name, not a logo, not a one-word section title."""
    return len(text.split()) >= 2 and not _names_site(text, page) and not _links_home(element, page)


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


def strip_site_name(title: str, page: Page, *, loose: bool = False, site: str | None = None) -> str:
    """ "Headline | Site" -> "Headline"; only when the part cut off names the site.

    ``loose`` also cuts a trailing part of up to three capitalised words ("- ÖBFV"), for
    <title> text that no headline on the page confirms. ``site`` is a name the page shows
    for itself (the text of its logo), which may span several parts.
    """
    if site:
        key, whole = letters_of(site), letters_of(title)
        if key and whole.endswith(key) and whole != key:
            for separator in _TITLE_SEPARATORS:
                parts = title.split(separator)
                for cut in range(len(parts) - 1, 0, -1):
                    if letters_of(separator.join(parts[cut:])) == key:
                        return separator.join(parts[:cut]).strip()
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
    # "parallels.com" names the site, "Parallels Desktop 15 for Mac" does not.
    return key in {host, bare} or (
        len(key) >= 5 and (key in host or (host in key and len(key) <= len(host) + 8))
    )


def extract_summary(page: Page, *, scope: HtmlElement | None = None) -> Found[str] | None:
    """The standfirst printed under the headline, else the page's description."""
    return summary_given(page, find_standfirst(page, scope=scope))


def summary_given(page: Page, standfirst: tuple[HtmlElement, str] | None) -> Found[str] | None:
    """extract_summary() for a caller that has already looked for the printed standfirst."""
    return first_found(
        lambda: _found(_selected_text(page, "summary"), "selector"),
        lambda: _found(standfirst[1] if standfirst else None, "standfirst"),
        lambda: _found(
            _first_str(obj.get("description") for obj in page.json_ld_article), "json-ld"
        ),
        lambda: _found(_first(page.meta.get("og:description", ())), "og"),
        lambda: _found(_first(page.meta.get("description", ())), "meta"),
        lambda: _found(_first(page.meta.get("twitter:description", ())), "meta"),
    )


def find_standfirst(
    page: Page, *, scope: HtmlElement | None = None
) -> tuple[HtmlElement, str] | None:
    """The standfirst printed with the article (class "standfirst", "dek", "lede"...) and its
    text; never a description the page only states in its metadata."""
    root = scope if scope is not None else page.tree
    for element in root.iter():
        if element.tag not in _SUMMARY_TAGS or not has_class_word(element, _SUMMARY_WORDS):
            continue
        words = class_words(element)
        if not words & _SUMMARY_WORDS or words & _SUMMARY_EXCLUDE:
            continue
        if element.get("itemprop") == "articleBody" or is_elsewhere(element):
            continue
        if next(element.iterdescendants(*_NOT_IN_STANDFIRST), None) is not None:
            continue  # a wrapper of the headline too, or a list of facts about the post
        text = _standfirst_text(element)
        if 30 <= len(text) <= 600 and len(element.findall(".//p")) <= 1:
            return element, text
    return None


# Elements a subheadline is printed in, and how far after the headline it may start.
_SUBHEADLINE_TAGS = frozenset({"p", "h2", "h3"})
_SUBHEADLINE_REACH = 12  # elements after the headline's own


def find_subheadline(page: Page, scope: HtmlElement | None) -> tuple[HtmlElement, str] | None:
    """The sentence printed right under the article's one headline, in a heading or a
    paragraph of its own (an <hgroup>'s second heading, a dek without a class name): the
    first text after the headline, when it reads as a sentence rather than a byline or date.
    Not a summary: on many pages that sentence is the text's first paragraph.
    """
    headlines = page.h1s if scope is None else page.split_by_scope(page.h1s, scope)[0]
    if not headlines:
        headlines = page.h1s  # the headline printed above the element holding the text
    if len(headlines) != 1:
        return None
    _, last = page.span(headlines[0])
    for element in page.elements[last + 1 : last + 1 + _SUBHEADLINE_REACH]:
        if not isinstance(element.tag, str) or element.tag in INVISIBLE_TAGS:
            continue
        if not (element.text and element.text.strip()):
            continue
        holder = element if element.tag in _SUBHEADLINE_TAGS else element.getparent()
        if holder is None or holder.tag not in _SUBHEADLINE_TAGS:
            return None
        if class_words(holder) & _SUMMARY_EXCLUDE or is_elsewhere(holder):
            return None
        if next(holder.iter("time", "a", "img"), None) is not None:
            return None  # a dateline, a byline's link, a picture credit
        text = _standfirst_text(holder)
        if 40 <= len(text) <= 400 and len(text.split()) >= 6 and not _BYLINE_START.match(text):
            return holder, text
        return None
    return None


_BYLINE_START = re.compile(r"^(?:by|von|par|por|door|di)\s", re.I)


# A standfirst is a sentence or two under the headline: never around a heading or a list.
_NOT_IN_STANDFIRST = ("h1", "h2", "h3", "h4", "h5", "h6", "li")


def _standfirst_text(element: HtmlElement) -> str:
    """The standfirst's text without the credit, byline or date some pages print inside it."""
    pieces: list[str] = []

    def visit(node: HtmlElement) -> None:
        if node.text:
            pieces.append(node.text)
        for child in node:
            if isinstance(child.tag, str) and child.tag not in INVISIBLE_TAGS:
                if child.tag == "br":
                    pieces.append(" ")
                elif child.tag != "time" and not class_words(child) & _SUMMARY_EXCLUDE:
                    visit(child)
                    if child.tag in BLOCKISH_TAGS:
                        pieces.append(" ")
            if child.tail:
                pieces.append(child.tail)

    visit(element)
    return squash("".join(pieces))


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
