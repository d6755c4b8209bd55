"""A read-only door for analysts' own SQL: one statement, results as columns and rows.

The engine is the read-only one (``mode=ro`` and ``query_only``), so no statement can
change the archive. SQLite would still let ATTACH create an empty file elsewhere, and
let a PRAGMA switch `query_only` off, so an authorizer refuses those outright.

On PostgreSQL each statement runs in a transaction declared READ ONLY before it starts,
and as a prepared statement, so it is exactly one statement: no ``COMMIT; ...`` can end
that transaction and write in the next. A READ ONLY transaction still lets a superuser
run ``COPY ... TO PROGRAM``, write server files with ``lo_export`` or change session
settings, so the door also runs only queries (SELECT, WITH, VALUES, TABLE, EXPLAIN,
SHOW), as the predefined role ``pg_read_all_data`` when the user may take it, and
refuses ``set_config`` (which could switch that role back). These are defences in depth:
the sure guard is a database user that may only read.
"""

from __future__ import annotations

import re
import sqlite3
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from sqlalchemy.exc import DBAPIError

from archive_db.engine import ArchiveError

if TYPE_CHECKING:
    from sqlalchemy.engine import Connection, Engine

# PRAGMAs that only report, and may take an argument (a table or index name).
REPORTING_PRAGMAS = frozenset(
    {
        "table_info",
        "table_xinfo",
        "table_list",
        "index_list",
        "index_info",
        "index_xinfo",
        "foreign_key_list",
        "foreign_key_check",
        "integrity_check",
        "quick_check",
    }
)


# What a statement may start with on PostgreSQL: queries only (see the module docstring).
POSTGRESQL_QUERY_KEYWORDS = frozenset({"select", "with", "values", "table", "explain", "show"})
# Whitespace, comments and opening parentheses before a statement's first keyword.
LEADING_NOISE = re.compile(r"\A(?:\s+|--[^\n]*|/\*.*?\*/|\()*", re.DOTALL)
# set_config('role', ...) undoes SET LOCAL ROLE mid-statement; U&"..." spells any name
# in escapes, hiding set_config from the check.
POSTGRESQL_REFUSED_TEXT = re.compile(r"set_config|u&", re.IGNORECASE)
READ_ONLY_ROLE = "pg_read_all_data"


class QueryError(ArchiveError):
    """SQL the read-only door refuses or the database rejects; one line for the user."""


@dataclass(frozen=True, slots=True)
class QueryResult:
    """What a query returned: column names and rows in order."""

    columns: tuple[str, ...]
    rows: list[tuple[Any, ...]]


def authorize(
    action: int, arg1: str | None, arg2: str | None, database: str | None, trigger: str | None
) -> int:
    """SQLite authorizer: deny ATTACH/DETACH and any PRAGMA that sets something."""
    if action in (sqlite3.SQLITE_ATTACH, sqlite3.SQLITE_DETACH):
        return sqlite3.SQLITE_DENY
    if action == sqlite3.SQLITE_PRAGMA and arg2 is not None:
        return (
            sqlite3.SQLITE_OK if (arg1 or "").lower() in REPORTING_PRAGMAS else sqlite3.SQLITE_DENY
        )
    return sqlite3.SQLITE_OK


def run_readonly_sql(engine: Engine, sql: str) -> QueryResult:
    """Run one statement on a read-only engine and return all its rows.

    Raises QueryError for an empty statement, a statement that would write, and any error
    the database reports (syntax, unknown table, ...), as one line.
    """
    if not sql.strip():
        raise QueryError("no SQL given")
    if engine.dialect.name == "postgresql":
        return run_readonly_postgresql(engine, sql)
    with engine.connect() as connection:
        driver = connection.connection.driver_connection
        raw = driver if isinstance(driver, sqlite3.Connection) else None
        if raw is not None:
            raw.set_authorizer(authorize)
        try:
            result = connection.exec_driver_sql(sql)
            columns = tuple(result.keys()) if result.returns_rows else ()
            rows = [tuple(row) for row in result] if result.returns_rows else []
        except DBAPIError as error:
            raise QueryError(query_failure(error)) from None
        finally:
            connection.rollback()
            if raw is not None:
                raw.set_authorizer(None)
    return QueryResult(columns=columns, rows=rows)


