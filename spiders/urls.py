"""URL canonicalisation and the same-site check: which URLs are the same page, which are ours.

Two links to one article often differ only in tracking parameters (``?utm_source=...``), a
fragment, a default port, host case or query order; the crawl keeps one canonical form per
page so it fetches each page once. w3lib does the parsing and percent-encoding; this module
only decides which query parameters are noise.
"""

from __future__ import annotations

from collections.abc import Iterable
from functools import lru_cache
from urllib.parse import parse_qsl, urlsplit, urlunsplit

from w3lib.url import canonicalize_url, url_query_cleaner

# Query parameters that say how a reader arrived, never which page they see. Compared in
# lower case. Kept to names with no other common meaning: "id", "source" or "cid" can
# select content on some sites, so they stay.
TRACKING_PARAMS = frozenset(
    """
    fbclid gclid gclsrc dclid gbraid wbraid msclkid yclid twclid ttclid li_fat_id igshid
    mc_cid mc_eid _ga _gl _hsenc _hsmi mkt_tok ref ref_src ref_url referrer ocid cmpid ico
    ito xtor sr_share spm share amp_js_v usqp __twitter_impression vero_id wt_mc wt.mc_id
    """.split()  # noqa: SIM905 (a word list reads better than 40 quoted strings)
)
TRACKING_PREFIXES = ("utm_", "mtm_", "pk_", "hsa_", "itm_", "oly_", "at_")

DEFAULT_PORTS = {"http": 80, "https": 443}


def is_tracking_param(name: str) -> bool:
    """Whether a query parameter only tracks the reader (``utm_source``, ``fbclid``, ...)."""
    lowered = name.lower()
    return lowered in TRACKING_PARAMS or lowered.startswith(TRACKING_PREFIXES)


# Enough for the links every page repeats (navigation, sections, tags, with their tracking
# parameters); not for a site's every URL: 65,536 entries of two URLs each held ~25 MB by the
# end of a 50,000-article crawl (bench/crawl.py), for links seen again rarely. An already
# canonical URL needs no cache at all (``spiders.links.Frontier.admit``).
@lru_cache(maxsize=4_096)
def canonical_url(url: str) -> str:
    """The one spelling of a URL the crawl keys pages by.

    Drops tracking parameters and the fragment, lower-cases scheme and host (IDNA for
    non-ASCII hosts), drops a default port, sorts the remaining query parameters and
    normalises percent-encoding. Blank query values are kept (``?a=`` can matter).
    Cached: every page of a site repeats the same navigation links. Raises ValueError for
    a URL that cannot be parsed (a port that is not a number, a bad IPv6 host).
    """
    url = url.strip()
    query = urlsplit(url).query
    if query:
        noise = [
            name for name, _ in parse_qsl(query, keep_blank_values=True) if is_tracking_param(name)
        ]
        if noise:
            url = url_query_cleaner(url, noise, remove=True, unique=False, keep_fragments=True)
    url = canonicalize_url(url, keep_blank_values=True, keep_fragments=False)
    parts = urlsplit(url)
    if parts.port is not None and DEFAULT_PORTS.get(parts.scheme) == parts.port:
        netloc = parts.netloc.rsplit(":", 1)[0]
        url = urlunsplit((parts.scheme, netloc, parts.path, parts.query, ""))
    return url


def site_domains(domains: Iterable[str]) -> tuple[str, ...]:
    """A profile's host names reduced to the domains that cover them: ``www.`` dropped.

    ``www.example.com`` and ``example.com`` are one site in practice; allowing the bare
    domain allows both, and every other subdomain (``m.``, ``news.``) with them.
    """
    result: dict[str, None] = {}
    for domain in domains:
        host = domain.strip().lower().rstrip(".")
        if host:
            result[host.removeprefix("www.")] = None
    return tuple(result)


def host_of(url: str) -> str:
    """The URL's host name in lower case, without port or credentials; "" when it has none."""
    try:
        return urlsplit(url).hostname or ""
    except ValueError:  # e.g. an unbalanced "[" in the netloc
        return ""


def is_on_site(url: str, domains: Iterable[str]) -> bool:
    """Whether the URL's host is one of the domains or a subdomain of one (``www.``, ``m.``)."""
    host = host_of(url).rstrip(".")
    if not host:
        return False
    return any(host == domain or host.endswith("." + domain) for domain in site_domains(domains))


class UrlSet:
    """A set of URLs (or other str or bytes keys, such as request fingerprints) that holds
    the 64-bit hash of each rather than the key: ~70 bytes an entry where a set of URLs
    takes ~135 (a 50,000-article site's crawl meets ~140,000 URLs), and a lookup as fast as
    a set's, where the crawl asks ~120 times a page.

    Python's hash of a str or bytes is a keyed 64-bit SipHash, stable within one process,
    and the set never leaves its process: a false "already in" among a million keys has a
    chance of about one in 30 million.
    """

    __slots__ = ("_hashes",)

    def __init__(self, urls: Iterable[str] = ()) -> None:
        self._hashes = {hash(url) for url in urls}

    def __contains__(self, url: object) -> bool:
        return isinstance(url, str | bytes) and hash(url) in self._hashes

    def __len__(self) -> int:
        return len(self._hashes)

    def add(self, url: str | bytes) -> None:
        self._hashes.add(hash(url))

    def discard(self, url: str | bytes) -> None:
        self._hashes.discard(hash(url))
