"""Wrong use of the frontier commands is a one-line usage error (exit 2) before anything
is reached or made: no Redis is asked, no archive file is created."""

from __future__ import annotations

from pathlib import Path

import pytest

from cli import EXIT_USAGE, main

SITE = "http://127.0.0.1:1/"
REDIS = "redis://127.0.0.1:1/0"  # nothing listens there: reaching it would be exit 3


@pytest.mark.parametrize(
    ("arguments", "words"),
    [
        (["crawl", SITE, "--seed-only"], "--seed-only needs --frontier"),
        (["crawl", SITE, "--frontier", REDIS, "--jobdir", "auto"], "--jobdir"),
        (["crawl", SITE, "--frontier", "http://127.0.0.1:6379/"], "redis://"),
        (["worker"], "--frontier is missing"),
        (["worker", "--frontier", "127.0.0.1:6379"], "redis://"),
        (["frontier", "status"], "--frontier is missing"),
        (["frontier", "clear", "--frontier", "https://127.0.0.1/", "--yes"], "redis://"),
    ],
)
def test_wrong_use_is_one_line_exit_2_and_makes_nothing(
    capsys, monkeypatch, tmp_path: Path, arguments: list[str], words: str
) -> None:
    monkeypatch.delenv("NEWSARCHIVE_FRONTIER", raising=False)
    archive = tmp_path / "archive.sqlite"
    db = [] if arguments[0] == "frontier" else ["--db", str(archive)]
    assert main([*arguments, *db]) == EXIT_USAGE
    err = [line for line in capsys.readouterr().err.splitlines() if line.strip()]
    assert len(err) == 1 and words in err[0] and "Traceback" not in err[0]
    assert not archive.exists()
