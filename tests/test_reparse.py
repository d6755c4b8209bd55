"""Re-parsing stored captures: what changed becomes a "reparse" version, the rest nothing.

Each archive here is an SQLite file holding captures (saved with save_captures) and the
articles "a crawl" made of them. An older parser is simulated by archiving, for some
pages, a record whose title the current parser no longer gives (an older parser that kept
the site's name in the title); the current parser then finds the real title in the stored
page.
"""

from __future__ import annotations

import dataclasses
import gzip
import sqlite3
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy.orm import Session

import cli
import parsers
import reparse
from archive_db.engine import make_engine
from archive_db.migrations import upgrade_archive
from archive_db.writes import save_articles, save_captures, start_crawl_run
from items import RawCapture
from pipelines.clean import clean_record
from reparse import ReparseOptions, ReparseProgress, reparse_archive
from tests import factories

FETCHED = datetime(2026, 3, 2, 9, 30, tzinfo=UTC)
HTML = (("Content-Type", "text/html; charset=utf-8"),)


def article_page(title: str, topic: str) -> bytes:
    return factories.article_page(title, topic, published="2026-03-01T08:00:00+00:00")


@dataclasses.dataclass(frozen=True)
class Page:
    url: str
    body: bytes
    fetched_at: datetime = FETCHED
    headers: tuple[tuple[str, str], ...] = HTML
    stale: bool = False  # archived as an older parser read it: a title the parser no longer gives
    status: int = 200


def page(host: str, slug: str, **kwargs: object) -> Page:
    topic = slug.replace("-", " ")
    return Page(f"http://{host}/news/{slug}", article_page(topic.capitalize(), topic), **kwargs)


def build_archive(path: Path, pages: list[Page]) -> str:
    """An archive holding a capture of each page and the article a crawl read from it."""
    url = f"sqlite:///{path}"
    engine = make_engine(url)
    upgrade_archive(engine)
    with Session(engine) as session, session.begin():
        run_id = start_crawl_run(session, arguments={"command": "crawl"})
        for item in pages:
            (capture_id,) = save_captures(
                session,
                [
                    RawCapture(
                        url=item.url,
                        method="GET",
                        request_headers=(("User-Agent", "newsarchive"),),
                        status=item.status,
                        protocol="HTTP/1.1",
                        response_headers=item.headers,
                        body=item.body,
                        fetched_at=item.fetched_at,
                    )
                ],
                crawl_run_id=run_id,
            )
            if item.status != 200:
                continue
            body = item.body
            if ("Content-Encoding", "gzip") in item.headers:
                body = gzip.decompress(body)
            record = parsers.parse_article(body, item.url, fetched_at=item.fetched_at)
            assert record is not None, item.url
            if item.stale:
                record = dataclasses.replace(record, title=f"{record.title} | Gazette")
            save_articles(
                session,
                [(clean_record(record), item.fetched_at)],
                crawl_run_id=run_id,
                capture_ids=[capture_id],
            )
    engine.dispose()
    return url


def query(path: Path, sql: str, *parameters: object) -> list[tuple]:
    with sqlite3.connect(path) as connection:
        return connection.execute(sql, parameters).fetchall()


def versions(path: Path) -> list[tuple]:
    return query(
        path,
        "select a.url, v.number, v.origin, v.parser_version, v.capture_id "
        "from article_version v join article a on a.id = v.article_id order by a.url, v.number",
    )


@pytest.fixture
def archive(tmp_path: Path) -> tuple[Path, str]:
    path = tmp_path / "archive.sqlite"
    url = build_archive(
        path,
        [
            page("gazette.invalid", "budget-agreed", stale=True),
            page("gazette.invalid", "ferry-timetable"),
            page("herald.invalid", "harbour-repairs", stale=True),
        ],
    )
    return path, url


