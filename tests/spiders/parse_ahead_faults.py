"""Parser faults for tests/spiders/test_parse_ahead.py, importable by a parser worker.

A crawl child patches ``parsers.parse_article`` (what the spider's callback calls) and
``parsers.parse_article_and_links`` (what a parser worker runs) with a fault of the same
name. The parse-ahead middleware pickles the function by name, so a worker process imports this
module and runs the same fault where it would really happen: in the worker.
"""

from __future__ import annotations

import os
import sys
from typing import Any

from items import ArticleRecord
from parsers import parse_article as real_parse_article
from parsers import parse_article_and_links as real_parse_article_and_links

FAULTY_PATH = "/2014/10/02/selly-oak-bypass-opens-two-months-early/"


def in_worker() -> bool:
    """Whether this is a parser process (``python -m spiders.parse_worker``)."""
    spec = getattr(sys.modules["__main__"], "__spec__", None)
    return spec is not None and spec.name == "spiders.parse_worker"


def raise_on_the_faulty_page(url: str) -> None:
    """A parser bug on one page, in a worker and in the crawl process alike."""
    if url.endswith(FAULTY_PATH):
        raise RecursionError("maximum recursion depth exceeded")


def die_on_the_faulty_page_in_a_worker(url: str) -> None:
    """A worker process that dies (as the kernel's OOM killer would end it) on one page."""
    if in_worker() and url.endswith(FAULTY_PATH):
        os._exit(1)


def raises_on_one_page(html: bytes | str, url: str, **options: Any) -> ArticleRecord | None:
    raise_on_the_faulty_page(url)
    return real_parse_article(html, url, **options)


def raises_on_one_page_with_links(
    html: bytes | str, url: str, **options: Any
) -> tuple[ArticleRecord | None, list[str]]:
    raise_on_the_faulty_page(url)
    return real_parse_article_and_links(html, url, **options)


def worker_dies_on_one_page(html: bytes | str, url: str, **options: Any) -> ArticleRecord | None:
    die_on_the_faulty_page_in_a_worker(url)
    return real_parse_article(html, url, **options)


def worker_dies_on_one_page_with_links(
    html: bytes | str, url: str, **options: Any
) -> tuple[ArticleRecord | None, list[str]]:
    die_on_the_faulty_page_in_a_worker(url)
    return real_parse_article_and_links(html, url, **options)
