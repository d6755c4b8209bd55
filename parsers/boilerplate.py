"""Page chrome: the class, id, tag and role signals of navigation, share bars, ads and comments."""

from __future__ import annotations

import re
from functools import lru_cache
from typing import TYPE_CHECKING, Literal

from lxml import etree

if TYPE_CHECKING:
    from lxml.html import HtmlElement

Chrome = Literal["strong", "weak"]

# Words (parts of class/id names split on "-", "_" and camelCase) that mark an element as
# never part of the article text.
STRONG_WORDS = frozenset(
    {
        "related",
        "similar",
        "recommended",
        "recommendations",
        "recommend",
        "comment",
        "comments",
        "disqus",
        "share",
        "sharing",
        "sharer",
        "sharedaddy",
        "addtoany",
        "social",
        "sociable",
        "newsletter",
        "subscribe",
        "subscription",
        "signup",
        "mc4wp",
        "mailchimp",
        "cookie",
        "cookies",
        "gdpr",
        "consent",
        "advert",
        "advertisement",
        "advertising",
        "ad",
        "ads",
        "adsbygoogle",
        "dfp",
        "sponsor",
        "sponsored",
        "promo",
        "outbrain",
        "taboola",
        "zergnet",
        "popup",
        "modal",
        "breadcrumb",
        "breadcrumbs",
        "pagination",
        "pager",
        "nav",
        "navbar",
        "navigation",
        "menu",
        "yarpp",
        "relatedposts",
        "trending",
        "popular",
        "mostread",
        "tweets",
        "twitter",
        "facebook",
        "whatsapp",
        "pinterest",
        "linkedin",
        "skiplink",
        "masthead",
        "paywall",
        "donate",
        "disclosure",
    }
)
# Beginnings of run-together class words ("relatedlinks", "newsletterbox").
STRONG_PREFIXES = ("related", "newsletter", "advert", "outbrain", "taboola")
# Words of an image caption or credit line, left out of the text (the image keeps it).
CAPTION_WORDS = frozenset({"caption", "captions", "bildunterschrift", "legende", "legend"})
# Words that usually mark chrome but also appear on wrappers of the article itself
# (Elementor's "elementor-widget-theme-post-content", "has-sidebar" layouts): chrome only
# when the element holds a minor part of the article text.
WEAK_WORDS = frozenset(
    {
        "sidebar",
        "widget",
        "widgets",
        "meta",
        "byline",
        "author",
        "authors",
        "bio",
        "tags",
        "tag",
        "tagcloud",
        "keywords",
        "header",
        "footer",
        "credit",
        "credits",
        "print",
        "email",
        "toolbar",
        "tools",
        "rating",
        "dateline",
        "timestamp",
        "date",
        "aside",
        "teaser",
        "teasers",
        "promos",
        "banner",
        "login",
        "search",
        "topics",
        "categories",
        "category",
        "copyright",
        "disclaimer",
    }
)
# Whole class tokens (not parts) that hide or move text.
HIDDEN_TOKENS = frozenset(
    {
        "hidden",
        "hide",
        "sr-only",
        "screen-reader-text",
        "visually-hidden",
        "visuallyhidden",
        "element-invisible",
        "offscreen",
        "read-more",
        "more-stories",
        "more-link",
        "jp-relatedposts",
        "wp-caption-text",
        "twitter-tweet",
        "instagram-media",
        "fb-post",
    }
)
STRONG_TAGS = frozenset(
    {
        "script",
        "style",
        "noscript",
        "template",
        "svg",
        "math",
        "nav",
        "button",
        "select",
        "textarea",
        "input",
        "iframe",
        "object",
        "embed",
        "canvas",
        "audio",
        "video",
        "figcaption",
        "label",
        "menu",
        "dialog",
    }
)
WEAK_TAGS = frozenset({"aside", "header", "footer", "form"})
STRONG_ROLES = frozenset(
    {
        "navigation",
        "banner",
        "contentinfo",
        "search",
        "complementary",
        "dialog",
        "alert",
        "menu",
        "menubar",
    }
)
_SPLIT = re.compile(r"[-_\s:.]+|(?<=[a-z])(?=[A-Z])")
_DISPLAY_NONE = re.compile(r"display\s*:\s*none|visibility\s*:\s*hidden", re.I)


