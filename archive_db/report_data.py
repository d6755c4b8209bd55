"""What `newsarchive report` shows, read from the archive: per site, articles archived per
day, extraction health run by run, drift, failures by reason and the latest runs.

A "site" here is what a crawl run was recorded under: its profile name (`crawl_run.site`,
or for runs older than that column, the target their arguments name). Articles and
failures belong to the site of the run that recorded them: an article to the run that
first archived it (its version 1), a failure to the run that met it.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import TYPE_CHECKING

from sqlalchemy import select

from archive_db.health import Drift, RunHealth, health_history, latest_drift
from archive_db.models import Article, ArticleVersion, CrawlRun, FetchFailure
from archive_db.queries import CrawlRunSummary, article_count, crawl_runs, site_of_arguments

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

RECENT_RUNS = 10  # runs a site's "last runs" table shows
RECENT_ARTICLES = 10  # articles a site's "latest articles" list shows


@dataclass(frozen=True, slots=True)
class ReasonCount:
    """Fetch failures of one reason: those no later fetch resolved, and those one did."""

    reason: str
    unresolved: int
    resolved: int


@dataclass(frozen=True, slots=True)
class NewArticle:
    """An article as first archived, for a glance at what the latest runs extracted."""

    title: str | None  # as the article reads now
    url: str
    published: date | datetime | None
    first_archived: datetime  # aware UTC


@dataclass(frozen=True, slots=True)
class SiteReport:
    site: str  # the profile name
    # New articles by the day (UTC) they were first archived, every day from the first to
    # the last present (0 for a day without any), oldest first.
    archived_per_day: dict[date, int]
    health: list[RunHealth]  # finished runs that recorded extraction health, oldest first
    drifts: list[Drift]  # of the site's latest finished run
    failures: list[ReasonCount]  # most unresolved first
    runs: list[CrawlRunSummary]  # newest first, RECENT_RUNS at most
    latest_articles: list[NewArticle]  # newest first, RECENT_ARTICLES at most

    @property
    def articles(self) -> int:
        return sum(self.archived_per_day.values())


@dataclass(frozen=True, slots=True)
class ArchiveReport:
    generated_at: datetime  # aware UTC
    since: date | None  # the first day counted, when the report is limited
    articles: int  # in the whole archive, whichever site or day
    sites: list[SiteReport]  # by name


class UnknownSite(LookupError):
    """A site no crawl run of the archive was recorded under."""


def sites_of_runs(session: Session) -> dict[int, str]:
    """Each crawl run's site, by run id; runs of several sites at once are left out."""
    rows = session.execute(select(CrawlRun.id, CrawlRun.site, CrawlRun.arguments))
    sites = {run_id: site or site_of_arguments(arguments) for run_id, site, arguments in rows}
    return {run_id: site for run_id, site in sites.items() if site}


def archive_report(
    session: Session,
    *,
    site: str | None = None,
    since: date | None = None,
    now: datetime | None = None,
) -> ArchiveReport:
    """The report's data: every site with a crawl run, or only `site` (UnknownSite if no run
    names it); runs, articles and failures from the day `since` on (UTC), when given. The
    drift is always that of each site's latest run, whatever `since` says."""
    run_sites = sites_of_runs(session)
    names = sorted(set(run_sites.values()))
    if site is not None:
        if site not in names:
            raise UnknownSite(site)
        names = [site]
    start = None if since is None else datetime.combine(since, time(), tzinfo=UTC)
    reports = []
    for name in names:
        run_ids = {run_id for run_id, run_site in run_sites.items() if run_site == name}
        runs = crawl_runs(session, site=name, limit=RECENT_RUNS)
        reports.append(
            SiteReport(
                site=name,
                archived_per_day=archived_per_day(session, run_ids, since=start),
                health=health_history(session, name, since=start),
                drifts=latest_drift(session, name),
                failures=failures_by_reason(session, run_ids, since=start),
                runs=[run for run in runs if start is None or run.started_at >= start],
                latest_articles=latest_articles(session, run_ids, since=start),
            )
        )
    return ArchiveReport(
        generated_at=now or datetime.now(UTC),
        since=since,
        articles=article_count(session),
        sites=reports,
    )


def archived_per_day(
    session: Session, run_ids: set[int], *, since: datetime | None = None
) -> dict[date, int]:
    """New articles first archived by these runs, by UTC day, with the days between at 0.

    Counted here, not in SQL: a day of a timestamp is spelt differently in each dialect,
    and one row per article is read in well under a second for an archive of 100,000.
    """
    statement = select(ArticleVersion.seen_at).where(
        ArticleVersion.number == 1, ArticleVersion.crawl_run_id.in_(run_ids)
    )
    if since is not None:
        statement = statement.where(ArticleVersion.seen_at >= since)
    per_day = Counter(seen_at.astimezone(UTC).date() for seen_at in session.scalars(statement))
    if not per_day:
        return {}
    first, last = min(per_day), max(per_day)
    days = (first + timedelta(days=offset) for offset in range((last - first).days + 1))
    return {day: per_day.get(day, 0) for day in days}


def latest_articles(
    session: Session, run_ids: set[int], *, since: datetime | None = None
) -> list[NewArticle]:
    """The articles these runs archived first, newest first."""
    statement = (
        select(Article.title, Article.url, Article.published, ArticleVersion.seen_at)
        .join(ArticleVersion, ArticleVersion.article_id == Article.id)
        .where(ArticleVersion.number == 1, ArticleVersion.crawl_run_id.in_(run_ids))
        .order_by(ArticleVersion.seen_at.desc(), Article.id.desc())
        .limit(RECENT_ARTICLES)
    )
    if since is not None:
        statement = statement.where(ArticleVersion.seen_at >= since)
    return [
        NewArticle(title=title, url=url, published=published, first_archived=seen_at)
        for title, url, published, seen_at in session.execute(statement)
    ]


def failures_by_reason(
    session: Session, run_ids: set[int], *, since: datetime | None = None
) -> list[ReasonCount]:
    """The fetch failures these runs recorded, counted by reason, most unresolved first."""
    statement = select(FetchFailure.reason, FetchFailure.resolved_at.is_(None)).where(
        FetchFailure.crawl_run_id.in_(run_ids)
    )
    if since is not None:
        statement = statement.where(FetchFailure.failed_at >= since)
    unresolved: Counter[str] = Counter()
    resolved: Counter[str] = Counter()
    for reason, is_unresolved in session.execute(statement):
        (unresolved if is_unresolved else resolved)[reason] += 1
    counts = [
        ReasonCount(reason=reason, unresolved=unresolved[reason], resolved=resolved[reason])
        for reason in unresolved.keys() | resolved.keys()
    ]
    return sorted(counts, key=lambda c: (-c.unresolved, -(c.unresolved + c.resolved), c.reason))
