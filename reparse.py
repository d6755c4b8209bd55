"""Re-parse: the current parsers over the archive's stored captures, keeping what changed.

For each archived article, the latest stored 200 response of its URL (``capture``) is read
again, as a crawl reads a fetched page: its Content-Encoding undone, told apart from a
non-HTML body, parsed with the profile of its host (a known one, else none) and
``fetched_at`` = the capture's time, then cleaned and validated as the pipelines do. It is
saved with origin "reparse": an extraction that changed becomes a new version (with the
parser version that made it and the capture it was read from), the same one adds nothing
and moves nothing (``archive_db.writes.save_articles``).

Only the latest capture of each article is read. Re-parsing an older one would write
history out of order: its extraction would become the article's newest version, after
versions read from later captures.

The work is done in batches of articles (by article id), each in one transaction with the
run's progress: a ``crawl_run`` row with arguments ``{"command": "reparse", "site": ...,
"since": ...}`` whose counts hold the last article done. A re-parse stopped for any reason
(Ctrl-C, a limit, a crash) leaves its run unfinished; the next one with the same arguments
resumes it after that article, unless asked to restart.
"""

from __future__ import annotations

import dataclasses
import zlib
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, ClassVar, Self

from scrapy.exceptions import DropItem
from scrapy.utils.gz import gunzip
from sqlalchemy.orm import sessionmaker

import parsers
import settings as project_settings
from archive_db.engine import make_engine
from archive_db.locks import crawl_lock
from archive_db.queries import (
    ArticleCapture,
    latest_article_capture_count,
    latest_article_captures,
    unfinished_run_with,
)
from archive_db.writes import (
    SaveOutcome,
    finish_crawl_run,
    payload_body,
    save_articles,
    start_crawl_run,
)
from pipelines.clean import clean_record
from pipelines.validate import ValidatePipeline
from profiles import known_profiles
from spiders.feeds import DocumentKind, document_kind, unpacked
from spiders.links import Frontier, charset_of

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from items import ArticleRecord

ORIGIN = "reparse"  # article_version.origin of the versions a re-parse adds
COMMAND = "reparse"  # crawl_run.arguments["command"]
LOCK_NAME = "reparse"  # one re-parse of an archive at a time (archive_db.locks)
FINISHED = "finished"
RESTARTED = "restarted"  # the finish reason of an unfinished run a --restart set aside
DEFAULT_BATCH_SIZE = 100


class UnreadableCapture(ValueError):
    """A stored body that cannot be decoded: an unknown or corrupt Content-Encoding."""


@dataclass(slots=True)
class ReparseCounts:
    """How far a re-parse got; stored as its crawl_run's counts, so a resumed run goes on."""

    articles: int = 0  # articles whose latest capture was read again
    changed: int = 0  # a new version
    unchanged: int = 0
    not_article: int = 0  # the parser (or validation) no longer takes it for an article
    errors: int = 0  # an unreadable body or a parser error
    last_article_id: int = 0  # the cursor: every article up to this id is done

    # The changed and unchanged counts under the names crawls use, for `newsarchive runs`.
    STATS: ClassVar[dict[str, str]] = {
        "articles": "reparse/articles",
        "changed": "archive/updated",
        "unchanged": "archive/unchanged",
        "not_article": "reparse/not_article",
        "errors": "reparse/errors",
        "last_article_id": "reparse/last_article_id",
    }

    def as_stats(self) -> dict[str, int]:
        return {stat: getattr(self, name) for name, stat in self.STATS.items()}

    @classmethod
    def from_stats(cls, stats: dict[str, int] | None) -> Self:
        stats = stats or {}
        return cls(**{name: int(stats.get(stat, 0)) for name, stat in cls.STATS.items()})


@dataclass(frozen=True, slots=True)
class ReparseOptions:
    """Which articles to re-parse, and how."""

    site: str | None = None  # a host name; "example.com" also matches "www.example.com"
    since: datetime | None = None  # aware: only articles whose latest capture is this recent
    restart: bool = False  # set an unfinished run with the same arguments aside
    batch_size: int = DEFAULT_BATCH_SIZE  # articles a transaction
    limit: int | None = None  # stop after this many articles (the run stays resumable)

    def arguments(self) -> dict[str, object]:
        """The run's arguments: what makes two re-parses the same one, to resume."""
        since = self.since.isoformat() if self.since is not None else None
        return {"command": COMMAND, "site": self.site, "since": since}


