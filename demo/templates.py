"""HTML of the demo site: the article templates, the shared page chrome and listing pages.

Each article template imitates a kind of page found on real UK regional news sites, with
the boilerplate that makes extraction hard (menus, cookie banners, share bars, ad slots,
newsletter boxes, sidebars, comments, footers). Renderers return ``str``; ``demo.site``
encodes them (UTF-8, or windows-1252 for the legacy pages).
"""

# ruff: noqa: E501, RUF001  (HTML templates keep one element a line; typographic quotes are the point)

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from html import escape

from demo.content import AUTHOR_BIOS, DATED, SMALL_BLOG, Comment
from demo.truth import ArticleTruth, Block, Subheading, image_path_of, london_to_utc, slugify
from items import ListBlock

SITE_NAME = "Chamberlain Files demo"
MONTHS = (
    "January", "February", "March", "April", "May", "June",
    "July", "August", "September", "October", "November", "December",
)
DAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
BROKEN_404 = "/2014/11/council-tax-freeze-confirmed/"  # a deleted story, still linked
BROKEN_500 = "/events/"  # an events calendar whose backend is down
PRIVATE_HINT = "/private/"

# Phrases linked inside article paragraphs, the first time each occurs in an article.
INLINE_LINKS = (
    ("Birmingham City Council", "/tag/birmingham-city-council/"),
    ("West Midlands Combined Authority", "/tag/west-midlands-combined-authority/"),
    ("Midland Metro", "/tag/metro/"),
    ("budget proposals", BROKEN_404),
    ("Commonwealth Games", "/tag/commonwealth-games/"),
)


def e(text: str) -> str:
    return escape(text, quote=True)


def month_abbr(value: date) -> str:
    return MONTHS[value.month - 1][:3]


def wp_date(value: date) -> str:
    """The reference theme's date: "28.Oct 2014"."""
    return f"{value.day:02d}.{month_abbr(value)} {value.year}"


def clock_12h(value: datetime) -> str:
    """ "10:31 am", "12:00 pm", "12:15 am"."""
    hour = value.hour % 12 or 12
    return f"{hour}:{value.minute:02d} {'am' if value.hour < 12 else 'pm'}"


def long_date(value: date) -> str:
    """ "December 5, 2017"."""
    return f"{MONTHS[value.month - 1]} {value.day}, {value.year}"


def iso_utc(value: datetime) -> str:
    return value.astimezone(UTC).isoformat()


def css_block(prefix: str, selectors: Sequence[str]) -> str:
    """A theme stylesheet inlined in the head, as many WordPress and CMS pages do."""
    properties = (
        "margin:0 0 1.5em", "padding:.5em 1em", "font-size:14px", "line-height:1.6",
        "color:#222", "border-bottom:1px solid #e5e5e5", "display:block",
        "text-transform:uppercase", "letter-spacing:.02em", "background:#f7f7f7",
    )
    rules = []
    for index, selector in enumerate(selectors):
        chosen = [properties[(index * 3 + step) % len(properties)] for step in range(4)]
        rules.append(f".{prefix}-{selector}{{{';'.join(chosen)}}}")
        rules.append(
            f"@media (max-width:{600 + index % 4 * 120}px){{.{prefix}-{selector}"
            f"{{{chosen[0]};{chosen[2]}}}}}"
        )
    return "<style type=\"text/css\">\n" + "\n".join(rules) + "\n</style>"


THEME_SELECTORS = tuple(
    f"{part}-{kind}"
    for part in ("header", "menu", "post", "widget", "footer", "sidebar", "related", "comment",
                 "share", "author", "block", "article", "tag", "search", "cookie", "pager")
    for kind in ("wrap", "inner", "title", "list", "item", "link", "meta", "icon", "text")
)


@dataclass(frozen=True, slots=True)
class Chrome:
    """What every page's menus and sidebars link to."""

    base: str
    articles: tuple[ArticleTruth, ...]  # public articles, newest first
    tags: tuple[str, ...]
    authors: tuple[str, ...]
    sections: tuple[str, ...]
    by_slug: dict[str, ArticleTruth] = field(default_factory=dict)

    def url(self, path: str) -> str:
        return self.base + path

    def popular(self, count: int, offset: int = 0) -> list[ArticleTruth]:
        # "Most read": a fixed, deterministic pick that spreads over templates and years.
        ordered = sorted(self.articles, key=lambda truth: (truth.post_id * 7919) % 101)
        return ordered[offset : offset + count]


def head_links(chrome: Chrome) -> str:
    return (
        f'<link rel="alternate" type="application/rss+xml" title="{SITE_NAME} &raquo; Feed" '
        f'href="{chrome.url("/feed/")}" />\n'
        f'<link rel="alternate" type="application/rss+xml" title="{SITE_NAME} &raquo; '
        f'Comments Feed" href="{chrome.url("/comments/feed/")}" />'
    )


def paragraph_html(text: str, used: set[str], chrome: Chrome) -> str:
    """A paragraph's HTML, linking each INLINE_LINKS phrase the first time it appears."""
    html = e(text)
    for phrase, path in INLINE_LINKS:
        if phrase in used or phrase not in text:
            continue
        used.add(phrase)
        html = html.replace(e(phrase), f'<a href="{chrome.url(path)}">{e(phrase)}</a>', 1)
    return html


def body_html(
    truth: ArticleTruth,
    chrome: Chrome,
    *,
    list_style: str = "html",
    figure_html: str = "",
    between: Sequence[str] = (),
    paragraph_tag: str = "p",
) -> str:
    """The article blocks as HTML.

    ``list_style`` "html" writes <ul>/<ol>; "bullet-br" writes "•" lines in one <p>;
    "bullet-p" writes one "•" <p> per item. ``between`` are boilerplate snippets (ads,
    related boxes, newsletter boxes) placed after the 2nd, 4th, 6th ... paragraph;
    ``figure_html`` goes after the first paragraph.
    """
    used: set[str] = set()
    parts: list[str] = []
    paragraphs = 0
    pending = list(between)
    for block in truth.blocks:
        parts.append(_block_html(block, used, chrome, list_style, paragraph_tag))
        if isinstance(block, str):
            paragraphs += 1
            if paragraphs == 1 and figure_html:
                parts.append(figure_html)
            if paragraphs % 2 == 0 and pending and not block.endswith(":"):
                parts.append(pending.pop(0))
    parts.extend(pending)
    return "\n".join(parts)


def _block_html(
    block: Block, used: set[str], chrome: Chrome, list_style: str, paragraph_tag: str
) -> str:
    if isinstance(block, Subheading):
        return f"<h2>{e(block.text)}</h2>"
    if isinstance(block, ListBlock):
        if list_style == "bullet-br":
            return "<p>" + "<br />\n".join(f"• {e(item)}" for item in block.items) + "</p>"
        if list_style == "bullet-p":
            return "\n".join(f"<p>• {e(item)}</p>" for item in block.items)
        tag = "ol" if block.ordered else "ul"
        items = "\n".join(f"<li>{e(item)}</li>" for item in block.items)
        return f"<{tag}>\n{items}\n</{tag}>"
    close = "" if paragraph_tag == "P" else "</p>"  # legacy pages leave <P> unclosed
    return f"<{paragraph_tag}>{paragraph_html(block, used, chrome)}{close}"


def image_url(truth: ArticleTruth, chrome: Chrome) -> str:
    return chrome.url(image_path_of(truth.spec))


