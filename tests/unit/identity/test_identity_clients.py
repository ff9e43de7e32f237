"""Who a rate limit counts (review issue 8, point 5): the viewer CloudFront names, never a CloudFront server, and
never a header a client could write itself; and a client guessing sign-in codes across many phones."""

from __future__ import annotations

import pytest

from smartcommune.core.api.http import client_address
from smartcommune.core.errors import RateLimitedError, UnauthenticatedError
from smartcommune.identity.logic.policy import IdentityPolicy
from tests.unit.identity.world import World

SECRET = "edge-secret-for-tests-0123456789"
EDGE_A, EDGE_B = "130.176.1.10", "64.252.99.20"  # two CloudFront servers


def _through_cloudfront(viewer: str) -> dict[str, str]:
    return {"cloudfront-viewer-address": viewer, "x-smartcommune-edge": SECRET}


def test_people_behind_one_cloudfront_server_are_told_apart():
    # Given two people whose requests reach API Gateway from the same CloudFront server
    one = client_address(_through_cloudfront("203.0.113.7:51544"), EDGE_A, SECRET)
    two = client_address(_through_cloudfront("198.51.100.23:40012"), EDGE_A, SECRET)
    # Then each is counted by their own address
    assert (one, two) == ("203.0.113.7", "198.51.100.23")


def test_one_person_is_the_same_client_whichever_cloudfront_server_carries_them():
    assert client_address(_through_cloudfront("203.0.113.7:51544"), EDGE_A, SECRET) == client_address(
        _through_cloudfront("203.0.113.7:60001"), EDGE_B, SECRET
    )


def test_an_ipv6_viewer_is_counted_by_its_64_prefix():
    # Given one subscriber's phone changing its IPv6 address within its /64 (CloudFront writes it unbracketed)
    first = client_address(_through_cloudfront("2001:db8:4:7::1:443"), EDGE_A, SECRET)
    second = client_address(_through_cloudfront("2001:db8:4:7:a1b2:c3d4:e5f6:1:8080"), EDGE_A, SECRET)
    # Then it stays one client
    assert first == second == "2001:db8:4:7::/64"


@pytest.mark.parametrize(
    "headers",
    [
        {"cloudfront-viewer-address": "10.9.8.7:1234"},  # no edge secret: straight to execute-api
        {"cloudfront-viewer-address": "10.9.8.7:1234", "x-smartcommune-edge": "guessed-secret"},
        {"x-forwarded-for": "10.9.8.7", "x-smartcommune-edge": SECRET},  # X-Forwarded-For is never believed
    ],
    ids=["no-secret", "wrong-secret", "forwarded-for"],
)
def test_a_viewer_address_a_client_wrote_itself_is_not_believed(headers):
    # Given a request that did not come through our CloudFront distribution, naming an address of its choice
    # Then it is counted by the address that really connected
    assert client_address(headers, "192.0.2.44", SECRET) == "192.0.2.44"


def test_with_no_edge_secret_configured_no_header_is_believed():
    assert client_address(_through_cloudfront("203.0.113.7:1"), "192.0.2.44", "") == "192.0.2.44"


def test_a_client_guessing_codes_across_many_phones_is_stopped():
    # Given a client that had codes sent to many phones, and limits of 8 tries per client per hour
    world = World(IdentityPolicy(otp_max_verifies_per_client_per_hour=8, otp_max_sends_per_client_per_hour=10))
    phones = [f"+8491234500{n}" for n in range(4)]
    for phone in phones:
        world.request(phone=phone, ip="203.0.113.7")
    # When it guesses twice on each phone (each code still has tries left)
    for phone in phones:
        for guess in ("000000", "111111"):
            with pytest.raises(UnauthenticatedError):
                world.service.verify_otp("giao-phong", phone, guess, "203.0.113.7")
    # Then its next try is refused for a while, even with a right code
    with pytest.raises(RateLimitedError) as info:
        world.service.verify_otp("giao-phong", phones[-1], world.sms.last_code(), "203.0.113.7")
    assert "quá nhiều lần" in info.value.message and info.value.retry_after_s > 0
    # And the citizen, from their own phone's address, signs in
    session = world.service.verify_otp("giao-phong", phones[-1], world.sms.last_code(), "198.51.100.23")
    assert session.principal.kind == "citizen"
