"""The frontier that crawl processes on many machines share: scrapy-redis, made reliable.

scrapy-redis gives Scrapy a request queue (a Redis sorted set, by priority) and a duplicate
filter (a Redis set of request fingerprints) that any number of processes share, so each
URL is fetched once across them all. Its scheduler pops a request and forgets it: a process
that dies loses every request it was fetching, and a nightly batch silently misses pages.
So here:

- a pop moves the request into its worker's in-flight hash, in the same Lua call;
- a request leaves the hash only once what its response (or failure) yielded is committed
  to the archive (the spider ends each output with an ``items.ResponseDone``, which the
  archive pipeline announces with ``items.ARCHIVE_COMMITTED`` after its commit), or once a
  redirect or retry that replaces it is in the queue;
- each worker refreshes a heartbeat key that expires after ``3 x FRONTIER_HEARTBEAT_SECONDS``;
  any worker moves the in-flight requests of a worker whose heartbeat expired back to the
  queue (``frontier/reclaimed``), and a worker that closes puts back its own;
- the frontier is *empty* when the queue and every worker's in-flight hash are: a worker
  exits once it has been empty for ``FRONTIER_EXIT_WHEN_IDLE`` seconds, so a nightly batch
  ends by itself.

A page may be fetched twice (a worker thought dead that was only slow); the archive's
upserts, keyed on the canonical URL and compared by content hash, store it once.

Keys, all under the frontier's name: ``requests`` (scrapy-redis's queue), ``dupefilter``
(scrapy-redis's), ``profiles`` (hash: site profile name -> TOML), ``workers`` (hash: worker
id -> JSON), ``alive:<worker>`` (heartbeat, with a TTL), ``inflight:<worker>`` (hash:
token -> "<score>\\n<encoded request>") and ``stats`` (hash of counters).
"""

from __future__ import annotations

import json
import logging
import os
import socket
import time
import tomllib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any, Self
from weakref import WeakKeyDictionary

import redis
from scrapy import signals
from scrapy.exceptions import CloseSpider, DontCloseSpider, NotConfigured
from scrapy_redis.scheduler import Scheduler as RedisScheduler
from twisted.internet.task import LoopingCall

from items import ARCHIVE_COMMITTED, ResponseDone
from profiles import SiteProfile, profile_from_mapping, profile_to_toml

if TYPE_CHECKING:
    from scrapy import Spider
    from scrapy.crawler import Crawler
    from scrapy.http import Request
    from scrapy.settings import BaseSettings

logger = logging.getLogger(__name__)

DEFAULT_NAME = "newsarchive"
DEFAULT_HEARTBEAT_SECONDS = 10.0
DEFAULT_EXIT_WHEN_IDLE = 60.0
# How often an idle worker looks at the queue. Scrapy itself asks its scheduler only every
# 5 s once it has found it empty, which would leave workers idle while others fill the queue.
POLL_SECONDS = 0.5
# A worker whose Redis stays silent this many heartbeats ends (finish reason below).
REDIS_PATIENCE_HEARTBEATS = 6
FRONTIER_UNAVAILABLE = "frontier_unavailable"
# request.meta: the request's entry in its worker's in-flight hash.
IN_FLIGHT_ENTRY = "frontier_entry"

