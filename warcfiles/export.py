"""The archive's captures as a WARC 1.1 file, written with warcio.

First a warcinfo record (the tool, the format, the crawl runs the captures come from), then
per capture, oldest fetch first, the request record and the response record it got; a
capture whose payload an earlier record of the same file holds gets a revisit record
instead of a second copy of the body. Each record is a gzip member of its own, so a reader
can seek to any one (a CDXJ index gives their offsets).

The response is the one the crawler received: status, headers in their order and the
body as it came (Content-Encoding kept), with two changes that the stored body requires.
It was de-chunked on arrival, so the chunked transfer coding is dropped from
Transfer-Encoding, and Content-Length is set to the body's length (a chunked response
had none); without them a reader of the record would look for chunk sizes that are not
there, or stop short. Payloads are read and decompressed one at a time: an export holds
one body in memory, never all of them.
"""

from __future__ import annotations

import zlib
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime
from http import HTTPStatus
from importlib import metadata
from io import BytesIO
from typing import IO, TYPE_CHECKING, Any, TypeAlias, TypeVar
from urllib.parse import urlsplit

from sqlalchemy import func, select
from warcio.statusandheaders import StatusAndHeaders
from warcio.timeutils import datetime_to_iso_date
from warcio.warcwriter import WARCWriter

from archive_db.engine import ArchiveError
from archive_db.models import Capture, CrawlRun, Payload
from archive_db.types import utc_instant_of
from archive_db.writes import payload_body, payload_digest

if TYPE_CHECKING:
    from sqlalchemy import Row, Select
    from sqlalchemy.orm import Session

# Any select over captures, whatever its columns (SQLAlchemy 2.1 types each column).
CaptureSelect = TypeVar("CaptureSelect", bound="Select[*tuple[Any, ...]]")
CaptureRow: TypeAlias = "Row[*tuple[Any, ...]]"  # a capture_rows row, read by column name

WARC_VERSION = "1.1"
CONFORMS_TO = "http://iipc.github.io/warc-specifications/specifications/warc-format/warc-1.1/"
CAPTURE_CHUNK = 200  # capture rows (headers only, no bodies) fetched per round trip
# Responses that never carry a body, whatever their Content-Length says (RFC 9110 6.4.1):
# their Content-Length describes another message and is kept as received.
BODILESS_STATUSES = frozenset({204, 304})
HTTP1_VERSIONS = ("HTTP/1.0", "HTTP/1.1")


class ExportError(Exception):
    """A capture the archive cannot give back as received (a damaged payload); one line."""


@dataclass(frozen=True, slots=True)
class ExportCounts:
    records: int  # WARC records written, the warcinfo included
    captures: int  # request and response (or revisit) pairs
    revisits: int  # captures whose payload an earlier record of the file holds
    bytes_written: int  # the file's size


@dataclass(frozen=True, slots=True)
class FirstRecord:
    """The response record that holds a payload: what later revisit records refer to."""

    uri: str
    date: str  # its WARC-Date
    record_id: str


class WireHeaders(StatusAndHeaders):  # type: ignore[misc]  # warcio has no type hints
    """An HTTP header block written back as HTTP carries it: ISO-8859-1 bytes, where warcio
    would percent-encode a non-ASCII value and so change what the server sent."""

    def compute_headers_buffer(self, header_filter: Any = None) -> None:
        text = self.to_str(header_filter) + "\r\n"
        try:
            self.headers_buff = text.encode("latin-1")
        except UnicodeEncodeError:  # a value stored decoded as UTF-8 goes back as UTF-8
            self.headers_buff = text.encode("utf-8")


class CountingWriter:
    """The output stream, counting the bytes written (stdout cannot tell its size)."""

    def __init__(self, stream: IO[bytes]) -> None:
        self.stream = stream
        self.bytes_written = 0

    def write(self, data: bytes) -> int:
        self.stream.write(data)
        self.bytes_written += len(data)
        return len(data)

    def flush(self) -> None:
        self.stream.flush()


