"""Link discovery: classifying URLs, reading a page's links and feeds, the crawl's seen-set."""

from __future__ import annotations

import pytest
from scrapy.http import HtmlResponse

from profiles import SiteProfile, profile_for_url
from spiders.links import (
    Frontier,
    LinkKind,
    classify_url,
    extension_of,
)

SITE = profile_for_url("https://www.gazette.example/")
A, L, S, P = LinkKind.ARTICLE, LinkKind.LISTING, LinkKind.SKIP, LinkKind.PAGE
G = "https://www.gazette.example"


@pytest.mark.parametrize(
    ("url", "kind", "reason"),
    [
        # article candidates, by URL shape
        (f"{G}/2014/10/28/police-criticised-over-response/", A, "dated slug"),
        (f"{G}/news/2023/11/02/storm-ciaran-latest", A, "dated slug"),
        (f"{G}/2020/09/vegan-char-kway-teow/", A, "dated slug"),
        (f"{G}/blog/2023/buch-digitale-muendigkeit", A, "dated slug"),
        (f"{G}/20200428/meet-the-swede-who-tattooed", A, "dated slug"),
        (f"{G}/black-country/48-hour-order-walsall-after-28036293", A, "numeric id"),
        (f"{G}/news/world-us-canada-52241221", A, "numeric id"),
        (f"{G}/articles/318674", A, "numeric id"),
        (f"{G}/news/uk/1830835/bubbly-daughter-found", A, "numeric id"),
        (f"{G}/?p=4711", A, "query id"),
        (f"{G}/story.php?id=181595", A, "query id"),
        (f"{G}/leadership-styles.html", A, "page file"),
        (f"{G}/police-criticised-over-poor-response-to-abuse-cases/", A, "slug"),
        (f"{G}/travel/dezuka-suisan/", A, "slug"),
        (f"{G}/items-we-never-knew-we-wanted/2/", A, "slug"),
        (f"{G}/themen/umwelt/natuerlicher-klima-und-artenschutz", A, "slug"),
        # listing pages
        (f"{G}/", L, "home"),
        (G, L, "home"),
        (f"{G}/index.html", L, "home"),
        (f"{G}/page/2/", L, "pagination"),
        (f"{G}/category/politics/page/3/", L, "pagination"),
        (f"{G}/2014/10/page/2/", L, "pagination"),
        (f"{G}/news/?page=2", L, "pagination"),
        (f"{G}/?paged=4", L, "pagination"),
        (f"{G}/category/politics/", L, "taxonomy"),
        (f"{G}/tag/west-midlands-police-force-review/", L, "taxonomy"),
        (f"{G}/author/kate-jones/", L, "taxonomy"),
        (f"{G}/news/topics/crime", L, "taxonomy"),
        (f"{G}/2014/", L, "date archive"),
        (f"{G}/2014/10/", L, "date archive"),
        (f"{G}/2014/10/28/", L, "date archive"),
        (f"{G}/news/", P, "section or page"),
        (f"{G}/sport/football/", P, "section or page"),
        (f"{G}/about-us/", P, "section or page"),
        # skipped
        ("mailto:news@gazette.example", S, "scheme"),
        ("tel:+441210000000", S, "scheme"),
        ("javascript:void(0)", S, "scheme"),
        ("data:text/html,hello", S, "scheme"),
        ("ftp://www.gazette.example/file", S, "scheme"),
        ("https://twitter.com/intent/tweet?url=x", S, "offsite"),
        ("https://gazette.example.evil.org/2024/05/01/story-slug-here/", S, "offsite"),
        (f"{G}/wp-content/uploads/2024/05/front-page.JPG", S, "media"),
        (f"{G}/files/annual-report-2024.pdf", S, "media"),
        (f"{G}/downloads/archive.zip", S, "media"),
        (f"{G}/podcast/episode-12.mp3", S, "media"),
        (f"{G}/feed/", S, "feed"),
        (f"{G}/police-criticised-over-response/feed/", S, "feed"),
        (f"{G}/category/news/feed/atom/", S, "feed"),
        (f"{G}/rss.xml", S, "feed"),
        (f"{G}/sitemap.xml", S, "feed"),
        (f"{G}/?feed=rss2", S, "feed"),
        (f"{G}/wp-admin/post.php?post=1", S, "system"),
        (f"{G}/wp-json/wp/v2/posts", S, "system"),
        (f"{G}/cdn-cgi/l/email-protection", S, "system"),
        (f"{G}/wp-login.php?redirect_to=x", S, "login"),
        (f"{G}/login/", S, "login"),
        (f"{G}/my-account/", S, "login"),
        (f"{G}/subscribe", S, "login"),
        (f"{G}/?s=council+budget", S, "search"),
        (f"{G}/search/council/", S, "search"),
        (f"{G}/news/?q=budget", S, "search"),
        (f"{G}/share/facebook/", S, "share"),
        (f"{G}/story-slug-here-now/print/", S, "share"),
        (f"{G}/story-slug-here-now/?replytocom=12", S, "comments"),
        (f"{G}/story-slug-here-now/comment-page-2/", S, "comments"),
        (f"{G}/story-slug-here-now/trackback/", S, "comments"),
        (f"{G}/story-slug-here-now/embed/", S, "comments"),
        (f"{G}/story-slug-here-now/amp/", S, "amp"),
        (f"{G}/story-slug-here-now/?amp=1", S, "amp"),
        (f"{G}/a/b/a/b/a/b/", S, "trap"),
        (f"{G}/{'x' * 2100}", S, "too long"),
    ],
)
def test_classify_url_by_shape(url: str, kind: LinkKind, reason: str) -> None:
    verdict = classify_url(url, SITE)
    assert (verdict.kind, verdict.reason) == (kind, reason)