def test_a_changed_extraction_becomes_a_reparse_version(archive) -> None:
    path, url = archive
    before = dict(query(path, "select url, last_seen_at from article"))
    result = reparse_archive(url, ReparseOptions())
    assert result.finished and not result.resumed
    counts = result.counts
    assert (counts.articles, counts.changed, counts.unchanged) == (3, 2, 1)
    assert (counts.not_article, counts.errors) == (0, 0)
    capture_of = dict(query(path, "select url, id from capture"))
    rows = versions(path)
    reparsed = [row for row in rows if row[2] == "reparse"]
    assert [(row[0], row[1]) for row in reparsed] == [
        ("http://gazette.invalid/news/budget-agreed", 2),
        ("http://herald.invalid/news/harbour-repairs", 2),
    ]
    for article_url, _, _, parser_version, capture_id in reparsed:
        assert parser_version == parsers.PARSER_VERSION
        assert capture_id == capture_of[article_url]
    titles = dict(query(path, "select url, title from article"))
    assert titles["http://gazette.invalid/news/budget-agreed"] == "Budget agreed"
    # Unchanged: no version, and no sighting either (nothing was fetched).
    assert [row[1] for row in rows if "ferry" in row[0]] == [1]
    assert dict(query(path, "select url, last_seen_at from article")) == before


def test_a_second_reparse_adds_nothing(archive) -> None:
    path, url = archive
    reparse_archive(url, ReparseOptions())
    again = reparse_archive(url, ReparseOptions())
    assert (again.counts.changed, again.counts.unchanged, again.resumed) == (0, 3, False)
    assert len(versions(path)) == 5


def test_the_latest_capture_of_an_article_is_the_one_read(tmp_path: Path) -> None:
    path = tmp_path / "archive.sqlite"
    old = page("gazette.invalid", "budget-agreed", fetched_at=FETCHED - timedelta(days=3))
    newer_body = article_page("Budget agreed after all", "the budget")
    url = build_archive(
        path,
        [old, dataclasses.replace(old, body=newer_body, fetched_at=FETCHED, stale=True)],
    )
    reparse_archive(url, ReparseOptions())
    latest = query(path, "select max(id) from capture")[0][0]
    assert versions(path)[-1][1:] == (3, "reparse", parsers.PARSER_VERSION, latest)
    assert query(path, "select title from article") == [("Budget agreed after all",)]


def test_a_gzip_capture_is_decoded_as_a_crawl_decodes_it(tmp_path: Path) -> None:
    path = tmp_path / "archive.sqlite"
    plain = page("gazette.invalid", "budget-agreed", stale=True)
    gzipped = dataclasses.replace(
        plain, body=gzip.compress(plain.body), headers=(*HTML, ("Content-Encoding", "gzip"))
    )
    url = build_archive(path, [gzipped])
    result = reparse_archive(url, ReparseOptions())
    assert (result.counts.changed, result.counts.errors) == (1, 0)


def test_a_page_that_is_no_article_any_more_is_counted_and_kept(
    archive, monkeypatch: pytest.MonkeyPatch
) -> None:
    path, url = archive
    real = parsers.parse_article

    def parse(html: bytes, page_url: str, **kwargs: object) -> object:
        return None if "ferry" in page_url else real(html, page_url, **kwargs)

    monkeypatch.setattr(parsers, "parse_article", parse)
    result = reparse_archive(url, ReparseOptions())
    assert (result.counts.not_article, result.counts.changed) == (1, 2)
    assert query(path, "select count(*) from article") == [(3,)]


def test_a_parser_error_is_counted_with_its_url_and_the_run_goes_on(
    archive, monkeypatch: pytest.MonkeyPatch
) -> None:
    _, url = archive
    real = parsers.parse_article

    def parse(html: bytes, page_url: str, **kwargs: object) -> object:
        if "budget" in page_url:
            raise RecursionError("maximum recursion depth exceeded")
        return real(html, page_url, **kwargs)

    monkeypatch.setattr(parsers, "parse_article", parse)
    errors: list[tuple[str, str]] = []
    result = reparse_archive(url, ReparseOptions(), on_error=lambda *error: errors.append(error))
    assert result.finished
    assert (result.counts.errors, result.counts.changed, result.counts.unchanged) == (1, 1, 1)
    assert errors == [
        (
            "http://gazette.invalid/news/budget-agreed",
            "parser error: RecursionError: maximum recursion depth exceeded",
        )
    ]


