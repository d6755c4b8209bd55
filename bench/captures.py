"""Raw captures: what keeping every response costs the archive, over two crawls of a site.

A generated site (``bench.sitegen``, 2,000 articles by default) is served by nginx from a
copy of bench.sitegen's cached tree. Two ``newsarchive crawl`` runs go into one fresh
SQLite archive:

1. the first archives the site: every body is new, so every body is stored (compressed);
2. before the second, ``--touch`` articles (50) get new text and a new sitemap
   ``<lastmod>``, and then every file of the site gets a new modification time, as when a
   CMS re-renders its pages: nginx's ETag and Last-Modified change, so the second crawl,
   with ``--recheck-all``, gets a 200 and the full body for every archived article (a
   nightly crawl gets 304s, which the incremental benchmark measures; 304s store no body).
   Of those bodies only the touched articles and the changed sitemaps are new.

The fair question is then the issue's: does the archive grow by little more than the
compressed size of what changed? "What changed, compressed" is computed from the site's
files themselves (each file that changed, compressed as the archive compresses payloads),
independently of the archive; the growth is the archive file's, and its payloads'.
For scale, the table also gives what storing each response's body compressed, without
deduplication, would have cost.

    nice -n 10 .venv/bin/python -m bench.captures --write docs/benchmarks.md
    .venv/bin/python -m bench.captures --articles 500            # a quick look
"""

from __future__ import annotations

import argparse
import os
import shutil
import sqlite3
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from archive_db.writes import PAYLOAD_COMPRESSION, ZSTD_LEVEL, compressed_payload
from bench.incremental import crawl, touch_articles
from bench.report import command_line, how_it_was_run, publish
from bench.sitegen import GeneratedSite, ensure_site
from bench.static_server import serve_static

SECTION = "## Raw captures"
# "Little more than the compressed size of what changed": the payloads a second crawl adds,
# at most this many times what changed on the site, compressed.
GOAL_RATIO = 1.25
MB = 2**20


@dataclass(frozen=True, slots=True)
class Stored:
    """The archive after a crawl, and what that crawl's captures hold."""

    name: str
    seconds: float
    articles: int  # in the archive
    versions: int  # in the archive
    archive_bytes: int  # the SQLite file and its WAL
    payloads: int  # in the archive
    payload_bytes: int  # stored (compressed), in the archive
    captures: int  # this crawl's
    statuses: dict[int, int]  # this crawl's captures by status
    received_bytes: int  # the bodies of this crawl's captures, as received
    undeduplicated_bytes: int  # each of them stored compressed on its own
    new_payloads: int  # bodies this crawl stored for the first time
    new_payload_bytes: int  # their size, compressed
    new_raw_bytes: int  # their size, as received
    table_bytes: dict[str, int]  # pages of TABLE_GROUPS' tables (with their indexes), "other"


# The tables whose pages the growth is split into (SQLite's dbstat), indexes included.
TABLE_GROUPS = ("payload", "capture", "article_version")


def table_bytes(connection: sqlite3.Connection) -> dict[str, int]:
    """Bytes of the pages of each of TABLE_GROUPS (its indexes included), and of the rest."""
    rows = connection.execute(
        "SELECT coalesce(s.tbl_name, d.name), sum(d.pgsize) FROM dbstat AS d "
        "LEFT JOIN sqlite_schema AS s ON s.name = d.name GROUP BY 1"
    ).fetchall()
    groups = dict.fromkeys((*TABLE_GROUPS, "other"), 0)
    for table, size in rows:
        groups[table if table in TABLE_GROUPS else "other"] += size
    return groups


def archive_size(archive: Path) -> int:
    wal = archive.with_name(archive.name + "-wal")
    return archive.stat().st_size + (wal.stat().st_size if wal.exists() else 0)


