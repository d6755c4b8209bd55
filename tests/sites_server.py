"""A tiny site on 127.0.0.1 built from a route table, for the `sites` probe tests that need
what the fixture site does not have: no feed or sitemap, redirects, a failing robots.txt.

Each route is (status, headers, body); every request path is logged in arrival order.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

Route = tuple[int, Mapping[str, str], bytes]


@dataclass
class TinySite:
    base_url: str
    requests: list[str] = field(default_factory=list)


def html(body: str) -> Route:
    return 200, {"Content-Type": "text/html; charset=utf-8"}, body.encode()


def text(body: str, status: int = 200) -> Route:
    return status, {"Content-Type": "text/plain"}, body.encode()


def redirect(location: str) -> Route:
    return 301, {"Location": location}, b""


def article_page(title: str, *, date: str | None) -> str:
    """An article page: <article>, a headline, four paragraphs; dated only when `date`."""
    paragraphs = "".join(
        f"<p>{title} was discussed at length by the council on Tuesday, where members heard "
        f"from residents and officers about the plans for the coming year, part {n}.</p>"
        for n in range(1, 5)
    )
    dated = f'<time datetime="{date}">{date}</time>' if date else ""
    meta = f'<meta property="article:published_time" content="{date}">' if date else ""
    return (
        f'<html lang="en"><head><title>{title}</title><meta property="og:type" '
        f'content="article">{meta}</head><body><article><h1>{title}</h1>{dated}'
        f"{paragraphs}</article></body></html>"
    )


@contextmanager
def serve_tiny_site(routes: Mapping[str, Route]) -> Iterator[TinySite]:
    """Serve `routes` (path -> route; "{base}" in bodies and headers is the server URL)."""
    log: list[str] = []

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            log.append(self.path)
            route = routes.get(self.path)
            if route is None:
                self.send_error(404, "Not Found")
                return
            status, headers, body = route
            body = body.replace(b"{base}", site.base_url.encode())
            self.send_response(status)
            for name, value in headers.items():
                self.send_header(name, value.replace("{base}", site.base_url))
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, format: str, *args: object) -> None:
            return

    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    site = TinySite(base_url=f"http://127.0.0.1:{httpd.server_address[1]}", requests=log)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    try:
        yield site
    finally:
        httpd.shutdown()
        httpd.server_close()
        thread.join(timeout=10)
