"""Authors: names only, from embedded metadata, then author markup, then printed bylines."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator, Mapping, Sequence
from functools import lru_cache
from typing import TYPE_CHECKING

from lxml import etree

from parsers.boilerplate import class_words, is_elsewhere, words_of
from parsers.dates import in_article_item, is_date_line
from parsers.page import Found, Page, first_found, is_inside, split_url, types_of
from parsers.text import last_lines, letters_of, squash, text_of

if TYPE_CHECKING:
    from lxml.html import HtmlElement

# "By", "Von", "Par", "Por", "Door", "Av" ... before the names. Italian/Portuguese/Spanish
# "di", "da", "de" only in lower case: capitalised they begin names ("Da Silva").
_BYLINE_PREFIX = re.compile(
    r"^\s*(?i:(?:written|posted|published|reported|submitted|words|text|story|report|"
    r"geschrieben|verfasst|gespeichert|publié|escrito|scritto)\s+)?"
    r"(?:(?i:by|von|par|por|door|av|af|ved|przez|autor(?:in)?|author|auteur|autore)\s*:?\s+|"
    r"(?:di|da|de)\s+(?=\w))",
)
_NAME_SPLIT = re.compile(
    r"\s*(?:,|;|&|\band\b|\bund\b|\bet\b|\by\b|\be\b|\ben\b|\boch\b|\bog\b)\s*", re.I
)
# What follows the names in a byline: a date, a place, a job, "updated ...".
_AFTER_NAMES = re.compile(
    r"\s+[|•·]\s*|\s+[-\u2013—]\s+|\(|\bupdated\b|\bpublished\b|\bposted\b|"
    r"\s(?:on|am|le|el|il|op|den)\s+(?=[^\n]{0,20}\d)|\s\d{1,2}[./]\s?\d|"
    r"\s(?:on|am)\s+(?:mon|tue|wed|thu|fri|sat|sun|montag|dienstag|mittwoch|donnerstag|"
    r"freitag|samstag|sonntag)",
    re.I,
)
_NOT_NAMES = re.compile(
    r"\b(?:staff|reporter|reporters|editor|editors|correspondent|writer|journalist|columnist|"
    r"contributor|agency|agencies|newsroom|desk|team|redaktion|rédaction|redacción|press|"
    r"updated|published|posted|minutes?|hours?|read|comments?|follow|email|twitter|photo|"
    r"photos|images?|video|getty|pa|afp|reuters|dpa|ap|sda|ansa|efe|media|news|online|"
    r"author|autor|auteur|autore|phd|share|view|profile|all posts|admin|administrator|"
    r"producer|presenter|analyst|commentator|critic|researcher|redakteur(?:in)?|"
    r"korrespondent(?:in)?|chefredakteur(?:in)?|journalistin|rédacteur|rédactrice|periodista|"
    r"giornalista)\b",
    re.I,
)
# "Brendan Carlin for the Mail on Sunday", "Ann Smith from the University of Leeds": the
# name, without the affiliation.
_AFFILIATION = re.compile(r"\s+(?i:for|from|für|pour|para|per)\s+(?:(?i:the)\s+)?[A-Z].*$")
_AUTHOR_WORDS = frozenset(
    {
        "author",
        "authors",
        "byline",
        "writer",
        "creator",
        "autor",
        "autoren",
        "auteur",
        "by",
        "reporter",
        "journalist",
        "contributor",
        "contributors",
        "submitted",  # Drupal: "Submitted by NAME on DATE"
    }
)
_META_WORDS = frozenset({"meta", "info", "details", "posted", "dateline", "credits", "credit"})
# Photo and image credits name photographers, not authors.
_CREDIT_WORDS = frozenset({"caption", "figcaption", "credit", "copyright", "photographer"})
_PICTURE_CREDIT = re.compile(
    r"^\W*(?:photo(?:graph)?s?|pictures?|images?|illustrations?|video|foto(?:s|grafie)?|"
    r"bilder?|grafik)\b",
    re.I,
)
_BY = re.compile(
    r"(?:^|\s)(?:by|von|par|por|door|av)\s*:?\s+\S|^(?:autor|author|auteur|text)\s*:", re.I
)
# Path segments of an author's page: /author/ann-smith/, /autoren/..., /profil/207/...
_AUTHOR_PATH = re.compile(
    r"/(?:author|authors|autor|autoren|auteur|auteurs|autore|autori|journalist|journalists|"
    r"reporter|reporters|people|staff|columnist|columnists|contributor|contributors|writer|"
    r"writers|profil|profile|profiles|redakteur|team|newsteam|user|users|u)/[^/?#]+",
    re.I,
)
# "Autor: Ann Smith", "Text: Ann Smith", "Written by: Ann Smith" printed as a label.
_AUTHOR_LABEL = (
    r"^\W{0,3}(?:author|authors|autor|autorin|autoren|auteur|autore|text|texte|written by|"
    r"words|verfasst von|redaktion|reporter)\s*:"
)
_AUTHOR_LABEL_RE = re.compile(_AUTHOR_LABEL, re.I)
# "View all posts by Ann Smith": the title of a link to the author's page.
_VIEW_POSTS = re.compile(r"^(?:view|see|read|more|all)\b.{0,30}?\bby\s+", re.I)
_ONLY_PREFIX = re.compile(r"^(?:by|von|par|por|door|av|di|da|de|and|und|et)$", re.I)
_HANDLE = re.compile(r"\s*@\w+\b")


def extract_authors(
    page: Page, *, scope: HtmlElement | None = None, printed_byline: str | None = None
) -> Found[tuple[str, ...]] | None:
    """Author names: no "By", no job titles or dates, no URLs, no site name; de-duplicated.

    ``printed_byline`` is a "By ..." line the text walk found at the top of the body.
    """

    def answer(
        names: list[str], how: str, *, handles: bool = False
    ) -> Found[tuple[str, ...]] | None:
        cleaned = clean_names(names, page, handles=handles)
        return Found(cleaned, how) if cleaned else None

    selected = [text_of(element) for element in page.select(page.selector_for("authors"))]
    chosen = answer(selected, "selector", handles=True)
    if chosen is not None:
        return chosen
    found = first_found(
        lambda: answer(list(_json_ld_authors(page)), "json-ld", handles=True),
        lambda: answer(list(_meta_authors(page)), "meta"),
        lambda: answer(list(_itemprop_authors(page, scope)), "itemprop", handles=True),
        lambda: answer(list(_rel_authors(page, scope)), "rel-author", handles=True),
        lambda: answer(list(_byline_authors(page, scope)), "byline"),
        lambda: answer(list(_author_links(page, scope)), "author-link", handles=True),
        lambda: answer(list(_labelled_authors(page, scope)), "byline"),
        lambda: answer(list(_dateline_names(page, scope)), "dateline"),
        lambda: answer(list(_signature_names(scope)), "signature"),
    )
    printed = answer(list(_names_in_byline(printed_byline or "")), "byline")
    if printed is None:
        return found
    # A "By ..." line written at the top of the text is the newsroom's own credit; metadata
    # naming someone else names the CMS account that posted it (an editor, a web producer).
    if found is None or not _same_people(found.value, printed.value):
        return printed
    return found


def _same_people(names: tuple[str, ...], others: tuple[str, ...]) -> bool:
    """At least one name in common (case, accents and punctuation aside)."""
    return bool({letters_of(name) for name in names} & {letters_of(name) for name in others})


def _json_ld_authors(page: Page) -> Iterator[str]:
    """The article's author objects: names, Person objects, @id references into the graph;
    an Organization is the publisher credited as author, not a person.
    """
    by_id = {str(obj["@id"]): obj for obj in page.json_ld if isinstance(obj.get("@id"), str)}
    for obj in page.json_ld_article:
        authors = obj.get("author") or obj.get("creator")
        for author in authors if isinstance(authors, list) else [authors]:
            if isinstance(author, str):
                yield author
            elif isinstance(author, Mapping):
                if "name" not in author and isinstance(author.get("@id"), str):
                    author = by_id.get(str(author["@id"]), author)
                if "Organization" in types_of(author):
                    continue
                name = author.get("name")
                # {"@type": "Person", "name": ["Ann Smith", "Tom Jones"]}
                for one in name if isinstance(name, list) else [name]:
                    if isinstance(one, str):
                        yield one
        if authors:
            return


def _meta_authors(page: Page) -> Iterator[str]:
    # citation_author (Google Scholar) and Dublin Core name exactly the paper's authors,
    # where a journal's "author" meta may list everyone its references cite.
    for name in (
        "citation_author",
        "dc.creator",
        "dcterms.creator",
        "author",
        "article:author",
        "parsely-author",
        "sailthru.author",
        "byl",
    ):
        values = [v for v in page.meta.get(name, ()) if not re.match(r"https?://|www\.", v)]
        if values:
            yield from values
            return


def _in_scope_first(
    page: Page,
    scope: HtmlElement | None,
    candidates: Sequence[HtmlElement],
    keep: Callable[[HtmlElement], bool],
) -> Iterator[HtmlElement]:
    """The candidates (in document order) that ``keep`` accepts: the article's first, then
    those of the rest of the page outside the site's banner (a <header> that is not inside
    <main> or <article>).
    """
    inside, outside = page.split_by_scope(candidates, scope)
    yield from filter(keep, inside)
    for element in outside:
        if keep(element) and not _in_page_header(element):
            yield element


def _in_page_header(element: HtmlElement) -> bool:
    header = False
    for node in element.iterancestors():
        if node.tag in {"article", "main"} or node.get("role") == "main":
            return False
        if node.tag == "header" or node.get("role") == "banner" or node.get("id") == "header":
            header = True
    return header


def _is_credit(element: HtmlElement) -> bool:
    """A photo credit or caption, whose names are photographers, not the article's authors."""
    for depth, node in enumerate((element, *element.iterancestors())):
        if node.tag in {"figure", "figcaption"} or class_words(node) & _CREDIT_WORDS:
            return True
        if depth >= 3:
            return False
    return False