def byline_names(names: Sequence[str], link: bool, chrome: Chrome) -> str:
    rendered = [
        f'<a href="{chrome.url(f"/author/{slugify(name)}/")}" rel="author">{e(name)}</a>'
        if link else e(name)
        for name in names
    ]
    if len(rendered) <= 1:
        return "".join(rendered)
    return ", ".join(rendered[:-1]) + " and " + rendered[-1]


# -- WordPress theme (the reference article's markup) -----------------------------------------


def wordpress_page(
    chrome: Chrome,
    *,
    title: str,
    main: str,
    head_extra: str = "",
    body_class: str = "page",
    page_title: str | None = None,
) -> str:
    """A whole page in the site's current WordPress theme (header, sidebar, footer)."""
    menu = "\n".join(
        f'<li class="menu-item"><a href="{chrome.url(f"/category/{slugify(name)}/")}">'
        f"{e(name)}</a></li>"
        for name in chrome.sections
    )
    heading = (
        f'<div class="page-title">\n<h2>{e(page_title)}</h2>\n</div>\n' if page_title else ""
    )
    return f"""<!DOCTYPE html>
<html lang="en-GB" prefix="og: http://ogp.me/ns#">
<head>
<meta charset="UTF-8" />
<meta name="viewport" content="width=device-width, initial-scale=1, maximum-scale=1" />
<title>{e(title)} | {SITE_NAME}</title>
<link rel="profile" href="http://gmpg.org/xfn/11" />
{head_extra}
{head_links(chrome)}
<link rel='stylesheet' id='orange-style-css' href='{chrome.url("/wp-content/themes/legatus-theme/style.css?ver=4.8.3")}' type='text/css' media='all' />
{css_block("lg", THEME_SELECTORS)}
<meta name="generator" content="WordPress 4.8.3" />
</head>
<body class="{body_class}">
<div id="cookie-notice" class="cookie-notice" role="banner">
<div class="cookie-notice-container">
<span id="cn-notice-text">We use cookies to ensure that we give you the best experience on our website. If you continue to use this site we will assume that you are happy with it.</span>
<a href="#" id="cn-accept-cookie" class="cn-set-cookie button">Ok</a>
<a href="{chrome.url("/privacy-policy/")}" id="cn-more-info" class="cn-more-info button">Read more</a>
</div>
</div>
<div id="wrapper" class="wide">
<header id="header" role="banner">
<div class="header-top"><div class="container">
<ul class="top-menu">
<li><a href="{chrome.url("/about/")}">About</a></li>
<li><a href="{chrome.url("/contact/")}">Contact</a></li>
<li><a href="{chrome.url("/subscribe/")}">Subscribe</a></li>
<li><a href="{chrome.url(BROKEN_500)}">Events</a></li>
</ul>
<ul class="social-media">
<li><a href="https://twitter.com/chamberlainfile" class="twitter"><span class="icon-twitter"></span></a></li>
<li><a href="{chrome.url("/feed/")}" class="rss"><span class="icon-rss"></span></a></li>
</ul>
</div></div>
<div class="container">
<div class="logo"><a href="{chrome.url("/")}" title="{SITE_NAME} | Homepage"><img src="{chrome.url("/wp-content/uploads/2014/03/chamberlain-files-logo.png")}" alt="{SITE_NAME} | Homepage" /></a>
<span class="site-title">{SITE_NAME} | Homepage</span></div>
<div class="header-search"><form method="get" action="{chrome.url("/")}" class="search-form"><input type="text" name="s" placeholder="Search..." /><button type="submit"><span class="icon-search"></span></button></form></div>
</div>
<nav id="main-menu" class="main-menu" role="navigation"><div class="container">
<ul id="menu-main" class="menu">
<li class="menu-item"><a href="{chrome.url("/")}">Home</a></li>
{menu}
<li class="menu-item"><a href="{chrome.url("/blog/")}">Neighbourhood notes</a></li>
<li class="menu-item"><a href="{chrome.url("/archive/")}">Archive</a></li>
<li class="menu-item"><a href="{chrome.url("/gallery/bull-ring-christmas-market-in-pictures/")}">Pictures</a></li>
</ul>
</div></nav>
</header>
<section id="content">
<div class="container">
{heading}<div class="main-content">
{main}
</div>
{wordpress_sidebar(chrome)}
</div>
</section>
{wordpress_footer(chrome)}
</div>
<script type='text/javascript'>
/* <![CDATA[ */
var cnArgs = {{"hideEffect":"fade","onScroll":"no","cookieName":"cookie_notice_accepted","cookieValue":"true","cookieTime":"2592000","cookiePath":"\\/","secure":"0"}};
/* ]]> */
</script>
<script type='text/javascript' src='{chrome.url("/wp-content/themes/legatus-theme/js/scripts.js?ver=4.8.3")}'></script>
</body>
</html>
"""


def wordpress_sidebar(chrome: Chrome) -> str:
    popular = "\n".join(
        f'<li><a href="{chrome.url(truth.path)}">{e(truth.title)}</a>'
        f'<span class="post-date">🕔{wp_date(truth.published_utc.date())}</span></li>'
        for truth in chrome.popular(8)
    )
    # Editor's picks carry campaign parameters, as links from newsletters and promos do.
    picks = "\n".join(
        f'<li><a href="{chrome.url(truth.path)}?utm_source=sidebar&amp;utm_medium=editors-picks'
        f'&amp;utm_campaign=weekly">{e(truth.title)}</a><p>{e(truth.excerpt)}</p></li>'
        for truth in chrome.popular(3, offset=8)
    )
    tags = " ".join(
        f'<a href="{chrome.url(f"/tag/{slugify(tag)}/")}" class="tag-cloud-link" '
        f'style="font-size: {8 + len(tag) % 7}pt;">{e(tag)}</a>'
        for tag in chrome.tags
    )
    authors = "\n".join(
        f'<li><a href="{chrome.url(f"/author/{slugify(name)}/")}">{e(name)}</a></li>'
        for name in chrome.authors
    )
    tweets = "\n".join(
        f'<li class="tweet"><span class="tweet-text">{e(text)}</span> '
        f'<span class="tweet-time">{when}</span></li>'
        for text, when in (
            ("New on the site: how the 4.99% council tax rise adds up.", "2h"),
            ("Cabinet papers for next Tuesday are out. Thread to follow.", "5h"),
            ("Our weekly summary goes out on Friday: sign up via the link in our bio.", "1d"),
            ("Reminder: the combined authority board meets in public at 11am.", "2d"),
            ("Five years of equal pay: a timeline.", "3d"),
        )
    )
    return f"""<aside id="sidebar" class="sidebar" role="complementary">
<div id="mc4wp_form_widget-2" class="widget widget_mc4wp_form_widget">
<div class="block-title"><h3>Chamberlain Files Weekly</h3></div>
<form id="mc4wp-form-1" class="mc4wp-form mc4wp-form-basic" method="post" data-name="Chamberlain Files Weekly">
<div class="mc4wp-form-fields">
<p>Don't miss a thing! Sign up for our free weekly summary of the {SITE_NAME}.</p>
<div class="mc-field-group"><label for="mce-EMAIL">Email Address <span class="asterisk">*</span></label><input type="email" name="EMAIL" id="mce-EMAIL" required /></div>
<div class="mc-field-group"><label for="mce-FNAME">First Name</label><input type="text" name="FNAME" id="mce-FNAME" /></div>
<div class="indicates-required"><span class="asterisk">*</span> = required field</div>
<p><input type="submit" value="Subscribe" /></p>
</div>
</form>
<p class="mc4wp-powered"><a href="https://mailchimp.com/">powered by MailChimp!</a></p>
</div>
<div class="widget widget_popular_posts">
<div class="block-title"><h3>Most read</h3></div>
<ul class="popular-posts">
{popular}
</ul>
</div>
<div class="widget widget_editors_picks">
<div class="block-title"><h3>Editor’s picks</h3></div>
<ul class="editors-picks">
{picks}
</ul>
</div>
<div class="widget orange-tweets">
<div class="block-title"><h3>Our latest tweets</h3></div>
<ul class="tweet-list">
{tweets}
</ul>
</div>
<div class="widget widget_tag_cloud">
<div class="block-title"><h3>Topics</h3></div>
<div class="tagcloud">{tags}</div>
</div>
<div class="widget widget_authors">
<div class="block-title"><h3>Our writers</h3></div>
<ul>
{authors}
</ul>
</div>
<div class="widget widget_searches">
<div class="block-title"><h3>Popular searches</h3></div>
<ul>
<li><a href="{chrome.url("/?s=council")}">council</a></li>
<li><a href="{chrome.url("/?s=metro")}">metro</a></li>
</ul>
</div>
<div class="widget widget_media_image">
<div class="block-title"><h3>Published by</h3></div>
<a href="http://www.example.org/publisher/"><img width="300" height="120" src="{chrome.url("/wp-content/uploads/2015/04/publisher-logo-300x120.png")}" alt="" /></a>
</div>
</aside>"""