# Pop the first request into the worker's in-flight hash. KEYS: queue, in-flight, stats.
_POP = """
local entry = redis.call('ZRANGE', KEYS[1], 0, 0, 'WITHSCORES')
if #entry == 0 then return false end
redis.call('ZREM', KEYS[1], entry[1])
local token = tostring(redis.call('HINCRBY', KEYS[3], 'popped', 1))
redis.call('HSET', KEYS[2], token, entry[2] .. '\\n' .. entry[1])
return {token, entry[1]}
"""
# Put a worker's in-flight requests back into the queue, unless its heartbeat is there
# (ARGV[2] == '1': it must be dead). KEYS: alive, in-flight, queue, workers, stats;
# ARGV: worker id, whether it must be dead, the stats counter. Returns the count, -1 alive.
_REQUEUE = """
if ARGV[2] == '1' and redis.call('EXISTS', KEYS[1]) == 1 then return -1 end
local entries = redis.call('HVALS', KEYS[2])
for _, value in ipairs(entries) do
  local cut = string.find(value, '\\n', 1, true)
  redis.call('ZADD', KEYS[3], string.sub(value, 1, cut - 1), string.sub(value, cut + 1))
end
redis.call('DEL', KEYS[2])
redis.call('HDEL', KEYS[4], ARGV[1])
if #entries > 0 then redis.call('HINCRBY', KEYS[5], ARGV[3], #entries) end
return #entries
"""


@dataclass(frozen=True, slots=True)
class FrontierStatus:
    """What a frontier holds right now."""

    queued: int  # requests waiting
    in_flight: int  # requests popped by workers and not yet done
    workers: tuple[str, ...]  # registered workers
    alive: tuple[str, ...]  # those whose heartbeat is fresh
    counters: dict[str, int]  # popped, reclaimed, requeued, acknowledged, ...

    @property
    def empty(self) -> bool:
        return self.queued == 0 and self.in_flight == 0


