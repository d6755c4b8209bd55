"""Per-site politeness shared by every crawl process on one frontier (Redis).

Why: Scrapy's download slots (``DOWNLOAD_DELAY``, ``CONCURRENT_REQUESTS_PER_DOMAIN``,
AutoThrottle) live in one process, so N workers on one frontier would give a site N times
the load a single crawl gives it. ``SharedPolitenessMiddleware`` makes the workers agree,
per host (the request URL's host, lowercased), through two atomic Lua scripts:

- a minimum interval between request starts: each request reserves the next start time,
  read from Redis ``TIME`` (workers' clocks may disagree), and waits until then. The
  interval is the larger of ``DOWNLOAD_DELAY`` and this process's current delay for the
  request's download slot (which AutoThrottle raises for slow sites), never above
  ``AUTOTHROTTLE_MAX_DELAY``, or the site profile's own crawl delay when longer; 0 means no
  spacing;
- a cap on requests in flight: at most ``CONCURRENT_REQUESTS_PER_DOMAIN`` leases at once,
  each expiring after ``FRONTIER_LEASE_SECONDS`` (default ``DOWNLOAD_TIMEOUT`` + 30) so a
  worker that dies frees its hosts. A request waits (polling, without blocking the reactor)
  for a lease, then for its start; the lease is returned once its download ends.

Not shared: robots.txt is fetched once per worker (each parses its own copy), AutoThrottle
measures latency per worker, and each worker's own slots still apply on top (their jitter
may stretch a delay by up to half). When Redis cannot be reached, requests go ahead under
each worker's own slots only (``politeness/redis_unavailable``) until it answers again.

Keys: ``<FRONTIER_NAME>:polite:<host>:next`` (the next free start time, epoch seconds) and
``<FRONTIER_NAME>:polite:<host>:leases`` (sorted set: lease id -> expiry, epoch seconds);
both expire by themselves a minute after a host's last start or lease runs out.
"""

from __future__ import annotations

import asyncio
import logging
import time
import uuid
from dataclasses import dataclass
from typing import TYPE_CHECKING, Self

import redis
from scrapy import signals
from scrapy.exceptions import NotConfigured
from scrapy.utils.httpobj import urlparse_cached

if TYPE_CHECKING:
    from scrapy import Spider
    from scrapy.crawler import Crawler
    from scrapy.http import Request, Response

logger = logging.getLogger(__name__)

LEASE_META = "politeness_lease"  # request.meta key: the id of the lease the request holds
# request.meta key: the crawl delay the request's site profile asks for (seconds), set by
# spiders.frontier_spider: one spider crawls every site, so no single DOWNLOAD_DELAY fits.
SITE_DELAY_META = "site_crawl_delay"
FIRST_POLL_SECONDS = 0.05  # first pause when a host is full; each next one is 1.5x longer
LAST_POLL_SECONDS = 0.2
RETRY_REDIS_SECONDS = 30.0  # after Redis failed, requests skip it this long before trying again
REDIS_TIMEOUT_SECONDS = 2.0  # each call runs on the reactor's thread: never wait long
IDLE_KEY_SECONDS = 60  # how long a host's keys outlive its last reservation or lease

# KEYS[1]: the host's next-start key. ARGV[1]: the interval (s). Returns {start, wait} (s),
# as strings: Redis would truncate Lua numbers to integers.
RESERVE_START = """
local time = redis.call('TIME')
local now = tonumber(time[1]) + tonumber(time[2]) / 1000000
local interval = tonumber(ARGV[1])
local start = math.max(now, tonumber(redis.call('GET', KEYS[1]) or '0'))
local ttl = math.ceil(start - now + interval) + tonumber(ARGV[2])
redis.call('SET', KEYS[1], string.format('%.6f', start + interval), 'EX', ttl)
return {string.format('%.6f', start), string.format('%.6f', start - now)}
"""

# KEYS[1]: the host's lease set. ARGV: cap, lease seconds, lease id, idle key seconds.
# Returns 1 when the lease was granted, 0 when the host is full.
ACQUIRE_LEASE = """
local time = redis.call('TIME')
local now = tonumber(time[1]) + tonumber(time[2]) / 1000000
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', string.format('%.6f', now))
if redis.call('ZCARD', KEYS[1]) >= tonumber(ARGV[1]) then
    return 0
end
local lease_seconds = tonumber(ARGV[2])
redis.call('ZADD', KEYS[1], string.format('%.6f', now + lease_seconds), ARGV[3])
local ttl = math.ceil(lease_seconds) + tonumber(ARGV[4])
if redis.call('TTL', KEYS[1]) < ttl then
    redis.call('EXPIRE', KEYS[1], ttl)
end
return 1
"""