def check_postgresql_query(sql: str) -> None:
    """Refuse, before it reaches the server, a statement that is not a plain query."""
    keyword = re.match(r"[a-z]+", LEADING_NOISE.sub("", sql, count=1), re.IGNORECASE)
    if keyword is None or keyword.group().lower() not in POSTGRESQL_QUERY_KEYWORDS:
        raise QueryError(
            "refused: the archive is read-only here: give one SQL statement at a time, "
            "a query (SELECT, WITH, VALUES, TABLE, EXPLAIN or SHOW)"
        )
    if POSTGRESQL_REFUSED_TEXT.search(sql):
        raise QueryError("refused: the archive is read-only here (set_config and U& names)")


def run_readonly_postgresql(engine: Engine, sql: str) -> QueryResult:
    """`run_readonly_sql` on PostgreSQL (psycopg): a READ ONLY transaction, one query."""
    check_postgresql_query(sql)
    try:
        with engine.connect() as connection:
            return run_in_readonly_transaction(connection, sql)
    except DBAPIError as error:  # the connection broke: lost, or ended by the statement
        raise QueryError(query_failure(error)) from None


def run_in_readonly_transaction(connection: Connection, sql: str) -> QueryResult:
    """One statement in a READ ONLY transaction, as `pg_read_all_data` when allowed."""
    connection.exec_driver_sql("SET TRANSACTION READ ONLY")
    # The first query takes the snapshot, after which READ WRITE can no longer be set.
    may_act_as_reader = connection.exec_driver_sql(
        "SELECT pg_has_role(rolname, 'MEMBER') FROM pg_roles WHERE rolname = %(role)s",
        {"role": READ_ONLY_ROLE},
    ).scalar()
    if may_act_as_reader:
        # Pin the schemas found now: "$user" in search_path would name the new role.
        connection.exec_driver_sql(
            "SELECT set_config('search_path', "
            "coalesce(string_agg(quote_ident(name), ','), ''), true) "
            "FROM unnest(current_schemas(false)) AS name"
        )
        connection.exec_driver_sql(f"SET LOCAL ROLE {READ_ONLY_ROLE}")
    driver: Any = connection.connection.driver_connection  # a psycopg.Connection
    cursor = driver.cursor()
    try:
        # prepare=True: the extended protocol, which refuses a second statement.
        cursor.execute(sql, prepare=True)
        description = cursor.description
        columns = tuple(column[0] for column in description) if description else ()
        rows = [tuple(row) for row in cursor.fetchall()] if description else []
    except connection.dialect.loaded_dbapi.Error as error:
        raise QueryError(query_failure(error)) from None
    finally:
        cursor.close()
        end_transaction(connection)
    return QueryResult(columns=columns, rows=rows)


def end_transaction(connection: Connection) -> None:
    """Roll back; a connection the statement broke is dropped, never reset or reused."""
    try:
        connection.rollback()
    except DBAPIError:
        connection.invalidate()


def query_failure(error: DBAPIError | Exception) -> str:
    orig = error.orig if isinstance(error, DBAPIError) else error
    reason = str(orig).splitlines()[0] if orig else type(error).__name__
    refusals = (
        "readonly database",
        "not authorized",
        "authorization",
        "read-only transaction",
        "permission denied",
    )
    if any(words in reason for words in refusals):
        return f"refused: the archive is read-only here ({reason})"
    if "one statement at a time" in reason or "multiple commands" in reason:
        return "give one SQL statement at a time"
    return f"SQL error: {reason}"
