"""`newsarchive schedule`: the cron line and systemd units of a nightly crawl, and their
installation into a fake `crontab` and a private config folder (never the user's own)."""

from __future__ import annotations

import configparser
import json
import os
import shlex
import shutil
import stat
import subprocess
import sys
from pathlib import Path

import pytest

import scheduling
from cli import EXIT_ARCHIVE, EXIT_OK, EXIT_USAGE, main
from scheduling import ScheduledCrawl

# A stand-in for `crontab` that keeps the table in a file beside itself, as cron does.
FAKE_CRONTAB = """#!/bin/sh
store="$(dirname "$0")/crontab.txt"
case "$1" in
  -l) if [ -f "$store" ]; then cat "$store"; else echo "no crontab for $USER" >&2; exit 1; fi ;;
  -) cat > "$store" ;;
  *) echo "usage: crontab [-l | -]" >&2; exit 2 ;;
esac
"""
# A stand-in for `newsarchive` that prints the arguments it was given, as JSON.
ECHO_ARGUMENTS = f"""#!{sys.executable}
import json, sys
print(json.dumps(sys.argv[1:]))
"""


def executable(path: Path, text: str) -> Path:
    path.write_text(text)
    path.chmod(0o755)
    return path


def job_in(folder: Path, **overrides: object) -> ScheduledCrawl:
    """A scheduled crawl whose paths hold what a shell or systemd could trip on."""
    fields: dict[str, object] = {
        "site": "chamberlainfiles",
        "target": "chamberlainfiles",
        "executable": str(executable(folder / "news archive", ECHO_ARGUMENTS)),
        "db": str(folder / "it's 100% $HOME.sqlite"),
        "log_file": folder / "logs dir" / "chamberlainfiles.log",
        "hour": 2,
        "minute": 30,
        **overrides,
    }
    return ScheduledCrawl(**fields)  # type: ignore[arg-type]


def one_line_error(err: str) -> str:
    lines = [line for line in err.splitlines() if line.strip()]
    assert len(lines) == 1, err
    assert "Traceback" not in err
    return lines[0]


# --- rendering ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"), [("02:30", (2, 30)), ("2:05", (2, 5)), ("23:59", (23, 59))]
)
def test_times_of_day_are_read_on_a_24_hour_clock(text: str, expected: tuple[int, int]) -> None:
    assert scheduling.parse_time_of_day(text) == expected


@pytest.mark.parametrize("text", ["24:00", "02:60", "2pm", "02:30:00", "0230", "", "-1:30"])
def test_anything_but_hh_mm_is_refused(text: str) -> None:
    with pytest.raises(ValueError, match="HH:MM"):
        scheduling.parse_time_of_day(text)


def test_the_cron_line_runs_the_crawl_as_given_under_sh(tmp_path: Path) -> None:
    """Run the line's command as cron would (its \\% back to %, then /bin/sh): the crawl
    gets its arguments whole, and its output lands in the log."""
    job = job_in(tmp_path)
    line = scheduling.cron_line(job)
    minute, hour, *every_day, command = line.split(" ", 5)
    assert (minute, hour, every_day) == ("30", "2", ["*", "*", "*"])
    assert "%" not in command.replace(r"\%", "")  # cron would cut the line at a bare %
    job.log_file.parent.mkdir()
    subprocess.run(["/bin/sh", "-c", command.replace(r"\%", "%")], check=True)
    logged = job.log_file.read_text().splitlines()
    assert [json.loads(entry) for entry in logged] == [scheduling.crawl_command(job)[1:]]
    assert scheduling.crawl_command(job)[1:] == [
        "crawl",
        "chamberlainfiles",
        "--db",
        job.db,
        "--jobdir",
        "auto",
    ]
    assert line.endswith("  # newsarchive:chamberlainfiles")


def test_merging_replaces_the_sites_line_and_keeps_every_other(tmp_path: Path) -> None:
    site_line = scheduling.cron_line(job_in(tmp_path))
    existing = (
        "MAILTO=me@example.org\n"
        "0 1 * * * /old/newsarchive crawl chamberlainfiles  # newsarchive:chamberlainfiles\n"
        "0 3 * * * backup.sh\n"
        "0 4 * * * /old/newsarchive crawl x  # newsarchive:notchamberlainfiles\n"
        "5 4 * * * /old/newsarchive crawl again  # newsarchive:chamberlainfiles\n"
    )
    merged = scheduling.merged_crontab(existing, site_line, site="chamberlainfiles")
    assert merged.splitlines() == [
        "MAILTO=me@example.org",
        site_line,
        "0 3 * * * backup.sh",
        "0 4 * * * /old/newsarchive crawl x  # newsarchive:notchamberlainfiles",
    ]
    assert scheduling.merged_crontab("", site_line, site="chamberlainfiles") == site_line + "\n"
    appended = scheduling.merged_crontab("0 3 * * * backup.sh", site_line, site="chamberlainfiles")
    assert appended == f"0 3 * * * backup.sh\n{site_line}\n"


