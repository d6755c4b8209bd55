"""WARC import: the responses of WARC files read by the crawl's own parsers and pipelines.

``WarcImportSpider`` yields a Request per HTTP response record of the files;
``WarcReplayMiddleware`` answers each from its record, never from the network, as the
downloader would have (status, protocol, headers, the body as received); the callback reads
the page as ``NewsSpider`` does and the records go through ITEM_PIPELINES, so an imported
article is cleaned, validated, de-duplicated and archived exactly as a crawled one.

Decisions worth knowing:

- The replay middleware sits where the downloader would (after every other downloader
  middleware), so every middleware sees the response as if it had been fetched: above all
  HttpCompressionMiddleware undoes a gzip/deflate/br Content-Encoding as for a crawl (with
  its DOWNLOAD_MAXSIZE guard against bombs), and a capture is recorded of the body as the
  server sent it. Chunked transfer encoding, which the downloader undoes itself, is undone
  here. A request that does not come from a WARC record is dropped: an import never
  touches the network.
- Skipped records are counted as ``warc/skipped/<reason>``: ``not-response`` (warcinfo,
  request, metadata, resource, conversion records), ``not-http`` (a dns: response),
  ``status-not-200``, ``revisit`` (a revisit whose payload is not in an earlier response
  record of the same file, or whose status is not 200; one that is becomes that response
  again, at the revisit's URL and date), ``not-html`` (by the body's content, as a crawl
  tells a page from a PDF or a feed). A file that stops being readable part way is
  counted as ``warc/unreadable_files`` and what it held until then is imported.
- ``fetched_at`` is the record's WARC-Date: relative dates ("2 hours ago") resolve as on the
  day of the capture, and the archive's first/last seen dates are the capture's.
- Every page is read with the profile of its host when a known profile (the user's or a
  bundled one) covers it, else with none. The pipelines' de-duplication keeps the first
  record of an article in one import: import captures of different dates as separate
  imports, oldest first, so that later ones become versions.
"""

from __future__ import annotations

import dataclasses
import logging
import zlib
from collections.abc import AsyncIterator, Callable, Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any, Self
from urllib.parse import urlsplit

from scrapy import Request, Spider, signals
from scrapy.crawler import Crawler, CrawlerProcess
from scrapy.exceptions import IgnoreRequest
from scrapy.http import Headers, Response
from scrapy.responsetypes import responsetypes
from scrapy.settings import BaseSettings, Settings
from warcio.archiveiterator import ArchiveIterator
from warcio.bufferedreaders import ChunkedDataReader
from warcio.exceptions import ArchiveLoadFailed

import parsers
from items import ArticleRecord
from profiles import known_profiles
from spiders.capture import CAPTURE_FETCHED_AT, CAPTURE_SOURCE
from spiders.feeds import DocumentKind, document_kind, unpacked
from spiders.links import Frontier, charset_of, content_type_of
from spiders.runner import CrawlResult, quiet_below_log_level

if TYPE_CHECKING:
    from warcio.recordloader import ArcWarcRecord
    from warcio.statusandheaders import StatusAndHeaders

logger = logging.getLogger(__name__)

# request.meta keys: where the record answering a request is, and where its body is (a
# resolved revisit's body is in the response record it revisits).
WARC_PATH = "warc_path"
WARC_OFFSET = "warc_offset"
WARC_PAYLOAD_OFFSET = "warc_payload_offset"
WARC_DATE = "warc_date"
# Read by spiders/capture.py: the captures' source ("warc:<file name>") and fetch time.

# After every downloader middleware, where the download handler would answer.
REPLAY_MIDDLEWARE = "spiders.warc_import.WarcReplayMiddleware"
REPLAY_ORDER = 990
PARSE_AHEAD_MIDDLEWARE = "spiders.parse_ahead.ParseAheadMiddleware"
ORIGIN = "warc-import"  # article_version.origin of the versions an import adds
IDENTICAL_PAYLOAD = "identical-payload-digest"  # the end of a revisit's WARC-Profile