def wordpress_footer(chrome: Chrome) -> str:
    return f"""<footer id="footer" role="contentinfo">
<div class="container">
<div class="widget"><div class="block-title"><h3>Our community</h3></div>
<p>The {SITE_NAME} is a replica of a regional politics site, built for testing. Every article except the reference article is invented.</p>
<ul class="footer-menu">
<li><a href="{chrome.url("/about/")}">About us</a></li>
<li><a href="{chrome.url("/contact")}">Contact</a></li>
<li><a href="{chrome.url("/privacy-policy/")}">Privacy policy</a></li>
<li><a href="{chrome.url("/community/")}">Community guidelines</a></li>
<li><a href="{chrome.url("/feed/")}">RSS</a></li>
</ul>
</div>
</div>
<div class="footer-bottom"><div class="container">
<p class="copyright">&copy; 2024 {SITE_NAME}. All rights reserved.</p>
</div></div>
</footer>"""


def wordpress_comments(comments: Sequence[Comment], path: str, chrome: Chrome) -> str:
    items = "\n".join(
        f"""<li id="comment-{index + 1}" class="comment">
<div class="comment-author vcard"><cite class="fn">{e(comment.name)}</cite> <span class="says">says:</span></div>
<div class="comment-meta commentmetadata"><a href="{chrome.url(path)}#comment-{index + 1}">{long_date(comment.when)} at {clock_12h(comment.when)}</a></div>
<p>{e(comment.text)}</p>
</li>"""
        for index, comment in enumerate(comments)
    )
    listing = (
        f'<h3 class="comments-title">{len(comments)} '
        f'Comment{"s" if len(comments) != 1 else ""}</h3>\n<ol class="comment-list">\n{items}\n</ol>\n'
        if comments else ""
    )
    return f"""<div id="comments" class="comments-area">
{listing}<div id="respond" class="comment-respond">
<h3 id="reply-title" class="comment-reply-title">Leave a Reply</h3>
<p class="must-log-in">You must be <a href="{chrome.url("/wp-login.php")}">logged in</a> to post a comment.</p>
</div>
</div>"""


def similar_articles(truth: ArticleTruth, chrome: Chrome) -> str:
    items = []
    for link in truth.related:
        target = next(t for t in chrome.by_slug.values() if t.url == link.url)
        anchor = "#comments" if link.comments else "#respond"
        items.append(f"""<div class="article-small">
<div class="article-image"><a href="{e(link.url)}" class="image-hover"><img width="270" height="180" src="{image_url(target, chrome)}" alt="" /><span class="hover-title">{e(link.title)}</span></a></div>
<h4 class="article-title"><a href="{e(link.url)}" rel="bookmark">{e(link.title)}</a> <a href="{e(link.url)}{anchor}" class="comments-link"><span class="icon-comment"></span>{link.comments}</a></h4>
<p class="article-excerpt">{e(link.teaser or "")}</p>
</div>""")
    if not items:
        return ""
    joined = "\n".join(items)
    return f"""<div class="related-articles">
<div class="block-title"><h3>Similar Articles</h3></div>
<div class="row">
{joined}
</div>
</div>"""


def render_wordpress(truth: ArticleTruth, chrome: Chrome) -> str:
    spec = truth.spec
    figure = (
        f'<figure id="attachment_{truth.post_id + 1}" class="wp-caption aligncenter">'
        f'<img src="{image_url(truth, chrome)}" width="640" height="400" alt="" />'
        f'<figcaption class="wp-caption-text">{e(spec.figure)}</figcaption></figure>'
        if spec.figure else ""
    )
    tags = "\n".join(
        f'<a href="{chrome.url(f"/tag/{slugify(tag)}/")}" rel="tag">{e(tag)}</a>'
        for tag in truth.tags
    )
    bios = "\n".join(
        f'<h4 class="author-name"><a href="{chrome.url(f"/author/{slugify(name)}/")}">{e(name)}'
        f'</a></h4>\n<p class="author-bio">{e(AUTHOR_BIOS.get(name, ""))}</p>'
        for name in truth.authors
    )
    byline = (
        f'<span class="post-author">by {byline_names(truth.authors, True, chrome)}</span>'
        if truth.authors else ""
    )
    section = truth.section or "News"
    head = f"""<meta name="description" content="{e(truth.summary or "")}"/>
<link rel="canonical" href="{truth.url}" />
<meta property="og:locale" content="en_GB" />
<meta property="og:type" content="article" />
<meta property="og:title" content="{e(truth.title)} | {SITE_NAME}" />
<meta property="og:description" content="{e(truth.summary or "")}" />
<meta property="og:url" content="{truth.url}" />
<meta property="og:site_name" content="{SITE_NAME}" />
<meta property="article:section" content="{e(section)}" />
<meta property="og:image" content="{image_url(truth, chrome)}" />
<link rel="alternate" type="application/rss+xml" title="{SITE_NAME} &raquo; {e(truth.title)} Comments Feed" href="{truth.url}feed/" />
<link rel='shortlink' href='{chrome.url(f"/?p={truth.post_id}")}' />"""
    main = f"""<article id="post-{truth.post_id}" class="post-{truth.post_id} post type-post status-publish format-standard hentry category-{slugify(section)}">
<div class="post-header">
<h1 class="entry-title">{e(truth.title)}</h1>
<div class="post-meta">
<span class="post-date"><span class="icon-clock" aria-hidden="true">🕔</span>{wp_date(truth.spec.when)}</span>
{byline}
</div>
</div>
<div class="share-post">
<a href="https://twitter.com/intent/tweet?url={e(truth.url)}" class="share-twitter"><span class="icon-twitter"></span></a>
<a href="https://www.facebook.com/sharer/sharer.php?u={e(truth.url)}" class="share-facebook"><span class="icon-facebook"></span></a>
<a href="mailto:?subject={e(truth.title)}" class="share-email"><span class="icon-mail"></span></a>
</div>
<div class="post-content entry-content">
{body_html(truth, chrome, figure_html=figure)}
</div>
<div class="post-tags">
{tags}
</div>
</article>
{similar_articles(truth, chrome)}
<div class="about-author">
<div class="block-title"><h3>About Author</h3></div>
<div class="author-content">
{bios}
</div>
</div>
{wordpress_comments(truth.comments, truth.path, chrome)}"""
    return wordpress_page(
        chrome,
        title=truth.title,
        main=main,
        head_extra=head,
        body_class=f"post-template-default single single-post postid-{truth.post_id}",
        page_title=truth.title,
    )


