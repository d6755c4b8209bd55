"""Raw captures in the archive: bodies stored once by digest, and versions that say where
they came from (origin, parser version, capture)."""

from __future__ import annotations

import dataclasses
import gzip
import io
import threading
import time
import zlib
from datetime import timedelta

import pytest
from sqlalchemy import func, select
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session
from warcio.statusandheaders import StatusAndHeaders
from warcio.warcwriter import WARCWriter

from archive_db.engine import ArchiveError
from archive_db.models import Article, ArticleVersion, Capture, FetchFailure, Payload
from archive_db.writes import (
    SaveOutcome,
    payload_body,
    payload_digest,
    save_article,
    save_articles,
    save_captures,
    save_failure,
    store_captures,
)
from items import RawCapture
from tests.factories import FETCHED_AT, make_failure, make_record

PAGE = b"<!DOCTYPE html><html><body><p>" + b"The council met on Tuesday. " * 200 + b"</p></body>"
LATER = FETCHED_AT + timedelta(days=1)


def capture(body: bytes = PAGE, **fields: object) -> RawCapture:
    values: dict[str, object] = {
        "url": "https://news.example.org/2024/05/council-budget",
        "method": "GET",
        "request_headers": (("User-Agent", "newsarchive/0.1"), ("Accept-Encoding", "gzip")),
        "status": 200,
        "protocol": "HTTP/1.1",
        "response_headers": (("Content-Type", "text/html"), ("Set-Cookie", "a=1")),
        "body": body,
        "fetched_at": FETCHED_AT,
    }
    return RawCapture(**(values | fields))  # type: ignore[arg-type]


def warcio_payload_digest(body: bytes) -> str:
    """The WARC-Payload-Digest warcio writes for a response with this body."""
    writer = WARCWriter(io.BytesIO(), gzip=False)
    headers = StatusAndHeaders("200 OK", [("Content-Type", "text/html")], protocol="HTTP/1.1")
    record = writer.create_warc_record(
        "https://news.example.org/", "response", payload=io.BytesIO(body), http_headers=headers
    )
    return str(record.rec_headers.get_header("WARC-Payload-Digest"))


def count(session: Session, model: type) -> int:
    return session.scalar(select(func.count()).select_from(model)) or 0


def test_the_digest_is_the_one_warcio_writes() -> None:
    for body in (PAGE, b"", gzip.compress(PAGE), bytes(range(256))):
        assert payload_digest(body) == warcio_payload_digest(body)


def test_the_same_body_twice_is_one_payload_and_two_captures(session: Session) -> None:
    first = store_captures(session, [capture()], crawl_run_id=None)
    second = store_captures(
        session, [capture(fetched_at=LATER), capture(b"other", status=404)], crawl_run_id=None
    )
    assert (first.new_payloads, second.new_payloads) == (1, 1)  # only b"other" was new
    assert first.new_payload_bytes > 0
    stored = session.scalars(select(Payload.data).where(Payload.digest == payload_digest(b"other")))
    assert second.new_payload_bytes == len(stored.one())
    assert count(session, Capture) == 3
    assert count(session, Payload) == 2
    rows = {row.id: row for row in session.scalars(select(Capture))}
    assert rows[first.ids[0]].payload_id == rows[second.ids[0]].payload_id
    assert rows[second.ids[1]].payload_id != rows[first.ids[0]].payload_id


def test_one_body_repeated_in_one_call_is_stored_once(session: Session) -> None:
    ids = save_captures(session, [capture(), capture(fetched_at=LATER)], crawl_run_id=None)
    assert len(set(ids)) == 2
    (payload,) = session.scalars(select(Payload))
    assert payload.first_seen_at == FETCHED_AT  # the earliest capture of it


def test_a_payload_is_compressed_and_comes_back_as_received(session: Session) -> None:
    gzipped = gzip.compress(PAGE)  # what a server sent with Content-Encoding: gzip
    bodies = [PAGE, gzipped, b""]
    ids = save_captures(session, [capture(body) for body in bodies], crawl_run_id=None)
    for capture_id, body in zip(ids, bodies, strict=True):
        row = session.get(Capture, capture_id)
        assert row is not None
        payload = session.get(Payload, row.payload_id)
        assert payload is not None
        assert payload.digest == payload_digest(body)
        assert payload.size == len(body)
        assert payload.compression == "zstd"
        assert payload_body(session, row.payload_id) == body
    page_payload = session.get(Payload, session.get(Capture, ids[0]).payload_id)  # type: ignore[union-attr]
    assert page_payload is not None and len(page_payload.data) < len(PAGE) / 10


