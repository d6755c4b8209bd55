"""Scrapy's scheduler, with the requests waiting to be fetched on disk, not in memory.

A large site's crawl has thousands of requests waiting at once: every listing page waits
behind the article candidates, and a child sitemap brings up to 10,000 URLs together. In
Scrapy's memory queues each took ~3.5 KB of the crawl's resident memory (the Request, its
meta and headers, and the allocator's leftovers): at 50,000 articles, 16,000 waiting
requests were most of what grew with the site (bench/crawl.py). Scrapy keeps them on disk
only under JOBDIR; this scheduler does so always, in a temporary folder of its own when no
JOBDIR is set, removed when the crawl closes (and, after a crawl that was killed, by the
next crawl on the machine: the folder is named after its crawl's process id).

Under JOBDIR the queue is Scrapy's persistent one, and a job folder holds state only between
an interrupted crawl and the crawl that resumes it. Scrapy writes the queue's state when the
crawl closes, and the duplicate filter (spiders/dupefilter.py) writes the requests it has
seen then too; after SIGKILL, a power cut or a second Ctrl-C neither is consistent with the
queue's files. So a crawl marks its folder as in use (``crawl.running``) when it opens and
unmarks it once both are written; a crawl that finds the mark discards the folder's state,
says so in one warning, and starts again from the start URLs, feeds and sitemaps (articles
archived before are kept under their archive keys, and saved onto, never beside: nothing
lost, nothing twice).
Keeping the seen requests without the queue would lose every page that waited in it, so the
two always go together. A crawl that closes for any other reason than an interruption
("shutdown": Ctrl-C or SIGTERM once) is done: its state is discarded, and the next crawl
with the folder starts afresh, as a nightly crawl should.
"""

from __future__ import annotations

import logging
import os
import shutil
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING, Self

from scrapy.core.scheduler import Scheduler
from scrapy.utils.job import job_dir

from spiders.dupefilter import SEEN_FILE

if TYPE_CHECKING:
    from scrapy.crawler import Crawler
    from twisted.internet.defer import Deferred

logger = logging.getLogger(__name__)


SCRATCH_PREFIX = "newsarchive-queue-"  # then the crawl's process id, "-" and a random part
RUNNING_MARK = "crawl.running"  # in a job folder while a crawl uses it
# What a crawl leaves in a job folder to be resumed: Scrapy's queue, our seen requests, and
# Scrapy's own seen requests, should the folder come from a crawl with Scrapy's filter.
# (Scrapy's SpiderState also writes spider.state there, after the scheduler has closed:
# NewsSpider keeps nothing in it.)
JOB_STATE = ("requests.queue", SEEN_FILE, "requests.seen")


def remove_orphaned_queues() -> None:
    """Remove the queue folders of crawls that ended without closing (killed)."""
    for folder in Path(tempfile.gettempdir()).glob(f"{SCRATCH_PREFIX}*-*"):
        pid = folder.name.removeprefix(SCRATCH_PREFIX).split("-", 1)[0]
        if pid.isdigit() and not _running(int(pid)):
            shutil.rmtree(folder, ignore_errors=True)


def _running(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # another user's process
        return True
    return True


class DiskQueueScheduler(Scheduler):
    """Scheduler whose waiting requests are pickled to disk (SCHEDULER_DISK_QUEUE) even
    without JOBDIR; a request pickle cannot hold stays in memory, as under JOBDIR. Under
    JOBDIR, state an unclean end left behind is discarded first (see the module doc)."""

    scratch_dir: str | None = None
    job_folder: Path | None = None

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        # Before Scrapy builds the duplicate filter, which reads the folder's seen requests.
        folder = job_dir(crawler.settings)
        if folder is not None:
            open_job_folder(Path(folder))
        scheduler = super().from_crawler(crawler)
        scheduler.job_folder = None if folder is None else Path(folder)
        return scheduler

    def _dqdir(self, jobdir: str | None) -> str | None:
        if jobdir:
            return super()._dqdir(jobdir)
        remove_orphaned_queues()
        self.scratch_dir = tempfile.mkdtemp(prefix=f"{SCRATCH_PREFIX}{os.getpid()}-")
        return self.scratch_dir

    def close(self, reason: str) -> Deferred[None] | None:
        try:
            closed = super().close(reason)
        finally:
            if self.scratch_dir is not None:
                shutil.rmtree(self.scratch_dir, ignore_errors=True)
        if self.job_folder is not None:  # only once the queue and seen requests are written
            close_job_folder(self.job_folder, keep_state=reason == "shutdown")
        return closed


def open_job_folder(folder: Path) -> None:
    """Mark a job folder as in use, after discarding its state if the last crawl that used
    it did not close (killed, or stopped by a second Ctrl-C)."""
    mark = folder / RUNNING_MARK
    if mark.exists():
        discard_job_state(folder)
        logger.warning(
            "Job folder %s: the crawl that used it last did not close cleanly (killed?), so its"
            " queue and seen requests cannot be trusted and were discarded; this crawl starts"
            " again from the start URLs (what is archived stays, each article once)",
            folder,
        )
    folder.mkdir(parents=True, exist_ok=True)
    mark.write_text(f"pid={os.getpid()}\n")


def close_job_folder(folder: Path, *, keep_state: bool) -> None:
    """Unmark a job folder whose crawl closed, keeping its state only for a resume."""
    if not keep_state:
        discard_job_state(folder)
    (folder / RUNNING_MARK).unlink(missing_ok=True)


def discard_job_state(folder: Path) -> None:
    for name in JOB_STATE:
        path = folder / name
        if path.is_dir():
            shutil.rmtree(path)
        else:
            path.unlink(missing_ok=True)
