"""Nightly crawls: the cron line or systemd user units that run `newsarchive crawl` for a site.

Pure functions: they render text from a `ScheduledCrawl` and merge a crontab; reading and
writing the crontab or unit files is the CLI's (commands/schedule.py).
"""

from __future__ import annotations

import os
import re
import shlex
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

CRON_TAG_PREFIX = "# newsarchive:"
# The crawl refuses to start while another crawl of the site holds its lock (exit 75): that
# one is still going, which is no failure of this one.
EXIT_LOCK_HELD = 75
# Spreads nightly crawls of many archivers over a few minutes, sparing the sites a burst.
RANDOMIZED_DELAY = "5min"


@dataclass(frozen=True, slots=True)
class ScheduledCrawl:
    """A site's nightly crawl: what runs, when, and where its output goes."""

    site: str  # the profile's name: names the log file, the units and the crontab tag
    target: str  # `newsarchive crawl`'s TARGET: a profile name, an absolute .toml path or a URL
    executable: str  # the absolute path of the `newsarchive` command
    db: str  # an absolute SQLite path or an SQLAlchemy URL
    log_file: Path  # absolute; output is appended
    hour: int
    minute: int


def parse_time_of_day(text: str) -> tuple[int, int]:
    """(hour, minute) of "HH:MM" on a 24-hour clock ("2:30" too); ValueError otherwise."""
    match = re.fullmatch(r"(\d{1,2}):(\d{2})", text.strip())
    if not match or int(match[1]) > 23 or int(match[2]) > 59:
        raise ValueError(f"--at {text!r} is not a time of day: give HH:MM, e.g. 02:30")
    return int(match[1]), int(match[2])


def slug_of(site: str) -> str:
    """`site` fit for file names, systemd unit names and the crontab tag."""
    return re.sub(r"[^A-Za-z0-9_.-]+", "-", site).strip(".-") or "site"


def default_log_dir(environ: Mapping[str, str]) -> Path:
    """$XDG_STATE_HOME/newsarchive/logs; ~/.local/state when it is unset or not absolute
    (as the XDG Base Directory specification says)."""
    state = environ.get("XDG_STATE_HOME", "")
    base = Path(state) if os.path.isabs(state) else Path.home() / ".local" / "state"
    return base / "newsarchive" / "logs"


def systemd_user_dir(environ: Mapping[str, str]) -> Path:
    """Where systemd looks for a user's own units: $XDG_CONFIG_HOME/systemd/user."""
    config = environ.get("XDG_CONFIG_HOME", "")
    base = Path(config) if os.path.isabs(config) else Path.home() / ".config"
    return base / "systemd" / "user"


def crawl_command(job: ScheduledCrawl) -> list[str]:
    """The crawl's argument list; `--jobdir auto` keeps its queue in the site's own job
    folder, so a crawl cut short (a reboot, a kill) resumes the next night."""
    return [job.executable, "crawl", job.target, "--db", job.db, "--jobdir", "auto"]


# --- cron ---------------------------------------------------------------------------------


def cron_tag(site: str) -> str:
    return CRON_TAG_PREFIX + slug_of(site)


def cron_line(job: ScheduledCrawl) -> str:
    """One crontab line: the crawl at HH:MM every day, its output appended to the log file,
    tagged with a trailing comment (the shell ignores it) so a later install replaces it.

    No flock: the crawl takes its own lock and exits 75 while an earlier one still runs.
    """
    command = shlex.join(crawl_command(job)) + f" >> {shlex.quote(str(job.log_file))} 2>&1"
    # cron turns an unescaped % into a newline; a backslash keeps it a percent sign.
    command = command.replace("%", r"\%")
    return f"{job.minute} {job.hour} * * * {command}  {cron_tag(job.site)}"


def merged_crontab(existing: str, line: str, *, site: str) -> str:
    """`existing` crontab text with `line` in place of the site's earlier line (found by its
    tag), or added at the end; every other line is kept as it was."""
    tag = cron_tag(site)
    kept: list[str] = []
    placed = False
    for old in existing.splitlines():
        if old.rstrip().endswith(tag):
            if not placed:
                kept.append(line)
                placed = True
            continue
        kept.append(old)
    if not placed:
        kept.append(line)
    return "\n".join(kept) + "\n"  # cron ignores a last line without its newline


# --- systemd ------------------------------------------------------------------------------


def unit_name_of(site: str) -> str:
    """The units' shared name, without the suffix: newsarchive-<site>."""
    return f"newsarchive-{slug_of(site)}"


def systemd_quote(argument: str) -> str:
    """One ExecStart= word: double-quoted when needed, with systemd's own specials escaped
    (% starts a specifier, $ a variable; both doubled)."""
    escaped = argument.replace("%", "%%").replace("$", "$$")
    if re.fullmatch(r"[A-Za-z0-9_@%+=:,./-]+", escaped):
        return escaped
    return '"' + escaped.replace("\\", "\\\\").replace('"', '\\"') + '"'


def systemd_units(job: ScheduledCrawl) -> dict[str, str]:
    """A user service that runs the crawl once, and the timer that starts it daily at HH:MM;
    file name -> text. Persistent=true runs a crawl missed while the machine was off at the
    next boot."""
    name = unit_name_of(job.site)
    log = str(job.log_file).replace("%", "%%")
    service = f"""\
[Unit]
Description=newsarchive: crawl {slug_of(job.site)} into the archive
# Started by {name}.timer; `systemctl --user start {name}.service` crawls now.

[Service]
Type=oneshot
ExecStart={" ".join(systemd_quote(word) for word in crawl_command(job))}
StandardOutput=append:{log}
StandardError=append:{log}
# {EXIT_LOCK_HELD}: another crawl of the site, still running, holds its lock; no failure here.
SuccessExitStatus={EXIT_LOCK_HELD}
"""
    timer = f"""\
[Unit]
Description=newsarchive: crawl {slug_of(job.site)} daily at {job.hour:02d}:{job.minute:02d}

[Timer]
OnCalendar=*-*-* {job.hour:02d}:{job.minute:02d}:00
Persistent=true
RandomizedDelaySec={RANDOMIZED_DELAY}

[Install]
WantedBy=timers.target
"""
    return {f"{name}.service": service, f"{name}.timer": timer}


def systemd_enable_command(site: str) -> str:
    return (
        "systemctl --user daemon-reload && "
        f"systemctl --user enable --now {unit_name_of(site)}.timer"
    )
