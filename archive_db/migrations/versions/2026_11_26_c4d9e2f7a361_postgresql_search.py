"""PostgreSQL full-text search: a weighted `article.search_vector` and its GIN index.

On PostgreSQL, `article.search_vector` is a STORED generated column: title (weight A),
summary (B), authors and tags (C) and body (D), the same order of importance as the
SQLite index's bm25 weights. A stored column rather than an expression index because
ranking (`ts_rank_cd`) reads the vector of every matching row: stored, it is read from
the row; as an expression index, the body would be parsed again for each hit of each
search. The database keeps it in step with every insert and update, with no trigger.

The 'simple' configuration (no stemming, no stop words) matches SQLite's unicode61
tokenizer and suits sites in any language. SQLite keeps its FTS5 index: a no-op there.

Revision ID: c4d9e2f7a361
Revises: 8b7e5d2c1a94
Create Date: 2026-11-26 06:20:00
"""

from __future__ import annotations

from alembic import op

revision: str = "c4d9e2f7a361"
down_revision: str | None = "8b7e5d2c1a94"
branch_labels: str | None = None
depends_on: str | None = None

SEARCH_VECTOR = """
ALTER TABLE article ADD COLUMN search_vector tsvector GENERATED ALWAYS AS (
    setweight(to_tsvector('simple'::regconfig, coalesce(title, '')), 'A')
    || setweight(to_tsvector('simple'::regconfig, coalesce(summary, '')), 'B')
    || setweight(to_tsvector('simple'::regconfig, coalesce(authors_text, '')), 'C')
    || setweight(to_tsvector('simple'::regconfig, coalesce(tags_text, '')), 'C')
    || setweight(to_tsvector('simple'::regconfig, coalesce(body, '')), 'D')
) STORED
"""


def is_postgresql() -> bool:
    return op.get_context().dialect.name == "postgresql"


def upgrade() -> None:
    if not is_postgresql():
        return
    op.execute(SEARCH_VECTOR)
    op.execute("CREATE INDEX ix_article_search_vector ON article USING gin (search_vector)")


def downgrade() -> None:
    if not is_postgresql():
        return
    op.execute("DROP INDEX ix_article_search_vector")
    op.execute("ALTER TABLE article DROP COLUMN search_vector")
