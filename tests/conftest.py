"""Hooks every test folder shares: each test that asks for `backend` runs per archive backend."""

from __future__ import annotations

import pytest

from tests.archive_db import backends


def pytest_configure(config: pytest.Config) -> None:
    backends.register_marker(config)


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    backends.parametrize_backend(metafunc)


@pytest.fixture
def backend(request: pytest.FixtureRequest) -> str:
    """ "sqlite" or "postgresql" (parametrized by pytest_generate_tests)."""
    return str(request.param)
