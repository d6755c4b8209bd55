"""Fuzz parse_article with seeded mutations of the fixture and demo pages for N minutes.

    PYTHONPATH=. .venv/bin/python bench/fuzz.py --minutes 3
    PYTHONPATH=. .venv/bin/python bench/fuzz.py --seed 12345     # replay one input

Reports inputs tried, exceptions and invalid records (each with the seed that replays it),
the slowest inputs and their times. The slowest are timed again at the end: a first parse
can include a one-off cost (dateparser loads a language's data the first time it meets
it), which the second time leaves out. The mutations and the validity checks are the CI test's
(tests/parsers/robustness.py), so a seed found here reproduces there.
"""

from __future__ import annotations

import argparse
import sys
import time
import traceback

from parsers import parse_article
from tests.parsers.robustness import mutated, record_problems, seed_pages

_SLOWEST = 5  # inputs to time again at the end


def main(argv: list[str] | None = None) -> int:
    options = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    options.add_argument("--minutes", type=float, default=3.0, help="how long to run")
    options.add_argument("--start", type=int, default=1_000_000, help="first seed (CI uses 0..249)")
    options.add_argument("--seed", type=int, help="replay this one seed, with a traceback")
    args = options.parse_args(argv)
    pages = seed_pages()
    if args.seed is not None:
        url, data, how = mutated(pages, args.seed)
        print(f"seed {args.seed}: {how} of {url} ({len(data)} bytes)")
        record = parse_article(data, url)
        verdict = record_problems(record, url) or "valid record" if record else "not an article"
        print(verdict)
        return 0
    deadline = time.monotonic() + args.minutes * 60
    tried = records = 0
    failures: list[str] = []
    slowest: list[tuple[float, int, str, int]] = []  # (seconds, seed, mutations, bytes)
    seed = args.start
    started = time.monotonic()
    while time.monotonic() < deadline:
        url, data, how = mutated(pages, seed)
        began = time.perf_counter()
        try:
            record = parse_article(data, url)
        except Exception as error:  # a fuzzer reports every failure and goes on
            failures.append(f"seed {seed} ({how}): {type(error).__name__}: {error}")
            traceback.print_exc(limit=-3, file=sys.stderr)
            record = None
        took = time.perf_counter() - began
        slowest = sorted([*slowest, (took, seed, how, len(data))], reverse=True)[:_SLOWEST]
        if record is not None:
            records += 1
            if problems := record_problems(record, url):
                failures.append(f"seed {seed} ({how}): invalid record: {problems}")
        tried += 1
        seed += 1
    elapsed = time.monotonic() - started
    print(f"pages mutated: {len(pages)}; seeds {args.start}..{seed - 1}")
    print(f"inputs tried: {tried} in {elapsed:.0f} s ({tried / elapsed:.0f}/s); records: {records}")
    print(f"mean {elapsed / tried * 1000:.1f} ms an input, mutation included")
    print("slowest inputs: first parse -> parsed again")
    warm = []
    for took, slow_seed, how, size in slowest:
        url, data, _how = mutated(pages, slow_seed)
        began = time.perf_counter()
        parse_article(data, url)
        warm.append(again := time.perf_counter() - began)
        print(f"  seed {slow_seed} ({how}, {size} bytes): {took:.3f} -> {again:.3f} s")
    first = slowest[0][0] if slowest else 0.0
    print(f"max ms/page: {max(warm, default=0) * 1000:.0f} (first parse {first * 1000:.0f})")
    print(f"exceptions and invalid records: {len(failures)}")
    for failure in failures:
        print("  " + failure)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
