"""Scrapy settings for every newsarchive crawl: politeness first, then the archive pipelines.

`newsarchive crawl` and `scrapy crawl news` both read this module (see scrapy.cfg); the CLI
overrides only what its options name (--delay, --concurrency, --user-agent, ...).
"""

import os

BOT_NAME = "newsarchive"
SPIDER_MODULES = ["spiders"]
NEWSPIDER_MODULE = "spiders"

# Polite by default: say who we are, obey robots.txt, never hammer a small site.
USER_AGENT = "newsarchive/0.1 (+https://pypi.org/project/newsarchive/; news archiving for research)"
ROBOTSTXT_OBEY = True
CONCURRENT_REQUESTS = 16
CONCURRENT_REQUESTS_PER_DOMAIN = 2
DOWNLOAD_DELAY = 1.0
DOWNLOAD_DELAY_JITTER = 0.5  # each delay drawn from 0.5x to 1.5x, as browsers vary
AUTOTHROTTLE_ENABLED = True
AUTOTHROTTLE_START_DELAY = 1.0
AUTOTHROTTLE_MAX_DELAY = 30.0
AUTOTHROTTLE_TARGET_CONCURRENCY = 1.0
DOWNLOAD_TIMEOUT = 30
DOWNLOAD_MAXSIZE = 16 * 1024 * 1024  # a news page is never this big; stop traps and bombs
DOWNLOAD_WARNSIZE = 4 * 1024 * 1024
RETRY_ENABLED = True
RETRY_TIMES = 2
RETRY_GIVE_UP_LOG_LEVEL = "WARNING"  # a page that keeps failing is recorded, not a crawl error
REDIRECT_MAX_TIMES = 10
COOKIES_ENABLED = False
TELNETCONSOLE_ENABLED = False
REMOTE_CONTROL_ENABLED = False  # no local control port on a nightly job
DEPTH_PRIORITY = 0
# Scrapy starts this many asyncio tasks for the output of every page, however little it
# yields: 100 (its default) cost 15% of a crawl's CPU. A page yields one record and a few
# dozen links, and every pipeline here is synchronous, so 8 lose no parallelism.
CONCURRENT_ITEMS = 8
# Scrapy reads every generator callback's source with `ast` to warn about `return value`;
# its cache is keyed by bound methods, which are new for every response, so it parsed the
# source again for every page (4% of a crawl's CPU). The spiders here return no values.
WARN_ON_GENERATOR_RETURN_VALUE = False
REQUEST_FINGERPRINTER_IMPLEMENTATION = "2.7"
# Every request's fingerprint stays in the filter for the whole crawl: kept as 8-byte
# hashes, not Scrapy's 20-byte bytes objects (~5 MB less at 50,000 articles).
DUPEFILTER_CLASS = "spiders.dupefilter.CompactDupeFilter"
# Requests waiting to be fetched are pickled to disk, not held in memory (spiders/scheduler.py).
SCHEDULER = "spiders.scheduler.DiskQueueScheduler"
FEED_EXPORT_ENCODING = "utf-8"
LOG_FORMATTER = "pipelines.logformat.ShortDropLogFormatter"
LOG_LEVEL = "INFO"

# Crawler traps: links of a page reached through more than this many pages in a row that
# were neither articles nor listed a new article are not followed (see spiders/news.py).
BARREN_PAGE_LIMIT = 3
# A URL that failed is fetched again by later crawls, until it has failed this many times
# with no success in between (a 410 Gone, never); a link to it on the site is still followed.
FAILED_URL_MAX_ATTEMPTS = 5
# Incremental crawls (spiders/incremental.py): an archived article's page is fetched again,
# conditionally, when its sitemap or feed date moved, when it is younger than
# RECHECK_YOUNG_DAYS (every crawl: news is corrected and updated mostly in its first days),
# and otherwise about every RECHECK_EVERY_DAYS (late corrections, takedowns and deletions
# are still seen within a month, at ~1/30 of the archive a night, mostly 304s).
# RECHECK_ALL re-checks every archived page that is not gone (still conditionally).
RECHECK_YOUNG_DAYS = 3.0
RECHECK_EVERY_DAYS = 30.0
RECHECK_ALL = False

