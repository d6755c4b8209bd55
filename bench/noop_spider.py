"""Scrapy's own ceiling on this machine: a spider that follows a site's links and keeps
nothing.

It reads links as newsarchive does (``spiders.links.links_of_page``: its decoding and
XPath), judges them with newsarchive's frontier (``spiders.links.Frontier``: canonical
form, seen once, article/listing/skip) and redirects on meta refresh as newsarchive does
(``spiders.middlewares.HeadOnlyMetaRefreshMiddleware``), so it fetches the HTML pages a
newsarchive crawl fetches, and pays only what Scrapy and link-following cost per page. It
leaves out what only newsarchive does: sitemaps and feeds, parsing articles, and the
archive. Run by ``bench.crawl`` in a child process:

    .venv/bin/python -m bench.noop_spider http://127.0.0.1:PORT/ --concurrency 16

It prints one JSON line of Scrapy's stats that the benchmark reads.
"""

from __future__ import annotations

import argparse
import json
from collections.abc import Iterator
from typing import Any

import scrapy
from scrapy.crawler import CrawlerProcess
from scrapy.http import Response, TextResponse

import settings
from profiles import profile_for_url
from spiders.links import Frontier, LinkKind, links_of_page
from spiders.runner import quiet_below_log_level


class NoopSpider(scrapy.Spider):
    """Every page newsarchive would follow by links from the start URL; yields no items."""

    name = "noop"

    def __init__(self, start_url: str, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.frontier = Frontier([profile_for_url(start_url)])
        link = self.frontier.admit(start_url)
        self.start_urls = [link.url if link else start_url]

    def parse(self, response: Response, **kwargs: Any) -> Iterator[scrapy.Request]:
        if not isinstance(response, TextResponse):
            return
        for url in links_of_page(response):
            link = self.frontier.admit(url)
            if link is not None and link.kind is not LinkKind.SKIP:
                yield scrapy.Request(link.url, callback=self.parse)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.noop_spider", description=__doc__)
    parser.add_argument("start_url")
    parser.add_argument("--concurrency", type=int, default=16)
    args = parser.parse_args(argv)
    process = CrawlerProcess(
        {
            # As `newsarchive crawl --delay 0 --concurrency N`: robots.txt obeyed, no delays.
            "ROBOTSTXT_OBEY": True,
            "CONCURRENT_REQUESTS": args.concurrency,
            "CONCURRENT_REQUESTS_PER_DOMAIN": args.concurrency,
            "DOWNLOAD_DELAY": 0,
            "AUTOTHROTTLE_ENABLED": False,
            "COOKIES_ENABLED": False,
            # As newsarchive's settings.py, which trims Scrapy's own cost per page.
            "CONCURRENT_ITEMS": 8,
            "WARN_ON_GENERATOR_RETURN_VALUE": False,
            "TELNETCONSOLE_ENABLED": False,
            "DOWNLOADER_MIDDLEWARES": {
                key: value
                for key, value in settings.DOWNLOADER_MIDDLEWARES.items()
                if "MetaRefresh" in key
            },
            "LOG_LEVEL": "WARNING",
        }
    )
    crawler = process.create_crawler(NoopSpider)
    process.crawl(crawler, start_url=args.start_url)
    quiet_below_log_level("WARNING")
    process.start()
    stats = crawler.stats.get_stats() if crawler.stats else {}
    print(
        json.dumps({key: value for key, value in stats.items() if isinstance(value, int | float)})
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
