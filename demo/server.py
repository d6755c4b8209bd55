"""Serve the demo site on a loopback address: a threaded http.server in a daemon thread."""

from __future__ import annotations

import ipaddress
import socket
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from demo.site import DemoPage, DemoSite, build_site


@dataclass(frozen=True, slots=True)
class DemoServer:
    """A running demo server: where it listens and the site it serves."""

    base_url: str  # e.g. "http://127.0.0.1:54321"
    site: DemoSite


# What a client that goes away mid-exchange (a killed crawl, a closed browser tab) makes
# the server's socket raise: its own business, not the server's fault.
CLIENT_GONE_ERRORS = (ConnectionResetError, BrokenPipeError)


class DemoHTTPServer(ThreadingHTTPServer):
    """A ThreadingHTTPServer that knows which DemoSite it serves."""

    daemon_threads = True
    allow_reuse_address = True
    site: DemoSite

    def handle_error(self, request: Any, client_address: Any) -> None:
        """Say nothing when the client hung up; report anything else as http.server does
        (a traceback on stderr), since that would be a bug in the demo."""
        if isinstance(sys.exc_info()[1], CLIENT_GONE_ERRORS):
            return
        super().handle_error(request, client_address)


class DemoRequestHandler(BaseHTTPRequestHandler):
    """GET and HEAD for every page of the demo site; nothing else."""

    server: DemoHTTPServer
    protocol_version = "HTTP/1.1"
    server_version = "NewsarchiveDemo/1.0"
    timeout = 30  # seconds an idle keep-alive connection may hold a thread

    def do_GET(self) -> None:
        self._respond(with_body=True)

    def do_HEAD(self) -> None:
        self._respond(with_body=False)

    def _respond(self, *, with_body: bool) -> None:
        page: DemoPage = self.server.site.page_for(self.path)
        self.send_response(page.status)
        self.send_header("Content-Type", page.content_type)
        self.send_header("Content-Length", str(len(page.body)))
        for name, value in page.headers.items():
            self.send_header(name, value)
        self.end_headers()
        if with_body:
            self.wfile.write(page.body)

    def log_message(self, format: str, *args: Any) -> None:
        # Quiet: a crawl makes hundreds of requests and tests want a clean stderr.
        return


def is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


@contextmanager
def serve_demo(host: str = "127.0.0.1", port: int = 0) -> Iterator[DemoServer]:
    """Serve the demo site on ``host:port`` (0: any free port) until the block ends.

    Only loopback addresses are accepted: the demo is for this machine alone. The site is
    built after binding, so its links carry the real port.
    """
    if not is_loopback(host):
        raise ValueError(f"the demo server binds to loopback only, not {host!r}")
    server = DemoHTTPServer((host, port), DemoRequestHandler)
    bound_host, bound_port = server.server_address[:2]
    text_host = bound_host.decode() if isinstance(bound_host, bytes) else str(bound_host)
    shown_host = f"[{text_host}]" if ":" in text_host else text_host
    base_url = f"http://{shown_host}:{bound_port}"
    server.site = build_site(base_url)
    thread = threading.Thread(target=server.serve_forever, name="demo-server", daemon=True)
    thread.start()
    try:
        yield DemoServer(base_url=base_url, site=server.site)
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


def free_port() -> int:
    """A loopback port nothing listens on: bound a moment ago, then closed."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])
