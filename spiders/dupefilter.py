"""Scrapy's duplicate-request filter in a fraction of its memory (DUPEFILTER_CLASS)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from scrapy.dupefilters import RFPDupeFilter

from spiders.urls import UrlSet

if TYPE_CHECKING:
    from scrapy.http import Request


class CompactDupeFilter(RFPDupeFilter):
    """RFPDupeFilter that remembers a 64-bit hash of each request's fingerprint
    (``spiders.urls.UrlSet``): ~70 bytes a request where Scrapy's set of 20-byte
    fingerprints takes ~110, and it holds every request of the crawl.

    With JOBDIR set, Scrapy's own filter works unchanged: it keeps the fingerprints on disk.
    """

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._hashes = UrlSet()

    def request_seen(self, request: Request) -> bool:
        if self.file:
            return super().request_seen(request)
        fingerprint = self.fingerprinter.fingerprint(request)
        if fingerprint in self._hashes:
            return True
        self._hashes.add(fingerprint)
        return False
