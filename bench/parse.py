"""Parser throughput: newsarchive's parser next to bare lxml parsing and trafilatura, one run.

    .venv/bin/python -m bench.parse [--pages DIR] [--articles N] [--write docs/benchmarks.md]

Issue 9's goals for the parser: at least 3x trafilatura's pages per second, and at most 5x
the time of ``lxml.html.fromstring`` alone (the floor of any parser that builds a tree).
All tools run in this one process over the same pages held in memory (no file reads in the
timing), in interleaved rounds so that drift in machine load falls on every tool. Then one
more pass of our parser runs under cProfile to show where its time goes.
"""

from __future__ import annotations

import argparse
import cProfile
import gc
import json
import pstats
import statistics
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import lxml.html

from bench.report import command_line, how_it_was_run, write_section
from parsers import parse_article

if TYPE_CHECKING:
    from collections.abc import Callable, Iterable

REPO = Path(__file__).resolve().parents[1]
DEFAULT_CORPUS = REPO.parent / "shared" / "corpus"
DEFAULT_ARTICLES = 1000
SECTION = "## Parse"
LIBRARIES = ("lxml", "trafilatura", "dateparser")
GOAL_VS_TRAFILATURA = 3.0  # our pages/s over trafilatura's, at least
GOAL_VS_LXML = 5.0  # our time per page over lxml.html.fromstring's, at most
WARM_UP_PAGES = 50  # an untimed pass over this many pages: trafilatura's lazy set-up
MIN_STAGE_SHARE = 0.01  # stages below this share of the time are summed up as one row
LXML, OURS, TRAFILATURA, TRAFILATURA_TEXT = (
    "lxml.html.fromstring",
    "newsarchive",
    "trafilatura (metadata)",
    "trafilatura extract",
)

Page = tuple[bytes, str]  # HTML as fetched, and its URL


@dataclass(frozen=True, slots=True)
class PageSet:
    """Pages to time, named for the table, with where they came from."""

    name: str
    source: str
    pages: tuple[Page, ...]

    @property
    def kib_per_page(self) -> float:
        return sum(len(html) for html, _ in self.pages) / len(self.pages) / 1024


@dataclass(frozen=True, slots=True)
class Tool:
    """One way of handling a page; its result is thrown away."""

    name: str
    handle: Callable[[bytes, str], object]


def _trafilatura_tools() -> list[Tool]:
    """trafilatura as the reference scorer calls it (``bare_extraction`` with metadata: title,
    date, author and text, what our parser gives) and its plain ``extract`` (text only)."""
    try:
        import trafilatura
    except ImportError:
        print("trafilatura not installed: pip install -e '.[bench]'", file=sys.stderr)
        return []

    def with_metadata(html: bytes, url: str) -> object:
        return trafilatura.bare_extraction(
            html, url=url, with_metadata=True, include_comments=False, include_tables=True
        )

    def text_only(html: bytes, url: str) -> object:
        return trafilatura.extract(html, url=url)

    return [Tool(TRAFILATURA, with_metadata), Tool(TRAFILATURA_TEXT, text_only)]


def all_tools() -> list[Tool]:
    return [
        Tool(LXML, lambda html, _url: lxml.html.fromstring(html)),
        Tool(OURS, lambda html, url: parse_article(html, url)),
        *_trafilatura_tools(),
    ]


def corpus_set(corpus: Path) -> PageSet | None:
    """The real pages of the reference corpus (``<id>/page.html``, URL in expected.json)."""
    pages = []
    for folder in sorted(path.parent for path in corpus.glob("*/page.html")):
        expected = json.loads((folder / "expected.json").read_text(encoding="utf-8"))
        url = expected.get("url") or "http://unknown.invalid/"
        pages.append(((folder / "page.html").read_bytes(), url))
    return PageSet("corpus", str(corpus), tuple(pages)) if pages else None


