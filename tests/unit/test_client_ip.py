"""security.client_ip: the trusted client address. A forged X-Forwarded-For changes nothing without a proxy,
and with one trusted proxy only the entry that proxy appended counts."""

import pytest
from django.test import RequestFactory

from security.client_ip import client_ip

FORGED = "6.6.6.6"


def request(remote: str = "203.0.113.7", forwarded: str | None = None):
    extra = {"REMOTE_ADDR": remote}
    if forwarded is not None:
        extra["HTTP_X_FORWARDED_FOR"] = forwarded
    return RequestFactory().get("/", **extra)


@pytest.mark.parametrize("forwarded", [None, FORGED, f"{FORGED}, 10.0.0.1", "garbage", ""])
def test_without_a_proxy_the_peer_is_the_client_whatever_the_header_says(settings, forwarded):
    settings.TRUSTED_PROXY_COUNT = 0
    assert client_ip(request("203.0.113.7", forwarded)) == "203.0.113.7"


def test_with_one_proxy_only_the_address_it_appended_counts(settings):
    settings.TRUSTED_PROXY_COUNT = 1
    # The client forged two entries; the proxy (the TCP peer, 10.0.0.2) appended the real address last.
    forged = request("10.0.0.2", f"{FORGED}, 7.7.7.7, 198.51.100.20")
    honest = request("10.0.0.2", "198.51.100.20")
    assert client_ip(forged) == client_ip(honest) == "198.51.100.20"


def test_with_two_proxies_the_second_from_the_right_is_the_client(settings):
    settings.TRUSTED_PROXY_COUNT = 2
    assert client_ip(request("10.0.0.3", f"{FORGED}, 198.51.100.20, 10.0.0.2")) == "198.51.100.20"


@pytest.mark.parametrize("forwarded", [None, "", "not-an-ip", " , "])
def test_a_missing_or_broken_proxy_entry_falls_back_to_the_peer(settings, forwarded):
    settings.TRUSTED_PROXY_COUNT = 1
    assert client_ip(request("10.0.0.2", forwarded)) == "10.0.0.2"


def test_addresses_are_normalised_and_ports_removed(settings):
    settings.TRUSTED_PROXY_COUNT = 1
    assert client_ip(request("10.0.0.2", "198.51.100.20:5555")) == "198.51.100.20"
    assert client_ip(request("10.0.0.2", "[2001:DB8::1]:443")) == "2001:db8::1"
    assert client_ip(request("10.0.0.2", "2001:db8:0:0::2")) == "2001:db8::2"
    settings.TRUSTED_PROXY_COUNT = 0
    assert client_ip(request("not an address")) == ""
