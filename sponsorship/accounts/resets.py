""" "Forgot your password?": a single-use, hashed, short-lived link sent by mail.

The page answers the same whether or not the address has an account, and an address
gets at most PASSWORD_RESET_PER_HOUR mails an hour (the form itself is also under the
login rate limit per client address), so the form can neither probe for accounts nor
flood someone's mailbox.
"""

from __future__ import annotations

from datetime import timedelta

from flask import current_app
from sqlalchemy import select

from sponsorship.accounts import mails
from sponsorship.accounts.services import RESET, issue_link, links_issued_since, normalize_email
from sponsorship.core.audit import record
from sponsorship.core.transaction import unit_of_work
from sponsorship.extensions import db
from sponsorship.models import User
from sponsorship.models.base import utcnow


def send_reset(user: User, actor: User | None = None) -> bool:
    """Mail `user` a reset link unless they had enough this hour; True when sent."""
    minutes = current_app.config["PASSWORD_RESET_TTL_MINUTES"]
    with unit_of_work():
        since = utcnow() - timedelta(hours=1)
        if links_issued_since(user, RESET, since) >= current_app.config["PASSWORD_RESET_PER_HOUR"]:
            return False
        token = issue_link(user, RESET, timedelta(minutes=minutes), actor)
        mails.password_reset(user, token, minutes)
        record(actor, "user.password_reset_sent", user)
    return True


def request_reset(email: str) -> None:
    """A reset link for `email` if it names an active account; nothing otherwise."""
    user = db.session.scalar(select(User).where(User.email == normalize_email(email)))
    if user is not None and user.active:
        send_reset(user)
