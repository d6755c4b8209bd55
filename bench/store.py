"""Store throughput: records per second through the archive pipelines, next to executemany.

Run by hand (never by the test suite):

    .venv/bin/python -m bench.store                                  # 2,000 and 10,000 records
    .venv/bin/python -m bench.store --write docs/benchmarks.md       # and rewrite "## Store"
    .venv/bin/python -m bench.store --records 1000 --rounds 1        # a quick look

Each round feeds synthetic ArticleRecords (5-10 KB bodies, authors, tags, lists, related
links and images, all distinct so nothing is dropped) through the pipeline chain exactly
as settings.py's ITEM_PIPELINES configures it (clean, validate, deduplicate, archive, with
its ARCHIVE_BATCH_SIZE), driven by Scrapy's own ItemPipelineManager, into a fresh SQLite
archive A. Then it reads back every row the pipeline wrote, table by table, and times
inserting exactly those rows with plain `sqlite3` `executemany` (one transaction per batch
of the pipeline's size, the writer's PRAGMAs, `BEGIN IMMEDIATE`) into a fresh archive B
made by the same migrations, so the same indexes and FTS5 triggers do the same work.
Rounds alternate the two, so machine noise falls on both. A separate cProfile run shows
where the pipeline's time goes.
"""

from __future__ import annotations

import argparse
import asyncio
import cProfile
import gc
import pstats
import random
import sqlite3
import statistics
import sys
import tempfile
import time
from collections import defaultdict
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta, timezone
from pathlib import Path
from typing import Any

from scrapy import Spider, signals
from scrapy.pipelines import ItemPipelineManager
from scrapy.utils.test import get_crawler

import settings as project_settings
from archive_db.engine import WRITER_PRAGMAS, make_engine
from archive_db.migrations import upgrade_archive
from bench.archive_queries import GIVEN, SECTIONS, SURNAMES, WORDS
from bench.report import command_line, how_it_was_run, publish
from items import ArticleImage, ArticleRecord, ListBlock, RelatedLink
from pipelines.clean import clean_record

SECTION = "## Store"
SEED = 20261126
SITES = 10
AUTHORS_PER_SITE = 30
TAGS = 400
DEFAULT_SIZES = (2_000, 10_000)
GOAL_RATIO = 0.5
# The tables a crawl's articles fill, parents first (the order executemany inserts them).
# fetch_failure stays empty here: every record is a good article.
ARTICLE_TABLES = (
    "site",
    "author",
    "tag",
    "article",
    "article_version",
    "article_author",
    "article_tag",
    "article_list",
    "article_list_item",
    "article_link",
    "article_image",
)
# The tables whose rows are shared between articles, and where an article refers to them.
SHARED_TABLES = {
    "site": ("article", "site_id"),
    "author": ("article_author", "author_id"),
    "tag": ("article_tag", "tag_id"),
}
LOCAL_TIME = timezone(timedelta(hours=1))


def sentence(rng: random.Random, low: int, high: int) -> str:
    return " ".join(rng.choices(WORDS, k=rng.randint(low, high))).capitalize()


def body_text(rng: random.Random) -> str:
    """5-10 KB of paragraphs."""
    target = rng.randint(5_000, 10_000)
    paragraphs: list[str] = []
    size = 0
    while size < target:
        paragraphs.append(sentence(rng, 30, 90) + ".")
        size += len(paragraphs[-1]) + 2
    return "\n\n".join(paragraphs)