def class_tokens(element: HtmlElement) -> list[str]:
    """The element's class names and id, as written."""
    return f"{element.get('class', '')} {element.get('id', '')}".split()


def class_words(element: HtmlElement) -> frozenset[str]:
    """Lower-case words of the element's class and id names ("relatedPosts" -> related, posts)."""
    return words_of(element.get("class"), element.get("id"))


def has_class_word(element: HtmlElement, words: frozenset[str]) -> bool:
    """One of the (lower-case) words is a class word of the element, or, for words with a
    "-" or "_", one of its class names or its id as written."""
    class_names, element_id = element.get("class"), element.get("id")
    if not class_names and not element_id:
        return False
    return names_have_word(class_names, element_id, words)


@lru_cache(maxsize=16384)
def names_have_word(class_names: str | None, element_id: str | None, words: frozenset[str]) -> bool:
    """has_class_word() of a class attribute and an id, as written: a page's elements (and a
    site's pages) repeat a few names, asked about for the same few sets of words."""
    lowered = f"{class_names or ''} {element_id or ''}".lower()
    # Every class word is a piece of a name: a word that is no substring of the names is none
    # of its class words. One regex search says so, and most elements fail it.
    if _any_of(words).search(lowered) is None:
        return False
    return bool(words_of(class_names, element_id) & words) or any(
        token in words for token in lowered.split()
    )


@lru_cache(maxsize=64)
def _any_of(words: frozenset[str]) -> re.Pattern[str]:
    return re.compile("|".join(re.escape(word) for word in sorted(words)))


@lru_cache(maxsize=8192)
def words_of(class_names: str | None, element_id: str | None) -> frozenset[str]:
    """class_words() of a class attribute and an id, as written."""
    if not class_names and not element_id:
        return _NO_WORDS
    words: set[str] = set()
    for token in f"{class_names or ''} {element_id or ''}".split():
        if token.isalnum() and token.isascii() and token == token.lower():
            words.add(token)  # "post", "row": the word is the name (as _token_words says)
        else:
            words |= _token_words(token)
    return frozenset(words)


_NO_WORDS: frozenset[str] = frozenset()


@lru_cache(maxsize=16384)
def _token_words(token: str) -> frozenset[str]:
    """The words of one class name or id: the same names recur on many sites' pages."""
    if token.isascii() and token == token.lower():
        # The usual name, "entry-content" or "post": no camelCase to split, so plain string
        # methods give what the regexes below give, several times faster.
        if token.isalnum():
            return frozenset((token,))
        if token.startswith(_TAXONOMY_PREFIXES):
            return _NO_WORDS
        parts = {part for part in token.translate(_TO_HYPHEN).split("-") if part}
        if token.startswith(_BUILDER_PREFIXES):
            parts -= _BUILDER_LAYOUT
        return frozenset(parts)
    if _TAXONOMY.match(token):
        return _NO_WORDS
    parts = {part.lower() for part in _SPLIT.split(token) if part}
    if _BUILDER.match(token):
        parts -= _BUILDER_LAYOUT
    return frozenset(parts)


# WordPress and other CMSs put the post's taxonomy on its element ("category-comment",
# "tag-social-media"): names chosen by editors, not layout. "has-paywall", "has-sidebar",
# "with-share-bar" say what an element holds besides its own content, not what it is.
_TAXONOMY = re.compile(r"^(?:category|tag|format|status|type|term|topic|has|with)-", re.I)
# Page builders call every content module a widget ("elementor-widget-text-editor",
# "so-widget-sow-editor"), text included: there the word is layout, not a sidebar widget.
_BUILDER = re.compile(r"^(?:elementor|siteorigin|so)-", re.I)
_BUILDER_LAYOUT = frozenset({"widget", "widgets"})
# The same, for names already in lower-case ASCII.
_TAXONOMY_PREFIXES = (
    *(f"{word}-" for word in ("category", "tag", "format", "status", "type", "term", "topic")),
    "has-",
    "with-",
)
_BUILDER_PREFIXES = ("elementor-", "siteorigin-", "so-")
_TO_HYPHEN = str.maketrans("_:.", "---")  # the other separators _SPLIT knows in such names
# Class names and ids of the element holding an article's text, on common CMS themes.
_BODY_CLASS = re.compile(
    r"(?:^|[-_])(?:entry|post|article|story|blog|news|single|text|field-name-body|"
    r"field--name-body|c-article|article_|body)[-_]{0,2}(?:content|body|text|copy)$|"
    r"^(?:articlebody|articletext|storybody|bodytext|richtext|rich-text|entry|post-entry)$",
    re.I,
)