# -- Big regional group: JSON-LD @graph, <time datetime>, ads, "More on this story" ---------


def render_group(truth: ArticleTruth, chrome: Chrome) -> str:
    spec = truth.spec
    published = truth.published
    modified = truth.modified
    assert isinstance(published, datetime) and isinstance(modified, datetime)
    local_published = spec.when
    assert isinstance(local_published, datetime)
    organization = {"@type": "NewsMediaOrganization", "@id": chrome.url("/#organization"),
                    "name": SITE_NAME, "url": chrome.url("/"),
                    "logo": {"@type": "ImageObject",
                             "url": chrome.url("/images/group-logo.png")}}
    graph = {
        "@context": "https://schema.org",
        "@graph": [
            {"@type": "WebSite", "@id": chrome.url("/#website"), "url": chrome.url("/"),
             "name": SITE_NAME, "publisher": {"@id": chrome.url("/#organization")}},
            organization,
            {"@type": "WebPage", "@id": truth.url, "url": truth.url,
             "name": f"{truth.title} - {SITE_NAME}", "isPartOf": {"@id": chrome.url("/#website")}},
            {
                "@type": "NewsArticle",
                "@id": truth.url + "#article",
                "mainEntityOfPage": {"@id": truth.url},
                "headline": truth.title,
                "description": truth.summary,
                "datePublished": iso_utc(published),
                "dateModified": iso_utc(modified),
                "author": [
                    {"@type": "Person", "name": name,
                     "url": chrome.url(f"/author/{slugify(name)}/")}
                    for name in truth.authors
                ],
                "publisher": {"@id": chrome.url("/#organization")},
                "articleSection": truth.section,
                "keywords": list(truth.tags),
                "isAccessibleForFree": True,
                "image": {"@type": "ImageObject", "url": image_url(truth, chrome),
                          "width": 1200, "height": 800},
            },
            {
                "@type": "BreadcrumbList",
                "itemListElement": [
                    {"@type": "ListItem", "position": 1, "name": "Home", "item": chrome.url("/")},
                    {"@type": "ListItem", "position": 2, "name": truth.section,
                     "item": chrome.url(f"/category/{slugify(truth.section or 'news')}/")},
                ],
            },
        ],
    }
    ads = [
        f'<div class="ad-slot ad-slot--mpu" id="div-gpt-ad-{truth.post_id}-{n}" '
        f'data-slot="mpu-{n}"><span class="ad-label">Advertisement</span></div>'
        for n in (1, 2, 3)
    ]
    related_items = "\n".join(
        f'<li class="related-box__item"><a href="{e(link.url)}">{e(link.title)}</a></li>'
        for link in truth.related
    )
    related_box = f"""<aside class="related-box" data-component="more-on-this-story">
<h2 class="related-box__title">More on this story</h2>
<ul class="related-box__list">
{related_items}
</ul>
</aside>"""
    newsletter = f"""<div class="newsletter-signup" data-component="newsletter">
<p class="newsletter-signup__title">Get the biggest stories from Birmingham and the West Midlands straight to your inbox</p>
<form action="{chrome.url("/subscribe/")}" method="get"><input type="email" name="email" placeholder="Enter email" /><button type="submit">Subscribe</button></form>
<p class="newsletter-signup__small">We use your sign-up to provide content in ways you’ve consented to. See our <a href="{chrome.url("/privacy-policy/")}">privacy notice</a>.</p>
</div>"""
    figure = (
        f'<figure class="article-image"><img src="{image_url(truth, chrome)}" alt="" '
        f'width="1200" height="800" /><figcaption>{e(spec.figure)}</figcaption></figure>'
        if spec.figure else ""
    )
    between = [ads[0], related_box, ads[1], newsletter] if truth.related else [ads[0], ads[1]]
    updated = (
        f'<span class="article-updated">Updated <time datetime="{iso_utc(modified)}">'
        f"{group_clock(spec.modified)}</time></span>"
        if spec.modified else ""
    )
    nav = "\n".join(
        f'<li><a href="{chrome.url(f"/category/{slugify(name)}/")}">{e(name)}</a></li>'
        for name in chrome.sections
    )
    network = "\n".join(
        f'<li><a href="https://www.example.com/{slug}/">{e(name)}</a></li>'
        for slug, name in (
            ("coventry", "Coventry demo"), ("wolverhampton", "Wolverhampton demo"),
            ("stoke", "Stoke demo"), ("leicester", "Leicester demo"),
            ("nottingham", "Nottingham demo"), ("derby", "Derby demo"),
        )
    )
    most_read = "\n".join(
        f'<li><span class="rank">{rank}</span><a href="{chrome.url(item.path)}">{e(item.title)}'
        "</a></li>"
        for rank, item in enumerate(chrome.popular(10, offset=2), start=1)
    )
    tags = "\n".join(
        f'<li><a href="{chrome.url(f"/tag/{slugify(tag)}/")}">{e(tag)}</a></li>'
        for tag in truth.tags
    )
    return f"""<!DOCTYPE html>
<html lang="en-GB">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{e(truth.title)} - {SITE_NAME}</title>
<meta name="description" content="{e(truth.summary or "")}">
<link rel="canonical" href="{truth.url}">
<meta property="og:type" content="article">
<meta property="og:title" content="{e(truth.title)}">
<meta property="og:description" content="{e(truth.summary or "")}">
<meta property="og:url" content="{truth.url}">
<meta property="og:image" content="{image_url(truth, chrome)}">
<meta property="og:site_name" content="{SITE_NAME}">
<meta name="twitter:card" content="summary_large_image">
{head_links(chrome)}
<script type="application/ld+json">{json.dumps(graph, ensure_ascii=False)}</script>
{css_block("grp", THEME_SELECTORS)}
<script>window.dataLayer=window.dataLayer||[];window.dataLayer.push({{"pageType":"article","articleId":"{truth.post_id}","section":"{e(truth.section or "")}","premium":false}});</script>
</head>
<body class="article-page">
<div class="consent-banner" role="dialog" aria-label="Cookie consent">
<h2 class="consent-banner__title">We value your privacy</h2>
<p>We and our partners store and access information on your device, such as cookies, and process personal data, such as unique identifiers, for personalised advertising and content, advertising and content measurement, audience research and services development.</p>
<p>With your permission we and our partners may use precise geolocation data. You may click to consent to our and our partners’ processing as described above.</p>
<button class="consent-banner__accept">I Accept</button> <button class="consent-banner__options">Show Purposes</button>
</div>
<header class="site-header">
<a class="site-header__logo" href="{chrome.url("/")}"><img src="{chrome.url("/images/group-logo.png")}" alt="{SITE_NAME}"></a>
<nav class="primary-nav"><ul>
<li><a href="{chrome.url("/")}">Home</a></li>
{nav}
<li><a href="{chrome.url("/blog/")}">Community</a></li>
</ul></nav>
</header>
<div class="ad-slot ad-slot--leaderboard" data-slot="leaderboard"><span class="ad-label">Advertisement</span></div>
<main class="article-main">
<nav class="breadcrumbs" aria-label="Breadcrumb"><a href="{chrome.url("/")}">Home</a> <span>&gt;</span> <a href="{chrome.url(f"/category/{slugify(truth.section or 'news')}/")}">{e(truth.section or "News")}</a></nav>
<article class="article" data-article-id="{truth.post_id}">
<header class="article-header">
<h1 class="article-title">{e(truth.title)}</h1>
<p class="standfirst">{e(truth.summary or "")}</p>
<div class="byline">
<span class="byline__authors">By {byline_names(truth.authors, True, chrome)}</span>
<span class="byline__date"><time datetime="{iso_utc(published)}">{group_clock(local_published)}</time></span>
{updated}
</div>
<div class="share-bar"><a href="https://www.facebook.com/sharer.php?u={e(truth.url)}">Facebook</a> <a href="https://twitter.com/intent/tweet?url={e(truth.url)}">Twitter</a> <a href="https://wa.me/?text={e(truth.url)}">WhatsApp</a> <a href="mailto:?body={e(truth.url)}">Email</a></div>
</header>
<div class="article-body" itemprop="articleBody">
{body_html(truth, chrome, figure_html=figure, between=between)}
</div>
<ul class="article-topics">
{tags}
</ul>
</article>
<section class="comments-closed"><h2>Comments</h2><p>Comments are closed on this article.</p></section>
</main>
<aside class="rail">
<div class="ad-slot ad-slot--mpu" data-slot="rail-mpu"><span class="ad-label">Advertisement</span></div>
<section class="most-read"><h2>Most Read</h2><ol>
{most_read}
</ol></section>
</aside>
<footer class="site-footer">
<nav><ul>
<li><a href="{chrome.url("/about/")}">About us</a></li>
<li><a href="{chrome.url("/contact/")}">Contact us</a></li>
<li><a href="{chrome.url("/privacy-policy/")}">Privacy notice</a></li>
</ul></nav>
<h3>Our network</h3>
<ul class="network">
{network}
</ul>
<p class="site-footer__copyright">&copy; 2024 {SITE_NAME} Ltd. All rights reserved.</p>
</footer>
</body>
</html>
"""


