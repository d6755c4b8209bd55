"""Datasette metadata for the archive: titles, descriptions, facets and full-text search.

`newsarchive serve` hands this to Datasette so an analyst browses a described archive
with no setup. It is plain data (no Datasette import): the same dictionary, dumped as
JSON, works as ``datasette -m metadata.json archive.sqlite``.
"""

from __future__ import annotations

from typing import Any

TITLE = "newsarchive: regional news archive"
DESCRIPTION = (
    "Articles archived from regional news sites by newsarchive, one row per canonical URL, "
    "with every earlier version kept. Start with article_latest: one flat row per article, "
    "searchable (full text over title, summary, body, authors and tags) and faceted by site, "
    "section, author and tag."
)
SOURCE = "newsarchive crawls of the sites' public pages"
LICENSE = "Article texts remain the copyright of their publishers; for research use only"

FTS_TABLE = "article_fts"  # hand-written in the migrations, content=[article]

# Columns the two analyst views share with the same meaning.
VIEW_COLUMNS = {
    "article_id": "The article's id (article.id)",
    "url": "The URL as last fetched",
    "site": "The site's host name, e.g. www.chamberlainfiles.com",
    "title": "Headline",
    "published": "Publication date as the page gives it: YYYY-MM-DD, or a datetime with "
    "the page's own UTC offset",
    "published_at": "Publication time in UTC, for sorting and ranges (a bare date counts "
    "as midnight UTC)",
    "authors": "Author names in byline order, joined with '; '",
    "tags": "Tags and keywords in page order, joined with '; '",
    "section": "The site's section, e.g. News or Sport",
    "first_seen_at": "When a crawl first archived the article (UTC)",
    "last_seen_at": "When a crawl last saw the article (UTC)",
    "versions": "How many distinct contents were archived (1: never edited)",
}

