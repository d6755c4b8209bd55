"""`newsarchive sites`: list site profiles, write one for a new site, check how one reads.

The probing itself is in ``siteprobe``; this module only chooses, prints and writes.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

import click

from cli import (
    EXIT_BAD_INPUT,
    EXIT_CRAWL_INCOMPLETE,
    EXIT_OK,
    EXIT_USAGE,
    UserError,
    check_http_url,
    emit_rows,
    format_option,
    output_error,
    resolve_target,
)
from profiles import (
    ProfileError,
    ProfileExistsError,
    check_profile_name,
    profile_files,
    profile_for_url,
    profile_path,
    read_profile,
    user_sites_dir,
    write_user_profile,
)

if TYPE_CHECKING:
    from siteprobe import PoliteFetcher, SampleReport

SAMPLE_OPTION = click.option(
    "--sample",
    type=click.IntRange(1, 100),
    default=5,
    show_default=True,
    help="Fetch and parse up to N article pages (robots.txt's disallowed ones are not fetched).",
)
DELAY_OPTION = click.option(
    "--delay",
    type=click.FloatRange(min=0),
    default=1.0,
    show_default=True,
    help="Seconds between two requests (robots.txt's Crawl-delay when longer; 0 for "
    "local sites only).",
)


@click.group("sites")
def sites() -> None:
    """Site profiles: list them, write one for a new site, check how well one reads.

    Your own profiles live in $NEWSARCHIVE_SITES_DIR, else
    $XDG_CONFIG_HOME/newsarchive/sites (~/.config/newsarchive/sites); one of yours with a
    bundled profile's name replaces the bundled one.

    \b
    Examples:
      newsarchive sites add https://www.example-news.co.uk/
      newsarchive sites check example-news.co.uk --sample 10
    """


# --- list --------------------------------------------------------------------------------


@sites.command("list")
@format_option()
def sites_list(fmt: str) -> int:
    """List the site profiles, with where each comes from, start URLs and domains.

    \b
    Example:
      newsarchive sites list --format json
    """
    columns = ("name", "source", "path", "start_urls", "domains", "note")
    rows = []
    for entry in profile_files():
        start_urls: list[str] = []
        domains: list[str] = []
        note = "replaced by your profile of this name" if entry.overridden else ""
        try:
            profile = read_profile(entry.path)
            start_urls, domains = list(profile.start_urls), list(profile.domains)
        except ProfileError as error:
            note = f"unreadable: {error}"
        # JSON keeps lists; a table or CSV cell holds them space-separated.
        listed: tuple[object, object] = (start_urls, domains)
        if fmt != "json":
            listed = (" ".join(start_urls), " ".join(domains))
        rows.append((entry.name, entry.source, str(entry.path), *listed, note))
    if not rows and fmt == "table":
        click.echo(f"no site profiles (yours go in {user_sites_dir()})", err=True)
    emit_rows(columns, rows, fmt)
    return EXIT_OK


# --- add ---------------------------------------------------------------------------------


@sites.command("add")
@click.argument("url")
@click.option("--name", help="The profile's name (default: the site's host without www.).")
@SAMPLE_OPTION
@DELAY_OPTION
@click.option("--force", is_flag=True, help="Replace a profile of the same name.")
def sites_add(url: str, name: str | None, sample: int, delay: float, force: bool) -> int:
    """Probe a site and write a profile for it. The probe reads robots.txt, the feeds and
    sitemaps the site names and a sample of articles, shows what it found, and writes the
    profile into your profiles folder.

    \b
    Example:
      newsarchive sites add https://www.example-news.co.uk/ --name example-news
    """
    from siteprobe import ProbeError, probe_site

    check_http_url(url)
    try:
        name = check_profile_name(name or profile_for_url(url).name)
    except ProfileError as error:
        raise UserError(str(error), EXIT_USAGE) from None
    existing = profile_path(name)
    if existing is not None and not force:
        raise UserError(_exists_message(name, str(existing)), EXIT_USAGE)
    try:
        probe = probe_site(url, sample=sample, fetcher=_fetcher(delay, sample))
    except ProbeError as error:
        raise UserError(str(error), EXIT_BAD_INPUT) from None
    found = probe.discovery
    click.echo(f"site: {found.start_url} (domains: {', '.join(probe.domains)})")
    robots = found.robots
    delay_text = "none" if probe.crawl_delay is None else f"{probe.crawl_delay:g} s"
    click.echo(
        f"robots.txt: {robots.status} ({robots.url}); sitemaps listed: {len(robots.sitemaps)}; "
        f"crawl-delay: {delay_text}"
    )
    for label, sources in (("feed", found.feeds), ("sitemap", found.sitemaps)):
        for source in sources:
            click.echo(f"{label}: {source.url} ({source.how})")
        if not sources:
            click.echo(f"{label}s: none found")
    for guessed, outcome in found.guessed:
        click.echo(f"tried the well-known {guessed}: {outcome}")
    click.echo(f"language: {probe.language or 'not detected'}")
    print_report(probe.report, "table")
    profile = probe.profile(name)
    comment = (
        f"Written by `newsarchive sites add {url}` on {datetime.now(UTC):%Y-%m-%d}: "
        f"{len(probe.report.articles)} of {probe.report.fetched} sampled pages read as articles.\n"
        f"Edit freely; `newsarchive sites check {name}` shows how well articles are read."
    )
    try:
        path = write_user_profile(profile, comment=comment, replace=force)
    except ProfileExistsError as error:
        raise UserError(f"{error}; give --force to replace it", EXIT_USAGE) from None
    except OSError as error:
        raise output_error(error.filename or user_sites_dir(), error) from None
    if not probe.report.articles:
        click.echo(
            "no sampled page read as an article: add start URLs or article_patterns by hand",
            err=True,
        )
    click.echo(f"wrote {path}")
    return EXIT_OK


def _exists_message(name: str, path: str) -> str:
    return f"a site profile {name!r} exists already ({path}): give --force to replace it"


# --- check -------------------------------------------------------------------------------


@sites.command("check")
@click.argument("target")
@SAMPLE_OPTION
@DELAY_OPTION
@click.option(
    "--min-share",
    type=click.FloatRange(0, 1),
    help="Exit 1 when fewer than this share (0-1) of the sampled articles have a title, a "
    "publication date or a body: a site redesign that broke extraction, for a scheduled check.",
)
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["table", "json"]),
    default="table",
    show_default=True,
    help="table (a Rich table on a terminal, tab-separated on a pipe) or json.",
)
def sites_check(target: str, sample: int, delay: float, min_share: float | None, fmt: str) -> int:
    """Report how well a site's newest articles are read. A handful of them (from its
    feeds, then its sitemaps by date) are fetched and parsed, nothing is stored, and each
    field's share of them is shown. TARGET is a profile name, a .toml path or a start URL.

    \b
    Example:
      newsarchive sites check chamberlainfiles --sample 10 --min-share 0.8
    """
    from siteprobe import CORE_FIELDS, ProbeError, check_site

    profile = resolve_target(target)
    try:
        checked = check_site(profile, sample=sample, fetcher=_fetcher(delay, sample))
    except ProbeError as error:
        raise UserError(str(error), EXIT_BAD_INPUT) from None
    report = checked.report
    if fmt == "json":
        click.echo(json.dumps(report_json(profile.name, report, len(checked.requests)), indent=2))
    else:
        click.echo(
            f"checked {profile.name}: {report.fetched} pages fetched, "
            f"{len(report.articles)} articles, {len(checked.requests)} requests"
        )
        print_report(report, fmt)
    if not report.articles:
        why = ", ".join(f"{count} {problem}" for problem, count in report.problems().items())
        raise UserError(
            f"no article could be fetched from {profile.name}: "
            + (why or "its start pages, feeds and sitemaps list no article URL")
        )
    shares = report.shares()
    low = [name for name in CORE_FIELDS if min_share is not None and shares[name] < min_share]
    if low:
        below = ", ".join(f"{name} {shares[name]:.0%}" for name in low)
        raise UserError(f"below --min-share {min_share:.0%}: {below}", EXIT_CRAWL_INCOMPLETE)
    return EXIT_OK


# --- shared ------------------------------------------------------------------------------


def _fetcher(delay: float, sample: int) -> PoliteFetcher:
    from siteprobe import DISCOVERY_REQUESTS, PoliteFetcher

    return PoliteFetcher(pause=delay, max_requests=DISCOVERY_REQUESTS + sample)


def print_report(report: SampleReport, fmt: str) -> None:
    """The per-field table, then one line per sampled page."""
    from siteprobe import REPORT_FIELDS

    total = len(report.articles)
    counts, shares = report.counts(), report.shares()
    emit_rows(
        ("field", "share", "articles"),
        ((name, f"{shares[name]:.0%}", f"{counts[name]}/{total}") for name in REPORT_FIELDS),
        fmt,
    )
    for page in report.pages:
        if page.record is not None:
            click.echo(f"article: {page.url} ({page.record.title or 'no title'})")
        else:
            click.echo(f"skipped: {page.url}: {page.problem}")


def report_json(name: str, report: SampleReport, requests: int) -> dict[str, Any]:
    return {
        "site": name,
        "fetched": report.fetched,
        "articles": len(report.articles),
        "requests": requests,
        "fields": {field: round(share, 4) for field, share in report.shares().items()},
        "pages": [
            {
                "url": page.url,
                "article": page.record is not None,
                "title": page.record.title if page.record else None,
                "problem": page.problem,
            }
            for page in report.pages
        ],
    }
