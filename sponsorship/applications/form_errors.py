"""Where a refusal shows on an applicant's form.

The applicant's services refuse with `ApplicationInvalid` when they can say which field
is wrong (each `FieldError` names it, and a delegate's row by its position), and with a
plain `DomainError` otherwise. `refused_on` is `web.refusals.refusal` for these forms:
the first goes next to its fields, the second above the form.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from sponsorship.applications.rules import ApplicationInvalid, FieldError
from sponsorship.web.refusals import Outcome, refusal


def add_error(field, message: str) -> None:
    field.errors = [*field.errors, message]


def show_errors(form, errors: list[FieldError], only_new: bool = False) -> None:
    """Put each error by its field; `only_new` skips fields that already have one.

    An error on a delegate's field goes to that delegate's row; one that names no field
    of the form is shown above it, once.
    """
    for error in errors:
        target = None
        if error.index is not None and error.index < len(form.delegates.entries):
            target = getattr(form.delegates.entries[error.index].form, error.field or "", None)
        elif error.index is None and error.field and error.field != "delegates":
            target = getattr(form, error.field, None)
        if target is None:
            if error.message not in form.form_errors:
                form.form_errors.append(error.message)
        elif not (only_new and target.errors):
            add_error(target, error.message)


@contextmanager
def refused_on(form) -> Iterator[Outcome]:
    """Run a service call for `form`; on a refusal the session is rolled back (by
    `refusal`), the rest of the block is skipped and the refusal shown on the form."""
    by_field = False
    with refusal(flashed=False) as outcome:
        try:
            yield outcome
        except ApplicationInvalid as error:
            show_errors(form, error.errors)
            by_field = True
            raise
    if outcome.refused and not by_field:
        form.form_errors.append(outcome.error)
