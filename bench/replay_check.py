"""Replay check: a WARC from `newsarchive warc export`, loaded into pywb, gives back its pages.

    .venv/bin/python -m bench.replay_check archive.warc.gz             # every 200 page in it
    .venv/bin/python -m bench.replay_check archive.warc.gz --url https://www.example.com/a
    .venv/bin/python -m bench.replay_check archive.warc.gz --pywb-venv ~/.cache/pywb-venv

pywb is never a dependency of newsarchive (it brings gevent and pins of its own), and the
test suite never reaches the network, so this is a check run by hand, not a test. It makes
a virtual environment for pywb (`pip install pywb`; kept in --pywb-venv, else temporary),
a collection in a temporary folder (`wb-manager init coll`, `wb-manager add coll FILE`),
and runs `wayback` on a free loopback port. For each page (a response or revisit record
with status 200, or each --url) it fetches ``/coll/<timestamp>id_/<URL>``: the page as
archived, unrewritten, at the capture's 14-digit WARC-Date. The body must equal the
record's (a revisit's: the record it refers to), Content-Encoding decoded on both sides,
since pywb decodes gzip for a client that does not ask for it.

Exit 0 when every page replays, 1 when one does not, 2 when pywb cannot be installed or
started (the pip or wayback output says why).
"""

from __future__ import annotations

import argparse
import gzip
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
import zlib
from collections import defaultdict
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from warcio.archiveiterator import ArchiveIterator
from warcio.timeutils import iso_date_to_timestamp

from demo.server import free_port

COLLECTION = "coll"
START_TIMEOUT = 60.0  # seconds for wayback to answer its first request
FETCH_TIMEOUT = 30.0


class SetupError(Exception):
    """pywb could not be installed or started; the message says what failed."""


@dataclass(frozen=True, slots=True)
class Page:
    url: str
    timestamp: str  # 14 digits, as pywb's URLs take it
    bodies: frozenset[bytes]  # what the page may answer: captures within that second


def archived_pages(warc: Path, wanted: set[str] | None) -> list[Page]:
    """The 200 pages in the WARC (or those at the `wanted` URLs), with their bodies decoded."""
    bodies: dict[tuple[str, str], bytes] = {}  # (URI, WARC-Date) -> body, for revisits
    found: dict[tuple[str, str], set[bytes]] = defaultdict(set)
    with warc.open("rb") as stream:
        for record in ArchiveIterator(stream):
            if record.rec_type not in {"response", "revisit"} or record.http_headers is None:
                continue
            uri = record.rec_headers.get_header("WARC-Target-URI")
            date = record.rec_headers.get_header("WARC-Date")
            if record.rec_type == "response":
                body = record.content_stream().read()
                bodies[uri, date] = body
            else:
                refers_to = (
                    record.rec_headers.get_header("WARC-Refers-To-Target-URI"),
                    record.rec_headers.get_header("WARC-Refers-To-Date"),
                )
                body = bodies.get(refers_to)
                if body is None:  # its payload is in another file: nothing to compare with
                    continue
            if record.http_headers.get_statuscode() == "200" and (wanted is None or uri in wanted):
                found[uri, iso_date_to_timestamp(date)].add(body)
    return [Page(url, ts, frozenset(found[url, ts])) for url, ts in sorted(found)]


def pywb_venv(folder: Path) -> Path:
    """A virtual environment with pywb in `folder`, made unless it is there already."""
    if (folder / "bin" / "wayback").exists():
        return folder
    print(f"installing pywb into {folder} ...", file=sys.stderr)
    for command in (
        [sys.executable, "-m", "venv", str(folder)],
        [str(folder / "bin" / "pip"), "install", "--quiet", "pywb"],
    ):
        done = subprocess.run(command, capture_output=True, text=True, check=False)
        if done.returncode != 0:
            output = (done.stdout + done.stderr).strip().splitlines()[-15:]
            raise SetupError(f"{' '.join(command)} failed:\n" + "\n".join(output))
    return folder


