"""`newsarchive`: the command line, a thin shell over parsers, spiders and archive_db.

Exit codes (documented in the README): 0 success; 1 a crawl that did not finish cleanly;
2 wrong usage; 3 bad input (missing file, unreachable URL, not HTML); 4 an archive that
cannot be opened or written; 130 interrupted.
"""

from __future__ import annotations

import csv
import json
import os
import sys
import tempfile
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterable, Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from email.message import Message
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any

import click

from items import record_to_json
from profiles import ProfileError, SiteProfile, load_profile, profile_for_url

if TYPE_CHECKING:
    from spiders.runner import CrawlResult

EXIT_OK = 0
EXIT_CRAWL_INCOMPLETE = 1
EXIT_USAGE = 2
EXIT_BAD_INPUT = 3
EXIT_ARCHIVE = 4
EXIT_INTERRUPTED = 130

DEFAULT_DB = "archive.sqlite"
DEMO_PORT = 8765
FETCH_TIMEOUT_SECONDS = 30
MAX_PAGE_BYTES = 16 * 1024 * 1024


class UserError(click.ClickException):
    """An expected failure: printed as one line, with its own exit code, never a traceback."""

    def __init__(self, message: str, exit_code: int = EXIT_BAD_INPUT) -> None:
        super().__init__(message)
        self.exit_code = exit_code


def _archive_error(error: Exception) -> UserError:
    return UserError(str(error), EXIT_ARCHIVE)


db_option = click.option(
    "--db",
    "db",
    envvar="NEWSARCHIVE_DB",
    default=DEFAULT_DB,
    show_default=True,
    help="Archive: an SQLite file path or an SQLAlchemy URL (env NEWSARCHIVE_DB).",
)


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="newsarchive")
def cli() -> None:
    """Scrape and archive regional news sites into a queryable archive.

    \b
    Example:
      newsarchive demo
    """


# --- crawl -------------------------------------------------------------------------------


def resolve_target(target: str) -> SiteProfile:
    """A start URL becomes an ad hoc profile; anything else names a bundled or file profile."""
    if target.startswith(("http://", "https://")):
        return profile_for_url(target)
    if "://" in target:
        raise UserError(f"only http(s) start URLs can be crawled, not {target!r}", EXIT_USAGE)
    try:
        return load_profile(target)
    except ProfileError as error:
        raise UserError(str(error), EXIT_USAGE) from None


def prepare_archive(db: str) -> str:
    """Open (creating or upgrading) the archive before any network work; return its URL."""
    from archive_db.engine import ArchiveError, make_engine, mask_url
    from archive_db.migrations import upgrade_archive

    try:
        engine = make_engine(db)
        try:
            upgrade_archive(engine)
        finally:
            engine.dispose()
    except ArchiveError as error:
        raise _archive_error(error) from None
    url = str(engine.url.render_as_string(hide_password=False))
    click.echo(f"archive: {mask_url(url)}", err=True)
    return url


def run_and_report(
    profiles: list[SiteProfile], *, db_url: str, options: dict[str, Any], arguments: dict[str, Any]
) -> int:
    """Run one crawl over the profiles, print the summary, and return the exit code."""
    from spiders.runner import CrawlOptions, run_crawl

    crawl_options = CrawlOptions(db_url=db_url, run_arguments=arguments, **options)
    results = run_crawl(profiles, crawl_options)
    print_summary(results)
    unreachable = [r.site for r in results if not r.stats.get("response_received_count")]
    if unreachable:
        raise UserError(
            f"could not reach {', '.join(unreachable)}: no page answered ({latest_failure(db_url)})"
        )
    return EXIT_OK if all(r.finish_reason == "finished" for r in results) else EXIT_CRAWL_INCOMPLETE


def latest_failure(db_url: str) -> str:
    """The last recorded fetch failure, as "URL: reason", to say why a site was unreachable."""
    from sqlalchemy.orm import Session

    from archive_db.engine import make_engine
    from archive_db.queries import fetch_failures

    engine = make_engine(db_url)
    try:
        with Session(engine) as session:
            failures = fetch_failures(session)
            last = max(failures, key=lambda failure: failure.failed_at, default=None)
            return "no failure recorded" if last is None else f"{last.url}: {last.reason}"
    finally:
        engine.dispose()


SUMMARY_COLUMNS = (
    ("site", None),
    ("pages", "response_received_count"),
    ("new", "archive/inserted"),
    ("updated", "archive/updated"),
    ("unchanged", "archive/unchanged"),
    ("not articles", "parser/not_article"),
    ("failures", "archive/failures"),
)


