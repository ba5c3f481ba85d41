"""The frozen, primitives-only data an award letter is rendered from.

A `LetterContext` holds only str, int, bool and tuples of those (dates as ISO
strings, money as decimal strings), so it can be stored as the letter's JSON
snapshot and the very same PDF text rebuilt from it years later, with no ORM
object, no database and no request anywhere near the template.

The service that issues letters builds it from the award; this module only
checks that what it is given is well formed.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any

#: Languages a letter can be written in (the application's language).
LANGUAGES = ("en", "fr", "es")

#: Kinds of priced cost line; the same values as `models.awards.CostKind`
#: (repeated here so this package never imports the models).
COST_KINDS = ("airfare", "dsa", "terminal", "visa", "other")

#: The documents of the series, each with its own template (documents/render.py).
KINDS = ("offer", "confirmation", "visa", "certificate")

#: Bump when the snapshot's shape changes, so an old snapshot can be migrated.
SNAPSHOT_SCHEMA = 1


class LetterContextError(ValueError):
    """The data given for a letter is not well formed."""


def _check_iso_date(name: str, value: str) -> None:
    if not isinstance(value, str):
        raise LetterContextError(f"{name} must be an ISO date string, not {type(value).__name__}")
    try:
        date.fromisoformat(value)
    except ValueError as error:
        raise LetterContextError(f"{name} is not an ISO date: {value!r}") from error


def _check_decimal(name: str, value: str) -> None:
    if not isinstance(value, str):
        # A float here would already have lost cents; refuse it rather than guess.
        raise LetterContextError(f"{name} must be a decimal string, not {type(value).__name__}")
    try:
        number = Decimal(value)
    except InvalidOperation as error:
        raise LetterContextError(f"{name} is not a decimal: {value!r}") from error
    if not number.is_finite():
        raise LetterContextError(f"{name} is not a finite amount: {value!r}")


def _check_web_url(name: str, value: str) -> None:
    # These become PDF link annotations: only ordinary web addresses, never
    # javascript:, file: or anything a PDF reader would treat specially.
    if not isinstance(value, str) or not value.startswith(("https://", "http://")):
        raise LetterContextError(f"{name} must be an http(s) URL: {value!r}")
    if any(ch.isspace() for ch in value):
        raise LetterContextError(f"{name} must not contain whitespace: {value!r}")


@dataclass(frozen=True, slots=True)
class CostLine:
    """One priced line of the award, as printed in the letter's table."""

    kind: str
    description: str
    quantity: str
    unit_amount: str
    amount: str

    def __post_init__(self) -> None:
        if self.kind not in COST_KINDS:
            raise LetterContextError(f"unknown cost kind {self.kind!r}")
        if not isinstance(self.description, str):
            raise LetterContextError("cost line description must be a string")
        for name in ("quantity", "unit_amount", "amount"):
            _check_decimal(f"cost line {name}", getattr(self, name))


