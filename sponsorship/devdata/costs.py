"""What a generated award costs, for the demo and the scale data alike: the fare table,
the estimate an award is priced at, and the actual costs reconciled after the meeting.

The figures are the demo's, in the base currency; pricing's own rules (the nights of
the sessions served, a typed quote, a visa) are in `sponsorship.review.pricing`.
"""

from __future__ import annotations

from decimal import Decimal

from sponsorship.models import CostKind, RegionalGroup

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


def _line(kind: CostKind, description: str, quantity: Decimal, unit: Decimal) -> dict:
    return {
        "kind": kind,
        "description": description,
        "quantity": quantity,
        "unit_amount": unit,
        "amount": quantity * unit,
    }


def estimate(
    region: RegionalGroup, nights: int, dsa_rate: Decimal, terminal: Decimal
) -> list[dict]:
    """The estimate's lines (the columns of an `AwardCostLine`): the fare table's
    ticket, DSA for the nights of the whole meeting, terminal expenses."""
    return [
        _line(CostKind.AIRFARE, "Economy return ticket", D(1), AIRFARE[RegionalGroup(region)]),
        _line(CostKind.DSA, f"DSA {nights} nights", D(nights), dsa_rate),
        _line(CostKind.TERMINAL, "Terminal expenses", D(1), terminal),
    ]


def actual(estimated: list[dict], attended: bool, under: Decimal) -> list[dict]:
    """The actual costs: the ticket as invoiced, `under` the estimate, and for a delegate
    who attended the DSA and terminal expenses as estimated (a no-show's ticket is lost,
    nothing else is paid)."""
    by_kind = {line["kind"]: line for line in estimated}
    ticket = by_kind[CostKind.AIRFARE]["amount"] - under
    lines = [_line(CostKind.AIRFARE, "Ticket as invoiced", D(1), ticket)]
    if attended:
        lines += [
            {key: by_kind[kind][key] for key in lines[0]}
            for kind in (CostKind.DSA, CostKind.TERMINAL)
        ]
    return lines