def group_clock(value: date | datetime | None) -> str:
    """The group's printed time: "18:45, 3 NOV 2014" (local time)."""
    assert isinstance(value, datetime)
    return f"{value.hour:02d}:{value.minute:02d}, {value.day} {month_abbr(value).upper()} {value.year}"


# -- Small site: no metadata; "Tuesday, October 28, 2014" or "Posted on 05/11/2014" ----------


BLOGROLL = (
    "moseley-society", "kings-heath-bid", "balsall-heath-forum", "brum-cycling", "canal-friends",
    "hall-green-news", "digbeth-is-good", "stirchley-stuff", "bournville-village", "selly-oak-notes",
    "harborne-hub", "acocks-green-focus", "sparkbrook-voices", "handsworth-history",
    "jewellery-quarter-news", "erdington-local", "northfield-news", "yardley-wood-diary",
    "brum-planning-watch", "west-mids-transport-blog", "brum-allotments", "south-brum-schools",
    "library-campaign", "brum-buses", "friends-of-cannon-hill-park",
)


def small_blog_page(chrome: Chrome, *, title: str, main: str) -> str:
    posts = [t for t in chrome.articles if t.template == SMALL_BLOG]
    archive = "\n".join(
        f'<li><a href="{chrome.url(t.path)}">{e(t.title)}</a></li>' for t in posts
    )
    labels = sorted({tag for t in posts for tag in t.tags})
    label_links = "\n".join(
        f'<li><a href="{chrome.url(f"/tag/{slugify(tag)}/")}">{e(tag)}</a></li>' for tag in labels
    )
    page_title = f"{SITE_NAME}: {title}" if title else SITE_NAME
    popular = "\n".join(
        f'<li><a href="{chrome.url(t.path)}">{e(t.title)}</a><div class="item-snippet">'
        f"{e(t.excerpt)}…</div></li>"
        for t in chrome.popular(6, offset=4)
    )
    blogroll = "\n".join(
        f'<li><a href="https://{slug}.example.net/">{e(slug.replace("-", " ").title())}</a></li>'
        for slug in BLOGROLL
    )
    return f"""<!DOCTYPE html>
<html lang="en-GB">
<head>
<meta charset="utf-8">
<title>{e(page_title)}</title>
{head_links(chrome)}
{css_block("blog", THEME_SELECTORS)}
<script type="text/javascript">var _blogConfig = {json.dumps({"widgets": [f"Widget{n}" for n in range(40)], "locale": "en-GB", "homepage": chrome.url("/blog/")})};</script>
</head>
<body>
<div class="navbar section" id="navbar"><iframe src="about:blank" title="Blog navigation" height="30" width="100%"></iframe></div>
<div id="outer-wrapper">
<div id="header">
<p class="blog-title"><a href="{chrome.url("/blog/")}">{SITE_NAME} – Neighbourhood Notes</a></p>
<p class="description">News from Moseley, Kings Heath and Balsall Heath, by your neighbours.</p>
</div>
<div id="crosscol"><ul>
<li><a href="{chrome.url("/")}">Main site</a></li>
<li><a href="{chrome.url("/blog/")}">Blog home</a></li>
<li><a href="{chrome.url("/about/")}">About</a></li>
</ul></div>
<div id="main-wrapper">
{main}
</div>
<div id="sidebar-wrapper">
<div class="widget Profile"><h2>About us</h2><p>A volunteer-run news blog for south Birmingham. Tips and letters always welcome.</p></div>
<div class="widget BlogArchive"><h2>Blog Archive</h2><ul>
{archive}
</ul></div>
<div class="widget Label"><h2>Labels</h2><ul>
{label_links}
</ul></div>
<div class="widget Subscribe"><h2>Subscribe To</h2><p><a href="{chrome.url("/feed/")}">Posts (Atom)</a></p></div>
<div class="widget PopularPosts"><h2>Popular Posts</h2><ul>
{popular}
</ul></div>
<div class="widget LinkList"><h2>Blog roll</h2><ul>
{blogroll}
</ul></div>
</div>
<div id="footer-wrapper"><p>&copy; 2024 {SITE_NAME} – Neighbourhood Notes. Powered by a very old blog engine.</p></div>
</div>
</body>
</html>
"""