@dataclass(frozen=True, slots=True)
class Reservation:
    """A request's reserved start on a host, by Redis's clock (epoch seconds)."""

    start: float
    wait: float  # seconds from now until start


class SharedPoliteness:
    """The two shared rules on one frontier's Redis, without Scrapy: reservations and leases.

    Raises ``redis.RedisError`` when Redis cannot be reached; the caller decides what then.
    """

    def __init__(self, client: redis.Redis, frontier_name: str) -> None:
        self.client = client
        self.prefix = f"{frontier_name}:polite:"
        self._reserve_start = client.register_script(RESERVE_START)
        self._acquire_lease = client.register_script(ACQUIRE_LEASE)

    def reserve_start(self, host: str, interval: float) -> Reservation:
        """Reserve the host's next start, at least `interval` seconds after the previous one."""
        start, wait = self._reserve_start(
            keys=[f"{self.prefix}{host}:next"], args=[interval, IDLE_KEY_SECONDS]
        )
        return Reservation(start=float(start), wait=float(wait))

    def acquire_lease(self, host: str, *, cap: int, lease_seconds: float) -> str | None:
        """A new lease's id, or None when `cap` unexpired leases on the host are out."""
        lease_id = uuid.uuid4().hex
        granted = self._acquire_lease(
            keys=[f"{self.prefix}{host}:leases"],
            args=[cap, lease_seconds, lease_id, IDLE_KEY_SECONDS],
        )
        return lease_id if granted else None

    def release_lease(self, host: str, lease_id: str) -> None:
        self.client.zrem(f"{self.prefix}{host}:leases", lease_id)


