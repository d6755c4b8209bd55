"""A generated news site (bench.sitegen) served on 127.0.0.1 by a thread, slowly if asked,
counting the requests each path gets: the scale-out tests check that every page is fetched
once across all workers, and need pages slow enough to kill a worker mid-crawl."""

from __future__ import annotations

import threading
import time
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

from bench.sitegen import page_file


@dataclass
class ServedSite:
    base_url: str
    requests: Counter[str] = field(default_factory=Counter)  # path -> requests
    in_flight: int = 0  # requests being answered now
    most_in_flight: int = 0  # the most answered at once


@contextmanager
def serve_generated_site(
    root: Path, *, delay: float = 0.0, host: str = "127.0.0.1"
) -> Iterator[ServedSite]:
    """Serve `root` (a generated site's web root) on a free port of `host`; every response
    waits `delay` seconds first."""
    lock = threading.Lock()
    served = ServedSite("")

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            path = self.path.split("?", 1)[0]
            with lock:
                served.requests[path] += 1
                served.in_flight += 1
                served.most_in_flight = max(served.most_in_flight, served.in_flight)
            try:
                self.answer(path)
            finally:
                with lock:
                    served.in_flight -= 1

        def answer(self, path: str) -> None:
            time.sleep(delay)
            target = page_file(root, path)
            if target.is_dir():  # as nginx does: the folder's URL ends with a slash
                self.send_response(301)
                self.send_header("Location", path + "/")
                self.send_header("Content-Length", "0")
                self.end_headers()
                return
            if not target.is_file():
                self.send_response(404)
                self.send_header("Content-Length", "0")
                self.end_headers()
                return
            body = target.read_bytes()
            kind = {".xml": "application/xml", ".txt": "text/plain"}.get(
                target.suffix, "text/html; charset=utf-8"
            )
            self.send_response(200)
            self.send_header("Content-Type", kind)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, format: str, *args: object) -> None:
            return

    class Server(ThreadingHTTPServer):
        def handle_error(self, request: object, client_address: object) -> None:
            return  # a worker killed mid-response hangs up: expected here

    server = Server((host, 0), Handler)
    server.daemon_threads = True
    served.base_url = f"http://{host}:{server.server_address[1]}/"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield served
    finally:
        server.shutdown()
        server.server_close()
