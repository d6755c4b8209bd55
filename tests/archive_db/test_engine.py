"""Opening archives: pragmas, plain paths, read-only access and one-line errors."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session

from archive_db.engine import ArchiveError, make_engine, mask_url, readonly_engine
from archive_db.migrations import upgrade_archive
from archive_db.queries import article_count
from archive_db.writes import save_article
from tests.factories import FETCHED_AT, make_record


def test_a_plain_path_becomes_an_sqlite_archive_with_pragmas(tmp_path: Path) -> None:
    path = tmp_path / "news.sqlite"
    engine = make_engine(str(path))
    try:
        assert engine.url.drivername == "sqlite"
        with engine.connect() as connection:
            assert connection.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
            assert connection.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
            assert connection.exec_driver_sql("PRAGMA synchronous").scalar() == 1  # NORMAL
            assert (connection.exec_driver_sql("PRAGMA busy_timeout").scalar() or 0) > 0
    finally:
        engine.dispose()
    assert path.is_file()


def test_memory_archive_works() -> None:
    engine = make_engine(":memory:")
    upgrade_archive(engine)
    with Session(engine) as session:
        save_article(session, make_record(), seen_at=FETCHED_AT, crawl_run_id=None)
        assert article_count(session) == 1
    engine.dispose()


def test_path_that_cannot_be_created_is_a_one_line_archive_error(tmp_path: Path) -> None:
    not_a_directory = tmp_path / "file.txt"
    not_a_directory.write_text("x")
    with pytest.raises(ArchiveError) as raised:
        make_engine(str(not_a_directory / "archive.sqlite"))
    message = str(raised.value)
    assert "\n" not in message
    assert "cannot create archive" in message
    assert "file.txt" in message


def test_directory_is_not_an_archive(tmp_path: Path) -> None:
    with pytest.raises(ArchiveError, match="is a directory"):
        make_engine(str(tmp_path))


def test_file_that_is_not_sqlite_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "notes.sqlite"
    path.write_text("these are my notes, not a database\n" * 10)
    for open_archive in (make_engine, readonly_engine):
        with pytest.raises(ArchiveError, match="is not an SQLite archive") as raised:
            open_archive(str(path))
        assert "\n" not in str(raised.value)


def test_sqlite_database_of_something_else_is_not_upgraded(tmp_path: Path) -> None:
    engine = make_engine(str(tmp_path / "other.sqlite"))
    with engine.begin() as connection:
        connection.exec_driver_sql("CREATE TABLE recipe (id INTEGER PRIMARY KEY)")
    with pytest.raises(ArchiveError, match="not a newsarchive archive"):
        upgrade_archive(engine)
    engine.dispose()


def test_archive_from_a_newer_version_is_refused(tmp_path: Path) -> None:
    engine = make_engine(str(tmp_path / "archive.sqlite"))
    upgrade_archive(engine)
    with engine.begin() as connection:
        connection.exec_driver_sql("UPDATE alembic_version SET version_num = 'ffffffffffff'")
    with pytest.raises(ArchiveError, match="ffffffffffff"):
        upgrade_archive(engine)
    engine.dispose()


def test_readonly_engine_reads_but_refuses_writes(tmp_path: Path) -> None:
    path = tmp_path / "with space.sqlite"
    writer = make_engine(str(path))
    upgrade_archive(writer)
    with Session(writer) as session, session.begin():
        save_article(session, make_record(), seen_at=FETCHED_AT, crawl_run_id=None)
    writer.dispose()

    reader = readonly_engine(str(path))
    try:
        with Session(reader) as session:
            assert article_count(session) == 1
        with reader.connect() as connection, pytest.raises(OperationalError, match="readonly"):
            connection.execute(text("UPDATE article SET title = 'changed'"))
    finally:
        reader.dispose()


def test_readonly_engine_accepts_an_sqlite_url(tmp_path: Path) -> None:
    path = tmp_path / "archive.sqlite"
    upgrade_archive(str(path))
    reader = readonly_engine(f"sqlite:///{path}")
    with Session(reader) as session:
        assert article_count(session) == 0
    reader.dispose()


def test_readonly_engine_needs_an_existing_archive(tmp_path: Path) -> None:
    missing = tmp_path / "missing.sqlite"
    with pytest.raises(ArchiveError, match="no archive at"):
        readonly_engine(str(missing))
    assert not missing.exists()


def test_mask_url_hides_passwords_only() -> None:
    masked = mask_url("postgresql://archivist:s3cret@db.example.org/news")
    assert "s3cret" not in masked
    assert "archivist" in masked
    assert "db.example.org/news" in masked
    assert mask_url("archive.sqlite") == "archive.sqlite"
    assert mask_url("sqlite:///archive.sqlite") == "sqlite:///archive.sqlite"
