"""Side-by-side extraction benchmark: newsarchive's parser and other extractors, one run.

    .venv/bin/python -m bench.extraction [--corpus ../shared/corpus] [--write docs/benchmarks.md]

Every tool runs in this one process over the same pages, one after another, with warm
imports and an untimed warm-up on the first three pages. Every number comes from the
reference scorer's own code (``tools/score.py`` beside the corpus, loaded at run time): its
``run_callable`` runs a tool and its ``score_run`` scores it. The other tools are called
through the scorer's own built-in adapters, so each row agrees with ``score.py --adapter
NAME`` on every quality metric. Speed differs by design: ``score.py`` runs an adapter in a
child process and counts its start-up and imports; here all tools share one warm process.
"""

from __future__ import annotations

import argparse
import gc
import importlib.util
import json
import os
import statistics
import subprocess
import sys
import time
from dataclasses import dataclass
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import TYPE_CHECKING, Any

from bench.report import command_line, how_it_was_run, write_section

if TYPE_CHECKING:
    from collections.abc import Callable, Iterable
    from types import ModuleType

REPO = Path(__file__).resolve().parents[1]
DEFAULT_CORPUS = REPO.parent / "shared" / "corpus"
SECTION = "## Extraction"
OURS = "newsarchive"

# Other tools, by the reference scorer's adapter name; each is a `bench` extra.
OTHER_TOOLS = ("trafilatura", "newspaper4k", "readability-lxml", "htmldate")
LIBRARIES = (
    "lxml",
    "trafilatura",
    "newspaper4k",
    "readability-lxml",
    "htmldate",
    "dateparser",
    "extruct",
)


@dataclass(frozen=True, slots=True)
class Metric:
    """One column: the scorer's result key, its heading, and whether larger is better."""

    key: str
    heading: str
    higher_is_better: bool = True


METRICS = (
    Metric("snip_f1", "snippet F1"),
    Metric("snip_p", "snippet P"),
    Metric("snip_r", "snippet R"),
    Metric("must_contain", "must"),
    Metric("must_not_contain", "must-not"),
    Metric("title_exact", "title"),
    Metric("date_acc", "date"),
    Metric("date_cov", "date cov"),
    Metric("author_exact", "author"),
    Metric("pages_per_s", "pages/s"),
    Metric("pages_per_s_cold", "pages/s first pass"),
    Metric("ms_median", "ms/page (median)", higher_is_better=False),
)
# The fields a "winner" is named for, one per ground-truth field plus speed.
WINNER_FIELDS = ("snip_f1", "title_exact", "date_acc", "author_exact", "pages_per_s")


def scorer_path(corpus: Path) -> Path:
    """Where the reference scorer sits: ``tools/score.py`` beside the corpus folder."""
    return corpus.resolve().parent / "tools" / "score.py"


def load_scorer(corpus: Path) -> ModuleType:
    """The reference scorer module, ``<corpus>/../tools/score.py``, imported from its file.

    Exits with one line on stderr (status 1) when the file is absent.
    """
    path = scorer_path(corpus)
    if not path.is_file():
        raise SystemExit(f"bench.extraction: reference scorer not found at {path}")
    spec = importlib.util.spec_from_file_location("newsarchive_reference_score", path)
    if spec is None or spec.loader is None:
        raise SystemExit(f"bench.extraction: cannot import the scorer at {path}")
    module = importlib.util.module_from_spec(spec)
    # dataclasses look their module up in sys.modules while the class body runs.
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


def timed(
    fn: Callable[[bytes, str | None], dict[str, Any]],
) -> Callable[[bytes, str | None], dict[str, Any]]:
    """``fn`` reporting its own time per page, its values coerced as ``score.py --serve`` does.

    The scorer reads ``_elapsed`` (seconds) for the "ms/page (median)" column and turns any
    value that is not None, str or list into ``str`` before scoring an adapter's output.
    """

    def run(data: bytes, url: str | None) -> dict[str, Any]:
        start = time.perf_counter()
        out = fn(data, url)
        elapsed = time.perf_counter() - start
        row: dict[str, Any] = {
            k: (v if v is None or isinstance(v, (str, list)) else str(v)) for k, v in out.items()
        }
        row["_elapsed"] = elapsed
        return row

    return run


@dataclass(frozen=True, slots=True)
class Tool:
    """An extractor ready to run: its row name, version string and warm callable."""

    name: str
    version: str
    extract: Callable[[bytes, str | None], dict[str, Any]]


def dist_version(dist: str) -> str:
    """The installed version of a distribution, or "" when it is not installed."""
    try:
        return version(dist)
    except PackageNotFoundError:
        return ""


