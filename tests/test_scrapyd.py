"""The project deployed to a real scrapyd on 127.0.0.1 as docs/scrapyd.md says, and a crawl
of the fixture site scheduled through scrapyd's HTTP API, ending in the archive.

The deployment is the one the docs give an archivist: newsarchive installed in scrapyd's
Python environment (this venv), deploy/scrapy.cfg and deploy/scrapyd.conf in scrapyd's
working directory, and the archive and politeness chosen by NEWSARCHIVE_* variables in
scrapyd's environment. Only what a test
must change is changed: the port, the directories, a short poll interval and a zero delay.
"""

from __future__ import annotations

import configparser
import json
import os
import shutil
import signal
import socket
import sqlite3
import subprocess
import sys
import time
import urllib.parse
import urllib.request
from collections.abc import Iterator
from contextlib import closing, suppress
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from tests.spiders.fixture_site import ARTICLES, serve_site

ROOT = Path(__file__).resolve().parents[1]
DEPLOY = ROOT / "deploy"
PROJECT = "newsarchive"
START_TIMEOUT_SECONDS = 30
JOB_TIMEOUT_SECONDS = 90


@dataclass
class Scrapyd:
    """A running scrapyd: its API's base URL and the files a failing test should show."""

    url: str
    output: Path  # scrapyd's own log (stdout and stderr)
    logs_dir: Path  # one Scrapy log per job: <project>/<spider>/<job>.log

    def get(self, endpoint: str, **params: str) -> dict[str, Any]:
        query = urllib.parse.urlencode(params)
        with urllib.request.urlopen(f"{self.url}/{endpoint}?{query}", timeout=30) as response:
            return dict(json.load(response))

    def post(self, endpoint: str, fields: list[tuple[str, str]]) -> dict[str, Any]:
        body = urllib.parse.urlencode(fields).encode()
        with urllib.request.urlopen(f"{self.url}/{endpoint}", body, timeout=30) as response:
            answer = dict(json.load(response))
        assert answer["status"] == "ok", f"{endpoint}: {answer}\n{self.logs()}"
        return answer

    def logs(self) -> str:
        """scrapyd's log and every job's, for the message of a failing assertion."""
        files = [self.output, *sorted(self.logs_dir.rglob("*.log"))]
        return "\n".join(
            f"--- {path.name} ---\n{path.read_text(errors='replace')[-6000:]}"
            for path in files
            if path.is_file()
        )


def free_port() -> int:
    with closing(socket.socket(socket.AF_INET, socket.SOCK_STREAM)) as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def install_config(workdir: Path, port: int) -> Path:
    """deploy/'s two files in scrapyd's working directory, as the docs say; scrapyd.conf with
    this test's port and directories."""
    shutil.copy(DEPLOY / "scrapy.cfg", workdir / "scrapy.cfg")
    config = configparser.ConfigParser()
    assert config.read(DEPLOY / "scrapyd.conf") == [str(DEPLOY / "scrapyd.conf")]
    logs_dir = workdir / "logs"
    config["scrapyd"].update(
        bind_address="127.0.0.1",
        http_port=str(port),
        logs_dir=str(logs_dir),
        dbs_dir=str(workdir / "dbs"),
        eggs_dir=str(workdir / "eggs"),
        poll_interval="0.2",
    )
    with (workdir / "scrapyd.conf").open("w") as file:
        config.write(file)
    return logs_dir


def stop(process: subprocess.Popen[bytes]) -> None:
    """Stop scrapyd and whatever it started (crawls, their parser processes): its group."""
    with suppress(ProcessLookupError):
        os.killpg(process.pid, signal.SIGTERM)
    try:
        process.wait(timeout=15)
    finally:
        with suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGKILL)
        process.wait()


@pytest.fixture
def archive(tmp_path: Path) -> Path:
    """The SQLite file scrapyd's crawls archive to; no file yet, as on a new server."""
    return tmp_path / "nightly" / "archive.sqlite"


@pytest.fixture
def scrapyd(tmp_path: Path, archive: Path) -> Iterator[Scrapyd]:
    workdir = tmp_path / "scrapyd"
    workdir.mkdir()
    archive.parent.mkdir()
    port = free_port()
    logs_dir = install_config(workdir, port)
    env = {key: value for key, value in os.environ.items() if not key.startswith("NEWSARCHIVE_")}
    # HOME too: scrapyd would also read ~/.scrapyd.conf.
    env |= {"HOME": str(workdir), "NEWSARCHIVE_DB": str(archive), "NEWSARCHIVE_DELAY": "0"}
    output = workdir / "scrapyd.out"
    with output.open("wb") as log:
        process = subprocess.Popen(
            [sys.executable, "-m", "scrapyd", "--pidfile="],
            cwd=workdir,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # its own process group, so `stop` reaches every crawl
        )
    server = Scrapyd(f"http://127.0.0.1:{port}", output, logs_dir)
    try:
        wait_until_listening(server, process)
        yield server
    finally:
        stop(process)


