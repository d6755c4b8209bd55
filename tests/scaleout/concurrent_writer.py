"""One writer process of tests/scaleout/test_concurrent_writes.py: saves the shared set of
articles, in its own order and batches, as a worker's archive pipeline would."""

from __future__ import annotations

import random
import sys
from dataclasses import replace
from datetime import timedelta

from sqlalchemy.orm import Session

from archive_db.engine import make_engine
from archive_db.writes import save_articles
from tests.factories import FETCHED_AT, make_record

ARTICLES = 60
BATCH = 15


def records_of(writer: int) -> list:  # type: ignore[type-arg]
    """Every writer's copy of the articles: the same keys; odd writers see every third
    article with a correction (new content), as a worker that fetched it later would."""
    records = []
    for n in range(ARTICLES):
        url = f"https://news.example.org/story-{n}"
        record = make_record(
            url=url,
            canonical_url=url,
            title=f"Story {n}",
            authors=(f"Reporter {n % 7}",),
            tags=(f"tag-{n % 5}", "local"),
        )
        if writer % 2 and n % 3 == 0:
            record = replace(record, body=record.body + f"\n\nCorrection {writer}.")
        records.append(record)
    return records


def main(db_url: str, writer: int) -> None:
    records = records_of(writer)
    random.Random(writer).shuffle(records)
    engine = make_engine(db_url)
    seen_at = FETCHED_AT + timedelta(minutes=writer)
    try:
        for start in range(0, len(records), BATCH):
            batch = records[start : start + BATCH]
            with Session(engine) as session, session.begin():
                save_articles(session, [(r, seen_at) for r in batch], crawl_run_id=None)
    finally:
        engine.dispose()


if __name__ == "__main__":
    main(sys.argv[1], int(sys.argv[2]))