def _itemprop_authors(page: Page, scope: HtmlElement | None) -> Iterator[str]:
    having = page.with_attribute.get("itemprop", ())
    credited = [e for e in having if e.get("itemprop") in _ITEMPROP_AUTHOR]
    for element in page.scope_first(credited, scope):
        if not in_article_item(element):
            continue
        named = element.xpath(".//*[@itemprop='name']")
        if named:
            yield named[0].get("content") or text_of(named[0])
        elif element.tag != "meta":
            yield text_of(element)
        return


_ITEMPROP_AUTHOR = frozenset({"author", "creator", "Author"})


def _rel_authors(page: Page, scope: HtmlElement | None) -> Iterator[str]:
    """Links marked rel=author: the first, and the others in the same byline."""
    group: HtmlElement | None = None
    links = [
        link
        for link in (*page.tagged("a"), *page.tagged("link"))
        if "author" in (link.get("rel") or "").lower()
    ]
    links.sort(key=page.positions.__getitem__)
    for link in _in_scope_first(page, scope, links, _has_rel_author):
        if not in_article_item(link):
            continue
        if group is None:
            group = _neighbourhood(link)
        elif not is_inside(link, group):
            return
        text = text_of(link)
        if text:
            yield text


def _has_rel_author(link: HtmlElement) -> bool:
    return "author" in (link.get("rel") or "").lower().split()


