"""DiskQueueScheduler: waiting requests on disk without JOBDIR, and no folder left behind."""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
from pathlib import Path

from scrapy import Request, Spider
from scrapy.utils.test import get_crawler

from spiders.scheduler import SCRATCH_PREFIX, DiskQueueScheduler

SETTINGS = {
    "SCHEDULER": "spiders.scheduler.DiskQueueScheduler",
    # Scrapy's default (downloader-aware) queue needs a running engine; crawls use it, and
    # tests/test_demo_crawl.py checks that a crawl's requests all wait on disk.
    "SCHEDULER_PRIORITY_QUEUE": "scrapy.pqueues.ScrapyPriorityQueue",
}


def open_scheduler(settings: dict[str, object]) -> DiskQueueScheduler:
    crawler = get_crawler(Spider, settings_dict=SETTINGS | settings)
    crawler.spider = crawler._create_spider("queue-test")
    scheduler = DiskQueueScheduler.from_crawler(crawler)
    scheduler.open(crawler.spider)
    return scheduler


def test_requests_wait_on_disk_and_come_back_in_priority_order() -> None:
    scheduler = open_scheduler({})
    assert scheduler.scratch_dir is not None and Path(scheduler.scratch_dir).is_dir()
    for url, priority in (("https://ex.com/list/", 0), ("https://ex.com/a/", 10)):
        assert scheduler.enqueue_request(Request(url, priority=priority))
    assert scheduler.stats is not None
    assert scheduler.stats.get_value("scheduler/enqueued/disk") == 2
    assert [scheduler.next_request().url for _ in range(2)] == [  # type: ignore[union-attr]
        "https://ex.com/a/",
        "https://ex.com/list/",
    ]
    scheduler.close("finished")
    assert not Path(scheduler.scratch_dir).exists()


def test_with_a_job_directory_the_queue_stays_in_it(tmp_path: Path) -> None:
    scheduler = open_scheduler({"JOBDIR": str(tmp_path)})
    assert scheduler.scratch_dir is None
    scheduler.enqueue_request(Request("https://ex.com/a/"))
    scheduler.close("shutdown")
    assert (tmp_path / "requests.queue").is_dir()


def test_folders_of_crawls_that_were_killed_are_removed() -> None:
    ended = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"],
                           capture_output=True, text=True, check=True)  # fmt: skip
    dead_pid = int(ended.stdout)
    orphan = Path(tempfile.mkdtemp(prefix=f"{SCRATCH_PREFIX}{dead_pid}-"))
    alive = Path(tempfile.mkdtemp(prefix=f"{SCRATCH_PREFIX}{os.getppid()}-"))
    try:
        scheduler = open_scheduler({})
        assert not orphan.exists()
        assert alive.is_dir()  # its crawl may still be running
        scheduler.close("finished")
    finally:
        for folder in (orphan, alive):
            if folder.exists():
                folder.rmdir()
