"""The account mails (invitation, password reset), queued in the outbox in the
recipient's language within the transaction that issued their link."""

from __future__ import annotations

from sponsorship.mail import outbox
from sponsorship.models import User


def _language(user: User) -> str:
    return user.locale or "en"


def invitation(user: User, token: str, hours: float, actor: User | None) -> None:
    outbox.queue(
        user.email,
        "account_invitation",
        _language(user),
        kind="account_invitation",
        obj=user,
        user=user,
        inviter=actor.name if actor is not None else "",
        link=outbox.external_url("auth.accept_invitation", token=token),
        hours=int(hours),
    )


def password_reset(user: User, token: str, minutes: int) -> None:
    outbox.queue(
        user.email,
        "password_reset",
        _language(user),
        kind="password_reset",
        obj=user,
        user=user,
        link=outbox.external_url("auth.reset_password", token=token),
        minutes=minutes,
    )
