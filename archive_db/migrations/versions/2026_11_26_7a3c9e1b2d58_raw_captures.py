"""Raw captures: every response as received, bodies stored once by payload digest.

- `payload`: a response body, compressed, unique by its WARC-style payload digest.
- `capture`: one response (URL, status, protocol, headers, fetch time, the request's
  method and headers), pointing at its payload; what a WARC request/response pair holds.
- `article_version` gains `origin` ("crawl", "reparse", "warc-import"), `parser_version`
  and `capture_id`: a re-parse of an old capture adds a version that says so.

Revision ID: 7a3c9e1b2d58
Revises: 5e2b7c9d0f41
Create Date: 2026-11-26 16:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision: str = "7a3c9e1b2d58"
down_revision: str | None = "5e2b7c9d0f41"
branch_labels: str | None = None
depends_on: str | None = None


def upgrade() -> None:
    op.create_table(
        "payload",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("digest", sa.String(length=64), nullable=False),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("compression", sa.String(length=16), nullable=False),
        sa.Column("data", sa.LargeBinary(), nullable=False),
        sa.Column("first_seen_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_payload")),
        sa.UniqueConstraint("digest", name=op.f("uq_payload_digest")),
    )
    op.create_table(
        "capture",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("url", sa.Text(), nullable=False),
        sa.Column("method", sa.String(length=10), nullable=False),
        sa.Column("request_headers", sa.JSON(), nullable=False),
        sa.Column("status", sa.Integer(), nullable=False),
        sa.Column("protocol", sa.String(length=16), nullable=True),
        sa.Column("response_headers", sa.JSON(), nullable=False),
        sa.Column("payload_id", sa.Integer(), nullable=False),
        sa.Column("fetched_at", sa.DateTime(), nullable=False),
        sa.Column("crawl_run_id", sa.Integer(), nullable=True),
        sa.Column("source", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(
            ["crawl_run_id"],
            ["crawl_run.id"],
            name=op.f("fk_capture_crawl_run_id_crawl_run"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["payload_id"], ["payload.id"], name=op.f("fk_capture_payload_id_payload")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_capture")),
    )
    op.create_index(op.f("ix_capture_crawl_run_id"), "capture", ["crawl_run_id"])
    op.create_index(op.f("ix_capture_fetched_at"), "capture", ["fetched_at"])
    op.create_index(op.f("ix_capture_payload_id"), "capture", ["payload_id"])
    op.create_index(op.f("ix_capture_url"), "capture", ["url", "fetched_at"])
    # Plain ALTER TABLE, no batch copy: copying article_version would break the views that
    # count versions (so capture_id is no foreign key: SQLite adds none without a copy).
    op.add_column(
        "article_version",
        sa.Column("origin", sa.String(length=16), server_default="crawl", nullable=False),
    )
    op.add_column("article_version", sa.Column("parser_version", sa.String(40), nullable=True))
    op.add_column("article_version", sa.Column("capture_id", sa.Integer(), nullable=True))
    op.create_index(op.f("ix_article_version_capture_id"), "article_version", ["capture_id"])


def downgrade() -> None:
    op.drop_index(op.f("ix_article_version_capture_id"), table_name="article_version")
    for column in ("capture_id", "parser_version", "origin"):
        # SQLite has dropped columns in place since 3.35; no batch copy (see upgrade).
        op.execute(f"ALTER TABLE article_version DROP COLUMN {column}")
    op.drop_table("capture")
    op.drop_table("payload")