def our_version() -> str:
    """newsarchive's version plus the commit it runs from, marked "+dirty" if parsers/ changed."""
    base = dist_version(OURS) or "dev"
    try:
        head = subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"],
            cwd=REPO,
            check=True,
            capture_output=True,
            text=True,
            timeout=10,
        ).stdout.strip()
        dirty = subprocess.run(
            ["git", "status", "--porcelain", "--", "parsers"],
            cwd=REPO,
            check=True,
            capture_output=True,
            text=True,
            timeout=10,
        ).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        return base
    return f"{base} ({head}{'+dirty' if dirty else ''})"


def load_tools(scorer: ModuleType, names: Iterable[str]) -> tuple[list[Tool], list[str]]:
    """The tools to run (ours first) and one line for each that is not installed."""
    from bench.score_adapter import extract

    tools = [Tool(OURS, our_version(), timed(extract))]
    skipped = []
    for name in names:
        if name == OURS:
            continue
        dist, factory = scorer.ADAPTERS[name]
        try:
            fn = factory()
        except ImportError as exc:
            skipped.append(f"{name}: not installed ({exc.name or exc}); pip install -e '.[bench]'")
            continue
        tools.append(Tool(name, dist_version(dist), timed(fn)))
    return tools, skipped


def _say(progress: bool, text: str) -> None:
    if progress:
        print(text, file=sys.stderr, flush=True)


def _answers(run: Any) -> dict[str, dict[str, Any]]:
    """A run's outputs without the timing, to compare passes."""
    return {
        page: {k: v for k, v in out.items() if k != "_elapsed"} for page, out in run.outputs.items()
    }


def run_all(
    scorer: ModuleType, tools: list[Tool], pages: list[Any], *, rounds: int, progress: bool
) -> dict[str, dict[str, Any]]:
    """Score every tool: quality from its first pass, speed the median of ``rounds`` more.

    The first pass over the corpus, imports already done, is timed as "cold": some tools
    pay for lazy set-up there (trafilatura runs ~30 pages/s on its first pass over any
    pages and ~45 on later ones, fresh pages included), which a long crawl does not. The
    timed rounds that follow measure steady throughput; they go tool after tool, so drift
    in machine load falls on every tool. A tool whose answers change between passes is
    reported in ``unstable_pages``.
    """
    first: dict[str, Any] = {}
    for tool in tools:
        _say(progress, f"first pass: {tool.name} on {len(pages)} pages ...")
        gc.collect()
        first[tool.name] = scorer.run_callable(tool.name, tool.version, tool.extract, pages)
    timed_runs: dict[str, list[Any]] = {tool.name: [] for tool in tools}
    for index in range(rounds):
        for tool in tools:
            _say(progress, f"timed round {index + 1}/{rounds}: {tool.name} ...")
            gc.collect()
            run = scorer.run_callable(tool.name, tool.version, tool.extract, pages)
            timed_runs[tool.name].append(run)
    results = {}
    for tool in tools:
        result = scorer.score_run(first[tool.name], pages)
        speeds = [scorer.score_run(run, pages) for run in timed_runs[tool.name]]
        result["pages_per_s_cold"] = result["pages_per_s"]
        result["pages_per_s"] = statistics.median(r["pages_per_s"] for r in speeds)
        ms = [r["ms_median"] for r in speeds if r["ms_median"] is not None]
        result["ms_median"] = statistics.median(ms) if ms else None
        result["rounds"] = rounds
        answers = _answers(first[tool.name])
        result["unstable_pages"] = sorted(
            {
                page
                for run in timed_runs[tool.name]
                for page, out in _answers(run).items()
                if out != answers.get(page)
            }
        )
        results[tool.name] = result
    return results


def fmt(value: Any) -> str:
    """A number as the scorer's tables print it; "n/a" for a field the tool does not give."""
    if value is None:
        return "n/a"
    if isinstance(value, float):
        return f"{value:.1f}" if value >= 10 else f"{value:.3f}"
    return str(value)


def markdown_table(results: dict[str, dict[str, Any]]) -> str:
    """One row per tool, one column per metric."""
    head = ["tool", "version", "errors", *(m.heading for m in METRICS)]
    lines = ["| " + " | ".join(head) + " |", "|" + "|".join("---" for _ in head) + "|"]
    for name, r in results.items():
        cells = [name, r["version"] or "", str(r["errors"])]
        cells += [fmt(r.get(m.key)) for m in METRICS]
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines) + "\n"


