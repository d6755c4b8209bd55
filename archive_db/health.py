"""Extraction health: what share of a site's articles had each field, run by run, and drift.

A site's template change rarely breaks a crawl: pages still answer 200 and still parse,
but the date or the byline is no longer found. Each crawl run records, of the article pages
it parsed, how many had a title, a date, an author and a body of a useful length; a field
whose share falls sharply against the site's previous runs has drifted.

The judgement (`judge_drift`) is a pure function of run histories, so its edges are tested
without an archive. Its thresholds, and why:

- A field drifts when its share fell by `DRIFT_MARGIN` (30 percentage points) or more
  below the baseline. An absolute margin, not a relative one ("halved"): a field most
  articles lack (a byline on 15% of pages) halves by chance between two small runs, while
  its loss matters little; a template change takes a field from most pages to almost none,
  a fall far beyond 30 points. With 10 articles, a field found on 90% of pages falls under
  60% by chance about once in 600 runs.
- The baseline is the median share of the site's previous up to `BASELINE_RUNS` (5)
  qualifying runs: one odd run (a day of wire copy without bylines) does not move a median.
- A sample qualifies, as the one judged and as part of a baseline, only with
  `MIN_ARTICLES` (10) parsed articles or more: three articles say little about the
  template, and a false alarm every night teaches people to ignore the warning.
- Incremental nightly runs parse only new and changed articles, often fewer than 10 on a
  small site, so consecutive runs are pooled (`pooled_samples`, up to `POOL_RUNS` of them)
  until a sample has enough articles: the latest runs together are judged against the
  samples before them. A site that publishes a few articles a week is judged every few
  nights instead of never.
"""

from __future__ import annotations

import statistics
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy import and_, or_, select

from archive_db.models import CrawlRun

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

# The fields whose share each run records, in the order reports show them; each is the
# crawl_run column "with_<field>".
HEALTH_FIELDS = ("title", "published", "authors", "body")
DRIFT_MARGIN = 0.3  # a fall of this share (absolute) or more is sharp
BASELINE_RUNS = 5  # previous qualifying samples whose median is the baseline
MIN_ARTICLES = 10  # parsed articles a sample needs to judge or to be judged against
POOL_RUNS = 7  # at most this many consecutive runs pooled into one sample (a week of nights)
# Shares are ratios of counts: 0.97 - 0.67 is 0.30000000000000004 in floats, and a fall
# of exactly DRIFT_MARGIN must count as one whichever way the division rounds.
TOLERANCE = 1e-9


@dataclass(frozen=True, slots=True)
class ExtractionCounts:
    """Of the article pages a run parsed, how many had each field (a body counts only at
    the archive's minimum length or more)."""

    articles: int
    title: int
    published: int
    authors: int
    body: int


@dataclass(frozen=True, slots=True)
class RunHealth:
    """One finished run's extraction health (or several consecutive runs' pooled): the
    share (0..1) of its articles with each field."""

    run_id: int  # the newest run of a pooled sample
    site: str
    started_at: datetime  # aware UTC; of the newest run of a pooled sample
    articles: int  # article pages parsed
    found: dict[str, int]  # HEALTH_FIELDS -> articles with the field
    runs: int = 1  # how many runs the counts are pooled from

    def share(self, field: str) -> float:
        return self.found[field] / self.articles if self.articles else 0.0


@dataclass(frozen=True, slots=True)
class Drift:
    """A field found on far fewer of a run's articles than in the site's previous runs."""

    site: str
    field: str  # one of HEALTH_FIELDS
    run_id: int  # the latest run judged
    articles: int  # articles parsed by the run (or pooled runs) judged
    share: float  # of those, the share with the field (0..1)
    baseline_share: float  # median share over the baseline samples
    baseline_runs: int  # how many previous runs the baseline samples pool
    runs: int = 1  # how many latest runs were pooled into the sample judged


def health_of(run: CrawlRun) -> RunHealth | None:
    """The run's health, or None when it recorded none (an older run, or one still open)."""
    if run.articles_parsed is None or run.site is None or run.finished_at is None:
        return None
    found = {
        "title": run.with_title,
        "published": run.with_published,
        "authors": run.with_authors,
        "body": run.with_body,
    }
    return RunHealth(
        run_id=run.id,
        site=run.site,
        started_at=run.started_at,
        articles=run.articles_parsed,
        found={field: count or 0 for field, count in found.items()},
    )