def parsed_unit(text: str) -> configparser.ConfigParser:
    parser = configparser.ConfigParser(interpolation=None, strict=True)
    parser.optionxform = str  # type: ignore[assignment,method-assign]  # keys keep their case
    parser.read_string(text)
    return parser


def test_systemd_units_are_a_oneshot_service_and_a_persistent_daily_timer(tmp_path: Path) -> None:
    job = job_in(tmp_path, hour=7, minute=5)
    units = scheduling.systemd_units(job)
    assert set(units) == {
        "newsarchive-chamberlainfiles.service",
        "newsarchive-chamberlainfiles.timer",
    }
    service = parsed_unit(units["newsarchive-chamberlainfiles.service"])
    assert service["Service"]["Type"] == "oneshot"
    # systemd's quoting as a POSIX shell reads double quotes; % and $ doubled for systemd.
    words = [
        word.replace("%%", "%").replace("$$", "$")
        for word in shlex.split(service["Service"]["ExecStart"])
    ]
    assert words == scheduling.crawl_command(job)
    log = str(job.log_file).replace("%", "%%")
    assert service["Service"]["StandardOutput"] == f"append:{log}"
    assert service["Service"]["StandardError"] == f"append:{log}"
    assert service["Service"]["SuccessExitStatus"] == "75"
    timer = parsed_unit(units["newsarchive-chamberlainfiles.timer"])
    assert timer["Timer"]["OnCalendar"] == "*-*-* 07:05:00"
    assert timer["Timer"]["Persistent"] == "true"
    assert timer["Install"]["WantedBy"] == "timers.target"


def test_systemd_accepts_the_units_when_it_is_here_to_ask(tmp_path: Path) -> None:
    """`systemd-analyze verify` reads the units as systemd will, executable included (a
    setting systemd ignores is only a warning there, so its output must be silent too)."""
    units = scheduling.systemd_units(job_in(tmp_path))
    for name, text in units.items():
        (tmp_path / name).write_text(text)
    analyze = shutil.which("systemd-analyze")
    if analyze is None:  # the configparser test above still checks the structure
        return
    checked = subprocess.run(
        [analyze, "verify", *(str(tmp_path / name) for name in units)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert checked.returncode == 0, checked.stderr
    assert "newsarchive-" not in checked.stderr, checked.stderr


def test_logs_default_to_the_xdg_state_folder(tmp_path: Path) -> None:
    state = tmp_path / "state"
    assert scheduling.default_log_dir({"XDG_STATE_HOME": str(state)}) == (
        state / "newsarchive" / "logs"
    )
    # A relative XDG_STATE_HOME is to be ignored, says the XDG Base Directory specification.
    home_default = Path.home() / ".local" / "state" / "newsarchive" / "logs"
    assert scheduling.default_log_dir({"XDG_STATE_HOME": "state"}) == home_default
    assert scheduling.default_log_dir({}) == home_default


# --- the command ----------------------------------------------------------------------------


@pytest.fixture
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """XDG folders, working folder and `crontab` of this test's own; `systemctl` records
    any call, which must never come."""
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path / "state"))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "config"))
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    crontab = executable(bin_dir / "crontab", FAKE_CRONTAB)
    monkeypatch.setenv("NEWSARCHIVE_CRONTAB", str(crontab))
    executable(bin_dir / "systemctl", f'#!/bin/sh\necho "$@" >> "{tmp_path}/systemctl.calls"\n')
    monkeypatch.setenv("PATH", f"{bin_dir}{os.pathsep}{os.environ['PATH']}")
    monkeypatch.chdir(tmp_path)
    return tmp_path


def test_schedule_prints_a_cron_line_with_absolute_paths(capsys, home: Path) -> None:
    assert main(["schedule", "chamberlainfiles", "--at", "02:30", "--db", "news.sqlite"]) == 0
    out = capsys.readouterr().out
    assert len(out.splitlines()) == 1
    words = shlex.split(out, comments=True)
    assert words[:5] == ["30", "2", "*", "*", "*"]
    newsarchive = Path(words[5])
    assert newsarchive.is_absolute() and newsarchive.name == "newsarchive"
    assert os.access(newsarchive, os.X_OK)
    log = home / "state" / "newsarchive" / "logs" / "chamberlainfiles.log"
    assert words[6:] == [
        "crawl",
        "chamberlainfiles",
        "--db",
        str(home / "news.sqlite"),
        "--jobdir",
        "auto",
        ">>",
        str(log),
        "2>&1",
    ]
    assert not (home / "crontab.txt").exists() and not log.parent.exists()  # printed only


