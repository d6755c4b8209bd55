"""Named reads over the archive, for the CLI, exports and analysts' scripts.

Each takes the caller's session (read-only is enough) and never commits or closes it.
`site` arguments are host names; "example.com" also matches "www.example.com".
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from sqlalchemy import case, exists, func, or_, select
from sqlalchemy.orm import aliased, selectinload

from archive_db import models
from archive_db.models import (
    Article,
    ArticleLink,
    ArticleList,
    ArticleVersion,
    CrawlRun,
    FetchFailure,
    Site,
)
from archive_db.types import utc_instant_of
from items import ArchivedPage, ArticleImage, ArticleRecord, ListBlock, RelatedLink
from items import FetchFailure as FetchFailureRecord

if TYPE_CHECKING:
    from sqlalchemy import ColumnElement, Select
    from sqlalchemy.orm import Session

EXPORT_CHUNK = 200  # articles loaded per round trip while exporting


@dataclass(frozen=True, slots=True)
class ArchivedArticle:
    """An article as the archive holds it: its latest record and when it was seen."""

    record: ArticleRecord
    first_seen: datetime  # aware UTC
    last_seen: datetime  # aware UTC
    versions: int  # distinct contents seen, 1 for an article never edited


@dataclass(frozen=True, slots=True)
class RecentTitle:
    """A line of "what came in lately"."""

    title: str | None
    url: str
    site: str
    published: date | datetime | None


@dataclass(frozen=True, slots=True)
class Revision:
    """One version of an article, as `newsarchive history` lists it."""

    number: int
    seen_at: datetime  # aware UTC
    crawl_run_id: int | None
    content_hash: str
    title: str | None
    body: str


# The fields whose share of articles `site_statistics` reports, in the order it reports.
STAT_FIELDS = (
    "title",
    "published",
    "authors",
    "summary",
    "section",
    "tags",
    "lists",
    "related",
    "images",
)


@dataclass(frozen=True, slots=True)
class SiteStatistics:
    """What the archive holds for one site."""

    site: str
    articles: int
    first_published: datetime | None  # aware UTC
    last_published: datetime | None
    present: dict[str, float]  # STAT_FIELDS -> share of articles (0..1) with it
    failures: int  # unresolved fetch failures of URLs on this host


def record_of(article: Article) -> ArticleRecord:
    """Rebuild the record from the article's columns and child rows."""
    return ArticleRecord(
        url=article.url,
        canonical_url=article.canonical_url,
        site=article.site.host,
        title=article.title,
        summary=article.summary,
        published=article.published,
        modified=article.modified,
        authors=tuple(row.author.name for row in article.authors),
        section=article.section,
        tags=tuple(row.tag.name for row in article.tags),
        language=article.language,
        body=article.body,
        lists=tuple(
            ListBlock(
                heading=block.heading,
                ordered=block.ordered,
                items=tuple(item.text for item in block.items),
            )
            for block in article.lists
        ),
        related=tuple(
            RelatedLink(url=link.url, title=link.title, teaser=link.teaser, comments=link.comments)
            for link in article.links
        ),
        images=tuple(
            ArticleImage(url=image.url, caption=image.caption) for image in article.images
        ),
        provenance=dict(article.provenance),
        fetched_at=article.fetched_at,
    )


def exported_articles(
    session: Session,
    *,
    site: str | None = None,
    since: date | datetime | None = None,
    until: date | datetime | None = None,
) -> Iterator[ArchivedArticle]:
    """Every article (of one site), oldest archived first, loaded a chunk at a time.

    `since` and `until` bound the publication time (`since` inclusive, `until` exclusive;
    a date means midnight UTC, a datetime must be aware); either excludes undated articles.
    """
    version_count = (
        select(func.count(ArticleVersion.id))
        .where(ArticleVersion.article_id == Article.id)
        .scalar_subquery()
    )
    filtered = with_site(select(Article, version_count), site)
    if since is not None:
        filtered = filtered.where(Article.published_at >= utc_instant_of(since))
    if until is not None:
        filtered = filtered.where(Article.published_at < utc_instant_of(until))
    statement = (
        filtered.options(
            selectinload(Article.site),
            selectinload(Article.authors),
            selectinload(Article.tags),
            selectinload(Article.lists).selectinload(ArticleList.items),
            selectinload(Article.links),
            selectinload(Article.images),
        )
        .order_by(Article.id)
        .execution_options(yield_per=EXPORT_CHUNK)
    )
    for article, versions in session.execute(statement):
        yield ArchivedArticle(
            record=record_of(article),
            first_seen=article.first_seen_at,
            last_seen=article.last_seen_at,
            versions=versions,
        )


