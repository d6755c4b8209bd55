"""`newsarchive runs`: past crawl runs from the crawl_run table, newest first, with their
counts and outcome, on an SQLite file and on PostgreSQL."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy.orm import Session

from archive_db.engine import make_engine
from archive_db.migrations import upgrade_archive
from archive_db.models import CrawlRun
from archive_db.writes import finish_crawl_run, start_crawl_run
from cli import EXIT_ARCHIVE, EXIT_OK, main
from tests.archive_db import backends

NIGHT = datetime(2024, 5, 1, 2, 30, tzinfo=UTC)
COUNTS = {
    "response_received_count": 120,
    "archive/inserted": 30,
    "archive/updated": 2,
    "archive/unchanged": 80,
    "archive/failures": 3,
    "item_scraped_count": 112,
}


def add_run(
    session: Session,
    *,
    site: str | None,
    started_at: datetime,
    targets: list[str],
    reason: str | None,
    seconds: float = 0,
    counts: dict[str, int] | None = None,
) -> int:
    """A crawl_run row as a crawl leaves it; `reason` None: it never recorded its end."""
    run_id = start_crawl_run(
        session, arguments={"command": "crawl", "targets": targets}, started_at=started_at
    )
    run = session.get(CrawlRun, run_id)
    assert run is not None
    run.site = site
    if reason is not None:
        finish_crawl_run(
            session,
            run_id,
            counts=counts or {},
            finish_reason=reason,
            finished_at=started_at + timedelta(seconds=seconds),
        )
    return run_id


@pytest.fixture
def archive(backend: str, tmp_path: Path) -> Iterator[str]:
    if backend == "sqlite":
        yield archive_with_runs(str(tmp_path / "archive.sqlite"))
        return
    with backends.fresh_database() as url:
        yield archive_with_runs(url)


def archive_with_runs(db: str) -> str:
    """Five runs over four nights: two sites, an old run without a site column value, a
    run cut short by --max-pages, one that never recorded its end, and an old crawl of
    two sites at once."""
    upgrade_archive(db)
    engine = make_engine(db)
    with Session(engine) as session, session.begin():
        # Recorded before crawl_run had a site: the site is read from its arguments.
        add_run(
            session,
            site=None,
            started_at=NIGHT,
            targets=["chamberlainfiles"],
            reason="finished",
            seconds=3725,
            counts=COUNTS,
        )
        add_run(
            session,
            site="example.co.uk",
            started_at=NIGHT + timedelta(seconds=1),
            targets=["https://www.example.co.uk/"],
            reason="closespider_pagecount",
            seconds=65,
            counts={"response_received_count": 50},
        )
        add_run(
            session,
            site="chamberlainfiles",
            started_at=NIGHT + timedelta(days=1),
            targets=["chamberlainfiles"],
            reason="finished",
            seconds=7,
            counts={**COUNTS, "archive/failures": 0},
        )
        add_run(
            session,
            site="chamberlainfiles",
            started_at=NIGHT + timedelta(days=2),
            targets=["chamberlainfiles"],
            reason=None,
        )
        # A crawl of several sites recorded without a site: no telling which it was.
        add_run(
            session,
            site=None,
            started_at=NIGHT - timedelta(days=1),
            targets=["chamberlainfiles", "https://www.example.co.uk/"],
            reason="finished",
        )
    engine.dispose()
    return db


def runs_json(capsys: pytest.CaptureFixture[str], *args: str) -> list[dict[str, object]]:
    assert main(["runs", *args, "--format", "json"]) == EXIT_OK
    return list(json.loads(capsys.readouterr().out))


def test_runs_are_listed_newest_first_with_counts_and_outcome(capsys, archive: str) -> None:
    runs = runs_json(capsys, "--db", archive)
    assert [(run["site"], run["outcome"]) for run in runs] == [
        ("chamberlainfiles", "running or killed"),
        ("chamberlainfiles", "finished"),
        ("example.co.uk", "incomplete: closespider_pagecount"),
        ("chamberlainfiles", "finished"),
        (None, "finished"),
    ]
    oldest_single = runs[3]
    assert oldest_single == {
        "id": 1,
        "site": "chamberlainfiles",
        "started": "2024-05-01T02:30:00+00:00",
        "duration": 3725.0,
        "outcome": "finished",
        "pages": 120,
        "new": 30,
        "updated": 2,
        "unchanged": 80,
        "failures": 3,
        "part_of": None,
    }
    # A run cut short counts what it did; the running one has nothing to count yet.
    assert (runs[2]["pages"], runs[2]["new"], runs[2]["failures"]) == (50, 0, 0)
    assert (runs[0]["duration"], runs[0]["pages"], runs[0]["failures"]) == (None, None, None)


def test_site_filter_also_finds_runs_recorded_before_the_site_column(capsys, archive) -> None:
    runs = runs_json(capsys, "--db", archive, "--site", "chamberlainfiles")
    assert [run["id"] for run in runs] == [4, 3, 1]
    runs = runs_json(capsys, "--db", archive, "--site", "example.co.uk")
    assert [run["id"] for run in runs] == [2]
    assert runs_json(capsys, "--db", archive, "--site", "elsewhere") == []


def test_limit_keeps_the_newest_runs(capsys, archive: str) -> None:
    assert [run["id"] for run in runs_json(capsys, "--db", archive, "--limit", "2")] == [4, 3]
    runs = runs_json(capsys, "--db", archive, "--site", "chamberlainfiles", "--limit", "2")
    assert [run["id"] for run in runs] == [4, 3]


@pytest.mark.sqlite_only
def test_table_on_a_pipe_is_tab_separated_with_local_times(capsys, archive: str) -> None:
    assert main(["runs", "--db", archive]) == EXIT_OK
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].split("\t") == [
        "id",
        "site",
        "started",
        "duration",
        "outcome",
        "pages",
        "new",
        "updated",
        "unchanged",
        "failures",
        "part_of",
    ]
    first_night = lines[4].split("\t")
    local_start = NIGHT.astimezone().strftime("%Y-%m-%d %H:%M:%S")
    assert first_night[:5] == ["1", "chamberlainfiles", local_start, "1h02m05s", "finished"]
    assert lines[3].split("\t")[3] == "1m05s"
    assert lines[2].split("\t")[3] == "7s"
    assert lines[1].split("\t")[3:6] == ["", "running or killed", ""]


@pytest.mark.sqlite_only
def test_csv_has_a_header_and_one_row_a_run(capsys, archive: str) -> None:
    assert main(["runs", "--db", archive, "--format", "csv"]) == EXIT_OK
    rows = list(csv.DictReader(io.StringIO(capsys.readouterr().out)))
    assert [row["id"] for row in rows] == ["4", "3", "2", "1", "5"]
    assert rows[3]["failures"] == "3"


def test_a_file_that_is_not_an_archive_is_one_line_and_exit_4(capsys, tmp_path: Path) -> None:
    not_archive = tmp_path / "notes.txt"
    not_archive.write_text("not a database\n" * 100)
    assert main(["runs", "--db", str(not_archive)]) == EXIT_ARCHIVE
    err = capsys.readouterr().err
    assert len(err.strip().splitlines()) == 1
    assert "Traceback" not in err


@pytest.mark.sqlite_only
def test_a_frontier_process_run_is_no_site_run_its_site_runs_name_it(capsys, tmp_path) -> None:
    """A seeder of one site on a shared frontier counts every site's work in its own run;
    the site's share is a run of its own, `part_of` that one (pipelines/store.py)."""
    db = str(tmp_path / "archive.sqlite")
    upgrade_archive(db)
    engine = make_engine(db)
    seeding = {"command": "crawl", "targets": ["chamberlainfiles"], "frontier": "nightly"}
    with Session(engine) as session, session.begin():
        process = start_crawl_run(session, arguments=seeding, started_at=NIGHT)
        site = start_crawl_run(
            session,
            arguments=seeding | {"part_of_run": process},
            site="chamberlainfiles",
            started_at=NIGHT,
        )
        for run_id, inserted in ((process, 40), (site, 30)):
            finish_crawl_run(
                session, run_id, counts={"archive/inserted": inserted}, finish_reason="finished"
            )
    engine.dispose()
    runs = runs_json(capsys, "--db", db)
    assert [(run["id"], run["site"], run["new"], run["part_of"]) for run in runs] == [
        (site, "chamberlainfiles", 30, process),
        (process, None, 40, None),
    ]
    assert [run["id"] for run in runs_json(capsys, "--db", db, "--site", "chamberlainfiles")] == [
        site
    ]
