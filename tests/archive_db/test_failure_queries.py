"""unresolved_failures_on: the failures a crawl of some sites fetches again."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy.orm import Session

from archive_db.queries import unresolved_failures_on
from archive_db.writes import resolve_failures, save_failure
from items import FetchFailure
from tests.factories import FETCHED_AT, make_failure


def test_unresolved_failures_of_the_given_sites_one_per_row_oldest_first(
    session: Session,
) -> None:
    urls = [
        "https://www.news.example/2024/05/flaky",  # www. and a subdomain count as the site
        "https://m.news.example/2024/05/mobile",
        "https://other.example/2024/05/elsewhere",
        "https://news.example.org/2024/05/lookalike",  # another site that merely starts so
        "https://www.news.example/2024/05/fixed",
    ]
    for minutes, url in enumerate([urls[0], *urls, urls[0]]):
        failure = make_failure(url=url, failed_at=FETCHED_AT + timedelta(minutes=minutes))
        save_failure(session, failure, crawl_run_id=None)
    resolve_failures(session, [urls[4]], resolved_at=FETCHED_AT + timedelta(days=1))
    found = unresolved_failures_on(session, ["www.news.example"])
    assert [failure.url for failure in found] == [urls[0], urls[0], urls[1], urls[0]]
    assert all(isinstance(failure, FetchFailure) for failure in found)
    assert found[0] == make_failure(url=urls[0])
    assert unresolved_failures_on(session, []) == []