@dataclass(frozen=True, slots=True)
class ReparseProgress:
    counts: ReparseCounts  # a copy, as of the last committed batch
    total: int  # articles to re-parse in the run, those done before a resume included


@dataclass(frozen=True, slots=True)
class ReparseResult:
    run_id: int
    resumed: bool  # it went on with an unfinished run
    counts: ReparseCounts
    total: int
    finished: bool  # False when `limit` stopped it before the end


class _Counter(Counter[str]):
    """The stats collector ValidatePipeline counts its drops in."""

    def inc_value(self, key: str, count: int = 1, start: int = 0) -> None:
        self[key] += count


def decoded_body(body: bytes, content_encoding: str, *, max_size: int) -> bytes:
    """`body` with its Content-Encoding (gzip, deflate, br; several applied in order) undone;
    `max_size` bounds the result in bytes (0: no bound), as DOWNLOAD_MAXSIZE does in a crawl.

    Raises UnreadableCapture for a coding that is unknown or does not decode.
    """
    codings = [coding.strip().lower() for coding in content_encoding.split(",")]
    for coding in reversed([coding for coding in codings if coding]):
        try:
            body = _decoded(body, coding, max_size=max_size)
        except (OSError, EOFError, ValueError, zlib.error) as error:
            raise UnreadableCapture(f"Content-Encoding {coding}: {error}") from None
        if max_size and len(body) > max_size:
            raise UnreadableCapture(f"larger than {max_size} bytes once decoded")
    return body


def _decoded(body: bytes, coding: str, *, max_size: int) -> bytes:
    if coding == "identity":
        return body
    if coding in ("gzip", "x-gzip"):
        return gunzip(body, max_size=max_size)
    if coding == "deflate":
        # RFC 9110 says zlib-wrapped; some servers send raw deflate, which browsers take too.
        wbits = zlib.MAX_WBITS if body[:1] == b"x" else -zlib.MAX_WBITS
        return zlib.decompressobj(wbits).decompress(body, max_size + 1 if max_size else 0)
    if coding == "br":
        try:
            import brotli  # Scrapy's own optional dependency for br
        except ImportError:
            raise UnreadableCapture("Content-Encoding br needs the brotli package") from None
        return bytes(brotli.decompress(body))
    raise UnreadableCapture(f"unsupported Content-Encoding {coding!r}")


class CaptureReader:
    """Reads stored captures as a crawl reads a fetched page, down to the cleaned and
    validated record the archive would be given."""

    def __init__(self) -> None:
        self.frontier = Frontier(known_profiles())
        self.max_size = int(project_settings.DOWNLOAD_MAXSIZE)
        self.validate = ValidatePipeline(
            _Counter(),  # type: ignore[arg-type]  # counts as a stats collector does
            required=tuple(project_settings.ARCHIVE_REQUIRED_FIELDS),
            min_body_chars=int(project_settings.ARCHIVE_MIN_BODY_CHARS),
        )

    def record_of(self, session: Session, capture: ArticleCapture) -> ArticleRecord | None:
        """The article as the current parser reads the capture; None when it is not an
        article (any more) or would not be archived. Raises UnreadableCapture."""
        headers = {name.lower(): value for name, value in capture.response_headers}
        content_type = headers.get("content-type", "")
        body = decoded_body(
            payload_body(session, capture.payload_id),
            headers.get("content-encoding", ""),
            max_size=self.max_size,
        )
        try:
            body = unpacked(body, max_size=self.max_size)
        except ValueError as error:
            raise UnreadableCapture(str(error)) from None
        if document_kind(body, content_type) is not DocumentKind.HTML:
            return None
        record = parsers.parse_article(
            body,
            capture.url,
            profile=self.frontier.profile_for(capture.url),
            fetched_at=capture.fetched_at,
            http_charset=charset_of(content_type),
        )
        if record is None:
            return None
        record = clean_record(
            dataclasses.replace(
                record,
                etag=headers.get("etag", "").strip() or None,
                http_last_modified=headers.get("last-modified", "").strip() or None,
            )
        )
        try:
            self.validate.process_item(record)
        except DropItem:
            return None
        if record.archive_key != capture.archive_key:
            # The parser now finds another canonical URL: the content is still this
            # article's, and stays under its key rather than becoming a second article.
            record = dataclasses.replace(record, canonical_url=capture.archive_key)
        return record