def article_count(session: Session, *, site: str | None = None) -> int:
    """How many articles the archive holds (for one site)."""
    count = session.scalar(with_site(select(func.count(Article.id)), site))
    return count or 0


def recent_titles(session: Session, limit: int) -> list[RecentTitle]:
    """The newest `limit` articles by publication time (when first seen, if undated)."""
    newest = func.coalesce(Article.published_at, Article.first_seen_at)
    rows = session.execute(
        select(Article.title, Article.url, Site.host, Article.published)
        .join(Site, Site.id == Article.site_id)
        .order_by(newest.desc(), Article.id.desc())
        .limit(limit)
    )
    return [
        RecentTitle(title=title, url=url, site=host, published=published)
        for title, url, host, published in rows
    ]


def fetch_failures(session: Session, *, unresolved_only: bool = True) -> list[FetchFailure]:
    """Recorded failures, newest first; by default only those no later fetch resolved."""
    statement = select(FetchFailure).order_by(FetchFailure.failed_at.desc(), FetchFailure.id.desc())
    if unresolved_only:
        statement = statement.where(FetchFailure.resolved_at.is_(None))
    return list(session.scalars(statement))


def unresolved_failures_on(session: Session, domains: Iterable[str]) -> list[FetchFailureRecord]:
    """The unresolved failures of URLs on these domains (or their subdomains), oldest first.

    One record per failure row, so a URL that failed in three crawls comes three times:
    the crawl decides from that how often it has tried. A "www." on a domain is ignored.
    """
    wanted = {domain.strip().lower().rstrip(".").removeprefix("www.") for domain in domains}
    wanted.discard("")
    if not wanted:
        return []
    rows = session.execute(
        select(FetchFailure.url, FetchFailure.reason, FetchFailure.failed_at, FetchFailure.status)
        .where(FetchFailure.resolved_at.is_(None))
        .order_by(FetchFailure.failed_at, FetchFailure.id)
    )
    failures = []
    for url, reason, failed_at, status in rows:
        try:
            host = (urlsplit(url).hostname or "").rstrip(".")
        except ValueError:  # a malformed URL (an unbalanced "[") belongs to no site
            continue
        if any(host == domain or host.endswith("." + domain) for domain in wanted):
            failures.append(
                FetchFailureRecord(url=url, reason=reason, failed_at=failed_at, status=status)
            )
    return failures


def articles_published_between(
    session: Session, start: date | datetime, end: date | datetime, *, site: str | None = None
) -> list[Article]:
    """Articles published from `start` (inclusive) to `end` (exclusive), oldest first.

    A date bound means midnight UTC; a datetime bound must be aware. An article whose page
    gives only a date counts as published at midnight UTC of that date.
    """
    low, high = utc_instant_of(start), utc_instant_of(end)
    statement = (
        with_site(select(Article), site)
        .where(Article.published_at >= low, Article.published_at < high)
        .order_by(Article.published_at, Article.id)
    )
    return list(session.scalars(statement))


def latest_crawl_run(session: Session) -> CrawlRun | None:
    """The most recently started crawl run, or None before the first crawl."""
    return session.scalars(
        select(CrawlRun).order_by(CrawlRun.started_at.desc(), CrawlRun.id.desc()).limit(1)
    ).first()


def with_site(statement: Select[Any], site: str | None) -> Select[Any]:
    """`statement` over articles, limited to one site's when `site` is given."""
    if site is None:
        return statement
    return statement.join(Site, Site.id == Article.site_id).where(host_matches(site))


def host_matches(site: str) -> ColumnElement[bool]:
    host = site.strip().lower()
    return Site.host.in_({host, "www." + host.removeprefix("www.")})


