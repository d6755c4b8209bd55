"""nginx serving a generated site on 127.0.0.1, far faster than any crawl of it.

    .venv/bin/python -m bench.static_server --check DIR   # pages/s nginx serves from DIR
    .venv/bin/python -m bench.static_server --check --articles 1000   # bench.sitegen's cache

``serve_static(root)`` runs nginx (Debian's nginx-light) in the foreground as a child process
with its own configuration, pid file, logs and temp paths in a temporary directory, on a free
loopback port, and stops it on exit. A crawl benchmark measures the crawler only if the server
is never the bottleneck; ``--check`` shows that it is not.
"""

from __future__ import annotations

import argparse
import http.client
import json
import multiprocessing
import os
import shutil
import signal
import subprocess
import tempfile
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import urlsplit

from demo.server import free_port

NGINX_CANDIDATES = ("/usr/sbin/nginx", "nginx")
INSTALL_HINT = "nginx not found: apt-get install nginx-light"
START_TIMEOUT = 10.0  # seconds for nginx to answer its first request
STOP_TIMEOUT = 5.0

CONFIG = """\
{user}worker_processes 2;
daemon off;
pid {work}/nginx.pid;
error_log {work}/error.log warn;
events {{
    worker_connections 1024;
}}
http {{
    access_log off;
    client_body_temp_path {work}/client_body;
    proxy_temp_path {work}/proxy;
    fastcgi_temp_path {work}/fastcgi;
    uwsgi_temp_path {work}/uwsgi;
    scgi_temp_path {work}/scgi;
    sendfile on;
    tcp_nopush on;
    tcp_nodelay on;
    keepalive_timeout 65;
    keepalive_requests 1000000;
    types {{
        text/html html htm;
        application/xml xml;
        text/plain txt;
        text/css css;
        application/javascript js;
        image/png png;
        image/jpeg jpg jpeg;
    }}
    # Article URLs of the group template have no extension (/news/section/slug-123).
    default_type text/html;
    charset utf-8;
    charset_types text/html application/xml text/plain;
    server {{
        listen 127.0.0.1:{port};
        root {root};
        # The feed lives at /feed/ as feed/index.xml.
        index index.html index.xml;
        # Legacy pages: windows-1252 (or mislabelled UTF-8) with no charset in the header.
        location /archive/ {{
            charset off;
        }}
    }}
}}
"""


def nginx_binary() -> str:
    """The nginx executable; stops with one line saying how to install it when absent."""
    for candidate in NGINX_CANDIDATES:
        if found := shutil.which(candidate):
            return found
    raise SystemExit(INSTALL_HINT)


def nginx_config(root: Path, work: Path, port: int) -> str:
    # As root, nginx's workers would run as "nobody", who may not read the site's tree.
    user = "user root;\n" if os.geteuid() == 0 else ""
    return CONFIG.format(user=user, work=work, port=port, root=root.resolve())


def _answers(port: int) -> bool:
    try:
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=1)
        connection.request("GET", "/robots.txt")
        connection.getresponse().read()
        connection.close()
    except OSError:
        return False
    return True


@contextmanager
def serve_static(root: Path) -> Iterator[str]:
    """Serve ``root`` with nginx on 127.0.0.1; yields the base URL ("http://127.0.0.1:PORT")."""
    binary = nginx_binary()
    if not root.is_dir():
        raise FileNotFoundError(f"no site to serve at {root}")
    with tempfile.TemporaryDirectory(prefix="bench-nginx-") as scratch:
        work = Path(scratch)
        port = free_port()
        config = work / "nginx.conf"
        config.write_text(nginx_config(root, work, port), encoding="utf-8")
        process = subprocess.Popen(
            [binary, "-p", str(work), "-e", str(work / "error.log"), "-c", str(config)],
            stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT,
        )
        try:
            deadline = time.monotonic() + START_TIMEOUT
            while not _answers(port):
                if process.poll() is not None or time.monotonic() > deadline:
                    log = (work / "error.log").read_text(encoding="utf-8", errors="replace")
                    raise RuntimeError(f"nginx did not start on port {port}: {log.strip()}")
                time.sleep(0.05)
            yield f"http://127.0.0.1:{port}"
        finally:
            process.send_signal(signal.SIGTERM)  # nginx's fast shutdown
            try:
                process.wait(timeout=STOP_TIMEOUT)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


# -- --check: how fast nginx serves the site ------------------------------------------------


def _fetch_for(job: tuple[str, Sequence[str], float]) -> tuple[int, int, int]:
    """One client: keep-alive GETs over ``paths`` in turn until the time is up.

    Returns (responses, body bytes, non-200 responses).
    """
    base_url, paths, seconds = job
    parts = urlsplit(base_url)
    connection = http.client.HTTPConnection(parts.hostname or "127.0.0.1", parts.port, timeout=10)
    responses = size = failures = 0
    deadline = time.perf_counter() + seconds
    while time.perf_counter() < deadline:
        connection.request("GET", paths[responses % len(paths)])
        response = connection.getresponse()
        size += len(response.read())
        failures += response.status != 200
        responses += 1
    connection.close()
    return responses, size, failures


def measure(base_url: str, paths: Sequence[str], clients: int, seconds: float) -> dict[str, float]:
    """Pages per second ``clients`` processes of keep-alive GETs get from the server."""
    jobs = [(base_url, paths[offset::clients] or paths, seconds) for offset in range(clients)]
    started = time.perf_counter()
    with multiprocessing.get_context("fork").Pool(clients) as pool:
        results = pool.map(_fetch_for, jobs)
    elapsed = time.perf_counter() - started
    responses = sum(result[0] for result in results)
    return {
        "responses": responses,
        "failures": sum(result[2] for result in results),
        "pages_per_second": responses / seconds,
        "mib_per_second": sum(result[1] for result in results) / seconds / 2**20,
        "wall_seconds": elapsed,
    }


def site_paths(directory: Path) -> tuple[Path, list[str]]:
    """The web root and article paths of a bench.sitegen directory (or of its site/ root)."""
    for candidate in (directory, directory.parent):
        expected = candidate / "expected.jsonl"
        if expected.exists():
            with expected.open(encoding="utf-8") as lines:
                paths = [json.loads(line)["path"] for line in lines]
            return candidate / "site", paths
    raise SystemExit(f"{directory}: no expected.jsonl: not a bench.sitegen site")


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--check", nargs="?", const="", metavar="DIR",
                        help="measure pages/s over the site in DIR (from bench.sitegen)")
    parser.add_argument("--articles", type=int, default=1000,
                        help="without DIR: the cached bench.sitegen site of N articles")
    parser.add_argument("--clients", type=int, default=4, help="client processes")
    parser.add_argument("--seconds", type=float, default=5.0)
    args = parser.parse_args(argv)
    if args.check is None:
        parser.error("nothing to do: give --check [DIR]")
    if args.check:
        root, paths = site_paths(Path(args.check))
    else:
        from bench.sitegen import ensure_site

        site = ensure_site(args.articles)
        root, paths = site.root, site.article_paths()
    with serve_static(root) as base_url:
        result = measure(base_url, paths, args.clients, args.seconds)
    print(
        f"nginx served {result['pages_per_second']:,.0f} article pages/s "
        f"({result['mib_per_second']:,.0f} MiB/s; {int(result['responses']):,} responses, "
        f"{int(result['failures'])} not 200) to {args.clients} keep-alive client processes "
        f"over {args.seconds:g} s, {len(paths):,} distinct pages from {root}"
    )
    return 1 if result["failures"] else 0


if __name__ == "__main__":
    raise SystemExit(main())
