"""Site profiles: TOML files read into ``SiteProfile``, and written back by `sites add`.

A profile is data, never code: where to start crawling, which hosts belong to the site,
which URLs are articles or never to be fetched, selector overrides for record fields, and
the site's language, country and time zone (which decide how printed dates are read).

Profiles live in two folders: the bundled ones in ``sites/`` and the user's own in
``user_sites_dir()``. A user profile with a bundled profile's name replaces it, so a
researcher can adjust a bundled profile without editing the installed package.
"""

from __future__ import annotations

import logging
import math
import os
import re
import tempfile
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

logger = logging.getLogger(__name__)

SITES_DIR = Path(__file__).resolve().parent / "sites"
SITES_DIR_ENV = "NEWSARCHIVE_SITES_DIR"

# Keys of ``[selectors]`` a profile may set: the record fields a CSS selector can answer.
SELECTOR_FIELDS = frozenset(
    {"title", "summary", "published", "modified", "authors", "section", "tags", "body", "related"}
)
# A name that is also a safe file name: no path separators, no leading dot.
PROFILE_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,99}")

_KNOWN_KEYS = frozenset(
    {
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
)


class ProfileError(ValueError):
    """A profile that cannot be found or read; the message is one line for the user."""


class ProfileExistsError(ProfileError):
    """A profile of that name exists already and was not to be replaced."""


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


@dataclass(frozen=True, slots=True)
class ProfileFile:
    """A profile file on disk and where it comes from, for `newsarchive sites list`."""

    name: str
    source: str  # "user" or "bundled"
    path: Path
    overridden: bool = False  # a bundled profile that a user profile of its name replaces


def profile_from_mapping(data: Mapping[str, object], *, source: str) -> SiteProfile:
    """Build a profile from parsed TOML, checking every key and type so typos fail loudly."""
    unknown = sorted(set(data) - _KNOWN_KEYS)
    if unknown:
        raise ProfileError(f"{source}: unknown key(s) {', '.join(unknown)}")
    for required in ("name", "start_urls"):
        if required not in data:
            raise ProfileError(f"{source}: missing required key '{required}'")
    name = _optional_str(data, "name", source)
    start_urls = _strings(data, "start_urls", source)
    if not name:
        raise ProfileError(f"{source}: name is empty")
    if not start_urls:
        raise ProfileError(f"{source}: start_urls is empty")
    domains = _strings(data, "domains", source)
    if not domains:
        try:
            domains = tuple(sorted({urlsplit(url).hostname or "" for url in start_urls} - {""}))
        except ValueError as error:  # e.g. "http://[oops/": an unbalanced IPv6 bracket
            raise ProfileError(f"{source}: a start URL cannot be read ({error})") from None
    selectors = data.get("selectors", {})
    if not isinstance(selectors, Mapping) or not all(
        isinstance(value, str) for value in selectors.values()
    ):
        raise ProfileError(f'{source}: selectors must be a table of field = "CSS selector"')
    bad_fields = sorted(set(selectors) - SELECTOR_FIELDS)
    if bad_fields:
        raise ProfileError(f"{source}: no selector field(s) named {', '.join(bad_fields)}")
    patterns = {key: _strings(data, key, source) for key in ("article_patterns", "deny_patterns")}
    for key, values in patterns.items():
        for pattern in values:
            try:
                re.compile(pattern)
            except re.error as error:
                raise ProfileError(f"{source}: bad regex in {key}: {pattern!r} ({error})") from None
    return SiteProfile(
        name=name,
        start_urls=start_urls,
        domains=domains,
        article_patterns=patterns["article_patterns"],
        deny_patterns=patterns["deny_patterns"],
        selectors=dict(selectors),
        language=_optional_str(data, "language", source),
        country=_optional_str(data, "country", source),
        timezone=_optional_str(data, "timezone", source),
        crawl_delay=_crawl_delay(data, source),
    )


def _strings(data: Mapping[str, object], key: str, source: str) -> tuple[str, ...]:
    """A list of strings; a bare string is refused (it would be read letter by letter)."""
    value = data.get(key, [])
    if not isinstance(value, list | tuple) or not all(isinstance(item, str) for item in value):
        raise ProfileError(f"{source}: {key} must be a list of strings")
    return tuple(value)


def _optional_str(data: Mapping[str, object], key: str, source: str) -> str | None:
    value = data.get(key)
    if value is not None and not isinstance(value, str):
        raise ProfileError(f"{source}: {key} must be a string")
    return value


def _crawl_delay(data: Mapping[str, object], source: str) -> float | None:
    delay = data.get("crawl_delay")
    if delay is None:
        return None
    if isinstance(delay, bool) or not isinstance(delay, int | float):
        raise ProfileError(f"{source}: crawl_delay must be a number of seconds")
    if not math.isfinite(delay) or delay < 0:
        raise ProfileError(f"{source}: crawl_delay must be 0 or more seconds, not {delay}")
    return float(delay)


# --- where profiles live -----------------------------------------------------------------


def user_sites_dir() -> Path:
    """The user's own profiles: $NEWSARCHIVE_SITES_DIR, else $XDG_CONFIG_HOME/newsarchive/sites
    (~/.config/newsarchive/sites). A relative XDG_CONFIG_HOME is ignored, as the XDG spec asks.
    """
    explicit = os.environ.get(SITES_DIR_ENV, "").strip()
    if explicit:
        return Path(explicit).expanduser()
    config = os.environ.get("XDG_CONFIG_HOME", "").strip()
    base = Path(config) if config and Path(config).is_absolute() else Path.home() / ".config"
    return base / "newsarchive" / "sites"


def user_profile_names() -> list[str]:
    folder = user_sites_dir()
    return sorted(path.stem for path in folder.glob("*.toml")) if folder.is_dir() else []


def bundled_profile_names() -> list[str]:
    return sorted(path.stem for path in SITES_DIR.glob("*.toml"))


def profile_files() -> list[ProfileFile]:
    """Every profile file, user and bundled, by name (the user's first within a name)."""
    users = user_profile_names()
    found = [ProfileFile(name, "user", user_sites_dir() / f"{name}.toml") for name in users]
    found += [
        ProfileFile(name, "bundled", SITES_DIR / f"{name}.toml", overridden=name in users)
        for name in bundled_profile_names()
    ]
    return sorted(found, key=lambda entry: (entry.name, entry.source != "user"))


def profile_path(name: str) -> Path | None:
    """The file a profile name loads: the user's own first, then the bundled one."""
    for folder in (user_sites_dir(), SITES_DIR):
        path = folder / f"{name}.toml"
        if path.is_file():
            return path
    return None


def load_profile(name_or_path: str) -> SiteProfile:
    """A profile by name (the user's own, else a bundled one) or a TOML file by path."""
    given = Path(name_or_path)
    path = given if given.suffix == ".toml" else profile_path(name_or_path)
    if path is None or not path.is_file():
        bundled = ", ".join(bundled_profile_names()) or "none"
        users = ", ".join(user_profile_names()) or "none"
        raise ProfileError(
            f"no site profile {name_or_path!r} (bundled profiles: {bundled}; "
            f"yours in {user_sites_dir()}: {users})"
        )
    return read_profile(path)


def load_bundled_profile(name: str) -> SiteProfile:
    """A bundled profile, whatever the user's folder holds: for fixtures and tests, whose
    expected records were made with the bundled profile."""
    path = SITES_DIR / f"{name}.toml"
    if not path.is_file():
        raise ProfileError(f"no bundled site profile {name!r}")
    return read_profile(path)


def read_profile(path: Path) -> SiteProfile:
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as error:
        raise ProfileError(f"{path}: not a valid TOML profile ({error})") from None
    except OSError as error:
        raise ProfileError(f"cannot read {path}: {error.strerror}") from None
    return profile_from_mapping(data, source=str(path))


def profile_for_url(url: str) -> SiteProfile:
    """An ad hoc profile for a bare start URL: its host (with and without www.) is the site.

    The name carries an explicit port (``127.0.0.1-8765``): two servers on one host are two
    sites, with their own crawl lock, job folder and runs.
    """
    parts = urlsplit(url)
    host = parts.hostname
    if not host:
        raise ProfileError(f"not a URL with a host name: {url!r}")
    bare = host.removeprefix("www.")
    try:
        port = parts.port
    except ValueError:
        raise ProfileError(f"not a valid port in {url!r}") from None
    name = bare if port is None else f"{bare}-{port}"
    return SiteProfile(name=name, start_urls=(url,), domains=(bare,))


# --- writing -----------------------------------------------------------------------------


def check_profile_name(name: str) -> str:
    """The name, when it can be a profile file's name; else a ProfileError."""
    if not PROFILE_NAME.fullmatch(name) or name.endswith(".toml"):
        raise ProfileError(
            f"not a usable profile name: {name!r} (letters, digits, '.', '_' and '-', "
            "starting with a letter or digit)"
        )
    return name


def write_user_profile(profile: SiteProfile, *, comment: str = "", replace: bool = False) -> Path:
    """Write the profile into the user's folder as ``<name>.toml`` and return its path.

    Refuses (ProfileExistsError) when a user or bundled profile has the name, unless
    ``replace``. The file appears whole or not at all: written beside, then linked or renamed.
    """
    name = check_profile_name(profile.name)
    folder = user_sites_dir()
    path = folder / f"{name}.toml"
    if not replace:
        existing = profile_path(name)
        if existing is not None:
            raise ProfileExistsError(f"a site profile {name!r} exists already: {existing}")
    folder.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(prefix=f".{name}.", suffix=".tmp", dir=folder)
    try:
        with os.fdopen(handle, "w", encoding="utf-8") as stream:
            stream.write(profile_to_toml(profile, comment=comment))
        if replace:
            os.replace(temporary, path)
        else:
            try:
                os.link(temporary, path)  # fails if the name was taken meanwhile
            except FileExistsError:
                raise ProfileExistsError(
                    f"a site profile {name!r} exists already: {path}"
                ) from None
    finally:
        Path(temporary).unlink(missing_ok=True)
    return path


def profile_to_toml(profile: SiteProfile, *, comment: str = "") -> str:
    """The profile as a readable TOML file that `profile_from_mapping` reads back equal.

    Every key is written with a note saying what it does; optional keys the profile
    leaves unset are written commented out, as a hint of what can be set. ``comment``
    becomes the opening comment lines.
    """
    lines = [f"# {_CONTROL.sub(chr(0xFFFD), line)}".rstrip() for line in comment.splitlines()]
    if lines:
        lines.append("")
    lines.append(f"name = {_toml_string(profile.name)}")
    lines.append("# Where a crawl starts: the home page, section pages, feeds or sitemaps.")
    lines.append(f"start_urls = {_toml_list(profile.start_urls)}")
    lines.append("# The site's host names; their subdomains belong to the site too.")
    lines.append(f"domains = {_toml_list(profile.domains)}")
    lines.append("# Regexes: a URL matching one is an article page (none: the crawler decides).")
    lines.append(f"article_patterns = {_toml_list(profile.article_patterns, literal=True)}")
    lines.append("# Regexes: a URL matching one is never fetched.")
    lines.append(f"deny_patterns = {_toml_list(profile.deny_patterns, literal=True)}")
    optional = (
        ("language", profile.language, '"en"', "ISO 639-1 code of the site's language"),
        ("country", profile.country, '"GB"', "ISO 3166-1 code; decides day/month order"),
        ("timezone", profile.timezone, '"Europe/London"', "for dates printed without an offset"),
    )
    for key, value, example, note in optional:
        if value is None:
            lines.append(f"# {key} = {example}  # {note}")
        else:
            lines.append(f"{key} = {_toml_string(value)}  # {note}")
    if profile.crawl_delay is None:
        lines.append("# crawl_delay = 2.0  # seconds between requests to the site")
    else:
        lines.append(f"crawl_delay = {profile.crawl_delay!r}  # seconds between requests")
    lines.append("")
    lines.append("# CSS selectors that override extraction of a record field, e.g.")
    lines.append('# published = ".post-date"')
    lines.append("[selectors]")
    for key, selector in sorted(profile.selectors.items()):
        lines.append(f"{key} = {_toml_string(selector, literal=True)}")
    return "\n".join(lines) + "\n"


# Characters TOML allows neither in comments nor unescaped in strings (a tab it allows).
_CONTROL = re.compile(r"[\x00-\x08\x0a-\x1f\x7f]")
_TOML_ESCAPES = {
    "\\": "\\\\",
    '"': '\\"',
    "\b": "\\b",
    "\t": "\\t",
    "\n": "\\n",
    "\f": "\\f",
    "\r": "\\r",
}


def _toml_string(value: str, *, literal: bool = False) -> str:
    """A TOML string: with ``literal``, a literal one ('...', no escapes: regexes and
    selectors read as written) when it can be one; otherwise a basic one with escapes."""
    if literal and "'" not in value and not _CONTROL.search(value):
        return f"'{value}'"
    escaped = "".join(
        _TOML_ESCAPES.get(char) or (f"\\u{ord(char):04X}" if _CONTROL.match(char) else char)
        for char in value
    )
    return f'"{escaped}"'


def _toml_list(values: tuple[str, ...], *, literal: bool = False) -> str:
    items = [_toml_string(value, literal=literal) for value in values]
    if len(items) <= 1:
        return f"[{', '.join(items)}]"
    return "[\n" + "".join(f"    {item},\n" for item in items) + "]"


def known_profiles() -> list[SiteProfile]:
    """Every profile that loads: the user's, and the bundled ones they do not replace. A
    profile that fails to load is left out with a warning: pages of an import or a
    re-parse are then read without its selectors, never refused."""
    profiles = []
    for entry in profile_files():
        if entry.overridden:
            continue
        try:
            profiles.append(read_profile(entry.path))
        except ProfileError as error:
            logger.warning("profile not used: %s", error)
    return profiles