def article_history(session: Session, url: str) -> list[Revision]:
    """The versions of the article at `url` (its archive key, canonical or fetched URL),
    oldest first; an empty list when the archive does not hold it."""
    article_id = session.scalars(
        select(Article.id)
        .where(or_(Article.archive_key == url, Article.canonical_url == url, Article.url == url))
        .order_by(Article.id)
        .limit(1)
    ).first()
    if article_id is None:
        return []
    versions = session.scalars(
        select(ArticleVersion)
        .where(ArticleVersion.article_id == article_id)
        .order_by(ArticleVersion.number)
    )
    return [
        Revision(
            number=version.number,
            seen_at=version.seen_at,
            crawl_run_id=version.crawl_run_id,
            content_hash=version.content_hash,
            title=version.record.get("title"),
            body=str(version.record.get("body") or ""),
        )
        for version in versions
    ]


def site_hosts(session: Session) -> list[str]:
    """Every site's host name, sorted."""
    return list(session.scalars(select(Site.host).order_by(Site.host)))


def site_known(session: Session, site: str) -> bool:
    """Whether the archive holds a site of that host name ("www." or not)."""
    return session.scalar(select(func.count(Site.id)).where(host_matches(site))) != 0


def site_statistics(session: Session, *, site: str | None = None) -> list[SiteStatistics]:
    """Per site (or one site): articles, publication range, field coverage, failures."""

    def present(condition: ColumnElement[bool]) -> Any:
        return func.sum(case((condition, 1), else_=0))

    def has_child(model: Any) -> ColumnElement[bool]:
        return exists().where(model.article_id == Article.id)

    statement = (
        select(
            Site.host,
            func.count(Article.id),
            func.min(Article.published_at),
            func.max(Article.published_at),
            present(func.coalesce(Article.title, "") != ""),
            present(Article.published.is_not(None)),
            present(Article.authors_text.is_not(None)),
            present(func.coalesce(Article.summary, "") != ""),
            present(func.coalesce(Article.section, "") != ""),
            present(Article.tags_text.is_not(None)),
            present(has_child(ArticleList)),
            present(has_child(ArticleLink)),
            present(has_child(models.ArticleImage)),
        )
        .join(Article, Article.site_id == Site.id)
        .group_by(Site.host)
        .order_by(Site.host)
    )
    if site is not None:
        statement = statement.where(host_matches(site))
    failures = unresolved_failures_by_host(session)
    statistics = []
    for host, articles, first, last, *counts in session.execute(statement):
        statistics.append(
            SiteStatistics(
                site=host,
                articles=articles,
                first_published=utc_of(first),
                last_published=utc_of(last),
                present={
                    name: (count or 0) / articles
                    for name, count in zip(STAT_FIELDS, counts, strict=True)
                },
                failures=failures.get(host, 0),
            )
        )
    return statistics


def unresolved_failures_by_host(session: Session) -> dict[str, int]:
    counts: dict[str, int] = {}
    for url in session.scalars(select(FetchFailure.url).where(FetchFailure.resolved_at.is_(None))):
        host = (urlsplit(url).hostname or "").lower()
        counts[host] = counts.get(host, 0) + 1
    return counts


def utc_of(value: datetime | str | None) -> datetime | None:
    """An aggregate's datetime (min/max lose the column type in SQLite) as aware UTC."""
    if value is None:
        return None
    instant = datetime.fromisoformat(value) if isinstance(value, str) else value
    return instant if instant.tzinfo else instant.replace(tzinfo=UTC)


@dataclass(frozen=True, slots=True)
class CrawlRunSummary:
    """One crawl run (one site's spider) as `newsarchive runs` lists it.

    The counts are None until the run closes (and stay None for a run killed before that).
    """

    id: int
    site: str | None  # the profile's name; None when an old run's arguments cannot tell
    started_at: datetime  # aware UTC
    finished_at: datetime | None  # None: still running, or killed before it could close
    finish_reason: str | None  # Scrapy's, e.g. "finished" or "closespider_pagecount"
    pages: int | None  # responses received
    inserted: int | None  # articles new to the archive
    updated: int | None  # articles whose content changed
    unchanged: int | None
    failures: int | None  # fetch failures recorded by this run
    # On a shared frontier, the run of the worker process this site's run is a part of
    # (which counts the process's whole work, all sites together); None otherwise.
    part_of: int | None = None

    @property
    def outcome(self) -> str:
        """How the run ended: finished, incomplete (with Scrapy's reason), or "running or
        killed" for a run that never recorded its end (only the crawl's lock tells them
        apart)."""
        if self.finished_at is None:
            return "running or killed"
        if self.finish_reason == "finished":
            return "finished"
        return f"incomplete: {self.finish_reason or 'no reason recorded'}"


