"""The loopback demo server: binds to 127.0.0.1, serves the site's bytes and headers, quietly."""

from __future__ import annotations

import http.client
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from demo.server import DemoServer, serve_demo

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def server() -> Iterator[DemoServer]:
    with serve_demo() as running:
        yield running




def get(server: DemoServer, target: str, method: str = "GET") -> tuple[int, dict[str, str], bytes]:
    parts = urlsplit(server.base_url)
    connection = http.client.HTTPConnection(parts.hostname, parts.port, timeout=10)
    try:
        connection.request(method, target)
        response = connection.getresponse()
        return response.status, dict(response.getheaders()), response.read()
    finally:
        connection.close()


def test_binds_to_loopback_on_a_free_port(server: DemoServer) -> None:
    parts = urlsplit(server.base_url)
    assert parts.hostname == "127.0.0.1"
    assert parts.port and parts.port > 0
    assert server.site.base_url == server.base_url


def test_refuses_to_bind_beyond_loopback() -> None:
    with pytest.raises(ValueError, match="loopback"), serve_demo(host="0.0.0.0"):
        pass


def test_serves_every_page_with_its_status_type_and_bytes(server: DemoServer) -> None:
    for target, page in server.site.pages.items():
        status, headers, body = get(server, target)
        assert (status, headers["Content-Type"], body) == (
            page.status, page.content_type, page.body
        ), target
        for name, value in page.headers.items():
            assert headers[name] == value


def test_content_types_of_discovery_files(server: DemoServer) -> None:
    expected = {
        "/robots.txt": "text/plain; charset=utf-8",
        "/sitemap.xml": "application/xml; charset=utf-8",
        "/feed/": "application/rss+xml; charset=utf-8",
        "/": "text/html; charset=utf-8",
    }
    for target, content_type in expected.items():
        assert get(server, target)[1]["Content-Type"] == content_type


def test_legacy_page_is_sent_without_a_charset(server: DemoServer) -> None:
    legacy = next(t for t in server.site.articles if t.template == "legacy")
    status, headers, body = get(server, legacy.path)
    assert (status, headers["Content-Type"]) == (200, "text/html")
    assert body.decode("cp1252")
    with pytest.raises(UnicodeDecodeError):
        body.decode("utf-8")


def test_head_sends_headers_without_a_body(server: DemoServer) -> None:
    article = server.site.public_articles[0]
    status, headers, body = get(server, article.path, method="HEAD")
    assert status == 200 and body == b""
    assert int(headers["Content-Length"]) == len(server.site.pages[article.path].body)


def test_unknown_paths_404_and_tracking_parameters_are_ignored(server: DemoServer) -> None:
    assert get(server, "/nothing/here/")[0] == 404
    article = server.site.public_articles[3]
    status, _, body = get(server, article.path + "?utm_source=rss&utm_medium=rss")
    assert (status, body) == (200, server.site.pages[article.path].body)


def test_search_pages_are_built_on_request(server: DemoServer) -> None:
    status, headers, body = get(server, "/?s=tram")
    assert status == 200 and headers["Content-Type"].startswith("text/html")
    assert b"Search results for: tram" in body


def test_requests_leave_stderr_quiet(server: DemoServer, capfd: pytest.CaptureFixture[str]) -> None:
    for target in ("/", "/robots.txt", "/missing/", "/events/"):
        get(server, target)
    assert capfd.readouterr().err == ""


def test_module_serves_in_the_foreground_until_stopped() -> None:
    process = subprocess.Popen(
        [sys.executable, "-m", "demo", "--port", "0"],
        cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )
    try:
        assert process.stdout is not None
        line = process.stdout.readline()
        assert line.startswith("Serving the demo site at http://127.0.0.1:")
        url = line.split(" at ")[1].split()[0]
        parts = urlsplit(url)
        connection = http.client.HTTPConnection(parts.hostname, parts.port, timeout=10)
        connection.request("GET", "/robots.txt")
        assert connection.getresponse().status == 200
        connection.close()
    finally:
        process.terminate()
        process.wait(timeout=10)
