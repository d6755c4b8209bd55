"""Analyst slice: authors/tags text on article, FTS over five columns, resolved links, a view.

- `article.authors_text` and `article.tags_text`: the names joined with "; " in page
  order (back-filled here from the join tables; `writes.save_article` keeps them).
- `article_fts` rebuilt over title, summary, body, authors_text and tags_text, declared
  and triggered the way sqlite-utils does it (``content=[article]``, triggers
  ``article_ai``/``article_ad``/``article_au``), so Datasette and ``sqlite-utils search``
  find it with no configuration.
- `article_link.target_article_id`: the archived article a related link leads to.
- `article_latest`: one flat row per article, its latest content, with no joins to write.

Revision ID: 8b7e5d2c1a94
Revises: 3f1c2a9d4e10
Create Date: 2026-11-26 05:58:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision: str = "8b7e5d2c1a94"
down_revision: str | None = "3f1c2a9d4e10"
branch_labels: str | None = None
depends_on: str | None = None

FTS_COLUMNS = ("title", "summary", "body", "authors_text", "tags_text")


def fts_statements(columns: tuple[str, ...]) -> tuple[str, ...]:
    """The FTS5 table and its three triggers, in sqlite-utils' shape, over `columns`.

    Datasette's detect_fts looks for ``content="article"`` or ``content=[article]`` in the
    table's SQL (not ``content='article'``), so the square-bracket spelling is deliberate.
    The update trigger fires only when an indexed column changes: last_seen_at moves on
    every crawl and must not rewrite the index.
    """
    names = ", ".join(f"[{column}]" for column in columns)
    new = ", ".join(f"new.[{column}]" for column in columns)
    old = ", ".join(f"old.[{column}]" for column in columns)
    of = ", ".join(f"[{column}]" for column in columns)
    return (
        f"CREATE VIRTUAL TABLE [article_fts] USING FTS5 (\n"
        f"    {names},\n    content=[article], content_rowid=[id]\n)",
        f"CREATE TRIGGER [article_ai] AFTER INSERT ON [article] BEGIN\n"
        f"  INSERT INTO [article_fts] (rowid, {names}) VALUES (new.rowid, {new});\nEND",
        f"CREATE TRIGGER [article_ad] AFTER DELETE ON [article] BEGIN\n"
        f"  INSERT INTO [article_fts] ([article_fts], rowid, {names})"
        f" VALUES('delete', old.rowid, {old});\nEND",
        f"CREATE TRIGGER [article_au] AFTER UPDATE OF {of} ON [article] BEGIN\n"
        f"  INSERT INTO [article_fts] ([article_fts], rowid, {names})"
        f" VALUES('delete', old.rowid, {old});\n"
        f"  INSERT INTO [article_fts] (rowid, {names}) VALUES (new.rowid, {new});\nEND",
    )


# The first migration's index, for downgrade.
OLD_FTS_STATEMENTS = (
    "CREATE VIRTUAL TABLE article_fts USING fts5("
    "title, summary, body, content='article', content_rowid='id')",
    "CREATE TRIGGER article_fts_after_insert AFTER INSERT ON article BEGIN "
    "INSERT INTO article_fts (rowid, title, summary, body) "
    "VALUES (new.id, new.title, new.summary, new.body); END",
    "CREATE TRIGGER article_fts_after_delete AFTER DELETE ON article BEGIN "
    "INSERT INTO article_fts (article_fts, rowid, title, summary, body) "
    "VALUES ('delete', old.id, old.title, old.summary, old.body); END",
    "CREATE TRIGGER article_fts_after_update AFTER UPDATE OF title, summary, body ON article "
    "BEGIN INSERT INTO article_fts (article_fts, rowid, title, summary, body) "
    "VALUES ('delete', old.id, old.title, old.summary, old.body); "
    "INSERT INTO article_fts (rowid, title, summary, body) "
    "VALUES (new.id, new.title, new.summary, new.body); END",
)

LATEST_VIEW = """
CREATE VIEW article_latest AS
SELECT
    article.id AS article_id,
    article.url AS url,
    article.canonical_url AS canonical_url,
    site.host AS site,
    article.title AS title,
    article.summary AS summary,
    article.published AS published,
    article.published_at AS published_at,
    article.modified AS modified,
    article.authors_text AS authors,
    article.tags_text AS tags,
    article.section AS section,
    article.language AS language,
    article.body AS body,
    article.first_seen_at AS first_seen_at,
    article.last_seen_at AS last_seen_at,
    (SELECT count(*) FROM article_version WHERE article_version.article_id = article.id)
        AS versions,
    article.current_version AS current_version