def is_named_body(element: HtmlElement) -> bool:
    """The page names the element as the article's text (itemprop, or a body class or id)."""
    names = element.keys()  # as in chrome_kind: read only the values present
    if not names:
        return False
    if ("itemprop" in names and element.get("itemprop") == "articleBody") or (
        "property" in names and element.get("property") == "articleBody"
    ):
        return True
    return _names_body(
        element.get("class") if "class" in names else None,
        element.get("id") if "id" in names else None,
    )


@lru_cache(maxsize=8192)
def _names_body(class_names: str | None, element_id: str | None) -> bool:
    names = f"{class_names or ''} {element_id or ''}"
    return any(
        token.lower().endswith(_BODY_ENDINGS) and _BODY_CLASS.match(token)
        for token in names.split()
    )


# How every name _BODY_CLASS matches ends: a cheap test that most names fail.
_BODY_ENDINGS = ("content", "body", "text", "copy", "entry")


def chrome_kind(element: HtmlElement) -> Chrome | None:
    """How sure the element's own markup says it is page chrome, or None if it does not."""
    tag = element.tag
    if not isinstance(tag, str) or tag in STRONG_TAGS:
        return "strong"
    # One call lists the attributes present, then only their values are read: each read
    # costs about as much as the list, and most elements carry none of these six.
    names = element.keys()
    if not names:
        return "weak" if tag in WEAK_TAGS else None
    if "hidden" in names or ("aria-hidden" in names and element.get("aria-hidden") == "true"):
        return "strong"
    style = element.get("style") if "style" in names else None
    if style and _DISPLAY_NONE.search(style):
        return "strong"
    if "role" in names and element.get("role") in STRONG_ROLES:
        return "strong"
    class_names = element.get("class") if "class" in names else None
    element_id = element.get("id") if "id" in names else None
    if class_names or element_id:
        verdict = _class_verdict(class_names, element_id)
        if verdict == "strong":
            return "strong"
        if verdict == "body":
            return None  # "entry-content paywall-container": the text, whatever else it is
        if verdict.startswith("caption"):
            if element.find(".//img") is None:
                return "strong"  # the caption's text; a wrapper of image and caption is not
            verdict = verdict.removeprefix("caption")
        if verdict == "weak":
            return "weak"
    if tag in WEAK_TAGS:
        return "weak"
    return None


@lru_cache(maxsize=8192)
def _class_verdict(class_names: str | None, element_id: str | None) -> str:
    """What class and id say, in chrome_kind's order: "strong", "body" (the article text),
    "caption" (chrome unless it wraps an image) then "weak", or "" for nothing."""
    tokens = f"{class_names or ''} {element_id or ''}".split()
    if any(token.lower() in HIDDEN_TOKENS for token in tokens):
        return "strong"
    if _names_body(class_names, element_id):
        return "body"
    words = words_of(class_names, element_id)
    if words & STRONG_WORDS or any(word.startswith(STRONG_PREFIXES) for word in words):
        return "strong"
    weak = "weak" if words & WEAK_WORDS else ""
    return "caption" + weak if words & CAPTION_WORDS else weak


# Ancestors that put an element outside the article: a date, author or title found inside
# one of these belongs to another story, a comment or the page chrome.
_ELSEWHERE_WORDS = frozenset(
    {
        "related",
        "similar",
        "recommended",
        "recommend",
        "comment",
        "comments",
        "disqus",
        "sidebar",
        "widget",
        "widgets",
        "promo",
        "outbrain",
        "taboola",
        "trending",
        "popular",
        "mostread",
        "teaser",
        "teasers",
        "newsletter",
        "advert",
        "ads",
        "ad",
        "nav",
        "menu",
        "navigation",
        "cookie",
        "yarpp",
        "relatedposts",
        "tweets",
        "twitter",
    }
)


