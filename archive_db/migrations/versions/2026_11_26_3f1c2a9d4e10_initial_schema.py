"""Initial schema: articles, versions, children, failures, crawl runs, FTS5 index, summary view.

Revision ID: 3f1c2a9d4e10
Revises:
Create Date: 2026-11-26 04:41:46
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision: str = "3f1c2a9d4e10"
down_revision: str | None = None
branch_labels: str | None = None
depends_on: str | None = None

# Full-text search over the article's words, for SQLite only. An external-content FTS5
# table stores no text of its own; the triggers keep its index in step with `article`.
# Only edits to the indexed columns touch it (last_seen_at moves on every crawl).
# SQLite drops a table's triggers with the table: a later migration that rebuilds
# `article` (batch mode) must create these triggers again.
FTS_STATEMENTS = (
    """
    CREATE VIRTUAL TABLE article_fts USING fts5(
        title, summary, body, content='article', content_rowid='id'
    )
    """,
    """
    CREATE TRIGGER article_fts_after_insert AFTER INSERT ON article BEGIN
        INSERT INTO article_fts (rowid, title, summary, body)
        VALUES (new.id, new.title, new.summary, new.body);
    END
    """,
    """
    CREATE TRIGGER article_fts_after_delete AFTER DELETE ON article BEGIN
        INSERT INTO article_fts (article_fts, rowid, title, summary, body)
        VALUES ('delete', old.id, old.title, old.summary, old.body);
    END
    """,
    """
    CREATE TRIGGER article_fts_after_update AFTER UPDATE OF title, summary, body ON article
    BEGIN
        INSERT INTO article_fts (article_fts, rowid, title, summary, body)
        VALUES ('delete', old.id, old.title, old.summary, old.body);
        INSERT INTO article_fts (rowid, title, summary, body)
        VALUES (new.id, new.title, new.summary, new.body);
    END
    """,
)

# One flat row per article for analysts (Datasette, sqlite-utils, spreadsheets). Authors
# and tags are joined with "; " in page order: names may contain commas ("Smith, Jr.").
SUMMARY_VIEW = """
CREATE VIEW article_summary AS
SELECT
    article.id AS article_id,
    article.url AS url,
    site.host AS site,
    article.title AS title,
    article.published AS published,
    article.published_at AS published_at,
    ({authors}) AS authors,
    ({tags}) AS tags,
    article.section AS section,
    article.first_seen_at AS first_seen_at,
    article.last_seen_at AS last_seen_at,
    (SELECT count(*) FROM article_version WHERE article_version.article_id = article.id)
        AS versions
