"""Archive query speed on a synthetic archive: search, a filtered export, site statistics.

Run by hand (never by the test suite):

    .venv/bin/python -m bench.archive_queries                        # 100,000 articles
    .venv/bin/python -m bench.archive_queries --write docs/benchmarks.md
    .venv/bin/python -m bench.archive_queries --articles 5000 --rounds 3   # a quick look

It builds the archive the fastest honest way: `upgrade_archive` makes the real schema
(FTS5 index and its triggers included), then SQLAlchemy Core inserts articles, their
authors, tags and version 1 rows in batches, so the triggers index every article as a
crawl's inserts would. Then it times the library's own queries (`search_articles`,
`exported_articles`, `site_statistics`) and, as a baseline, the same question asked in
plain SQL through `sqlite3`, reporting medians of several rounds after one warm-up.
"""

from __future__ import annotations

import argparse
import dataclasses
import random
import sqlite3
import statistics
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import insert
from sqlalchemy.orm import Session

from archive_db.engine import make_engine, readonly_engine
from archive_db.migrations import upgrade_archive
from archive_db.models import (
    Article,
    ArticleAuthor,
    ArticleTag,
    ArticleVersion,
    Author,
    Site,
    Tag,
)
from archive_db.queries import exported_articles, site_statistics
from archive_db.search import search_articles
from archive_db.writes import content_hash_of
from bench.report import command_line, how_it_was_run, publish
from items import ArticleRecord, record_to_json

SECTION = "## Archive queries"
SEED = 20261126
SITES = 20
AUTHORS_PER_SITE = 25
TAGS = 300
FIRST_DAY = date(2021, 1, 1)
DAYS = 5 * 365
BATCH = 2_000
GOAL_SECONDS = 1.0
SITE_IDS = {f"www.site{number:02d}-news.test": number + 1 for number in range(SITES)}

# The planted words: "council" in most articles, "county council" as a phrase in some,
# "quarantine" in about one article in 2,000 (so a rare word has a few dozen hits).
COMMON_WORD = "council"
PHRASE = '"county council"'
RARE_WORD = "quarantine"
RARE_SHARE = 1 / 2000


def words_of(text: str) -> tuple[str, ...]:
    """The words of a long literal, kept readable as running text."""
    return tuple(text.split())


# A plain English vocabulary, weighted by rank (Zipf) when bodies are drawn from it.
WORDS = words_of(
    "the of and to in a is that for it as was with be by on not he this are or his from "
    "at which but have an they you were her she there been one all we their has would "
    "when who will more no if out so said what up its about than into them can only other "
    "new some could time these two may then do first any my now such like our over man me "
    "even most made after also did many before must through back years where much your "
    "way well down should because each just those people how too little state good very "
    "make world still own see men work long get here between both life being under never "
    "day same another know while last might us great old year off come since against go "
    "came right used take three police school road council town city hospital residents "
    "plans money budget week local community families children business centre services "
    "health park station river village market library staff report court housing bus "
    "train museum festival club football team match season players manager fans charity "
    "volunteers event officers parking traffic development homes planning application "
    "meeting members councillors leader mayor election campaign support funding scheme "
    "project construction works bridge closure weather flooding storm fire crews crash "
    "victims investigation arrested charged trial sentenced prison jury judge evidence "
    "statement spokesperson told added according announced confirmed revealed warned"
)
SURNAMES = words_of(
    "Smith Jones Taylor Brown Williams Wilson Johnson Davies Robinson Wright Thompson Evans "
    "Walker White Roberts Green Hall Wood Jackson Clarke Patel Khan Lewis James Phillips"
)
GIVEN = words_of(
    "Amy Ben Chloe Dan Emma Finn Grace Harry Isla Jack Kate Leo Mia Noah Olivia Paul Ruby "
    "Sam Tom Zara"
)
SECTIONS = ("News", "Sport", "Business", "Politics", "Health", "Education", "Opinion")


