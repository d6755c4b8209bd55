"""article_latest gains `authors_json` and `tags_json`: the names as JSON arrays, page order.

Datasette facets a column holding JSON arrays (``{"array": "authors_json"}``: one facet
value per name, so "articles per author" is one click), but it cannot split the
"; "-joined `authors` and `tags` text. Both new columns are always an array, ``[]`` for
an article with no author or tag, never NULL.

The view is dropped and created again (neither backend alters a view's columns in
place); every earlier column keeps its name and position, the two new ones come last.

- SQLite: `json_group_array` over the join table read in page order. As with
  `group_concat` in the earlier migrations, the aggregate keeps the order of an ordered
  subquery (SQLite has no ORDER BY inside an aggregate before 3.44). The value is TEXT
  holding JSON, which is what Datasette and sqlite-utils expect.
- PostgreSQL: ``jsonb_agg(name ORDER BY position)``, ``'[]'`` when there is none. jsonb
  rather than text so that analysts can write ``authors_json ? 'Jane Reporter'`` or
  ``jsonb_array_elements_text(tags_json)``; jsonb keeps an array's order.

Revision ID: 151086da13c9
Revises: c4d9e2f7a361
Create Date: 2026-11-26 06:35:00
"""

from __future__ import annotations

from alembic import op

revision: str = "151086da13c9"
down_revision: str | None = "c4d9e2f7a361"
branch_labels: str | None = None
depends_on: str | None = None

# The columns article_latest had before this migration (as migration 8b7e5d2c1a94 made
# them), followed by `{extra}`. Written out here rather than imported: a migration is a
# snapshot and must not change when a later one does.
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
    article.current_version AS current_version{extra}
FROM article JOIN site ON site.id = article.site_id
"""

JSON_COLUMNS = """,
    ({authors}) AS authors_json,
    ({tags}) AS tags_json"""

# json_group_array of no rows is '[]', so SQLite needs no COALESCE.
SQLITE_ARRAY = (
    "SELECT json_group_array(name) FROM (SELECT {table}.name AS name FROM article_{table} "
    "JOIN {table} ON {table}.id = article_{table}.{table}_id "
    "WHERE article_{table}.article_id = article.id ORDER BY article_{table}.position)"
)
# jsonb_agg of no rows is NULL, hence the COALESCE.
POSTGRESQL_ARRAY = (
    "SELECT COALESCE(jsonb_agg({table}.name ORDER BY article_{table}.position), "
    "'[]'::jsonb) FROM article_{table} JOIN {table} ON {table}.id = article_{table}.{table}_id "
    "WHERE article_{table}.article_id = article.id"
)


def is_sqlite() -> bool:
    return op.get_context().dialect.name == "sqlite"


def json_columns() -> str:
    """The two new columns, in this backend's SQL."""
    array = SQLITE_ARRAY if is_sqlite() else POSTGRESQL_ARRAY
    return JSON_COLUMNS.format(authors=array.format(table="author"), tags=array.format(table="tag"))


def upgrade() -> None:
    op.execute("DROP VIEW article_latest")
    op.execute(LATEST_VIEW.format(extra=json_columns()))


def downgrade() -> None:
    op.execute("DROP VIEW article_latest")
    op.execute(LATEST_VIEW.format(extra=""))
