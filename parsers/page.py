"""The parsed page every extractor reads: lxml tree, URL, embedded metadata, language, zone."""

from __future__ import annotations

import json
import re
from bisect import bisect_right
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from functools import cached_property
from typing import TYPE_CHECKING, Generic, TypeVar
from urllib.parse import SplitResult, urljoin, urlsplit

import lxml.html
from lxml import etree

from parsers.text import squash

if TYPE_CHECKING:
    from lxml.html import HtmlElement

    from profiles import SiteProfile

T = TypeVar("T")
JsonObject = Mapping[str, object]

# schema.org types whose object describes the article itself.
ARTICLE_TYPES = re.compile(r"(?:Article|BlogPosting|Posting|Report|Review)$")
_PAGE_TYPES = {"WebPage", "ItemPage", "CollectionPage"}
_TRAILING_COMMA = re.compile(r",\s*([}\]])")
_COMMENTS = re.compile(r"^\s*(?:<!--|//\s*<!\[CDATA\[|<!\[CDATA\[)|(?:-->|//\s*\]\]>|\]\]>)\s*$")
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")
# Countries whose printed numeric dates are month first; everyone else writes day first.
_MONTH_FIRST_COUNTRIES = {"US", "PH", "FM", "MH", "PW", "BZ"}


@dataclass(frozen=True, slots=True)
class Found(Generic[T]):
    """A field's value and the strategy that found it (the record's provenance)."""

    value: T
    how: str


def first_found(*strategies: Callable[[], Found[T] | None]) -> Found[T] | None:
    """The answer of the first strategy that has one; later strategies are not run."""
    for strategy in strategies:
        found = strategy()
        if found is not None:
            return found
    return None


# Every element as an HtmlElement, chosen in C: lxml.html's default lookup calls back into
# Python for each element proxy lxml makes (a third of the time of a walk over the tree),
# only to give form controls their own classes, which no parser here uses.
_ELEMENT_CLASSES = etree.ElementDefaultClassLookup(
    element=lxml.html.HtmlElement,
    comment=lxml.html.HtmlComment,
    pi=lxml.html.HtmlProcessingInstruction,
    entity=lxml.html.HtmlEntity,
)


def parse_tree(text: str | bytes) -> HtmlElement | None:
    """The document element, or None when lxml finds nothing to parse (bytes are UTF-8)."""
    # A parser per call (about a microsecond): lxml parsers must not be shared by threads.
    # No table of ids: nothing here looks elements up by id.
    parser = lxml.html.HTMLParser(
        encoding="utf-8", remove_comments=True, remove_pis=True, collect_ids=False
    )
    parser.set_element_class_lookup(_ELEMENT_CLASSES)
    data = text if isinstance(text, bytes) else text.encode("utf-8", errors="replace")
    try:
        root = lxml.html.document_fromstring(data, parser=parser)
    except (etree.ParserError, ValueError):
        return None
    return root