def export_warc(
    session: Session,
    out_stream: IO[bytes],
    *,
    site: str | None = None,
    since: date | datetime | None = None,
    until: date | datetime | None = None,
    filename: str | None = None,
) -> ExportCounts:
    """Write the captures (of one site's host, fetched from `since` inclusive to `until`
    exclusive; a date means midnight UTC) to `out_stream` as a gzipped WARC 1.1 file.

    `filename` names the file in the warcinfo record. The session should read one
    snapshot (archive_db.engine.readonly_engine does on SQLite; REPEATABLE READ on
    PostgreSQL), since the captures are read twice: for the warcinfo, then for the records.
    """
    counted = CountingWriter(out_stream)
    writer = WARCWriter(counted, gzip=True, warc_version=WARC_VERSION)
    fields = warcinfo_fields(session, site=site, since=since, until=until)
    writer.write_record(
        writer.create_warc_record(
            "",
            "warcinfo",
            payload=BytesIO(fields),
            length=len(fields),
            warc_headers_dict={"WARC-Filename": filename} if filename else None,
        )
    )
    first_records: dict[str, FirstRecord] = {}  # by digest: a few hundred bytes a body
    captures = revisits = 0
    for row in capture_rows(session, site=site, since=since, until=until):
        warc_date = warc_date_of(row.fetched_at)
        # An empty body (a 304, a redirect without one) is never a revisit: there is
        # nothing to save, and the record it referred to would be some unrelated response.
        earlier = first_records.get(row.digest) if row.size else None
        if earlier is None:
            response = response_record(writer, row, read_payload(session, row), warc_date)
            if row.size:
                first_records[row.digest] = FirstRecord(
                    row.url, warc_date, response.rec_headers.get_header("WARC-Record-ID")
                )
        else:
            response = revisit_record(writer, row, earlier, warc_date)
            revisits += 1
        request = writer.create_warc_record(
            row.url,
            "request",
            http_headers=request_message(row),
            warc_headers_dict={
                "WARC-Date": warc_date,
                "WARC-Concurrent-To": response.rec_headers.get_header("WARC-Record-ID"),
            },
        )
        writer.write_record(request)
        writer.write_record(response)
        captures += 1
    return ExportCounts(
        records=1 + 2 * captures,
        captures=captures,
        revisits=revisits,
        bytes_written=counted.bytes_written,
    )


# --- which captures ----------------------------------------------------------------------


def site_hosts(site: str) -> set[str]:
    """The hosts a --site names, as archive_db.queries.host_matches reads it: "example.com"
    is also "www.example.com"."""
    host = site.strip().lower()
    return {host, "www." + host.removeprefix("www.")}


def host_of(url: str) -> str:
    try:
        return urlsplit(url).hostname or ""
    except ValueError:  # a malformed URL (an unbalanced "[") is on no host
        return ""


def within(
    statement: CaptureSelect,
    *,
    site: str | None,
    since: date | datetime | None,
    until: date | datetime | None,
) -> CaptureSelect:
    """`statement` over captures, narrowed in SQL: by fetch time exactly, by site roughly
    (the URL contains the host name; `on_site` decides, since captures have no site_id)."""
    if site is not None:
        bare = site.strip().lower().removeprefix("www.")
        escaped = bare.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
        statement = statement.where(func.lower(Capture.url).like(f"%{escaped}%", escape="\\"))
    if since is not None:
        statement = statement.where(Capture.fetched_at >= utc_instant_of(since))
    if until is not None:
        statement = statement.where(Capture.fetched_at < utc_instant_of(until))
    return statement


def on_site(url: str, site: str | None) -> bool:
    return site is None or host_of(url) in site_hosts(site)