def health_history(
    session: Session, site: str, *, since: datetime | None = None, min_articles: int = 1
) -> list[RunHealth]:
    """The site's finished runs that recorded health with at least `min_articles` parsed,
    oldest first; only runs started at `since` or later, when given. `site` is the
    profile name the runs were recorded under."""
    statement = (
        select(CrawlRun)
        .where(
            CrawlRun.site == site,
            CrawlRun.finished_at.is_not(None),
            CrawlRun.articles_parsed >= min_articles,
        )
        .order_by(CrawlRun.started_at, CrawlRun.id)
    )
    if since is not None:
        statement = statement.where(CrawlRun.started_at >= since)
    return [health for run in session.scalars(statement) if (health := health_of(run))]


def judge_drift(current: RunHealth, previous: Sequence[RunHealth]) -> list[Drift]:
    """The fields of `current` whose share fell sharply against the median of the latest
    `BASELINE_RUNS` qualifying runs of `previous` (oldest first, as `health_history`
    returns them); none when `current` or every previous run has under MIN_ARTICLES."""
    if current.articles < MIN_ARTICLES:
        return []
    baseline = [run for run in previous if run.articles >= MIN_ARTICLES][-BASELINE_RUNS:]
    if not baseline:
        return []
    drifts = []
    for field in HEALTH_FIELDS:
        baseline_share = statistics.median(run.share(field) for run in baseline)
        share = current.share(field)
        if baseline_share - share >= DRIFT_MARGIN - TOLERANCE:
            drifts.append(
                Drift(
                    site=current.site,
                    field=field,
                    run_id=current.run_id,
                    articles=current.articles,
                    share=share,
                    baseline_share=baseline_share,
                    baseline_runs=sum(sample.runs for sample in baseline),
                    runs=current.runs,
                )
            )
    return drifts


def pooled_samples(runs: Sequence[RunHealth]) -> list[RunHealth]:
    """Consecutive runs (newest first) summed into samples of MIN_ARTICLES articles or more,
    or of POOL_RUNS runs, newest first; the oldest sample may fall short (and then is not
    judged or used as a baseline)."""
    samples: list[RunHealth] = []
    group: list[RunHealth] = []
    for run in runs:
        group.append(run)
        if sum(member.articles for member in group) >= MIN_ARTICLES or len(group) == POOL_RUNS:
            samples.append(_pooled(group))
            group = []
    if group:
        samples.append(_pooled(group))
    return samples


def _pooled(group: Sequence[RunHealth]) -> RunHealth:
    newest = group[0]
    if len(group) == 1:
        return newest
    return RunHealth(
        run_id=newest.run_id,
        site=newest.site,
        started_at=newest.started_at,
        articles=sum(run.articles for run in group),
        found={field: sum(run.found[field] for run in group) for field in HEALTH_FIELDS},
        runs=sum(run.runs for run in group),
    )


def latest_drift(session: Session, site: str) -> list[Drift]:
    """The drift of the site's latest finished run (pooled with the runs just before it when
    it parsed few articles) against the samples before; none when that run recorded no
    health or parsed no article, or too few articles are left to judge (`judge_drift`)."""
    latest = session.scalars(
        select(CrawlRun)
        .where(CrawlRun.site == site, CrawlRun.finished_at.is_not(None))
        .order_by(CrawlRun.started_at.desc(), CrawlRun.id.desc())
        .limit(1)
    ).first()
    current = None if latest is None else health_of(latest)
    if current is None or current.articles == 0:
        return []
    earlier = (
        select(CrawlRun)
        .where(
            CrawlRun.site == site,
            CrawlRun.finished_at.is_not(None),
            CrawlRun.articles_parsed >= 1,
            or_(
                CrawlRun.started_at < current.started_at,
                and_(CrawlRun.started_at == current.started_at, CrawlRun.id < current.run_id),
            ),
        )
        .order_by(CrawlRun.started_at.desc(), CrawlRun.id.desc())
        .limit((BASELINE_RUNS + 1) * POOL_RUNS)
    )
    previous = [health for run in session.scalars(earlier) if (health := health_of(run))]
    judged, *before = pooled_samples([current, *previous])
    return judge_drift(judged, before[::-1])


def describe_drift(drift: Drift) -> str:
    """One line for the crawl's report: what fell, from what, and the likely cause."""
    runs = "the last run" if drift.baseline_runs == 1 else f"the last {drift.baseline_runs} runs"
    judged = "" if drift.runs == 1 else f" of the latest {drift.runs} runs"
    return (
        f"{drift.site}: {drift.field} found on {drift.share:.0%} of {drift.articles} articles"
        f"{judged}, against {drift.baseline_share:.0%} in {runs} — has the template changed?"
    )