def render_small_blog(truth: ArticleTruth, chrome: Chrome) -> str:
    spec = truth.spec
    when = spec.when
    authors = byline_names(truth.authors, False, chrome)
    if spec.variant == "posted-on":
        dated = (
            f'<div class="entry-meta">Posted on <a href="{chrome.url(truth.path)}" '
            f'rel="bookmark">{when.day:02d}/{when.month:02d}/{when.year}</a> by {authors}</div>'
        )
        list_style = "bullet-p"
        date_header = ""
    else:
        dated = f'<p class="byline">By {authors}</p>'
        list_style = "bullet-br"
        date_header = (
            f'<h2 class="date-header"><span>{DAYS[when.weekday()]}, '
            f"{long_date(when)}</span></h2>"
        )
    read_more = "\n".join(
        f'<p><b>Read more:</b> <a href="{e(link.url)}">{e(link.title)}</a></p>'
        for link in truth.related
    )
    labels = ", ".join(
        f'<a href="{chrome.url(f"/tag/{slugify(tag)}/")}" rel="tag">{e(tag)}</a>'
        for tag in truth.tags
    )
    comments = "\n".join(
        f'<dt class="comment-author">{e(c.name)} said...</dt>\n<dd class="comment-body">'
        f"<p>{e(c.text)}</p></dd>\n<dd class=\"comment-footer\"><span class=\"comment-timestamp\">"
        f"{c.when.day} {MONTHS[c.when.month - 1]} {c.when.year} at {c.when:%H:%M}</span></dd>"
        for c in truth.comments
    )
    posts = [t for t in chrome.articles if t.template == SMALL_BLOG]
    index = posts.index(truth)
    newer = posts[index - 1] if index > 0 else None
    older = posts[index + 1] if index + 1 < len(posts) else None
    pager = " ".join(
        part
        for part in (
            f'<a class="blog-pager-newer-link" href="{chrome.url(newer.path)}">Newer Post</a>'
            if newer else "",
            f'<a class="home-link" href="{chrome.url("/blog/")}">Home</a>',
            f'<a class="blog-pager-older-link" href="{chrome.url(older.path)}">Older Post</a>'
            if older else "",
        )
        if part
    )
    main = f"""{date_header}
<div class="post hentry">
<h2 class="post-title entry-title">{e(truth.title)}</h2>
{dated}
<div class="post-body entry-content">
{body_html(truth, chrome, list_style=list_style)}
{read_more}
</div>
<div class="post-footer">Labels: {labels}</div>
</div>
<div class="comments" id="comments">
<h4>{len(truth.comments)} comments:</h4>
<dl id="comments-block">
{comments}
</dl>
<p class="comment-footer"><a href="{chrome.url("/wp-login.php")}">Post a Comment</a></p>
</div>
<div class="blog-pager" id="blog-pager">{pager}</div>"""
    return small_blog_page(chrome, title=truth.title, main=main)


# -- Dated permalinks: "Nov 6, 2014 at 10:31 am", published/modified meta, Jetpack ---------


def dated_page(chrome: Chrome, *, title: str, main: str, head_extra: str = "") -> str:
    recent = "\n".join(
        f'<li><a href="{chrome.url(t.path)}">{e(t.title)}</a></li>'
        for t in chrome.articles if t.template == DATED
    )
    recent_comments = "\n".join(
        f'<li class="recentcomments"><span class="comment-author-link">{e(c.name)}</span> on '
        f'<a href="{chrome.url(t.path)}#comments">{e(t.title)}</a> '
        f'<span class="comment-date">{dated_clock(c.when)}</span></li>'
        for t in chrome.articles if t.template == DATED for c in t.comments
    )
    categories = "\n".join(
        f'<li class="cat-item"><a href="{chrome.url(f"/category/{slugify(name)}/")}">{e(name)}</a></li>'
        for name in chrome.sections
    )
    return f"""<!DOCTYPE html>
<html lang="en-GB">
<head>
<meta charset="UTF-8">
<meta name="viewport" content="width=device-width">
<title>{e(title)} – {SITE_NAME}</title>
{head_extra}
{head_links(chrome)}
{css_block("tf", THEME_SELECTORS)}
</head>
<body class="single single-post">
<div id="page" class="hfeed site">
<header id="masthead" class="site-header" role="banner">
<div class="header-main">
<p class="site-title"><a href="{chrome.url("/")}" rel="home">{SITE_NAME}</a></p>
<nav id="primary-navigation" class="site-navigation primary-navigation" role="navigation">
<ul class="nav-menu">
<li><a href="{chrome.url("/")}">Home</a></li>
<li><a href="{chrome.url("/category/elections/")}">Elections</a></li>
<li><a href="{chrome.url("/category/birmingham/")}">Birmingham</a></li>
<li><a href="{chrome.url("/about/")}">About</a></li>
</ul>
</nav>
</div>
</header>
<div id="main" class="site-main">
<div id="primary" class="content-area"><div id="content" class="site-content" role="main">
{main}
</div></div>
<div id="secondary" role="complementary">
<aside class="widget widget_recent_entries"><h1 class="widget-title">Recent Posts</h1><ul>
{recent}
</ul></aside>
<aside class="widget widget_recent_comments"><h1 class="widget-title">Recent Comments</h1><ul>
{recent_comments}
</ul></aside>
<aside class="widget widget_categories"><h1 class="widget-title">Categories</h1><ul>
{categories}
</ul></aside>
<aside class="widget widget_meta"><h1 class="widget-title">Meta</h1><ul>
<li><a href="{chrome.url("/wp-login.php")}">Log in</a></li>
<li><a href="{chrome.url("/feed/")}">Entries <abbr title="Really Simple Syndication">RSS</abbr></a></li>
<li><a href="{chrome.url("/comments/feed/")}">Comments <abbr title="Really Simple Syndication">RSS</abbr></a></li>
</ul></aside>
</div>
</div>
<footer id="colophon" class="site-footer" role="contentinfo">
<div class="site-info">&copy; 2024 {SITE_NAME} · Proudly powered by WordPress</div>
</footer>
</div>
</body>
</html>
"""


def dated_clock(value: datetime) -> str:
    """ "Nov 6, 2014 at 10:31 am" (local time)."""
    return f"{month_abbr(value)} {value.day}, {value.year} at {clock_12h(value)}"