class SharedPolitenessMiddleware:
    """Space request starts and cap requests in flight per host across all workers.

    Enabled at 940 in frontier mode, next to the downloader: retries and redirects pass it
    again, and a response from HttpCache (900) never takes a lease.
    """

    def __init__(
        self,
        crawler: Crawler,
        politeness: SharedPoliteness,
        *,
        cap: int,
        lease_seconds: float,
    ) -> None:
        self.crawler = crawler
        self.politeness = politeness
        self.cap = cap
        self.lease_seconds = lease_seconds
        self.download_delay = crawler.settings.getfloat("DOWNLOAD_DELAY")
        self.max_delay = crawler.settings.getfloat("AUTOTHROTTLE_MAX_DELAY")
        self.held: dict[str, str] = {}  # lease id -> host, for leases not yet returned
        self.unreturned: list[tuple[str, str]] = []  # (host, lease id) ended, Redis to hear
        # One request a host polls for a lease at a time; the others queue here, in order.
        self.lease_queues: dict[str, asyncio.Lock] = {}
        self.redis_down_until = 0.0  # monotonic time before which Redis is not tried

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        settings = crawler.settings
        if not (redis_url := settings.get("FRONTIER_REDIS_URL")):
            raise NotConfigured("FRONTIER_REDIS_URL is not set: not crawling on a frontier")
        client = redis.Redis.from_url(
            redis_url,
            socket_connect_timeout=REDIS_TIMEOUT_SECONDS,
            socket_timeout=REDIS_TIMEOUT_SECONDS,
        )
        lease_seconds = settings.getfloat(
            "FRONTIER_LEASE_SECONDS", settings.getfloat("DOWNLOAD_TIMEOUT") + 30
        )
        middleware = cls(
            crawler,
            SharedPoliteness(client, settings.get("FRONTIER_NAME") or "newsarchive"),
            cap=settings.getint("CONCURRENT_REQUESTS_PER_DOMAIN"),
            lease_seconds=lease_seconds,
        )
        # A download that fails or is cancelled still leaves the downloader: its host is free.
        crawler.signals.connect(middleware.request_left_downloader, signals.request_left_downloader)
        crawler.signals.connect(middleware.spider_closed, signals.spider_closed)
        return middleware

    async def process_request(self, request: Request) -> None:
        """Wait for a lease on the request's host, then for its reserved start."""
        self.release(request)  # a lease id copied from the request this one replaces
        if not (host := urlparse_cached(request).hostname):
            return
        if time.monotonic() < self.redis_down_until:
            self.crawler.stats.inc_value("politeness/redis_unavailable")
            return
        began = time.monotonic()
        if self.unreturned:
            self.return_leases()
        try:
            had_to_wait = await self._wait_for_turn(request, host)
        except redis.RedisError as error:
            self._redis_failed(error)
            self.crawler.stats.inc_value("politeness/redis_unavailable")
            self.release(request)
            return
        except asyncio.CancelledError:
            self.release(request)
            raise
        if had_to_wait:
            self.crawler.stats.inc_value("politeness/waited")
            stats = self.crawler.stats  # its inc_value is typed for ints only
            total = stats.get_value("politeness/wait_seconds", 0.0)
            stats.set_value("politeness/wait_seconds", total + time.monotonic() - began)

    async def _wait_for_turn(self, request: Request, host: str) -> bool:
        """Take a lease (unless unlimited), then wait out a reserved start; True if it waited."""
        had_to_wait = False
        if self.cap > 0:  # Scrapy reads 0 as no limit
            lease_queue = self.lease_queues.setdefault(host, asyncio.Lock())
            had_to_wait = lease_queue.locked()
            async with lease_queue:
                pause = FIRST_POLL_SECONDS
                while not (
                    lease_id := self.politeness.acquire_lease(
                        host, cap=self.cap, lease_seconds=self.lease_seconds
                    )
                ):
                    had_to_wait = True
                    await asyncio.sleep(pause)
                    pause = min(pause * 1.5, LAST_POLL_SECONDS)
                request.meta[LEASE_META] = lease_id
                self.held[lease_id] = host
        if interval := self.interval_of(request):
            reservation = self.politeness.reserve_start(host, interval)
            if reservation.wait > 0:
                had_to_wait = True
                await asyncio.sleep(reservation.wait)
        return had_to_wait

    def interval_of(self, request: Request) -> float:
        """Seconds between starts on the request's host: DOWNLOAD_DELAY or its slot's delay
        (at most AUTOTHROTTLE_MAX_DELAY), or the crawl delay its site's profile asks for."""
        downloader = self.crawler.engine.downloader
        slot = downloader.slots.get(downloader.get_slot_key(request))
        slot_delay = slot.delay if slot is not None else 0.0
        site_delay = float(request.meta.get(SITE_DELAY_META) or 0.0)
        return max(min(max(self.download_delay, slot_delay), self.max_delay), site_delay)

    def process_response(self, request: Request, response: Response) -> Response:
        self.release(request)
        return response

    def process_exception(self, request: Request, exception: Exception) -> None:
        self.release(request)

    def request_left_downloader(self, request: Request, spider: Spider) -> None:
        self.release(request)

    def spider_closed(self, spider: Spider) -> None:
        """Return the leases of requests dropped unfinished (the crawl stopped mid-way)."""
        for lease_id, host in list(self.held.items()):
            self._release_lease(host, lease_id)
        self.politeness.client.close()

    def release(self, request: Request) -> None:
        """Return the request's lease, if it holds one (once: later calls do nothing)."""
        lease_id = request.meta.pop(LEASE_META, None)
        if lease_id is not None and (host := self.held.get(lease_id)) is not None:
            self._release_lease(host, lease_id)

    def _release_lease(self, host: str, lease_id: str) -> None:
        del self.held[lease_id]
        self.unreturned.append((host, lease_id))
        if time.monotonic() >= self.redis_down_until:
            self.return_leases()

    def return_leases(self) -> None:
        """Return the leases Redis could not take back when they ended: until it does, they
        count against their host's cap (a Redis restarted from its append-only file still
        holds them), and a worker would wait for their expiry."""
        try:
            while self.unreturned:
                self.politeness.release_lease(*self.unreturned[0])
                del self.unreturned[0]
        except redis.RedisError as error:
            self._redis_failed(error)

    def _redis_failed(self, error: redis.RedisError) -> None:
        """Go on with each worker's own slots alone; try Redis again in a while."""
        if not self.redis_down_until:  # one warning a crawl, not one a request
            logger.warning(
                "Shared politeness is off: Redis failed (%s); requests go ahead under this "
                "worker's own delays and concurrency, and Redis is tried again after %d s",
                error,
                RETRY_REDIS_SECONDS,
            )
        self.redis_down_until = time.monotonic() + RETRY_REDIS_SECONDS
