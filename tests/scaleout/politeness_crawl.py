"""One worker of test_politeness's two-process crawl: PAGES pages of one local server.

    python -m tests.scaleout.politeness_crawl BASE_URL REDIS_URL FRONTIER_NAME WORKER
        [--workers N] [--without-politeness]

Before its first request the worker waits (a Redis counter) until N workers are ready, so
they crawl at the same time whatever their start-up times. It prints its crawl stats about
politeness, and the responses it received, as one JSON line.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import time
from collections.abc import AsyncIterator
from typing import Any

import redis
import scrapy
from scrapy.crawler import CrawlerProcess
from scrapy.http import Response

PAGES = 20
READY_TIMEOUT_SECONDS = 20.0


class PagesSpider(scrapy.Spider):
    """Fetch /page/0 ... /page/PAGES-1, once every worker is ready."""

    name = "pages"

    def __init__(
        self, base_url: str, worker: str, ready_key: str, workers: int, **kwargs: Any
    ) -> None:
        super().__init__(**kwargs)
        self.base_url, self.worker = base_url, worker
        self.ready_key, self.workers = ready_key, workers

    async def start(self) -> AsyncIterator[scrapy.Request]:
        await self.wait_for_workers()
        for number in range(PAGES):
            yield scrapy.Request(f"{self.base_url}/page/{number}?worker={self.worker}")

    async def wait_for_workers(self) -> None:
        client = redis.Redis.from_url(self.settings["FRONTIER_READY_REDIS_URL"])
        try:
            client.incr(self.ready_key)
            client.expire(self.ready_key, 60)
            deadline = time.monotonic() + READY_TIMEOUT_SECONDS
            while int(client.get(self.ready_key) or 0) < self.workers:
                if time.monotonic() > deadline:
                    raise TimeoutError(f"fewer than {self.workers} workers became ready")
                await asyncio.sleep(0.02)
        finally:
            client.close()

    def parse(self, response: Response) -> None:
        """Nothing to extract: the server counts what arrives."""


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("base_url")
    parser.add_argument("redis_url")
    parser.add_argument("frontier_name")
    parser.add_argument("worker")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--without-politeness", action="store_true")
    arguments = parser.parse_args()
    process = CrawlerProcess(
        {
            "CONCURRENT_REQUESTS_PER_DOMAIN": 1,
            "DOWNLOAD_DELAY": 0,
            "AUTOTHROTTLE_ENABLED": False,
            "ROBOTSTXT_OBEY": True,  # robots.txt requests take their turn too
            "RETRY_ENABLED": False,
            "TELNETCONSOLE_ENABLED": False,
            "LOG_LEVEL": "WARNING",
            # Empty: the middleware raises NotConfigured, leaving Scrapy's own slots alone.
            "FRONTIER_REDIS_URL": "" if arguments.without_politeness else arguments.redis_url,
            "FRONTIER_NAME": arguments.frontier_name,
            "FRONTIER_READY_REDIS_URL": arguments.redis_url,
            "DOWNLOADER_MIDDLEWARES": {"spiders.politeness.SharedPolitenessMiddleware": 940},
        }
    )
    crawler = process.create_crawler(PagesSpider)
    process.crawl(
        crawler,
        base_url=arguments.base_url,
        worker=arguments.worker,
        ready_key=f"{arguments.frontier_name}:test-ready",
        workers=arguments.workers,
    )
    process.start()
    stats = crawler.stats.get_stats()
    print(
        json.dumps(
            {
                key: value
                for key, value in stats.items()
                if key.startswith("politeness/") or key.startswith("downloader/response_status")
            }
        )
    )


if __name__ == "__main__":
    main()