def stored_after(name: str, seconds: float, archive: Path) -> Stored:
    connection = sqlite3.connect(f"file:{archive}?mode=ro", uri=True)
    try:
        (run_id,) = connection.execute("SELECT max(id) FROM crawl_run").fetchone()

        def one(sql: str, *params: object) -> int:
            return int(connection.execute(sql, params).fetchone()[0] or 0)

        captures_of_run = (
            "FROM capture JOIN payload ON payload.id = capture.payload_id "
            "WHERE capture.crawl_run_id = ?"
        )
        new = (
            "FROM payload WHERE id IN (SELECT payload_id FROM capture WHERE crawl_run_id = ?) "
            "AND id NOT IN (SELECT payload_id FROM capture WHERE crawl_run_id < ?)"
        )
        statuses = dict(
            connection.execute(
                "SELECT status, count(*) FROM capture WHERE crawl_run_id = ? GROUP BY status",
                (run_id,),
            ).fetchall()
        )
        return Stored(
            name=name,
            seconds=seconds,
            articles=one("SELECT count(*) FROM article"),
            versions=one("SELECT count(*) FROM article_version"),
            archive_bytes=archive_size(archive),
            payloads=one("SELECT count(*) FROM payload"),
            payload_bytes=one("SELECT sum(length(data)) FROM payload"),
            captures=one(f"SELECT count(*) {captures_of_run}", run_id),
            statuses=statuses,
            received_bytes=one(f"SELECT sum(payload.size) {captures_of_run}", run_id),
            undeduplicated_bytes=one(f"SELECT sum(length(payload.data)) {captures_of_run}", run_id),
            new_payloads=one(f"SELECT count(*) {new}", run_id, run_id),
            new_payload_bytes=one(f"SELECT sum(length(data)) {new}", run_id, run_id),
            new_raw_bytes=one(f"SELECT sum(size) {new}", run_id, run_id),
            table_bytes=table_bytes(connection),
        )
    finally:
        connection.close()


def file_bodies(root: Path) -> dict[str, bytes]:
    """Every file of the site by its path under the root."""
    return {
        str(path.relative_to(root)): path.read_bytes() for path in root.rglob("*") if path.is_file()
    }


def changed_compressed(before: dict[str, bytes], after: dict[str, bytes]) -> tuple[int, int]:
    """How many files changed, and their new bodies' size compressed as the archive does."""
    changed = [body for name, body in after.items() if before.get(name) != body]
    return len(changed), sum(len(compressed_payload(body)) for body in changed)


def rerender(root: Path) -> None:
    """A new modification time for every file: new ETags and Last-Modified, same bytes."""
    later = time.time() + 60
    for path in root.rglob("*"):
        if path.is_file():
            os.utime(path, (later, later))


def measure(articles: int, touch: int) -> tuple[GeneratedSite, list[Stored], int, int, int]:
    site = ensure_site(articles)
    with tempfile.TemporaryDirectory(prefix="bench-captures-") as scratch:
        workdir = Path(scratch)
        root = workdir / "site"
        shutil.copytree(site.root, root)  # copies: new mtimes must not reach the cache
        archive = workdir / "archive.sqlite"
        with serve_static(root) as base_url:
            started = time.monotonic()
            crawl(base_url, archive, "first", workdir / "first.log")
            first = stored_after("first crawl", time.monotonic() - started, archive)
            before = file_bodies(root)
            touched = touch_articles(site, root, touch)
            changed_files, changed_bytes = changed_compressed(before, file_bodies(root))
            rerender(root)
            started = time.monotonic()
            crawl(base_url, archive, "second", workdir / "second.log", "--recheck-all")
            second = stored_after(
                f"second crawl ({len(touched)} touched, --recheck-all)",
                time.monotonic() - started,
                archive,
            )
    return site, [first, second], len(touched), changed_files, changed_bytes


