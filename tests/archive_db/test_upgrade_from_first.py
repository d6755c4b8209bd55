"""An archive built at the first migration and filled by plain SQL upgrades to head
without losing a row, with the new columns, links, view and full-text index filled."""

from __future__ import annotations

from pathlib import Path

import pytest
from alembic import command
from sqlalchemy import text
from sqlalchemy.engine import Connection, Engine

from archive_db.engine import ArchiveError, make_engine
from archive_db.migrations import (
    alembic_config,
    current_revision,
    head_revision,
    readonly_archive,
    require_current,
    upgrade_archive,
)

FIRST_REVISION = "3f1c2a9d4e10"
TABLES = (
    "site", "article", "article_version", "author", "article_author", "tag", "article_tag",
    "article_list", "article_list_item", "article_link", "article_image", "fetch_failure",
    "crawl_run",
)  # fmt: skip
T = "2024-05-01 10:00:00.000000"

# Plain SQL, as the first schema stood: two articles, the first linking to the second.
FILL = (
    f"INSERT INTO site (id, host, first_seen_at) VALUES (1, 'news.example.org', '{T}')",
    f"INSERT INTO crawl_run (id, started_at, arguments) VALUES (1, '{T}', '{{}}')",
    *(
        "INSERT INTO article (id, archive_key, url, canonical_url, site_id, title, summary, "
        "published, published_at, body, provenance, content_hash, first_seen_at, last_seen_at, "
        f"current_version) VALUES ({n}, 'https://news.example.org/{slug}', "
        f"'https://news.example.org/{slug}', NULL, 1, '{title}', 'A summary', '2024-05-0{n}', "
        f"'2024-05-0{n} 00:00:00.000000', '{body}', '{{}}', 'hash{n}', '{T}', '{T}', 1)"
        for n, slug, title, body in (
            (1, "budget", "Council approves budget", "Roads and libraries gain."),
            (2, "ferry", "Ferry timetable changes", "Sailings move to the afternoon."),
        )
    ),
    *(
        f"INSERT INTO article_version (article_id, number, content_hash, record, seen_at, "
        f"crawl_run_id) VALUES ({n}, 1, 'hash{n}', '{{}}', '{T}', 1)"
        for n in (1, 2)
    ),
    "INSERT INTO author (id, name) VALUES (1, 'Zoe Zephyr'), (2, 'Adam Able')",
    "INSERT INTO article_author (article_id, author_id, position) VALUES (1, 1, 0), (1, 2, 1)",
    "INSERT INTO tag (id, name) VALUES (1, 'harbour')",
    "INSERT INTO article_tag (article_id, tag_id, position) VALUES (2, 1, 0)",
    "INSERT INTO article_list (id, article_id, position, ordered) VALUES (1, 1, 0, 0)",
    "INSERT INTO article_list_item (article_list_id, position, text) VALUES (1, 0, 'Roads')",
    "INSERT INTO article_link (article_id, position, url, title) VALUES "
    "(1, 0, 'https://news.example.org/ferry', 'Ferry'), "
    "(1, 1, 'https://elsewhere.example/x', 'Not archived')",
    "INSERT INTO article_image (article_id, position, url) VALUES (1, 0, 'https://i.example/a.jpg')",
    f"INSERT INTO fetch_failure (url, reason, failed_at) VALUES ('https://news.example.org/z', "
    f"'HTTP 404', '{T}')",
)

# Datasette's detect_fts (datasette/utils/__init__.py), which sqlite-utils shares.
DETECT_FTS = """
select name from sqlite_master
    where rootpage = 0
    and (
        sql like '%VIRTUAL TABLE%USING FTS%content="article"%'
        or sql like '%VIRTUAL TABLE%USING FTS%content=[article]%'
        or (tbl_name = "article" and sql like '%VIRTUAL TABLE%USING FTS%')
    )
"""


def build_at_first_revision(path: Path) -> Engine:
    engine = make_engine(str(path))
    with engine.begin() as connection:
        config = alembic_config()
        config.attributes["connection"] = connection
        command.upgrade(config, FIRST_REVISION)
        for statement in FILL:
            connection.exec_driver_sql(statement)
    return engine


def counts(connection: Connection) -> dict[str, int]:
    return {
        table: connection.exec_driver_sql(f"SELECT count(*) FROM {table}").scalar_one()
        for table in TABLES
    }


