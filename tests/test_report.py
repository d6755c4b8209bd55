"""`newsarchive report`: one self-contained HTML page whose numbers are the archive's own.

The archive is written with archive_db.writes, as crawls write it; the page is read back
with lxml and its numbers compared with plain SQL over the same file.
"""

from __future__ import annotations

import re
import sqlite3
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import lxml.html
import pytest
from lxml.html import HtmlElement
from sqlalchemy.orm import Session

from archive_db.engine import make_engine
from archive_db.health import ExtractionCounts
from archive_db.migrations import upgrade_archive
from archive_db.writes import (
    finish_crawl_run,
    resolve_failures,
    save_articles,
    save_failure,
    start_crawl_run,
)
from cli import EXIT_ARCHIVE, EXIT_BAD_INPUT, EXIT_OK, main
from tests.factories import make_failure, make_record

START = datetime(2024, 5, 1, 2, tzinfo=UTC)
SCRIPT_TITLE = "<script>alert('pwned')</script> & friends"
# Per site, per run (one a day, some days skipped): new articles, and the health counts.
RUNS = {
    "alpha": [(0, 3), (1, 0), (3, 5), (4, 2), (6, 4)],  # (day, new articles)
    "beta": [(0, 2), (2, 1)],
}
FAILURES = {  # site -> (reason, resolved later?)
    "alpha": [("HTTP 404", False), ("HTTP 404", False), ("HTTP 404", True), ("timeout", True)],
    "beta": [("HTTP 503 <retry later>", False)],
}


def build_archive(path: Path) -> None:
    engine = make_engine(str(path))
    upgrade_archive(engine)
    with Session(engine) as session, session.begin():
        for site, runs in RUNS.items():
            failures = iter(FAILURES[site])
            for index, (day, new) in enumerate(runs):
                started = START + timedelta(days=day)
                run_id = start_crawl_run(session, arguments={}, site=site, started_at=started)
                records = [
                    make_record(
                        url=f"https://{site}.example.org/story-{day}-{n}",
                        canonical_url=None,
                        title=SCRIPT_TITLE if (site, day, n) == ("alpha", 6, 0) else f"{day} {n}",
                    )
                    for n in range(new)
                ]
                seen = started + timedelta(minutes=3)
                save_articles(session, [(r, seen) for r in records], crawl_run_id=run_id)
                if (failure := next(failures, None)) is not None:
                    reason, resolved = failure
                    url = f"https://{site}.example.org/failed-{day}"
                    item = make_failure(url=url, reason=reason, failed_at=seen)
                    save_failure(session, item, crawl_run_id=run_id)
                    if resolved:
                        resolve_failures(session, [url], resolved_at=seen + timedelta(hours=1))
                # alpha's latest run lost its dates: a template change.
                dated = 2 if (site, index) == ("alpha", len(runs) - 1) else 40
                finish_crawl_run(
                    session,
                    run_id,
                    counts={"response_received_count": 50, "archive/inserted": new},
                    finish_reason="finished",
                    finished_at=started + timedelta(minutes=9),
                    extraction=ExtractionCounts(40, 40, dated, 30, 40),
                )
    engine.dispose()


@pytest.fixture
def archive(tmp_path: Path) -> Path:
    path = tmp_path / "archive.sqlite"
    build_archive(path)
    return path


@pytest.fixture
def page(archive: Path, tmp_path: Path) -> HtmlElement:
    out = tmp_path / "report.html"
    assert main(["report", "--db", str(archive), "-o", str(out)]) == EXIT_OK
    return lxml.html.fromstring(out.read_text(encoding="utf-8"))


def sections(page: HtmlElement) -> dict[str, HtmlElement]:
    return {s.get("data-site"): s for s in page.xpath('//section[@class="site"]')}


def query(db: Path, sql: str, *parameters: object) -> list[tuple]:
    with sqlite3.connect(f"file:{db}?mode=ro", uri=True) as connection:
        return connection.execute(sql, parameters).fetchall()