def synthetic_records(count: int) -> list[ArticleRecord]:
    """`count` distinct articles over SITES sites, as the parser would hand them on.

    Related links point at earlier articles of the same site (which the archive resolves
    to their ids) and at pages never archived, as a site's sidebars do.
    """
    rng = random.Random(SEED)
    authors = [
        [f"{rng.choice(GIVEN)} {rng.choice(SURNAMES)} {n}" for n in range(AUTHORS_PER_SITE)]
        for _ in range(SITES)
    ]
    tags = [f"{rng.choice(WORDS)} {n}" for n in range(TAGS)]
    urls: list[list[str]] = [[] for _ in range(SITES)]
    fetched = datetime(2026, 11, 1, tzinfo=UTC)
    records = []
    for number in range(count):
        site = rng.randrange(SITES)
        host = f"www.site{site:02d}-news.test"
        day = date(2021, 1, 1) + timedelta(days=rng.randrange(5 * 365))
        canonical = f"https://{host}/news/{day:%Y/%m/%d}/story-{number}"
        earlier = rng.sample(urls[site], min(len(urls[site]), rng.randint(2, 4)))
        unseen = [f"https://{host}/news/elsewhere-{number}-{n}" for n in range(rng.randint(1, 2))]
        published = datetime(day.year, day.month, day.day, rng.randrange(24), tzinfo=LOCAL_TIME)
        records.append(
            ArticleRecord(
                url=canonical + ("?utm_source=feed" if rng.random() < 0.3 else ""),
                canonical_url=canonical,
                site=host,
                title=sentence(rng, 5, 12),
                summary=sentence(rng, 15, 30) + ".",
                published=published,
                modified=day + timedelta(days=1) if rng.random() < 0.2 else None,
                authors=tuple(rng.sample(authors[site], rng.choice((1, 1, 2, 3)))),
                section=rng.choice(SECTIONS),
                tags=tuple(rng.sample(tags, rng.randint(0, 5))),
                language="en",
                body=body_text(rng),
                lists=tuple(
                    ListBlock(
                        heading=sentence(rng, 3, 6) + ":" if rng.random() < 0.7 else None,
                        ordered=rng.random() < 0.3,
                        items=tuple(sentence(rng, 3, 12) for _ in range(rng.randint(2, 6))),
                    )
                    for _ in range(rng.choice((0, 1, 1, 2)))
                ),
                related=tuple(
                    RelatedLink(
                        url=url,
                        title=sentence(rng, 5, 10),
                        teaser=sentence(rng, 10, 20) if rng.random() < 0.5 else None,
                        comments=rng.randrange(40) if rng.random() < 0.4 else None,
                    )
                    for url in earlier + unseen
                ),
                images=tuple(
                    ArticleImage(
                        url=f"https://{host}/img/{number}-{n}.jpg", caption=sentence(rng, 4, 10)
                    )
                    for n in range(rng.choice((0, 1, 1, 2)))
                ),
                provenance={
                    "title": "json-ld",
                    "published": "json-ld",
                    "authors": "json-ld",
                    "body": "structure",
                    "tags": "meta",
                    "related": "structure",
                },
                fetched_at=fetched + timedelta(seconds=number),
            )
        )
        urls[site].append(canonical)
    return records


STORE_PIPELINE = "pipelines.store.ArchivePipeline"


@contextmanager
def settled_heap() -> Iterator[None]:
    """Keep the benchmark's own objects (every record of the run, the rows read back) out of
    the garbage collector's sweeps while timing: a crawl does not hold them all at once,
    and its full sweeps over them would be charged to whichever store runs then."""
    gc.collect()
    gc.freeze()
    try:
        yield
    finally:
        gc.unfreeze()


def crawl_settings(archive: Path, *, store_only: bool) -> dict[str, Any]:
    """settings.py as a crawl reads it, archiving to `archive`, without extensions (they
    expect a running crawl: a reactor, timers); with `store_only`, the archive pipeline
    alone."""
    names = (name for name in dir(project_settings) if name.isupper())
    configured = {name: getattr(project_settings, name) for name in names}
    pipelines = configured["ITEM_PIPELINES"]
    if store_only:
        pipelines = {STORE_PIPELINE: pipelines[STORE_PIPELINE]}
    return configured | {
        "ARCHIVE_DB_URL": str(archive),
        "EXTENSIONS_BASE": {},
        "ITEM_PIPELINES": pipelines,
    }