SPIDER_MIDDLEWARES = {
    # Innermost (next to the spider): a callback that raises becomes a FetchFailure.
    "spiders.middlewares.CallbackErrorMiddleware": 950,
    # Outermost (below HttpErrorMiddleware, 50): each response's raw captures go out before
    # what its callback or errback yields (spiders/capture.py).
    "spiders.capture.CaptureSpiderMiddleware": 10,
}
DOWNLOADER_MIDDLEWARES = {
    # Responses pass these before Scrapy's RedirectMiddleware (600) and RetryMiddleware (550).
    "spiders.middlewares.RedirectGuardMiddleware": 650,
    "spiders.middlewares.RetryAfterMiddleware": 560,
    # RFC 9309: a robots.txt that fails with 5xx or never answers disallows the whole site.
    "scrapy.downloadermiddlewares.robotstxt.RobotsTxtMiddleware": None,
    "spiders.middlewares.Rfc9309RobotsTxtMiddleware": 100,
    # Scrapy's meta refresh redirects, at its place, without decoding pages that have none.
    "scrapy.downloadermiddlewares.redirect.MetaRefreshMiddleware": None,
    "spiders.middlewares.HeadOnlyMetaRefreshMiddleware": 580,
    # Last to see a response before the spider: article pages parsed in worker processes.
    "spiders.parse_ahead.ParseAheadMiddleware": 50,
    # First to see a response (on the network side of HttpCompression 590, Redirect 600 and
    # Retry 550, past HttpCache 900): every response as received, body still compressed.
    "spiders.capture.CaptureDownloaderMiddleware": 950,
    # On a shared frontier only: delays and per-site concurrency hold across all workers.
    "spiders.politeness.SharedPolitenessMiddleware": 940,
}
# Worker processes that parse article pages while Scrapy fetches (spiders/parse_ahead.py):
# one a core, at most two; none on a one-core machine (0 parses in the spider's callbacks).
# On two cores, two workers beside the engine crawl 21% faster than one (10,000 articles,
# bench/crawl.py's site: 166 against 137 pages a second): the engine's process leaves a
# core partly idle, and a second worker fills it.
_CORES = os.cpu_count() or 1
PARSE_PROCESSES = min(2, _CORES) if _CORES > 1 else 0

ITEM_PIPELINES = {
    "pipelines.clean.CleanPipeline": 100,
    # Before Validate: the records it drops (no title, no body) are health failures too.
    "pipelines.health.HealthPipeline": 150,
    "pipelines.validate.ValidatePipeline": 200,
    "pipelines.deduplicate.DeduplicatePipeline": 300,
    "pipelines.store.ArchivePipeline": 900,
}

# The archive: an SQLAlchemy URL. The CLI sets it from --db / NEWSARCHIVE_DB.
ARCHIVE_DB_URL = "sqlite:///archive.sqlite"
ARCHIVE_BATCH_SIZE = 100  # items (articles, raw captures, ...) per transaction
# Batches written by a thread of their own while the crawl goes on (pipelines/store.py).
ARCHIVE_WRITER_THREAD = True
# Commit what waits at least this often (seconds), and whenever the crawl is idle; 0: only a
# full batch (or the crawl's end) commits. Crawls on a shared frontier set it (see below).
ARCHIVE_FLUSH_SECONDS = 0.0
ARCHIVE_REQUIRED_FIELDS = ["title", "body"]  # a record without these is not stored
ARCHIVE_MIN_BODY_CHARS = 200  # shorter bodies are teasers or galleries, not articles
# Every response is stored as received (status, headers, body), each distinct body once by
# its digest, compressed: pages can be parsed again by a later parser (spiders/capture.py).
ARCHIVE_CAPTURES = True
# What made the versions a run adds (article_version.origin): a crawl; `warc import` sets
# "warc-import" (spiders/warc_import.py), `reparse` writes "reparse" itself.
ARCHIVE_VERSION_ORIGIN = "crawl"