def matching(connection: Connection, query: str) -> list[int]:
    rows = connection.execute(
        text("SELECT rowid FROM article_fts WHERE article_fts MATCH :q ORDER BY rowid"),
        {"q": query},
    )
    return [row[0] for row in rows]


@pytest.fixture
def old_archive(tmp_path: Path) -> Path:
    path = tmp_path / "old.sqlite"
    build_at_first_revision(path).dispose()
    return path


def test_upgrade_from_the_first_migration_keeps_every_row_and_fills_the_new_parts(
    old_archive: Path,
) -> None:
    engine = make_engine(str(old_archive))
    with engine.connect() as connection:
        before = counts(connection)
    assert all(before.values())  # every table holds rows

    assert upgrade_archive(engine) == (FIRST_REVISION, head_revision())

    with engine.connect() as connection:
        assert current_revision(connection) == head_revision()
        assert counts(connection) == before
        texts = connection.exec_driver_sql(
            "SELECT id, authors_text, tags_text FROM article ORDER BY id"
        ).all()
        assert texts == [(1, "Zoe Zephyr; Adam Able", None), (2, None, "harbour")]  # page order
        targets = connection.exec_driver_sql(
            "SELECT url, target_article_id FROM article_link ORDER BY position"
        ).all()
        assert targets == [
            ("https://news.example.org/ferry", 2),
            ("https://elsewhere.example/x", None),
        ]
        # The rebuilt index covers all five columns, old rows included.
        assert matching(connection, "zephyr") == [1]
        assert matching(connection, "tags_text:harbour") == [2]
        assert matching(connection, "sailings") == [2]
        assert matching(connection, "title:council") == [1]
        latest = connection.exec_driver_sql(
            "SELECT url, site, authors, tags, versions, current_version FROM article_latest "
            "ORDER BY article_id"
        ).all()
        assert latest == [
            ("https://news.example.org/budget", "news.example.org", "Zoe Zephyr; Adam Able",
             None, 1, 1),
            ("https://news.example.org/ferry", "news.example.org", None, "harbour", 1, 1),
        ]  # fmt: skip
        connection.exec_driver_sql(
            "INSERT INTO article_fts (article_fts, rank) VALUES ('integrity-check', 1)"
        )
    engine.dispose()


def test_the_index_is_shaped_for_datasette_and_sqlite_utils(old_archive: Path) -> None:
    upgrade_archive(str(old_archive))
    engine = make_engine(str(old_archive))
    with engine.begin() as connection:
        assert connection.exec_driver_sql(DETECT_FTS).scalars().all() == ["article_fts"]
        triggers = connection.exec_driver_sql(
            "SELECT name FROM sqlite_master WHERE type = 'trigger' ORDER BY name"
        ).scalars()
        assert list(triggers) == ["article_ad", "article_ai", "article_au"]
        # The triggers follow a change to the denormalised names too.
        connection.exec_driver_sql("UPDATE article SET tags_text = 'lifeboat' WHERE id = 2")
        assert matching(connection, "lifeboat") == [2]
        assert matching(connection, "harbour") == []
        # Datasette searches a table with its FTS table like this.
        found = connection.execute(
            text(
                "SELECT id FROM article WHERE rowid IN "
                "(SELECT rowid FROM article_fts WHERE article_fts MATCH :search)"
            ),
            {"search": "libraries"},
        ).scalars()
        assert list(found) == [1]
    engine.dispose()


def test_an_older_archive_is_refused_by_readers_until_upgraded(old_archive: Path) -> None:
    with pytest.raises(ArchiveError, match="newsarchive db upgrade"):
        readonly_archive(str(old_archive))
    upgrade_archive(str(old_archive))
    engine = readonly_archive(str(old_archive))
    assert require_current(engine, described="x") == head_revision()
    engine.dispose()


def test_an_archive_from_a_newer_newsarchive_is_refused_by_writers_and_readers(
    old_archive: Path,
) -> None:
    engine = make_engine(str(old_archive))
    with engine.begin() as connection:
        connection.exec_driver_sql("UPDATE alembic_version SET version_num = 'f00dfeedbeef'")
    with pytest.raises(ArchiveError, match="newer newsarchive") as refused:
        upgrade_archive(engine)
    assert "\n" not in str(refused.value)
    with pytest.raises(ArchiveError, match="newer newsarchive"):
        readonly_archive(str(old_archive))
    with engine.connect() as connection:
        assert counts(connection)["article"] == 2  # untouched
    engine.dispose()
