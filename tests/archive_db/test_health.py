"""Extraction health: the drift judgement's edges (pure), and the runs it reads (archive)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy.orm import Session

from archive_db.health import (
    BASELINE_RUNS,
    MIN_ARTICLES,
    POOL_RUNS,
    ExtractionCounts,
    RunHealth,
    describe_drift,
    health_history,
    judge_drift,
    latest_drift,
    pooled_samples,
)
from archive_db.models import CrawlRun
from archive_db.writes import finish_crawl_run, start_crawl_run

START = datetime(2024, 5, 1, 2, tzinfo=UTC)


def run(
    run_id: int, articles: int, *, published: int | None = None, title: int | None = None
) -> RunHealth:
    """A run of `articles` with every field on every article, but those given."""
    found = dict.fromkeys(("title", "published", "authors", "body"), articles)
    found["published"] = articles if published is None else published
    found["title"] = articles if title is None else title
    return RunHealth(
        run_id=run_id,
        site="gazette",
        started_at=START + timedelta(days=run_id),
        articles=articles,
        found=found,
    )


def baseline(runs: int = 5, articles: int = 40) -> list[RunHealth]:
    return [run(n, articles) for n in range(1, runs + 1)]


def drifted_fields(current: RunHealth, previous: list[RunHealth]) -> list[str]:
    return [drift.field for drift in judge_drift(current, previous)]


def test_a_sharp_fall_drifts_and_names_baseline_and_current() -> None:
    [drift] = judge_drift(run(9, 40, published=5), baseline())
    assert (drift.site, drift.field, drift.run_id, drift.articles) == (
        "gazette",
        "published",
        9,
        40,
    )
    assert drift.share == pytest.approx(5 / 40)
    assert drift.baseline_share == 1.0
    assert drift.baseline_runs == 5


def test_a_fall_of_exactly_the_margin_drifts_and_one_just_short_does_not() -> None:
    # 70% -> 40% falls by exactly 0.3, which is 0.29999999999999993 in floats.
    seventy = [run(n, 40, published=28) for n in range(1, 6)]
    assert drifted_fields(run(9, 10, published=4), seventy) == ["published"]
    assert drifted_fields(run(9, 100, published=41), seventy) == []


def test_several_fields_drift_at_once() -> None:
    assert drifted_fields(run(9, 20, published=0, title=2), baseline()) == ["title", "published"]


def test_a_rise_is_not_drift() -> None:
    low = [run(n, 40, published=4) for n in range(1, 6)]
    assert drifted_fields(run(9, 40), low) == []


def test_a_run_with_too_few_articles_is_not_judged() -> None:
    assert drifted_fields(run(9, MIN_ARTICLES - 1, published=0), baseline()) == []
    assert drifted_fields(run(9, MIN_ARTICLES, published=0), baseline()) == ["published"]


def test_previous_runs_with_too_few_articles_make_no_baseline() -> None:
    small = baseline(articles=MIN_ARTICLES - 1)
    assert judge_drift(run(9, 40, published=0), small) == []
    assert judge_drift(run(9, 40, published=0), []) == []


def test_one_qualifying_previous_run_is_a_baseline() -> None:
    [drift] = judge_drift(run(9, 40, published=0), [run(1, MIN_ARTICLES)])
    assert drift.baseline_runs == 1
    assert "against 100% in the last run —" in describe_drift(drift)


def test_the_baseline_is_a_median_one_odd_run_does_not_move() -> None:
    previous = [*baseline(4), run(5, 40, published=2)]  # one day of undated wire copy
    [drift] = judge_drift(run(9, 40, published=4), previous)
    assert drift.baseline_share == 1.0


def test_only_the_latest_qualifying_runs_make_the_baseline() -> None:
    # Long ago the site gave no dates; the latest five runs all did.
    old = [run(n, 40, published=0) for n in range(1, 4)]
    tiny = run(8, 3, published=0)  # too small to count, however recent
    recent = [run(n, 40) for n in range(10, 10 + BASELINE_RUNS)]
    [drift] = judge_drift(run(20, 40, published=0), [*old, *recent[:2], tiny, *recent[2:]])
    assert drift.baseline_share == 1.0
    assert drift.baseline_runs == BASELINE_RUNS
    # With the sixth-latest run undated, the median of the latest five still says dated.
    assert drifted_fields(run(20, 40, published=0), [*old, *recent]) == ["published"]


def test_the_drift_line_reads_as_the_issue_asks() -> None:
    [drift] = judge_drift(run(9, 40, published=5), baseline())
    assert describe_drift(drift) == (
        "gazette: published found on 12% of 40 articles, against 100% in the last 5 runs"
        " — has the template changed?"
    )


# --- the archive ----------------------------------------------------------------------


def record_run(
    session: Session,
    day: int,
    counts: ExtractionCounts | None,
    *,
    site: str = "gazette",
    finished: bool = True,
) -> int:
    started = START + timedelta(days=day)
    run_id = start_crawl_run(session, arguments={}, site=site, started_at=started)
    finish_crawl_run(
        session,
        run_id,
        counts={},
        finish_reason="finished" if finished else None,
        finished_at=started + timedelta(minutes=5),
        extraction=counts,
    )
    return run_id


def full(articles: int) -> ExtractionCounts:
    return ExtractionCounts(articles, articles, articles, articles, articles)


def test_start_and_finish_record_site_and_health(session: Session) -> None:
    run_id = record_run(session, 0, ExtractionCounts(40, 39, 12, 30, 38))
    row = session.get(CrawlRun, run_id)
    assert row is not None
    assert row.site == "gazette"
    counts = (row.with_title, row.with_published, row.with_authors, row.with_body)
    assert (row.articles_parsed, *counts) == (40, 39, 12, 30, 38)
    # A second finish without counts (the pipeline did not run) keeps them.
    finish_crawl_run(session, run_id, counts={}, finish_reason="finished")
    assert session.get(CrawlRun, run_id).articles_parsed == 40  # type: ignore[union-attr]


def test_history_is_the_sites_finished_runs_with_health_oldest_first(session: Session) -> None:
    kept = [record_run(session, 2, full(40)), record_run(session, 1, full(5))]
    record_run(session, 3, full(40), site="other")
    record_run(session, 4, full(40), finished=False)  # running, or killed
    record_run(session, 5, None)  # a run that counted nothing
    history = health_history(session, "gazette")
    assert [health.run_id for health in history] == kept[::-1]
    assert [h.run_id for h in health_history(session, "gazette", min_articles=10)] == kept[:1]
    since = START + timedelta(days=2)
    assert [h.run_id for h in health_history(session, "gazette", since=since)] == kept[:1]


def test_latest_drift_judges_the_latest_run_against_those_before(session: Session) -> None:
    for day in range(3):
        record_run(session, day, full(40))
    assert latest_drift(session, "gazette") == []
    broken = record_run(session, 3, ExtractionCounts(40, 40, 0, 0, 40))
    record_run(session, 4, ExtractionCounts(40, 40, 0, 0, 40), site="other")
    drifts = latest_drift(session, "gazette")
    assert [(d.field, d.run_id, d.baseline_runs) for d in drifts] == [
        ("published", broken, 3),
        ("authors", broken, 3),
    ]
    assert latest_drift(session, "other") == []  # no earlier runs of its own
    assert latest_drift(session, "nowhere") == []


def test_a_latest_run_without_health_reports_no_old_drift(session: Session) -> None:
    for day in range(3):
        record_run(session, day, full(40))
    record_run(session, 3, ExtractionCounts(40, 40, 0, 40, 40))
    record_run(session, 4, None)
    assert latest_drift(session, "gazette") == []


def test_small_runs_are_pooled_newest_first_until_a_sample_is_big_enough() -> None:
    runs = [run(n, 4, published=n % 2 * 4) for n in range(10, 0, -1)]  # newest first
    samples = pooled_samples(runs)
    assert [(s.run_id, s.runs, s.articles) for s in samples] == [
        (10, 3, 12),
        (7, 3, 12),
        (4, 3, 12),
        (1, 1, 4),  # the oldest falls short: neither judged nor a baseline
    ]
    assert samples[0].found["published"] == 0 + 4 + 0  # runs 10, 9 and 8 summed
    week = pooled_samples([run(n, 1) for n in range(20, 0, -1)])
    assert [s.runs for s in week] == [POOL_RUNS, POOL_RUNS, 20 - 2 * POOL_RUNS]


def test_latest_drift_pools_small_nightly_runs(session: Session) -> None:
    """Nightly incremental runs that parse a few new articles each are judged together."""
    for day in range(12):
        record_run(session, day, full(4))
    for day in range(12, 15):
        record_run(session, day, ExtractionCounts(4, 4, 0, 4, 4))
    [drift] = latest_drift(session, "gazette")
    assert (drift.field, drift.runs, drift.articles, drift.share) == ("published", 3, 12, 0.0)
    assert drift.baseline_runs == 12  # four samples of three runs each
    assert "of the latest 3 runs, against 100% in the last 12 runs" in describe_drift(drift)


def test_a_latest_run_that_parsed_nothing_reports_nothing(session: Session) -> None:
    for day in range(3):
        record_run(session, day, full(40))
    record_run(session, 3, ExtractionCounts(40, 40, 0, 40, 40))
    record_run(session, 4, ExtractionCounts(0, 0, 0, 0, 0))
    assert latest_drift(session, "gazette") == []
