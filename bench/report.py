"""What every benchmark writes beside its numbers: the machine, and its own section of
docs/benchmarks.md (each script rewrites only its own "## " section)."""

from __future__ import annotations

import os
import platform
import re
import shlex
import sys
from datetime import UTC, datetime
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path

DOC_HEADER = """# Benchmarks

Measured numbers, each section rewritten by the script that produces it (see
`bench/README.md`). Compare ratios measured in one run: the machines are noisy.
"""


def dist_version(name: str) -> str | None:
    try:
        return version(name)
    except PackageNotFoundError:
        return None


def machine() -> str:
    """CPU model, core count and memory, e.g. "AMD EPYC, 2 cores; memory 23.5 GiB"."""
    cpu = platform.processor() or "unknown CPU"
    memory = "unknown"
    try:
        cpuinfo = Path("/proc/cpuinfo").read_text(encoding="utf-8", errors="replace")
        if found := re.search(r"^model name\s*:\s*(.+)$", cpuinfo, re.M):
            cpu = found.group(1).strip()
        meminfo = Path("/proc/meminfo").read_text(encoding="utf-8")
        if found := re.search(r"^MemTotal:\s*(\d+) kB", meminfo, re.M):
            memory = f"{int(found.group(1)) / 1024**2:.1f} GiB"
    except OSError:
        pass
    return f"{cpu}, {os.cpu_count()} cores; memory {memory}"


def machine_lines(libraries: tuple[str, ...] = ()) -> list[str]:
    """Markdown list lines: machine, OS and Python, and the versions of `libraries`."""
    lines = [
        f"- machine: {machine()}",
        f"- OS: {platform.system()} {platform.release()}; "
        f"Python {platform.python_version()} ({platform.python_implementation()})",
    ]
    if libraries:
        found = ", ".join(f"{name} {dist_version(name) or 'not installed'}" for name in libraries)
        lines.append(f"- libraries: {found}")
    return lines


def replace_section(document: str, heading: str, section: str) -> str:
    """`document` with the section under `heading` ("## Name") replaced by `section`, or
    `section` appended when there is none yet."""
    lines = document.splitlines(keepends=True)
    start = next((i for i, line in enumerate(lines) if line.rstrip() == heading), None)
    if start is None:
        body = document.rstrip("\n")
        return (body + "\n\n" if body else "") + section
    end = next((i for i in range(start + 1, len(lines)) if lines[i].startswith("## ")), len(lines))
    tail = "".join(lines[end:])
    return "".join(lines[:start]) + section + ("\n" + tail if tail else "")


def write_section(path: Path, heading: str, section: str) -> None:
    """Rewrite one section of `path`, creating the file when it is missing."""
    document = path.read_text(encoding="utf-8") if path.exists() else DOC_HEADER
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(replace_section(document, heading, section), encoding="utf-8")


def command_line(module: str, argv: list[str] | None) -> str:
    """How the benchmark was invoked, as a reader would type it."""
    raw = sys.argv[1:] if argv is None else argv
    return shlex.join([".venv/bin/python", "-m", module, *raw])


def how_it_was_run(
    command: str, libraries: tuple[str, ...] = (), more: tuple[str, ...] = ()
) -> list[str]:
    """The closing "### How it was run" block of a section: date, command, machine, and
    `more` list lines of the benchmark's own."""
    return [
        "### How it was run",
        "",
        f"- date: {datetime.now(UTC).strftime('%Y-%m-%d %H:%M UTC')}",
        f"- command: `{command}`",
        *machine_lines(libraries),
        *more,
        "",
    ]


def publish(section: str, heading: str, path: Path | None) -> None:
    """Print the section; with `path`, also rewrite that section of the file."""
    print(section)
    if path is not None:
        write_section(path, heading, section)
        print(f"wrote {heading!r} in {path}", file=sys.stderr)