class Page:
    """One page, parsed once; the properties are computed on first use."""

    def __init__(
        self,
        tree: HtmlElement,
        url: str,
        *,
        profile: SiteProfile | None = None,
        fetched_at: datetime | None = None,
    ) -> None:
        self.tree = tree
        self.url = url
        self.profile = profile
        self.fetched_at = fetched_at
        self._tagged: dict[str, tuple[HtmlElement, ...]] = {}
        self._absolute: dict[str, str | None] = {}

    @cached_property
    def base_url(self) -> str:
        head = self.tree.find("head")  # lxml puts the one <head> under the root
        for base in head.iterchildren("base") if head is not None else ():
            href = base.get("href")
            if href is not None:
                joined = join_url(self.url, href.strip()) if href else None
                return joined or self.url
        return self.url

    @cached_property
    def host(self) -> str:
        parts = split_url(self.url)
        return ((parts.hostname if parts else None) or "").lower()

    def absolute(self, href: str | None) -> str | None:
        """An http(s) URL made absolute against the page, or None for anything else."""
        if not href:
            return None
        # Pages repeat their links (menus, teasers, share bars), and urljoin is slow.
        if href in self._absolute:
            return self._absolute[href]
        url = self._absolute[href] = self._joined(href.strip())
        return url

    def _joined(self, href: str) -> str | None:
        if href.startswith(("javascript:", "mailto:", "tel:", "data:", "#")):
            return None
        url = join_url(self.base_url, href)
        return url if url is not None and url.startswith(("http://", "https://")) else None

    @cached_property
    def head(self) -> HtmlElement:
        found = self.tree.find("head")
        return found if found is not None else self.tree

    @cached_property
    def meta(self) -> Mapping[str, tuple[str, ...]]:
        """<meta> values by lower-case name, property or http-equiv, in page order."""
        values: dict[str, list[str]] = {}
        for element in self.tagged("meta"):
            content = element.get("content")
            if content is None or not content.strip():
                continue
            for attribute in ("name", "property", "http-equiv", "itemprop"):
                key = element.get(attribute)
                if key:
                    for part in key.lower().split():
                        values.setdefault(part, []).append(squash(content))
        return {key: tuple(found) for key, found in values.items()}

    def meta_first(self, *names: str) -> Found[str] | None:
        for name in names:
            for value in self.meta.get(name, ()):
                if value:
                    return Found(value, "meta")
        return None

    @cached_property
    def json_ld(self) -> tuple[JsonObject, ...]:
        """Every JSON-LD object on the page, @graph members and list items flattened."""
        objects: list[JsonObject] = []
        for script in self.tagged("script"):
            if (script.get("type") or "").strip().lower() != "application/ld+json":
                continue
            data = load_json_ld(script.text or "")
            if data is not None:
                objects.extend(_flatten(data))
        return tuple(objects)

    @cached_property
    def json_ld_article(self) -> tuple[JsonObject, ...]:
        """JSON-LD objects about this article: article types first, then web pages."""
        articles = [obj for obj in self.json_ld if _has_type(obj, ARTICLE_TYPES.search)]
        pages = [obj for obj in self.json_ld if _has_type(obj, lambda t: t in _PAGE_TYPES)]
        return tuple(articles + pages)

    @cached_property
    def has_article_markup(self) -> bool:
        """The page's own metadata says it is an article."""
        if any(_has_type(obj, ARTICLE_TYPES.search) for obj in self.json_ld):
            return True
        if any(value.lower() == "article" for value in self.meta.get("og:type", ())):
            return True
        return "article:published_time" in self.meta

    @cached_property
    def site_name(self) -> str | None:
        for name in ("og:site_name", "application-name", "twitter:site"):
            for value in self.meta.get(name, ()):
                return value.lstrip("@")
        for obj in self.json_ld_article:
            publisher = obj.get("publisher")
            if isinstance(publisher, Mapping) and isinstance(publisher.get("name"), str):
                return squash(str(publisher["name"]))
        return None

    @cached_property
    def language_tag(self) -> str | None:
        """The page's language tag as written (e.g. "en-GB"), profile last."""
        candidates: list[str | None] = [self.tree.get("lang"), self.tree.get("xml:lang")]
        candidates += list(self.meta.get("content-language", ()))
        candidates += list(self.meta.get("og:locale", ()))
        candidates += [_str(obj.get("inLanguage")) for obj in self.json_ld_article]
        candidates.append(self.profile.language if self.profile else None)
        for tag in candidates:
            if tag and re.match(r"^[A-Za-z]{2,3}(?:[-_][A-Za-z0-9]{2,8})*$", tag.strip()):
                return tag.strip().replace("_", "-")
        return None

    @cached_property
    def language(self) -> str | None:
        """ISO 639 primary language, lower case ("en")."""
        tag = self.language_tag
        return tag.split("-")[0].lower() if tag else None

    @cached_property
    def country(self) -> str | None:
        """Where the site is: the profile's country, the page's region, or a country TLD."""
        if self.profile and self.profile.country:
            return self.profile.country.upper()
        tag = self.language_tag or ""
        region = next((part for part in tag.split("-")[1:] if len(part) == 2), None)
        if region:
            return region.upper()
        suffix = self.host.rsplit(".", 1)[-1]
        if len(suffix) == 2 and suffix.isalpha():
            return "GB" if suffix == "uk" else suffix.upper()
        return None

    @cached_property
    def date_order(self) -> str:
        """How a numeric date like 05/11/2014 is read here: "DMY" or "MDY"."""
        country = self.country
        if country:
            return "MDY" if country in _MONTH_FIRST_COUNTRIES else "DMY"
        return "MDY" if self.language == "en" else "DMY"

    @cached_property
    def timezone(self) -> str | None:
        return self.profile.timezone if self.profile else None

    def select(self, selector: str | None) -> list[HtmlElement]:
        """Elements matching a profile's CSS selector; none for a missing or broken one."""
        if not selector:
            return []
        try:
            found: list[HtmlElement] = self.tree.cssselect(selector)
        except (SyntaxError, ValueError, etree.XPathError):
            return []
        return found

    def selector_for(self, field: str) -> str | None:
        return self.profile.selectors.get(field) if self.profile else None

    @cached_property
    def elements(self) -> tuple[HtmlElement, ...]:
        """Every element in document order, the root first: one walk of the tree for all the
        extractors that look at every element (a tuple is read faster than lxml walks, and
        holding the elements keeps their Python proxies alive for later walks)."""
        return tuple(self.tree.iter())

    def tagged(self, tag: str) -> tuple[HtmlElement, ...]:
        """The elements with this tag, in document order; lxml's own walk for each tag asked
        for (a handful per page), kept for the next caller."""
        found = self._tagged.get(tag)
        if found is None:
            found = self._tagged[tag] = tuple(self.tree.iter(tag))
        return found

    @cached_property
    def positions(self) -> Mapping[HtmlElement, int]:
        """Document order of every element, for sorting what several searches found."""
        return {node: index for index, node in enumerate(self.elements)}

    @cached_property
    def h1s(self) -> tuple[HtmlElement, ...]:
        return self.tagged("h1")

    def span(self, element: HtmlElement) -> tuple[int, int]:
        """Positions of the element and of its last descendant: its subtree is this range of
        ``elements``, so "inside" is two comparisons instead of a walk up the ancestors."""
        last = element
        while len(last):
            last = last[-1]
        positions = self.positions
        return positions[element], positions[last]

    def split_by_scope(
        self, elements: Sequence[HtmlElement], scope: HtmlElement | None
    ) -> tuple[Sequence[HtmlElement], Sequence[HtmlElement]]:
        """``elements`` (in document order, from this page) below ``scope``, and the others in
        document order (the scope itself among them, as XPath's ".//" leaves it out)."""
        if scope is None:
            return (), elements
        start, end = self.span(scope)
        where = self.positions.__getitem__
        first = bisect_right(elements, start, key=where)
        after = bisect_right(elements, end, key=where)
        return elements[first:after], (*elements[:first], *elements[after:])

    def scope_first(
        self, elements: Sequence[HtmlElement], scope: HtmlElement | None
    ) -> Iterator[HtmlElement]:
        """``elements`` below ``scope`` first, then the others, each part in document order."""
        inside, outside = self.split_by_scope(elements, scope)
        yield from inside
        yield from outside

    @cached_property
    def marked(self) -> tuple[HtmlElement, ...]:
        """Elements with a class, an id, a data-testid or an itemprop, and every <time> and
        <address>, in document order, the root left out: where dates and bylines are looked
        for. A pass over ``elements`` is twice as fast as lxml's XPath for the same."""
        return self._attribute_pass[0]

    @cached_property
    def with_attribute(self) -> Mapping[str, tuple[HtmlElement, ...]]:
        """Elements with an itemprop, a property or a role, by that attribute's name, in
        document order, the root left out: a search for one reads values only where there
        are some."""
        return self._attribute_pass[1]

    @cached_property
    def _attribute_pass(
        self,
    ) -> tuple[tuple[HtmlElement, ...], Mapping[str, tuple[HtmlElement, ...]]]:
        """``marked`` and ``with_attribute`` in one walk: listing an element's attribute names
        costs about what reading one value does, and most elements have none."""
        marked: list[HtmlElement] = []
        by_name: dict[str, list[HtmlElement]] = {name: [] for name in _INDEXED_ATTRIBUTES}
        for element in self.elements[1:]:
            tag = element.tag
            if not isinstance(tag, str):
                continue
            names = element.keys()
            if names:
                for name in _INDEXED_ATTRIBUTES:
                    if name in names:
                        by_name[name].append(element)
                if not _MARKING_ATTRIBUTES.isdisjoint(names):
                    marked.append(element)
                    continue
            if tag in {"time", "address"}:
                marked.append(element)
        return tuple(marked), {name: tuple(found) for name, found in by_name.items()}

    def in_order(self, elements: Iterable[HtmlElement]) -> tuple[HtmlElement, ...]:
        """Elements of this page, each once, in document order."""
        return tuple(sorted(set(elements), key=self.positions.__getitem__))


