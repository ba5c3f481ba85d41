"""What a generated award costs, for the demo and the scale data alike: the fare table
and the actual costs reconciled after the meeting.

The figures are the demo's, in the base currency; the estimate an award is priced at is
pricing's own rule (`sponsorship.review.pricing.estimate`).
"""

from __future__ import annotations

from decimal import Decimal

from sponsorship.models import CostKind, RegionalGroup
from sponsorship.review.pricing import Line

D = Decimal

#: An economy return fare to Geneva from each departure region.
AIRFARE = {
    RegionalGroup.AFRICAN: D("1450.00"),
    RegionalGroup.ASIA_PACIFIC: D("1850.00"),
    RegionalGroup.LATIN_AMERICAN_CARIBBEAN: D("1700.00"),
    RegionalGroup.EASTERN_EUROPEAN: D("650.00"),
    RegionalGroup.WESTERN_EUROPEAN_OTHERS: D("500.00"),
    RegionalGroup.NONE: D("1500.00"),
}


def actual(estimated: list[dict], attended: bool, under: Decimal) -> list[dict]:
    """The actual costs: the ticket as invoiced, `under` the estimate, and for a delegate
    who attended the DSA and terminal expenses as estimated (a no-show's ticket is lost,
    nothing else is paid)."""
    by_kind = {line["kind"]: line for line in estimated}
    ticket = by_kind[CostKind.AIRFARE]["amount"] - under
    lines = [Line(CostKind.AIRFARE, "Ticket as invoiced", D(1), ticket).columns()]
    if attended:
        lines += [
            {key: by_kind[kind][key] for key in lines[0]}
            for kind in (CostKind.DSA, CostKind.TERMINAL)
            if kind in by_kind
        ]
    return lines