def capture_rows(
    session: Session,
    *,
    site: str | None,
    since: date | datetime | None,
    until: date | datetime | None,
) -> Iterator[CaptureRow]:
    """The chosen captures in fetch order, with their payload's id, digest and size (not
    its data), a chunk at a time."""
    statement = within(
        select(
            Capture.url,
            Capture.method,
            Capture.request_headers,
            Capture.status,
            Capture.protocol,
            Capture.response_headers,
            Capture.fetched_at,
            Payload.id.label("payload_id"),
            Payload.digest,
            Payload.size,
        )
        .join(Payload, Payload.id == Capture.payload_id)
        .order_by(Capture.fetched_at, Capture.id),
        site=site,
        since=since,
        until=until,
    )
    for row in session.execute(statement.execution_options(yield_per=CAPTURE_CHUNK)):
        if on_site(row.url, site):
            yield row


def has_captures_of(session: Session, site: str) -> bool:
    """Whether any capture was fetched from the site's host."""
    statement = within(select(Capture.url), site=site, since=None, until=None)
    rows = session.scalars(statement.execution_options(yield_per=CAPTURE_CHUNK))
    return any(on_site(url, site) for url in rows)


# --- warcinfo ----------------------------------------------------------------------------


def own_version() -> str:
    try:
        return metadata.version("newsarchive")
    except metadata.PackageNotFoundError:  # run from a checkout that was never installed
        return "unknown"


def warcinfo_fields(
    session: Session,
    *,
    site: str | None,
    since: date | datetime | None,
    until: date | datetime | None,
) -> bytes:
    """The warcinfo block (application/warc-fields): the software, the format, what was
    chosen, and one `crawl-run` line per crawl run (`capture-source` per other origin,
    such as an imported WARC) the exported captures come from."""
    run_ids: set[int] = set()
    sources: set[str] = set()
    statement = within(
        select(Capture.url, Capture.crawl_run_id, Capture.source),
        site=site,
        since=since,
        until=until,
    )
    for url, run_id, source in session.execute(
        statement.execution_options(yield_per=CAPTURE_CHUNK)
    ):
        if on_site(url, site):
            if run_id is not None:
                run_ids.add(run_id)
            if source is not None:
                sources.add(source)
    runs = session.scalars(
        select(CrawlRun).where(CrawlRun.id.in_(run_ids)).order_by(CrawlRun.started_at)
    )
    chosen = [
        f"site {site}" if site else "every site",
        *([f"fetched on or after {since.isoformat()}"] if since else []),
        *([f"fetched before {until.isoformat()}"] if until else []),
    ]
    fields = [
        ("software", f"newsarchive/{own_version()} (warcio/{metadata.version('warcio')})"),
        ("format", f"WARC File Format {WARC_VERSION}"),
        ("conformsTo", CONFORMS_TO),
        ("description", f"captures from a newsarchive archive: {', '.join(chosen)}"),
        *(("crawl-run", describe_run(run)) for run in runs),
        *(("capture-source", source) for source in sorted(sources)),
    ]
    return "".join(f"{name}: {value}\r\n" for name, value in fields).encode("utf-8")


def describe_run(run: CrawlRun) -> str:
    finished = warc_date_of(run.finished_at) if run.finished_at else "never recorded"
    return (
        f"{run.id} site={run.site or 'several'} started={warc_date_of(run.started_at)} "
        f"finished={finished} outcome={run.finish_reason or 'unknown'}"
    )


# --- records -----------------------------------------------------------------------------


def warc_date_of(instant: datetime) -> str:
    """WARC-Date: UTC, with the microseconds WARC 1.1 allows when there are any."""
    naive_utc = instant.astimezone(UTC).replace(tzinfo=None)
    return str(datetime_to_iso_date(naive_utc, use_micros=True))