class RedisFrontier:
    """The Redis side of a shared frontier: its keys and the operations on them."""

    def __init__(self, client: redis.Redis, name: str = DEFAULT_NAME) -> None:
        if not name or any(char in name for char in ":*?[] \n"):
            raise ValueError(f"a frontier name is a word without ':' or spaces, not {name!r}")
        self.client = client
        self.name = name
        self._pop = client.register_script(_POP)
        self._requeue = client.register_script(_REQUEUE)
        self.unacknowledged: set[str] = set()  # done, but Redis failed to hear it
        self.unqueued: list[tuple[float, bytes]] = []  # (score, request) Redis failed to take

    @classmethod
    def from_url(cls, url: str, name: str = DEFAULT_NAME) -> Self:
        return cls(redis.Redis.from_url(url, socket_timeout=30, socket_connect_timeout=10), name)

    @classmethod
    def from_settings(cls, settings: BaseSettings) -> Self:
        return cls.from_url(settings["FRONTIER_REDIS_URL"], settings.get("FRONTIER_NAME"))

    @classmethod
    def of(cls, crawler: Crawler) -> RedisFrontier:
        """The crawl's one frontier, shared by its scheduler, extension and spider: what one
        of them could not tell Redis (a request to queue, one done) is told by the next call
        of any, in order: a request is queued before the one it came from is forgotten."""
        frontier = _FRONTIERS.get(crawler)
        if frontier is None:
            frontier = _FRONTIERS[crawler] = cls.from_settings(crawler.settings)
        return frontier

    def key(self, part: str) -> str:
        return f"{self.name}:{part}"

    @property
    def queue_key(self) -> str:
        return self.key("requests")

    @property
    def dupefilter_key(self) -> str:
        return self.key("dupefilter")

    # ---- requests ----------------------------------------------------------------------

    def pop(self, worker: str) -> tuple[str, bytes] | None:
        """The first request of the queue, as (token, encoded request), now in `worker`'s
        in-flight hash; None when the queue is empty."""
        popped = self._pop(keys=[self.queue_key, self.key(f"inflight:{worker}"), self.key("stats")])
        if not popped:
            return None
        token, encoded = popped
        return token.decode(), encoded

    def push(self, encoded: bytes, priority: int) -> None:
        """Queue an encoded request (after any a failed call left); kept for the next call
        when Redis fails, and the error raised."""
        self.unqueued.append((-priority, encoded))
        self.flush_unqueued()

    def flush_unqueued(self) -> None:
        while self.unqueued:
            score, encoded = self.unqueued[0]
            self.client.zadd(self.queue_key, {encoded: score})
            del self.unqueued[0]

    def ack(self, worker: str, tokens: Iterable[str] = ()) -> int:
        """Forget requests that are done, and those a failed call left; the number forgotten
        (a request reclaimed from a worker thought dead is no longer there). When Redis
        fails they are kept for the next call: an entry never forgotten would keep the
        frontier from ever being empty. The requests waiting to be queued go first: what a
        response found is queued before the response's request is forgotten."""
        self.unacknowledged.update(tokens)
        self.flush_unqueued()
        if not self.unacknowledged:
            return 0
        waiting = list(self.unacknowledged)
        done = int(self.client.hdel(self.key(f"inflight:{worker}"), *waiting))
        self.unacknowledged.difference_update(waiting)
        self.client.hincrby(self.key("stats"), "acknowledged", done)
        return done

    def requeue(self, worker: str, *, only_if_dead: bool = False) -> int:
        """Put `worker`'s in-flight requests back into the queue and unregister it; -1 when
        `only_if_dead` and its heartbeat is fresh."""
        counter = "reclaimed" if only_if_dead else "requeued"
        moved = self._requeue(
            keys=[
                self.key(f"alive:{worker}"),
                self.key(f"inflight:{worker}"),
                self.queue_key,
                self.key("workers"),
                self.key("stats"),
            ],
            args=[worker, "1" if only_if_dead else "0", counter],
        )
        return int(moved)

    def reclaim_dead(self) -> int:
        """Requeue the in-flight requests of every worker whose heartbeat expired."""
        moved = 0
        for worker in self.workers():
            if not self.client.exists(self.key(f"alive:{worker}")):
                moved += max(0, self.requeue(worker, only_if_dead=True))
        return moved

    # ---- workers -----------------------------------------------------------------------

    def heartbeat(self, worker: str, *, ttl: float, info: dict[str, Any]) -> None:
        """Say `worker` is alive for `ttl` more seconds (and register it)."""
        text = json.dumps(info, sort_keys=True)
        with self.client.pipeline() as pipe:
            pipe.set(self.key(f"alive:{worker}"), text, px=max(1, int(ttl * 1000)))
            pipe.hset(self.key("workers"), worker, text)
            pipe.execute()

    def leave(self, worker: str) -> None:
        """Unregister a worker that closed, after it put its requests back."""
        self.client.delete(self.key(f"alive:{worker}"))
        self.client.hdel(self.key("workers"), worker)

    def workers(self) -> list[str]:
        return sorted(name.decode() for name in self.client.hkeys(self.key("workers")))

    def status(self) -> FrontierStatus:
        workers = self.workers()
        with self.client.pipeline(transaction=False) as pipe:
            pipe.zcard(self.queue_key)
            pipe.hgetall(self.key("stats"))
            for worker in workers:
                pipe.hlen(self.key(f"inflight:{worker}"))
                pipe.exists(self.key(f"alive:{worker}"))
            queued, counters, *per_worker = pipe.execute()
        in_flight = sum(per_worker[0::2])
        alive = tuple(w for w, up in zip(workers, per_worker[1::2], strict=True) if up)
        return FrontierStatus(
            queued=int(queued),
            in_flight=int(in_flight),
            workers=tuple(workers),
            alive=alive,
            counters={key.decode(): int(value) for key, value in counters.items()},
        )

    def queued(self) -> int:
        return int(self.client.zcard(self.queue_key))

    # ---- sites -------------------------------------------------------------------------

    def add_profiles(self, profiles: Sequence[SiteProfile]) -> None:
        """Make the sites' profiles known to every worker (a later one of a name wins)."""
        if profiles:
            mapping = {profile.name: profile_to_toml(profile) for profile in profiles}
            self.client.hset(self.key("profiles"), mapping=mapping)  # type: ignore[arg-type]
            self.client.hincrby(self.key("stats"), "profiles_version", 1)

    def profiles(self) -> list[SiteProfile]:
        found = self.client.hgetall(self.key("profiles"))
        return [
            profile_from_mapping(tomllib.loads(text.decode()), source=f"frontier {self.name}")
            for _, text in sorted(found.items())
        ]

    def profiles_version(self) -> int:
        return int(self.client.hget(self.key("stats"), "profiles_version") or 0)

    def start_batch(self) -> bool:
        """Forget the requests seen and the sites, when nothing is queued or in flight: a
        new batch (tonight's crawl) fetches again what the last one fetched, of the sites
        seeded for it. True if it did; False while the last batch is still being crawled
        (the sites seeded now join it)."""
        if not self.status().empty:
            return False
        self.client.delete(self.dupefilter_key, self.key("profiles"))
        return True

    def clear(self) -> int:
        """Delete every key of the frontier; how many there were."""
        keys = list(self.client.scan_iter(match=f"{self.name}:*", count=1000))
        return int(self.client.delete(*keys)) if keys else 0


