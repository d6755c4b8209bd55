"""bench.sitegen: the synthetic site is deterministic, fully reachable by links, listed by its
sitemaps and feed, and realistic enough that the parser reads what expected.jsonl says."""

from __future__ import annotations

import filecmp
import json
import re
from collections.abc import Iterator
from datetime import date, datetime
from pathlib import Path
from urllib.parse import urlsplit
from xml.etree import ElementTree

import lxml.html
import pytest

from bench import sitegen
from bench.sitegen import GeneratedSite, article_pages, ensure_site, generate, page_file
from parsers import parse_article

ARTICLES = 60
PER_PAGE = 4  # small pages, so the home page has 15 of them and the pagination is windowed
SITEMAP_SIZE = 25  # so the posts sitemap splits into three
SITEMAP_NS = {"sm": "http://www.sitemaps.org/schemas/sitemap/0.9"}


@pytest.fixture(scope="module")
def small_sizes() -> Iterator[None]:
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(sitegen, "PER_PAGE", PER_PAGE)
        patch.setattr(sitegen, "SITEMAP_SIZE", SITEMAP_SIZE)
        yield


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory, small_sizes: None) -> GeneratedSite:
    return generate(tmp_path_factory.mktemp("sitegen") / "a", ARTICLES, seed=3, jobs=2)


@pytest.fixture(scope="module")
def records(site: GeneratedSite) -> list[dict[str, object]]:
    return list(site.expected_records())


def links_of(body: bytes) -> set[str]:
    """Root-relative paths of a page's <a> and <link> targets, query and fragment dropped."""
    tree = lxml.html.document_fromstring(body)
    paths = set()
    for href in tree.xpath("//a/@href | //link/@href"):
        parts = urlsplit(str(href))
        if not parts.netloc and parts.path.startswith("/"):
            paths.add(parts.path)
    return paths


def crawl(root: Path) -> dict[str, set[str]]:
    """Every existing path reachable from "/" by following links -> the links on it."""
    found: dict[str, set[str]] = {}
    queue = ["/"]
    while queue:
        path = queue.pop()
        target = page_file(root, path)
        if path in found or not target.is_file():
            continue
        body = target.read_bytes()
        found[path] = set() if target.suffix == ".xml" else links_of(body)
        queue.extend(found[path] - found.keys())
    return found


def page_files(root: Path) -> set[Path]:
    """Every HTML page of the tree (articles of the group template have no extension)."""
    return {
        path for path in root.rglob("*")
        if path.is_file() and path.suffix not in (".xml", ".txt")
    }


def value_of(iso: str) -> date | datetime:
    return datetime.fromisoformat(iso) if "T" in iso else date.fromisoformat(iso)


def test_generation_is_deterministic_whatever_the_workers(
    site: GeneratedSite, tmp_path: Path, small_sizes: None
) -> None:
    again = generate(tmp_path / "b", ARTICLES, seed=3, jobs=1)
    comparison = filecmp.dircmp(site.directory, again.directory)
    mismatches: list[str] = []

    def collect(node: filecmp.dircmp[str], prefix: str) -> None:
        mismatches.extend(prefix + name for name in node.left_only + node.right_only)
        _, differ, errors = filecmp.cmpfiles(node.left, node.right, node.common_files,
                                             shallow=False)
        mismatches.extend(prefix + name for name in differ + errors)
        for name, child in node.subdirs.items():
            collect(child, f"{prefix}{name}/")

    collect(comparison, "")
    assert mismatches == []
    other_seed = generate(tmp_path / "c", ARTICLES, seed=4, jobs=1)
    assert other_seed.article_paths() != site.article_paths()


