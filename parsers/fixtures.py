"""Fixture cases on disk (page.html, meta.json, expected.json): read, run, write, update."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from items import RECORD_KEYS, ArticleRecord, record_to_json
from parsers import parse_article
from profiles import ProfileError, SiteProfile, bundled_profile_names, load_bundled_profile

PAGE, META, EXPECTED = "page.html", "meta.json", "expected.json"
FIXTURES_DIR = Path(__file__).resolve().parent.parent / "tests" / "fixtures"


class FixtureError(ValueError):
    """A fixture case that cannot be read; the message is one line for the user."""


@dataclass(frozen=True, slots=True)
class FixtureCase:
    """One saved page and what was known when it was fetched."""

    path: Path
    html: bytes
    url: str
    fetched_at: datetime | None
    note: str
    http_charset: str | None = None

    @property
    def site(self) -> str:
        """The site slug: the case folder's parent folder name."""
        return self.path.parent.name

    @property
    def name(self) -> str:
        return f"{self.site}/{self.path.name}"


def load_case(case_dir: Path | str) -> FixtureCase:
    """Read page.html and meta.json of a case folder."""
    path = Path(case_dir)
    try:
        html = (path / PAGE).read_bytes()
        meta = json.loads((path / META).read_text(encoding="utf-8"))
    except FileNotFoundError as missing:
        raise FixtureError(f"{path}: no {Path(str(missing.filename)).name}") from None
    except json.JSONDecodeError as error:
        raise FixtureError(f"{path / META}: not valid JSON ({error})") from None
    if not isinstance(meta, dict) or not isinstance(meta.get("url"), str):
        raise FixtureError(f'{path / META}: needs a "url" string')
    fetched = meta.get("fetched_at")
    try:
        fetched_at = datetime.fromisoformat(fetched) if fetched else None
    except ValueError:
        raise FixtureError(f"{path / META}: fetched_at is not ISO 8601: {fetched!r}") from None
    return FixtureCase(
        path=path,
        html=html,
        url=meta["url"],
        fetched_at=fetched_at,
        note=str(meta.get("note", "")),
        http_charset=meta.get("http_charset"),
    )


def profile_for_case(case: FixtureCase) -> SiteProfile | None:
    """The bundled profile named like the case's site folder, if there is one."""
    if case.site not in bundled_profile_names():
        return None
    try:
        # Bundled only: a user's own profile of that name must not change what fixtures parse.
        return load_bundled_profile(case.site)
    except ProfileError:
        return None


def parse_case(case: FixtureCase) -> ArticleRecord | None:
    """The parser's record for a case, with the site's bundled profile when one exists."""
    return parse_article(
        case.html,
        case.url,
        profile=profile_for_case(case),
        fetched_at=case.fetched_at,
        http_charset=case.http_charset,
    )


def run_case(case_dir: Path | str) -> dict[str, Any] | None:
    """The parser's current output for a case as JSON data (None: not an article)."""
    record = parse_case(load_case(case_dir))
    return None if record is None else json.loads(dumps(record_to_json(record)))


def load_expected(case_dir: Path | str) -> dict[str, Any] | None:
    """The reviewed record of a case (None: the page is not an article)."""
    path = Path(case_dir) / EXPECTED
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise FixtureError(f"{path}: missing; run `newsarchive fixtures update`") from None
    except json.JSONDecodeError as error:
        raise FixtureError(f"{path}: not valid JSON ({error})") from None
    if data is not None and not isinstance(data, dict):
        raise FixtureError(f"{path}: must be an object or null")
    return data


def write_case(
    case_dir: Path | str,
    *,
    html: bytes,
    url: str,
    fetched_at: datetime | None,
    note: str,
    http_charset: str | None = None,
) -> Path:
    """Save a page and its meta.json, then write expected.json from the current parser."""
    path = Path(case_dir)
    path.mkdir(parents=True, exist_ok=True)
    (path / PAGE).write_bytes(html)
    meta: dict[str, Any] = {
        "url": url,
        "fetched_at": fetched_at.isoformat() if fetched_at else None,
        "note": note,
    }
    if http_charset:
        meta["http_charset"] = http_charset
    _write_json(path / META, meta)
    update_expected(path)
    return path


def update_expected(case_dir: Path | str) -> bool:
    """Rewrite expected.json from the parser's current output; True when it changed."""
    path = Path(case_dir) / EXPECTED
    new = dumps(run_case(case_dir))
    old = path.read_text(encoding="utf-8") if path.exists() else None
    if new == old:
        return False
    path.write_text(new, encoding="utf-8")
    return True


def diff_fields(case_dir: Path | str) -> list[str]:
    """The record keys whose current output differs from expected.json ("*" for article/None)."""
    actual, expected = run_case(case_dir), load_expected(case_dir)
    if actual is None or expected is None:
        return [] if actual is expected else ["*"]
    return [key for key in RECORD_KEYS if actual.get(key) != expected.get(key)]


def find_cases(root: Path | str = FIXTURES_DIR) -> list[Path]:
    """Every case folder under root (those with a page.html), sorted."""
    return sorted(path.parent for path in Path(root).glob("*/*/" + PAGE))


def dumps(data: object) -> str:
    """The fixture JSON style: indent 2, UTF-8 as is, sorted keys, final newline."""
    return json.dumps(data, indent=2, ensure_ascii=False, sort_keys=True) + "\n"


def _write_json(path: Path, data: object) -> None:
    path.write_text(dumps(data), encoding="utf-8")
