"""Column types for time values: aware UTC datetimes, and dates that may carry a time."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import TYPE_CHECKING

from sqlalchemy import DateTime, String
from sqlalchemy.types import TypeDecorator

from items import parse_iso_date

if TYPE_CHECKING:
    from sqlalchemy.engine import Dialect


# Room for the longest ISO text of a published/modified value, "2024-05-01T18:04:11.123456+05:30"
# (32), even with an offset in seconds (historical local mean times).
PUBLICATION_TEXT_LENGTH = 40


def utc_instant_of(value: date | datetime | None) -> datetime | None:
    """The aware UTC instant a `published`/`modified` value sorts by.

    A date without a time sorts as midnight UTC of that day. A naive datetime is refused
    (ValueError): the archive never guesses a time zone.
    """
    if value is None:
        return None
    if isinstance(value, datetime):
        if value.tzinfo is None or value.utcoffset() is None:
            raise ValueError(f"naive datetime {value.isoformat()}: give it a time zone")
        return value.astimezone(UTC)
    return datetime(value.year, value.month, value.day, tzinfo=UTC)


class UTCDateTime(TypeDecorator[datetime]):
    """An aware datetime stored as naive UTC (SQLite keeps no offset), read back as aware UTC."""

    impl = DateTime(timezone=False)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if not isinstance(value, datetime):
            raise TypeError(f"expected a datetime, got {type(value).__name__}")
        instant = utc_instant_of(value)
        assert instant is not None
        return instant.replace(tzinfo=None)

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is not None:  # a driver that returns aware values
            return value.astimezone(UTC)
        return value.replace(tzinfo=UTC)


class PublicationTime(TypeDecorator[date]):
    """A `published`/`modified` value: a date, or an aware datetime when the page gives a time.

    Stored as ISO 8601 text exactly as given (a datetime keeps its UTC offset), so a value
    read back equals the one written and keeps its type. Sorting and range queries use a
    separate `UTCDateTime` column filled from `utc_instant_of`.
    """

    impl = String(PUBLICATION_TEXT_LENGTH)
    cache_ok = True

    def process_bind_param(self, value: date | None, dialect: Dialect) -> str | None:
        if value is None:
            return None
        if not isinstance(value, date):
            raise TypeError(f"expected a date or datetime, got {type(value).__name__}")
        utc_instant_of(value)  # refuses naive datetimes
        return value.isoformat()

    def process_result_value(self, value: str | None, dialect: Dialect) -> date | None:
        return parse_iso_date(value)