def render_dated(truth: ArticleTruth, chrome: Chrome) -> str:
    spec = truth.spec
    when = spec.when
    assert isinstance(when, datetime) and isinstance(truth.published, datetime)
    modified = truth.modified
    head = [
        f'<link rel="canonical" href="{truth.url}" />',
        f'<meta name="description" content="{e(truth.summary or "")}" />',
        '<meta property="og:type" content="article" />',
        f'<meta property="og:title" content="{e(truth.title)}" />',
        f'<meta property="og:url" content="{truth.url}" />',
        f'<meta property="og:description" content="{e(truth.summary or "")}" />',
        f'<meta property="article:published_time" content="{truth.published.isoformat()}" />',
    ]
    if isinstance(modified, datetime):
        head.append(f'<meta property="article:modified_time" content="{modified.isoformat()}" />')
        head.append(f'<meta property="og:updated_time" content="{modified.isoformat()}" />')
    if truth.section:
        head.append(f'<meta property="article:section" content="{e(truth.section)}" />')
    head.extend(f'<meta property="article:tag" content="{e(tag)}" />' for tag in truth.tags)
    updated = (
        f'<span class="updated-on">Last updated {dated_clock(spec.modified)}</span>'
        if spec.modified else ""
    )
    related = "\n".join(
        f"""<div class="jp-relatedposts-post" data-post-id="{chrome.by_slug[slug].post_id}">
<h4 class="jp-relatedposts-post-title"><a class="jp-relatedposts-post-a" href="{chrome.url(chrome.by_slug[slug].path)}" rel="nofollow">{e(chrome.by_slug[slug].title)}</a></h4>
<p class="jp-relatedposts-post-excerpt">{e(chrome.by_slug[slug].excerpt)}</p>
<p class="jp-relatedposts-post-date">{long_date(chrome.by_slug[slug].published_utc.date())}</p>
<p class="jp-relatedposts-post-context">In &quot;{e(chrome.by_slug[slug].section or "News")}&quot;</p>
</div>"""
        for slug in spec.related
    )
    comments = "\n".join(
        f"""<li class="comment" id="li-comment-{index}"><article class="comment-body">
<footer class="comment-meta"><div class="comment-author vcard"><b class="fn">{e(c.name)}</b> <span class="says">says:</span></div>
<div class="comment-metadata"><a href="{chrome.url(truth.path)}#comment-{index}"><time datetime="{iso_utc(london_to_utc(c.when))}">{dated_clock(c.when)}</time></a></div></footer>
<div class="comment-content"><p>{e(c.text)}</p></div>
</article></li>"""
        for index, c in enumerate(truth.comments, start=1)
    )
    siblings = [t for t in chrome.articles if t.template == DATED]
    index = siblings.index(truth)
    newer = siblings[index - 1] if index > 0 else None
    older = siblings[index + 1] if index + 1 < len(siblings) else None
    post_nav = "\n".join(
        part
        for part in (
            f'<a href="{chrome.url(older.path)}" rel="prev"><span class="meta-nav">Previous Post</span>{e(older.title)}</a>'
            if older else "",
            f'<a href="{chrome.url(newer.path)}" rel="next"><span class="meta-nav">Next Post</span>{e(newer.title)}</a>'
            if newer else "",
        )
        if part
    )
    section_link = (
        f'<span class="cat-links"><a href="{chrome.url(f"/category/{slugify(truth.section)}/")}" '
        f'rel="category tag">{e(truth.section)}</a></span>'
        if truth.section else ""
    )
    main = f"""<article id="post-{truth.post_id}" class="post-{truth.post_id} post type-post status-publish hentry">
<header class="entry-header">
<div class="entry-meta">{section_link}</div>
<h1 class="entry-title">{e(truth.title)}</h1>
<div class="entry-meta">
<span class="posted-on">Posted <span class="entry-date">{dated_clock(when)}</span></span>
<span class="byline">by <span class="author vcard">{byline_names(truth.authors, True, chrome)}</span></span>
{updated}
<span class="comments-link"><a href="{chrome.url(truth.path)}#comments">{len(truth.comments)} Comment{"s" if len(truth.comments) != 1 else ""}</a></span>
</div>
</header>
<div class="entry-content">
{body_html(truth, chrome)}
<div class="sharedaddy sd-sharing-enabled"><div class="robots-nocontent sd-block sd-social"><h3 class="sd-title">Share this:</h3>
<div class="sd-content"><ul>
<li class="share-twitter"><a class="share-twitter sd-button" href="{chrome.url(truth.path)}?share=twitter" rel="nofollow"><span>Twitter</span></a></li>
<li class="share-facebook"><a class="share-facebook sd-button" href="{chrome.url(truth.path)}?share=facebook" rel="nofollow"><span>Facebook</span></a></li>
</ul></div></div></div>
<div id="jp-relatedposts" class="jp-relatedposts"><h3 class="jp-relatedposts-headline"><em>Related</em></h3>
<div class="jp-relatedposts-items jp-relatedposts-items-visual">
{related}
</div></div>
</div>
<footer class="entry-meta"><span class="tag-links">{" ".join(f'<a href="{chrome.url(f"/tag/{slugify(tag)}/")}" rel="tag">{e(tag)}</a>' for tag in truth.tags)}</span></footer>
</article>
<nav class="navigation post-navigation" role="navigation"><h1 class="screen-reader-text">Post navigation</h1>
<div class="nav-links">
{post_nav}
</div></nav>
<div id="comments" class="comments-area">
<h2 class="comments-title">{len(truth.comments)} thought{"s" if len(truth.comments) != 1 else ""} on &ldquo;{e(truth.title)}&rdquo;</h2>
<ol class="comment-list">
{comments}
</ol>
<div id="respond" class="comment-respond"><h3 class="comment-reply-title">Leave a Reply</h3>
<p class="must-log-in">You must be <a href="{chrome.url("/wp-login.php")}">logged in</a> to post a comment.</p></div>
</div>"""
    return dated_page(chrome, title=truth.title, main=main, head_extra="\n".join(head))


# -- Legacy: a 2009 table layout, no charset declared (or the wrong one) --------------------


LEGACY_TRAVEL = (
    ("M6 J6-J7", "Slow traffic northbound after an earlier accident"),
    ("M5 J1", "Lane closed for resurfacing until Friday"),
    ("A38(M) Aston Expressway", "Tidal flow operating normally"),
    ("A45 Coventry Road", "Temporary lights at the Sheldon junction"),
    ("Hagley Road", "Bus lane enforcement in place"),
    ("Bristol Road", "Roadworks near the university"),
    ("New Street station", "Trains running to timetable"),
    ("Snow Hill lines", "Minor delays of up to 10 minutes"),
    ("Midland Metro", "Good service"),
    ("Birmingham Airport", "Flights operating normally"),
    ("M42 J3A-J4", "Hard shoulder open as a running lane"),
    ("A34 Walsall Road", "Burst water main, one lane closed"),
)


