"""Fixtures for the scale-out tests: the real Redis at 127.0.0.1:6379 (or
$NEWSARCHIVE_TEST_REDIS) and a PostgreSQL archive of the test's own.

Each test gets a frontier name of its own (its Redis keys start with it), deleted
afterwards, so tests never see each other's queues. When Redis cannot be reached the tests
skip with the reason; in CI (the CI variable is set) they fail instead, since CI starts it.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator

import pytest

from archive_db.migrations import upgrade_archive
from tests.archive_db import backends

DEFAULT_REDIS_URL = "redis://127.0.0.1:6379/0"


def redis_url_for_tests() -> str:
    return os.environ.get("NEWSARCHIVE_TEST_REDIS") or DEFAULT_REDIS_URL


@pytest.fixture(scope="session")
def redis_url() -> str:
    """The test Redis server's URL, once it answers a PING."""
    import redis

    url = redis_url_for_tests()
    client = redis.Redis.from_url(url, socket_connect_timeout=3)
    try:
        client.ping()
    except redis.RedisError as error:
        backends.unavailable(f"Redis at {url} is unreachable: {error}")
    finally:
        client.close()
    return url


@pytest.fixture
def redis_client(redis_url: str) -> Iterator[object]:
    import redis

    client = redis.Redis.from_url(redis_url)
    try:
        yield client
    finally:
        client.close()


@pytest.fixture
def frontier_name(redis_client: object) -> Iterator[str]:
    """A frontier name no other test uses; its keys are deleted after the test."""
    name = f"newsarchive-test-{uuid.uuid4().hex[:12]}"
    yield name
    keys = list(redis_client.scan_iter(match=f"{name}:*", count=1000))  # type: ignore[attr-defined]
    if keys:
        redis_client.delete(*keys)  # type: ignore[attr-defined]


@pytest.fixture
def postgres_archive() -> Iterator[str]:
    """A PostgreSQL archive of this test's own at the newest schema: its URL."""
    backends.require_server()
    with backends.fresh_database() as url:
        upgrade_archive(url)
        yield url
