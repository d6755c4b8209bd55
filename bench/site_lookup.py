"""Which site a link belongs to, on a crawl of many sites: the per-host index of
`spiders.links.Frontier.profile_for` against a scan of every site's domains, side by side.

A worker on a shared frontier crawls every site of the batch (hundreds, a night), and asks
for every link it admits, every request it makes and every item it stores. The scan is what
`profile_for` did before the index, kept here as the baseline; both answer every URL of the
mix the same (checked before timing).

    .venv/bin/python -m bench.site_lookup --write docs/benchmarks.md
"""

from __future__ import annotations

import argparse
import timeit
from collections.abc import Callable, Sequence
from pathlib import Path

from bench.report import command_line, how_it_was_run, publish
from profiles import SiteProfile
from spiders.links import Frontier
from spiders.urls import host_of, site_domains

SECTION = "## Site lookup on a frontier of many sites"
OFFSITE = (
    "https://twitter.com/intent/tweet?url=x",
    "https://www.facebook.com/sharer/sharer.php?u=x",
    "https://cdn.jsdelivr.net/npm/x.js",
    "mailto:news@example.org",
)


def profiles_of(count: int) -> list[SiteProfile]:
    """`count` regional sites, each with a www. host and a second domain."""
    return [
        SiteProfile(
            name=f"gazette-{n}",
            start_urls=(f"https://www.gazette-{n}.co.uk/",),
            domains=(f"www.gazette-{n}.co.uk", f"gazette{n}-news.com"),
        )
        for n in range(count)
    ]


def links_of(count: int) -> list[str]:
    """A page's worth of links per site: its own articles and sections, and offsite ones."""
    links = []
    for n in range(count):
        links += [
            f"https://www.gazette-{n}.co.uk/news/2024/05/council-story-{n}/",
            f"https://gazette{n}-news.com/sport/",
            *OFFSITE,
        ]
    return links


def scan_lookup(profiles: Sequence[SiteProfile]) -> Callable[[str], SiteProfile | None]:
    """The baseline: every domain, longest first, tried against the URL's host."""
    pairs = [(domain, profile) for profile in profiles for domain in site_domains(profile.domains)]
    ordered = sorted(pairs, key=lambda pair: len(pair[0]), reverse=True)

    def lookup(url: str) -> SiteProfile | None:
        host = host_of(url).rstrip(".")
        for domain, profile in ordered:
            if host == domain or host.endswith("." + domain):
                return profile
        return None

    return lookup


def microseconds_per_lookup(lookup: Callable[[str], object], links: list[str]) -> float:
    """The best of 5 timings of looking up every link, per link."""
    rounds = max(1, 50_000 // len(links))
    best = min(timeit.repeat(lambda: [lookup(link) for link in links], number=rounds, repeat=5))
    return best / (rounds * len(links)) * 1e6


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sites", default="1,10,100,500,1000", help="site counts")
    parser.add_argument("--write", type=Path, metavar="FILE", help=f"rewrite {SECTION!r}")
    args = parser.parse_args(argv)
    rows = [
        "| sites | domains | links looked up | scan µs/link | index µs/link | scan / index |",
        "|---|---|---|---|---|---|",
    ]
    for count in [int(part) for part in args.sites.split(",")]:
        profiles = profiles_of(count)
        links = links_of(count)
        scan, index = scan_lookup(profiles), Frontier(profiles).profile_for
        wrong = [link for link in links if scan(link) is not index(link)]
        if wrong:
            raise SystemExit(f"the index answers {len(wrong)} links otherwise, e.g. {wrong[0]}")
        scan_us = microseconds_per_lookup(scan, links)
        index_us = microseconds_per_lookup(index, links)
        rows.append(
            f"| {count:,} | {2 * count:,} | {len(links):,} | {scan_us:.2f} | {index_us:.2f} "
            f"| {scan_us / index_us:.1f} |"
        )
        print(rows[-1])
    text = "\n".join(
        [
            SECTION,
            "",
            "`Frontier.profile_for` (spiders/links.py) tells which site a URL is on: a worker "
            "on a shared frontier asks it for every link it admits, every request it makes "
            "(the site's crawl delay) and every item it stores (the site's crawl run). It "
            "looks the host up in a dict, then each parent domain; the baseline scans every "
            "domain, longest first, as it did before. The links: per site an article, a "
            "section on its second domain, and four offsite links (share buttons, a CDN, "
            "mailto), as pages carry. Both answer every link the same (checked first); each "
            "figure is the best of 5 timings. Parsing the URL (urllib's urlsplit) is in both.",
            "",
            *rows,
            "",
            *how_it_was_run(command_line("bench.site_lookup", argv)),
        ]
    )
    publish(text, SECTION, args.write)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