def is_elsewhere(element: HtmlElement) -> bool:
    """True inside related stories, comments, sidebars, navigation or the page footer."""
    node: HtmlElement | None = element
    inside_article = False
    # Each ancestor with its class words, read once for both passes.
    chain: list[tuple[HtmlElement, frozenset[str]]] = []
    while node is not None:
        tag = node.tag
        if tag in {"body", "html"}:
            break
        words = words_of(node.get("class"), node.get("id"))
        chain.append((node, words))
        if tag == "article" or "article" in words:
            inside_article = True
        node = node.getparent()
    for index, (node, words) in enumerate(chain):
        tag = node.tag
        if tag in {"nav", "aside"} or (tag == "footer" and not inside_article):
            return True
        if node.get("role") in {"navigation", "complementary", "contentinfo"}:
            return True
        # An entry footer inside <article> often holds the date; the page footer never does.
        if (
            (words & _ELSEWHERE_WORDS or ("footer" in words and not inside_article))
            and not _wraps_main_content(node)
            and _says_elsewhere(
                node, [above for above, _ in chain[index + 1 :]], inside_article=inside_article
            )
        ):
            return True
    return False


# A BEM element's class: "Block__element", "Block_element", "Block--modifier".
_BEM_PART = re.compile(r"^(.+?)(?:__|--|_)(.+)$")


def _says_elsewhere(
    node: HtmlElement, ancestors: list[HtmlElement], *, inside_article: bool
) -> bool:
    """The node's own class words put it outside the article. In a BEM class
    ("ArticleHeaderComment_publishDate") the block's name is its ancestor's class, which
    decides for itself: only the element part ("publishDate") speaks for the node.
    """
    tokens = class_tokens(node)
    if not any(_BEM_PART.match(token) for token in tokens):
        return True
    above = {token for ancestor in ancestors for token in class_tokens(ancestor)}
    words: set[str] = set()
    for token in tokens:
        bem = _BEM_PART.match(token)
        words |= words_of(bem[2] if bem and bem[1] in above else token, None)
    return bool(words & _ELSEWHERE_WORDS or ("footer" in words and not inside_article))


# A wrapper of the page's main content or of its headline is layout, whatever its class
# says: "Page-ad-margins", "layout__with-sidebar", an opinion piece's "commentHeader".
_MAIN_CONTENT = etree.XPath(".//main | .//h1")


def _wraps_main_content(node: HtmlElement) -> bool:
    return bool(_MAIN_CONTENT(node))


# Headings of related-article blocks ("Similar Articles", "More on this story", ...).
_RELATED_HEADING = re.compile(
    r"^(?:similar(?: articles| stories| posts| news)?|related(?: articles?| stories| posts| "
    r"content| links| news| reading| coverage| topics)?|more on (?:this|the) (?:story|topic)|"
    r"more (?:from|on|in|about) .{1,40}|more (?:stories|articles|news|like this)|"
    r"read more|read next|also read|see also|recommended(?: for you| stories| articles)?|"
    r"you (?:may|might) (?:also )?(?:like|enjoy|be interested in)|don.t miss|"
    r"weitere (?:artikel|beiträge|nachrichten|meldungen)|mehr zum thema(?: .{1,40})?|"
    r"(?:empfohlene|verwandte|ähnliche) (?:artikel|beiträge)|auch interessant|"
    r"das könnte (?:sie|dich) auch interessieren|lesen sie auch|"
    r"à lire aussi|sur le même sujet|articles similaires|te puede interesar|"
    r"(?:artículos|noticias|notas) relacionad[ao]s|leggi anche|articoli correlati|"
    r"ook interessant|lees ook)\W*$",
    re.I,
)
# Headings of other chrome sections that end the article text.
_CHROME_HEADING = re.compile(
    r"^(?:about (?:the )?authors?|share(?: this(?: article| story| post)?)?|comments?|"
    r"\d+ comments?|leave a (?:reply|comment)|join the (?:discussion|conversation)|tags|topics|"
    r"most (?:read|popular|viewed|shared)|trending(?: now)?|popular|latest(?: news| stories)?|"
    r"newsletter|sign up.{0,40}|subscribe.{0,40}|follow us.{0,30}|our latest tweets|"
    r"advertisement|kommentare|schlagworte|themen|commentaires)\W*$",
    re.I,
)


def is_related_heading(text: str) -> bool:
    """The heading of a block of links to other articles."""
    return len(text) <= 60 and bool(_RELATED_HEADING.match(text.strip()))


def is_chrome_heading(text: str) -> bool:
    """The heading of a section that is not article text (related, comments, author box...)."""
    text = text.strip()
    return len(text) <= 60 and bool(_RELATED_HEADING.match(text) or _CHROME_HEADING.match(text))
