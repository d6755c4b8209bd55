"""spiders.frontier.RedisFrontier on the real Redis: pops land in a worker's in-flight hash,
acknowledgements forget them, a dead worker's requests go back in priority order, a new
batch starts only on an empty frontier."""

from __future__ import annotations

import time
from typing import Any

import pytest
from scrapy import Spider
from scrapy.http import Request
from scrapy_redis.queue import PriorityQueue

from profiles import profile_for_url
from spiders.frontier import RedisFrontier


class _Spider(Spider):
    name = "t"

    def parse(self, response: Any) -> None:
        return None


@pytest.fixture
def frontier(redis_client: Any, frontier_name: str) -> RedisFrontier:
    return RedisFrontier(redis_client, frontier_name)


def queue_of(frontier: RedisFrontier) -> PriorityQueue:
    return PriorityQueue(frontier.client, _Spider(), frontier.queue_key)


def push(frontier: RedisFrontier, url: str, priority: int = 0) -> None:
    queue_of(frontier).push(Request(url, priority=priority))


def url_of(frontier: RedisFrontier, encoded: bytes) -> str:
    return queue_of(frontier)._decode_request(encoded).url


def test_a_pop_takes_the_highest_priority_into_the_workers_in_flight(
    frontier: RedisFrontier,
) -> None:
    push(frontier, "http://a.test/listing", priority=0)
    push(frontier, "http://a.test/article", priority=10)
    token, encoded = frontier.pop("w1") or ("", b"")
    assert url_of(frontier, encoded) == "http://a.test/article"
    status = frontier.status()
    assert (status.queued, status.in_flight) == (1, 0)  # w1 is not registered yet
    frontier.heartbeat("w1", ttl=30, info={})
    assert frontier.status().in_flight == 1
    assert frontier.ack("w1", [token]) == 1
    assert frontier.ack("w1", [token]) == 0  # once only
    status = frontier.status()
    assert (status.queued, status.in_flight, status.counters["popped"]) == (1, 0, 1)
    assert not status.empty


def test_an_empty_queue_pops_nothing(frontier: RedisFrontier) -> None:
    assert frontier.pop("w1") is None
    assert frontier.status().empty


def test_a_dead_workers_requests_go_back_in_priority_order(frontier: RedisFrontier) -> None:
    for priority, path in ((10, "a1"), (10, "a2"), (0, "l1")):
        push(frontier, f"http://a.test/{path}", priority)
    frontier.heartbeat("doomed", ttl=0.2, info={})
    frontier.heartbeat("alive", ttl=30, info={})
    frontier.pop("doomed")
    frontier.pop("doomed")
    frontier.pop("alive")
    assert frontier.reclaim_dead() == 0  # both still answer
    time.sleep(0.4)
    assert frontier.reclaim_dead() == 2
    status = frontier.status()
    assert (status.queued, status.in_flight, status.workers) == (2, 1, ("alive",))
    assert status.counters["reclaimed"] == 2
    first = frontier.pop("alive")
    assert first is not None
    assert url_of(frontier, first[1]) in {"http://a.test/a1", "http://a.test/a2"}


def test_a_live_worker_is_never_reclaimed(frontier: RedisFrontier) -> None:
    push(frontier, "http://a.test/a1")
    frontier.heartbeat("w1", ttl=30, info={})
    frontier.pop("w1")
    assert frontier.requeue("w1", only_if_dead=True) == -1
    assert frontier.status().in_flight == 1


def test_a_worker_that_closes_puts_its_requests_back(frontier: RedisFrontier) -> None:
    push(frontier, "http://a.test/a1")
    frontier.heartbeat("w1", ttl=30, info={})
    frontier.pop("w1")
    assert frontier.requeue("w1") == 1
    frontier.leave("w1")
    status = frontier.status()
    assert (status.queued, status.in_flight, status.workers) == (1, 0, ())


def test_a_new_batch_starts_only_when_nothing_is_queued_or_in_flight(
    frontier: RedisFrontier,
) -> None:
    frontier.client.sadd(frontier.dupefilter_key, "seen-fingerprint")
    frontier.add_profiles([profile_for_url("http://a.test/")])
    push(frontier, "http://a.test/a1")
    assert not frontier.start_batch()
    assert frontier.client.scard(frontier.dupefilter_key) == 1
    frontier.heartbeat("w1", ttl=30, info={})
    popped = frontier.pop("w1")
    assert popped is not None
    assert not frontier.start_batch()  # in flight still
    frontier.ack("w1", [popped[0]])
    assert frontier.start_batch()
    assert frontier.client.scard(frontier.dupefilter_key) == 0
    assert frontier.profiles() == []


def test_profiles_round_trip_and_bump_the_version(frontier: RedisFrontier) -> None:
    first = profile_for_url("http://a.test/news/")
    second = profile_for_url("https://b.test/")
    assert frontier.profiles_version() == 0
    frontier.add_profiles([first, second])
    assert frontier.profiles_version() == 1
    assert sorted(frontier.profiles(), key=lambda p: p.name) == sorted(
        [first, second], key=lambda p: p.name
    )


def test_clear_removes_every_key_of_the_frontier_and_no_other(
    frontier: RedisFrontier, redis_client: Any, frontier_name: str
) -> None:
    push(frontier, "http://a.test/a1")
    frontier.heartbeat("w1", ttl=30, info={})
    redis_client.set(f"{frontier_name}x:other", "kept")
    try:
        assert frontier.clear() >= 3
        assert list(redis_client.scan_iter(match=f"{frontier_name}:*")) == []
        assert redis_client.get(f"{frontier_name}x:other") == b"kept"
    finally:
        redis_client.delete(f"{frontier_name}x:other")


@pytest.mark.parametrize("name", ["", "a:b", "a b", "a*"])
def test_a_frontier_name_cannot_reach_into_other_keys(redis_client: Any, name: str) -> None:
    with pytest.raises(ValueError, match="frontier name"):
        RedisFrontier(redis_client, name)
