"""The demo site, served on loopback once for all reliability tests."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from demo.server import DemoServer, serve_demo


@pytest.fixture(scope="session")
def demo_site() -> Iterator[DemoServer]:
    with serve_demo(port=0) as server:
        yield server