_FRONTIERS: WeakKeyDictionary[Crawler, RedisFrontier] = WeakKeyDictionary()


def default_worker_id() -> str:
    """host:pid, unique among the processes of a frontier."""
    return f"{socket.gethostname()}:{os.getpid()}"


def frontier_settings(url: str, name: str, *, worker: str, exit_when_idle: float) -> dict[str, Any]:
    """The Scrapy settings of a crawl process on a shared frontier."""
    return {
        "SCHEDULER": "spiders.frontier.ReliableRedisScheduler",
        "DUPEFILTER_CLASS": "scrapy_redis.dupefilter.RFPDupeFilter",
        "SCHEDULER_PERSIST": True,  # the queue outlives every worker
        "SCHEDULER_QUEUE_KEY": f"{name}:requests",
        "SCHEDULER_DUPEFILTER_KEY": f"{name}:dupefilter",
        "REDIS_URL": url,
        "FRONTIER_REDIS_URL": url,
        "FRONTIER_NAME": name,
        "FRONTIER_WORKER_ID": worker,
        "FRONTIER_EXIT_WHEN_IDLE": exit_when_idle,
        # Requests count as in flight until their output is committed: commit often.
        "ARCHIVE_FLUSH_SECONDS": 2.0,
        # Workers crawl the same sites side by side: no per-site crawl lock.
        "ARCHIVE_CRAWL_LOCK": False,
    }


