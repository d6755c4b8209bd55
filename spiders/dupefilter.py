"""Scrapy's duplicate-request filter in a fraction of its memory (DUPEFILTER_CLASS)."""

from __future__ import annotations

import sys
from array import array
from pathlib import Path
from typing import TYPE_CHECKING

from scrapy.dupefilters import RFPDupeFilter

if TYPE_CHECKING:
    from scrapy.http import Request
    from scrapy.utils.request import RequestFingerprinterProtocol

# Under JOBDIR: the requests seen, 8 bytes each, little-endian (Scrapy's own filter keeps
# whole fingerprints in requests.seen, which this filter neither reads nor writes).
SEEN_FILE = "requests.hashes"


class CompactDupeFilter(RFPDupeFilter):
    """RFPDupeFilter that remembers the first 64 bits of each request's fingerprint (a
    SHA1) as an int: ~70 bytes a request where Scrapy's set of 20-byte fingerprints takes
    ~110, and it holds every request of the crawl. A false "seen already" among a million
    requests has a chance of about one in 30 million.

    With JOBDIR, the set is read from ``JOBDIR/requests.hashes`` when the crawl opens and
    written there whole when it closes, just as the scheduler writes its queue's state: the
    two are one snapshot, taken when the crawl stops. Appending each request as it is seen
    (as Scrapy's filter does) would not save a killed crawl: its queue is not left in a
    state that can be read, and the scheduler then discards both (spiders/scheduler.py).
    """

    def __init__(
        self,
        path: str | None = None,
        debug: bool = False,
        *,
        fingerprinter: RequestFingerprinterProtocol | None = None,
    ) -> None:
        super().__init__(None, debug, fingerprinter=fingerprinter)
        self.seen_file = Path(path, SEEN_FILE) if path else None
        self._hashes: set[int] = set()
        if self.seen_file is not None and self.seen_file.exists():
            self._hashes.update(read_hashes(self.seen_file))

    def request_seen(self, request: Request) -> bool:
        key = int.from_bytes(self.fingerprinter.fingerprint(request)[:8], "little")
        if key in self._hashes:
            return True
        self._hashes.add(key)
        return False

    def close(self, reason: str) -> None:
        if self.seen_file is not None:
            write_hashes(self.seen_file, self._hashes)

    def __len__(self) -> int:
        return len(self._hashes)


def read_hashes(path: Path) -> array[int]:
    hashes = array("Q")
    hashes.frombytes(path.read_bytes())
    if sys.byteorder != "little":
        hashes.byteswap()
    return hashes


def write_hashes(path: Path, hashes: set[int]) -> None:
    """Replace the file at once: a crawl stopped while writing leaves the old one whole."""
    values = array("Q", hashes)
    if sys.byteorder != "little":
        values.byteswap()
    partial = path.with_name(path.name + ".partial")
    partial.write_bytes(values.tobytes())
    partial.replace(path)
