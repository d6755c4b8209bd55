"""`newsarchive sites list/add/check` against the fixture site on 127.0.0.1, in process,
with the user's profile folder in tmp_path."""

from __future__ import annotations

import json
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

import settings
from cli import EXIT_ARCHIVE, EXIT_BAD_INPUT, EXIT_CRAWL_INCOMPLETE, EXIT_OK, EXIT_USAGE, main
from parsers import parse_article
from profiles import load_profile, profile_for_url
from siteprobe import REPORT_FIELDS
from tests.sites_server import article_page, html, serve_tiny_site, text
from tests.spiders.fixture_site import PRIVATE_ARTICLE, SiteServer, serve_site


@pytest.fixture(scope="module")
def site() -> Iterator[SiteServer]:
    with serve_site() as server:
        yield server


@pytest.fixture
def sites_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    folder = tmp_path / "sites"
    monkeypatch.setenv("NEWSARCHIVE_SITES_DIR", str(folder))
    monkeypatch.setenv("NEWSARCHIVE_DB", str(tmp_path / "archive.sqlite"))
    monkeypatch.chdir(tmp_path)
    return folder


def one_line_error(err: str) -> str:
    lines = [line for line in err.splitlines() if line.strip()]
    assert len(lines) == 1, f"expected one line on stderr, got: {err!r}"
    assert "Traceback" not in err
    return lines[0]


def add(site: SiteServer, *options: str) -> int:
    return main(["sites", "add", site.base_url + "/", "--delay", "0", *options])