_MARKING_ATTRIBUTES = frozenset({"class", "id", "data-testid", "itemprop"})
_INDEXED_ATTRIBUTES = ("itemprop", "property", "role")


def split_url(url: str) -> SplitResult | None:
    """urlsplit(url), or None for an address it refuses (a broken IPv6 host such as
    "http://[::1", a host that NFKC turns into separators)."""
    try:
        return urlsplit(url)
    except ValueError:
        return None


def join_url(base: str, href: str) -> str | None:
    """urljoin(base, href), or None when either address is one urlsplit refuses."""
    try:
        return urljoin(base, href)
    except ValueError:
        return None


def is_inside(element: HtmlElement, ancestor: HtmlElement) -> bool:
    """True when ``ancestor`` is the element itself or one of its ancestors."""
    node: HtmlElement | None = element
    while node is not None:
        if node is ancestor:
            return True
        node = node.getparent()
    return False


def load_json_ld(text: str) -> object | None:
    """A JSON-LD script's data; tolerates HTML comments, CDATA, JavaScript comments, trailing
    commas and raw newlines."""
    text = text.strip()
    if not text:
        return None
    for attempt in range(3):
        try:
            data: object = json.loads(text, strict=False, parse_int=_json_int)
            return data
        except RecursionError:
            return None  # nested deeper than Python's stack: no article metadata is like that
        except json.JSONDecodeError:
            if attempt == 0:
                text = "\n".join(line for line in text.splitlines() if not _COMMENTS.search(line))
                text = _without_js_comments(_COMMENTS.sub("", text))
            else:
                text = _CONTROL.sub(" ", _TRAILING_COMMA.sub(r"\1", text))
    return None