def winners(results: dict[str, dict[str, Any]]) -> str:
    """The best tool for each field, ties named together."""
    parts = []
    for metric in (m for m in METRICS if m.key in WINNER_FIELDS):
        scored = {n: r[metric.key] for n, r in results.items() if r.get(metric.key) is not None}
        if not scored:
            continue
        best = (max if metric.higher_is_better else min)(scored.values())
        names = " = ".join(n for n, v in scored.items() if round(v, 3) == round(best, 3))
        parts.append(f"{metric.heading} {names} ({fmt(best)})")
    return "Winner: " + "; ".join(parts)


def speed_ratio(results: dict[str, dict[str, Any]], key: str = "pages_per_s") -> float | None:
    """Our pages/s over trafilatura's (``key``: steady or first pass), None without it."""
    ours, theirs = results.get(OURS), results.get("trafilatura")
    if not ours or not theirs or not theirs.get(key):
        return None
    return float(ours[key]) / float(theirs[key])


def ratio_sentence(results: dict[str, dict[str, Any]]) -> str:
    """Our speed as a multiple of trafilatura's, steady and on the first pass."""
    steady, cold = speed_ratio(results), speed_ratio(results, "pages_per_s_cold")
    if steady is None or cold is None:
        return ""
    return (
        f"speed: newsarchive's pages/s are {steady:.2f}x trafilatura's "
        f"({cold:.2f}x on the first pass)"
    )


@dataclass(frozen=True, slots=True)
class Goal:
    """A target from issue 3: a floor, and optionally a rival whose score must be beaten."""

    metric: str
    floor: float
    rival: str | None = None
    text: str = ""


GOALS = (
    Goal("snip_f1", 0.96, "trafilatura", "snippet F1 >= 0.96 and above trafilatura's"),
    Goal("title_exact", 0.90, None, "title exact >= 0.90"),
    Goal("date_acc", 0.93, "htmldate", "published date (day) >= 0.93 and above htmldate's"),
    Goal("author_exact", 0.80, None, "author exact >= 0.80"),
)
SPEED_GOAL = 3.0  # times trafilatura's pages/s, same process, same run


def goal_lines(results: dict[str, dict[str, Any]]) -> list[str]:
    """Each goal of issue 3 with our score and "met" / "not met" (or why it is unknown)."""
    ours = results.get(OURS, {})
    lines = []
    for goal in GOALS:
        value = ours.get(goal.metric)
        rival = results.get(goal.rival, {}).get(goal.metric) if goal.rival else None
        if value is None:
            mark = "unknown (no score: no gold for it in this run)"
        elif goal.rival and rival is None:
            mark = f"unknown ({goal.rival} not run)"
        elif value >= goal.floor and (rival is None or value > rival):
            mark = "met"
        else:
            mark = "not met"
        against = f" vs {goal.rival} {fmt(rival)}" if goal.rival else ""
        lines.append(f"- {goal.text}: {fmt(value)}{against}: **{mark}**")
    ratio = speed_ratio(results)
    if ratio is None:
        lines.append(
            f"- pages/s >= {SPEED_GOAL:g}x trafilatura's: **unknown** (trafilatura not run)"
        )
    else:
        mark = "met" if ratio >= SPEED_GOAL else "not met"
        lines.append(
            f"- pages/s >= {SPEED_GOAL:g}x trafilatura's (steady, after a first pass): "
            f"{ratio:.2f}x: **{mark}**"
        )
    return lines


def hard_pages(results: dict[str, dict[str, Any]]) -> dict[str, list[str]]:
    """Page ids on which every tool that gives a field gets it wrong, by field."""
    wrong: dict[str, dict[str, set[str]]] = {}
    for name, result in results.items():
        for rec in result["_per_page"]:
            fields = {
                "body": "missing" in rec or "leaked" in rec,
                "title": "title" in rec,
                "published": "published" in rec,
                "author": "author" in rec,
            }
            for field, missed in fields.items():
                wrong.setdefault(field, {}).setdefault(name, set())
                if missed:
                    wrong[field][name].add(rec["id"])
    out = {}
    gives = {
        "body": "snip_f1",
        "title": "title_exact",
        "published": "date_acc",
        "author": "author_exact",
    }
    for field, by_tool in wrong.items():
        sets = [ids for name, ids in by_tool.items() if results[name].get(gives[field]) is not None]
        if len(sets) > 1:
            out[field] = sorted(set.intersection(*sets))
    return out


