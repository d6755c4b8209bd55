"""parsers.fixtures: writing a case, rerunning it, updating expected.json, reading errors."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import pytest

from parsers.fixtures import (
    FixtureError,
    diff_fields,
    load_case,
    load_expected,
    run_case,
    update_expected,
    write_case,
)
from tests.parsers.pages import URL, build_page

FETCHED = datetime(2014, 11, 6, 12, 0, tzinfo=UTC)


def test_write_case_saves_three_files_in_the_fixture_json_style(tmp_path: Path) -> None:
    case = write_case(tmp_path / "example" / "budget", html=build_page().encode(), url=URL,
                      fetched_at=FETCHED, note="A plain article.", http_charset="utf-8")
    meta_text = (case / "meta.json").read_text(encoding="utf-8")
    assert json.loads(meta_text) == {"url": URL, "fetched_at": "2014-11-06T12:00:00+00:00",
                                     "note": "A plain article.", "http_charset": "utf-8"}
    expected_text = (case / "expected.json").read_text(encoding="utf-8")
    data = json.loads(expected_text)
    assert expected_text == json.dumps(data, indent=2, ensure_ascii=False, sort_keys=True) + "\n"
    assert data["title"] == "Council budget approved"
    assert run_case(case) == load_expected(case) == data
    assert load_case(case).site == "example"
    assert diff_fields(case) == []


def test_update_expected_reports_whether_anything_changed(tmp_path: Path) -> None:
    case = write_case(tmp_path / "s" / "c", html=build_page().encode(), url=URL,
                      fetched_at=FETCHED, note="")
    assert update_expected(case) is False
    (case / "expected.json").write_text('{"title": "wrong"}\n', encoding="utf-8")
    assert "title" in diff_fields(case)
    assert update_expected(case) is True
    assert load_expected(case)["title"] == "Council budget approved"  # type: ignore[index]


def test_non_article_case_expects_null(tmp_path: Path) -> None:
    case = write_case(tmp_path / "s" / "pdf", html=b"%PDF-1.4 ...", url=URL, fetched_at=None,
                      note="not HTML")
    assert (case / "expected.json").read_text(encoding="utf-8") == "null\n"
    assert run_case(case) is None


def test_missing_files_raise_fixture_error(tmp_path: Path) -> None:
    with pytest.raises(FixtureError, match=r"page\.html"):
        load_case(tmp_path)
    with pytest.raises(FixtureError, match=r"expected\.json"):
        load_expected(tmp_path)
