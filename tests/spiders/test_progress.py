"""The crawl's progress on stderr: a live line per site on a terminal (run under a
pseudo-terminal here), plain timestamped lines without control characters otherwise."""

from __future__ import annotations

import fcntl
import os
import pty
import re
import struct
import subprocess
import sys
import termios
import threading
from collections.abc import Iterator
from contextlib import ExitStack
from pathlib import Path

import pytest
from scrapy.exceptions import NotConfigured
from scrapy.utils.test import get_crawler

from spiders.progress import ProgressExtension, progress_line, readable_elapsed
from tests.spiders.fixture_site import serve_site

ROOT = Path(__file__).resolve().parents[2]
SITES = ("north", "south")
EXIT_PARTIAL = 5  # the fixture site links to a page that is gone: one failure a site
# The CLI in a child process (the reactor runs once per process); plain lines come every
# PROGRESS_INTERVAL seconds, a minute by default, here often enough to see some.
CHILD = """
import sys, settings, cli
settings.PROGRESS_INTERVAL = 0.2
sys.exit(cli.main(sys.argv[1:]))
"""
ANSI_ESCAPE = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]")
LINE = re.compile(
    r"(?P<site>\w+): (?P<pages>\d+) pages, (?P<new>\d+) new, (?P<updated>\d+) updated, "
    r"(?P<failures>\d+) failures, \d+ pages/min, (\d+h)?(\d+m)?\d+s"
)
SUMMARY = re.compile(
    r"crawl summary: site: (?P<site>\w+), pages: (?P<pages>\d+), new: (?P<new>\d+), "
    r"updated: (?P<updated>\d+), .*failures: (?P<failures>\d+)"
)


def test_the_line_counts_pages_articles_and_failures_with_rate_and_time() -> None:
    stats = {
        "response_received_count": 240,
        "archive/inserted": 31,
        "archive/updated": 4,
        "archive/failures": 2,
        "item_scraped_count": 40,
    }
    assert progress_line("chamberlainfiles", stats, 125.0) == (
        "chamberlainfiles: 240 pages, 31 new, 4 updated, 2 failures, 115 pages/min, 2m05s"
    )
    assert progress_line("demo", {}, 0.0) == (
        "demo: 0 pages, 0 new, 0 updated, 0 failures, 0 pages/min, 0s"
    )


@pytest.mark.parametrize(
    ("seconds", "shown"), [(0.4, "0s"), (59.9, "59s"), (61, "1m01s"), (3725, "1h02m")]
)
def test_elapsed_time_reads_at_a_glance(seconds: float, shown: str) -> None:
    assert readable_elapsed(seconds) == shown


@pytest.mark.parametrize("mode", ["", "fancy"])
def test_the_extension_stays_off_unless_progress_is_live_or_plain(mode: str) -> None:
    crawler = get_crawler(settings_dict={"PROGRESS": mode})
    with pytest.raises(NotConfigured):
        ProgressExtension.from_crawler(crawler)


@pytest.fixture(scope="module")
def profiles(tmp_path_factory: pytest.TempPathFactory) -> Iterator[list[str]]:
    """Two copies of the fixture site, each with a profile file naming it."""
    folder = tmp_path_factory.mktemp("progress")
    with ExitStack() as stack:
        paths = []
        for name in SITES:
            server = stack.enter_context(serve_site())
            path = folder / f"{name}.toml"
            path.write_text(f'name = "{name}"\nstart_urls = ["{server.base_url}/"]\n')
            paths.append(str(path))
        yield paths


def crawl_args(profiles: list[str], db: Path) -> list[str]:
    return [
        sys.executable,
        "-c",
        CHILD,
        "crawl",
        *profiles,
        "--db",
        str(db),
        "--delay",
        "0.05",
        "--parse-processes",
        "0",
    ]


def summaries(stdout: str) -> dict[str, dict[str, str]]:
    found = {m["site"]: m.groupdict() for m in SUMMARY.finditer(stdout)}
    assert set(found) == set(SITES), stdout
    return found


def test_on_a_terminal_a_live_line_per_site_ends_on_the_summarys_counts(
    profiles: list[str], tmp_path: Path
) -> None:
    controller, terminal = pty.openpty()
    fcntl.ioctl(terminal, termios.TIOCSWINSZ, struct.pack("HHHH", 40, 120, 0, 0))
    env = {**os.environ, "PYTHONPATH": str(ROOT), "TERM": "xterm-256color", "COLUMNS": "120"}
    with subprocess.Popen(
        crawl_args(profiles, tmp_path / "archive.sqlite"),
        stdout=subprocess.PIPE,
        stderr=terminal,
        env=env,
        cwd=ROOT,
        text=True,
    ) as child:
        os.close(terminal)
        received: list[bytes] = []
        reader = threading.Thread(target=read_until_closed, args=(controller, received))
        reader.start()
        stdout, _ = child.communicate(timeout=120)
        reader.join(timeout=30)
    os.close(controller)
    shown = b"".join(received).decode("utf-8", "replace")
    assert child.returncode == EXIT_PARTIAL, shown[-3000:]
    assert "\x1b[" in shown  # drawn and redrawn in place, not printed line after line
    frames = [ANSI_ESCAPE.sub("", part) for part in re.split(r"[\r\n]", shown)]
    last_line = {}
    for frame in frames:
        for match in LINE.finditer(frame):
            last_line[match["site"]] = match.groupdict()
    for site, summary in summaries(stdout).items():
        line = last_line[site]
        assert [line[key] for key in ("pages", "new", "updated", "failures")] == [
            summary[key] for key in ("pages", "new", "updated", "failures")
        ], site
        assert int(line["pages"]) > 0 and int(line["new"]) > 0 and line["failures"] == "1"


def read_until_closed(descriptor: int, chunks: list[bytes]) -> None:
    """Read a pseudo-terminal until every writer has closed it (Linux then raises EIO)."""
    while True:
        try:
            chunk = os.read(descriptor, 65536)
        except OSError:
            return
        if not chunk:
            return
        chunks.append(chunk)


def test_on_a_pipe_progress_is_plain_timestamped_lines(profiles: list[str], tmp_path) -> None:
    env = {**os.environ, "PYTHONPATH": str(ROOT), "TERM": "xterm-256color"}
    done = subprocess.run(
        crawl_args(profiles, tmp_path / "archive.sqlite"),
        capture_output=True,
        text=True,
        env=env,
        cwd=ROOT,
        timeout=120,
    )
    assert done.returncode == EXIT_PARTIAL, done.stderr[-3000:]
    assert "\x1b" not in done.stderr and "\r" not in done.stderr
    progress = [line for line in done.stderr.splitlines() if "[progress]" in line]
    assert progress, done.stderr[-3000:]
    for line in progress:
        assert re.fullmatch(r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d \[progress\] " + LINE.pattern, line)
    assert {LINE.search(line)["site"] for line in progress} <= set(SITES)  # type: ignore[index]
    summaries(done.stdout)  # the summary on stdout, as before