def wait_until_listening(server: Scrapyd, process: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + START_TIMEOUT_SECONDS
    while time.monotonic() < deadline:
        if process.poll() is not None:
            pytest.fail(f"scrapyd exited with {process.returncode}\n{server.logs()}")
        with suppress(OSError):
            if server.get("daemonstatus.json")["status"] == "ok":
                return
        time.sleep(0.2)
    pytest.fail(f"scrapyd did not answer within {START_TIMEOUT_SECONDS} s\n{server.logs()}")


def wait_until_finished(server: Scrapyd, job: str) -> None:
    deadline = time.monotonic() + JOB_TIMEOUT_SECONDS
    while time.monotonic() < deadline:
        jobs = server.get("listjobs.json", project=PROJECT)
        if any(finished["id"] == job for finished in jobs["finished"]):
            return
        time.sleep(0.3)
    pytest.fail(f"job {job} did not finish within {JOB_TIMEOUT_SECONDS} s\n{server.logs()}")


def test_scrapyd_lists_the_project_and_its_spider(scrapyd: Scrapyd) -> None:
    assert PROJECT in scrapyd.get("listprojects.json")["projects"]
    assert "news" in scrapyd.get("listspiders.json", project=PROJECT)["spiders"]


def test_a_scheduled_crawl_archives_the_site(scrapyd: Scrapyd, archive: Path) -> None:
    with serve_site() as site:
        job = scrapyd.post(
            "schedule.json",
            [("project", PROJECT), ("spider", "news"), ("target", f"{site.base_url}/")],
        )["jobid"]
        wait_until_finished(scrapyd, job)

    assert archive.is_file(), f"no archive at {archive}\n{scrapyd.logs()}"
    with closing(sqlite3.connect(f"file:{archive}?mode=ro", uri=True)) as connection:
        runs = connection.execute("SELECT finish_reason FROM crawl_run").fetchall()
        articles = connection.execute("SELECT canonical_url, title FROM article").fetchall()
    assert runs == [("finished",)], scrapyd.logs()
    archived = {(urllib.parse.urlsplit(url).path, title) for url, title in articles}
    expected = {(article.canonical_path or article.path, article.title) for article in ARTICLES}
    assert archived == expected, scrapyd.logs()


def test_scrapy_list_shows_the_spider() -> None:
    listed = subprocess.run(
        [sys.executable, "-m", "scrapy", "list"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    assert "news" in listed.stdout.split()


SHOW_SETTINGS = """
import json
from scrapy.utils.project import get_project_settings
names = "ARCHIVE_DB_URL USER_AGENT DOWNLOAD_DELAY AUTOTHROTTLE_ENABLED".split()
print(json.dumps({name: get_project_settings()[name] for name in names}))
"""


def project_settings(cwd: Path, **env: str) -> subprocess.CompletedProcess[str]:
    """The project's settings as `scrapy crawl` (or a scrapyd job) sees them, with `env`."""
    clean = {key: value for key, value in os.environ.items() if not key.startswith("NEWSARCHIVE_")}
    return subprocess.run(
        [sys.executable, "-c", SHOW_SETTINGS],
        cwd=cwd,
        env=clean | {"SCRAPY_SETTINGS_MODULE": "settings"} | env,
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_the_environment_chooses_archive_identity_and_delay(tmp_path: Path) -> None:
    shown = project_settings(
        tmp_path,
        NEWSARCHIVE_DB="nightly.sqlite",
        NEWSARCHIVE_USER_AGENT="example-archive (+mailto:archive@example.org)",
        NEWSARCHIVE_DELAY="0",
    )
    assert shown.returncode == 0, shown.stderr
    assert json.loads(shown.stdout) == {
        "ARCHIVE_DB_URL": f"sqlite:///{tmp_path.resolve() / 'nightly.sqlite'}",
        "USER_AGENT": "example-archive (+mailto:archive@example.org)",
        "DOWNLOAD_DELAY": 0.0,
        "AUTOTHROTTLE_ENABLED": False,
    }


def test_a_delay_that_is_not_seconds_is_refused(tmp_path: Path) -> None:
    shown = project_settings(tmp_path, NEWSARCHIVE_DELAY="soon")
    assert shown.returncode != 0
    assert "NEWSARCHIVE_DELAY must be seconds, not 'soon'" in shown.stderr
