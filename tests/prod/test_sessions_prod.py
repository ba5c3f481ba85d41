"""Sessions end on every process: two gunicorn masters (as on two hosts) share the
database; a cookie signed out on one is refused by the other. And in production an
administrator without two-factor sign-in is sent to enrol first."""

from __future__ import annotations

import urllib.request
from http.cookiejar import CookieJar

from tests.mailserver import free_port
from tests.prod.conftest import BIN, Browser, Stack


def _second_gunicorn(stack: Stack) -> str:
    port = free_port()
    stack._start(
        "gunicorn-b",
        [
            str(BIN / "gunicorn"),
            "-c",
            "python:sponsorship.gunicorn_conf",
            "sponsorship:create_app()",
        ],
        BIND=f"127.0.0.1:{port}",
        WEB_CONCURRENCY="2",
    )
    url = f"http://127.0.0.1:{port}"
    first, stack.base_url = stack.base_url, url
    stack.wait_healthy()
    stack.base_url = first
    return url


def _with_cookies_of(browser: Browser, base_url: str) -> Browser:
    """A browser at `base_url` holding a copy of `browser`'s cookies (same host name)."""
    copy = Browser(base_url)
    jar = CookieJar()
    for cookie in _jar(browser):
        jar.set_cookie(cookie)
    copy.opener = urllib.request.build_opener(
        urllib.request.HTTPCookieProcessor(jar), *_no_redirect(browser)
    )
    return copy


def _jar(browser: Browser) -> CookieJar:
    handler = next(
        h for h in browser.opener.handlers if isinstance(h, urllib.request.HTTPCookieProcessor)
    )
    return handler.cookiejar


def _no_redirect(browser: Browser) -> list:
    return [h for h in browser.opener.handlers if type(h).__name__ == "_NoRedirect"]


def test_logout_on_one_process_refuses_replayed_cookie_on_another(stack: Stack) -> None:
    first = stack.gunicorn(workers=2)
    second = _second_gunicorn(stack)
    browser = Browser(first)
    browser.login()
    replay = _with_cookies_of(browser, second)
    assert replay.get("/admin/users")[0] == 200  # the copy works on the other process
    status, _body, headers = browser.post_form("/logout", page="/admin/")
    assert status == 302
    status, _body, headers = replay.get("/admin/users")
    assert status == 302 and headers["Location"].startswith("/login")
    again = _with_cookies_of(browser, first)
    assert again.get("/admin/users")[0] == 302


def test_production_sends_administrator_to_two_factor_enrolment(stack: Stack) -> None:
    stack.extra_env["TWO_FACTOR_REQUIRED"] = "true"
    browser = Browser(stack.gunicorn(workers=1))
    browser.login()
    status, _body, headers = browser.get("/admin/")
    assert status == 302 and headers["Location"] == "/account/two-factor"
    status, body, _headers = browser.get("/account/two-factor")
    assert status == 200 and 'id="totp-secret"' in body