@dataclass(frozen=True, slots=True)
class Timing:
    """One timed question: the library call and its plain-SQL baseline."""

    name: str
    rows: int  # what the library call returned
    median: float  # seconds
    first: float  # the warm-up run
    baseline_median: float | None
    baseline_rows: int | None
    matches: int | None = None  # for searches: every article the query matches


def host_of(number: int) -> str:
    """The host name of synthetic site `number` (0-based); its site.id is number + 1."""
    return f"www.site{number:02d}-news.test"


def body_of(rng: random.Random, weights: list[float], *, rare: bool) -> str:
    """2-10 KB of text in paragraphs, with the planted words."""
    target = rng.randint(2_000, 10_000)
    paragraphs, size = [], 0
    while size < target:
        words = rng.choices(WORDS, cum_weights=weights, k=rng.randint(30, 90))
        if rng.random() < 0.35:
            words.insert(rng.randrange(len(words)), "county council")
        paragraph = " ".join(words).capitalize() + "."
        paragraphs.append(paragraph)
        size += len(paragraph) + 2
    if rare:
        paragraphs.insert(rng.randrange(len(paragraphs)), f"The {RARE_WORD} ended on Monday.")
    return "\n\n".join(paragraphs)


def synthetic_records(count: int) -> Iterator[tuple[ArticleRecord, datetime]]:
    """`count` records over SITES sites and five years, with the time each was seen."""
    rng = random.Random(SEED)
    cumulative, total = [], 0.0
    for rank in range(1, len(WORDS) + 1):
        total += 1 / rank
        cumulative.append(total)
    authors = {
        site: [f"{rng.choice(GIVEN)} {rng.choice(SURNAMES)}" for _ in range(AUTHORS_PER_SITE)]
        for site in range(SITES)
    }
    tags = [f"{rng.choice(WORDS)}-{number}" for number in range(TAGS)]
    for number in range(count):
        site = rng.randrange(SITES)
        day = FIRST_DAY + timedelta(days=rng.randrange(DAYS))
        published = datetime(day.year, day.month, day.day, rng.randrange(24), tzinfo=UTC)
        host = host_of(site)
        url = f"https://{host}/news/{day:%Y/%m}/story-{number}"
        title_words = rng.choices(WORDS, cum_weights=cumulative, k=rng.randint(5, 11))
        record = ArticleRecord(
            url=url,
            canonical_url=url,
            site=host,
            title=" ".join(title_words).capitalize(),
            summary=" ".join(rng.choices(WORDS, cum_weights=cumulative, k=20)).capitalize(),
            published=published,
            modified=None,
            authors=tuple(dict.fromkeys(rng.sample(authors[site], rng.choice((1, 1, 1, 2))))),
            section=rng.choice(SECTIONS),
            tags=tuple(rng.sample(tags, rng.randint(0, 4))),
            language="en",
            body=body_of(rng, cumulative, rare=rng.random() < RARE_SHARE),
            lists=(),
            related=(),
            images=(),
            provenance={"title": "json-ld", "published": "json-ld", "body": "structure"},
            fetched_at=published + timedelta(hours=2),
        )
        yield record, published + timedelta(hours=2)


def build_archive(path: Path, count: int) -> None:
    """A synthetic archive of `count` articles at `path`, through the real schema."""
    engine = make_engine(str(path))
    try:
        upgrade_archive(engine)
        with Session(engine) as session:
            started = datetime(2020, 12, 31, tzinfo=UTC)
            session.execute(
                insert(Site),
                [{"id": n + 1, "host": host_of(n), "first_seen_at": started} for n in range(SITES)],
            )
            author_ids: dict[str, int] = {}
            tag_ids: dict[str, int] = {}
            batch: list[tuple[ArticleRecord, datetime]] = []
            next_id = 1
            for item in synthetic_records(count):
                batch.append(item)
                if len(batch) == BATCH:
                    insert_batch(session, batch, next_id, author_ids, tag_ids)
                    next_id += len(batch)
                    batch = []
                    print(f"\r  {next_id - 1:,} articles", end="", file=sys.stderr, flush=True)
            if batch:
                insert_batch(session, batch, next_id, author_ids, tag_ids)
            session.commit()
            print(file=sys.stderr)
    finally:
        engine.dispose()
    # Outside the engine: its connections always open a transaction, and a WAL checkpoint
    # cannot run inside one ("database table is locked").
    connection = sqlite3.connect(path, isolation_level=None)
    try:
        connection.execute("ANALYZE")
        connection.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    finally:
        connection.close()