def warc_problem(path: Path) -> str | None:
    """Why `path` cannot be imported (missing, not a regular file, unreadable, not a WARC
    or ARC file), in a few words; None when its first record reads."""
    if not path.exists():
        return "no such file"
    if not path.is_file():
        return "not a regular file"
    try:
        with path.open("rb") as stream:
            first = next(iter(ArchiveIterator(stream, arc2warc=True)), None)
    except OSError as error:
        return f"cannot read it: {error.strerror or error}"
    except ArchiveLoadFailed as error:
        return f"not a WARC file ({str(error).strip().splitlines()[0]})"
    # A gzip file whose content is no WARC shows as a bad gzip stream, and a file of
    # garbage as a record loader's ValueError: both are the user's input, not our bug.
    except (EOFError, ValueError, zlib.error) as error:
        return f"not a WARC file ({error})"
    return "not a WARC file (no record in it)" if first is None else None


def warc_date_of(record: ArcWarcRecord) -> datetime | None:
    """The record's WARC-Date as an aware UTC datetime; None when missing or malformed."""
    text = record.rec_headers.get_header("WARC-Date") or ""
    try:
        when = datetime.fromisoformat(text.strip())
    except ValueError:
        return None
    return when.replace(tzinfo=UTC) if when.tzinfo is None else when.astimezone(UTC)


def status_of(headers: StatusAndHeaders | None) -> int | None:
    if headers is None:
        return None
    try:
        return int(headers.get_statuscode())
    except (TypeError, ValueError):
        return None


@dataclass(frozen=True, slots=True)
class ReplayTarget:
    """A response to replay: the record giving its URL, date, status and headers, and the
    record whose payload is its body (the same one, but for a resolved revisit)."""

    url: str
    offset: int
    payload_offset: int
    date: datetime | None


def replay_targets(path: Path, count: Callable[[str], None]) -> Iterator[ReplayTarget]:
    """The responses of the file to replay, in file order; `count(reason)` is called for
    every record read ("records") and every record skipped (its reason)."""
    payloads: dict[str, int] = {}  # payload digest -> offset of a 200 response holding it
    with path.open("rb") as stream:
        records = ArchiveIterator(stream, arc2warc=True)
        for record in records:
            count("records")
            kind = record.rec_type
            if kind not in ("response", "revisit"):
                count("skipped/not-response")
                continue
            url = record.rec_headers.get_header("WARC-Target-URI") or ""
            if urlsplit(url).scheme not in ("http", "https"):
                count("skipped/not-http" if kind == "response" else "skipped/revisit")
                continue
            offset = records.get_record_offset()
            digest = record.rec_headers.get_header("WARC-Payload-Digest")
            if kind == "response":
                status = status_of(record.http_headers)
                payload_offset = offset
                if status == 200 and digest:
                    payloads.setdefault(digest, offset)
            else:
                profile = record.rec_headers.get_header("WARC-Profile") or ""
                revisited = (
                    payloads.get(digest or "") if profile.endswith(IDENTICAL_PAYLOAD) else None
                )
                # A revisit repeats the response's headers, or has none: then they are the
                # revisited response's, a 200 like every response kept in `payloads`.
                status = 200 if record.http_headers is None else status_of(record.http_headers)
                if revisited is None or status != 200:
                    count("skipped/revisit")
                    continue
                payload_offset = revisited
            if status != 200:
                count("skipped/status-not-200")
                continue
            yield ReplayTarget(url, offset, payload_offset, warc_date_of(record))


