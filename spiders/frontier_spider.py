"""FrontierNewsSpider: NewsSpider as one of many processes sharing a frontier in Redis.

Crawl policy is NewsSpider's, unchanged; what differs is where the sites come from and how a
response ends. A worker starts with no sites of its own: it reads the site profiles the
seeding command stored in the frontier (``spiders.frontier.RedisFrontier.add_profiles``),
and learns a site seeded later when it pops the first request of it. Every callback and
errback ends its output with an ``items.ResponseDone`` for the request's token, so the
frontier forgets the request only once the archive has committed what it yielded.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from typing import TYPE_CHECKING, Any, Self

from scrapy import signals

from items import SITES_ADDED, ResponseDone, site_stat
from spiders.frontier import (
    DEFAULT_NAME,
    IN_FLIGHT_ENTRY,
    RedisFrontier,
    default_worker_id,
    frontier_settings,
)
from spiders.links import Frontier, LinkKind
from spiders.news import NewsSpider
from spiders.politeness import SITE_DELAY_META

if TYPE_CHECKING:
    from scrapy.crawler import Crawler
    from scrapy.http import Request, Response
    from scrapy.settings import BaseSettings
    from twisted.python.failure import Failure

    from profiles import SiteProfile


class FrontierNewsSpider(NewsSpider):
    """NewsSpider on a shared frontier (see the module doc); the seeding process is given
    its sites (``profiles=``), workers find theirs in the frontier."""

    name = "frontier"
    needs_targets = False
    shared: RedisFrontier | None = None
    profiles_version = -1  # of the frontier's profiles last read
    site_delays = True  # requests carry their site's crawl delay (no --delay given)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # The seeding process fetches its sites' start URLs, robots.txt, due re-checks and
        # past failures; a worker fetches only what it pops.
        self.seeding = bool(self.profiles)

    @classmethod
    def update_settings(cls, settings: BaseSettings) -> None:
        """A bare `scrapy crawl frontier -s FRONTIER_REDIS_URL=...` (a scrapyd job) gets the
        settings `newsarchive worker` gives; the CLI's own, given at a higher priority, win."""
        super().update_settings(settings)
        if url := settings.get("FRONTIER_REDIS_URL"):
            shared = frontier_settings(
                url,
                settings.get("FRONTIER_NAME") or DEFAULT_NAME,
                worker=settings.get("FRONTIER_WORKER_ID") or default_worker_id(),
                exit_when_idle=settings.getfloat("FRONTIER_EXIT_WHEN_IDLE"),
            )
            settings.setdict(shared, priority="spider")

    @classmethod
    def from_crawler(cls, crawler: Crawler, *args: Any, **kwargs: Any) -> Self:
        if not crawler.settings.get("FRONTIER_REDIS_URL"):
            raise ValueError(
                "the frontier spider needs a frontier: -s FRONTIER_REDIS_URL=redis://HOST:6379/0"
            )
        spider = super().from_crawler(crawler, *args, **kwargs)
        spider.shared = RedisFrontier.of(crawler)
        # Read once, not for every request.
        spider.site_delays = crawler.settings.getbool("FRONTIER_SITE_DELAYS", True)
        if not spider.seeding:  # the archive state extension reads what it holds of them
            spider.learn_sites(announce=False)
        crawler.signals.connect(spider.count_site_response, signal=signals.response_received)
        return spider

    def site_of(self, url: str) -> str | None:
        """The name of the site `url` belongs to; None for a URL on none of the frontier's
        sites. The archive records a crawl run per site with it, and counts per site."""
        profile = self.frontier.profile_for(url)
        return None if profile is None else profile.name

    def count_site_response(self, response: Response) -> None:
        """Count the response for its site too, as the site's crawl run reports its pages."""
        if (site := self.site_of(response.url)) is not None:
            assert self.crawler.stats is not None
            self.crawler.stats.inc_value(site_stat(site, "response_received_count"))

    async def start(self) -> AsyncIterator[Request]:
        if self.seeding:
            async for request in super().start():
                yield request

    def learn_site_of(self, url: str) -> None:
        """Read the frontier's profiles again if `url` is on no site this worker knows."""
        if self.frontier.profile_for(url) is None:
            self.learn_sites()

    def learn_sites(self, *, announce: bool = True) -> list[SiteProfile]:
        """Add the frontier's profiles this worker does not know yet; the ones added."""
        assert self.shared is not None
        version = self.shared.profiles_version()
        if version == self.profiles_version:
            return []
        self.profiles_version = version
        known = {profile.name for profile in self.profiles}
        added = [profile for profile in self.shared.profiles() if profile.name not in known]
        if not added:
            return []
        self.profiles = (*self.profiles, *added)
        seen = self.frontier.seen
        self.frontier = Frontier(self.profiles)
        self.frontier.seen = seen
        self.allowed_domains = list(self.frontier.domains)  # Scrapy's offsite check follows
        self.logger.info("sites from the frontier: %s", ", ".join(p.name for p in added))
        if announce:
            self.crawler.signals.send_catch_log(signal=SITES_ADDED, profiles=added)
        return added

    def _request(self, url: str, kind: LinkKind, **kwargs: Any) -> Request:
        """NewsSpider's request, carrying its site's crawl delay for the shared politeness
        middleware (unless --delay chose one delay for every site)."""
        request = super()._request(url, kind, **kwargs)
        profile = self.frontier.profile_for(url) if self.site_delays else None
        if profile is not None and profile.crawl_delay:
            request.meta[SITE_DELAY_META] = profile.crawl_delay
        return request

    @staticmethod
    def _done(request: Request | None) -> Iterator[ResponseDone]:
        token = None if request is None else request.meta.get(IN_FLIGHT_ENTRY)
        if token is not None:
            yield ResponseDone(token=token)

    def _ending_with_done(
        self, output: Iterator[Any] | None, request: Request | None
    ) -> Iterator[Any]:
        """`output`, then the request's ResponseDone; also when the callback raises (the
        error still reaches Scrapy, which records it as a failure)."""
        try:
            yield from output or ()
        except Exception:
            yield from self._done(request)
            raise
        yield from self._done(request)

    def parse(self, response: Response, **kwargs: Any) -> Iterator[Any]:
        return self._ending_with_done(super().parse(response, **kwargs), response.request)

    def parse_robots(self, response: Response) -> Iterator[Any]:
        return self._ending_with_done(super().parse_robots(response), response.request)

    def on_error(self, failure: Failure) -> Iterator[Any]:
        return self._ending_with_done(super().on_error(failure), failure.request)  # type: ignore[attr-defined]

    def on_robots_error(self, failure: Failure) -> Iterator[Any]:  # type: ignore[override]
        super().on_robots_error(failure)
        return self._ending_with_done(None, failure.request)  # type: ignore[attr-defined]
