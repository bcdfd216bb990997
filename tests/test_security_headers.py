"""Security headers on every GET route (issue 17 §4, §9), served over HTTPS as in production.

Each route of the authorization matrix is fetched once, as a principal the matrix says it serves
(anonymous if none), so the page itself is rendered, not only a refusal; every response, page,
PDF, redirect or refusal, must carry the headers.
"""

from typing import Any

import pytest
from django.test import Client, override_settings
from django.urls import reverse

from conftest import World
from tests.test_authorization_matrix import PRINCIPALS, ROUTES, Outcome, Principal, make_objects

SHARED_WORLD = True
GET_ROUTES = [route for route in ROUTES if route.method == "get"]
UNSAFE = ("'unsafe-inline'", "'unsafe-eval'", "*")


def _served_as(route: Any) -> Principal:
    for principal in PRINCIPALS:
        if route.expect(principal) == Outcome.ALLOW:
            return principal
    return PRINCIPALS[0]


def header_faults(response: Any) -> list[str]:
    faults = []
    expected = {
        "X-Content-Type-Options": "nosniff",
        "X-Frame-Options": "DENY",
        "Referrer-Policy": "same-origin",
        "Cross-Origin-Opener-Policy": "same-origin",
    }
    for name, value in expected.items():
        if response.get(name) != value:
            faults.append(f"{name}={response.get(name)!r}")
    hsts = response.get("Strict-Transport-Security", "")
    if "max-age=31536000" not in hsts or "includeSubDomains" not in hsts:
        faults.append(f"Strict-Transport-Security={hsts!r}")
    policy = response.get("Content-Security-Policy", "")
    directives = {part.split()[0]: part.split()[1:] for part in policy.split(";") if part.strip()}
    # A download is sandboxed with nothing allowed at all ("default-src 'none'; sandbox"):
    # scripts, styles, objects and a base element have nowhere to come from.
    sandboxed = directives.get("default-src") == ["'none'"] and "sandbox" in directives
    required = (
        ("default-src",)
        if sandboxed
        else ("default-src", "script-src", "style-src", "object-src", "base-uri")
    )
    for directive in required:
        if directive not in directives:
            faults.append(f"CSP without {directive}")
    for directive in ("script-src", "style-src", "default-src"):
        if any(source in UNSAFE for source in directives.get(directive, [])):
            faults.append(f"CSP {directive} {directives[directive]}")
    if directives.get("frame-ancestors") != ["'none'"]:
        faults.append(f"CSP frame-ancestors {directives.get('frame-ancestors')}")
    return faults


@override_settings(SECURE_HSTS_SECONDS=31536000, SECURE_HSTS_INCLUDE_SUBDOMAINS=True)
def test_every_get_route_sends_the_security_headers(world: World) -> None:
    objects = make_objects(world)
    failures = []
    for route in GET_ROUTES:
        principal = _served_as(route)
        client = Client()
        if principal.role is not None:
            client.force_login(world.user(principal.role, org=principal.org))
        url = reverse(route.name, args=route.args(objects))
        response = client.get(url, route.data(objects), secure=True)
        faults = header_faults(response)
        if faults:
            failures.append(f"{route} ({response.status_code}): {', '.join(faults)}")
    assert len(GET_ROUTES) > 100
    if failures:
        pytest.fail("\n".join(failures), pytrace=False)


def test_the_check_catches_an_inline_script_policy() -> None:
    class Fake(dict[str, str]):
        pass

    response = Fake(
        {
            "X-Content-Type-Options": "nosniff",
            "X-Frame-Options": "DENY",
            "Referrer-Policy": "same-origin",
            "Cross-Origin-Opener-Policy": "same-origin",
            "Strict-Transport-Security": "max-age=31536000; includeSubDomains",
            "Content-Security-Policy": "default-src 'self'; script-src 'self' 'unsafe-inline'; "
            "style-src 'self'; object-src 'none'; base-uri 'self'; frame-ancestors 'none'",
        }
    )
    assert header_faults(response) == ["CSP script-src [\"'self'\", \"'unsafe-inline'\"]"]
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    assert header_faults(response) == ["CSP frame-ancestors None"]