def _byline_words(element: HtmlElement) -> frozenset[str]:
    """Class and id words, plus those of data-testid and itemprop (byline markers too)."""
    get = element.get
    return _byline_words_of(get("class"), get("id"), get("data-testid"), get("itemprop"))


@lru_cache(maxsize=8192)
def _byline_words_of(
    class_names: str | None, element_id: str | None, test_id: str | None, itemprop: str | None
) -> frozenset[str]:
    """_byline_words() of the attributes as written: every marked element is asked, and a
    site's pages repeat the same few names."""
    words = words_of(class_names, element_id)
    extra = " ".join(filter(None, (test_id, itemprop)))
    if extra:
        words |= frozenset(re.split(r"[^a-z]+", extra.lower()))
    return words


def _byline_authors(page: Page, scope: HtmlElement | None) -> Iterator[str]:
    """Names in author-marked elements: the first such element, and others next to it."""
    first: HtmlElement | None = None
    count = 0
    candidates = [element for element in page.marked if element.tag in _BYLINE_TAGS]
    for element in _in_scope_first(page, scope, candidates, _marks_byline):
        text = text_of(element)
        # "Posted on 05/11/2014 by Anna Mistry" sits in a meta line, not an author element.
        authorish = _byline_words(element) & _AUTHOR_WORDS or element.tag == "address"
        if not (authorish or _BY.search(text)):
            continue
        if len(text) > 120 and authorish:
            # An author card (name, job, follow button, bio): the name is its heading.
            text = _card_heading(element)
        if not 2 < len(text) <= 120 or _PICTURE_CREDIT.match(text):
            continue
        if first is not None and not is_inside(element, _neighbourhood(first)):
            return
        if not in_article_item(element) or _is_credit(element):
            continue
        first = first if first is not None else element
        count += 1
        yield from _linked_names(element) or _names_in_byline(text)
        if count >= 3:
            return