def folder_set(folder: Path) -> PageSet | None:
    """Every .html file under ``folder``, with the URL from a ``meta.json`` beside it (as in the
    test fixtures) or a loopback one made from its path."""
    pages = []
    for path in sorted(folder.rglob("*.html")):
        meta = path.parent / "meta.json"
        url = json.loads(meta.read_text(encoding="utf-8")).get("url") if meta.is_file() else None
        pages.append((path.read_bytes(), url or f"http://127.0.0.1/{path.relative_to(folder)}"))
    return PageSet(folder.name or str(folder), str(folder), tuple(pages)) if pages else None


def synthetic_set(articles: int) -> PageSet | None:
    """The article pages of the generated regional news site (bench/sitegen.py)."""
    try:
        from bench import sitegen
    except ImportError:
        return None
    site = sitegen.ensure_site(articles=articles)
    pages = tuple((path.read_bytes(), url) for path, url in sitegen.article_pages(site))
    return PageSet(f"synthetic ({articles:,} articles)", str(site.root), pages)


def _pass(tool: Tool, pages: Iterable[Page]) -> float:
    """Seconds for one pass of ``tool`` over ``pages``."""
    gc.collect()
    start = time.perf_counter()
    for html, url in pages:
        tool.handle(html, url)
    return time.perf_counter() - start


def time_tools(tools: list[Tool], page_set: PageSet, rounds: int) -> dict[str, float]:
    """Pages per second of each tool: the median of ``rounds`` interleaved timed passes, after
    an untimed warm-up of every tool on the first pages."""
    for tool in tools:
        _pass(tool, page_set.pages[:WARM_UP_PAGES])
    seconds: dict[str, list[float]] = {tool.name: [] for tool in tools}
    for index in range(rounds):
        for tool in tools:
            print(f"{page_set.name}: round {index + 1}/{rounds}: {tool.name} ...", file=sys.stderr)
            seconds[tool.name].append(_pass(tool, page_set.pages))
    return {name: len(page_set.pages) / statistics.median(runs) for name, runs in seconds.items()}


@dataclass(frozen=True, slots=True)
class Profile:
    """Where our parser's time goes, under cProfile, as shares of the whole: its stages (what
    ``parse_article`` calls directly, depth 0, and inside the largest of them what they call,
    depth 1) and the functions with the most time of their own."""

    total_seconds: float
    stages: list[tuple[str, float, int]]
    functions: list[tuple[str, float]]


SPLIT_STAGE_SHARE = 0.2  # stages above this share are shown with what they call


def _label(key: tuple[str, int, str]) -> str:
    filename, line, function = key
    if filename == "~":
        return function  # a built-in: "<method 'search' of 're.Pattern' objects>"
    path = Path(filename)
    where = str(path.relative_to(REPO)) if path.is_relative_to(REPO) else path.name
    # "__init__", "<listcomp>", "<lambda>": the line says which one.
    if function.startswith(("__", "<")):
        return f"{where}:{line}({function})"
    return f"{where}:{function}"


Stats = dict[tuple[str, int, str], tuple[Any, ...]]


def _callees(
    stats: Stats, caller: tuple[str, int, str]
) -> list[tuple[tuple[str, int, str], float]]:
    """What ``caller`` calls directly, with the time spent in each on its behalf (seconds)."""
    found = [
        (callee, edge[3])
        for callee, (*_, callers) in stats.items()
        if (edge := callers.get(caller)) is not None
    ]
    return sorted(found, key=lambda item: -item[1])