# A crawl's progress on stderr (spiders/progress.py): "live", a line per site redrawn on a
# terminal; "plain", a line per site every PROGRESS_INTERVAL seconds, for logs; empty (as
# for `scrapy crawl`), none. `newsarchive crawl` chooses by whether stderr is a terminal.
PROGRESS = ""
PROGRESS_INTERVAL = 60.0
EXTENSIONS = {
    "spiders.progress.ProgressExtension": 500,
    # `scrapy crawl` and scrapyd jobs: the crawl lock, past failures and archived pages, as
    # `newsarchive crawl` provides them itself (pipelines/archive_state.py).
    "pipelines.archive_state.ArchiveStateExtension": 100,
    # Crawls on a shared frontier (`--frontier`): heartbeat, idle exit, acknowledgements.
    "spiders.frontier.FrontierExtension": 200,
}
# A frontier in Redis shared by crawl processes on any number of machines (spiders/frontier.py,
# docs/scale-out.md); empty: this process crawls on its own. `newsarchive crawl --frontier` and
# `newsarchive worker` set these (spiders.frontier.frontier_settings).
FRONTIER_REDIS_URL = ""
FRONTIER_NAME = "newsarchive"
FRONTIER_HEARTBEAT_SECONDS = 10.0  # a worker unheard of for 3x this is dead: its requests requeue
FRONTIER_EXIT_WHEN_IDLE = 60.0  # seconds the frontier stays empty before a worker ends

# Deployments (scrapyd, cron, containers) choose these without editing code: `scrapy crawl`
# and scrapyd jobs have no CLI options (docs/scrapyd.md). An unset or empty variable keeps
# the value above; `newsarchive crawl`'s own options still win, and so does a job's `-s`.
#   NEWSARCHIVE_DB          the archive: an SQLite file path or an SQLAlchemy URL
#   NEWSARCHIVE_USER_AGENT  who we say we are: a deployment names its own contact here
#   NEWSARCHIVE_DELAY       seconds between requests to a site, as `newsarchive crawl --delay`
#   NEWSARCHIVE_FRONTIER_HEARTBEAT  FRONTIER_HEARTBEAT_SECONDS of a crawl on a shared frontier
if _archive := os.environ.get("NEWSARCHIVE_DB"):
    from archive_db.engine import sqlite_url_of

    ARCHIVE_DB_URL = sqlite_url_of(_archive)  # a relative path is taken from the cwd, now
if _user_agent := os.environ.get("NEWSARCHIVE_USER_AGENT"):
    USER_AGENT = _user_agent
if _delay := os.environ.get("NEWSARCHIVE_DELAY"):
    try:
        DOWNLOAD_DELAY = float(_delay)
    except ValueError:
        raise ValueError(f"NEWSARCHIVE_DELAY must be seconds, not {_delay!r}") from None
    if not 0 <= DOWNLOAD_DELAY < float("inf"):  # also refuses nan
        raise ValueError(f"NEWSARCHIVE_DELAY must be 0 or more seconds, not {_delay!r}")
    # As --delay: 0 turns AutoThrottle off; otherwise it never starts below the delay.
    AUTOTHROTTLE_ENABLED = DOWNLOAD_DELAY > 0
    AUTOTHROTTLE_START_DELAY = max(DOWNLOAD_DELAY, AUTOTHROTTLE_START_DELAY)
if _heartbeat := os.environ.get("NEWSARCHIVE_FRONTIER_HEARTBEAT"):
    try:
        FRONTIER_HEARTBEAT_SECONDS = float(_heartbeat)
    except ValueError:
        raise ValueError(
            f"NEWSARCHIVE_FRONTIER_HEARTBEAT must be seconds, not {_heartbeat!r}"
        ) from None
    if not 0 < FRONTIER_HEARTBEAT_SECONDS < float("inf"):
        raise ValueError(
            f"NEWSARCHIVE_FRONTIER_HEARTBEAT must be over 0 seconds, not {_heartbeat!r}"
        )