def section_text(
    results: dict[str, dict[str, Any]],
    *,
    command: str,
    gold: dict[str, Any],
    scorer_file: Path,
    corpus_label: str,
) -> str:
    """The whole "## Extraction" section of docs/benchmarks.md."""
    rounds = next(iter(results.values()))["rounds"]
    speed = ratio_sentence(results)
    notes = (
        "n/a: the tool gives no such field. Snippet P/R/F1 pool all must / must-not snippets: "
        "tp = must found, fn = must missing, fp = must-not found (so must = snippet R). "
        "title: exact after normalisation. date: the day, a missing date counts as wrong; "
        "date cov: share of pages given a date. author: the same set of names. "
        "pages/s: all pages over wall-clock seconds, file reads included, the median of "
        f"{rounds} timed pass(es) after a first pass; pages/s first pass: that first pass, "
        "where some tools pay for lazy set-up. ms/page: median time inside the extractor. "
        "Quality numbers equal the reference scorer's for the same tool."
    )
    return "\n".join(
        [
            SECTION,
            "",
            "newsarchive's parser side by side with other extractors on the reference corpus "
            f"(`{corpus_label}`: real pages annotated by others), scored by the reference "
            f"scorer `{scorer_file.name}` (its `run_callable` and `score_run`; the other tools "
            "through its built-in adapters), all tools in one process with warm imports.",
            "",
            f"Gold: {gold['pages']} pages; snippets on {gold['snippet_pages']} pages "
            f"({gold['must']} must / {gold['must_not']} must-not); title {gold['title']}; "
            f"date {gold['published']}; author {gold['author']}.",
            "",
            markdown_table(results),
            winners(results) + ".",
            "",
            *([speed[0].upper() + speed[1:] + "."] if speed else []),
            "",
            notes,
            "",
            "### Goals (issue 3)",
            "",
            *goal_lines(results),
            "",
            *how_it_was_run(command, LIBRARIES),
        ]
    )


def main(argv: list[str] | None = None) -> int:
    """Run the benchmark, print the table and goals, optionally rewrite docs/benchmarks.md."""
    parser = argparse.ArgumentParser(
        prog="python -m bench.extraction",
        description="newsarchive's parser vs other extractors on the reference corpus.",
        epilog="example: .venv/bin/python -m bench.extraction --write docs/benchmarks.md",
    )
    parser.add_argument(
        "--corpus",
        type=Path,
        default=DEFAULT_CORPUS,
        help="the corpus folder; its sibling tools/score.py is the scorer "
        "(default: ../shared/corpus)",
    )
    parser.add_argument(
        "--tool",
        action="append",
        choices=(OURS, *OTHER_TOOLS),
        help="run only these tools (repeatable); newsarchive always runs",
    )
    parser.add_argument(
        "--rounds",
        type=int,
        default=2,
        help="timed passes per tool after its first pass; speed is their median (default 2)",
    )
    parser.add_argument("--limit", type=int, help="only the first N pages (a quick look)")
    parser.add_argument(
        "--write", type=Path, metavar="FILE", help="rewrite the '## Extraction' section of FILE"
    )
    parser.add_argument("--json", type=Path, metavar="FILE", help="all numbers as JSON")
    parser.add_argument("-q", "--quiet", action="store_true", help="no progress on stderr")
    args = parser.parse_args(argv)
    if args.rounds < 1:
        parser.error("--rounds must be at least 1")

    scorer = load_scorer(args.corpus)
    pages = scorer.load_pages([args.corpus], args.limit)
    if not pages:
        raise SystemExit(f"bench.extraction: no pages in {args.corpus}")
    tools, skipped = load_tools(scorer, args.tool or OTHER_TOOLS)
    for line in skipped:
        print(f"skipped {line}", file=sys.stderr)
    results = run_all(scorer, tools, pages, rounds=args.rounds, progress=not args.quiet)

    gold = scorer.gold_counts(pages)
    print(markdown_table(results))
    print(winners(results))
    if sentence := ratio_sentence(results):
        print(sentence)
    for name, result in results.items():
        if result["unstable_pages"]:
            print(
                f"warning: {name} answered differently between passes on "
                f"{len(result['unstable_pages'])} page(s): {', '.join(result['unstable_pages'])}"
            )
    print()
    print("\n".join(goal_lines(results)))
    for field, ids in hard_pages(results).items():
        print(
            f"every tool that gives {field} gets it wrong on {len(ids)} page(s)"
            + (f": {', '.join(ids)}" if ids else "")
        )

    if args.json:
        args.json.write_text(
            json.dumps(
                {
                    "gold": gold,
                    "results": {
                        n: {k: v for k, v in r.items() if k != "_per_page"}
                        for n, r in results.items()
                    },
                },
                indent=2,
            )
            + "\n",
            encoding="utf-8",
        )
    if args.write:
        command = command_line("bench.extraction", argv)
        corpus_label = os.path.relpath(args.corpus.resolve(), REPO)
        write_section(
            args.write,
            SECTION,
            section_text(
                results,
                command=command,
                gold=gold,
                scorer_file=scorer_path(args.corpus),
                corpus_label=corpus_label,
            ),
        )
        print(f"wrote {args.write}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