TABLES: dict[str, dict[str, Any]] = {
    "article_latest": {
        "description": "One flat row per article with its latest content: no joins to "
        "write. Search it with the box above; facet by site, section, author or tag.",
        "columns": {
            **VIEW_COLUMNS,
            "canonical_url": "The page's canonical URL (rel=canonical or og:url), if any",
            "summary": "Standfirst or description",
            "modified": "Last-modified date as the page gives it",
            "language": "Language code, e.g. en",
            "body": "Article text: paragraphs separated by a blank line",
            "current_version": "article_version.number of the content shown here",
            "authors_json": "Author names in byline order, as a JSON array ([] for none)",
            "tags_json": "Tags and keywords in page order, as a JSON array ([] for none)",
            "gone_at": "When the site answered 404 or 410 for the article (UTC); empty "
            "while it is online. The archived content stays.",
        },
        # Array facets count articles per name: one facet value per array element.
        "facets": ["site", "section", {"array": "authors_json"}, {"array": "tags_json"}],
        "sort_desc": "published_at",
        "fts_table": FTS_TABLE,
        "fts_pk": "article_id",
        "label_column": "title",
    },
    "article_summary": {
        "description": "One short row per article (no body): for counting and listing.",
        "columns": VIEW_COLUMNS,
        "facets": ["site", "section"],
        "sort_desc": "published_at",
        "fts_table": FTS_TABLE,
        "fts_pk": "article_id",
        "label_column": "title",
    },
    "article": {
        "description": "One archived article per canonical URL (the fetched URL when the "
        "page names none), holding its latest distinct content; earlier content is in "
        "article_version.",
        "columns": {
            "id": "Article id",
            "archive_key": "The archive's natural key: canonical URL, else fetched URL",
            "url": "The URL as last fetched",
            "canonical_url": "The page's canonical URL, if any",
            "site_id": "The site (site.id)",
            "title": "Headline",
            "summary": "Standfirst or description",
            "published": "Publication date as the page gives it",
            "published_at": "Publication time in UTC, for sorting and ranges",
            "modified": "Last-modified date as the page gives it",
            "section": "The site's section",
            "language": "Language code, e.g. en",
            "body": "Article text: paragraphs separated by a blank line",
            "provenance": "JSON: for each field, how the parser found it (e.g. json-ld)",
            "content_hash": "sha256 of the normalised content fields: a change is an edit",
            "fetched_at": "When the latest fetch happened, as the crawler reported it (UTC)",
            "first_seen_at": "When a crawl first archived the article (UTC)",
            "last_seen_at": "When a crawl last saw the article (UTC)",
            "current_version": "article_version.number of the content in these columns",
            "authors_text": "Author names joined with '; ' (a copy of article_author)",
            "tags_text": "Tag names joined with '; ' (a copy of article_tag)",
            "etag": "The ETag of the last full response, sent back as If-None-Match",
            "http_last_modified": "The Last-Modified header of the last full response, "
            "sent back as If-Modified-Since",
            "last_checked_at": "When a crawl last confirmed the page (a 200 or a 304; UTC)",
            "listed_modified_at": "The date the site's sitemap or feed gave the page when it "
            "was last fetched (UTC): a later one there means it changed",
            "gone_at": "When the site answered 404 or 410 (UTC); empty while online",
            "gone_status": "That status, 404 or 410",
        },
        "facets": ["site_id", "section"],
        "sort_desc": "published_at",
        "fts_table": FTS_TABLE,
        "fts_pk": "id",
        "label_column": "title",
    },
    "article_version": {
        "description": "Each distinct content an article had, in the order seen: edits are "
        "part of the record.",
        "columns": {
            "id": "Version id",
            "article_id": "The article (article.id)",
            "number": "1, 2, ... in the order the contents were seen",
            "content_hash": "sha256 of the normalised content fields",
            "record": "JSON: the whole article record as extracted then",
            "seen_at": "When this content was first seen (UTC)",
            "crawl_run_id": "The crawl that saw it (crawl_run.id)",
            "origin": "How it was made: crawl, reparse (a later parser over a stored "
            "capture) or warc-import",
            "parser_version": "The parser version that extracted it",
            "capture_id": "The raw capture it was extracted from (capture.id), if kept",
        },
        "facets": ["crawl_run_id", "origin", "parser_version"],
    },
    "fetch_failure": {
        "description": "Pages that could not be fetched, parsed or stored; resolved_at is "
        "set when a later crawl archived the URL.",
        "columns": {
            "id": "Failure id",
            "url": "The URL that failed",
            "reason": "Why, e.g. HTTP 404 or a timeout",
            "status": "HTTP status, when there was a response",
            "failed_at": "When (UTC)",
            "crawl_run_id": "The crawl (crawl_run.id)",
            "resolved_at": "When a later crawl archived the URL (UTC); empty if unresolved",
        },
        "facets": ["reason", "status"],
        "sort_desc": "failed_at",
    },
    "crawl_run": {
        "description": "One row per crawl: its arguments, when it ran, what it counted and "
        "why it stopped.",
        "columns": {
            "id": "Crawl run id",
            "started_at": "Start (UTC)",
            "finished_at": "End (UTC); empty while running or if it died",
            "arguments": "JSON: the command and options it was started with",
            "counts": "JSON: pages fetched, articles new/updated/unchanged, failures...",
            "finish_reason": "Scrapy's finish reason; 'finished' is a clean finish",
            "site": "The site profile's name",
            "articles_parsed": "Article pages this run parsed (extraction health)",
            "with_title": "Of those, how many had a title",
            "with_published": "... a publication date",
            "with_authors": "... at least one author",
            "with_body": "... a body of reasonable length (ARCHIVE_MIN_BODY_CHARS)",
        },
        "facets": ["finish_reason", "site"],
        "sort_desc": "started_at",
    },
    "author": {
        "description": "Byline names, each shared by every article that names it. "
        "article_author links them to articles (facet there for articles per author).",
        "columns": {"id": "Author id", "name": "The name as printed in the byline"},
        "label_column": "name",
    },
    "tag": {
        "description": "Tags and keywords, each shared by every article that carries it. "
        "article_tag links them to articles (facet there for articles per tag).",
        "columns": {"id": "Tag id", "name": "The tag as the site prints it"},
        "label_column": "name",
    },
    "article_author": {
        "description": "Who wrote what: one row per article and author, in byline order. "
        "Facet on author_id to count articles per author.",
        "columns": {
            "article_id": "The article (article.id)",
            "author_id": "The author (author.id)",
            "position": "0 for the first byline name, then 1, 2, ...",
        },
        "facets": ["author_id"],
    },
    "article_tag": {
        "description": "Which article carries which tag, in page order. Facet on tag_id to "
        "count articles per tag.",
        "columns": {
            "article_id": "The article (article.id)",
            "tag_id": "The tag (tag.id)",
            "position": "0 for the first tag, then 1, 2, ...",
        },
        "facets": ["tag_id"],
    },
    "site": {
        "description": "The news sites in the archive, by host name.",
        "columns": {
            "id": "Site id",
            "host": "Host name, e.g. www.chamberlainfiles.com",
            "first_seen_at": "When a crawl first archived one of its articles (UTC)",
        },
        "label_column": "host",
    },
    "capture": {
        "description": "Every HTTP response a crawl received, as received, with the request "
        "that got it: what a WARC request/response pair holds. The body is in payload.",
        "columns": {
            "id": "Capture id",
            "url": "The URL requested (each redirect has its own capture)",
            "method": "The request's method, e.g. GET",
            "request_headers": "JSON: the request's headers as [name, value] pairs",
            "status": "HTTP status, e.g. 200, 301, 304, 404",
            "protocol": "e.g. HTTP/1.1",
            "response_headers": "JSON: the response's headers as [name, value] pairs",
            "payload_id": "The body (payload.id), shared by every capture of the same bytes",
            "fetched_at": "When it was received (UTC)",
            "crawl_run_id": "The crawl (crawl_run.id)",
            "source": "Where it came from when no crawl fetched it, e.g. warc:<file>",
        },
        "facets": ["status", "crawl_run_id"],
        "sort_desc": "fetched_at",
    },
    "payload": {
        "description": "Response bodies, each stored once (compressed) however many "
        "captures returned it.",
        "columns": {
            "id": "Payload id",
            "digest": "sha1:<base32>, as WARC-Payload-Digest writes it",
            "size": "Bytes, uncompressed",
            "compression": "How data is compressed, e.g. zlib",
            "data": "The compressed body",
            "first_seen_at": "When a capture first returned it (UTC)",
        },
    },
    FTS_TABLE: {
        "description": "The full-text index (FTS5) behind search; query it through "
        "article_latest or article instead.",
        "hidden": True,
    },
}


def datasette_metadata(database: str) -> dict[str, Any]:
    """Datasette metadata (0.65 format) for an archive served under the name `database`."""
    return {
        "title": TITLE,
        "description": DESCRIPTION,
        "source": SOURCE,
        "license": LICENSE,
        "databases": {
            database: {
                "description": "The archive: start with article_latest.",
                "tables": {name: dict(table) for name, table in TABLES.items()},
            }
        },
    }