def crawl_runs(
    session: Session, *, site: str | None = None, limit: int | None = None
) -> list[CrawlRunSummary]:
    """Crawl runs, newest first, at most `limit` of them; `site` is a profile name.

    Runs recorded before crawl_run had a `site` column are matched by their arguments.
    """
    statement = select(CrawlRun).order_by(CrawlRun.started_at.desc(), CrawlRun.id.desc())
    if site is None:
        statement = statement.limit(limit)
    else:  # the runs without a site are told apart below
        statement = statement.where(or_(CrawlRun.site == site, CrawlRun.site.is_(None)))
    summaries = []
    for run in session.scalars(statement):
        run_site = run.site or site_of_arguments(run.arguments)
        if site is not None and run_site != site:
            continue
        summaries.append(
            CrawlRunSummary(
                id=run.id,
                site=run_site,
                started_at=run.started_at,
                finished_at=run.finished_at,
                finish_reason=run.finish_reason,
                pages=count_of(run, "response_received_count"),
                inserted=count_of(run, "archive/inserted"),
                updated=count_of(run, "archive/updated"),
                unchanged=count_of(run, "archive/unchanged"),
                failures=count_of(run, "archive/failures"),
                part_of=part_of_run(run.arguments),
            )
        )
        if limit is not None and len(summaries) >= limit:
            break
    return summaries


def count_of(run: CrawlRun, stat: str) -> int | None:
    """A crawl stat the run closed with (0 if it never counted one); None before it closed."""
    return None if run.counts is None else int(run.counts.get(stat, 0))


def part_of_run(arguments: object) -> int | None:
    """The process run a site's run on a shared frontier is part of (pipelines/store.py)."""
    run_id = arguments.get("part_of_run") if isinstance(arguments, dict) else None
    return run_id if isinstance(run_id, int) else None


def site_of_arguments(arguments: object) -> str | None:
    """The site a run recorded without a `site` column crawled, from its command's targets:
    a profile name, a profile file's stem, or a start URL's host without "www." (the name
    profiles.profile_for_url gives); None for a crawl of several sites, and for a process's
    own run on a shared frontier (its sites have runs of their own, `part_of_run` it)."""
    if not isinstance(arguments, dict) or "frontier" in arguments:
        return None
    targets = arguments.get("targets")
    if not isinstance(targets, list) or len(targets) != 1 or not isinstance(targets[0], str):
        return None
    target = targets[0]
    if "://" in target:
        return (urlsplit(target).hostname or "").removeprefix("www.") or None
    return target.rsplit("/", 1)[-1].removesuffix(".toml") or None


def archived_pages_on(session: Session, domains: Iterable[str]) -> Iterator[ArchivedPage]:
    """What a crawl of these domains (or their subdomains) needs to know of each article
    archived from them, to fetch it again only when due and then conditionally.

    A generator, read in chunks as it is consumed (within the caller's session): a site's
    archive can hold 50,000 articles, and the crawl keeps only a compact form of each
    (spiders.incremental.ArchivedPages). ``last_checked_at`` is when the page was last
    answered (200 or 304); articles archived before checks were recorded give when they
    were last seen. A "www." on a domain is ignored.
    """
    wanted = {domain.strip().lower().rstrip(".").removeprefix("www.") for domain in domains}
    wanted.discard("")
    site_ids = [
        site_id
        for site_id, host in session.execute(select(Site.id, Site.host))
        if any(host == domain or host.endswith("." + domain) for domain in wanted)
    ]
    if not site_ids:
        return
    rows = session.execute(
        select(
            Article.id,
            Article.url,
            Article.canonical_url,
            Article.etag,
            Article.http_last_modified,
            func.coalesce(Article.last_checked_at, Article.last_seen_at),
            Article.listed_modified_at,
            Article.published_at,
            Article.first_seen_at,
            Article.gone_at,
            Article.gone_status,
        )
        .where(Article.site_id.in_(site_ids))
        .order_by(Article.id)
        .execution_options(yield_per=EXPORT_CHUNK * 5)
    )
    for row in rows:
        yield ArchivedPage(
            article_id=row[0],
            url=row[1],
            canonical_url=row[2],
            etag=row[3],
            http_last_modified=row[4],
            last_checked_at=utc_of(row[5]),
            listed_modified_at=row[6],
            published_at=row[7],
            first_seen_at=row[8],
            gone_at=row[9],
            gone_status=row[10],
        )


