"""Incremental crawling and extraction health.

- `article` gains what the next crawl needs to decide whether and how to fetch a page
  again: the HTTP validators of its last full response (`etag`, `http_last_modified`),
  when it was last confirmed (`last_checked_at`), the date its sitemap or feed listed it
  with (`listed_modified_at`), and `gone_at`/`gone_status` for a page that answered 404 or
  410 after being archived (the article is kept, marked).
- `crawl_run` gains `site` (the profile's name) and the extraction health of the run: how
  many article pages were parsed and how many had a title, a date, an author and a body.
- `article_latest` shows `gone_at` last, so an analyst sees which articles the site removed.

Columns are added with plain ALTER TABLE (no batch copy: copying `article` would break the
views and full-text triggers that name it).

Revision ID: 5e2b7c9d0f41
Revises: 151086da13c9
Create Date: 2026-11-26 15:20:00
"""

from __future__ import annotations

import importlib

import sqlalchemy as sa
from alembic import op

revision: str = "5e2b7c9d0f41"
down_revision: str | None = "151086da13c9"
branch_labels: str | None = None
depends_on: str | None = None

# The view as the previous migration made it; a migration is a snapshot and that one's
# text never changes.
_previous = importlib.import_module(
    "archive_db.migrations.versions.2026_11_26_151086da13c9_latest_json_arrays"
)

ARTICLE_COLUMNS = (
    sa.Column("etag", sa.Text(), nullable=True),
    sa.Column("http_last_modified", sa.Text(), nullable=True),
    sa.Column("last_checked_at", sa.DateTime(), nullable=True),
    sa.Column("listed_modified_at", sa.DateTime(), nullable=True),
    sa.Column("gone_at", sa.DateTime(), nullable=True),
    sa.Column("gone_status", sa.Integer(), nullable=True),
)
HEALTH_COLUMNS = ("articles_parsed", "with_title", "with_published", "with_authors", "with_body")
GONE_COLUMN = """,
    article.gone_at AS gone_at"""


def is_sqlite() -> bool:
    return op.get_context().dialect.name == "sqlite"


def upgrade() -> None:
    op.execute("DROP VIEW article_latest")
    for column in ARTICLE_COLUMNS:
        op.add_column("article", column)
    op.add_column("crawl_run", sa.Column("site", sa.String(length=255), nullable=True))
    for name in HEALTH_COLUMNS:
        op.add_column("crawl_run", sa.Column(name, sa.Integer(), nullable=True))
    op.create_index(op.f("ix_crawl_run_site"), "crawl_run", ["site"])
    op.execute(_previous.LATEST_VIEW.format(extra=_previous.json_columns() + GONE_COLUMN))


def downgrade() -> None:
    op.execute("DROP VIEW article_latest")
    op.drop_index(op.f("ix_crawl_run_site"), table_name="crawl_run")
    dropped = {
        "crawl_run": ["site", *HEALTH_COLUMNS],
        "article": [column.name for column in ARTICLE_COLUMNS],
    }
    for table, columns in dropped.items():
        for column in columns:
            # SQLite has dropped columns in place since 3.35; no batch copy (see above).
            op.execute(f"ALTER TABLE {table} DROP COLUMN {column}")
    op.execute(_previous.LATEST_VIEW.format(extra=_previous.json_columns()))
