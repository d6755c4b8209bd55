"""Writers side by side on one PostgreSQL archive, as workers on a frontier are: four
processes save the same 60 articles (some with new content) in their own orders and
batches, all at once. The archive ends with each article once, its versions numbered
without gaps, and each author, tag and site once."""

from __future__ import annotations

import subprocess
import sys

from sqlalchemy import create_engine, text

from tests.scaleout.concurrent_writer import ARTICLES

WRITERS = 4


def test_four_processes_saving_the_same_articles_at_once_store_each_once(
    postgres_archive: str,
) -> None:
    writers = [
        subprocess.Popen(
            [sys.executable, "-m", "tests.scaleout.concurrent_writer", postgres_archive, str(n)],
            stderr=subprocess.PIPE,
            text=True,
        )
        for n in range(WRITERS)
    ]
    errors = [writer.communicate(timeout=120)[1] for writer in writers]
    assert [writer.returncode for writer in writers] == [0] * WRITERS, errors
    engine = create_engine(postgres_archive)
    try:
        with engine.connect() as connection:

            def count(sql: str) -> int:
                return int(connection.execute(text(sql)).scalar() or 0)

            assert count("SELECT count(*) FROM article") == ARTICLES
            assert count("SELECT count(DISTINCT archive_key) FROM article") == ARTICLES
            assert count("SELECT count(*) FROM site") == 1
            assert count("SELECT count(*) FROM author") == 7
            assert count("SELECT count(*) FROM tag") == 6
            # Versions 1..n of each article, none lost or doubled, the latest its content.
            gaps = count(
                "SELECT count(*) FROM (SELECT article_id, max(number) AS top, count(*) AS n"
                " FROM article_version GROUP BY article_id) v WHERE v.top <> v.n"
            )
            assert gaps == 0
            behind = count(
                "SELECT count(*) FROM article a WHERE a.current_version <>"
                " (SELECT max(number) FROM article_version v WHERE v.article_id = a.id)"
            )
            assert behind == 0
            edited = count("SELECT count(*) FROM article WHERE current_version > 1")
            assert 0 < edited <= ARTICLES // 3 + 1
            assert count("SELECT count(*) FROM article_author") == ARTICLES
    finally:
        engine.dispose()