def archived_per_day(db: Path, site: str) -> dict[str, int]:
    rows = query(
        db,
        "SELECT date(v.seen_at), count(*) FROM article_version v"
        " JOIN crawl_run r ON r.id = v.crawl_run_id"
        " WHERE v.number = 1 AND r.site = ? GROUP BY 1",
        site,
    )
    return dict(rows)


def chart_per_day(section: HtmlElement) -> dict[str, int]:
    bars = section.xpath('.//svg[contains(@class, "per-day")]//rect[@data-day]')
    return {bar.get("data-day"): int(bar.get("data-count")) for bar in bars}


def test_one_section_per_site(page: HtmlElement) -> None:
    assert list(sections(page)) == ["alpha", "beta"]


@pytest.mark.parametrize("site", ["alpha", "beta"])
def test_bars_count_the_articles_archived_each_day(
    page: HtmlElement, archive: Path, site: str
) -> None:
    chart = chart_per_day(sections(page)[site])
    expected = archived_per_day(archive, site)
    assert {day: count for day, count in chart.items() if count} == expected
    # Every day between the first and the last has its bar, empty days at 0.
    days = [date.fromisoformat(day) for day in chart]
    assert days == [days[0] + timedelta(days=n) for n in range(len(days))]
    assert (min(chart), max(chart)) == (min(expected), max(expected))


@pytest.mark.parametrize("site", ["alpha", "beta"])
def test_failures_table_counts_the_archives_failures_by_reason(
    page: HtmlElement, archive: Path, site: str
) -> None:
    rows = sections(page)[site].xpath('.//table[@class="failures"]/tbody/tr')
    shown = {tr[0].text_content(): (int(tr[1].text), int(tr[2].text)) for tr in rows}
    stored = query(
        archive,
        "SELECT f.reason, sum(f.resolved_at IS NULL), sum(f.resolved_at IS NOT NULL)"
        " FROM fetch_failure f JOIN crawl_run r ON r.id = f.crawl_run_id"
        " WHERE r.site = ? GROUP BY f.reason",
        site,
    )
    assert shown == {reason: (unresolved, resolved) for reason, unresolved, resolved in stored}


def test_coverage_charts_show_every_run_and_the_drop(page: HtmlElement) -> None:
    alpha = sections(page)["alpha"]
    published = alpha.xpath('.//svg[@data-field="published"]//circle')
    shares = [float(point.get("data-share")) for point in published]
    assert shares == [1.0] * (len(RUNS["alpha"]) - 1) + [0.05]
    assert "drifted" in published[-1].get("class")
    titles = alpha.xpath('.//svg[@data-field="title"]//circle/@data-share')
    assert set(titles) == {"1.0000"}


def test_drift_is_highlighted_in_the_summary_and_the_sites_section(page: HtmlElement) -> None:
    expected = (
        "alpha: published found on 5% of 40 articles, against 100% in the last 4 runs"
        " — has the template changed?"
    )
    summary_box = page.xpath('//section[@id="summary"]//div[@class="drift"]//li')
    assert [item.text_content() for item in summary_box] == [expected]
    boxes = {site: s.xpath('.//div[@class="drift"]//li') for site, s in sections(page).items()}
    assert [item.text_content() for item in boxes["alpha"]] == [expected]
    assert boxes["beta"] == []


def test_last_runs_table_lists_the_runs_newest_first(page: HtmlElement) -> None:
    rows = sections(page)["alpha"].xpath('.//table[@class="runs"]/tbody/tr')
    started = [row[0].text for row in rows]
    days = sorted((day for day, _ in RUNS["alpha"]), reverse=True)
    assert started == [(START + timedelta(days=day)).strftime("%Y-%m-%d %H:%M") for day in days]
    first = rows[0]
    # started, duration, pages, new, updated, failures, outcome
    assert [cell.text_content() for cell in first[1:]] == ["9m00s", "50", "4", "0", "0", "finished"]