def test_a_start_url_is_crawled_as_given_and_named_by_its_host(capsys, home: Path) -> None:
    args = ["schedule", "https://www.example.co.uk/news/", "--at", "4:00", "--log-dir", "logs"]
    assert main(args) == EXIT_OK
    line = capsys.readouterr().out.strip()
    words = shlex.split(line, comments=True)
    assert words[7] == "https://www.example.co.uk/news/"
    assert words[-2] == str(home / "logs" / "example.co.uk.log")
    assert line.endswith("# newsarchive:example.co.uk")


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["nosuchsite", "--at", "02:30"], "no site profile 'nosuchsite'"),
        (["chamberlainfiles", "--at", "25:00"], "HH:MM"),
        (["chamberlainfiles", "--at", "02:30", "--db", ":memory:"], "in-memory"),
        (["ftp://example.org/", "--at", "02:30"], "http(s)"),
    ],
)
def test_a_bad_site_time_or_archive_is_one_line_and_exit_2(
    capsys, home: Path, args: list[str], message: str
) -> None:
    assert main(["schedule", *args, "--install"]) == EXIT_USAGE
    assert message in one_line_error(capsys.readouterr().err)
    assert not (home / "crontab.txt").exists()


def test_a_db_that_is_not_an_archive_is_refused_now_not_at_night(capsys, home: Path) -> None:
    notes = home / "notes.sqlite"
    notes.write_text("my notes\n" * 40)
    args = ["schedule", "chamberlainfiles", "--at", "02:30", "--db", str(notes), "--install"]
    assert main(args) == EXIT_ARCHIVE
    assert "notes.sqlite" in one_line_error(capsys.readouterr().err)
    assert not (home / "bin" / "crontab.txt").exists()


def test_install_merges_into_the_crontab_and_replaces_the_sites_earlier_line(
    capsys, home: Path
) -> None:
    (home / "bin" / "crontab.txt").write_text("0 3 * * * backup.sh\n")
    args = ["schedule", "chamberlainfiles", "--db", "news.sqlite", "--install"]
    assert main([*args, "--at", "02:30"]) == EXIT_OK
    assert main([*args, "--at", "05:15"]) == EXIT_OK
    lines = (home / "bin" / "crontab.txt").read_text().splitlines()
    assert lines[0] == "0 3 * * * backup.sh"
    assert len(lines) == 2
    assert lines[1].startswith("15 5 * * * ")
    assert lines[1].endswith("# newsarchive:chamberlainfiles")
    assert (home / "state" / "newsarchive" / "logs").is_dir()  # cron's >> needs the folder
    assert "installed in your crontab" in capsys.readouterr().out


def test_install_starts_a_crontab_for_a_user_without_one(home: Path) -> None:
    assert main(["schedule", "chamberlainfiles", "--at", "02:30", "--install"]) == EXIT_OK
    lines = (home / "bin" / "crontab.txt").read_text().splitlines()
    assert [line.split()[:5] for line in lines] == [["30", "2", "*", "*", "*"]]


def test_a_crontab_that_cannot_be_read_is_one_line_and_exit_4(
    capsys, home: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    refusing = executable(
        home / "bin" / "refusing-crontab",
        "#!/bin/sh\necho 'you (me) are not allowed to use this program (crontab)' >&2\nexit 1\n",
    )
    monkeypatch.setenv("NEWSARCHIVE_CRONTAB", str(refusing))
    assert main(["schedule", "chamberlainfiles", "--at", "02:30", "--install"]) == EXIT_ARCHIVE
    assert "not allowed" in one_line_error(capsys.readouterr().err)


def test_install_for_systemd_writes_private_units_and_only_prints_systemctl(
    capsys, home: Path
) -> None:
    args = ["schedule", "chamberlainfiles", "--at", "02:30", "--systemd", "--install"]
    assert main(args) == EXIT_OK
    unit_dir = home / "config" / "systemd" / "user"
    service = unit_dir / "newsarchive-chamberlainfiles.service"
    timer = unit_dir / "newsarchive-chamberlainfiles.timer"
    assert "OnCalendar=*-*-* 02:30:00" in timer.read_text()
    assert "ExecStart=" in service.read_text()
    for unit in (service, timer):
        assert stat.S_IMODE(unit.stat().st_mode) == 0o600  # --db may hold a password
    out = capsys.readouterr().out
    assert (
        "systemctl --user daemon-reload && "
        "systemctl --user enable --now newsarchive-chamberlainfiles.timer"
    ) in out
    assert not (home / "systemctl.calls").exists()
    assert not (home / "bin" / "crontab.txt").exists()


def test_systemd_without_install_prints_both_units_and_writes_nothing(capsys, home) -> None:
    assert main(["schedule", "chamberlainfiles", "--at", "02:30", "--systemd"]) == EXIT_OK
    out = capsys.readouterr().out
    assert "[Service]" in out and "[Timer]" in out
    assert not (home / "config").exists()