FROM article JOIN site ON site.id = article.site_id
"""

# SQLite's group_concat keeps the order of an ordered subquery (it has no ORDER BY
# argument before 3.44); PostgreSQL says the order outright.
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
    op.create_table(
        "author",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_author")),
        sa.UniqueConstraint("name", name=op.f("uq_author_name")),
    )
    op.create_table(
        "tag",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_tag")),
        sa.UniqueConstraint("name", name=op.f("uq_tag_name")),
    )
    op.create_table(
        "crawl_run",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("started_at", sa.DateTime(), nullable=False),
        sa.Column("finished_at", sa.DateTime(), nullable=True),
        sa.Column("arguments", sa.JSON(), nullable=False),
        sa.Column("counts", sa.JSON(), nullable=True),
        sa.Column("finish_reason", sa.String(length=100), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_crawl_run")),
    )
    op.create_table(
        "site",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("host", sa.String(length=255), nullable=False),
        sa.Column("first_seen_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_site")),
        sa.UniqueConstraint("host", name=op.f("uq_site_host")),
    )
    op.create_table(
        "article",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("archive_key", sa.Text(), nullable=False),
        sa.Column("url", sa.Text(), nullable=False),
        sa.Column("canonical_url", sa.Text(), nullable=True),
        sa.Column("site_id", sa.Integer(), nullable=False),
        sa.Column("title", sa.Text(), nullable=True),
        sa.Column("summary", sa.Text(), nullable=True),
        sa.Column("published", sa.String(length=40), nullable=True),
        sa.Column("published_at", sa.DateTime(), nullable=True),
        sa.Column("modified", sa.String(length=40), nullable=True),
        sa.Column("section", sa.Text(), nullable=True),
        sa.Column("language", sa.String(length=35), nullable=True),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("provenance", sa.JSON(), nullable=False),
        sa.Column("content_hash", sa.String(length=64), nullable=False),
        sa.Column("fetched_at", sa.DateTime(), nullable=True),
        sa.Column("first_seen_at", sa.DateTime(), nullable=False),
        sa.Column("last_seen_at", sa.DateTime(), nullable=False),
        sa.Column("current_version", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["site_id"], ["site.id"], name=op.f("fk_article_site_id_site")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_article")),
        sa.UniqueConstraint("archive_key", name=op.f("uq_article_archive_key")),
    )
    with op.batch_alter_table("article") as batch_op:
        batch_op.create_index(batch_op.f("ix_article_content_hash"), ["content_hash"])
        batch_op.create_index(batch_op.f("ix_article_published_at"), ["published_at"])
        batch_op.create_index(batch_op.f("ix_article_site_id"), ["site_id"])

    op.create_table(
        "fetch_failure",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("url", sa.Text(), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("status", sa.Integer(), nullable=True),
        sa.Column("failed_at", sa.DateTime(), nullable=False),
        sa.Column("crawl_run_id", sa.Integer(), nullable=True),
        sa.Column("resolved_at", sa.DateTime(), nullable=True),
        sa.ForeignKeyConstraint(
            ["crawl_run_id"], ["crawl_run.id"],
            name=op.f("fk_fetch_failure_crawl_run_id_crawl_run"), ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_fetch_failure")),
    )
    with op.batch_alter_table("fetch_failure") as batch_op:
        batch_op.create_index(batch_op.f("ix_fetch_failure_crawl_run_id"), ["crawl_run_id"])
        batch_op.create_index(batch_op.f("ix_fetch_failure_url"), ["url", "resolved_at"])

    op.create_table(
        "article_version",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("article_id", sa.Integer(), nullable=False),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("content_hash", sa.String(length=64), nullable=False),
        sa.Column("record", sa.JSON(), nullable=False),
        sa.Column("seen_at", sa.DateTime(), nullable=False),
        sa.Column("crawl_run_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["article_id"], ["article.id"],
            name=op.f("fk_article_version_article_id_article"), ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["crawl_run_id"], ["crawl_run.id"],
            name=op.f("fk_article_version_crawl_run_id_crawl_run"), ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_article_version")),
        sa.UniqueConstraint(
            "article_id", "number", name=op.f("uq_article_version_article_id_number")
        ),
    )
    with op.batch_alter_table("article_version") as batch_op:
        batch_op.create_index(batch_op.f("ix_article_version_crawl_run_id"), ["crawl_run_id"])

    for table in ("author", "tag"):
        op.create_table(
            f"article_{table}",
            sa.Column("id", sa.Integer(), nullable=False),
            sa.Column("article_id", sa.Integer(), nullable=False),
            sa.Column(f"{table}_id", sa.Integer(), nullable=False),
            sa.Column("position", sa.Integer(), nullable=False),
            sa.ForeignKeyConstraint(
                ["article_id"], ["article.id"],
                name=op.f(f"fk_article_{table}_article_id_article"), ondelete="CASCADE",
            ),
            sa.ForeignKeyConstraint(
                [f"{table}_id"], [f"{table}.id"],
                name=op.f(f"fk_article_{table}_{table}_id_{table}"),
            ),
            sa.PrimaryKeyConstraint("id", name=op.f(f"pk_article_{table}")),
            sa.UniqueConstraint(
                "article_id", "position", name=op.f(f"uq_article_{table}_article_id_position")
            ),
        )
        with op.batch_alter_table(f"article_{table}") as batch_op:
            batch_op.create_index(batch_op.f(f"ix_article_{table}_{table}_id"), [f"{table}_id"])

    op.create_table(
        "article_list",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("article_id", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("heading", sa.Text(), nullable=True),
        sa.Column("ordered", sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(
            ["article_id"], ["article.id"],
            name=op.f("fk_article_list_article_id_article"), ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_article_list")),
        sa.UniqueConstraint(
            "article_id", "position", name=op.f("uq_article_list_article_id_position")
        ),
    )
    op.create_table(
        "article_list_item",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("article_list_id", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(
            ["article_list_id"], ["article_list.id"],
            name=op.f("fk_article_list_item_article_list_id_article_list"), ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_article_list_item")),
        sa.UniqueConstraint(
            "article_list_id", "position",
            name=op.f("uq_article_list_item_article_list_id_position"),
        ),
    )
    op.create_table(
        "article_link",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("article_id", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("url", sa.Text(), nullable=False),
        sa.Column("title", sa.Text(), nullable=False),
        sa.Column("teaser", sa.Text(), nullable=True),
        sa.Column("comments", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["article_id"], ["article.id"],
            name=op.f("fk_article_link_article_id_article"), ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_article_link")),
        sa.UniqueConstraint(
            "article_id", "position", name=op.f("uq_article_link_article_id_position")
        ),
    )
    op.create_table(
        "article_image",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("article_id", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("url", sa.Text(), nullable=False),
        sa.Column("caption", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(
            ["article_id"], ["article.id"],
            name=op.f("fk_article_image_article_id_article"), ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_article_image")),
        sa.UniqueConstraint(
            "article_id", "position", name=op.f("uq_article_image_article_id_position")
        ),
    )

    if is_sqlite():
        for statement in FTS_STATEMENTS:
            op.execute(statement)
        joined = SQLITE_JOINED
    else:
        joined = STANDARD_JOINED
    op.execute(
        SUMMARY_VIEW.format(authors=joined.format(table="author"), tags=joined.format(table="tag"))
    )


def downgrade() -> None:
    op.execute("DROP VIEW article_summary")
    if is_sqlite():
        for trigger in ("insert", "update", "delete"):
            op.execute(f"DROP TRIGGER article_fts_after_{trigger}")
        op.execute("DROP TABLE article_fts")
    for table in (
        "article_image", "article_link", "article_list_item", "article_list", "article_tag",
        "article_author", "article_version", "fetch_failure", "article", "site", "crawl_run",
        "tag", "author",
    ):
        op.drop_table(table)