def test_a_capture_keeps_its_request_response_and_order(session: Session) -> None:
    given = [
        capture(url=f"https://news.example.org/{n}", status=301 if n else 200, fetched_at=LATER)
        for n in range(3)
    ]
    ids = save_captures(session, given, crawl_run_id=None)
    assert ids == sorted(ids)
    for capture_id, raw in zip(ids, given, strict=True):
        row = session.get(Capture, capture_id)
        assert row is not None
        assert row.url == raw.url
        assert row.status == raw.status
        assert row.method == "GET"
        assert row.protocol == "HTTP/1.1"
        assert row.request_headers == [list(pair) for pair in raw.request_headers]
        assert row.response_headers == [["Content-Type", "text/html"], ["Set-Cookie", "a=1"]]
        assert row.fetched_at == LATER
        assert row.source is None
    imported = save_captures(session, [capture(source="warc:old.warc.gz")], crawl_run_id=None)
    assert session.get(Capture, imported[0]).source == "warc:old.warc.gz"  # type: ignore[union-attr]


def test_a_crawl_version_records_its_origin_parser_and_capture(session: Session) -> None:
    (capture_id,) = save_captures(session, [capture()], crawl_run_id=None)
    record = make_record(parser_version="2026.11.26")
    save_articles(session, [(record, FETCHED_AT)], crawl_run_id=None, capture_ids=[capture_id])
    edited = dataclasses.replace(record, body=record.body + "\n\nA correction.")
    save_articles(session, [(edited, LATER)], crawl_run_id=None)
    versions = session.scalars(select(ArticleVersion).order_by(ArticleVersion.number)).all()
    assert [(v.origin, v.parser_version, v.capture_id) for v in versions] == [
        ("crawl", "2026.11.26", capture_id),
        ("crawl", "2026.11.26", None),
    ]


def test_parser_version_and_capture_are_not_content(session: Session) -> None:
    record = make_record(parser_version="1", capture_key="a")
    save_article(session, record, seen_at=FETCHED_AT, crawl_run_id=None)
    again = dataclasses.replace(record, parser_version="2", capture_key="b")
    outcome = save_article(session, again, seen_at=LATER, crawl_run_id=None)
    assert outcome is SaveOutcome.UNCHANGED


def test_an_unchanged_reparse_is_no_new_sighting(session: Session) -> None:
    record = make_record()
    save_article(session, record, seen_at=FETCHED_AT, crawl_run_id=None)
    session.expire_all()
    before = session.scalars(select(Article)).one()
    moved = dataclasses.replace(record, url=record.url + "&amp=1", etag='"new"')
    outcomes = save_articles(
        session, [(moved, LATER)], crawl_run_id=None, origin="reparse", capture_ids=[None]
    )
    assert outcomes == [SaveOutcome.UNCHANGED]
    session.expire_all()
    after = session.scalars(select(Article)).one()
    assert (after.url, after.last_seen_at, after.etag) == (before.url, before.last_seen_at, None)
    assert after.last_checked_at == before.last_checked_at
    assert count(session, ArticleVersion) == 1


