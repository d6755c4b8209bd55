"""End-to-end crawls of the fixture site on 127.0.0.1, with the real parser, in subprocesses.

The Twisted reactor runs once per process, so each crawl runs in its own Python process
(``run_crawl`` or ``scrapy crawl``). Items are written by Scrapy's FEEDS exporter with the
archive pipelines turned off: this checks the crawl, independently of the archive.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest

from tests.spiders.fixture_site import (
    ARTICLES,
    GALLERY_PATH,
    GONE_PATH,
    PDF_PATH,
    PRIVATE_ARTICLE,
    SiteServer,
    build_routes,
    serve_site,
)

ROOT = Path(__file__).resolve().parents[2]

DRIVER = """
import json, sys
from profiles import profile_for_url
from spiders.runner import CrawlOptions, run_crawl

out, max_pages, *bases = sys.argv[1:]
feeds = {
    out + "/articles.jsonl": {"format": "jsonlines", "item_classes": ["items.ArticleRecord"]},
    out + "/failures.jsonl": {"format": "jsonlines", "item_classes": ["items.FetchFailure"]},
}
options = CrawlOptions(
    delay=0, log_level="WARNING", max_pages=int(max_pages) or None,
    settings={"ITEM_PIPELINES": {}, "FEEDS": feeds},
)
results = run_crawl([profile_for_url(base + "/") for base in bases], options)
summary = [
    {"site": r.site, "finish_reason": r.finish_reason, "stats": r.stats} for r in results
]
with open(out + "/results.json", "w") as file:
    json.dump(summary, file, default=str)