def read_payload(session: Session, row: CaptureRow) -> bytes:
    """The capture's body, checked against its digest and size: a damaged payload must fail
    the export, not become a record whose digest lies."""
    try:
        body = payload_body(session, row.payload_id)
    except (ArchiveError, zlib.error) as error:
        raise ExportError(f"payload {row.digest} cannot be read: {error}") from None
    if len(body) != row.size or payload_digest(body) != row.digest:
        raise ExportError(
            f"payload {row.digest} does not match its digest and size: the archive is damaged"
        )
    return body


def message_version(protocol: str | None) -> str:
    """The HTTP version written in the records: WARC holds HTTP/1.x messages, so a response
    that came over HTTP/2 is written as HTTP/1.1 (and its record says WARC-Protocol: h2)."""
    upper = (protocol or "").upper()
    return upper if upper in HTTP1_VERSIONS else "HTTP/1.1"


def protocol_fields(protocol: str | None) -> dict[str, str]:
    if protocol is None or protocol.upper() in HTTP1_VERSIONS:
        return {}
    return {"WARC-Protocol": protocol.lower()}


def framed_headers(row: CaptureRow) -> list[tuple[str, str]]:
    """The response headers, fit for the stored body (see the module docstring): the chunked
    transfer coding dropped, Content-Length the body's length when the message has one."""
    headers: list[tuple[str, str]] = []
    for name, value in row.response_headers:
        if name.lower() == "transfer-encoding":
            codings = [coding.strip() for coding in value.split(",")]
            value = ", ".join(c for c in codings if c and c.lower() != "chunked")
            if not value:
                continue
        headers.append((name, value))
    if row.method.upper() == "HEAD" or row.status < 200 or row.status in BODILESS_STATUSES:
        return headers
    framed: list[tuple[str, str]] = []
    for name, value in headers:
        if name.lower() != "content-length":
            framed.append((name, value))
        elif not any(n.lower() == "content-length" for n, _ in framed):
            framed.append((name, str(row.size)))  # a second one would contradict the first
    if not any(name.lower() == "content-length" for name, _ in framed):
        framed.append(("Content-Length", str(row.size)))
    return framed


def response_message(row: CaptureRow) -> WireHeaders:
    try:
        reason = HTTPStatus(row.status).phrase  # the archive keeps the code, not the phrase
    except ValueError:
        reason = ""
    return WireHeaders(
        f"{row.status} {reason}", framed_headers(row), protocol=message_version(row.protocol)
    )


def request_message(row: CaptureRow) -> WireHeaders:
    """The request line and headers. Host is added when missing: the HTTP client sent it
    (HTTP/1.1 requires it) but the crawler's request object never held it."""
    parts = urlsplit(row.url)
    target = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    headers = [(name, value) for name, value in row.request_headers]
    if not any(name.lower() == "host" for name, _ in headers):
        headers.insert(0, ("Host", parts.netloc.rpartition("@")[2]))
    request_line = f"{row.method} {target} {message_version(row.protocol)}"
    return WireHeaders(request_line, headers, protocol="", is_http_request=True)


def response_record(writer: WARCWriter, row: CaptureRow, body: bytes, warc_date: str) -> Any:
    return writer.create_warc_record(
        row.url,
        "response",
        payload=BytesIO(body),
        length=len(body),
        http_headers=response_message(row),
        warc_headers_dict={
            "WARC-Date": warc_date,
            "WARC-Payload-Digest": row.digest,
            **protocol_fields(row.protocol),
        },
    )


def revisit_record(
    writer: WARCWriter, row: CaptureRow, earlier: FirstRecord, warc_date: str
) -> Any:
    """Headers only; the payload is the one in `earlier` (identical-payload-digest profile)."""
    return writer.create_revisit_record(
        row.url,
        row.digest,
        earlier.uri,
        earlier.date,
        http_headers=response_message(row),
        warc_headers_dict={
            "WARC-Date": warc_date,
            "WARC-Refers-To": earlier.record_id,
            **protocol_fields(row.protocol),
        },
    )