def test_a_changed_reparse_is_a_version_marked_so_and_keeps_the_sighting(
    session: Session,
) -> None:
    record = make_record(parser_version="2026.01.01")
    save_failure(session, make_failure(url=record.url), crawl_run_id=None)
    save_article(session, record, seen_at=LATER, crawl_run_id=None)  # resolves the failure
    save_failure(session, make_failure(url=record.url, failed_at=LATER), crawl_run_id=None)
    (capture_id,) = save_captures(session, [capture()], crawl_run_id=None)
    session.expire_all()
    before = session.scalars(select(Article)).one()
    reparsed = dataclasses.replace(
        record,
        url=record.url + "&print=1",
        title="Council approves its budget",
        parser_version="2026.11.26",
        fetched_at=FETCHED_AT,
    )
    outcomes = save_articles(
        session,
        [(reparsed, FETCHED_AT)],
        crawl_run_id=None,
        origin="reparse",
        capture_ids=[capture_id],
    )
    assert outcomes == [SaveOutcome.UPDATED]
    session.expire_all()
    article = session.scalars(select(Article)).one()
    assert article.title == "Council approves its budget"  # the new extraction is current
    assert article.current_version == 2
    assert (article.url, article.last_seen_at, article.fetched_at) == (
        before.url,
        before.last_seen_at,
        before.fetched_at,
    )
    assert article.last_checked_at == before.last_checked_at
    latest = session.scalars(select(ArticleVersion).where(ArticleVersion.number == 2)).one()
    assert (latest.origin, latest.parser_version, latest.capture_id) == (
        "reparse",
        "2026.11.26",
        capture_id,
    )
    unresolved = session.scalars(select(FetchFailure).where(FetchFailure.resolved_at.is_(None)))
    assert len(unresolved.all()) == 1  # a re-parse fetched nothing: the failure stands


def test_capture_ids_must_match_the_records(session: Session) -> None:
    with pytest.raises(ValueError, match="0 capture ids for 1 records"):
        save_articles(session, [(make_record(), FETCHED_AT)], crawl_run_id=None, capture_ids=[])
    assert count(session, Article) == 0


def test_two_writers_storing_one_body_at_once_share_its_payload(
    engine: Engine, backend: str
) -> None:
    """The second writer's insert meets the first's uncommitted payload row: it waits, skips
    it once the first commits, and points its capture at that row."""
    second_ids: list[int] = []

    def second_writer() -> None:
        with Session(engine) as second, second.begin():
            second_ids.extend(save_captures(second, [capture(fetched_at=LATER)], crawl_run_id=None))

    with Session(engine) as first:
        (first_id,) = save_captures(first, [capture()], crawl_run_id=None)
        thread = threading.Thread(target=second_writer)
        thread.start()
        wait_for_a_blocked_writer(engine, backend)
        first.commit()
    thread.join(timeout=30)
    assert not thread.is_alive()
    assert len(second_ids) == 1  # the second writer saved its capture, and raised nothing
    with Session(engine) as session:
        assert count(session, Capture) == 2
        assert count(session, Payload) == 1
        rows = [session.get(Capture, capture_id) for capture_id in (first_id, *second_ids)]
        assert len({row.payload_id for row in rows if row is not None}) == 1


def wait_for_a_blocked_writer(engine: Engine, backend: str) -> None:
    """Until another connection waits on a lock (PostgreSQL says so); on SQLite, where the
    second writer waits for the file's write lock, a moment."""
    if backend != "postgresql":
        time.sleep(0.2)
        return
    deadline = time.monotonic() + 20
    with engine.connect() as watcher:
        while time.monotonic() < deadline:
            waiting = watcher.exec_driver_sql(
                "SELECT count(*) FROM pg_stat_activity "
                "WHERE wait_event_type = 'Lock' AND datname = current_database()"
            ).scalar()
            watcher.rollback()
            if waiting:
                return
            time.sleep(0.02)
    raise AssertionError("the second writer never waited for the first")


def test_a_zlib_payload_is_read_and_a_damaged_one_is_an_archive_error(session: Session) -> None:
    (capture_id,) = save_captures(session, [capture()], crawl_run_id=None)
    row = session.get(Capture, capture_id)
    assert row is not None
    payload = session.get(Payload, row.payload_id)
    assert payload is not None
    payload.compression, payload.data = "zlib", zlib.compress(PAGE)
    session.flush()
    assert payload_body(session, payload.id) == PAGE
    payload.data = b"not compressed"
    session.flush()
    with pytest.raises(ArchiveError, match=f"payload {payload.id} cannot be decompressed"):
        payload_body(session, payload.id)
    payload.compression = "lzma"
    session.flush()
    with pytest.raises(ArchiveError, match="compressed with 'lzma'"):
        payload_body(session, payload.id)
    with pytest.raises(ArchiveError, match="no payload"):
        payload_body(session, payload.id + 1)
