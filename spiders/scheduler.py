"""Scrapy's scheduler, with the requests waiting to be fetched on disk, not in memory.

A large site's crawl has thousands of requests waiting at once: every listing page waits
behind the article candidates, and a child sitemap brings up to 10,000 URLs together. In
Scrapy's memory queues each took ~3.5 KB of the crawl's resident memory (the Request, its
meta and headers, and the allocator's leftovers): at 50,000 articles, 16,000 waiting
requests were most of what grew with the site (bench/crawl.py). Scrapy keeps them on disk
only under JOBDIR; this scheduler does so always, in a temporary folder of its own when no
JOBDIR is set, removed when the crawl closes (and, after a crawl that was killed, by the
next crawl on the machine: the folder is named after its crawl's process id).
"""

from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING

from scrapy.core.scheduler import Scheduler

if TYPE_CHECKING:
    from twisted.internet.defer import Deferred


SCRATCH_PREFIX = "newsarchive-queue-"  # then the crawl's process id, "-" and a random part


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
    without JOBDIR; a request pickle cannot hold stays in memory, as under JOBDIR."""

    scratch_dir: str | None = None

    def _dqdir(self, jobdir: str | None) -> str | None:
        if jobdir:
            return super()._dqdir(jobdir)
        remove_orphaned_queues()
        self.scratch_dir = tempfile.mkdtemp(prefix=f"{SCRATCH_PREFIX}{os.getpid()}-")
        return self.scratch_dir

    def close(self, reason: str) -> Deferred[None] | None:
        try:
            return super().close(reason)
        finally:
            if self.scratch_dir is not None:
                shutil.rmtree(self.scratch_dir, ignore_errors=True)