def legacy_page(chrome: Chrome, *, title: str, main: str, charset_meta: str = "") -> str:
    others = "\n".join(
        f'<TR><TD><A HREF="{chrome.url(t.path)}">{e(t.title)}</A></TD></TR>'
        for t in chrome.articles if t.template.startswith("legacy")
    )
    top = "\n".join(
        f'<TR><TD><FONT SIZE="1"><A HREF="{chrome.url(t.path)}">{e(t.title)}</A></FONT></TD></TR>'
        for t in chrome.articles if not t.template.startswith("legacy")
    )
    travel = "\n".join(
        f'<TR><TD><FONT SIZE="1">{e(road)}: {e(status)}</FONT></TD></TR>'
        for road, status in LEGACY_TRAVEL
    )
    weather = "\n".join(
        f'<TR><TD><FONT SIZE="1">{day}: {summary}, max {high}C min {low}C</FONT></TD></TR>'
        for day, summary, high, low in (
            ("Mon", "Light rain", 9, 4), ("Tue", "Sunny intervals", 11, 3),
            ("Wed", "Cloudy", 10, 6), ("Thu", "Heavy showers", 8, 5), ("Fri", "Fog", 7, 2),
        )
    )
    menu_items = ",\n".join(
        f'  new Array("{section} {n}", "/archive/menu/{slugify(section)}/{n}/", "menu{index}")'
        for index, section in enumerate(("News", "Sport", "Business", "Politics", "Weather",
                                         "Travel", "Entertainment", "Have your say"))
        for n in range(1, 21)
    )
    return f"""<HTML>
<HEAD>
{charset_meta}<TITLE>{SITE_NAME} | Archive | {e(title)}</TITLE>
<META NAME="keywords" CONTENT="Birmingham, news, politics, West Midlands">
{head_links(chrome)}
<STYLE TYPE="text/css">BODY {{font-family: Verdana, Arial, sans-serif; font-size: 12px}} .headline {{font-size: 20px}}</STYLE>
<SCRIPT LANGUAGE="JavaScript" TYPE="text/javascript">
<!--
// DHTML drop-down menus
var menuItems = new Array(
{menu_items}
);
function showMenu(n) {{ if (document.getElementById) {{ document.getElementById("menu" + n).style.visibility = "visible"; }} }}
function hideMenu(n) {{ if (document.getElementById) {{ document.getElementById("menu" + n).style.visibility = "hidden"; }} }}
//-->
</SCRIPT>
</HEAD>
<BODY BGCOLOR="#FFFFFF" TEXT="#000000" LINK="#003399">
<TABLE WIDTH="770" BORDER="0" CELLPADDING="0" CELLSPACING="0">
<TR><TD COLSPAN="2" BGCOLOR="#003399"><A HREF="{chrome.url("/")}"><FONT COLOR="#FFFFFF" SIZE="+2"><B>{SITE_NAME}</B></FONT></A> <FONT COLOR="#FFFFFF">Archive edition</FONT></TD></TR>
<TR>
<TD WIDTH="150" VALIGN="top" BGCOLOR="#EEEEEE">
<TABLE WIDTH="150" CELLPADDING="4">
<TR><TD><A HREF="{chrome.url("/")}">Front page</A></TD></TR>
<TR><TD><A HREF="{chrome.url("/archive/")}">Archive index</A></TD></TR>
<TR><TD><A HREF="{chrome.url("/category/birmingham/")}">Birmingham</A></TD></TR>
<TR><TD><A HREF="{chrome.url("/category/west-midlands/")}">West Midlands</A></TD></TR>
<TR><TD><B>Other archive stories</B></TD></TR>
{others}
<TR><TD><B>Top stories now</B></TD></TR>
{top}
<TR><TD><B>Travel news</B></TD></TR>
{travel}
<TR><TD><B>Five-day forecast</B></TD></TR>
{weather}
</TABLE>
</TD>
<TD WIDTH="620" VALIGN="top">
{main}
</TD>
</TR>
<TR><TD COLSPAN="2" ALIGN="center"><FONT SIZE="1">&copy; 2024 {SITE_NAME}. Archive pages are kept as first published. <A HREF="{chrome.url("/about/")}">About</A></FONT></TD></TR>
</TABLE>
</BODY>
</HTML>
"""


def gmt_stamp(when: datetime) -> str:
    """A naive London time in winter as "Thursday, 12 March 2009, 14:27 GMT"."""
    return (
        f"{DAYS[when.weekday()]}, {when.day} {MONTHS[when.month - 1]} {when.year}, "
        f"{when:%H:%M} GMT"
    )


def render_legacy(truth: ArticleTruth, chrome: Chrome, *, charset_meta: str = "") -> str:
    spec = truth.spec
    when = spec.when
    published_line = ""
    if spec.variant == "bbc":
        # An old news CMS: "Last updated" above the headline, "Published" under the byline.
        assert isinstance(when, datetime)
        assert spec.modified is not None
        stamp = f"Last updated: {gmt_stamp(spec.modified)}"
        published_line = (
            f'<FONT SIZE="1" COLOR="#666666" CLASS="date">Published: {gmt_stamp(when)}</FONT><BR>'
        )
    else:
        suffix = {1: "st", 2: "nd", 3: "rd", 21: "st", 22: "nd", 23: "rd", 31: "st"}.get(
            when.day, "th"
        )
        stamp = f"Published on {when.day}{suffix} {MONTHS[when.month - 1]} {when.year}"
    author = ", ".join(truth.authors)
    main = f"""<TABLE WIDTH="100%" CELLPADDING="6"><TR><TD>
<FONT SIZE="1" COLOR="#666666" CLASS="date">{stamp}</FONT><BR>
<H1 CLASS="headline">{e(truth.title)}</H1>
<B>By {e(author)}</B><BR>
<I>Political staff</I><BR>
{published_line}
{body_html(truth, chrome, paragraph_tag="P")}
<P><FONT SIZE="1"><A HREF="{chrome.url("/archive/")}">Back to the archive</A> | <A HREF="javascript:window.print()">Printable version</A> | <A HREF="mailto:?subject={e(truth.title)}">E-mail this story to a friend</A></FONT>
</TD></TR></TABLE>"""
    return legacy_page(chrome, title=truth.title, main=main, charset_meta=charset_meta)


# -- Listing and other non-article pages --------------------------------------------------------


def listing_items(truths: Iterable[ArticleTruth], chrome: Chrome) -> str:
    items = []
    for truth in truths:
        authors = f" by {e(' and '.join(truth.authors))}" if truth.authors else ""
        items.append(f"""<article class="post-summary">
<h2 class="post-summary__title"><a href="{chrome.url(truth.path)}">{e(truth.title)}</a></h2>
<div class="post-meta"><span class="post-date">🕔{wp_date(truth.published_utc.date())}</span>{authors}</div>
<p class="post-summary__excerpt">{e(truth.excerpt)} […]</p>
<a class="read-more" href="{chrome.url(truth.path)}">Read more »</a>
</article>""")
    return "\n".join(items)


def pagination(base_path: str, page: int, pages: int, chrome: Chrome) -> str:
    def page_path(number: int) -> str:
        return base_path if number == 1 else f"{base_path}page/{number}/"

    links = []
    if page > 1:
        links.append(f'<a class="prev page-numbers" href="{chrome.url(page_path(page - 1))}">« Newer posts</a>')
    for number in range(1, pages + 1):
        if number == page:
            links.append(f'<span class="page-numbers current">{number}</span>')
        else:
            links.append(f'<a class="page-numbers" href="{chrome.url(page_path(number))}">{number}</a>')
    if page < pages:
        links.append(f'<a class="next page-numbers" href="{chrome.url(page_path(page + 1))}">Older posts »</a>')
    return '<nav class="pagination">' + " ".join(links) + "</nav>" if pages > 1 else ""


def listing_page(
    chrome: Chrome,
    *,
    heading: str,
    truths: Sequence[ArticleTruth],
    base_path: str,
    page: int,
    pages: int,
    intro: str = "",
    extra: str = "",
) -> str:
    """A home, section, tag, author or search page: teasers, never an article."""
    title = heading if page == 1 else f"{heading} – Page {page}"
    main = f"""<div class="archive-header"><h1 class="archive-title">{e(heading)}</h1>{intro}</div>
{extra}
<div class="article-list">
{listing_items(truths, chrome)}
</div>
{pagination(base_path, page, pages, chrome)}"""
    canonical = f'<link rel="canonical" href="{chrome.url(base_path if page == 1 else f"{base_path}page/{page}/")}" />'
    head = canonical + '\n<meta property="og:type" content="website" />'
    return wordpress_page(chrome, title=title, main=main, head_extra=head, body_class="archive")


def simple_page(chrome: Chrome, *, path: str, heading: str, paragraphs: Sequence[str], extra: str = "") -> str:
    """About, contact and similar static pages in the WordPress theme."""
    text = "\n".join(f"<p>{paragraph}</p>" for paragraph in paragraphs)
    main = f"""<div class="page type-page">
<h1 class="entry-title">{e(heading)}</h1>
<div class="entry-content">
{text}
{extra}
</div>
</div>"""
    head = (
        f'<link rel="canonical" href="{chrome.url(path)}" />\n'
        '<meta property="og:type" content="website" />'
    )
    return wordpress_page(chrome, title=heading, main=main, head_extra=head, body_class="page")