@contextmanager
def wayback(venv: Path, warc: Path) -> Iterator[str]:
    """pywb serving a collection of the one WARC on a free loopback port; yields its root URL
    and stops it (and removes the collection) on the way out."""
    with tempfile.TemporaryDirectory(prefix="replay-check-") as work:
        manager = str(venv / "bin" / "wb-manager")
        for argv in ([manager, "init", COLLECTION], [manager, "add", COLLECTION, str(warc)]):
            done = subprocess.run(argv, cwd=work, capture_output=True, text=True, check=False)
            if done.returncode != 0:
                raise SetupError(f"{' '.join(argv)} failed:\n{done.stdout}{done.stderr}")
        port = free_port()
        log = Path(work) / "wayback.log"
        with log.open("w") as log_file:
            server = subprocess.Popen(
                [str(venv / "bin" / "wayback"), "-b", "127.0.0.1", "-p", str(port)],
                cwd=work,
                stdout=log_file,
                stderr=subprocess.STDOUT,
            )
        root = f"http://127.0.0.1:{port}"
        try:
            wait_until_up(root, server, log)
            yield f"{root}/{COLLECTION}"
        finally:
            server.terminate()
            try:
                server.wait(timeout=10)
            except subprocess.TimeoutExpired:
                server.kill()
                server.wait()


def wait_until_up(root: str, server: subprocess.Popen[bytes], log: Path) -> None:
    deadline = time.monotonic() + START_TIMEOUT
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise SetupError(f"wayback exited with {server.returncode}:\n{log.read_text()}")
        try:
            with urllib.request.urlopen(root + "/", timeout=2):  # noqa: S310  # loopback only
                return
        except urllib.error.HTTPError:
            return  # it answers: a 404 for / is still an answer
        except OSError:
            time.sleep(0.3)
    raise SetupError(f"wayback did not answer within {START_TIMEOUT:.0f}s:\n{log.read_text()}")


def decoded(body: bytes, encoding: str | None) -> bytes:
    if encoding and encoding.strip().lower() in {"gzip", "x-gzip"}:
        return gzip.decompress(body)
    if encoding and encoding.strip().lower() == "deflate":
        return zlib.decompress(body)
    return body


def replay(collection_url: str, page: Page) -> str | None:
    """None when pywb gives the page back as archived, else what went wrong."""
    address = f"{collection_url}/{page.timestamp}id_/{page.url}"
    try:
        with urllib.request.urlopen(address, timeout=FETCH_TIMEOUT) as answer:  # noqa: S310
            body = decoded(answer.read(), answer.headers.get("Content-Encoding"))
    except urllib.error.HTTPError as error:
        return f"HTTP {error.code} from {address}"
    if body not in page.bodies:
        return f"{address} answered {len(body)} bytes unlike the archived page"
    return None


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("warc", type=Path, help="a WARC file from `newsarchive warc export`")
    parser.add_argument("--url", action="append", help="check this page (repeatable)")
    parser.add_argument("--pywb-venv", type=Path, help="keep pywb's virtualenv here, reuse it")
    options = parser.parse_args()
    warc = options.warc.absolute()  # wb-manager runs in the collection's folder
    pages = archived_pages(warc, set(options.url) if options.url else None)
    missing = set(options.url or ()) - {page.url for page in pages}
    if not pages or missing:
        print(f"not in {options.warc} as a 200 page: {sorted(missing) or 'any page'}")
        return 1
    try:
        with tempfile.TemporaryDirectory(prefix="pywb-venv-") as scratch:
            venv = pywb_venv(options.pywb_venv or Path(scratch) / "venv")
            with wayback(venv, warc) as collection_url:
                failures = 0
                for page in pages:
                    problem = replay(collection_url, page)
                    failures += problem is not None
                    print(f"FAIL {problem}" if problem else f"ok   {page.timestamp} {page.url}")
    except SetupError as error:
        print(f"pywb could not be set up: {error}", file=sys.stderr)
        return 2
    print(f"{len(pages) - failures} of {len(pages)} pages replayed as archived")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