def profile_parser(page_set: PageSet, top: int) -> Profile:
    profiler = cProfile.Profile()
    profiler.enable()
    for html, url in page_set.pages:
        parse_article(html, url)
    profiler.disable()
    stats: Stats = pstats.Stats(profiler).stats  # type: ignore[attr-defined]
    entry = next(key for key in stats if key[2] == "parse_article" and "parsers" in key[0])
    total = stats[entry][3]
    stages: list[tuple[str, float, int]] = []
    for stage, seconds in _callees(stats, entry):
        stages.append((_label(stage), seconds / total, 0))
        if seconds / total >= SPLIT_STAGE_SHARE:
            stages += [(_label(inner), part / total, 1) for inner, part in _callees(stats, stage)]
    stages.append(("parse_article itself", stats[entry][2] / total, 0))
    functions = [(_label(key), row[2] / total) for key, row in stats.items()]
    return Profile(total, stages, sorted(functions, key=lambda item: -item[1])[:top])


def goal_lines(name: str, speeds: dict[str, float]) -> list[str]:
    """Issue 9's two parser goals on one page set, met or not."""
    ours = speeds[OURS]
    lines = []
    over_lxml = speeds[LXML] / ours
    mark = "met" if over_lxml <= GOAL_VS_LXML else "not met"
    lines.append(
        f"- {name}: our time per page {over_lxml:.2f}x lxml.html.fromstring's "
        f"(goal <= {GOAL_VS_LXML:g}x): **{mark}**"
    )
    if TRAFILATURA in speeds:
        over_trafilatura = ours / speeds[TRAFILATURA]
        mark = "met" if over_trafilatura >= GOAL_VS_TRAFILATURA else "not met"
        lines.append(
            f"- {name}: our pages/s {over_trafilatura:.2f}x trafilatura's with metadata "
            f"({ours / speeds[TRAFILATURA_TEXT]:.2f}x its text-only `extract`) "
            f"(goal >= {GOAL_VS_TRAFILATURA:g}x): **{mark}**"
        )
    return lines


def speed_table(results: list[tuple[PageSet, dict[str, float]]], tools: list[Tool]) -> str:
    names = [tool.name for tool in tools]
    head = ["page set", "pages", "KiB/page", *(f"{name} pages/s (ms)" for name in names)]
    head += ["ours / trafilatura", "ours time / lxml time"]
    lines = ["| " + " | ".join(head) + " |", "|" + "|".join("---" for _ in head) + "|"]
    for page_set, speeds in results:
        cells = [page_set.name, f"{len(page_set.pages):,}", f"{page_set.kib_per_page:.0f}"]
        cells += [f"{speeds[name]:,.0f} ({1000 / speeds[name]:.2f})" for name in names]
        vs_trafilatura = speeds[OURS] / speeds[TRAFILATURA] if TRAFILATURA in speeds else None
        cells.append(f"{vs_trafilatura:.2f}x" if vs_trafilatura else "n/a")
        cells.append(f"{speeds[LXML] / speeds[OURS]:.2f}x")
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines) + "\n"


def profile_text(page_set: PageSet, profile: Profile) -> str:
    """Two tables: the stages of ``parse_article`` and the functions with most own time."""
    per_page = profile.total_seconds / len(page_set.pages) * 1000
    shown = [stage for stage in profile.stages if stage[1] >= MIN_STAGE_SHARE]
    rest = 1 - sum(share for _, share, depth in shown if depth == 0)
    lines = [
        f"{page_set.name}: {per_page:.2f} ms a page under cProfile.",
        "",
        "| stage (what parse_article calls; > what a large stage calls) | share |",
        "|---|---|",
        *(f"| {'> ' * depth}`{name}` | {share:.1%} |" for name, share, depth in shown),
        f"| everything else | {rest:.1%} |",
        "",
        "| function (its own time) | share |",
        "|---|---|",
        *(f"| `{name}` | {share:.1%} |" for name, share in profile.functions),
        "",
    ]
    return "\n".join(lines)