def store_through_pipelines(
    records: list[ArticleRecord],
    archive: Path,
    *,
    store_only: bool = False,
    profiler: cProfile.Profile | None = None,
) -> float:
    """Seconds the pipelines take for `records` into a new archive, from the first item to
    the end of close_spider (the last batch and the crawl_run counts), under `profiler` if
    given; opening them (creating the schema) is not timed."""
    crawler = get_crawler(settings_dict=crawl_settings(archive, store_only=store_only))
    manager = ItemPipelineManager.from_crawler(crawler)

    async def crawl() -> float:
        await manager.open_spider_async()
        with settled_heap():
            if profiler is not None:
                profiler.enable()
            start = time.perf_counter()
            for record in records:
                await manager.process_item_async(record)
            await manager.close_spider_async()
            elapsed = time.perf_counter() - start
            if profiler is not None:
                profiler.disable()
            return elapsed

    elapsed = asyncio.run(crawl())
    crawler.signals.send_catch_log(
        signal=signals.spider_closed, spider=Spider(name="news"), reason="finished"
    )
    assert crawler.stats is not None
    inserted = crawler.stats.get_value("archive/inserted", 0)
    if inserted != len(records):
        raise SystemExit(f"the pipelines archived {inserted} of {len(records)} records")
    return elapsed


@dataclass(frozen=True, slots=True)
class TableRows:
    """Rows of one table as the pipeline wrote them, in id order."""

    table: str
    columns: tuple[str, ...]
    rows: list[tuple[Any, ...]]


def written_rows(archive: Path) -> tuple[list[TableRows], tuple[Any, ...]]:
    """Every row of ARTICLE_TABLES in `archive`, and its crawl_run row."""
    connection = sqlite3.connect(archive)
    try:
        tables = []
        for table in ARTICLE_TABLES:
            cursor = connection.execute(f"SELECT * FROM {table} ORDER BY id")  # noqa: S608
            columns = tuple(column[0] for column in cursor.description)
            tables.append(TableRows(table, columns, cursor.fetchall()))
        run = connection.execute("SELECT * FROM crawl_run").fetchone()
    finally:
        connection.close()
    return tables, run