class ReliableRedisScheduler(RedisScheduler):  # type: ignore[misc]
    """scrapy-redis's scheduler whose pops land in the worker's in-flight hash (see the
    module doc). A request that replaces a popped one (a redirect, a retry) carries its
    token: once it is queued, the popped one is done."""

    frontier: RedisFrontier
    worker: str
    seed_only = False  # queue what the spider starts with; pop nothing
    redis_down = False  # its Redis failed lately

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        scheduler: Self = super().from_crawler(crawler)
        settings = crawler.settings
        scheduler.frontier = RedisFrontier.of(crawler)
        scheduler.worker = settings.get("FRONTIER_WORKER_ID") or default_worker_id()
        scheduler.seed_only = settings.getbool("FRONTIER_SEED_ONLY")
        return scheduler

    def enqueue_request(self, request: Request) -> bool:
        # scrapy-redis's own, but for the entry, and without passing `spider=` to the stats
        # (deprecated by Scrapy 2.13: a warning on every request).
        entry = request.meta.pop(IN_FLIGHT_ENTRY, None)
        try:
            queued = bool(request.dont_filter or not self.df.request_seen(request))
        except redis.RedisError as error:
            self.redis_failed(error)
            queued = True  # seen or not, Redis cannot say: queue it (at worst, fetched twice)
        try:
            if queued:
                self.frontier.push(self.queue._encode_request(request), request.priority)
            if entry is not None:
                self.frontier.ack(self.worker, [entry])
        except redis.RedisError as error:  # both wait in the frontier object, in order
            self.redis_failed(error)
        if queued and self.stats:
            self.stats.inc_value("scheduler/enqueued/redis")
        elif not queued:
            self.df.log(request, self.spider)
        return queued

    def next_request(self) -> Request | None:
        if self.seed_only:
            return None
        if self.frontier.unqueued or self.frontier.unacknowledged:
            self.retry()
        try:
            popped = self.frontier.pop(self.worker)
        except redis.RedisError as error:
            self.redis_failed(error)
            return None
        if self.redis_down:  # it answers again: what it missed hearing
            self.redis_down = False
            self.retry()
        if popped is None:
            return None
        token, encoded = popped
        request: Request = self.queue._decode_request(encoded)
        request.meta[IN_FLIGHT_ENTRY] = token
        if self.stats:
            self.stats.inc_value("scheduler/dequeued/redis")
        # A request of a site seeded after this worker started: learn its profile first.
        learn = getattr(self.spider, "learn_site_of", None)
        try:
            if learn is not None:
                learn(request.url)
        except redis.RedisError as error:  # fetched anyway; its links wait for the profile
            self.redis_failed(error)
        return request

    def has_pending_requests(self) -> bool:
        if self.frontier.unqueued and not self.redis_down:
            return True  # next_request tells Redis first
        try:
            return not self.seed_only and bool(super().has_pending_requests())
        except redis.RedisError as error:
            self.redis_failed(error)
            return False

    def retry(self) -> None:
        """Tell Redis what it failed to hear: requests to queue, then requests done."""
        try:
            self.frontier.ack(self.worker)
        except redis.RedisError as error:
            self.redis_failed(error)

    def redis_failed(self, error: redis.RedisError) -> None:
        """One warning per outage, not one a request."""
        if not self.redis_down:
            logger.warning("the frontier's Redis does not answer (%s): waiting for it", error)
        self.redis_down = True

    def close(self, reason: str) -> None:
        super().close(reason)
        try:
            moved = self.frontier.requeue(self.worker)
        except redis.RedisError as error:
            logger.warning(
                "could not put this worker's unfinished requests back (%s): another worker "
                "takes them back once this one's heartbeat is old",
                error,
            )
            return
        if moved:
            logger.info("put %d unfinished requests back into the frontier", moved)
            if self.stats:
                self.stats.set_value("frontier/requeued", moved)