def _json_int(digits: str) -> int | float:
    """A JSON integer; past Python's limit on digits converted (4300) a float, infinite, so
    one absurd number does not cost the rest of the block."""
    return int(digits) if len(digits) <= 4000 else float(digits)


# A JSON string (kept whole, so "//" in a URL stays), or a // or /* */ comment outside one.
_STRING_OR_JS_COMMENT = re.compile(r'"(?:[^"\\]|\\.)*"|//[^\n]*|/\*.*?\*/', re.S)


def _without_js_comments(text: str) -> str:
    """JSON-LD that a CMS templates as JavaScript: its comments out, its strings untouched."""
    if "/" not in text:
        return text
    return _STRING_OR_JS_COMMENT.sub(
        lambda match: match[0] if match[0].startswith('"') else " ", text
    )


def _flatten(data: object) -> Iterator[JsonObject]:
    if isinstance(data, list):
        for item in data:
            yield from _flatten(item)
    elif isinstance(data, Mapping):
        yield data
        graph = data.get("@graph")
        if graph is not None:
            yield from _flatten(graph)
        main = data.get("mainEntity") or data.get("mainEntityOfPage")
        if isinstance(main, Mapping) and "@type" in main:
            yield from _flatten(main)


def types_of(obj: JsonObject) -> list[str]:
    kind = obj.get("@type")
    if isinstance(kind, str):
        return [kind.rsplit("/", 1)[-1]]
    if isinstance(kind, list):
        return [str(k).rsplit("/", 1)[-1] for k in kind]
    return []


def _has_type(obj: JsonObject, test: Callable[[str], object]) -> bool:
    return any(test(kind) for kind in types_of(obj))


def _str(value: object) -> str | None:
    return value if isinstance(value, str) else None
