"""Donors, their contributions, and the generator's books: contributions held in memory
and paid out by the ledger's own rules (`sponsorship.funding.earmarks`)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

from sponsorship.core.money import to_base
from sponsorship.devdata.clock import stamp
from sponsorship.devdata.costs import AIRFARE
from sponsorship.devdata.donors import DONORS, org_identifier
from sponsorship.devdata.scale.bulk import Run, insert, update
from sponsorship.funding.earmarks import Purpose, plan, priority_key, usable
from sponsorship.models import (
    Contribution,
    ContributionStatus,
    Donor,
    MeetingKind,
    RegionalGroup,
    Theme,
)

D = Decimal
ZERO = D(0)

CONTRIBUTIONS_PER_YEAR = 50


@dataclass(eq=False)
class Fund:
    """A received contribution as the generator's books hold it: the attributes of a
    `Contribution` that the ledger's rules read, under the same names."""

    id: int
    reference: str
    received_on: date
    spend_by: date | None
    earmark_year: int | None
    earmark_meeting_kind: MeetingKind | None
    earmark_region: RegionalGroup | None
    base_amount: Decimal
    earmark_meeting_id: int | None = None
    earmark_theme: Theme | None = None
    #: As of the day the books are open on (see `Books.open_on`).
    status: ContributionStatus = ContributionStatus.PLEDGED
    committed: Decimal = ZERO
    spent: Decimal = ZERO

    # The model's own properties, read off this row.
    available = Contribution.available
    restriction_count = Contribution.restriction_count


class Books:
    """The contributions the generator pays awards from, in the ledger's priority order."""

    def __init__(self) -> None:
        self.funds: list[Fund] = []
        self._on = date.min
        self._open: list[Fund] = []
        self._allowed: dict[Purpose, list[Fund]] = {}

    def open_on(self, on: date) -> None:
        """Replay the books to `on`: money counts as received from the day it came in,
        and what is usable then is what the commitments of that day may take."""
        self.funds.sort(key=priority_key)
        for f in self.funds:
            f.status = (
                ContributionStatus.RECEIVED if f.received_on <= on else ContributionStatus.PLEDGED
            )
        self._on = on
        self._open = [f for f in self.funds if usable(f, on) > 0]
        self._allowed = {}

    def commit(self, purpose: Purpose, amount: Decimal) -> list[tuple[Fund, Decimal]]:
        """Commit `amount` for `purpose` on the day the books are open on, as the ledger
        would: from the money its earmarks allow, all or nothing ([] if short)."""
        allowed = self._allowed.get(purpose)
        if allowed is None:
            allowed = [f for f in self._open if purpose.allows(f, self._on)]
            self._allowed[purpose] = allowed
        takes = plan(amount, ((n, usable(f, self._on)) for n, f in enumerate(allowed)))
        for n, take in takes:
            allowed[n].committed += take
        return [(allowed[n], take) for n, take in takes]

    def write_balances(self) -> None:
        """Every contribution's `committed` and `spent`, as its allocation rows sum."""
        update(
            Contribution,
            [{"id": f.id, "committed": f.committed, "spent": f.spent} for f in self.funds],
        )


def donors(first_year: int) -> list[int]:
    created = stamp(date(first_year - 1, 12, 1))
    return insert(
        Donor,
        [
            {
                "name": d.name,
                "short_name": d.short_name,
                "country_iso3": d.iso3,
                "org_identifier": org_identifier(d),
                "created_at": created,
            }
            for d in DONORS
        ],
        returning=True,
    )


def _contribution(run: Run, year: int, n: int, donor_ids: list[int]) -> dict:
    """The `n`th contribution of `year`, from a donor drawn at random."""
    rng = run.rng
    d = rng.randrange(len(DONORS))
    donor = DONORS[d]
    currency = donor.currency
    # The rate drifts a little from year to year; stored to 10**-4 like a bank quote.
    rate = (donor.rate * (D(1) + D(rng.randrange(-80, 81)) / 1000)).quantize(D("0.0001"))
    amount = D(rng.randrange(20, 160) * 1000)
    if currency in ("NOK", "SEK", "DKK"):
        amount *= 10
    elif currency == "JPY":
        amount *= 150
    pledged = date(year, 1, 5) + timedelta(days=rng.randrange(60))
    future = pledged > run.today
    cancelled = not future and rng.random() < 0.01
    received = None if future or cancelled else pledged + timedelta(days=rng.randrange(10, 50))
    if received is not None and received > run.today:
        received = None
    earmark = rng.random()
    return {
        "donor_id": donor_ids[d],
        "reference": f"{donor.short_name}-{year}-{n + 1:02d}",
        "status": "cancelled" if cancelled else "received" if received else "pledged",
        "currency": currency,
        "amount": amount,
        "exchange_rate": rate if received else None,
        "rate_date": received,
        "base_amount": to_base(amount, rate, run.base_currency) if received else None,
        "committed": ZERO,
        "spent": ZERO,
        "pledged_on": pledged,
        "received_on": received,
        "spend_by": date(year + 1, 12, 31) if rng.random() < 0.5 else None,
        "earmark_year": year if 0.55 < earmark < 0.7 else None,
        "earmark_meeting_kind": rng.choice(["msp", "intersessional"])
        if 0.7 <= earmark < 0.85
        else None,
        "earmark_region": rng.choice([r.value for r in AIRFARE if r.value != "none"])
        if earmark >= 0.85
        else None,
        "notes": None,
        "created_at": stamp(pledged),
    }


def _fund(cid: int, row: dict) -> Fund:
    kind, region = row["earmark_meeting_kind"], row["earmark_region"]
    return Fund(
        cid,
        row["reference"],
        row["received_on"],
        row["spend_by"],
        row["earmark_year"],
        MeetingKind(kind) if kind else None,
        RegionalGroup(region) if region else None,
        row["base_amount"],
    )


def contributions(run: Run, years: range, donor_ids: list[int]) -> None:
    rows = [
        _contribution(run, year, n, donor_ids)
        for year in years
        for n in range(CONTRIBUTIONS_PER_YEAR)
    ]
    ids = insert(Contribution, rows, returning=True)
    for cid, row in zip(ids, rows, strict=True):
        if row["status"] == "received":
            run.books.funds.append(_fund(cid, row))
        run.event(
            row["created_at"],
            run.admin_ids[0],
            "contribution.recorded",
            "Contribution",
            cid,
            after={
                "reference": row["reference"],
                "amount": str(row["amount"]),
                "currency": row["currency"],
            },
        )
    run.counts["contributions"] = len(rows)
