"""`python -m demo [--port 8765]`: serve the demo site in the foreground until Ctrl-C."""

from __future__ import annotations

import argparse
import sys
import threading

from demo.server import serve_demo


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m demo",
        description="Serve the newsarchive demo news site on 127.0.0.1 until Ctrl-C.",
        epilog="Example: python -m demo --port 8765",
    )
    parser.add_argument(
        "--host", default="127.0.0.1", help="a loopback address (default 127.0.0.1)"
    )
    parser.add_argument(
        "--port", type=int, default=8765, help="port, 0 for any free one (default 8765)"
    )
    args = parser.parse_args(argv)
    try:
        with serve_demo(args.host, args.port) as server:
            print(f"Serving the demo site at {server.base_url}/ (Ctrl-C to stop)", flush=True)
            print(f"  {len(server.site.public_articles)} articles; robots.txt, "
                  f"{server.base_url}/sitemap.xml, {server.base_url}/feed/", flush=True)
            threading.Event().wait()
    except KeyboardInterrupt:
        print("Stopped.", file=sys.stderr)
    except (OSError, ValueError) as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