class WarcImportSpider(Spider):
    """Every HTML article in WARC files, parsed as a crawl parses a fetched page.

    ``paths=`` a sequence of files, or from ``scrapy crawl warc_import -a paths=A,B`` a
    string of them separated by commas.
    """

    name = "warc_import"

    @classmethod
    def update_settings(cls, settings: BaseSettings) -> None:
        """What an import never does, whoever runs it: fetch robots.txt, wait between
        requests, retry, follow a redirect (a 3xx record is skipped anyway) or parse in
        other processes. Every "download" reads a local file: no per-site limit either."""
        super().update_settings(settings)
        offline = {
            "ROBOTSTXT_OBEY": False,
            "DOWNLOAD_DELAY": 0,
            "AUTOTHROTTLE_ENABLED": False,
            "RETRY_ENABLED": False,
            "REDIRECT_ENABLED": False,
            "METAREFRESH_ENABLED": False,
            "PARSE_PROCESSES": 0,
            "CONCURRENT_REQUESTS_PER_DOMAIN": settings.getint("CONCURRENT_REQUESTS"),
            "ARCHIVE_VERSION_ORIGIN": ORIGIN,
            "ARCHIVE_CRAWL_LOCK": False,  # no site to lock: the import fetches from none
        }
        settings.setdict(offline, priority="spider")
        # At the spider's priority: a CrawlerProcess copies its own (project) settings
        # into each crawler's, and a dict of the same priority would be replaced whole.
        middlewares = settings.getdict("DOWNLOADER_MIDDLEWARES")
        middlewares[REPLAY_MIDDLEWARE] = REPLAY_ORDER
        # Off with PARSE_PROCESSES = 0 anyway, but it would log a warning saying so.
        middlewares[PARSE_AHEAD_MIDDLEWARE] = None
        settings.set("DOWNLOADER_MIDDLEWARES", middlewares, priority="spider")

    def __init__(self, paths: Sequence[str | Path] | str = (), **kwargs: Any) -> None:
        super().__init__(**kwargs)
        if isinstance(paths, str):
            paths = [path.strip() for path in paths.split(",") if path.strip()]
        if not paths:
            raise ValueError("WarcImportSpider needs WARC files: paths=[...] or -a paths=A,B")
        self.paths = [Path(path) for path in paths]
        self.frontier = Frontier(known_profiles())

    async def start(self) -> AsyncIterator[Request]:
        stats = self.crawler.stats
        assert stats is not None

        def count(what: str) -> None:
            stats.inc_value(f"warc/{what}")

        for path in self.paths:
            try:
                for target in replay_targets(path, count):
                    count("responses")
                    yield Request(
                        target.url,
                        callback=self.parse_record,
                        dont_filter=True,
                        meta={
                            WARC_PATH: str(path),
                            WARC_OFFSET: target.offset,
                            WARC_PAYLOAD_OFFSET: target.payload_offset,
                            WARC_DATE: target.date,
                            CAPTURE_SOURCE: f"warc:{path.name}",
                            CAPTURE_FETCHED_AT: target.date,
                        },
                    )
            except (OSError, ArchiveLoadFailed, EOFError, ValueError, zlib.error) as error:
                # A file cut short (a download that stopped) or corrupt from some record on:
                # what came before is imported, the rest of the file is lost.
                self.logger.error("%s: cannot read on (%s); the rest of it is skipped", path, error)
                count("unreadable_files")

    def parse_record(self, response: Response) -> Iterator[ArticleRecord]:
        """The article in a replayed response; nothing for a body that is not an HTML page."""
        stats = self.crawler.stats
        assert stats is not None
        content_type = content_type_of(response)
        try:
            body = unpacked(response.body, max_size=self.settings.getint("DOWNLOAD_MAXSIZE"))
        except ValueError:
            stats.inc_value("warc/skipped/not-html")  # a broken gzip file: no page to read
            return
        if document_kind(body, content_type) is not DocumentKind.HTML:
            stats.inc_value("warc/skipped/not-html")
            return
        stats.inc_value("warc/html")
        record = parsers.parse_article(
            body,
            response.url,
            profile=self.frontier.profile_for(response.url),
            fetched_at=response.meta[WARC_DATE],
            http_charset=charset_of(content_type),
        )
        if record is None:
            stats.inc_value("parser/not_article")
            return
        stats.inc_value("spider/articles")
        headers = response.headers
        yield dataclasses.replace(
            record,
            etag=_header(headers.get(b"ETag")),
            http_last_modified=_header(headers.get(b"Last-Modified")),
        )


