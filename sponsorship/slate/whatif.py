"""The what-if form: balance targets, reserve and pins, read from a plain GET or POST
form (no JavaScript), and kept with a slate as JSON.

Hand-read rather than a WTForms class: the pins are one field per candidate, as many as
the meeting has. Every value is checked; a wrong one is a message, never a 5xx.
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal, InvalidOperation

from flask_babel import gettext as _

from sponsorship.models import RegionalGroup
from sponsorship.slate.problem import ZERO, Targets

PIN_IN, PIN_OUT = "in", "out"
#: Form field names.
WOMEN, RESERVE, REGION_PREFIX, PIN_PREFIX = "women", "reserve", "region_", "pin_"
MAX_AMOUNT = Decimal(10) ** 12


def _number(raw: str, errors: list[str], message: str) -> Decimal | None:
    raw = (raw or "").strip().replace(",", ".")
    if not raw:
        return None
    try:
        value = Decimal(raw)
    except InvalidOperation:
        errors.append(message)
        return None
    if not value.is_finite() or value < 0 or value > MAX_AMOUNT:
        errors.append(message)
        return None
    return value


def parse(
    values: Mapping[str, str], candidate_keys: set[int] | None = None
) -> tuple[Targets, list[str]]:
    """Targets from form values, and what was wrong with them (nothing is guessed).

    Pins name award ids; with `candidate_keys`, others are dropped (`proposal.propose`
    drops them anyway, against the candidates it loads)."""
    errors: list[str] = []
    women = _number(values.get(WOMEN, ""), errors, _("The share of women is a percentage."))
    if women is not None and women > 100:
        errors.append(_("The share of women is a percentage."))
        women = None
    reserve = _number(values.get(RESERVE, ""), errors, _("The reserve is an amount of money."))
    regions = {}
    for group in RegionalGroup:
        raw = values.get(REGION_PREFIX + group.value, "")
        count = _number(raw, errors, _("A regional minimum is a whole number."))
        if count is not None and count != count.to_integral_value():
            errors.append(_("A regional minimum is a whole number."))
        elif count:
            regions[group.value] = int(count)
    pinned_in, pinned_out = set(), set()
    for name, value in values.items():
        if not name.startswith(PIN_PREFIX) or value not in (PIN_IN, PIN_OUT):
            continue
        try:
            key = int(name[len(PIN_PREFIX) :])
        except ValueError:
            continue
        if candidate_keys is None or key in candidate_keys:
            (pinned_in if value == PIN_IN else pinned_out).add(key)
    targets = Targets(
        min_women_share=women / 100 if women else None,
        min_per_region=regions,
        reserve=reserve or ZERO,
        pinned_in=frozenset(pinned_in),
        pinned_out=frozenset(pinned_out),
    )
    return targets, list(dict.fromkeys(errors))


def to_json(targets: Targets) -> dict:
    return {
        "women": str(targets.min_women_share) if targets.min_women_share else None,
        "regions": dict(targets.min_per_region),
        "reserve": str(targets.reserve),
        "in": sorted(targets.pinned_in),
        "out": sorted(targets.pinned_out),
    }


def form_values(targets: Targets) -> dict[str, str]:
    """The form's fields for `targets` (hidden fields of the send form, links)."""
    values = {}
    if targets.min_women_share:
        values[WOMEN] = f"{targets.min_women_share * 100:g}"
    if targets.reserve:
        values[RESERVE] = str(targets.reserve)
    for region, count in targets.min_per_region.items():
        values[REGION_PREFIX + region] = str(count)
    for key in targets.pinned_in:
        values[f"{PIN_PREFIX}{key}"] = PIN_IN
    for key in targets.pinned_out:
        values[f"{PIN_PREFIX}{key}"] = PIN_OUT
    return values
