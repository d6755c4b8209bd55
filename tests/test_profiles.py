"""Profiles: written TOML reads back equal, user profiles are found (and win), bad values
are refused with one line."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from profiles import (
    SELECTOR_FIELDS,
    SITES_DIR,
    ProfileError,
    ProfileExistsError,
    SiteProfile,
    bundled_profile_names,
    load_bundled_profile,
    load_profile,
    profile_files,
    profile_from_mapping,
    profile_to_toml,
    user_sites_dir,
    write_user_profile,
)

# Any text a TOML file can hold: every code point but surrogates (not UTF-8 encodable).
ANY_TEXT = st.text(st.characters(blacklist_categories=("Cs",)), max_size=30)


def _compiles(pattern: str) -> bool:
    try:
        re.compile(pattern)
    except re.error:
        return False
    return True


PATTERNS = st.lists(
    st.one_of(
        st.sampled_from([r"/wp-login\.php", r"[?&]replytocom=", r"/\d{4}/\d\d/", "it's", "a\\'b"]),
        ANY_TEXT.filter(_compiles),
    ),
    max_size=4,
)
MAPPINGS = st.fixed_dictionaries(
    {
        "name": ANY_TEXT.filter(bool),
        "start_urls": st.lists(ANY_TEXT, min_size=1, max_size=3),
    },
    optional={
        "domains": st.lists(ANY_TEXT, max_size=3),
        "article_patterns": PATTERNS,
        "deny_patterns": PATTERNS,
        "selectors": st.dictionaries(st.sampled_from(sorted(SELECTOR_FIELDS)), ANY_TEXT),
        "language": ANY_TEXT,
        "country": ANY_TEXT,
        "timezone": ANY_TEXT,
        "crawl_delay": st.one_of(
            st.integers(0, 10**6), st.floats(0, 1e9, allow_nan=False, allow_infinity=False)
        ),
    },
)


@given(MAPPINGS, ANY_TEXT)
def test_a_written_profile_reads_back_equal(data: dict[str, object], comment: str) -> None:
    try:
        profile = profile_from_mapping(data, source="generated")
    except ProfileError:
        return  # e.g. URLs without a host and no domains: nothing to write
    written = profile_to_toml(profile, comment=comment)
    assert profile_from_mapping(tomllib.loads(written), source="written") == profile


@pytest.mark.parametrize("name", bundled_profile_names())
def test_bundled_profiles_round_trip(name: str) -> None:
    profile = load_bundled_profile(name)
    assert profile_from_mapping(tomllib.loads(profile_to_toml(profile)), source=name) == profile


def test_regexes_are_written_as_literal_strings_and_unset_keys_as_hints() -> None:
    profile = SiteProfile(
        name="x", start_urls=("https://x.test/",), domains=("x.test",), deny_patterns=(r"\.pdf$",)
    )
    written = profile_to_toml(profile)
    assert r"deny_patterns = ['\.pdf$']" in written
    assert "# country = " in written
    assert "\ncountry" not in written


@pytest.fixture
def user_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    folder = tmp_path / "my-sites"
    monkeypatch.setenv("NEWSARCHIVE_SITES_DIR", str(folder))
    return folder


def test_user_folder_comes_from_the_environment(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("NEWSARCHIVE_SITES_DIR", raising=False)
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path))
    assert user_sites_dir() == tmp_path / "newsarchive" / "sites"
    monkeypatch.setenv("XDG_CONFIG_HOME", "relative/path")  # ignored, as XDG says
    assert user_sites_dir() == Path.home() / ".config" / "newsarchive" / "sites"
    monkeypatch.setenv("NEWSARCHIVE_SITES_DIR", str(tmp_path / "mine"))
    assert user_sites_dir() == tmp_path / "mine"


def test_a_user_profile_is_loaded_by_name_and_replaces_a_bundled_one(user_dir: Path) -> None:
    bundled = load_bundled_profile("chamberlainfiles")
    mine = SiteProfile(
        name="chamberlainfiles", start_urls=("https://www.chamberlainfiles.com/news/",),
        domains=("chamberlainfiles.com",), crawl_delay=5.0,
    )  # fmt: skip
    path = write_user_profile(mine, replace=True)  # replace: a bundled one has the name
    assert path == user_dir / "chamberlainfiles.toml"
    assert load_profile("chamberlainfiles") == mine
    assert load_bundled_profile("chamberlainfiles") == bundled
    entries = [(e.name, e.source, e.path, e.overridden) for e in profile_files()]
    assert ("chamberlainfiles", "user", path, False) in entries
    assert ("chamberlainfiles", "bundled", SITES_DIR / "chamberlainfiles.toml", True) in entries


def test_writing_refuses_an_existing_name_unless_told_to_replace(user_dir: Path) -> None:
    first = SiteProfile(name="gazette", start_urls=("https://g.test/",), domains=("g.test",))
    second = SiteProfile(name="gazette", start_urls=("https://g.test/news/",), domains=("g.test",))
    path = write_user_profile(first)
    with pytest.raises(ProfileExistsError, match="exists already"):
        write_user_profile(second)
    assert load_profile("gazette") == first
    with pytest.raises(ProfileExistsError):  # a bundled name too: yours would replace it
        write_user_profile(SiteProfile("chamberlainfiles", ("https://c.test/",), ("c.test",)))
    assert write_user_profile(second, replace=True) == path
    assert load_profile("gazette") == second
    assert sorted(p.name for p in user_dir.iterdir()) == ["gazette.toml"]  # no temporary left


def test_an_unusable_name_is_refused_before_anything_is_written(user_dir: Path) -> None:
    for name in ("../escape", ".hidden", "a/b", "x.toml", ""):
        with pytest.raises(ProfileError, match="not a usable profile name"):
            write_user_profile(SiteProfile(name, ("https://x.test/",), ("x.test",)))
    assert not user_dir.exists()


def test_unknown_name_lists_both_folders(user_dir: Path) -> None:
    write_user_profile(SiteProfile("gazette", ("https://g.test/",), ("g.test",)))
    with pytest.raises(ProfileError) as caught:
        load_profile("no-such-site")
    message = str(caught.value)
    assert "\n" not in message
    assert "chamberlainfiles" in message
    assert f"yours in {user_dir}: gazette" in message


@pytest.mark.parametrize(
    ("text", "complaint"),
    [
        ('name = "x"\nstart_urls = "https://x.test/"', "start_urls must be a list of strings"),
        ('name = "x"\nstart_urls = [1]', "start_urls must be a list of strings"),
        ('name = "x"\nstart_urls = ["https://x.test/"]\ncrawl_delay = -1', "0 or more"),
        ('name = "x"\nstart_urls = ["https://x.test/"]\ncrawl_delay = "2"', "number of seconds"),
        ('name = "x"\nstart_urls = ["https://x.test/"]\nlanguage = 1', "language must be a"),
        ('name = "x"\nstart_urls = ["https://x.test/"]\nselectors = "h1"', "selectors must be"),
        ('start_urls = ["https://x.test/"]', "missing required key 'name'"),
        ('name = "x"\nstart_urls = ["http://[oops/"]', "a start URL cannot be read"),
    ],
)
def test_values_of_the_wrong_kind_are_refused(text: str, complaint: str) -> None:
    with pytest.raises(ProfileError, match=re.escape(complaint)):
        profile_from_mapping(tomllib.loads(text), source="t.toml")