def summary_rows(results: Iterable[CrawlResult]) -> list[dict[str, str]]:
    rows = []
    for result in results:
        row = {
            name: result.site if key is None else str(result.stats.get(key, 0))
            for name, key in SUMMARY_COLUMNS
        }
        row["time"] = f"{result.elapsed_seconds:.1f}s"
        row["finish"] = result.finish_reason
        rows.append(row)
    return rows


def print_summary(results: Iterable[CrawlResult]) -> None:
    """A Rich table on a terminal; plain `key: value` lines on a pipe, for logs and scripts."""
    rows = summary_rows(results)
    if not sys.stdout.isatty():
        for row in rows:
            click.echo(
                "crawl summary: " + ", ".join(f"{key}: {value}" for key, value in row.items())
            )
        return
    from rich.console import Console
    from rich.table import Table

    table = Table(title="crawl summary")
    for column in rows[0] if rows else ():
        table.add_column(column, justify="left" if column in {"site", "finish"} else "right")
    for row in rows:
        table.add_row(*row.values())
    Console().print(table)


def crawl_options(func: Callable[..., Any]) -> Callable[..., Any]:
    """The options shared by `crawl` and `demo`."""
    for option in reversed(
        [
            click.option("--max-pages", type=click.IntRange(min=1), help="Stop after N pages."),
            click.option("--max-depth", type=click.IntRange(min=0), help="Follow links N deep."),
            click.option(
                "--delay",
                type=click.FloatRange(min=0),
                help="Seconds between requests to a site (0 turns politeness delays off: "
                "for local sites only). Default: the profile's, else 1 s with AutoThrottle.",
            ),
            click.option(
                "--concurrency", type=click.IntRange(min=1), help="Parallel requests per site."
            ),
            click.option(
                "--user-agent", help="User-Agent header (default identifies newsarchive)."
            ),
            click.option(
                "--log-level",
                type=click.Choice(["DEBUG", "INFO", "WARNING", "ERROR"], case_sensitive=False),
                default="WARNING",
                show_default=True,
            ),
        ]
    ):
        func = option(func)
    return func


@cli.command()
@click.argument("targets", nargs=-1, required=True)
@db_option
@crawl_options
def crawl(targets: tuple[str, ...], db: str, **options: Any) -> int:
    """Crawl sites into the archive. TARGET is a start URL (homepage, section page, sitemap
    or feed) or a site profile (a bundled name such as `chamberlainfiles`, or a .toml path).

    \b
    Example:
      newsarchive crawl https://www.example-news.co.uk/ --max-pages 200
    """
    profiles = [resolve_target(target) for target in targets]
    db_url = prepare_archive(db)
    arguments = {"command": "crawl", "targets": list(targets), **_given(options)}
    return run_and_report(profiles, db_url=db_url, options=_given(options), arguments=arguments)


def _given(options: dict[str, Any]) -> dict[str, Any]:
    return {key: value for key, value in options.items() if value is not None}


# --- demo --------------------------------------------------------------------------------


@cli.command()
@db_option
@click.option(
    "--port",
    type=click.IntRange(0, 65535),
    default=DEMO_PORT,
    show_default=True,
    help="Loopback port. Keep it the same between runs: the port is part of every URL, so "
    "a re-run on another port archives the articles again under new URLs (0: any free port).",
)
@click.option("--serve-only", is_flag=True, help="Only serve the demo site until Ctrl-C.")
@crawl_options
def demo(db: str, port: int, serve_only: bool, **options: Any) -> int:
    """Serve the bundled demo news site on 127.0.0.1 and crawl it into the archive,
    with the same code path as a real crawl (no internet needed).

    \b
    Example:
      newsarchive demo --db demo.sqlite
    """
    from demo.server import serve_demo
    from demo.site import demo_profile

    with ExitStack() as stack:
        try:
            server = stack.enter_context(serve_demo(port=port))
        except OSError as error:
            raise UserError(
                f"cannot serve the demo on 127.0.0.1:{port}: {error.strerror}; pick another --port"
            ) from None
        if serve_only:
            click.echo(f"serving the demo site at {server.base_url}/ (Ctrl-C stops)")
            try:
                while True:
                    time.sleep(3600)
            except KeyboardInterrupt:
                return EXIT_OK
        db_url = prepare_archive(db)
        click.echo(f"crawling the demo site at {server.base_url}/", err=True)
        profile = demo_profile(server.base_url)
        given = {"delay": 0.0, **_given(options)}
        arguments = {"command": "demo", "targets": [profile.start_urls[0]], **given}
        code = run_and_report([profile], db_url=db_url, options=given, arguments=arguments)
    print_recent_titles(db_url)
    return code