def _card_heading(element: HtmlElement) -> str:
    """The text of the first heading inside an author card, if it is short enough for a name."""
    for heading in element.iter("h2", "h3", "h4", "h5", "h6", "strong"):
        # A heading that links to the profile may hold a "Follow" button too: the link.
        link = next(heading.iter("a"), None)
        text = text_of(link if link is not None else heading)
        return text if len(text) <= 60 else ""
    return ""


# Where a byline is printed (page.marked: elements with a class, an id, a data-testid or an
# itemprop, and every <address>).
_BYLINE_TAGS = frozenset({"span", "div", "p", "a", "li", "cite", "address"})


def _marks_byline(element: HtmlElement) -> bool:
    """Class, id or tag name an author element, or a meta line that may say "By ..."."""
    words = _byline_words(element)
    if words & {"bio", "box", "about", "avatar", "description"}:
        return False
    return bool(words & _AUTHOR_WORDS or words & _META_WORDS) or element.tag == "address"


def _neighbourhood(element: HtmlElement) -> HtmlElement:
    """The byline's surroundings: its grandparent (a byline of several author elements)."""
    parent = element.getparent()
    grandparent = parent.getparent() if parent is not None else None
    return grandparent if grandparent is not None else (parent if parent is not None else element)


def _linked_names(element: HtmlElement) -> list[str]:
    """Names in a byline that links each author to their page."""
    return [
        text_of(link)
        for link in element.iter("a")
        if _AUTHOR_PATH.search(_path_of(link.get("href") or ""))
        or "author" in (link.get("rel") or "").lower().split()
    ]


def _author_links(page: Page, scope: HtmlElement | None) -> Iterator[str]:
    """Links to author pages near the headline: the byline of many CMSs."""
    group: HtmlElement | None = None
    for link in _in_scope_first(page, scope, page.tagged("a"), _links_to_author_page):
        if is_elsewhere(link) or _is_credit(link):
            continue
        parent = link.getparent()
        if group is None:
            group = parent
        elif parent is not group:
            return
        text = text_of(link)
        if 0 < len(text) <= 60:
            yield text


def _links_to_author_page(link: HtmlElement) -> bool:
    href = link.get("href")
    # The path is part of the address: one search of the whole skips most links unsplit.
    if not href or _AUTHOR_PATH.search(href) is None:
        return False
    return bool(_AUTHOR_PATH.search(_path_of(href)))


def _path_of(href: str) -> str:
    parts = split_url(href)
    return parts.path if parts else ""


# XPath narrows to short text with a colon; the label itself is checked in Python. Compiled
# once: compiling costs about as much as running it.
_LABEL_TEXTS = etree.XPath(
    ".//text()[contains(., ':')][string-length(normalize-space(.)) < 140]"
    "[not(ancestor::script or ancestor::style or ancestor::head)]"
)


def _labelled_authors(page: Page, scope: HtmlElement | None) -> Iterator[str]:
    """What follows a printed "Autor:" / "Author:" / "Text:" label, article first."""
    roots = [scope] if scope is not None else []
    roots.append(page.tree)
    for root in roots:
        hits = _LABEL_TEXTS(root)
        for hit in hits:
            if not _AUTHOR_LABEL_RE.match(hit):
                continue
            parent = hit.getparent()
            if parent is None or is_elsewhere(parent) or _is_credit(parent):
                continue
            if hit.is_tail:
                text = squash(hit)
            else:
                text = text_of(parent)
                if len(text) < 12:  # "<strong>Autor:</strong> <a>Ann Smith</a>"
                    following = parent.getnext()
                    text = squash(text + " " + (parent.tail or "") + " " + text_of(following))
            text = _AUTHOR_LABEL_RE.sub("", text, count=1)
            if 2 < len(text) <= 120:
                yield from _names_in_byline(text)
                return


# "04.02.2022 | 13:10 Uhr | Ann Smith": a date line's parts.
_LINE_PARTS = re.compile(r"\s+[|•·]\s+")
_NUMERIC_DATE = re.compile(r"\b\d{1,2}[./-]\s?\d{1,2}[./-]\s?(?:19|20)?\d\d\b|\b(?:19|20)\d\d\b")
# A person's name as printed in a line of its own: two to four capitalised words.
_PRINTED_NAME = re.compile(r"^(?:[A-ZÀ-Þ][\w'\u2019.-]*\s){1,3}[A-ZÀ-Þ][\w'\u2019-]+$")
# A signature's name line: one to three capitalised words ("Benni", "Ann Smith").
_SIGNATURE_NAME = re.compile(r"[A-ZÀ-Þ][\w'\u2019.-]*(?:\s[A-ZÀ-Þ][\w'\u2019.-]*){0,2}")


