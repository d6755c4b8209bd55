"""ValidatePipeline drops records not worth archiving and counts why."""

from __future__ import annotations

import pytest
from scrapy.exceptions import DropItem
from scrapy.utils.misc import build_from_crawler
from scrapy.utils.test import get_crawler

from pipelines.validate import ValidatePipeline
from tests.factories import make_failure, make_record


def test_complete_record_passes() -> None:
    crawler = get_crawler()
    pipeline = build_from_crawler(ValidatePipeline, crawler)
    record = make_record()
    assert pipeline.process_item(record) is record
    assert not any(key.startswith("dropped/") for key in crawler.stats.get_stats())


def test_missing_required_fields_are_dropped_and_counted() -> None:
    crawler = get_crawler()
    pipeline = build_from_crawler(ValidatePipeline, crawler)
    with pytest.raises(DropItem, match="missing title"):
        pipeline.process_item(make_record(title=None))
    with pytest.raises(DropItem, match="missing title, body"):
        pipeline.process_item(make_record(title=None, body=""))
    assert crawler.stats.get_value("dropped/missing_title") == 2
    assert crawler.stats.get_value("dropped/missing_body") == 1


def test_short_body_is_dropped_and_counted() -> None:
    crawler = get_crawler()
    pipeline = build_from_crawler(ValidatePipeline, crawler)
    with pytest.raises(DropItem, match="body of 12 characters"):
        pipeline.process_item(make_record(body="Photo galery"))
    assert crawler.stats.get_value("dropped/short_body") == 1


def test_settings_choose_the_fields_and_the_length() -> None:
    crawler = get_crawler(
        settings_dict={"ARCHIVE_REQUIRED_FIELDS": ["authors"], "ARCHIVE_MIN_BODY_CHARS": 5}
    )
    pipeline = build_from_crawler(ValidatePipeline, crawler)
    untitled = make_record(title=None, body="Short but enough.")
    assert pipeline.process_item(untitled) is untitled
    with pytest.raises(DropItem):
        pipeline.process_item(make_record(authors=()))
    assert crawler.stats.get_value("dropped/missing_authors") == 1


def test_unknown_required_field_is_a_configuration_error() -> None:
    crawler = get_crawler(settings_dict={"ARCHIVE_REQUIRED_FIELDS": ["title", "headline"]})
    with pytest.raises(ValueError, match="headline"):
        build_from_crawler(ValidatePipeline, crawler)


def test_fetch_failures_pass() -> None:
    pipeline = build_from_crawler(ValidatePipeline, get_crawler())
    failure = make_failure()
    assert pipeline.process_item(failure) is failure