def print_recent_titles(db_url: str, limit: int = 5) -> None:
    from sqlalchemy.orm import Session

    from archive_db.engine import make_engine
    from archive_db.queries import article_count, recent_titles

    engine = make_engine(db_url)
    try:
        with Session(engine) as session:
            total = article_count(session)
            titles = recent_titles(session, limit)
    finally:
        engine.dispose()
    click.echo(f"{total} articles in the archive; the latest published:")
    for entry in titles:
        click.echo(f"  - {entry.title}  ({entry.url})")


# --- parse -------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class FetchedPage:
    body: bytes
    url: str  # after redirects
    http_charset: str | None
    fetched_at: datetime


def fetch_page(url: str, *, user_agent: str | None = None) -> FetchedPage:
    """Fetch one page for `parse`/`fixtures save`, identifying ourselves like the crawler."""
    import settings

    request = urllib.request.Request(url, headers={"User-Agent": user_agent or settings.USER_AGENT})
    try:
        with urllib.request.urlopen(request, timeout=FETCH_TIMEOUT_SECONDS) as response:
            body = response.read(MAX_PAGE_BYTES + 1)
            headers: Message = response.headers
            final_url = response.geturl()
    except urllib.error.HTTPError as error:
        raise UserError(f"cannot fetch {url}: HTTP {error.code} {error.reason}") from None
    except (urllib.error.URLError, TimeoutError, OSError) as error:
        reason = getattr(error, "reason", error)
        raise UserError(f"cannot fetch {url}: {reason}") from None
    if len(body) > MAX_PAGE_BYTES:
        raise UserError(f"cannot fetch {url}: larger than {MAX_PAGE_BYTES} bytes")
    content_type = headers.get_content_type()
    if content_type not in {"text/html", "application/xhtml+xml"}:
        raise UserError(f"{url} is not an HTML page (Content-Type {content_type})")
    return FetchedPage(body, final_url, headers.get_content_charset(), datetime.now(UTC))


def read_page_file(path: Path) -> bytes:
    try:
        return path.read_bytes()
    except FileNotFoundError:
        raise UserError(f"no such file: {path}") from None
    except IsADirectoryError:
        raise UserError(f"{path} is a folder, not an HTML file") from None
    except OSError as error:
        raise UserError(f"cannot read {path}: {error.strerror}") from None


def looks_like_html(body: bytes) -> bool:
    """Reject binaries early: a NUL byte in the first KiB never occurs in an HTML page."""
    head = body[:1024]
    return bool(body.strip()) and b"\x00" not in head and not head.startswith(b"%PDF")


@cli.command()
@click.argument("source", required=False)
@click.option("--url", help="The page's URL, when SOURCE is a saved file.")
@click.option("--profile", "profile_name", help="A site profile for selector overrides.")
@click.option(
    "--jsonl", is_flag=True, help='Read {"path", "url"} lines on stdin; one record a line.'
)
def parse(source: str | None, url: str | None, profile_name: str | None, jsonl: bool) -> int:
    """Print the record extracted from one page (a file or a URL) as JSON.

    \b
    Examples:
      newsarchive parse saved.html --url https://www.example.co.uk/news/story/
      printf '{"path": "a.html", "url": "https://x.test/a"}\\n' | newsarchive parse --jsonl
    """
    profile = resolve_target(profile_name) if profile_name else None
    if jsonl:
        if source:
            raise UserError("--jsonl reads stdin; give no SOURCE", EXIT_USAGE)
        parse_stream(sys.stdin, sys.stdout, profile=profile)
        return EXIT_OK
    if not source:
        raise UserError("give a file or a URL to parse (or --jsonl)", EXIT_USAGE)
    record = parse_source(source, url=url, profile=profile)
    if record is None:
        click.echo("null")
        click.echo(f"{source}: not an article page", err=True)
        return EXIT_OK
    click.echo(json.dumps(record, indent=2, ensure_ascii=False, sort_keys=True))
    return EXIT_OK


