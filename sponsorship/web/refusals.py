"""What a page shows when a service refuses: one rule for every view.

A service raises `DomainError` with a message safe to show. The view wraps its call in
`refusal()`: on a refusal the session is rolled back, the rest of the block is skipped and
the message is shown next to the given field, flashed at the top of the next page, or
left in the outcome for a page that shows it in its own place (`flashed=False`).

A form posted from a page other than its view's own has no page to show its field
errors on: `flash_errors` says them at the top of the page the view redirects to.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from flask import flash
from flask_babel import gettext as _

from sponsorship.core.errors import DomainError
from sponsorship.extensions import db


@dataclass
class Outcome:
    #: The refusal's message, or None when the block ran to its end.
    error: str | None = None

    @property
    def refused(self) -> bool:
        return self.error is not None


@contextmanager
def refusal(
    field=None, *, flashed: bool = True, template: str | None = None, **values
) -> Iterator[Outcome]:
    """Run a service call; show its `DomainError` on `field` or as a flashed error.

    `template`, when given, is a translated message with `%(error)s` and `values`
    ("%(name)s: %(error)s") that frames the refusal.
    """
    outcome = Outcome()
    try:
        yield outcome
    except DomainError as exc:
        db.session.rollback()
        outcome.error = template % {**values, "error": str(exc)} if template else str(exc)
        if field is not None:
            field.errors = [*field.errors, outcome.error]
        elif flashed:
            flash(outcome.error, "error")


def flash_errors(form, fallback: str | None = None) -> None:
    """Flash each field error of `form` as "Label: error" (or `fallback` if it has none)."""
    errors = [(field.label.text, error) for field in form for error in field.errors]
    for label, error in errors:
        flash(_("%(name)s: %(error)s", name=label, error=error), "error")
    if not errors and fallback:
        flash(fallback, "error")