def test_profile_article_patterns_decide_when_set() -> None:
    profile = SiteProfile(
        name="gazette",
        start_urls=(f"{G}/",),
        domains=("gazette.example",),
        article_patterns=(r"/story/\d+",),
    )
    assert classify_url(f"{G}/story/12/budget", profile).kind is A
    # A shape the heuristics would take for an article is a listing when patterns are set.
    verdict = classify_url(f"{G}/2014/10/28/police-criticised-over-response/", profile)
    assert (verdict.kind, verdict.reason) == (L, "no profile pattern")
    assert classify_url(f"{G}/tag/police/", profile).reason == "taxonomy"
    # Skips still come first.
    assert classify_url(f"{G}/story/12/budget/feed/", profile).kind is S


def test_profile_deny_patterns_skip() -> None:
    profile = SiteProfile(
        name="gazette",
        start_urls=(f"{G}/",),
        domains=("gazette.example",),
        deny_patterns=(r"/(?:share|print)/", r"/sponsored/"),
    )
    verdict = classify_url(f"{G}/sponsored/2024/05/01/buy-this-great-product/", profile)
    assert (verdict.kind, verdict.reason) == (S, "denied")
    assert classify_url(f"{G}/2024/05/01/real-news-story/", profile).kind is A


def test_subdomains_of_the_site_are_on_site() -> None:
    assert classify_url("https://m.gazette.example/2024/05/01/story-slug/", SITE).kind is A
    assert classify_url("https://gazette.example/2024/05/01/story-slug/", SITE).kind is A


@pytest.mark.parametrize(
    ("path", "extension"),
    [("/a/b.JPG", "jpg"), ("/a/b", ""), ("/a.b/c", ""), ("/.hidden", ""), ("/x.tar.gz", "gz")],
)
def test_extension_of(path: str, extension: str) -> None:
    assert extension_of(path) == extension


def page(body: str, url: str = f"{G}/section/") -> HtmlResponse:
    return HtmlResponse(url=url, body=body.encode(), encoding="utf-8")


def test_frontier_admits_each_canonical_url_once() -> None:
    frontier = Frontier([SITE])
    first = frontier.admit(f"{G}/2024/05/01/story-slug/?utm_source=x#c")
    assert first is not None
    assert (first.url, first.kind, first.profile) == (f"{G}/2024/05/01/story-slug/", A, SITE)
    assert frontier.admit(f"{G}/2024/05/01/story-slug/") is None
    assert frontier.admit(f"{G.upper()}/2024/05/01/story-slug/?fbclid=1") is None


def test_frontier_remembers_skipped_and_marked_urls() -> None:
    frontier = Frontier([SITE])
    skipped = frontier.admit("https://other.example/a")
    assert skipped is not None and (skipped.kind, skipped.reason) == (S, "offsite")
    assert frontier.admit("https://other.example/a") is None
    frontier.mark_seen(f"{G}/2024/05/02/canonical-story/?utm_medium=x")
    assert frontier.admit(f"{G}/2024/05/02/canonical-story/") is None


def test_frontier_reports_scheme_and_malformed_urls() -> None:
    frontier = Frontier([SITE])
    mail = frontier.admit("mailto:desk@gazette.example")
    assert mail is not None and (mail.kind, mail.reason) == (S, "scheme")
    broken = frontier.admit("http://www.gazette.example:port/")
    assert broken is not None and (broken.kind, broken.reason) == (S, "malformed")


def test_frontier_finds_the_most_specific_profile() -> None:
    main = profile_for_url("https://example.com/")
    sport = SiteProfile(
        name="sport", start_urls=("https://sport.example.com/",), domains=("sport.example.com",)
    )
    frontier = Frontier([main, sport])
    assert frontier.profile_for("https://live.sport.example.com/x") is sport
    assert frontier.profile_for("https://www.example.com/x") is main
    assert frontier.profile_for("https://example.org/x") is None
    assert frontier.domains == ("example.com", "sport.example.com")
    # A host only ending like a domain is not on it; a trailing dot or capitals change nothing.
    assert frontier.profile_for("https://notexample.com/x") is None
    assert frontier.profile_for("https://LIVE.Sport.Example.com./x") is sport
    assert frontier.profile_for("mailto:desk@example.com") is None
    assert frontier.profile_for("not a url") is None


def test_the_first_profile_to_claim_a_domain_keeps_it() -> None:
    first = SiteProfile(name="first", start_urls=("https://a.example/",), domains=("a.example",))
    second = SiteProfile(
        name="second", start_urls=("https://www.a.example/",), domains=("www.a.example",)
    )
    frontier = Frontier([first, second])  # www. is dropped: both claim a.example
    assert frontier.profile_for("https://www.a.example/x") is first
    assert frontier.domains == ("a.example",)
