"""The demo site as data: complete, deterministic, realistic, with working discovery aids."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from collections import Counter
from urllib.parse import urlsplit
from urllib.robotparser import RobotFileParser

import pytest
from lxml import html as lxml_html

from demo.content import REFERENCE_SLUG, TEMPLATES
from demo.site import REFERENCE_FILE, REFERENCE_ORIGIN, DemoSite, build_site
from demo.truth import Subheading
from items import ListBlock

BASE = "http://127.0.0.1:8765"
SITEMAP = "{http://www.sitemaps.org/schemas/sitemap/0.9}"


@pytest.fixture(scope="module")
def site() -> DemoSite:
    return build_site(BASE)


def html_paths(site: DemoSite) -> list[str]:
    return [
        path for path, page in site.pages.items()
        if page.status == 200 and page.content_type.startswith("text/html")
    ]


def links_of(site: DemoSite, path: str) -> list[str]:
    """Every <a href> of a page, absolute."""
    page = site.page_for(path)
    tree = lxml_html.fromstring(page.body, base_url=site.url(path))
    tree.make_links_absolute(site.url(path))
    return [str(href) for href in tree.xpath("//a/@href")]


def internal_targets(site: DemoSite) -> dict[str, set[str]]:
    """Internal link target ("/path?query", no fragment) -> pages linking to it."""
    targets: dict[str, set[str]] = {}
    for path in html_paths(site):
        for href in links_of(site, path):
            parts = urlsplit(href)
            if f"{parts.scheme}://{parts.netloc}" != BASE:
                continue
            target = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
            targets.setdefault(target, set()).add(path)
    return targets


def test_build_is_deterministic(site: DemoSite) -> None:
    again = build_site(BASE)
    assert again.pages.keys() == site.pages.keys()
    assert all(again.pages[path] == page for path, page in site.pages.items())
    assert again.articles == site.articles


def test_links_follow_the_base_url() -> None:
    other = build_site("http://127.0.0.1:40123")
    home = other.page_for("/").body.decode("utf-8")
    assert "http://127.0.0.1:40123/feed/" in home
    assert "8765" not in home


def test_site_has_thirty_articles_in_every_template(site: DemoSite) -> None:
    assert len(site.public_articles) >= 30
    counts = Counter(truth.template for truth in site.articles)
    assert set(counts) == set(TEMPLATES)
    assert len({truth.path for truth in site.articles}) == len(site.articles)
    for truth in site.articles:
        assert site.pages[truth.path].status == 200


def test_pages_are_of_realistic_size(site: DemoSite) -> None:
    listings = ["/", "/page/2/", "/category/news/", "/tag/mayors/", "/about/", "/blog/"]
    checked = [*(truth.path for truth in site.articles), *listings]
    sizes = {path: len(site.page_for(path).body) for path in checked}
    wrong = {path: size for path, size in sizes.items() if not 20_000 <= size <= 80_000}
    assert not wrong


def test_every_internal_link_resolves_except_the_deliberate_failures(site: DemoSite) -> None:
    targets = internal_targets(site)
    failing = {
        target: site.page_for(target).status
        for target in targets
        if site.page_for(target).status not in (200, 301)
    }
    assert failing == dict(site.broken_paths)


def test_broken_links_fail_with_404_and_500(site: DemoSite) -> None:
    assert sorted(site.broken_paths.values()) == [404, 500]
    for path, status in site.broken_paths.items():
        assert site.page_for(path).status == status


def test_unknown_paths_are_404_and_campaign_parameters_are_ignored(site: DemoSite) -> None:
    assert site.page_for("/no-such-story/").status == 404
    article = site.public_articles[0]
    tracked = site.page_for(article.path + "?utm_source=x&utm_medium=y")
    assert tracked == site.pages[article.path]


def test_tracked_links_point_at_articles(site: DemoSite) -> None:
    tracked = [target for target in internal_targets(site) if "utm_source=" in target]
    article_paths = {truth.path for truth in site.public_articles}
    assert tracked
    assert {target.split("?")[0] for target in tracked} <= article_paths


def test_shortlink_and_slashless_contact_redirect(site: DemoSite) -> None:
    reference = next(t for t in site.articles if t.spec.slug == REFERENCE_SLUG)
    shortlink = site.page_for(f"/?p={reference.post_id}")
    assert (shortlink.status, shortlink.headers["Location"]) == (301, reference.url)
    contact = site.page_for("/contact")
    assert (contact.status, contact.headers["Location"]) == (301, site.url("/contact/"))


def test_robots_txt_disallows_the_private_article_only(site: DemoSite) -> None:
    robots = site.page_for("/robots.txt")
    assert robots.content_type.startswith("text/plain")
    parser = RobotFileParser()
    parser.parse(robots.body.decode("utf-8").splitlines())
    private = [truth for truth in site.articles if truth.robots_disallowed]
    assert len(private) == 1
    assert not parser.can_fetch("newsarchive", private[0].url)
    assert all(parser.can_fetch("newsarchive", truth.url) for truth in site.public_articles)
    assert parser.site_maps() == [site.url("/sitemap.xml")]


def test_private_article_is_linked_from_public_pages(site: DemoSite) -> None:
    private = next(truth for truth in site.articles if truth.robots_disallowed)
    assert internal_targets(site)[private.path] >= {"/", "/about/"}


def test_sitemap_index_leads_to_every_public_article(site: DemoSite) -> None:
    index = ET.fromstring(site.page_for("/sitemap.xml").body)
    assert index.tag == f"{SITEMAP}sitemapindex"
    sitemaps = [loc.text or "" for loc in index.iter(f"{SITEMAP}loc")]
    assert site.url("/sitemap-posts.xml") in sitemaps
    urls: list[str] = []
    for sitemap in sitemaps:
        page = site.page_for(urlsplit(sitemap).path)
        assert page.status == 200 and page.content_type.startswith("application/xml")
        urls += [loc.text or "" for loc in ET.fromstring(page.body).iter(f"{SITEMAP}loc")]
    posts = ET.fromstring(site.page_for("/sitemap-posts.xml").body)
    assert all(lastmod.text for lastmod in posts.iter(f"{SITEMAP}lastmod"))
    assert {truth.url for truth in site.public_articles} <= set(urls)
    assert not any(truth.url in urls for truth in site.articles if truth.robots_disallowed)


def test_feed_lists_the_ten_newest_articles(site: DemoSite) -> None:
    feed = site.page_for("/feed/")
    assert feed.content_type.startswith("application/rss+xml")
    channel = ET.fromstring(feed.body).find("channel")
    assert channel is not None
    links = [item.findtext("link") or "" for item in channel.iter("item")]
    newest = sorted(site.public_articles, key=lambda t: t.published_utc, reverse=True)[:10]
    assert [link.split("?")[0] for link in links] == [truth.url for truth in newest]


def test_every_html_page_advertises_the_feed(site: DemoSite) -> None:
    for path in html_paths(site):
        tree = lxml_html.fromstring(site.page_for(path).body)
        feeds = tree.xpath('//link[@rel="alternate"][@type="application/rss+xml"]/@href')
        assert site.url("/feed/") in feeds, path


def test_articles_name_their_canonical_url_where_the_template_has_one(site: DemoSite) -> None:
    for truth in site.articles:
        tree = lxml_html.fromstring(site.pages[truth.path].body)
        canonical = tree.xpath('//link[@rel="canonical"]/@href')
        assert canonical == ([truth.canonical_url] if truth.canonical_url else []), truth.path


def test_windows_1252_page_is_cp1252_without_any_charset_declaration(site: DemoSite) -> None:
    legacy = [truth for truth in site.articles if truth.template == "legacy"]
    assert legacy
    for truth in legacy:
        page = site.pages[truth.path]
        assert page.content_type == "text/html"
        assert b"charset" not in page.body.lower()
        with pytest.raises(UnicodeDecodeError):
            page.body.decode("utf-8")
        text = page.body.decode("cp1252")
        assert truth.title in text
    assert "£".encode("cp1252") in site.pages[legacy[0].path].body


def test_mislabelled_page_is_utf8_claiming_latin1(site: DemoSite) -> None:
    truth = next(t for t in site.articles if t.template == "legacy-mislabelled")
    page = site.pages[truth.path]
    assert page.http_charset is None
    assert b"charset=iso-8859-1" in page.body
    assert truth.title in page.body.decode("utf-8")


def test_reference_page_is_served_with_links_moved_to_the_site(site: DemoSite) -> None:
    reference = next(t for t in site.articles if t.spec.slug == REFERENCE_SLUG)
    body = site.pages[reference.path].body.decode("utf-8")
    assert REFERENCE_ORIGIN.split("//")[1] not in body
    original = REFERENCE_FILE.read_text(encoding="utf-8")
    assert body == original.replace(REFERENCE_ORIGIN, BASE).replace(
        REFERENCE_ORIGIN.replace("/", "\\/"), BASE.replace("/", "\\/")
    ).replace("https%3A%2F%2Fwww.chamberlainfiles.com", "http%3A%2F%2F127.0.0.1%3A8765")


def test_reference_similar_articles_are_real_pages(site: DemoSite) -> None:
    reference = next(t for t in site.articles if t.spec.slug == REFERENCE_SLUG)
    tree = lxml_html.fromstring(site.pages[reference.path].body)
    hrefs = tree.xpath('//div[@class="related-articles"]//h4/a[@rel="bookmark"]/@href')
    assert hrefs == [link.url for link in reference.related]
    assert len(hrefs) == 5
    for link in reference.related:
        target = site.article_at(urlsplit(link.url).path)
        assert target is not None and target.title == link.title
        assert link.teaser == target.excerpt and link.comments == len(target.comments)


def test_list_headings_are_the_paragraph_before_the_list(site: DemoSite) -> None:
    for truth in site.articles:
        for before, block in zip(truth.blocks, truth.blocks[1:], strict=False):
            if isinstance(block, ListBlock):
                assert block.heading == before, truth.path
    assert any(block.ordered for truth in site.articles for block in truth.lists)
    assert any(isinstance(b, Subheading) for truth in site.articles for b in truth.blocks)


def test_truth_text_is_on_the_page(site: DemoSite) -> None:
    for truth in site.articles:
        page = site.pages[truth.path]
        encoding = "cp1252" if truth.template == "legacy" else "utf-8"
        text = " ".join(lxml_html.fromstring(page.body.decode(encoding)).text_content().split())
        for paragraph in truth.paragraphs:
            assert paragraph in text, (truth.path, paragraph)
        assert re.search(re.escape(truth.title), text)