def insert_batch(
    session: Session,
    batch: list[tuple[ArticleRecord, datetime]],
    first_id: int,
    author_ids: dict[str, int],
    tag_ids: dict[str, int],
) -> None:
    """One executemany per table for `batch`, ids assigned from `first_id`."""
    for ids, names, model in ((author_ids, "authors", Author), (tag_ids, "tags", Tag)):
        new = sorted({name for record, _ in batch for name in getattr(record, names)} - ids.keys())
        if new:
            start = len(ids) + 1
            session.execute(
                insert(model), [{"id": start + i, "name": name} for i, name in enumerate(new)]
            )
            ids.update({name: start + i for i, name in enumerate(new)})
    articles, versions, article_authors, article_tags = [], [], [], []
    for offset, (record, seen_at) in enumerate(batch):
        article_id = first_id + offset
        content_hash = content_hash_of(record)
        articles.append(
            {
                "id": article_id,
                "archive_key": record.archive_key,
                "url": record.url,
                "canonical_url": record.canonical_url,
                "site_id": SITE_IDS[record.site],
                "title": record.title,
                "summary": record.summary,
                "published": record.published,
                "published_at": record.published,
                "modified": None,
                "section": record.section,
                "language": record.language,
                "body": record.body,
                "provenance": dict(record.provenance),
                "content_hash": content_hash,
                "fetched_at": record.fetched_at,
                "first_seen_at": seen_at,
                "last_seen_at": seen_at,
                "current_version": 1,
                "authors_text": "; ".join(record.authors) or None,
                "tags_text": "; ".join(record.tags) or None,
            }
        )
        versions.append(
            {
                "article_id": article_id,
                "number": 1,
                "content_hash": content_hash,
                "record": record_to_json(record),
                "seen_at": seen_at,
                "crawl_run_id": None,
            }
        )
        article_authors += [
            {"article_id": article_id, "author_id": author_ids[name], "position": position}
            for position, name in enumerate(record.authors)
        ]
        article_tags += [
            {"article_id": article_id, "tag_id": tag_ids[name], "position": position}
            for position, name in enumerate(record.tags)
        ]
    session.execute(insert(Article), articles)
    session.execute(insert(ArticleVersion), versions)
    if article_authors:
        session.execute(insert(ArticleAuthor), article_authors)
    if article_tags:
        session.execute(insert(ArticleTag), article_tags)


def timed(call: Callable[[], int], rounds: int) -> tuple[int, float, float]:
    """(rows, median seconds, first seconds) over one warm-up and `rounds` timed runs."""
    times = []
    rows = 0
    for _ in range(rounds + 1):
        start = time.perf_counter()
        rows = call()
        times.append(time.perf_counter() - start)
    return rows, statistics.median(times[1:]), times[0]


