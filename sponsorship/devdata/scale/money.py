"""What each decision did to the money: allocations committed, then released or spent
on reconciliation, the actual costs, and their audit trail.

Offered: committed. Declined or expired: released. Attended or missed: the actual costs
spent from the allocations once reconciled, the rest released.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from decimal import Decimal

from sponsorship.devdata import costs
from sponsorship.devdata.clock import stamp
from sponsorship.devdata.scale.applications import PricedAward
from sponsorship.devdata.scale.bulk import Run, insert
from sponsorship.funding.reconciliation import split_spend
from sponsorship.models import Allocation, AwardCostLine

D = Decimal
ZERO = D(0)


def _release(award: PricedAward) -> None:
    for alloc in award.allocations:
        alloc[2] = "released"
        alloc[0].committed -= alloc[1]


def _spend(award: PricedAward, actual: Decimal) -> None:
    """Spent and released by reconciliation's own rule (`split_spend`): a partly spent
    allocation is a spent row plus a released row, as `reconcile` leaves them."""
    rows = award.allocations
    spent, released = split_spend(((n, take) for n, (_f, take, _s) in enumerate(rows)), actual)
    for n, (f, take, _status) in enumerate(rows):
        f.committed -= take
        f.spent += spent.get(n, ZERO)
    award.allocations = [[rows[n][0], used, "spent"] for n, used in spent.items()] + [
        [rows[n][0], rest, "released"] for n, rest in released.items()
    ]


def _accepted(run: Run, meeting: dict, award: PricedAward) -> list[dict]:
    """An offer accepted, then attended or missed: its actual costs, spent if reconciled."""
    columns = award.columns
    focal_point = run.applicant_of[award.state_id]
    run.status(columns["responded_at"], focal_point, "Award", award.id, "offered", "accepted")
    at = stamp(meeting["ends_on"] + timedelta(days=3))
    run.status(at, run.admin(), "Award", award.id, "accepted", award.fate)
    under = D(run.rng.randrange(0, 20000)) / 100
    actual = costs.actual(award.lines, award.fate == "attended", under)
    if columns.get("reconciled_at"):
        _spend(award, sum((line["amount"] for line in actual), ZERO))
    return [{"award_id": award.id, "stage": "actual", **line} for line in actual]


def _settle(run: Run, meeting: dict, award: PricedAward) -> list[dict]:
    """The award's fate in the audit trail and in its allocations; its actual costs."""
    columns = award.columns
    offered_at = columns.get("offered_at")
    if award.fate != "pending":
        at = offered_at or stamp(meeting["starts_on"] - timedelta(days=50), 10)
        after = "offered" if offered_at else award.fate
        run.status(at, run.admin(), "Award", award.id, "pending", after)
    if not award.allocations:
        return []
    if award.fate in ("declined", "expired"):
        at = columns["responded_at"] or stamp(columns["offer_deadline"] + timedelta(days=1))
        actor = None if award.fate == "expired" else run.applicant_of[award.state_id]
        run.status(at, actor, "Award", award.id, "offered", award.fate)
        _release(award)
        return []
    if award.fate not in ("attended", "no_show"):
        return []
    return _accepted(run, meeting, award)


def _settled_at(award: PricedAward, status: str) -> datetime | None:
    if status == "committed":
        return None
    columns = award.columns
    return (
        columns.get("reconciled_at")
        or columns.get("responded_at")
        or stamp(columns["offer_deadline"] + timedelta(days=1))
    )


def _allocations(run: Run, awards: list[PricedAward]) -> None:
    rows, meta = [], []
    for award in awards:
        for f, amount, status in award.allocations:
            settled_at = _settled_at(award, status)
            rows.append(
                {
                    "contribution_id": f.id,
                    "award_id": award.id,
                    "amount": amount,
                    "status": status,
                    "created_at": award.columns["offered_at"],
                    "settled_at": settled_at,
                    "created_by_id": run.admin(),
                }
            )
            meta.append((award, f, status, settled_at))
    ids = insert(Allocation, rows, returning=True)
    run.counts["allocations"] += len(ids)
    for alloc_id, (award, f, status, settled_at) in zip(ids, meta, strict=True):
        run.event(
            award.columns["offered_at"],
            run.admin(),
            "ledger.commit",
            "Allocation",
            alloc_id,
            after={"award": award.reference, "contribution": f.reference},
        )
        if status != "committed":
            run.event(
                settled_at,
                run.admin(),
                "ledger.spend" if status == "spent" else "ledger.release",
                "Allocation",
                alloc_id,
                {"status": "committed"},
                {"status": status},
            )


def money(run: Run, meeting: dict, awards: list[PricedAward]) -> None:
    """Allocation rows, actual costs, reconciliation and their audit events."""
    actual_lines = [line for award in awards for line in _settle(run, meeting, award)]
    _allocations(run, awards)
    for award in awards:
        reconciled = award.columns.get("reconciled_at")
        if reconciled:
            run.event(reconciled, run.admin(), "award.reconcile", "Award", award.id)
    insert(AwardCostLine, actual_lines)
