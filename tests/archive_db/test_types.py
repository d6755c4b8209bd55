"""Time columns: aware UTC in, aware UTC out; dates and datetimes keep their type."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta, timezone

import pytest
from sqlalchemy import Column, Integer, MetaData, Table, create_engine, insert, select, text
from sqlalchemy.engine import Connection
from sqlalchemy.exc import StatementError

from archive_db.types import PublicationTime, UTCDateTime, utc_instant_of

metadata = MetaData()
sample = Table(
    "sample",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("at", UTCDateTime()),
    Column("published", PublicationTime()),
)
PLUS_TWO = timezone(timedelta(hours=2))


@pytest.fixture
def connection() -> Iterator[Connection]:
    engine = create_engine("sqlite://")
    metadata.create_all(engine)
    with engine.connect() as connection:
        yield connection
    engine.dispose()


def stored(connection: Connection, **values: object) -> tuple[object, object]:
    connection.execute(insert(sample).values(id=1, **values))
    row = connection.execute(select(sample.c.at, sample.c.published)).one()
    return row.at, row.published


def test_utc_datetime_returns_the_same_instant_as_aware_utc(connection: Connection) -> None:
    written = datetime(2024, 5, 1, 20, 4, 11, 250000, tzinfo=PLUS_TWO)
    read, _ = stored(connection, at=written)
    assert read == written
    assert isinstance(read, datetime)
    assert read.tzinfo is UTC
    assert read.hour == 18


def test_utc_datetime_stores_naive_utc(connection: Connection) -> None:
    stored(connection, at=datetime(2024, 5, 1, 20, 4, 11, tzinfo=PLUS_TWO))
    raw = connection.execute(text("SELECT at FROM sample")).scalar_one()
    assert raw.startswith("2024-05-01 18:04:11")


def test_utc_datetime_rejects_naive_datetimes(connection: Connection) -> None:
    with pytest.raises(StatementError, match="naive datetime"):
        connection.execute(insert(sample).values(id=1, at=datetime(2024, 5, 1, 18, 0)))


@pytest.mark.parametrize(
    "value",
    [
        date(2024, 5, 1),
        datetime(2024, 5, 1, 9, 30, tzinfo=UTC),
        datetime(2024, 5, 1, 9, 30, 5, 123456, tzinfo=UTC),
        datetime(2024, 5, 1, 11, 30, tzinfo=PLUS_TWO),
    ],
    ids=["date", "utc", "microseconds", "offset"],
)
def test_publication_time_round_trips_exactly(connection: Connection, value: date) -> None:
    _, read = stored(connection, published=value)
    assert read == value
    assert type(read) is type(value)
    if isinstance(value, datetime):
        assert isinstance(read, datetime)
        assert read.utcoffset() == value.utcoffset()


def test_publication_time_rejects_naive_datetimes(connection: Connection) -> None:
    with pytest.raises(StatementError, match="naive datetime"):
        connection.execute(insert(sample).values(id=1, published=datetime(2024, 5, 1, 9, 30)))


def test_a_date_sorts_as_midnight_utc() -> None:
    assert utc_instant_of(date(2024, 5, 1)) == datetime(2024, 5, 1, tzinfo=UTC)
    assert utc_instant_of(datetime(2024, 5, 1, 1, 0, tzinfo=PLUS_TWO)) == datetime(
        2024, 4, 30, 23, 0, tzinfo=UTC
    )
    assert utc_instant_of(None) is None