def reparse_archive(
    db_url: str,
    options: ReparseOptions,
    *,
    on_progress: Callable[[ReparseProgress], None] = lambda progress: None,
    on_error: Callable[[str, str], None] = lambda url, reason: None,
) -> ReparseResult:
    """Re-parse the archive's articles (see the module docstring); blocks.

    `on_progress` is called after each committed batch (and once before the first);
    `on_error` with the URL and reason of each capture that could not be read or parsed,
    which is counted and passed over. Holds the archive's re-parse lock meanwhile: raises
    archive_db.locks.CrawlLocked when another re-parse of it runs.
    """
    if options.batch_size < 1:
        raise ValueError(f"batch_size must be at least 1, not {options.batch_size}")
    with crawl_lock(db_url, LOCK_NAME):
        engine = make_engine(db_url)
        try:
            return _reparse(sessionmaker(engine), options, on_progress, on_error)
        finally:
            engine.dispose()


def _reparse(
    sessions: sessionmaker[Session],
    options: ReparseOptions,
    on_progress: Callable[[ReparseProgress], None],
    on_error: Callable[[str, str], None],
) -> ReparseResult:
    arguments = options.arguments()
    with sessions.begin() as session:
        run = unfinished_run_with(session, arguments)
        if run is not None and options.restart:
            finish_crawl_run(session, run.id, counts=run.counts or {}, finish_reason=RESTARTED)
            run = None
        resumed = run is not None
        if run is None:
            run_id = start_crawl_run(session, arguments=arguments)
            counts = ReparseCounts()
        else:
            run_id, counts = run.id, ReparseCounts.from_stats(run.counts)
        total = counts.articles + remaining(session, options, counts)
    reader = CaptureReader()
    on_progress(ReparseProgress(dataclasses.replace(counts), total))
    done_now = 0
    while options.limit is None or done_now < options.limit:
        size = options.batch_size
        if options.limit is not None:
            size = min(size, options.limit - done_now)
        with sessions.begin() as session:
            batch = latest_article_captures(
                session,
                limit=size,
                after_article_id=counts.last_article_id,
                site=options.site,
                since=options.since,
            )
            if not batch:
                break
            reparse_batch(session, batch, reader, counts, run_id=run_id, on_error=on_error)
            finish_crawl_run(session, run_id, counts=counts.as_stats(), finish_reason=None)
        done_now += len(batch)
        on_progress(ReparseProgress(dataclasses.replace(counts), total))
    with sessions.begin() as session:
        finished = remaining(session, options, counts) == 0
        if finished:
            finish_crawl_run(session, run_id, counts=counts.as_stats(), finish_reason=FINISHED)
    return ReparseResult(run_id, resumed, counts, total, finished)


def remaining(session: Session, options: ReparseOptions, counts: ReparseCounts) -> int:
    """Articles still to re-parse after the run's cursor."""
    return latest_article_capture_count(
        session, after_article_id=counts.last_article_id, site=options.site, since=options.since
    )


def reparse_batch(
    session: Session,
    batch: Sequence[ArticleCapture],
    reader: CaptureReader,
    counts: ReparseCounts,
    *,
    run_id: int,
    on_error: Callable[[str, str], None],
) -> None:
    """Re-parse and save one batch in the caller's transaction, counting in `counts`."""
    sightings: list[tuple[ArticleRecord, datetime]] = []
    capture_ids: list[int | None] = []
    for capture in batch:
        counts.articles += 1
        try:
            record = reader.record_of(session, capture)
        except UnreadableCapture as error:
            counts.errors += 1
            on_error(capture.url, str(error))
            continue
        except Exception as error:
            # A parser bug on one page must not stop a re-parse of the whole archive, as
            # spiders.middlewares.CallbackErrorMiddleware keeps it from stopping a crawl.
            counts.errors += 1
            on_error(capture.url, f"parser error: {type(error).__name__}: {error}")
            continue
        if record is None:
            counts.not_article += 1
            continue
        sightings.append((record, capture.fetched_at))
        capture_ids.append(capture.capture_id)
    outcomes = save_articles(
        session, sightings, crawl_run_id=run_id, origin=ORIGIN, capture_ids=capture_ids
    )
    for outcome in outcomes:
        if outcome is SaveOutcome.UNCHANGED:
            counts.unchanged += 1
        else:  # UPDATED; never INSERTED, as every record keeps its article's key
            counts.changed += 1
    counts.last_article_id = batch[-1].article_id