def section_text(
    site: GeneratedSite,
    runs: list[Stored],
    touched: int,
    changed_files: int,
    changed_bytes: int,
    command: str,
) -> str:
    first, second = runs
    rows = [
        "| after | captures | 200 / 304 / other | bodies received MB | stored without dedup MB "
        "| new payloads | new payload MB | payloads in archive MB | archive file MB "
        "| archive KB per article | seconds |",
        "|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for run in runs:
        other = run.captures - run.statuses.get(200, 0) - run.statuses.get(304, 0)
        rows.append(
            f"| {run.name} | {run.captures:,} | {run.statuses.get(200, 0):,} / "
            f"{run.statuses.get(304, 0):,} / {other:,} | {run.received_bytes / MB:.1f} "
            f"| {run.undeduplicated_bytes / MB:.1f} | {run.new_payloads:,} "
            f"| {run.new_payload_bytes / MB:.2f} | {run.payload_bytes / MB:.1f} "
            f"| {run.archive_bytes / MB:.1f} | {run.archive_bytes / 1024 / run.articles:.1f} "
            f"| {run.seconds:.0f} |"
        )
    growth = second.archive_bytes - first.archive_bytes
    grew = {name: second.table_bytes[name] - first.table_bytes[name] for name in second.table_bytes}
    ratio = grew["payload"] / changed_bytes
    verdict = "**met**" if ratio <= GOAL_RATIO else "**not met**"
    return "\n".join(
        [
            SECTION,
            "",
            f"Two `newsarchive crawl` runs into one archive of a generated site "
            f"(`bench/sitegen.py`, {site.articles:,} articles, {site.listing_pages:,} listing "
            "pages, served by nginx on loopback), every response kept as received "
            "(`ARCHIVE_CAPTURES`, on by default). Before the second run, "
            f"{touched} articles got new text and a new sitemap `<lastmod>`, then every file "
            "got a new modification time, as when a CMS re-renders its pages: nginx's "
            "validators changed, so the second crawl (`--recheck-all`) received a 200 and a "
            "full body for every archived article, nearly all of them bytes the archive "
            "already held. (A nightly crawl of an unchanged page gets a 304, which stores no "
            "body: see the incremental crawl.)",
            "",
            *rows,
            "",
            "bodies received: the captured bodies as the server sent them; stored without "
            f"dedup: the same, each compressed ({PAYLOAD_COMPRESSION} level {ZSTD_LEVEL}) on "
            "its own, as storing every response "
            "would cost; new payloads: bodies stored for the first time, and their compressed "
            "size; archive file: the SQLite file and its WAL.",
            "",
            "### Growth of the second crawl",
            "",
            f"- what changed on the site: {changed_files} files (the touched articles and the "
            f"sitemaps naming them), {changed_bytes / MB:.2f} MB compressed ("
            f"{PAYLOAD_COMPRESSION} level {ZSTD_LEVEL}, as the archive compresses payloads, "
            "computed from the site's files, not from the archive)",
            f"- new payloads stored: {second.new_payloads:,}, "
            f"{second.new_payload_bytes / MB:.2f} MB ({second.new_raw_bytes / MB:.2f} MB as "
            "received)",
            f"- archive growth: {growth / MB:.2f} MB; by SQLite's pages (`dbstat`, indexes "
            f"with their table): payload {grew['payload'] / MB:.2f} MB, capture "
            f"{grew['capture'] / MB:.2f} MB ({second.captures:,} rows: URL, headers, "
            f"{grew['capture'] / max(second.captures, 1):.0f} bytes each), article_version "
            f"{grew['article_version'] / MB:.2f} MB ({second.versions - first.versions} new "
            f"versions, each the whole record as JSON), everything else "
            f"{grew['other'] / MB:.2f} MB (the touched articles' rows, full-text index)",
            f"- against storing every body: {second.undeduplicated_bytes / MB:.1f} MB without "
            f"deduplication, {second.new_payload_bytes / MB:.2f} MB with it",
            "",
            "### Goal (raw captures)",
            "",
            f"- bodies: the second crawl's payloads grow by at most {GOAL_RATIO:g} times the "
            f"compressed size of what changed: {grew['payload'] / MB:.2f} MB for "
            f"{changed_bytes / MB:.2f} MB ({ratio:.2f} times): {verdict}",
            f"- the archive as a whole grew {growth / changed_bytes:.1f} times what changed: "
            "every response also costs its capture row (URL, status, protocol, request and "
            "response headers, four indexes), about 1 KB however unchanged its body; an "
            "unchanged page re-checked with a 304, as nightly crawls do, costs that row alone",
            "",
            *how_it_was_run(
                command, ("scrapy", "sqlalchemy"), ("- server: nginx (bench/static_server.py)",)
            ),
        ]
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m bench.captures",
        description="What keeping every raw response costs the archive over two crawls.",
    )
    parser.add_argument("--articles", type=int, default=2000, help="site size (default 2000)")
    parser.add_argument("--touch", type=int, default=50, help="articles changed before run 2")
    parser.add_argument("--write", type=Path, metavar="FILE", help=f"rewrite {SECTION!r} of FILE")
    args = parser.parse_args(argv)
    site, runs, touched, changed_files, changed_bytes = measure(args.articles, args.touch)
    command = command_line("bench.captures", argv)
    text = section_text(site, runs, touched, changed_files, changed_bytes, command)
    publish(text, SECTION, args.write)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