@dataclass(frozen=True, slots=True)
class ArticleCapture:
    """An archived article and the latest stored 200 response of its page, to re-parse."""

    article_id: int
    archive_key: str
    capture_id: int
    url: str  # the page's URL, as the capture requested it (the article's latest URL)
    response_headers: tuple[tuple[str, str], ...]  # as received, Content-Encoding included
    payload_id: int  # the body: archive_db.writes.payload_body
    fetched_at: datetime  # aware UTC


def latest_capture_statement(
    columns: Iterable[Any], *, site: str | None, since: datetime | None, after_article_id: int
) -> Select[Any]:
    """`columns` of each article (id above `after_article_id`) joined to the latest 200
    capture of its URL (fetched at `since` or later), by article id."""
    inner = aliased(models.Capture)
    latest = (
        select(inner.id)
        .where(inner.url == Article.url, inner.status == 200)
        .order_by(inner.fetched_at.desc(), inner.id.desc())
        .limit(1)
        .correlate(Article)
        .scalar_subquery()
    )
    capture = models.Capture
    statement = (
        select(*columns)
        .select_from(Article)
        .join(capture, capture.id == latest)
        .where(Article.id > after_article_id)
    )
    if since is not None:
        statement = statement.where(capture.fetched_at >= since)
    return with_site(statement, site)


def latest_article_captures(
    session: Session,
    *,
    limit: int,
    after_article_id: int = 0,
    site: str | None = None,
    since: datetime | None = None,
) -> list[ArticleCapture]:
    """The next `limit` articles after `after_article_id` (by id) that have a stored 200
    response of their URL, each with the latest one; `since` (aware) leaves out articles
    whose latest one was fetched before it.

    Pages of articles by id, not one long query, so that the caller can commit between
    pages (and resume after the last article it did); each page costs one look-up of the
    capture index per article.
    """
    capture = models.Capture
    statement = latest_capture_statement(
        (
            Article.id,
            Article.archive_key,
            capture.id,
            capture.url,
            capture.response_headers,
            capture.payload_id,
            capture.fetched_at,
        ),
        site=site,
        since=since,
        after_article_id=after_article_id,
    )
    rows = session.execute(statement.order_by(Article.id).limit(limit))
    return [
        ArticleCapture(
            article_id=row[0],
            archive_key=row[1],
            capture_id=row[2],
            url=row[3],
            response_headers=tuple((str(name), str(value)) for name, value in row[4]),
            payload_id=row[5],
            fetched_at=row[6],
        )
        for row in rows
    ]


def latest_article_capture_count(
    session: Session,
    *,
    after_article_id: int = 0,
    site: str | None = None,
    since: datetime | None = None,
) -> int:
    """How many articles `latest_article_captures` would give, page after page."""
    statement = latest_capture_statement(
        (func.count(),), site=site, since=since, after_article_id=after_article_id
    )
    return int(session.execute(statement).scalar_one())


def unfinished_run_with(session: Session, arguments: dict[str, Any]) -> CrawlRun | None:
    """The latest run recorded with exactly these arguments that never recorded its end
    (stopped, or still running); None when there is none."""
    runs = session.scalars(
        select(CrawlRun).where(CrawlRun.finished_at.is_(None)).order_by(CrawlRun.id.desc())
    )
    # Compared here, not in SQL: SQLite and PostgreSQL compare JSON differently.
    return next((run for run in runs if run.arguments == arguments), None)
