"""Every fixture case under tests/fixtures/<site>/<case>/: the parser's output, field by field."""

from __future__ import annotations

from functools import cache
from pathlib import Path
from typing import Any

import pytest

from items import RECORD_KEYS
from parsers.fixtures import load_expected, run_case

FIXTURES = Path(__file__).resolve().parent / "fixtures"
CASES = sorted(path.parent for path in FIXTURES.glob("*/*/expected.json"))


def case_id(case: Path) -> str:
    return f"{case.parent.name}/{case.name}"


@cache
def actual(case: Path) -> dict[str, Any] | None:
    return run_case(case)


@cache
def expected(case: Path) -> dict[str, Any] | None:
    return load_expected(case)


def field_params(cases: list[Path]) -> list[Any]:
    """(case, field) pairs: every record key of article cases, one "article" check for null ones."""
    params = []
    for case in cases:
        fields = RECORD_KEYS if expected(case) is not None else ("article",)
        params += [pytest.param(case, field, id=f"{case_id(case)}:{field}") for field in fields]
    return params


@pytest.mark.parametrize(("case", "field"), field_params(CASES))
def test_fixture_field(case: Path, field: str) -> None:
    want, got = expected(case), actual(case)
    if field == "article":
        assert got is None, "expected.json is null (not an article) but the parser found one"
        return
    assert want is not None
    assert got is not None, "the parser says this page is not an article"
    assert got[field] == want[field]


@pytest.mark.parametrize("case", CASES, ids=[case_id(case) for case in CASES])
def test_fixture_keys(case: Path) -> None:
    want = expected(case)
    if want is None:
        return
    missing = sorted(set(RECORD_KEYS) - set(want))
    extra = sorted(set(want) - set(RECORD_KEYS))
    assert not missing and not extra, f"expected.json: missing {missing}, extra {extra}"
    got = actual(case)
    assert got is not None and list(got) == sorted(RECORD_KEYS)


def test_there_are_fixture_cases() -> None:
    assert any(case.parent.name == "chamberlainfiles" for case in CASES)
