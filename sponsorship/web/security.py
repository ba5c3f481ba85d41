"""Security headers, safe redirects, and the role check every blueprint uses."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from functools import wraps
from urllib.parse import urlsplit

from flask import Flask, Response, abort, request
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from sponsorship.extensions import login_manager
from sponsorship.models import Role
from sponsorship.web.signed_in import load_user

CSP = "; ".join(
    [
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data:",
        "font-src 'self'",
        "connect-src 'self'",
        "object-src 'none'",
        "base-uri 'self'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    ]
)


def is_safe_next(target: str | None) -> bool:
    """Accept only a local absolute path: no scheme, host, or browser-normalised tricks."""
    if not target or not target.startswith("/"):
        return False
    # Browsers read "//host" and "/\host" as another origin.
    if target.startswith("//") or target.startswith("/\\"):
        return False
    if any(ord(ch) < 32 or ch == "\\" for ch in target):
        return False
    parts = urlsplit(target)
    return not parts.scheme and not parts.netloc


def safe_next(target: str | None, default: str) -> str:
    return target if is_safe_next(target) else default


def role_required(*roles: Role) -> Callable:
    """Anonymous users go to the login page; signed-in users of another role get 403."""
    allowed: Iterable[Role] = roles

    def decorator(view: Callable) -> Callable:
        @wraps(view)
        def wrapped(*args, **kwargs):
            if not current_user.is_authenticated:
                return login_manager.unauthorized()
            if current_user.role not in allowed:
                abort(403)
            return view(*args, **kwargs)

        return wrapped

    return decorator


#: Added to every response that does not set them itself.
DEFAULT_HEADERS = (
    ("Content-Security-Policy", CSP),
    ("X-Content-Type-Options", "nosniff"),
    ("X-Frame-Options", "DENY"),
    ("Referrer-Policy", "same-origin"),
    ("Cross-Origin-Opener-Policy", "same-origin"),
    ("Permissions-Policy", "camera=(), microphone=(), geolocation=()"),
)
HSTS = ("Strict-Transport-Security", "max-age=31536000; includeSubDomains")
#: Pages can show personal data; keep them out of shared caches.
HTML_CACHE_CONTROL = ("Cache-Control", "no-store")


def _headers(response: Response) -> Response:
    headers = response.headers
    # One pass over what is set (this runs on every response), not one per header.
    present = {name.lower() for name, _value in headers}
    wanted = [*DEFAULT_HEADERS]
    if request.is_secure:
        wanted.append(HSTS)
    if response.mimetype == "text/html":
        wanted.append(HTML_CACHE_CONTROL)
    for name, value in wanted:
        if name.lower() not in present:
            headers.add(name, value)
    return response


def init_security(app: Flask) -> None:
    app.after_request(_headers)
    login_manager.user_loader(load_user)
    login_manager.login_view = "auth.login"
    login_manager.login_message = _l("Please sign in to see this page.")
    login_manager.login_message_category = "info"
    login_manager.session_protection = "strong"
