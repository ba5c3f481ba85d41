"""Which host the links in mail, letters and QR codes name (sponsorship/mail/links.py)."""

from __future__ import annotations

import pytest

from sponsorship.mail.links import _SEEN_KEY, DEVELOPMENT_BASE_URL, external_url


@pytest.fixture
def fresh(app, monkeypatch):
    monkeypatch.setitem(app.config, "PUBLIC_BASE_URL", "")
    monkeypatch.setitem(app.config, "LINKS_FOLLOW_REQUEST_HOST", True)
    app.extensions.pop(_SEEN_KEY, None)
    yield app
    app.extensions.pop(_SEEN_KEY, None)


def test_link_in_request_follows_request_host_without_public_base_url(fresh):
    with fresh.test_request_context("/", base_url="http://127.0.0.1:8123/"):
        assert external_url("public.verify", code="ABCD-EFGH") == (
            "http://127.0.0.1:8123/verify/ABCD-EFGH"
        )


def test_link_in_request_follows_request_host_in_development_even_when_configured(
    fresh, monkeypatch
):
    monkeypatch.setitem(fresh.config, "PUBLIC_BASE_URL", "https://configured.example.org")
    with fresh.test_request_context("/", base_url="http://localhost:7000/"):
        assert external_url("public.verify", code="X").startswith("http://localhost:7000/")


def test_link_outside_request_uses_public_base_url(fresh, monkeypatch):
    monkeypatch.setitem(fresh.config, "PUBLIC_BASE_URL", "https://configured.example.org/")
    with fresh.test_request_context("/", base_url="http://localhost:7000/"):
        external_url("public.verify", code="X")
    with fresh.app_context():
        assert external_url("public.verify", code="X") == (
            "https://configured.example.org/verify/X"
        )


def test_link_outside_request_without_configuration_uses_last_request_host(fresh):
    with fresh.app_context():
        assert external_url("public.verify", code="X").startswith(DEVELOPMENT_BASE_URL + "/")
    with fresh.test_request_context("/", base_url="http://127.0.0.1:9001/"):
        external_url("public.verify", code="X")
    with fresh.app_context():
        assert external_url("public.verify", code="X") == "http://127.0.0.1:9001/verify/X"


def test_link_in_production_ignores_request_host(fresh, monkeypatch):
    monkeypatch.setitem(fresh.config, "LINKS_FOLLOW_REQUEST_HOST", False)
    monkeypatch.setitem(fresh.config, "PUBLIC_BASE_URL", "https://sponsorship.example.org")
    with fresh.test_request_context("/", base_url="http://evil.example.com/"):
        assert external_url("public.verify", code="X") == (
            "https://sponsorship.example.org/verify/X"
        )