@dataclass(frozen=True, slots=True)
class LetterContext:
    """Everything an award letter shows, and nothing else."""

    # The letter itself.
    reference: str
    version: int
    language: str
    issue_date: str
    # Whom it is addressed to: the State (its name in the letter's language)
    # through its permanent mission or ministry.
    state_name: str
    addressee: str
    address_lines: tuple[str, ...]
    # The delegate offered the sponsorship.
    delegate_name: str
    delegate_function: str
    # The meeting.
    meeting_title: str
    meeting_start: str
    meeting_end: str
    venue: str
    city: str
    # What is covered.
    departure_city: str
    currency: str
    cost_lines: tuple[CostLine, ...]
    total: str
    dsa_nights: int
    dsa_rate: str
    terminal_expenses: str
    visa_covered: bool
    # What is asked in return, and by when.
    report_due_days: int
    answer_deadline: str
    answer_url: str
    # How anyone can check the letter is genuine.
    verification_code: str
    verification_url: str
    # Who signs.
    signatory_name: str
    signatory_title: str
    schema: int = field(default=SNAPSHOT_SCHEMA)
    # Added for the series of documents; older snapshots lack them (an offer).
    kind: str = "offer"
    #: Accepted travel dates (ISO), on the confirmation; empty before acceptance.
    travel_out_on: str = ""
    travel_back_on: str = ""
    #: Visa-support letter: the passport as the delegate gave it.
    passport_name: str = ""
    passport_number: str = ""
    passport_expiry: str = ""
    nationality: str = ""
    #: Co-funding (offer): who pays a share of the total, that share, and what the
    #: programme pays; empty when the programme pays it all.
    cofunded_by: str = ""
    cofunded_amount: str = ""
    fund_share: str = ""

    def __post_init__(self) -> None:
        if self.kind not in KINDS:
            raise LetterContextError(f"kind must be one of {KINDS}: {self.kind!r}")
        for name in ("travel_out_on", "travel_back_on", "passport_expiry"):
            if getattr(self, name):
                _check_iso_date(name, getattr(self, name))
        if self.language not in LANGUAGES:
            raise LetterContextError(f"language must be one of {LANGUAGES}: {self.language!r}")
        for name in ("version", "dsa_nights", "report_due_days", "schema"):
            value = getattr(self, name)
            if type(value) is not int or value < 0:
                raise LetterContextError(f"{name} must be a non-negative int: {value!r}")
        if self.version < 1:
            raise LetterContextError("version starts at 1")
        if type(self.visa_covered) is not bool:
            raise LetterContextError("visa_covered must be a bool")
        for name in ("issue_date", "meeting_start", "meeting_end", "answer_deadline"):
            _check_iso_date(name, getattr(self, name))
        for name in ("total", "dsa_rate", "terminal_expenses"):
            _check_decimal(name, getattr(self, name))
        for name in ("cofunded_amount", "fund_share"):
            if getattr(self, name):
                _check_decimal(name, getattr(self, name))
        for name in ("answer_url", "verification_url"):
            _check_web_url(name, getattr(self, name))
        if not (
            isinstance(self.currency, str) and len(self.currency) == 3 and self.currency.isalpha()
        ):
            raise LetterContextError(f"currency must be an ISO 4217 code: {self.currency!r}")
        if not isinstance(self.address_lines, tuple) or not all(
            isinstance(line, str) for line in self.address_lines
        ):
            raise LetterContextError("address_lines must be a tuple of strings")
        if not isinstance(self.cost_lines, tuple) or not all(
            isinstance(line, CostLine) for line in self.cost_lines
        ):
            raise LetterContextError("cost_lines must be a tuple of CostLine")
        for f in dataclasses.fields(self):
            if f.type == "str" and not isinstance(getattr(self, f.name), str):
                raise LetterContextError(f"{f.name} must be a string")

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready dict: the letter's stored snapshot."""
        data = {f.name: getattr(self, f.name) for f in dataclasses.fields(self)}
        data["address_lines"] = list(self.address_lines)
        data["cost_lines"] = [
            {f.name: getattr(line, f.name) for f in dataclasses.fields(CostLine)}
            for line in self.cost_lines
        ]
        return data

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> LetterContext:
        """Rebuild the context from a stored snapshot (as `to_dict` wrote it)."""
        values = dict(data)
        schema = values.get("schema", SNAPSHOT_SCHEMA)
        if schema != SNAPSHOT_SCHEMA:
            raise LetterContextError(f"unknown snapshot schema {schema!r}")
        known = {f.name for f in dataclasses.fields(cls)}
        unknown = set(values) - known
        if unknown:
            raise LetterContextError(f"unknown snapshot keys: {sorted(unknown)}")
        values["address_lines"] = tuple(values.get("address_lines", ()))
        values["cost_lines"] = tuple(CostLine(**line) for line in values.get("cost_lines", ()))
        try:
            return cls(**values)
        except TypeError as error:  # a key missing from the snapshot
            raise LetterContextError(str(error)) from error
