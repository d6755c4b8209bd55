"""A log formatter that names a dropped record by its URL instead of printing all of it."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any

from scrapy.logformatter import LogFormatter

from items import ArticleRecord

if TYPE_CHECKING:
    from scrapy import Spider
    from scrapy.http import Response
    from twisted.python.failure import Failure


class ShortDropLogFormatter(LogFormatter):
    """Scrapy logs a dropped item whole (a 10 KB body per line); one URL and reason is enough."""

    def dropped(
        self,
        item: Any,
        exception: BaseException,
        response: Response | Failure | None,
        spider: Spider | None = None,
    ) -> dict[str, Any]:
        described = item.url if isinstance(item, ArticleRecord) else type(item).__name__
        return {
            "level": logging.INFO,
            "msg": "Dropped %(item)s: %(exception)s",
            "args": {"item": described, "exception": exception},
        }