def test_site_and_since_choose_the_articles(tmp_path: Path) -> None:
    path = tmp_path / "archive.sqlite"
    url = build_archive(
        path,
        [
            page("gazette.invalid", "budget-agreed", stale=True),
            page("www.herald.invalid", "harbour-repairs", stale=True),
            page(
                "www.herald.invalid",
                "old-pier",
                stale=True,
                fetched_at=FETCHED - timedelta(days=30),
            ),
        ],
    )
    site = reparse_archive(url, ReparseOptions(site="herald.invalid"))
    assert (site.counts.articles, site.counts.changed) == (2, 2)
    since = reparse_archive(url, ReparseOptions(since=FETCHED - timedelta(days=1)))
    assert (since.counts.articles, since.counts.changed, since.counts.unchanged) == (2, 1, 1)
    assert [row[0] for row in versions(path) if row[2] == "reparse"] == [
        "http://gazette.invalid/news/budget-agreed",
        "http://www.herald.invalid/news/harbour-repairs",
        "http://www.herald.invalid/news/old-pier",
    ]


@pytest.fixture
def five_stale(tmp_path: Path) -> tuple[Path, str]:
    path = tmp_path / "archive.sqlite"
    slugs = ["alpha-bridge", "bravo-school", "charlie-market", "delta-road", "echo-library"]
    url = build_archive(path, [page("gazette.invalid", slug, stale=True) for slug in slugs])
    return path, url


