"""Site profiles: the TOML files in ``sites/`` (or any path) read into ``SiteProfile``.

A profile is data, never code: where to start crawling, which hosts belong to the site,
which URLs are articles or never to be fetched, selector overrides for record fields, and
the site's language, country and time zone (which decide how printed dates are read).
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

SITES_DIR = Path(__file__).resolve().parent / "sites"

# Keys of ``[selectors]`` a profile may set: the record fields a CSS selector can answer.
SELECTOR_FIELDS = frozenset(
    {"title", "summary", "published", "modified", "authors", "section", "tags", "body", "related"}
)


class ProfileError(ValueError):
    """A profile that cannot be found or read; the message is one line for the user."""


@dataclass(frozen=True, slots=True)
class SiteProfile:
    """How to crawl and read one site."""

    name: str  # slug: profile file, fixture folder and --site filter share it
    start_urls: tuple[str, ...]
    domains: tuple[str, ...]  # host names; subdomains of these are allowed too
    article_patterns: tuple[str, ...] = ()  # regexes: a matching URL is an article page
    deny_patterns: tuple[str, ...] = ()  # regexes: a matching URL is never fetched
    selectors: Mapping[str, str] = field(default_factory=dict)  # field -> CSS selector
    language: str | None = None  # ISO 639-1, e.g. "en"
    country: str | None = None  # ISO 3166-1 alpha-2, e.g. "GB"; decides day/month order
    timezone: str | None = None  # IANA zone for dates printed without an offset
    crawl_delay: float | None = None  # seconds between requests, overrides the default

    def is_article_url(self, url: str) -> bool | None:
        """True/False when the profile's patterns decide, None when they are silent."""
        if not self.article_patterns:
            return None
        return any(re.search(pattern, url) for pattern in self.article_patterns)

    def is_denied(self, url: str) -> bool:
        return any(re.search(pattern, url) for pattern in self.deny_patterns)


def profile_from_mapping(data: Mapping[str, object], *, source: str) -> SiteProfile:
    """Build a profile from parsed TOML, checking every key so typos fail loudly."""
    known = {
        "name",
        "start_urls",
        "domains",
        "article_patterns",
        "deny_patterns",
        "selectors",
        "language",
        "country",
        "timezone",
        "crawl_delay",
    }
    unknown = sorted(set(data) - known)
    if unknown:
        raise ProfileError(f"{source}: unknown key(s) {', '.join(unknown)}")
    try:
        name = str(data["name"])
        start_urls = tuple(str(url) for url in data["start_urls"])  # type: ignore[attr-defined]
    except KeyError as missing:
        raise ProfileError(f"{source}: missing required key {missing}") from None
    if not start_urls:
        raise ProfileError(f"{source}: start_urls is empty")
    domains = tuple(str(d) for d in data.get("domains", ()))  # type: ignore[attr-defined]
    if not domains:
        domains = tuple(sorted({urlsplit(url).hostname or "" for url in start_urls} - {""}))
    selectors = {str(k): str(v) for k, v in dict(data.get("selectors", {})).items()}  # type: ignore[call-overload]
    bad_fields = sorted(set(selectors) - SELECTOR_FIELDS)
    if bad_fields:
        raise ProfileError(f"{source}: no selector field(s) named {', '.join(bad_fields)}")
    for key in ("article_patterns", "deny_patterns"):
        for pattern in data.get(key, ()):  # type: ignore[attr-defined]
            try:
                re.compile(pattern)
            except re.error as error:
                raise ProfileError(f"{source}: bad regex in {key}: {pattern!r} ({error})") from None
    delay = data.get("crawl_delay")
    return SiteProfile(
        name=name,
        start_urls=start_urls,
        domains=domains,
        article_patterns=tuple(data.get("article_patterns", ())),  # type: ignore[arg-type]
        deny_patterns=tuple(data.get("deny_patterns", ())),  # type: ignore[arg-type]
        selectors=selectors,
        language=_optional_str(data.get("language")),
        country=_optional_str(data.get("country")),
        timezone=_optional_str(data.get("timezone")),
        crawl_delay=None if delay is None else float(delay),  # type: ignore[arg-type]
    )


def _optional_str(value: object) -> str | None:
    return None if value is None else str(value)


def load_profile(name_or_path: str) -> SiteProfile:
    """A bundled profile by slug (``chamberlainfiles``) or a TOML file by path."""
    path = Path(name_or_path)
    if path.suffix != ".toml":
        path = SITES_DIR / f"{name_or_path}.toml"
    if not path.is_file():
        names = ", ".join(bundled_profile_names()) or "none"
        raise ProfileError(f"no site profile {name_or_path!r} (bundled profiles: {names})")
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as error:
        raise ProfileError(f"{path}: not a valid TOML profile ({error})") from None
    return profile_from_mapping(data, source=str(path))


def bundled_profile_names() -> list[str]:
    return sorted(path.stem for path in SITES_DIR.glob("*.toml"))


def profile_for_url(url: str) -> SiteProfile:
    """An ad hoc profile for a bare start URL: its host (with and without www.) is the site."""
    host = urlsplit(url).hostname
    if not host:
        raise ProfileError(f"not a URL with a host name: {url!r}")
    bare = host.removeprefix("www.")
    return SiteProfile(name=bare, start_urls=(url,), domains=(bare,))
