"""The compact duplicate-request filter answers as Scrapy's own does."""

from __future__ import annotations

from pathlib import Path

from scrapy import Request
from scrapy.dupefilters import RFPDupeFilter
from scrapy.utils.test import get_crawler

from spiders.dupefilter import CompactDupeFilter

REQUESTS = [
    Request("https://ex.com/a/"),
    Request("https://ex.com/a/#comments"),  # the same fingerprint: fragments do not count
    Request("https://ex.com/b/?y=2&x=1"),
    Request("https://ex.com/b/?x=1&y=2"),  # the same, query order aside
    Request("https://ex.com/b/?x=1&y=2", method="POST"),
    Request("https://ex.com/a/"),
]


def seen_by(dupefilter: RFPDupeFilter) -> list[bool]:
    return [dupefilter.request_seen(request) for request in REQUESTS]


def test_it_filters_the_requests_scrapys_filter_filters() -> None:
    crawler = get_crawler(
        settings_dict={"DUPEFILTER_CLASS": "spiders.dupefilter.CompactDupeFilter"}
    )
    compact = CompactDupeFilter.from_crawler(crawler)
    expected = seen_by(RFPDupeFilter.from_crawler(get_crawler()))
    assert expected == [False, True, False, True, False, True]
    assert seen_by(compact) == expected


def test_with_a_job_directory_its_seen_requests_outlive_the_crawl(tmp_path: Path) -> None:
    compact = CompactDupeFilter.from_crawler(get_crawler(settings_dict={"JOBDIR": str(tmp_path)}))
    assert seen_by(compact) == [False, True, False, True, False, True]
    compact.close("finished")
    again = CompactDupeFilter.from_crawler(get_crawler(settings_dict={"JOBDIR": str(tmp_path)}))
    assert again.request_seen(Request("https://ex.com/b/?x=1&y=2"))
