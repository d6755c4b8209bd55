"""The demo server when a client hangs up: quiet about a reset or a broken pipe, and only those."""

from __future__ import annotations

import socket
import struct
import threading
from collections.abc import Iterator

import pytest

from demo.server import DemoHTTPServer, DemoRequestHandler
from demo.site import build_site


@pytest.fixture
def http_server() -> Iterator[DemoHTTPServer]:
    server = DemoHTTPServer(("127.0.0.1", 0), DemoRequestHandler)
    host, port = server.server_address[:2]
    server.site = build_site(f"http://{host!s}:{port}")
    try:
        yield server
    finally:
        server.server_close()


def fetch_home_then_reset(address: tuple[str, int]) -> None:
    """GET / over a keep-alive connection, read the whole answer, then abort the connection
    (SO_LINGER 0 sends a TCP reset), as a killed crawler's socket does."""
    with socket.create_connection(address, timeout=10) as client:
        client.sendall(b"GET / HTTP/1.1\r\nHost: demo\r\n\r\n")
        received = b""
        while b"\r\n\r\n" not in received:
            received += client.recv(65536)
        head, _, body = received.partition(b"\r\n\r\n")
        length = next(
            int(line.split(b":", 1)[1])
            for line in head.split(b"\r\n")
            if line.lower().startswith(b"content-length:")
        )
        while len(body) < length:
            body += client.recv(65536)
        client.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))


def test_a_client_that_resets_the_connection_leaves_no_traceback(
    http_server: DemoHTTPServer, capsys: pytest.CaptureFixture[str]
) -> None:
    host, port = http_server.server_address[:2]
    client = threading.Thread(target=fetch_home_then_reset, args=((str(host), port),))
    client.start()
    request, client_address = http_server.get_request()
    # In this thread, so the server has answered, waited for the next request and met the
    # reset before the assertions run.
    http_server.process_request_thread(request, client_address)
    client.join(timeout=10)
    assert capsys.readouterr().err == ""


@pytest.mark.parametrize("error", [ConnectionResetError(104, "reset"), BrokenPipeError(32, "pipe")])
def test_a_client_gone_error_is_not_reported(
    http_server: DemoHTTPServer, capsys: pytest.CaptureFixture[str], error: OSError
) -> None:
    try:
        raise error
    except OSError:
        http_server.handle_error(None, ("127.0.0.1", 1))
    assert capsys.readouterr().err == ""


def test_any_other_error_is_still_reported(
    http_server: DemoHTTPServer, capsys: pytest.CaptureFixture[str]
) -> None:
    try:
        raise ValueError("a bug in the demo")
    except ValueError:
        http_server.handle_error(None, ("127.0.0.1", 1))
    err = capsys.readouterr().err
    assert "Traceback" in err and "ValueError: a bug in the demo" in err
