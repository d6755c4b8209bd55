"""Set-up of a parse-ahead worker process (``spiders.parse_ahead``), apart from Scrapy.

A spawned worker imports the module of its initializer: were it ``spiders.parse_ahead``,
every worker would import Scrapy and Twisted, ~26 MB of resident memory it never uses
(the parser needs neither). This module imports the standard library only.
"""

from __future__ import annotations

import os
import signal
import threading
import time

PARENT_CHECK_SECONDS = 1.0


def worker_started(parent_pid: int) -> None:
    """In each worker: leave Ctrl-C to the crawl (which stops the pool itself), and exit
    when the crawl process is gone, even killed with SIGKILL, rather than linger."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)

    def watch_parent() -> None:
        while os.getppid() == parent_pid:
            time.sleep(PARENT_CHECK_SECONDS)
        os._exit(0)

    threading.Thread(target=watch_parent, name="parent-watch", daemon=True).start()