def test_every_page_is_reachable_from_the_home_page(site: GeneratedSite) -> None:
    reached = crawl(site.root)
    assert {page_file(site.root, path) for path in reached} >= page_files(site.root)
    assert set(site.article_paths()) <= reached.keys()
    assert len(site.article_paths()) == ARTICLES
    home_pages = {path for path in reached if re.fullmatch(r"/page/\d+/", path)}
    assert len(home_pages) == -(-ARTICLES // PER_PAGE) - 1


def test_pagination_links_a_window_not_every_page(site: GeneratedSite) -> None:
    pages_linked = {
        path for path in links_of(page_file(site.root, "/page/8/").read_bytes())
        if re.fullmatch(r"/(page/\d+/)?", path)
    }
    last = -(-ARTICLES // PER_PAGE)
    # The first and last pages, two on either side, and itself (its canonical link).
    assert pages_linked == {"/", *(f"/page/{n}/" for n in (6, 7, 8, 9, 10, last))}


def test_articles_are_realistic_in_size_and_markup(
    site: GeneratedSite, records: list[dict[str, object]]
) -> None:
    sizes = [page_file(site.root, str(record["path"])).stat().st_size for record in records]
    assert 40_000 < sum(sizes) / len(sizes) < 100_000
    templates = {record["template"] for record in records}
    assert templates == {"wordpress", "group", "dated", "small-blog", "legacy",
                         "legacy-mislabelled"}
    pages = b"".join(page_file(site.root, str(r["path"])).read_bytes() for r in records)
    for marker in ("🕔".encode(), b"Similar Articles", b"<ul", "•".encode(), b"cookie",
                   b"newsletter", b"application/ld+json", b"article:published_time"):
        assert marker in pages


def test_sitemaps_list_every_article_with_lastmod(site: GeneratedSite) -> None:
    robots = (site.root / "robots.txt").read_text(encoding="utf-8")
    index_path = re.search(r"^Sitemap: (\S+)$", robots, re.M)
    assert index_path is not None
    index = ElementTree.parse(page_file(site.root, index_path.group(1)))
    children = [loc.text or "" for loc in index.findall("sm:sitemap/sm:loc", SITEMAP_NS)]
    listed: list[str] = []
    lastmods: list[str | None] = []
    for child in children:
        urls = ElementTree.parse(page_file(site.root, child)).findall("sm:url", SITEMAP_NS)
        listed.extend(url.findtext("sm:loc", namespaces=SITEMAP_NS) or "" for url in urls)
        if child.startswith("/sitemap-posts-"):
            assert len(urls) <= SITEMAP_SIZE
            lastmods.extend(url.findtext("sm:lastmod", namespaces=SITEMAP_NS) for url in urls)
    assert len([c for c in children if c.startswith("/sitemap-posts-")]) == 3
    assert set(site.article_paths()) <= set(listed)
    assert len(lastmods) == ARTICLES and all(lastmods)


def test_feed_lists_the_latest_fifty_newest_first(site: GeneratedSite) -> None:
    feed = ElementTree.parse(page_file(site.root, "/feed/"))
    links = [item.findtext("link") for item in feed.iter("item")]
    assert links == site.article_paths()[::-1][: sitegen.FEED_SIZE]


def test_parser_reads_what_expected_jsonl_says(
    site: GeneratedSite, records: list[dict[str, object]]
) -> None:
    pages = list(article_pages(site, "http://127.0.0.1:8080"))
    assert len(pages) == len(records)
    for (page, url), record in zip(pages, records, strict=True):
        path = str(record["path"])
        assert url == "http://127.0.0.1:8080" + path
        parsed = parse_article(page.read_bytes(), url)
        assert parsed is not None, path
        assert parsed.title == record["title"], path
        assert parsed.published == value_of(str(record["published"])), path
        assert list(parsed.authors) == record["authors"], path


def test_links_are_root_relative_unless_a_base_url_is_given(
    site: GeneratedSite, tmp_path: Path
) -> None:
    home = page_file(site.root, "/").read_text(encoding="utf-8")
    assert "http://127.0.0.1" not in home and 'href="/page/2/"' in home
    based = generate(tmp_path / "based", 5, base_url="http://news.test:8080/", jobs=1)
    robots = (based.root / "robots.txt").read_text(encoding="utf-8")
    assert "Sitemap: http://news.test:8080/sitemap.xml" in robots
    first = based.article_paths()[0]
    page = page_file(based.root, first).read_bytes().decode("cp1252", errors="replace")
    assert f"http://news.test:8080{first}" in page or 'href="http://news.test:8080/' in page


def test_ensure_site_reuses_a_matching_tree_and_rebuilds_a_stale_one(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(sitegen, "CACHE_DIR", tmp_path)
    first = ensure_site(5, seed=1)
    assert first.directory.parent == tmp_path and first.expected.exists()
    assert ensure_site(5, seed=2).directory != first.directory
    assert ensure_site(5, seed=1, base_url="http://a.test").directory != first.directory

    def no_generation(*args: object, **kwargs: object) -> GeneratedSite:
        raise AssertionError("regenerated a cached site")

    with monkeypatch.context() as patch:
        patch.setattr(sitegen, "generate", no_generation)
        assert ensure_site(5, seed=1) == first
    marker = first.directory / sitegen.MARKER
    stale = {**json.loads(marker.read_text(encoding="utf-8")), "sources": "older"}
    marker.write_text(json.dumps(stale), encoding="utf-8")
    assert ensure_site(5, seed=1) == first
    assert json.loads(marker.read_text(encoding="utf-8"))["sources"] == sitegen.source_hash()


def test_cli_never_overwrites_a_directory_it_did_not_make(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    precious = tmp_path / "notes.txt"
    precious.write_text("keep me", encoding="utf-8")
    assert sitegen.main(["--articles", "3", "--out", str(tmp_path)]) == 2
    assert precious.read_text(encoding="utf-8") == "keep me"
    assert "not overwriting" in capsys.readouterr().err