SQL_SEARCH = """
SELECT article.url, article.title, site.host, article.published,
       bm25(article_fts, 10.0, 4.0, 1.0, 3.0, 3.0) AS rank,
       snippet(article_fts, -1, '«', '»', '…', 16)
FROM article_fts JOIN article ON article.id = article_fts.rowid
JOIN site ON site.id = article.site_id
WHERE article_fts MATCH :query {extra}
ORDER BY rank, article.id LIMIT 20
"""
SQL_MATCHES = """
SELECT count(*) FROM article_fts JOIN article ON article.id = article_fts.rowid
WHERE article_fts MATCH :query {extra}
"""
SQL_EXPORT = """
SELECT article.*, (SELECT count(*) FROM article_version v WHERE v.article_id = article.id),
       (SELECT group_concat(author.name, '; ') FROM article_author JOIN author
          ON author.id = article_author.author_id WHERE article_author.article_id = article.id)
FROM article JOIN site ON site.id = article.site_id
WHERE site.host = :host AND article.published_at >= :low AND article.published_at < :high
ORDER BY article.id
"""
SQL_STATS = """
SELECT site.host, count(article.id), min(article.published_at), max(article.published_at),
       sum(coalesce(article.title, '') != ''), sum(article.published IS NOT NULL),
       sum(article.authors_text IS NOT NULL), sum(coalesce(article.summary, '') != ''),
       sum(coalesce(article.section, '') != ''), sum(article.tags_text IS NOT NULL),
       sum(EXISTS (SELECT 1 FROM article_list WHERE article_list.article_id = article.id)),
       sum(EXISTS (SELECT 1 FROM article_link WHERE article_link.article_id = article.id)),
       sum(EXISTS (SELECT 1 FROM article_image WHERE article_image.article_id = article.id))
FROM site JOIN article ON article.site_id = site.id GROUP BY site.host ORDER BY site.host
"""


def run_timings(path: Path, rounds: int) -> list[Timing]:
    """Each question through the library (a read-only engine) and through plain sqlite3."""
    engine = readonly_engine(str(path))
    raw = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    site_number = 3
    site, site_id = host_of(site_number), site_number + 1
    month_low, month_high = date(2023, 6, 1), date(2023, 7, 1)
    utc_text = "%Y-%m-%d %H:%M:%S.%f"  # how UTCDateTime stores an instant in SQLite

    def sql_rows(statement: str, **params: Any) -> Callable[[], int]:
        return lambda: len(raw.execute(statement, params).fetchall())

    searches = [
        (f"search: common word ({COMMON_WORD})", COMMON_WORD, None),
        (f"search: rare word ({RARE_WORD})", RARE_WORD, None),
        (f"search: phrase ({PHRASE})", PHRASE, None),
        (f"search: common word, one site ({COMMON_WORD})", COMMON_WORD, site),
        ("search: two words (budget police)", "budget police", None),
    ]
    results = []
    try:
        with Session(engine) as session:
            for name, query, only in searches:

                def library(query: str = query, only: str | None = only) -> int:
                    return len(search_articles(session, query, site=only, limit=20))

                extra = "AND article.site_id = :site_id" if only else ""
                baseline = sql_rows(SQL_SEARCH.format(extra=extra), query=query, site_id=site_id)
                timing = measure(name, library, baseline, rounds)
                matches = raw.execute(
                    SQL_MATCHES.format(extra=extra), {"query": query, "site_id": site_id}
                ).fetchone()[0]
                results.append(dataclasses.replace(timing, matches=matches))

            def export() -> int:
                return sum(
                    1
                    for _ in exported_articles(
                        session, site=site, since=month_low, until=month_high
                    )
                )

            results.append(
                measure(
                    f"export: one site, one month ({site}, 2023-06)",
                    export,
                    sql_rows(
                        SQL_EXPORT,
                        host=site,
                        low=f"{datetime(2023, 6, 1):{utc_text}}",
                        high=f"{datetime(2023, 7, 1):{utc_text}}",
                    ),
                    rounds,
                )
            )
            results.append(
                measure(
                    "site_statistics (every site)",
                    lambda: len(site_statistics(session)),
                    sql_rows(SQL_STATS),
                    rounds,
                )
            )
    finally:
        raw.close()
        engine.dispose()
    return results