def test_the_page_references_nothing_outside_itself(page: HtmlElement) -> None:
    external = re.compile(r"^\s*(https?:)?//", re.IGNORECASE)
    for element in page.iter():
        if not isinstance(element.tag, str):
            continue
        for name, value in element.attrib.items():
            assert not external.match(value), (element.tag, name, value)
    assert page.xpath("//script | //link | //img | //iframe | //object | //embed") == []
    styles = " ".join(style.text_content() for style in page.xpath("//style"))
    assert "@import" not in styles and "url(" not in styles


def test_a_title_from_the_web_is_text_not_markup(page: HtmlElement) -> None:
    assert page.xpath("//script") == []
    titles = sections(page)["alpha"].xpath('.//table[@class="articles"]/tbody/tr/td[2]')
    assert SCRIPT_TITLE in [cell.text_content() for cell in titles]


def test_site_filters_the_report(archive: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["report", "--db", str(archive), "--site", "beta", "-o", "-"]) == EXIT_OK
    page = lxml.html.fromstring(capsys.readouterr().out)
    assert list(sections(page)) == ["beta"]
    assert page.xpath('//section[@id="summary"]//div[@class="drift"]') == []


def test_since_leaves_out_earlier_days_and_runs(
    archive: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["report", "--db", str(archive), "--since", "2024-05-04", "-o", "-"]) == EXIT_OK
    alpha = sections(lxml.html.fromstring(capsys.readouterr().out))["alpha"]
    # alpha's runs of days 3, 4 and 6 after May 1st.
    assert chart_per_day(alpha) == {
        "2024-05-04": 5,
        "2024-05-05": 2,
        "2024-05-06": 0,
        "2024-05-07": 4,
    }
    assert len(alpha.xpath('.//table[@class="runs"]/tbody/tr')) == 3


def test_dash_writes_the_page_to_stdout_and_no_file(
    archive: Path,
    capsys: pytest.CaptureFixture[str],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.chdir(tmp_path)
    assert main(["report", "--db", str(archive), "-o", "-"]) == EXIT_OK
    out = capsys.readouterr().out
    assert out.startswith("<!DOCTYPE html>") and out.rstrip().endswith("</html>")
    assert not (tmp_path / "report.html").exists()
    assert not [p.name for p in tmp_path.iterdir() if not p.name.startswith("archive.sqlite")]


def test_the_default_output_is_report_html(
    archive: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    assert main(["report", "--db", str(archive)]) == EXIT_OK
    assert "<h1>newsarchive report</h1>" in (tmp_path / "report.html").read_text()


def one_line_error(err: str) -> str:
    lines = [line for line in err.splitlines() if line.strip()]
    assert len(lines) == 1 and "Traceback" not in err, err
    return lines[0]


def test_a_missing_archive_is_one_line_and_exit_4(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "report.html"
    assert main(["report", "--db", str(tmp_path / "none.sqlite"), "-o", str(out)]) == EXIT_ARCHIVE
    assert "no archive at" in one_line_error(capsys.readouterr().err)
    assert not out.exists()


def test_an_unknown_site_is_one_line_and_exit_3(
    archive: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["report", "--db", str(archive), "--site", "gamma", "-o", "-"]) == EXIT_BAD_INPUT
    assert "gamma" in one_line_error(capsys.readouterr().err)


@pytest.fixture
def empty_archive(tmp_path: Path) -> Iterator[Path]:
    path = tmp_path / "empty.sqlite"
    upgrade_archive(str(path))
    yield path


def test_an_archive_without_runs_reports_no_sites(
    empty_archive: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["report", "--db", str(empty_archive), "-o", "-"]) == EXIT_OK
    page = lxml.html.fromstring(capsys.readouterr().out)
    assert sections(page) == {}
    assert "0 site(s); 0 articles" in page.xpath('//section[@id="summary"]')[0].text_content()