"""


@dataclass
class Crawl:
    server: SiteServer
    articles: list[dict[str, Any]]
    failures: list[dict[str, Any]]
    results: list[dict[str, Any]]

    @property
    def stats(self) -> dict[str, Any]:
        (result,) = self.results
        return result["stats"]


def read_jsonl(path: Path) -> list[dict[str, Any]]:
    if not path.exists():
        return []
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line]


def run_driver(out: Path, bases: list[str], *, max_pages: int = 0) -> list[dict[str, Any]]:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    # Another working directory on purpose: settings are found by import, not by scrapy.cfg.
    completed = subprocess.run(
        [sys.executable, "-c", DRIVER, str(out), str(max_pages), *bases],
        cwd=out,
        env=env,
        capture_output=True,
        text=True,
        timeout=180,
    )
    assert completed.returncode == 0, completed.stderr[-4000:]
    return json.loads((out / "results.json").read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def crawl(tmp_path_factory: pytest.TempPathFactory) -> Crawl:
    out = tmp_path_factory.mktemp("crawl")
    with serve_site() as server:
        results = run_driver(out, [server.base_url])
    return Crawl(
        server=server,
        articles=read_jsonl(out / "articles.jsonl"),
        failures=read_jsonl(out / "failures.jsonl"),
        results=results,
    )


def paths(records: list[dict[str, Any]], key: str = "url") -> list[str]:
    return [urlsplit(record[key]).path for record in records]


def test_the_crawl_finishes(crawl: Crawl) -> None:
    assert [r["finish_reason"] for r in crawl.results] == ["finished"]
    # A start URL's site is named by its host and, when given, its port.
    assert crawl.results[0]["site"] == f"127.0.0.1-{urlsplit(crawl.server.base_url).port}"


def test_every_article_is_yielded_exactly_once(crawl: Crawl) -> None:
    keys = Counter(paths(crawl.articles, "canonical_url"))
    expected = {article.canonical_path or article.path for article in ARTICLES}
    assert set(keys) == expected
    assert all(count == 1 for count in keys.values()), keys


def test_every_article_page_is_fetched_once(crawl: Crawl) -> None:
    for article in ARTICLES:
        if article.canonical_path is None:
            assert crawl.server.count(article.path) == 1, article.path


def test_articles_from_sitemap_and_feed_only_are_found(crawl: Crawl) -> None:
    found = set(paths(crawl.articles))
    assert "/2024/03/15/archive-story-only-in-sitemap/" in found
    assert "/2024/03/10/story-only-in-the-feed/" in found
    assert crawl.server.count("/sitemap-posts.xml.gz") == 1
    assert crawl.server.count("/feed/") == 1


def test_non_article_pages_are_not_yielded(crawl: Crawl) -> None:
    found = set(paths(crawl.articles))
    not_articles = {"/", "/page/2/", "/tag/police/", "/about/", GALLERY_PATH, PDF_PATH}
    not_articles |= {path for path in build_routes() if path.startswith("/author/")}
    assert not found & not_articles
    assert crawl.server.count(GALLERY_PATH) == 1  # fetched, and the parser said no
    assert crawl.stats["parser/not_article"] >= 1


def test_robots_txt_disallowed_pages_are_never_requested(crawl: Crawl) -> None:
    assert crawl.server.count(PRIVATE_ARTICLE.path) == 0
    assert not any(target.startswith("/private/") for target in crawl.server.requests)
    assert crawl.stats["robotstxt/forbidden"] == 1
    assert PRIVATE_ARTICLE.path not in paths(crawl.failures)


def test_a_missing_page_is_a_fetch_failure(crawl: Crawl) -> None:
    assert [(urlsplit(f["url"]).path, f["reason"], f["status"]) for f in crawl.failures] == [
        (GONE_PATH, "HTTP 404", 404)
    ]


def test_tracking_parameters_do_not_duplicate_an_article(crawl: Crawl) -> None:
    hospital = [a for a in crawl.articles if "hospital-waiting-times" in a["url"]]
    assert len(hospital) == 1
    assert "utm_" not in hospital[0]["url"]
    assert not any("utm_" in target or "fbclid" in target for target in crawl.server.requests)


def test_a_pdf_at_an_article_url_is_skipped_not_failed(crawl: Crawl) -> None:
    assert crawl.server.count(PDF_PATH) == 1
    assert crawl.stats["spider/not_html"] == 1


def test_nothing_is_fetched_twice_or_off_the_map(crawl: Crawl) -> None:
    requested = Counter(urlsplit(target).path for target in crawl.server.requests)
    # robots.txt is read by RobotsTxtMiddleware and, for its Sitemap: lines, by the spider.
    assert requested.pop("/robots.txt") == 2
    assert all(count == 1 for count in requested.values()), requested
    assert set(requested) <= set(build_routes()) | {GONE_PATH}


def test_max_pages_stops_the_crawl_early(tmp_path: Path) -> None:
    with serve_site() as server:
        (result,) = run_driver(tmp_path, [server.base_url], max_pages=4)
    assert result["finish_reason"] == "closespider_pagecount"
    assert len(read_jsonl(tmp_path / "articles.jsonl")) < len(ARTICLES)


def test_one_crawl_covers_several_sites(tmp_path: Path) -> None:
    with serve_site() as first, serve_site() as second:
        other = second.base_url.replace("127.0.0.1", "localhost")
        results = run_driver(tmp_path, [first.base_url, other])
    assert [(r["site"], r["finish_reason"]) for r in results] == [
        (f"127.0.0.1-{urlsplit(first.base_url).port}", "finished"),
        (f"localhost-{urlsplit(other).port}", "finished"),
    ]
    sites = Counter(record["site"] for record in read_jsonl(tmp_path / "articles.jsonl"))
    assert sites == {"127.0.0.1": len(ARTICLES), "localhost": len(ARTICLES)}
    assert all(r["stats"]["spider/articles"] == len(ARTICLES) for r in results)


def test_scrapy_crawl_news_with_a_target_url(tmp_path: Path) -> None:
    out = tmp_path / "items.jsonl"
    with serve_site() as server:
        completed = subprocess.run(
            [
                sys.executable,
                "-m",
                "scrapy",
                "crawl",
                "news",
                "-a",
                f"target={server.base_url}/",
                "-s",
                "ITEM_PIPELINES={}",
                "-s",
                "DOWNLOAD_DELAY=0",
                "-s",
                "AUTOTHROTTLE_ENABLED=False",
                "-s",
                "LOG_LEVEL=WARNING",
                "-O",
                f"{out}:jsonlines",
            ],
            cwd=ROOT,
            capture_output=True,
            text=True,
            timeout=180,
        )
    assert completed.returncode == 0, completed.stderr[-4000:]
    items = read_jsonl(out)
    canonical = {urlsplit(item["canonical_url"]).path for item in items if "canonical_url" in item}
    assert canonical == {article.canonical_path or article.path for article in ARTICLES}
    assert [item["reason"] for item in items if "reason" in item] == ["HTTP 404"]