def measure(
    name: str, library: Callable[[], int], baseline: Callable[[], int], rounds: int
) -> Timing:
    rows, median, first = timed(library, rounds)
    baseline_rows, baseline_median, _ = timed(baseline, rounds)
    print(f"  {name}: {median * 1000:.1f} ms (sqlite3 {baseline_median * 1000:.1f} ms)")
    return Timing(name, rows, median, first, baseline_median, baseline_rows)


def section_text(
    timings: list[Timing], *, count: int, size: int, build_seconds: float | None, command: str
) -> str:
    rows = [
        "| query | matches | rows | median ms | first ms | sqlite3 ms | ratio |",
        "|---|---|---|---|---|---|---|",
    ]
    for timing in timings:
        base = timing.baseline_median
        rows.append(
            f"| {timing.name} | {'n/a' if timing.matches is None else f'{timing.matches:,}'} | "
            f"{timing.rows} | {timing.median * 1000:.1f} | "
            f"{timing.first * 1000:.1f} | "
            f"{'n/a' if base is None else f'{base * 1000:.1f}'} | "
            f"{'n/a' if not base else f'{timing.median / base:.2f}x'} |"
        )
    slowest = max(timings, key=lambda timing: timing.median)
    goal = [t for t in timings if t.name.startswith(("search", "export"))]
    worst = max(goal, key=lambda timing: timing.median)
    verdict = "met" if worst.median < GOAL_SECONDS else "**not met**"
    built = (
        "an archive built earlier" if build_seconds is None else f"built in {build_seconds:.0f} s"
    )
    return "\n".join(
        [
            SECTION,
            "",
            f"Query times on a synthetic archive of {count:,} articles "
            f"({SITES} sites, 2021-2025, bodies of 2-10 KB, 1-2 authors and 0-4 tags each, "
            f"one version each; file {size / 2**20:,.0f} MiB, {built} through the real "
            "schema, the FTS5 triggers indexing every insert).",
            "",
            *rows,
            "",
            "matches: articles the search query matches, all of which bm25 must rank; rows: "
            "what the library call returned (searches stop at 20, best first). median ms: "
            "the median of the timed rounds after a warm-up run; first ms: that warm-up run "
            "(SQLite's page cache empty, the OS file cache warm from the build). sqlite3 "
            "ms: the same question as plain SQL through `sqlite3` (searches: the same "
            "MATCH, bm25 ranking, snippet and limit; "
            "export: the article rows with version counts and authors, no ORM objects; "
            "statistics: the same GROUP BY); ratio: library / sqlite3.",
            "",
            f"Goal (issue 4): a search or a filtered export of one site and month in well "
            f"under a second: slowest {worst.name} at {worst.median * 1000:.0f} ms: {verdict}. "
            f"Slowest of all: {slowest.name} at {slowest.median * 1000:.0f} ms.",
            "",
            *how_it_was_run(command, more=(f"- SQLite {sqlite3.sqlite_version}",)),
        ]
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--articles", type=int, default=100_000, help="archive size")
    parser.add_argument("--rounds", type=int, default=5, help="timed runs per query")
    parser.add_argument("--db", type=Path, help="reuse (or keep) the archive at this path")
    parser.add_argument("--write", type=Path, help="rewrite the section of this Markdown file")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="archive-bench-") as folder:
        path = args.db or Path(folder) / "bench.sqlite"
        build_seconds: float | None = None
        if not path.exists():
            print(f"building {args.articles:,} articles in {path}", file=sys.stderr)
            start = time.perf_counter()
            build_archive(path, args.articles)
            build_seconds = time.perf_counter() - start
        with sqlite3.connect(f"file:{path}?mode=ro", uri=True) as raw:
            count = raw.execute("SELECT count(*) FROM article").fetchone()[0]
        raw.close()
        timings = run_timings(path, args.rounds)
        command = command_line("bench.archive_queries", argv)
        section = section_text(
            timings,
            count=count,
            size=path.stat().st_size,
            build_seconds=build_seconds,
            command=command,
        )
    publish(section, SECTION, args.write)
    return 0


if __name__ == "__main__":
    sys.exit(main())
