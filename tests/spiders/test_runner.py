"""The crawl runner's settings: project settings plus the user's options.

Running a crawl is tested in test_crawl.py, in subprocesses (the reactor runs once).
"""

from __future__ import annotations

from pathlib import Path

import pytest

import settings as project_settings
from profiles import SiteProfile, profile_for_url
from spiders.runner import CrawlOptions, crawl_settings, run_crawl

SITE = profile_for_url("https://www.gazette.example/")


def test_project_settings_apply_without_options(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)  # no scrapy.cfg here: the settings module is imported
    settings = crawl_settings(SITE, CrawlOptions())
    assert settings["USER_AGENT"] == project_settings.USER_AGENT
    assert settings.getbool("ROBOTSTXT_OBEY") is True
    assert settings.getfloat("DOWNLOAD_DELAY") == project_settings.DOWNLOAD_DELAY
    assert settings.getbool("AUTOTHROTTLE_ENABLED") is True
    assert settings.getdict("ITEM_PIPELINES") == project_settings.ITEM_PIPELINES
    assert settings.getint("CLOSESPIDER_PAGECOUNT") == 0
    assert settings.getint("DEPTH_LIMIT") == 0


def test_options_map_to_scrapy_settings() -> None:
    options = CrawlOptions(
        db_url="sqlite:////tmp/news.sqlite",
        max_pages=50,
        max_depth=3,
        delay=2.5,
        concurrency=4,
        user_agent="test-agent/1.0",
        log_level="debug",
        run_arguments={"command": "crawl", "targets": ["gazette"]},
    )
    settings = crawl_settings(SITE, options)
    assert settings["ARCHIVE_DB_URL"] == "sqlite:////tmp/news.sqlite"
    assert settings.getint("CLOSESPIDER_PAGECOUNT") == 50
    assert settings.getint("DEPTH_LIMIT") == 3
    assert settings.getfloat("DOWNLOAD_DELAY") == 2.5
    assert settings.getfloat("AUTOTHROTTLE_START_DELAY") == 2.5
    assert settings.getbool("AUTOTHROTTLE_ENABLED") is True
    assert settings.getint("CONCURRENT_REQUESTS_PER_DOMAIN") == 4
    assert settings.getint("CONCURRENT_REQUESTS") == 4
    assert settings["USER_AGENT"] == "test-agent/1.0"
    assert settings["LOG_LEVEL"] == "DEBUG"
    assert settings.getdict("ARCHIVE_RUN_ARGUMENTS") == {
        "command": "crawl",
        "targets": ["gazette"],
    }


def test_zero_delay_turns_politeness_delays_off_but_not_robots_txt() -> None:
    settings = crawl_settings(SITE, CrawlOptions(delay=0))
    assert settings.getfloat("DOWNLOAD_DELAY") == 0
    assert settings.getbool("AUTOTHROTTLE_ENABLED") is False
    assert settings.getbool("ROBOTSTXT_OBEY") is True


@pytest.mark.parametrize(("crawl_delay", "expected"), [(5.0, 5.0), (0.2, 1.0), (None, 1.0)])
def test_a_profiles_longer_crawl_delay_wins_over_the_default(
    crawl_delay: float | None, expected: float
) -> None:
    profile = SiteProfile(
        name="slow",
        start_urls=("https://slow.example/",),
        domains=("slow.example",),
        crawl_delay=crawl_delay,
    )
    assert project_settings.DOWNLOAD_DELAY == 1.0
    assert crawl_settings(profile, CrawlOptions()).getfloat("DOWNLOAD_DELAY") == expected


def test_an_explicit_delay_wins_over_the_profile() -> None:
    profile = SiteProfile(
        name="slow",
        start_urls=("https://slow.example/",),
        domains=("slow.example",),
        crawl_delay=5.0,
    )
    assert crawl_settings(profile, CrawlOptions(delay=0.5)).getfloat("DOWNLOAD_DELAY") == 0.5


def test_raw_settings_are_applied_last() -> None:
    options = CrawlOptions(max_pages=5, settings={"CLOSESPIDER_PAGECOUNT": 7, "ITEM_PIPELINES": {}})
    settings = crawl_settings(SITE, options)
    assert settings.getint("CLOSESPIDER_PAGECOUNT") == 7
    assert settings.getdict("ITEM_PIPELINES") == {}


def test_run_crawl_needs_a_target() -> None:
    with pytest.raises(ValueError, match="target"):
        run_crawl([], CrawlOptions())
