"""The archive report as one self-contained HTML page: data in, a string out.

Everything the page needs is in it: CSS in a <style> element, charts drawn here as inline
SVG, no script, font, image or link to anywhere else, so it opens from a mail attachment on
a machine without network. Titles, failure reasons and site names come from the web or from
profiles; every text is escaped. Charts carry their numbers in data attributes and <title>
elements (the tooltip a browser shows), so a reader, and a test, can read them back.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import UTC, date, datetime
from html import escape

from archive_db.health import HEALTH_FIELDS, MIN_ARTICLES, Drift, RunHealth, describe_drift
from archive_db.queries import CrawlRunSummary
from archive_db.report_data import ArchiveReport, NewArticle, ReasonCount, SiteReport

FIELD_LABELS = {
    "title": "title",
    "published": "date",
    "authors": "author",
    "body": "body (long enough)",
}

CSS = """
body { font: 15px/1.45 system-ui, -apple-system, "Segoe UI", sans-serif; color: #1d2330;
  margin: 0 auto; max-width: 1100px; padding: 1.5rem; background: #fbfbfd; }
h1 { font-size: 1.6rem; margin: 0 0 .2rem; }
h2 { font-size: 1.3rem; border-bottom: 2px solid #d7dbe6; padding-bottom: .2rem; }
h3 { font-size: 1.02rem; margin: 1.4rem 0 .4rem; color: #3a4256; }
.muted { color: #667085; }
td.url { font-size: .85em; color: #667085; word-break: break-all; }
table { border-collapse: collapse; margin: .3rem 0; }
th, td { border-bottom: 1px solid #e3e6ee; padding: .25rem .7rem; text-align: left; }
td.n, th.n { text-align: right; font-variant-numeric: tabular-nums; }
.drift { background: #fff1f0; border-left: 5px solid #d92d20; padding: .5rem .9rem;
  margin: .6rem 0; }
.drift li { margin: .15rem 0; }
.ok { color: #067647; }
.bad { color: #b42318; font-weight: 600; }
section.site { margin-top: 2.2rem; }
.charts { display: flex; flex-wrap: wrap; gap: 1rem; }
svg { background: #fff; border: 1px solid #e3e6ee; }
svg text { font: 11px system-ui, sans-serif; fill: #667085; }
svg .bar { fill: #3e6fd8; }
svg .line { fill: none; stroke: #3e6fd8; stroke-width: 2; }
svg .point { fill: #3e6fd8; }
svg .point.few { fill: #fff; stroke: #3e6fd8; }
svg .point.drifted { fill: #d92d20; }
svg .grid { stroke: #eef0f5; }
svg .title { font-weight: 600; fill: #1d2330; }
"""

BAR_CHART = (760, 180)  # width, height
LINE_CHART = (260, 140)
MARGIN = (36, 12, 24, 10)  # left, top, bottom, right: room for the axis labels


def readable_duration(seconds: float) -> str:
    """1h02m03s, 4m05s or 6s: a duration a person reads at a glance."""
    minutes, secs = divmod(round(seconds), 60)
    hours, minutes = divmod(minutes, 60)
    if hours:
        return f"{hours}h{minutes:02d}m{secs:02d}s"
    return f"{minutes}m{secs:02d}s" if minutes else f"{secs}s"


def render_report(report: ArchiveReport) -> str:
    """The whole page."""
    generated = report.generated_at.strftime("%Y-%m-%d %H:%M UTC")
    scope = "" if report.since is None else f" · from {report.since.isoformat()}"
    parts = [
        "<!DOCTYPE html>",
        '<html lang="en"><head><meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        "<title>newsarchive report</title>",
        f"<style>{CSS}</style></head><body>",
        "<h1>newsarchive report</h1>",
        f'<p class="muted">generated {escape(generated)}{escape(scope)}</p>',
        summary(report),
        *(site_section(index, site) for index, site in enumerate(report.sites)),
        "</body></html>",
    ]
    return "\n".join(parts) + "\n"


def summary(report: ArchiveReport) -> str:
    drifts = [drift for site in report.sites for drift in site.drifts]
    rows = [
        "<tr>"
        f'<td><a href="#{site_anchor(index)}">{escape(site.site)}</a></td>'
        f'<td class="n">{site.articles}</td>'
        + last_run_cells(site.runs[0] if site.runs else None)
        + (
            f'<td class="bad">{len(site.drifts)} field(s)</td>'
            if site.drifts
            else '<td class="ok">none</td>'
        )
        + "</tr>"
        for index, site in enumerate(report.sites)
    ]
    counted = "archived" if report.since is None else "archived since then"
    return "\n".join(
        [
            '<section id="summary"><h2>Summary</h2>',
            f"<p>{len(report.sites)} site(s); {report.articles} articles in the archive.</p>",
            drift_box(drifts, heading="Extraction drift in the latest runs"),
            "<table><thead><tr><th>site</th>"
            f'<th class="n">articles {counted}</th>'
            "<th>last run</th><th>outcome</th><th>drift</th></tr></thead>",
            "<tbody>",
            *rows,
            "</tbody></table></section>",
        ]
    )


def last_run_cells(run: CrawlRunSummary | None) -> str:
    if run is None:
        return '<td class="muted">none</td><td></td>'
    outcome = run.outcome
    kind = "ok" if outcome == "finished" else "bad"
    return f'<td>{escape(stamp(run.started_at))}</td><td class="{kind}">{escape(outcome)}</td>'


def drift_box(drifts: Sequence[Drift], *, heading: str) -> str:
    if not drifts:
        return ""
    items = "".join(f"<li>{escape(describe_drift(drift))}</li>" for drift in drifts)
    return f'<div class="drift"><strong>{escape(heading)}</strong><ul>{items}</ul></div>'


def site_anchor(index: int) -> str:
    return f"site-{index}"


def site_section(index: int, site: SiteReport) -> str:
    drifted = {drift.field for drift in site.drifts}
    drift_run = site.drifts[0].run_id if site.drifts else None
    coverage = [
        coverage_chart(field, site.health, drifted=field in drifted, drift_run=drift_run)
        for field in HEALTH_FIELDS
    ]
    return "\n".join(
        [
            f'<section class="site" id="{site_anchor(index)}" data-site="{escape(site.site)}">',
            f"<h2>{escape(site.site)}</h2>",
            drift_box(site.drifts, heading="Extraction drift in the latest run"),
            "<h3>New articles archived per day (UTC)</h3>",
            per_day_chart(site.archived_per_day)
            if site.archived_per_day
            else '<p class="muted">No articles archived.</p>',
            "<h3>Field coverage by run</h3>",
            '<p class="muted">Share of the article pages each run parsed on which the field '
            f"was found; a hollow point is a run of under {MIN_ARTICLES} articles, too few to "
            "judge. A sudden drop usually means the site changed its template.</p>",
            f'<div class="charts">{"".join(coverage)}</div>'
            if site.health
            else '<p class="muted">No run recorded its extraction health.</p>',
            "<h3>Latest articles archived</h3>",
            articles_table(site.latest_articles),
            "<h3>Failures by reason</h3>",
            failures_table(site.failures),
            "<h3>Last runs</h3>",
            runs_table(site.runs),
            "</section>",
        ]
    )


def per_day_chart(per_day: dict[date, int]) -> str:
    """Bars of new articles per day, each with its day and count in data attributes."""
    width, height = BAR_CHART
    left, top, bottom, right = MARGIN
    plot_width, plot_height = width - left - right, height - top - bottom
    highest = max(max(per_day.values()), 1)
    slot = plot_width / len(per_day)
    bar_width = max(slot * 0.8, 1.0)
    bars = []
    for position, (day, count) in enumerate(per_day.items()):
        bar_height = plot_height * count / highest
        x = left + position * slot + (slot - bar_width) / 2
        label = f"{day.isoformat()}: {count} new article{'' if count == 1 else 's'}"
        bars.append(
            f'<rect class="bar" x="{x:.1f}" y="{top + plot_height - bar_height:.1f}" '
            f'width="{bar_width:.1f}" height="{bar_height:.1f}" '
            f'data-day="{day.isoformat()}" data-count="{count}">'
            f"<title>{escape(label)}</title></rect>"
        )
    days = list(per_day)
    axis = [
        f'<line class="grid" x1="{left}" x2="{width - right}" y1="{top}" y2="{top}"/>',
        text(left - 4, top + 4, str(highest), anchor="end"),
        text(left - 4, top + plot_height, "0", anchor="end"),
        text(left, height - 6, days[0].isoformat(), anchor="start"),
    ]
    if len(days) > 1:
        axis.append(text(width - right, height - 6, days[-1].isoformat(), anchor="end"))
    return svg(
        width,
        height,
        label=f"New articles archived per day, {days[0]} to {days[-1]}",
        body=[*axis, *bars],
        css_class="per-day",
    )


def coverage_chart(
    field: str, health: Sequence[RunHealth], *, drifted: bool, drift_run: int | None
) -> str:
    """One field's share per run, oldest run on the left, 0 to 100%."""
    width, height = LINE_CHART
    left, top, bottom, right = MARGIN
    top += 14  # room for the chart's own title
    plot_width, plot_height = width - left - right, height - top - bottom
    step = plot_width / max(len(health) - 1, 1)
    label = FIELD_LABELS[field]
    points = []
    for position, run in enumerate(health):
        share = run.share(field)
        x = left + (position * step if len(health) > 1 else plot_width / 2)
        y = top + plot_height * (1 - share)
        points.append((x, y, run, share))
    line = " ".join(f"{x:.1f},{y:.1f}" for x, y, _, _ in points)
    circles = []
    for x, y, run, share in points:
        kinds = ["point"]
        if run.articles < MIN_ARTICLES:
            kinds.append("few")
        if drifted and run.run_id == drift_run:
            kinds.append("drifted")
        tip = (
            f"run {run.run_id}, {stamp(run.started_at)}: {label} on {run.found[field]} of "
            f"{run.articles} articles ({share:.0%})"
        )
        circles.append(
            f'<circle class="{" ".join(kinds)}" cx="{x:.1f}" cy="{y:.1f}" r="3.5" '
            f'data-run="{run.run_id}" data-share="{share:.4f}"><title>{escape(tip)}</title>'
            "</circle>"
        )
    grid = [
        f'<line class="grid" x1="{left}" x2="{width - right}" y1="{y:.1f}" y2="{y:.1f}"/>'
        for y in (top, top + plot_height / 2, top + plot_height)
    ]
    labels = [
        text(left - 4, top + 4, "100%", anchor="end"),
        text(left - 4, top + plot_height + 4, "0%", anchor="end"),
        text(left, 14, label + (" — drifted" if drifted else ""), anchor="start", kind="title"),
    ]
    return svg(
        width,
        height,
        label=f"Share of articles with a {label}, run by run",
        body=[*grid, *labels, f'<polyline class="line" points="{line}"/>', *circles],
        css_class=f"coverage coverage-{field}",
        data={"field": field},
    )


def articles_table(articles: Sequence[NewArticle]) -> str:
    """Titles and addresses as text: the page links to nothing outside itself."""
    if not articles:
        return '<p class="muted">No articles.</p>'
    rows = (
        f"<tr><td>{escape(stamp(article.first_archived))}</td>"
        f"<td>{escape(article.title or '(no title)')}</td>"
        f"<td>{escape(published_text(article.published))}</td>"
        f'<td class="url">{escape(article.url)}</td></tr>'
        for article in articles
    )
    return table("articles", ["archived", "title", "published", "address"], rows, numeric=set())


def published_text(published: date | datetime | None) -> str:
    if published is None:
        return "no date found"
    return (
        published.isoformat()
        if not isinstance(published, datetime)
        else stamp(published.astimezone(UTC))
    )


def failures_table(failures: Sequence[ReasonCount]) -> str:
    if not failures:
        return '<p class="muted">No fetch failures recorded.</p>'
    rows = (
        f'<tr><td>{escape(failure.reason)}</td><td class="n">{failure.unresolved}</td>'
        f'<td class="n">{failure.resolved}</td></tr>'
        for failure in failures
    )
    return table(
        "failures",
        ["reason", "unresolved", "resolved later"],
        rows,
        numeric={"unresolved", "resolved later"},
    )


RUN_HEADINGS = ["started", "duration", "pages", "new", "updated", "failures", "outcome"]


def runs_table(runs: Sequence[CrawlRunSummary]) -> str:
    if not runs:
        return '<p class="muted">No runs.</p>'
    rows = []
    for run in runs:
        duration = (
            ""
            if run.finished_at is None
            else readable_duration((run.finished_at - run.started_at).total_seconds())
        )
        outcome = run.outcome
        numbers = (run.pages, run.inserted, run.updated, run.failures)
        cells = "".join(f'<td class="n">{"" if n is None else n}</td>' for n in numbers)
        kind = "ok" if outcome == "finished" else "bad"
        rows.append(
            f'<tr data-run="{run.id}"><td>{escape(stamp(run.started_at))}</td>'
            f'<td class="n">{escape(duration)}</td>{cells}'
            f'<td class="{kind}">{escape(outcome)}</td></tr>'
        )
    return table("runs", RUN_HEADINGS, rows, numeric=set(RUN_HEADINGS[1:6]))


def table(
    css_class: str, headings: Sequence[str], rows: Iterable[str], *, numeric: set[str]
) -> str:
    head = "".join(
        f'<th class="n">{escape(h)}</th>' if h in numeric else f"<th>{escape(h)}</th>"
        for h in headings
    )
    return (
        f'<table class="{css_class}"><thead><tr>{head}</tr></thead>'
        f"<tbody>{''.join(rows)}</tbody></table>"
    )


def svg(
    width: int,
    height: int,
    *,
    label: str,
    body: Sequence[str],
    css_class: str,
    data: dict[str, str] | None = None,
) -> str:
    attributes = "".join(f' data-{key}="{escape(value)}"' for key, value in (data or {}).items())
    return (
        f'<svg class="{css_class}" width="{width}" height="{height}" '
        f'viewBox="0 0 {width} {height}" role="img" aria-label="{escape(label)}"{attributes}>'
        f"<title>{escape(label)}</title>{''.join(body)}</svg>"
    )


def text(x: float, y: float, content: str, *, anchor: str, kind: str = "") -> str:
    css = f' class="{kind}"' if kind else ""
    return f'<text x="{x:.1f}" y="{y:.1f}" text-anchor="{anchor}"{css}>{escape(content)}</text>'


def stamp(instant: datetime) -> str:
    """A run's start, in UTC as the rest of the page."""
    return instant.strftime("%Y-%m-%d %H:%M")