def batches_of(tables: list[TableRows], batch_size: int) -> list[list[TableRows]]:
    """The rows split as the pipeline committed them: each batch holds `batch_size` articles,
    their child rows, and the sites, authors and tags they were the first to name."""
    by_name = {rows.table: rows for rows in tables}
    article_ids = [row[0] for row in by_name["article"].rows]
    batch_of_article = {article_id: n // batch_size for n, article_id in enumerate(article_ids)}
    list_article = {row[0]: row[1] for row in by_name["article_list"].rows}

    def batch_of(table: str, columns: tuple[str, ...]) -> Callable[[tuple[Any, ...]], int]:
        if table == "article":
            return lambda row: batch_of_article[row[0]]
        if table == "article_list_item":
            at = columns.index("article_list_id")
            return lambda row: batch_of_article[list_article[row[at]]]
        at = columns.index("article_id")
        return lambda row: batch_of_article[row[at]]

    first_batch: dict[str, dict[int, int]] = {}
    for shared, (referrer, column) in SHARED_TABLES.items():
        rows = by_name[referrer]
        at = rows.columns.index(column)
        batch = batch_of(referrer, rows.columns)
        first: dict[int, int] = {}
        for row in rows.rows:
            first.setdefault(row[at], batch(row))
        first_batch[shared] = first

    count = -(-len(article_ids) // batch_size)
    split: list[dict[str, list[tuple[Any, ...]]]] = [defaultdict(list) for _ in range(count)]
    for rows in tables:
        if rows.table in first_batch:
            first = first_batch[rows.table]
            for row in rows.rows:
                split[first[row[0]]][rows.table].append(row)
            continue
        batch = batch_of(rows.table, rows.columns)
        for row in rows.rows:
            split[batch(row)][rows.table].append(row)
    return [
        [TableRows(rows.table, rows.columns, part[rows.table]) for rows in tables] for part in split
    ]


def fresh_archive(path: Path) -> None:
    """An empty archive at the newest schema, made by the real migrations."""
    engine = make_engine(str(path))
    try:
        upgrade_archive(engine)
    finally:
        engine.dispose()


def store_with_executemany(
    batches: list[list[TableRows]], run: tuple[Any, ...], archive: Path
) -> float:
    """Seconds plain sqlite3 takes to insert `batches` into a new archive, a transaction each."""
    fresh_archive(archive)
    connection = sqlite3.connect(archive, isolation_level=None)
    try:
        for pragma in WRITER_PRAGMAS:
            connection.execute(pragma)
        marks = ", ".join("?" * len(run))  # every column, as read back with SELECT *
        connection.execute(f"INSERT INTO crawl_run VALUES ({marks})", run)  # noqa: S608
        with settled_heap():
            start = time.perf_counter()
            for batch in batches:
                connection.execute("BEGIN IMMEDIATE")
                for rows in batch:
                    if rows.rows:
                        names = ", ".join(rows.columns)
                        marks = ", ".join("?" * len(rows.columns))
                        connection.executemany(
                            f"INSERT INTO {rows.table} ({names}) VALUES ({marks})",  # noqa: S608
                            rows.rows,
                        )
                connection.execute("COMMIT")
            return time.perf_counter() - start
    finally:
        connection.close()


@dataclass(frozen=True, slots=True)
class Result:
    """One size: the seconds of each round, per way of storing."""

    records: int
    rows: int  # rows executemany inserted (and the pipelines wrote) per round
    chain: list[float]  # the whole pipeline chain
    store: list[float]  # the archive pipeline alone, fed cleaned records
    executemany: list[float]

    def rate(self, seconds: list[float]) -> float:
        return self.records / statistics.median(seconds)

    def ratio(self, seconds: list[float]) -> float:
        return self.rate(seconds) / self.rate(self.executemany)


def measure(count: int, rounds: int, folder: Path) -> Result:
    records = synthetic_records(count)
    # What reaches the archive pipeline in a crawl: CleanPipeline's output.
    cleaned = [clean_record(record) for record in records]
    times: dict[str, list[float]] = {"chain": [], "store": [], "executemany": []}
    rows = 0
    for round_number in range(rounds):
        archive = folder / f"chain-{count}-{round_number}.sqlite"
        times["chain"].append(store_through_pipelines(records, archive))
        tables, run = written_rows(archive)
        rows = sum(len(table.rows) for table in tables)
        batches = batches_of(tables, project_settings.ARCHIVE_BATCH_SIZE)
        baseline = folder / f"executemany-{count}-{round_number}.sqlite"
        times["executemany"].append(store_with_executemany(batches, run, baseline))
        store = folder / f"store-{count}-{round_number}.sqlite"
        times["store"].append(store_through_pipelines(cleaned, store, store_only=True))
        for path in folder.iterdir():
            path.unlink()
        print(
            f"  {count:,} records, round {round_number + 1}: "
            + ", ".join(f"{name} {count / seconds[-1]:,.0f}/s" for name, seconds in times.items()),
            file=sys.stderr,
        )
    return Result(count, rows, times["chain"], times["store"], times["executemany"])


# Where the chain's time goes: a label and the functions whose time it sums, as (end of the
# file's path, function name); "~" marks C functions, whose own time is taken. Inclusive
# times otherwise, so indented rows are parts of the row above them.
SQLITE_CALLS = (
    ("~", "<method 'execute' of 'sqlite3.Cursor' objects>"),
    ("~", "<method 'executemany' of 'sqlite3.Cursor' objects>"),
)
SPLIT: tuple[tuple[str, tuple[tuple[str, str], ...]], ...] = (
    ("CleanPipeline", (("pipelines/clean.py", "process_item"),)),
    ("ValidatePipeline", (("pipelines/validate.py", "process_item"),)),
    ("DeduplicatePipeline", (("pipelines/deduplicate.py", "process_item"),)),
    (
        "ArchivePipeline (process_item and close_spider, batches included)",
        (("pipelines/store.py", "process_item"), ("pipelines/store.py", "close_spider")),
    ),
    ("&nbsp;&nbsp;save_articles", (("archive_db/writes.py", "save_articles"),)),
    (
        "&nbsp;&nbsp;&nbsp;&nbsp;SQLAlchemy Core statements, driver included",
        (
            ("sqlalchemy/engine/base.py", "execute"),
            ("sqlalchemy/engine/base.py", "exec_driver_sql"),
        ),
    ),
    (
        "&nbsp;&nbsp;&nbsp;&nbsp;&nbsp;&nbsp;SQLite itself (sqlite3 execute, executemany; "
        "FTS5 triggers)",
        SQLITE_CALLS,
    ),
    (
        "&nbsp;&nbsp;commit (SQLite's, WAL checkpoints included)",
        (("~", "<method 'commit' of 'sqlite3.Connection' objects>"),),
    ),
    (
        "content_hash_of (the deduplicator's; the store's calls find it cached)",
        (("archive_db/writes.py", "content_hash_of"),),
    ),
)


def profile_split(count: int, folder: Path) -> tuple[float, list[tuple[str, float]], list[str]]:
    """Profile one run of the chain over `count` records: the timed seconds under the
    profiler, the SPLIT rows (seconds each), and the top functions by own time."""
    records = synthetic_records(count)
    profiler = cProfile.Profile()
    archive = folder / "profile.sqlite"
    elapsed = store_through_pipelines(records, archive, profiler=profiler)
    table = pstats.Stats(profiler).stats  # type: ignore[attr-defined]
    split = []
    for label, functions in SPLIT:
        seconds = 0.0
        for (path, _, name), (_, _, own, inclusive, _) in table.items():
            for file, function in functions:
                if name == function and path.endswith(file):
                    seconds += own if file == "~" else inclusive
        split.append((label, seconds))
    pipelines = sum(seconds for _, seconds in split[:4])  # the four pipelines' rows
    split.append(("the rest: Scrapy's pipeline manager, the loop", elapsed - pipelines))
    top = sorted(table.items(), key=lambda entry: entry[1][2], reverse=True)[:12]
    lines = [
        f"| `{name}` ({Path(path).name}:{line}) | {own / count * 1e6:,.0f} | {calls:,} |"
        for (path, line, name), (_, calls, own, _, _) in top
    ]
    for path in folder.iterdir():
        path.unlink()
    return elapsed, split, lines


def section_text(
    results: list[Result],
    profile: tuple[float, list[tuple[str, float]], list[str]],
    *,
    profile_records: int,
    rounds: int,
    command: str,
) -> str:
    rows = [
        "| records | rows | pipeline chain /s | archive pipeline alone /s | executemany /s "
        "| chain ratio | archive pipeline ratio |",
        "|---|---|---|---|---|---|---|",
    ]
    for result in results:
        rows.append(
            f"| {result.records:,} | {result.rows:,} | {result.rate(result.chain):,.0f} | "
            f"{result.rate(result.store):,.0f} | {result.rate(result.executemany):,.0f} | "
            f"{result.ratio(result.chain):.2f} | {result.ratio(result.store):.2f} |"
        )
    store_worst = min(result.ratio(result.store) for result in results)
    chain_worst = min(result.ratio(result.chain) for result in results)
    elapsed, split, top = profile
    split_rows = [
        f"| {label} | {seconds / profile_records * 1e6:,.0f} | {seconds / elapsed:.0%} |"
        for label, seconds in split
    ]
    return "\n".join(
        [
            SECTION,
            "",
            "Records per second into a fresh SQLite archive, three ways in the same run: "
            "the pipeline chain of settings.py (clean, validate, deduplicate, archive in "
            f"batches of {project_settings.ARCHIVE_BATCH_SIZE}) driven by Scrapy's "
            "ItemPipelineManager as in a crawl; the archive pipeline alone (the store), fed "
            "the records CleanPipeline made of them; and plain `sqlite3` `executemany` of "
            "exactly the rows the chain wrote (read back from its archive) into another "
            "fresh archive of the same schema (same indexes and FTS5 triggers), one "
            "transaction per batch of the same size. Synthetic articles: 5-10 KB bodies, 1-3 "
            "authors, 0-5 tags, 0-2 lists, 3-6 related links, 0-2 images, over 10 sites; none "
            "is a duplicate.",
            "",
            *rows,
            "",
            f"rows: rows inserted per run over {len(ARTICLE_TABLES)} tables (sites, authors, "
            "tags, articles, versions, the join and child tables). Rates: records over the "
            f"median seconds of {rounds} rounds, the three ways alternating within each round. "
            "Pipeline time runs from the first item to the end of close_spider (the last "
            "batch and the crawl_run counts), not the schema creation; executemany time "
            "covers its inserts and commits. ratio: pipeline rate / executemany rate. The "
            "archive pipeline alone computes its records' content hashes itself; in the chain "
            "the deduplicator computes them and the store finds them cached. While timing, the "
            "benchmark's own objects (all the records, the rows read back) are frozen out of "
            "the garbage collector (`gc.freeze()`), for all three ways alike.",
            "",
            f"Goal (issue 9): the store at 50% or more of executemany for the same rows: "
            f"archive pipeline alone, lowest ratio {store_worst:.2f}: "
            f"{'met' if store_worst >= GOAL_RATIO else '**not met**'}; the whole chain "
            f"(cleaning and deduplication included), lowest {chain_worst:.2f}: "
            f"{'met' if chain_worst >= GOAL_RATIO else '**not met**'}.",
            "",
            f"### Where the chain's time goes ({profile_records:,} records under cProfile)",
            "",
            f"{elapsed / profile_records * 1e6:,.0f} µs a record under the profiler, "
            "which slows Python code several times more than SQLite's C code, so Python's "
            "shares read high. Indented rows are parts of the row above them.",
            "",
            "| part | µs/record | share |",
            "|---|---|---|",
            *split_rows,
            "",
            "Top functions by own time:",
            "",
            "| function | µs/record (own) | calls |",
            "|---|---|---|",
            *top,
            "",
            *how_it_was_run(
                command, ("scrapy", "sqlalchemy"), more=(f"- SQLite {sqlite3.sqlite_version}",)
            ),
        ]
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--records",
        type=int,
        action="append",
        help=f"records per run (repeatable; default {' and '.join(map(str, DEFAULT_SIZES))})",
    )
    parser.add_argument("--rounds", type=int, default=3, help="timed rounds per size")
    parser.add_argument(
        "--profile-records", type=int, default=2_000, help="records in the profiled run"
    )
    parser.add_argument("--write", type=Path, help="rewrite the section of this Markdown file")
    args = parser.parse_args(argv)
    sizes = args.records or list(DEFAULT_SIZES)
    with tempfile.TemporaryDirectory(prefix="store-bench-") as name:
        folder = Path(name)
        results = [measure(count, args.rounds, folder) for count in sizes]
        profile = profile_split(args.profile_records, folder)
    section = section_text(
        results,
        profile,
        profile_records=args.profile_records,
        rounds=args.rounds,
        command=command_line("bench.store", argv),
    )
    publish(section, SECTION, args.write)
    return 0


if __name__ == "__main__":
    sys.exit(main())