FROM article JOIN site ON site.id = article.site_id
"""

# As in the first migration: SQLite's group_concat keeps the order of an ordered
# subquery (no ORDER BY argument before 3.44); PostgreSQL says the order outright.
SQLITE_JOINED = (
    "SELECT group_concat(name, '; ') FROM (SELECT {table}.name AS name FROM article_{table} "
    "JOIN {table} ON {table}.id = article_{table}.{table}_id "
    "WHERE article_{table}.article_id = article.id ORDER BY article_{table}.position)"
)
STANDARD_JOINED = (
    "SELECT string_agg({table}.name, '; ' ORDER BY article_{table}.position) "
    "FROM article_{table} JOIN {table} ON {table}.id = article_{table}.{table}_id "
    "WHERE article_{table}.article_id = article.id"
)


def is_sqlite() -> bool:
    return op.get_context().dialect.name == "sqlite"


def upgrade() -> None:
    if is_sqlite():
        for trigger in ("insert", "update", "delete"):
            op.execute(f"DROP TRIGGER IF EXISTS article_fts_after_{trigger}")
        op.execute("DROP TABLE IF EXISTS article_fts")

    with op.batch_alter_table("article") as batch_op:
        batch_op.add_column(sa.Column("authors_text", sa.Text(), nullable=True))
        batch_op.add_column(sa.Column("tags_text", sa.Text(), nullable=True))
    with op.batch_alter_table("article_link") as batch_op:
        batch_op.add_column(sa.Column("target_article_id", sa.Integer(), nullable=True))
        batch_op.create_foreign_key(
            batch_op.f("fk_article_link_target_article_id_article"),
            "article",
            ["target_article_id"],
            ["id"],
            ondelete="SET NULL",
        )
        batch_op.create_index(
            batch_op.f("ix_article_link_target_article_id"), ["target_article_id"]
        )
        batch_op.create_index(batch_op.f("ix_article_link_url"), ["url"])

    joined = SQLITE_JOINED if is_sqlite() else STANDARD_JOINED
    op.execute(
        f"UPDATE article SET authors_text = ({joined.format(table='author')}), "
        f"tags_text = ({joined.format(table='tag')})"
    )
    op.execute(
        "UPDATE article_link SET target_article_id = "
        "(SELECT article.id FROM article WHERE article.archive_key = article_link.url) "
        "WHERE target_article_id IS NULL"
    )

    if is_sqlite():
        for statement in fts_statements(FTS_COLUMNS):
            op.execute(statement)
        op.execute("INSERT INTO [article_fts]([article_fts]) VALUES('rebuild')")
    op.execute(LATEST_VIEW)


def downgrade() -> None:
    op.execute("DROP VIEW article_latest")
    if is_sqlite():
        for trigger in ("ai", "ad", "au"):
            op.execute(f"DROP TRIGGER article_{trigger}")
        op.execute("DROP TABLE article_fts")
    with op.batch_alter_table("article_link") as batch_op:
        batch_op.drop_index(batch_op.f("ix_article_link_url"))
        batch_op.drop_index(batch_op.f("ix_article_link_target_article_id"))
        batch_op.drop_constraint(
            batch_op.f("fk_article_link_target_article_id_article"), type_="foreignkey"
        )
        batch_op.drop_column("target_article_id")
    # Not batch mode: copying `article` would break the views that name it. SQLite has
    # dropped columns in place since 3.35.
    for column in ("tags_text", "authors_text"):
        if is_sqlite():
            op.execute(f"ALTER TABLE article DROP COLUMN {column}")
        else:
            op.drop_column("article", column)
    if is_sqlite():
        for statement in OLD_FTS_STATEMENTS:
            op.execute(statement)
        op.execute("INSERT INTO article_fts(article_fts) VALUES('rebuild')")