def parse_source(
    source: str, *, url: str | None, profile: SiteProfile | None
) -> dict[str, Any] | None:
    from parsers import parse_article

    if source.startswith(("http://", "https://")):
        page = fetch_page(source)
        body, page_url, charset, fetched_at = (
            page.body,
            url or page.url,
            page.http_charset,
            page.fetched_at,
        )
    else:
        path = Path(source)
        body, charset, fetched_at = read_page_file(path), None, None
        page_url = url or path.resolve().as_uri()
        if not looks_like_html(body):
            raise UserError(f"{source} is not an HTML file")
    record = parse_article(
        body, page_url, profile=profile, fetched_at=fetched_at, http_charset=charset
    )
    return None if record is None else record_to_json(record)


def parse_stream(lines: IO[str], out: IO[str], *, profile: SiteProfile | None) -> None:
    """One record (or error) per request line, in order, flushed: a pipe protocol for benchmarks."""
    from parsers import parse_article

    for line in lines:
        if not line.strip():
            continue
        answer = parse_request(line, parse_article, profile)
        out.write(json.dumps(answer, ensure_ascii=False) + "\n")
        out.flush()


def parse_request(
    line: str, parse_article: Callable[..., Any], profile: SiteProfile | None
) -> dict[str, Any] | None:
    try:
        request = json.loads(line)
        path = str(request["path"])
    except (json.JSONDecodeError, KeyError, TypeError):
        return {"path": None, "error": f"not a request line: {line.strip()[:200]}"}
    try:
        body = Path(path).read_bytes()
    except OSError as error:
        return {"path": path, "error": f"cannot read: {error.strerror}"}
    if not looks_like_html(body):
        return {"path": path, "error": "not an HTML file"}
    url = request.get("url") or Path(path).resolve().as_uri()
    record = parse_article(body, url, profile=profile)
    if record is None:
        return {"path": path, "record": None}
    return {"path": path, **record_to_json(record)}


# --- export ------------------------------------------------------------------------------

EXPORT_EXTRA_KEYS = ("first_seen", "last_seen", "versions")


@cli.command()
@db_option
@click.option(
    "--format", "fmt", type=click.Choice(["jsonl", "csv"]), default="jsonl", show_default=True
)
@click.option("--site", help="Only articles of this host name, e.g. www.example.co.uk.")
@click.option(
    "--output",
    "-o",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Write to FILE (atomically: never a half file) instead of stdout.",
)
def export(db: str, fmt: str, site: str | None, output: Path | None) -> int:
    """Export archived articles, one per line (JSON lines) or row (CSV), with the record keys
    plus first_seen, last_seen and versions.

    \b
    Example:
      newsarchive export --format csv --site www.chamberlainfiles.com -o articles.csv
    """
    rows = exported_rows(db, site=site)
    with open_output(output) as stream:
        if fmt == "jsonl":
            for row in rows:
                stream.write(json.dumps(row, ensure_ascii=False) + "\n")
        else:
            write_csv(rows, stream)
    return EXIT_OK


def exported_rows(db: str, *, site: str | None) -> Iterator[dict[str, Any]]:
    from sqlalchemy.orm import Session

    from archive_db.engine import ArchiveError, readonly_engine
    from archive_db.queries import exported_articles

    try:
        engine = readonly_engine(db)
        with Session(engine) as session:
            archived = list(exported_articles(session, site=site))
    except ArchiveError as error:
        raise _archive_error(error) from None
    engine.dispose()
    for article in archived:
        row = record_to_json(article.record)
        row["first_seen"] = article.first_seen.isoformat()
        row["last_seen"] = article.last_seen.isoformat()
        row["versions"] = article.versions
        yield row


def write_csv(rows: Iterable[dict[str, Any]], stream: IO[str]) -> None:
    """Flat cells: names joined with "; ", structured fields (lists, related, ...) as JSON."""
    from items import RECORD_KEYS

    writer = csv.DictWriter(stream, fieldnames=[*RECORD_KEYS, *EXPORT_EXTRA_KEYS])
    writer.writeheader()
    for row in rows:
        flat = dict(row)
        for key in ("authors", "tags"):
            flat[key] = "; ".join(row[key])
        for key in ("lists", "related", "images", "provenance"):
            flat[key] = json.dumps(row[key], ensure_ascii=False)
        writer.writerow(flat)