def section_text(
    results: list[tuple[PageSet, dict[str, float]]],
    profiles: list[tuple[PageSet, Profile]],
    *,
    tools: list[Tool],
    rounds: int,
    skipped: list[str],
    command: str,
) -> str:
    goals = [line for page_set, speeds in results for line in goal_lines(page_set.name, speeds)]
    return "\n".join(
        [
            SECTION,
            "",
            "Pages per second of the parser alone (`parsers.parse_article(html, url)`, bytes in, "
            "record out) next to `lxml.html.fromstring` alone (the floor of any parser) and "
            "trafilatura, in one process over pages held in memory: the median of "
            f"{rounds} interleaved timed passes after an untimed warm-up on the first "
            f"{WARM_UP_PAGES} pages. trafilatura (metadata) is `bare_extraction(with_metadata="
            "True, include_comments=False, include_tables=True)` as the reference scorer calls "
            "it (title, date, author and text, like our record); trafilatura extract is its "
            "text-only `extract` with default settings.",
            "",
            speed_table(results, tools),
            *(f"{line}\n" for line in skipped),
            "### Goals (issue 9)",
            "",
            *goals,
            "",
            "### Where the parser's time goes",
            "",
            "One more pass of our parser under cProfile, which adds a cost per Python call (so "
            "Python-heavy stages look larger than they are next to lxml's C). Stage: what "
            "`parse_article` calls directly, with everything below it; a row marked > is part "
            f"of the stage above it (what a stage over {SPLIT_STAGE_SHARE:.0%} calls); "
            "function: time spent in the function itself.",
            "",
            *(profile_text(page_set, profile) for page_set, profile in profiles),
            *how_it_was_run(command, LIBRARIES),
        ]
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m bench.parse",
        description="Parser pages/s next to lxml.html.fromstring and trafilatura, one run.",
        epilog="example: .venv/bin/python -m bench.parse --write docs/benchmarks.md",
    )
    parser.add_argument(
        "--pages",
        type=Path,
        metavar="DIR",
        help="time every .html file under DIR instead of the generated site",
    )
    parser.add_argument(
        "--articles",
        type=int,
        default=DEFAULT_ARTICLES,
        help=f"articles in the generated site (default {DEFAULT_ARTICLES:,})",
    )
    parser.add_argument("--corpus", type=Path, default=DEFAULT_CORPUS, help="the real pages")
    parser.add_argument(
        "--rounds", type=int, default=2, help="timed passes per tool; speed is their median"
    )
    parser.add_argument("--top", type=int, default=12, help="functions listed in the profile")
    parser.add_argument("--write", type=Path, metavar="FILE", help="rewrite '## Parse' of FILE")
    args = parser.parse_args(argv)
    if args.rounds < 1:
        parser.error("--rounds must be at least 1")

    skipped: list[str] = []
    first = folder_set(args.pages) if args.pages else synthetic_set(args.articles)
    if first is None:
        skipped.append(
            f"No pages under {args.pages}."
            if args.pages
            else "No generated site: bench/sitegen.py is missing; give --pages DIR."
        )
    real = corpus_set(args.corpus) if args.corpus.is_dir() else None
    if real is None:
        skipped.append(f"No corpus at {args.corpus}: the real pages were skipped.")
    page_sets = [page_set for page_set in (first, real) if page_set is not None]
    for line in skipped:
        print(line, file=sys.stderr)
    if not page_sets:
        return 1

    tools = all_tools()
    results = [(page_set, time_tools(tools, page_set, args.rounds)) for page_set in page_sets]
    profiles = [(page_set, profile_parser(page_set, args.top)) for page_set in page_sets]

    print(speed_table(results, tools))
    for page_set, speeds in results:
        print("\n".join(goal_lines(page_set.name, speeds)))
    for page_set, profile in profiles:
        print()
        print(profile_text(page_set, profile))
    if args.write:
        command = command_line("bench.parse", argv)
        text = section_text(
            results, profiles, tools=tools, rounds=args.rounds, skipped=skipped, command=command
        )
        write_section(args.write, SECTION, text)
        print(f"wrote {SECTION!r} in {args.write}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