def test_add_writes_a_profile_that_loads_with_the_sites_start_urls_and_domains(
    site: SiteServer, sites_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert add(site, "--name", "gazette") == EXIT_OK
    out = capsys.readouterr().out
    path = sites_dir / "gazette.toml"
    assert out.splitlines()[-1] == f"wrote {path}"
    profile = load_profile("gazette")
    assert profile.start_urls == (
        site.base_url + "/",
        site.base_url + "/feed/",
        site.base_url + "/sitemap.xml",
    )
    assert profile.domains == ("127.0.0.1",)
    assert profile.language == "en"
    assert f"feed: {site.base_url}/feed/ (linked from {site.base_url}/)" in out
    assert f"sitemap: {site.base_url}/sitemap.xml (listed in robots.txt)" in out
    assert f"sitemap: {site.base_url}/sitemap-posts.xml.gz (in sitemap index" in out
    assert "comments" not in out


def test_add_refuses_to_replace_a_profile_without_force(
    site: SiteServer, sites_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert add(site, "--name", "gazette") == EXIT_OK
    path = sites_dir / "gazette.toml"
    path.write_text(path.read_text() + "# my own note\n")
    capsys.readouterr()
    requests_before = len(site.requests)
    assert add(site, "--name", "gazette") == EXIT_USAGE
    assert "exists already" in one_line_error(capsys.readouterr().err)
    assert len(site.requests) == requests_before  # refused before probing
    assert "# my own note" in path.read_text()
    assert add(site, "--name", "gazette", "--force") == EXIT_OK
    assert "# my own note" not in path.read_text()


def test_add_never_requests_a_page_robots_txt_disallows(
    site: SiteServer, sites_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert add(site, "--name", "gazette", "--sample", "20") == EXIT_OK
    out = capsys.readouterr().out
    assert f"skipped: {site.base_url}{PRIVATE_ARTICLE.path}: disallowed by robots.txt" in out
    assert site.count(PRIVATE_ARTICLE.path) == 0


def test_list_shows_user_and_bundled_profiles(
    site: SiteServer, sites_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert add(site, "--name", "gazette") == EXIT_OK
    capsys.readouterr()
    assert main(["sites", "list", "--format", "json"]) == EXIT_OK
    listed = {entry["name"]: entry for entry in json.loads(capsys.readouterr().out)}
    assert listed["gazette"]["source"] == "user"
    assert listed["gazette"]["path"] == str(sites_dir / "gazette.toml")
    assert listed["gazette"]["domains"] == ["127.0.0.1"]
    assert listed["chamberlainfiles"]["source"] == "bundled"
    assert listed["chamberlainfiles"]["start_urls"] == list(
        load_profile("chamberlainfiles").start_urls
    )
    assert main(["sites", "list"]) == EXIT_OK  # not a terminal: tab-separated lines
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].split("\t") == ["name", "source", "path", "start_urls", "domains", "note"]
    assert any(line.startswith("gazette\tuser\t") for line in lines)


def test_list_names_a_broken_profile_instead_of_failing(
    sites_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    sites_dir.mkdir()
    (sites_dir / "broken.toml").write_text('name = "broken"\nstart_urls = "oops"\n')
    assert main(["sites", "list", "--format", "json"]) == EXIT_OK
    listed = {entry["name"]: entry for entry in json.loads(capsys.readouterr().out)}
    assert "start_urls must be a list" in listed["broken"]["note"]


def test_check_shares_are_the_parsers_and_nothing_is_stored(
    site: SiteServer, sites_dir: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert add(site, "--name", "gazette") == EXIT_OK
    capsys.readouterr()
    code = main(["sites", "check", "gazette", "--delay", "0", "--sample", "6", "--format", "json"])
    assert code == EXIT_OK
    report = json.loads(capsys.readouterr().out)
    profile = load_profile("gazette")
    records = []
    for page in report["pages"]:
        if not page["article"]:
            continue
        with urllib.request.urlopen(page["url"], timeout=10) as response:
            record = parse_article(response.read(), page["url"], profile=profile)
        assert record is not None and record.title == page["title"]
        records.append(record)
    assert len(records) == report["articles"] > 0

    def share(name: str) -> float:
        if name == "body":
            have = [len(r.body) >= settings.ARCHIVE_MIN_BODY_CHARS for r in records]
        else:
            have = [bool(getattr(r, name)) for r in records]
        return round(sum(have) / len(records), 4)

    assert report["fields"] == {name: share(name) for name in REPORT_FIELDS}
    assert not (tmp_path / "archive.sqlite").exists()
    assert not list(tmp_path.rglob("*.sqlite*"))


def test_check_prints_a_table_and_a_line_per_page(
    site: SiteServer, sites_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code = main(["sites", "check", site.base_url + "/", "--delay", "0", "--sample", "3"])
    assert code == EXIT_OK
    lines = capsys.readouterr().out.splitlines()
    name = profile_for_url(site.base_url + "/").name  # host and port
    assert lines[0].startswith(f"checked {name}: 3 pages fetched, ")
    fields = [line.split("\t")[0] for line in lines[2 : 2 + len(REPORT_FIELDS)]]
    assert fields == list(REPORT_FIELDS)
    pages = [line for line in lines if line.startswith(("article: ", "skipped: "))]
    assert len(pages) == 3


def test_check_unknown_profile_is_one_line_and_exit_2(
    sites_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["sites", "check", "no-such-site"]) == EXIT_USAGE
    assert "no site profile 'no-such-site'" in one_line_error(capsys.readouterr().err)


@pytest.mark.parametrize("command", ["add", "check"])
def test_an_unreachable_site_is_one_line_and_exit_3(
    command: str, sites_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # Port 9 (discard) on loopback: nothing listens there, so the connection is refused.
    assert main(["sites", command, "http://127.0.0.1:9/", "--delay", "0"]) == EXIT_BAD_INPUT
    captured = capsys.readouterr()
    assert "cannot fetch http://127.0.0.1:9/" in one_line_error(captured.err)
    assert captured.out == ""
    assert not sites_dir.exists()


def test_check_of_a_site_without_articles_exits_3(
    sites_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    routes = {
        "/robots.txt": text("User-agent: *\nDisallow:\n"),
        "/": html('<html><body><a href="/2024/05/01/a-story-that-is-gone/">Gone</a></body></html>'),
    }
    with serve_tiny_site(routes) as tiny:
        code = main(["sites", "check", tiny.base_url + "/", "--delay", "0"])
    assert code == EXIT_BAD_INPUT
    error = one_line_error(capsys.readouterr().err)
    name = profile_for_url(tiny.base_url + "/").name
    assert error == f"Error: no article could be fetched from {name}: 1 HTTP 404 Not Found"


def test_min_share_fails_a_check_whose_articles_lack_a_core_field(
    sites_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    dated, undated = "/2024/05/01/council-sets-budget/", "/news/mayor-opens-new-bridge/"
    routes = {
        "/robots.txt": text("User-agent: *\nDisallow:\n"),
        "/": html(f'<html><body><a href="{dated}">A</a> <a href="{undated}">B</a></body></html>'),
        dated: html(article_page("Council sets budget", date="2024-05-01T09:00:00+00:00")),
        undated: html(article_page("Mayor opens bridge", date=None)),
    }
    check = ["sites", "check", "--delay", "0", "--format", "json"]
    with serve_tiny_site(routes) as tiny:
        assert main([*check, tiny.base_url + "/", "--min-share", "0.5"]) == EXIT_OK
        capsys.readouterr()
        code = main([*check, tiny.base_url + "/", "--min-share", "0.9"])
    captured = capsys.readouterr()
    assert json.loads(captured.out)["fields"]["published"] == 0.5
    assert code == EXIT_CRAWL_INCOMPLETE
    assert one_line_error(captured.err) == "Error: below --min-share 90%: published 50%"


def test_add_with_an_unusable_name_is_refused_before_any_request(
    site: SiteServer, sites_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    before = len(site.requests)
    assert add(site, "--name", "../outside") == EXIT_USAGE
    assert "not a usable profile name" in one_line_error(capsys.readouterr().err)
    assert len(site.requests) == before
    assert not sites_dir.exists()


def test_add_into_an_unwritable_folder_is_one_line_and_exit_4(
    site: SiteServer,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    not_a_folder = tmp_path / "sites"
    not_a_folder.write_text("a file where the folder should be")
    monkeypatch.setenv("NEWSARCHIVE_SITES_DIR", str(not_a_folder))
    assert add(site, "--name", "gazette", "--sample", "1") == EXIT_ARCHIVE
    assert "cannot write" in one_line_error(capsys.readouterr().err)