class FrontierExtension:
    """A worker's life on the frontier: heartbeat, reclaiming dead workers' requests,
    acknowledging committed requests, looking for work while idle, and exiting once the
    frontier has been empty for FRONTIER_EXIT_WHEN_IDLE seconds."""

    def __init__(self, crawler: Crawler, frontier: RedisFrontier) -> None:
        settings = crawler.settings
        self.crawler = crawler
        self.frontier = frontier
        self.worker: str = settings.get("FRONTIER_WORKER_ID") or default_worker_id()
        self.heartbeat_seconds = settings.getfloat(
            "FRONTIER_HEARTBEAT_SECONDS", DEFAULT_HEARTBEAT_SECONDS
        )
        self.exit_when_idle = settings.getfloat("FRONTIER_EXIT_WHEN_IDLE", DEFAULT_EXIT_WHEN_IDLE)
        self.empty_since: float | None = None  # when this worker last found it empty
        self.unreachable_since: float | None = None  # when its Redis stopped answering
        # How long a worker waits for its Redis before it gives up (6 heartbeats, 60 s).
        self.patience = REDIS_PATIENCE_HEARTBEATS * self.heartbeat_seconds
        self.seed_only = settings.getbool("FRONTIER_SEED_ONLY")
        self.started_at = datetime.now(UTC).isoformat(timespec="seconds")
        self.loops: list[LoopingCall] = []

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        if not crawler.settings.get("FRONTIER_REDIS_URL"):
            raise NotConfigured("no shared frontier (FRONTIER_REDIS_URL)")
        extension = cls(crawler, RedisFrontier.of(crawler))
        crawler.signals.connect(extension.spider_opened, signal=signals.spider_opened)
        crawler.signals.connect(extension.spider_idle, signal=signals.spider_idle)
        crawler.signals.connect(extension.spider_closed, signal=signals.spider_closed)
        crawler.signals.connect(extension.committed, signal=ARCHIVE_COMMITTED)
        return extension

    def spider_opened(self, spider: Spider) -> None:
        self.beat()
        for call, interval in ((self.beat, self.heartbeat_seconds), (self.poll, POLL_SECONDS)):
            loop = LoopingCall(call)
            loop.start(interval, now=False).addErrback(self.loop_failed)
            self.loops.append(loop)

    def loop_failed(self, failure: Any) -> None:
        logger.error("frontier upkeep stopped: %s", failure.getErrorMessage())

    def beat(self) -> None:
        """Say this worker is alive; put the requests of dead workers back into the queue."""
        try:
            self.frontier.heartbeat(
                self.worker,
                ttl=3 * self.heartbeat_seconds,
                info={"pid": os.getpid(), "host": socket.gethostname(), "since": self.started_at},
            )
            self.frontier.ack(self.worker)  # any a failed call left
            self.reclaim()
        except redis.RedisError as error:
            logger.warning("the frontier's Redis did not answer a heartbeat: %s", error)

    def reclaim(self) -> None:
        """Put the requests of workers whose heartbeat expired back into the queue."""
        moved = self.frontier.reclaim_dead()
        if moved:
            logger.warning("took back %d requests of workers that stopped answering", moved)
            assert self.crawler.stats is not None
            self.crawler.stats.inc_value("frontier/reclaimed", moved)

    def poll(self) -> None:
        """While idle, wake the engine when there is work, or when it is time to exit."""
        engine = self.crawler.engine
        if engine is None or not engine.running or engine.spider is None:
            return
        try:
            due = self.frontier.queued() > 0 or (
                self.empty_since is not None
                and time.monotonic() - self.empty_since >= self.exit_when_idle
            )
        except redis.RedisError:
            return
        slot = getattr(engine, "_slot", None)  # Scrapy's own way to run its loop at once
        if due and slot is not None:
            slot.nextcall.schedule()

    def spider_idle(self, spider: Spider) -> None:
        """Keep the worker open unless the frontier has been empty for long enough."""
        now = time.monotonic()
        try:
            self.frontier.ack(self.worker)  # any a failed call left
            self.reclaim()
            status = self.frontier.status()
        except redis.RedisError as error:
            self.unreachable_since = self.unreachable_since or now
            if now - self.unreachable_since < self.patience:
                raise DontCloseSpider from None
            logger.error(
                "the frontier's Redis has not answered for %.0f s (%s): this worker stops",
                now - self.unreachable_since,
                error,
            )
            raise CloseSpider(FRONTIER_UNAVAILABLE) from None
        self.unreachable_since = None
        if self.seed_only:
            return  # the seeds are queued: done
        if not status.empty:
            self.empty_since = None
            raise DontCloseSpider
        if self.empty_since is None:
            self.empty_since = now
        if now - self.empty_since < self.exit_when_idle:
            raise DontCloseSpider
        logger.info(
            "the frontier has been empty for %.0f s: this worker ends", now - self.empty_since
        )

    def committed(self, done: Sequence[ResponseDone]) -> None:
        try:
            acknowledged = self.frontier.ack(self.worker, (item.token for item in done))
        except redis.RedisError as error:  # kept by the frontier object, told by its next call
            logger.warning("could not tell the frontier %d requests are done: %s", len(done), error)
            return
        assert self.crawler.stats is not None
        self.crawler.stats.inc_value("frontier/acknowledged", acknowledged)

    def spider_closed(self, spider: Spider, reason: str) -> None:
        for loop in self.loops:
            if loop.running:
                loop.stop()
        try:
            self.frontier.leave(self.worker)
        except redis.RedisError as error:
            logger.warning("could not unregister from the frontier: %s", error)