class WarcReplayMiddleware:
    """Answer requests from their WARC records; drop any other request (no network)."""

    def __init__(self) -> None:
        self.files: dict[str, IO[bytes]] = {}

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        middleware = cls()
        crawler.signals.connect(middleware.spider_closed, signal=signals.spider_closed)
        return middleware

    def spider_closed(self) -> None:
        for stream in self.files.values():
            stream.close()
        self.files.clear()

    def process_request(self, request: Request) -> Response:
        path = request.meta.get(WARC_PATH)
        if path is None:
            raise IgnoreRequest(f"not in the WARC files, and an import fetches nothing: {request}")
        record = self.record_at(path, request.meta[WARC_OFFSET])
        headers_record = record
        payload_offset = request.meta[WARC_PAYLOAD_OFFSET]
        if payload_offset != request.meta[WARC_OFFSET]:  # a revisit: the body is elsewhere
            payload_record = self.record_at(path, payload_offset)
            body = self.body_of(payload_record)
            if record.http_headers is None:  # the revisit repeats no headers
                headers_record = payload_record
        else:
            body = self.body_of(record)
        http = headers_record.http_headers
        assert http is not None  # only HTTP responses (and revisits of them) are requested
        headers = Headers()
        for name, value in http.headers:
            # The body is un-chunked below; Content-Encoding stays for HttpCompressionMiddleware.
            if name.lower() != "transfer-encoding":
                headers.appendlist(name, value)
        response_class = responsetypes.from_args(headers=headers, url=request.url, body=body)
        return response_class(
            url=request.url,
            status=status_of(http) or 200,
            headers=headers,
            body=body,
            request=request,
            protocol=http.protocol or None,
            flags=["warc"],
        )

    def record_at(self, path: str, offset: int) -> ArcWarcRecord:
        """The record at `offset` of the file, its payload not read yet."""
        stream = self.files.get(path)
        if stream is None:
            stream = self.files[path] = Path(path).open("rb")  # noqa: SIM115  # closed at the end
        stream.seek(offset)
        return next(iter(ArchiveIterator(stream, arc2warc=True)))

    @staticmethod
    def body_of(record: ArcWarcRecord) -> bytes:
        """The record's payload as the server sent it: un-chunked, still Content-Encoded."""
        stream = record.raw_stream
        http = record.http_headers
        if http is not None and (http.get_header("Transfer-Encoding") or "").lower() == "chunked":
            stream = ChunkedDataReader(stream)  # no decomp_type: Content-Encoding stays
        return bytes(stream.read())


def import_settings(
    *,
    db_url: str,
    run_arguments: dict[str, Any],
    log_level: str = "WARNING",
    progress: str = "",
) -> Settings:
    """The project settings and the import's own; what an import does not do (fetch,
    wait, retry, redirect) the spider turns off itself (`WarcImportSpider.custom_settings`)."""
    settings = Settings()
    settings.setmodule("settings", priority="project")
    overrides: dict[str, Any] = {
        "ARCHIVE_DB_URL": db_url,
        "ARCHIVE_RUN_ARGUMENTS": run_arguments,
        "LOG_LEVEL": log_level.upper(),
        "PROGRESS": progress,
    }
    settings.setdict(overrides, priority="cmdline")
    return settings


def run_warc_import(paths: Sequence[Path], settings: Settings) -> CrawlResult:
    """Import the files in this process; blocks. The Twisted reactor runs once a process,
    as for ``spiders.runner.run_crawl``: call it once. Re-raises an error that kept the
    import from starting."""
    process = CrawlerProcess(settings)
    crawler = Crawler(WarcImportSpider, settings, init_reactor=True)
    errors: list[Any] = []
    process.crawl(crawler, paths=list(paths)).addErrback(errors.append)
    quiet_below_log_level(settings.get("LOG_LEVEL"))
    process.start()
    if errors:
        errors[0].raiseException()
    stats = dict(crawler.stats.get_stats()) if crawler.stats is not None else {}
    elapsed = stats.get("elapsed_time_seconds")
    return CrawlResult(
        site="warc import",
        stats=stats,
        finish_reason=str(stats.get("finish_reason") or "did not start"),
        elapsed_seconds=float(elapsed) if isinstance(elapsed, int | float) else 0.0,
    )


def _header(value: bytes | None) -> str | None:
    """A response header's value as text (HTTP headers are Latin-1); None when absent."""
    return value.decode("latin-1").strip() or None if value else None