def _dateline_names(page: Page, scope: HtmlElement | None) -> Iterator[str]:
    """The name in the article's date line next to its headline, "04.02.2022 | Ann Smith",
    where no author markup or "By" names anyone.
    """
    headline = next((h for h in page.h1s if scope is None or is_inside(h, scope)), None)
    if headline is None:
        return
    node: HtmlElement | None = headline
    for _ in range(2):
        if node is None:
            return
        siblings = [*list(node.itersiblings(preceding=True))[:2], *list(node.itersiblings())[:3]]
        for sibling in siblings:
            text = text_of(sibling)
            if len(text) > 100 or is_elsewhere(sibling):
                continue
            parts = _LINE_PARTS.split(text)
            if len(parts) < 2 or not any(_NUMERIC_DATE.search(part) for part in parts):
                continue
            names = [part for part in parts if _PRINTED_NAME.match(part)]
            if len(names) == 1 and not _NOT_NAMES.search(names[0]):
                yield names[0]
                return
        node = node.getparent()


def _signature_names(scope: HtmlElement | None) -> Iterator[str]:
    """The name a letter or farewell post is signed with, on the line above its date:
    "Ann Smith" / "10 September 2017" as the article's last two lines.
    """
    if scope is None:
        return
    lines = last_lines(scope, 2)
    if len(lines) == 2 and is_date_line(lines[1]) and _SIGNATURE_NAME.fullmatch(lines[0]):
        yield lines[0]


def _names_in_byline(text: str) -> Iterator[str]:
    # Keep "By" and what follows it up to a separator; a line without "By" must be names only.
    match = re.search(r"(?:^|\s)((?:by|von|par|por|door|av)\s*:?\s+.+)", text, re.I)
    line = match[1] if match else text
    yield from _AFTER_NAMES.split(line)[:1]


def clean_names(raw: list[str], page: Page, *, handles: bool = False) -> tuple[str, ...]:
    """Person names out of author strings: split lists, drop prefixes, titles and duplicates.

    ``handles`` accepts user names such as "oz" or "mh", which author markup
    (JSON-LD, rel=author, author links) credits but a free-text line cannot tell from words.
    """
    site = letters_of(page.site_name or "")
    names: list[str] = []
    seen: set[str] = set()
    for value in raw:
        value = _VIEW_POSTS.sub("", squash(value))
        # What follows "By" is a name even in lower case ("by oz"): a user name.
        prefixed = handles or bool(_BYLINE_PREFIX.match(value))
        value = _HANDLE.sub("", _BYLINE_PREFIX.sub("", value))
        value = _AFTER_NAMES.split(value)[0]
        # "Ann Smith/dpa": an agency after the slash.
        parts = [p for chunk in _NAME_SPLIT.split(value) for p in re.split(r"\s*/\s*", chunk)]
        if not handles and "," in value:
            parts = _without_places(parts)
        for part in parts:
            # A trailing full stop stays: "Joe S.", "Perry Bacon Jr."
            name = _AFFILIATION.sub("", _BYLINE_PREFIX.sub("", part)).strip(" :;,-\u2013—")
            name = name.rstrip(".") if not re.search(r"(?:\b[A-Z]|Jr|Sr)\.$", name) else name
            if not _looks_like_name(name, handles=prefixed):
                continue
            key = letters_of(name)
            if key in seen or (site and key == site) or key == letters_of(page.host):
                continue
            seen.add(key)
            names.append(name)
    return tuple(names)


def _without_places(parts: list[str]) -> list[str]:
    """Names without the place or desk after a comma ("By Ann Smith, Birmingham").

    In a printed line that gives full names, a single word after a comma is the dateline's
    place or a desk, not a person known by one name.
    """
    if not any(len(part.split()) >= 2 for part in parts):
        return parts
    return [part for part in parts if len(part.split()) != 1]


def _looks_like_name(name: str, *, handles: bool) -> bool:
    if not 2 <= len(name) <= 60 or re.search(r"\d|@|https?:|www\.|\.com\b", name):
        return False
    words = name.split()
    if not 1 <= len(words) <= 5 or _NOT_NAMES.search(name) or _ONLY_PREFIX.match(name):
        return False
    if handles and len(words) == 1 and re.fullmatch(r"[^\W\d_][\w.\-]*", name):
        return True
    return (any(char.isupper() for char in name) and not name.isupper()) or len(words) >= 2
