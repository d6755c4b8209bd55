"""URL canonicalisation and the same-site check."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from spiders.urls import (
    UrlSet,
    canonical_url,
    host_of,
    is_on_site,
    is_tracking_param,
    site_domains,
)


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("https://ex.com/a/?utm_source=newsletter", "https://ex.com/a/"),
        (
            "https://ex.com/a/?utm_source=x&utm_medium=y&utm_campaign=z&utm_term=t&utm_content=c",
            "https://ex.com/a/",
        ),
        ("https://ex.com/a/?UTM_Source=Twitter", "https://ex.com/a/"),
        ("https://ex.com/a/?fbclid=IwAR0abc", "https://ex.com/a/"),
        ("https://ex.com/a/?gclid=xyz&msclkid=1", "https://ex.com/a/"),
        ("https://ex.com/a/?mc_cid=1&mc_eid=2", "https://ex.com/a/"),
        ("https://ex.com/a/?_ga=2.1234.5678", "https://ex.com/a/"),
        ("https://ex.com/a/?ref=rss&ref_src=twsrc", "https://ex.com/a/"),
        (
            "https://metro.co.uk/2023/11/02/storm-19761324/?ico=top-stories_home_top",
            "https://metro.co.uk/2023/11/02/storm-19761324/",
        ),
        ("https://ex.com/a/?id=7&utm_source=x", "https://ex.com/a/?id=7"),
        ("https://ex.com/a/?utm_source=x&page=2", "https://ex.com/a/?page=2"),
    ],
)
def test_tracking_parameters_are_removed(url: str, expected: str) -> None:
    assert canonical_url(url) == expected


@pytest.mark.parametrize("name", ["id", "p", "page", "source", "cid", "s", "q", "lang"])
def test_content_parameters_are_not_tracking(name: str) -> None:
    assert not is_tracking_param(name)
    assert canonical_url(f"https://ex.com/a?{name}=1") == f"https://ex.com/a?{name}=1"


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("https://ex.com/a/#comments", "https://ex.com/a/"),
        ("http://ex.com:80/a", "http://ex.com/a"),
        ("https://ex.com:443/a", "https://ex.com/a"),
        ("http://ex.com:8080/a", "http://ex.com:8080/a"),
        ("https://ex.com:80/a", "https://ex.com:80/a"),
        ("HTTPS://WWW.Example.COM/Path/Case", "https://www.example.com/Path/Case"),
        ("https://ex.com/a?b=2&a=1", "https://ex.com/a?a=1&b=2"),
        ("https://ex.com/%7Euser/caf%c3%a9", "https://ex.com/~user/caf%C3%A9"),
        ("https://ex.com/a b", "https://ex.com/a%20b"),
        ("https://ex.com/a?x=", "https://ex.com/a?x="),
        ("https://bücher.de/ü", "https://xn--bcher-kva.de/%C3%BC"),
        ("  https://ex.com/a\n", "https://ex.com/a"),
    ],
)
def test_canonical_form(url: str, expected: str) -> None:
    assert canonical_url(url) == expected


def test_spellings_of_one_page_share_a_canonical_url() -> None:
    spellings = [
        "https://www.example.com/2024/05/story/",
        "https://WWW.EXAMPLE.COM:443/2024/05/story/?utm_source=fb#comments",
        "https://www.example.com/2024/05/story/?fbclid=abc",
        "https://www.example.com/2024/05/story/#respond",
    ]
    assert len({canonical_url(url) for url in spellings}) == 1


def test_unparseable_url_raises_value_error() -> None:
    with pytest.raises(ValueError):
        canonical_url("http://ex.com:port/a")


_segment = st.text(alphabet="abcXYZ-_.~%é 0123", min_size=0, max_size=8)
_param = st.sampled_from(["a", "b", "utm_source", "fbclid", "page", "ref", "Q"])


@given(
    scheme=st.sampled_from(["http", "https", "HTTP"]),
    host=st.sampled_from(["ex.com", "WWW.Ex.com", "news.ex.co.uk", "127.0.0.1"]),
    port=st.sampled_from(["", ":80", ":443", ":8080"]),
    path=st.lists(_segment, max_size=4),
    query=st.lists(st.tuples(_param, _segment), max_size=4),
    fragment=st.sampled_from(["", "#top", "#"]),
)
def test_canonical_url_is_idempotent_and_drops_tracking(
    scheme: str,
    host: str,
    port: str,
    path: list[str],
    query: list[tuple[str, str]],
    fragment: str,
) -> None:
    query_text = "&".join(f"{name}={value}" for name, value in query)
    url = f"{scheme}://{host}{port}/{'/'.join(path)}" + (f"?{query_text}" if query else "")
    url += fragment
    once = canonical_url(url)
    assert canonical_url(once) == once
    assert "#" not in once
    assert "utm_source" not in once and "fbclid" not in once and "ref=" not in once


@pytest.mark.parametrize(
    ("url", "on_site"),
    [
        ("https://example.com/a", True),
        ("https://www.example.com/a", True),
        ("https://news.example.com/a", True),
        ("https://WWW.EXAMPLE.COM./a", True),
        ("http://example.com:8080/a", True),
        ("https://notexample.com/a", False),
        ("https://example.com.evil.org/a", False),
        ("https://example.org/a", False),
        ("mailto:news@example.com", False),
        ("/relative/path", False),
    ],
)
def test_is_on_site_allows_the_domain_and_its_subdomains(url: str, on_site: bool) -> None:
    assert is_on_site(url, ["www.example.com"]) is on_site


def test_site_domains_drop_www_and_duplicates() -> None:
    assert site_domains(["www.Example.com", "example.com", " m.example.com ", ""]) == (
        "example.com",
        "m.example.com",
    )


def test_host_of_ignores_port_and_credentials() -> None:
    assert host_of("http://user:pw@Example.COM:8080/x") == "example.com"
    assert host_of("http://[::1/") == ""
    assert host_of("not a url") == ""


def test_url_set_answers_membership_of_the_urls_added() -> None:
    urls = UrlSet(["https://ex.com/a/"])
    urls.add("https://ex.com/b/")
    assert "https://ex.com/a/" in urls and "https://ex.com/b/" in urls
    assert "https://ex.com/c/" not in urls
    assert "https://ex.com/a" not in urls  # no canonicalisation of its own
    assert 42 not in urls
    urls.add("https://ex.com/a/")
    assert len(urls) == 2
    urls.discard("https://ex.com/a/")
    urls.discard("https://ex.com/never-added/")
    assert "https://ex.com/a/" not in urls and len(urls) == 1