@contextmanager
def open_output(path: Path | None) -> Iterator[IO[str]]:
    """stdout, or a temporary file beside PATH renamed over it only once everything is written."""
    if path is None:
        yield sys.stdout
        return
    directory = path.parent if str(path.parent) else Path(".")
    try:
        handle, temporary = tempfile.mkstemp(prefix=f".{path.name}.", dir=directory)
    except OSError as error:
        raise UserError(f"cannot write {path}: {error.strerror}") from None
    try:
        with open(handle, "w", encoding="utf-8", newline="") as stream:
            yield stream
        os.replace(temporary, path)
    finally:
        if os.path.exists(temporary):
            os.unlink(temporary)


# --- fixtures ----------------------------------------------------------------------------


@cli.group()
def fixtures() -> None:
    """Save parser test cases from pages, and review parser output against them.

    \b
    Example:
      newsarchive fixtures rerun tests/fixtures/chamberlainfiles/police-criticised-child-abuse
    """


@fixtures.command("save")
@click.argument("url")
@click.argument("case_dir", type=click.Path(file_okay=False, path_type=Path))
@click.option("--note", default="", help="What the case shows.")
def fixtures_save(url: str, case_dir: Path, note: str) -> int:
    """Fetch URL once and write CASE_DIR/page.html, meta.json and expected.json (review it!).

    \b
    Example:
      newsarchive fixtures save http://127.0.0.1:8765/some-article/ tests/fixtures/demo/some-case
    """
    from parsers.fixtures import update_expected, write_case

    page = fetch_page(url)
    write_case(
        case_dir,
        html=page.body,
        url=page.url,
        fetched_at=page.fetched_at,
        note=note,
        http_charset=page.http_charset,
    )
    update_expected(case_dir)
    click.echo(f"wrote {case_dir}: check expected.json by eye before committing")
    return EXIT_OK


def _case_dirs(paths: Iterable[Path]) -> list[Path]:
    cases = []
    for path in paths:
        if not (path / "page.html").is_file() or not (path / "meta.json").is_file():
            raise UserError(f"{path} is not a fixture case (needs page.html and meta.json)")
        cases.append(path)
    return cases


@fixtures.command("rerun")
@click.argument("case_dir", type=click.Path(file_okay=False, path_type=Path))
@click.option("--fields", help="Comma-separated record keys to show, e.g. title,published.")
def fixtures_rerun(case_dir: Path, fields: str | None) -> int:
    """Print the parser's current output for a case (nothing is written).

    \b
    Example:
      newsarchive fixtures rerun tests/fixtures/demo/home-page --fields title
    """
    from parsers.fixtures import run_case

    (case,) = _case_dirs([case_dir])
    output = run_case(case)
    if output is not None and fields:
        wanted = [name.strip() for name in fields.split(",") if name.strip()]
        unknown = [name for name in wanted if name not in output]
        if unknown:
            raise UserError(f"no record field(s) {', '.join(unknown)}", EXIT_USAGE)
        output = {name: output[name] for name in wanted}
    click.echo(json.dumps(output, indent=2, ensure_ascii=False, sort_keys=True))
    return EXIT_OK


@fixtures.command("update")
@click.argument("case_dirs", nargs=-1, required=True, type=click.Path(path_type=Path))
def fixtures_update(case_dirs: tuple[Path, ...]) -> int:
    """Rewrite expected.json from the current parser; review the change with `git diff`.

    \b
    Example:
      newsarchive fixtures update tests/fixtures/*/*
    """
    from parsers.fixtures import update_expected

    for case in _case_dirs(case_dirs):
        update_expected(case)
        click.echo(f"updated {case / 'expected.json'}")
    return EXIT_OK


# --- entry point -------------------------------------------------------------------------


def main(argv: list[str] | None = None) -> int:
    """Run the CLI; return the exit code instead of exiting, so tests can call it."""
    try:
        result = cli.main(args=argv, prog_name="newsarchive", standalone_mode=False)
    except click.exceptions.Abort:
        click.echo("interrupted", err=True)
        return EXIT_INTERRUPTED
    except click.exceptions.Exit as done:
        return int(done.exit_code)
    except click.ClickException as error:
        error.show()
        return EXIT_USAGE if isinstance(error, click.UsageError) else error.exit_code
    except KeyboardInterrupt:
        click.echo("interrupted", err=True)
        return EXIT_INTERRUPTED
    except BrokenPipeError:
        # `newsarchive export | head`: the reader left; not an error worth a traceback.
        sys.stderr.close()
        return EXIT_OK
    return result if isinstance(result, int) else EXIT_OK


if __name__ == "__main__":
    sys.exit(main())