def read_urls(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The URLs of the captures re-parsed from now on, in order."""
    read: list[str] = []
    real = reparse.CaptureReader.record_of

    def record_of(self: reparse.CaptureReader, session: Session, capture) -> object:
        read.append(capture.url)
        return real(self, session, capture)

    monkeypatch.setattr(reparse.CaptureReader, "record_of", record_of)
    return read


def test_a_limited_run_resumes_where_it_stopped(five_stale, monkeypatch) -> None:
    path, url = five_stale
    read = read_urls(monkeypatch)
    first = reparse_archive(url, ReparseOptions(batch_size=2, limit=3))
    assert not first.finished and first.counts.articles == 3
    ((finished_at, counts),) = query(
        path, "select finished_at, counts from crawl_run where id = ?", first.run_id
    )
    assert finished_at is None and '"reparse/last_article_id": 3' in counts
    second = reparse_archive(url, ReparseOptions(batch_size=2))
    assert second.resumed and second.finished and second.run_id == first.run_id
    assert (second.counts.articles, second.counts.changed, second.total) == (5, 5, 5)
    assert len(read) == 5 == len(set(read))  # nothing read twice
    assert query(path, "select finish_reason from crawl_run where id = ?", first.run_id) == [
        ("finished",)
    ]
    assert len([row for row in versions(path) if row[2] == "reparse"]) == 5


def test_an_interrupted_run_keeps_its_committed_batches(five_stale, monkeypatch) -> None:
    path, url = five_stale
    read = read_urls(monkeypatch)

    def interrupt_after_two_batches(progress: ReparseProgress) -> None:
        if progress.counts.articles == 4:
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        reparse_archive(url, ReparseOptions(batch_size=2), on_progress=interrupt_after_two_batches)
    assert len([row for row in versions(path) if row[2] == "reparse"]) == 4
    resumed = reparse_archive(url, ReparseOptions(batch_size=2))
    assert resumed.resumed and resumed.counts.articles == 5
    assert read[4:] == ["http://gazette.invalid/news/echo-library"]


def test_an_interrupt_inside_a_batch_redoes_only_that_batch(five_stale, monkeypatch) -> None:
    path, url = five_stale
    read = read_urls(monkeypatch)
    real = parsers.parse_article

    def parse(html: bytes, page_url: str, **kwargs: object) -> object:
        if "charlie" in page_url and len(read) == 3:
            raise KeyboardInterrupt
        return real(html, page_url, **kwargs)

    monkeypatch.setattr(parsers, "parse_article", parse)
    with pytest.raises(KeyboardInterrupt):
        reparse_archive(url, ReparseOptions(batch_size=2))
    resumed = reparse_archive(url, ReparseOptions(batch_size=2))
    assert resumed.counts.articles == 5 and resumed.counts.changed == 5
    assert read.count("http://gazette.invalid/news/alpha-bridge") == 1
    assert read.count("http://gazette.invalid/news/charlie-market") == 2
    assert len([row for row in versions(path) if row[2] == "reparse"]) == 5


def test_restart_sets_the_unfinished_run_aside(five_stale) -> None:
    path, url = five_stale
    first = reparse_archive(url, ReparseOptions(limit=2))
    again = reparse_archive(url, ReparseOptions(restart=True))
    assert not again.resumed and again.run_id != first.run_id
    assert (again.counts.articles, again.counts.changed, again.counts.unchanged) == (5, 3, 2)
    assert query(path, "select finish_reason from crawl_run where id = ?", first.run_id) == [
        ("restarted",)
    ]


def test_other_arguments_are_another_run(five_stale) -> None:
    _, url = five_stale
    reparse_archive(url, ReparseOptions(limit=2))
    other = reparse_archive(url, ReparseOptions(site="gazette.invalid"))
    assert not other.resumed and other.counts.articles == 5


def run_cli(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = cli.main(list(args))
    out, err = capsys.readouterr()
    return code, out, err


def test_the_cli_prints_plain_progress_on_a_pipe(five_stale, capsys) -> None:
    path, _ = five_stale
    code, out, err = run_cli(capsys, "reparse", "--db", str(path), "--batch-size", "2")
    assert code == cli.EXIT_OK
    assert out.splitlines() == [
        "reparse summary: re-parsed: 5, changed: 5, unchanged: 0, not articles: 0, errors: 0"
    ]
    progress = [line for line in err.splitlines() if line.startswith("reparse:")]
    assert progress == [
        "reparse: 0/5 articles, 0 changed, 0 unchanged, 0 not articles, 0 errors",
        "reparse: 2/5 articles, 2 changed, 0 unchanged, 0 not articles, 0 errors",
        "reparse: 4/5 articles, 4 changed, 0 unchanged, 0 not articles, 0 errors",
        "reparse: 5/5 articles, 5 changed, 0 unchanged, 0 not articles, 0 errors",
    ]
    assert "\x1b" not in err


def test_the_cli_stops_at_its_limit_and_goes_on_next_time(five_stale, capsys) -> None:
    path, _ = five_stale
    code, _, err = run_cli(capsys, "reparse", "--db", str(path), "--limit", "3")
    assert code == cli.EXIT_CRAWL_INCOMPLETE and "run it again" in err
    code, out, err = run_cli(capsys, "reparse", "--db", str(path))
    assert code == cli.EXIT_OK and "resumed" in err
    assert "re-parsed: 5, changed: 5" in out


def test_the_cli_reports_a_parser_error_and_exits_5(archive, capsys, monkeypatch) -> None:
    path, _ = archive

    def parse(html: bytes, page_url: str, **kwargs: object) -> object:
        raise ValueError("bad markup")

    monkeypatch.setattr(parsers, "parse_article", parse)
    code, out, err = run_cli(capsys, "reparse", "--db", str(path))
    assert code == cli.EXIT_PARTIAL
    assert "reparse: error at http://gazette.invalid/news/budget-agreed: parser error" in err
    assert "errors: 3" in out


def test_the_cli_refuses_a_malformed_since(archive, capsys) -> None:
    path, _ = archive
    code, _, err = run_cli(capsys, "reparse", "--db", str(path), "--since", "last week")
    assert code == cli.EXIT_USAGE and err.count("\n") == 1


@pytest.fixture(autouse=True)
def no_user_profiles(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """The user's own profiles are not this test's business."""
    monkeypatch.setenv("NEWSARCHIVE_SITES_DIR", str(tmp_path / "no-profiles"))
    yield
