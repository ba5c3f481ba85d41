"""Open-data exports: a 360Giving grants package and an IATI 2.03 activity file.

Scope is the whole programme, or one donor's money (`donor_id`): then every amount is
that donor's part, read from its own allocation rows, so a donor's file never shows
another donor's money.

Both files describe the same ledger rows the reports use:

* 360Giving: one grant per award that holds money (committed or spent allocations),
  amountAwarded is that money, the funders are the donors of those allocations. The
  recipients are individuals: per 360Giving's guidance on grants to individuals they
  are published as "Individual Recipient" with an identifier that is not derived from
  personal data (the award's row id), and with no name, contact or passport data.
* IATI: incoming commitment (11) per pledge and incoming funds (1) per receipt, in the
  contribution's own currency; outgoing commitment (2) per award, dated the day of the
  offer; expenditure (4) per actual cost line, for the money the reconciliation spent,
  dated the day the money moved (see `EXPENDITURE` and `_spending`).

Every transaction carries the date its money moved, never the day the books were
written: one year's expenditure equals that year's spending in the programme report.

The narratives are in English (xml:lang="en"): these are data files for the
standards' registries, whose readers and validators work on the declared language,
not pages of the interface.
"""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET  # noqa: S405 - we only write XML, never parse it
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from decimal import Decimal

import pycountry
from flask import current_app
from sqlalchemy import func, select

from sponsorship.core import money
from sponsorship.extensions import db
from sponsorship.models import (
    Allocation,
    AllocationStatus,
    Award,
    Contribution,
    ContributionStatus,
    Delegate,
    Donor,
    Meeting,
    State,
)
from sponsorship.models.awards import AwardCostLine, CostKind, CostStage
from sponsorship.reporting.donor_sql import HELD, joined
from sponsorship.reporting.xmltext import well_formed

#: DAC 5-digit sector "Removal of land mines and explosive remnants of war" (vocabulary 1).
DAC_SECTOR = "15250"
#: Every cost paid to or for a delegate is published as expenditure (4), whatever its
#: kind. IATI's TransactionType codelist defines a disbursement (3) as "outgoing funds
#: that are placed at the disposal of a recipient government or organisation, or funds
#: transferred between two separately reported activities", and expenditure (4) as
#: "outgoing funds that are spent on goods and services for the activity", whose
#: recipients "fall outside of IATI's reporting scope". A ticket the programme books and
#: a daily allowance it pays a delegate are both spending on the activity (getting one
#: person to one meeting), paid to or for an individual, not funds placed with an
#: organisation that would report on them. Publishing the ticket as expenditure and the
#: allowance as a disbursement split one cost in two and made a reader who summed
#: expenditure miss a third of the spending. (Codelist TransactionType.)
INCOMING_FUNDS, OUTGOING_COMMITMENT, EXPENDITURE, INCOMING_COMMITMENT = ("1", "2", "4", "11")


@dataclass
class AwardFunding:
    """One award with the money the scope holds on it, per donor."""

    award_id: int
    reference: str
    award_date: date
    meeting_id: int
    meeting_title: str
    starts_on: date
    ends_on: date
    state_name: str
    iso2: str | None
    person_id: int | None = None  # None: not linked; the award stands for its person
    donors: dict[int, Decimal] = field(default_factory=dict)

    @property
    def amount(self) -> Decimal:
        return sum(self.donors.values(), Decimal(0))


def _d(value) -> Decimal:
    return Decimal(value or 0)


def _day(value) -> date:
    if isinstance(value, datetime):
        return value.astimezone(UTC).date()
    if isinstance(value, str):  # SQLite returns aggregated datetimes as text
        return datetime.fromisoformat(value).date()
    return value


def publisher() -> dict[str, str]:
    config = current_app.config
    return {
        "id": config["OPEN_DATA_ORG_ID"],
        "name": config["OPEN_DATA_ORG_NAME"],
        "type": config["OPEN_DATA_ORG_TYPE"],
        "prefix": config["OPEN_DATA_GRANT_PREFIX"],
    }


def _scope(stmt, donor_id: int | None):
    return stmt if donor_id is None else stmt.where(Contribution.donor_id == donor_id)


def fundings(donor_id: int | None = None) -> list[AwardFunding]:
    """Awards holding the scope's money: one query, grouped per award and donor."""
    held = _scope(
        select(
            Allocation.award_id.label("award_id"),
            Contribution.donor_id.label("donor_id"),
            func.sum(Allocation.amount).label("amount"),
            func.min(Allocation.created_at).label("first"),
        )
        .join(Contribution, Contribution.id == Allocation.contribution_id)
        .where(Allocation.status.in_(HELD))
        .group_by(Allocation.award_id, Contribution.donor_id),
        donor_id,
    ).subquery()
    stmt = (
        joined(held)
        .add_columns(
            held.c.award_id,
            held.c.donor_id,
            held.c.amount,
            held.c.first,
            Award.reference,
            Award.offered_at,
            Meeting.id,
            Meeting.title,
            Meeting.starts_on,
            Meeting.ends_on,
            State.name,
            State.iso2,
            Delegate.person_id,
        )
        .order_by(Meeting.starts_on, Award.reference, held.c.donor_id)
    )
    result: dict[int, AwardFunding] = {}
    for row in db.session.execute(stmt):
        award_id, donor, amount, first, ref, offered, mid, title, starts, ends, *place = row
        funding = result.get(award_id)
        if funding is None:
            funding = result[award_id] = AwardFunding(
                award_id,
                ref,
                _day(offered or first),
                mid,
                title,
                starts,
                ends,
                *place,  # the State's name and ISO code, and the person
            )
        funding.donors[donor] = _d(amount)
    return list(result.values())


def _donors(ids) -> dict[int, Donor]:
    ids = set(ids)
    if not ids:
        return {}
    return {d.id: d for d in db.session.scalars(select(Donor).where(Donor.id.in_(ids)))}


def donor_ref(donor: Donor, prefix: str) -> str:
    """The donor's organisation identifier, or one of ours when it has none."""
    return donor.org_identifier or f"{prefix}-DONOR-{donor.id}"


def country_code(iso2: str | None) -> str | None:
    """An ISO 3166-1 alpha-2 code both standards accept (not user-assigned ones like XK)."""
    if iso2 and pycountry.countries.get(alpha_2=iso2.upper()) is not None:
        return iso2.upper()
    return None


def _number(value: Decimal, currency: str) -> int | float:
    """A JSON number for an amount: exact to the minor unit (the cent), as 360Giving
    wants."""
    value = money.quantize(value, currency)
    return int(value) if value == value.to_integral_value() else float(value)


# -- 360Giving ------------------------------------------------------------------


def threesixty_giving(donor_id: int | None = None, *, now: datetime | None = None) -> dict:
    """A 360Giving 1.4 grants package (dict, ready for `json.dumps`)."""
    now = now or datetime.now(UTC)
    pub = publisher()
    prefix = pub["prefix"]
    currency = current_app.config["BASE_CURRENCY"]
    rows = fundings(donor_id)
    donors = _donors(d for f in rows for d in f.donors)
    modified = now.replace(microsecond=0).isoformat()
    grants = []
    for f in rows:
        grant_id = f"{prefix}-{f.reference}"
        if donor_id is not None:
            # A donor's file holds its part of each award: its own identifier, so the
            # file can sit beside the programme's without two grants sharing one id.
            grant_id += f"-D{donor_id}"
        grant = {
            "id": grant_id,
            "title": f"Sponsorship of one delegate to {f.meeting_title}"[:140],
            "description": (
                f"Economy return travel, daily subsistence allowance and terminal expenses"
                f" for one delegate of {f.state_name} to attend {f.meeting_title}."
            ),
            "currency": currency,
            "amountAwarded": _number(f.amount, currency),
            "awardDate": f.award_date.isoformat(),
            "plannedDates": [
                {"startDate": f.starts_on.isoformat(), "endDate": f.ends_on.isoformat()}
            ],
            # Beyond the standard: one award, one person, whose id counts people.
            "numberOfPeople": 1,
            "recipientIndividual": {
                "id": f"{prefix}-IND-" + (f"P{f.person_id}" if f.person_id else str(f.award_id)),
                "name": "Individual Recipient",
            },
            "fundingOrganization": [
                {"id": donor_ref(donors[d], prefix), "name": donors[d].name}
                for d in sorted(f.donors)
            ],
            "grantProgramme": [
                {
                    "code": f"{prefix}-M{f.meeting_id}",
                    "title": f"Sponsorship Programme: {f.meeting_title}",
                }
            ],
            "dateModified": modified,
        }
        code = country_code(f.iso2)
        if code:
            grant["beneficiaryLocation"] = [{"name": f.state_name, "countryCode": code}]
        grants.append(grant)
    return {
        "grants": grants,
        "version": "1.4",
        "title": "Sponsorship Programme grants",
        "publisher": {"identifier": pub["id"], "name": pub["name"]},
        "issued": now.date().isoformat(),
        "modified": modified,
    }


def threesixty_giving_json(donor_id: int | None = None) -> bytes:
    return json.dumps(threesixty_giving(donor_id), ensure_ascii=False, indent=1).encode()


# -- IATI -----------------------------------------------------------------------


@dataclass(frozen=True)
class Transaction:
    type: str
    day: date
    amount: Decimal
    currency: str
    value_date: date
    description: str
    provider: tuple[str, str] | None = None
    receiver: str | None = None
    country: str | None = None


def _split(total: Decimal, parts: list[Decimal], currency: str) -> list[Decimal]:
    """`total` shared in proportion to `parts`, to the minor unit, adding up to `total`."""
    whole = sum(parts, Decimal(0))
    if not whole:
        return [Decimal(0)] * len(parts)
    shares = [money.quantize(total * p / whole, currency) for p in parts]
    shares[-1] += total - sum(shares, Decimal(0))
    return shares


def _incoming(donor_id: int | None, donors: dict[int, Donor], prefix: str) -> list[Transaction]:
    stmt = _scope(
        select(Contribution).where(Contribution.status != ContributionStatus.CANCELLED),
        donor_id,
    ).order_by(Contribution.pledged_on, Contribution.id)
    result = []
    for c in db.session.scalars(stmt):
        donor = donors.get(c.donor_id) or db.session.get(Donor, c.donor_id)
        donors[c.donor_id] = donor
        provider = (donor_ref(donor, prefix), donor.name)
        result.append(
            Transaction(
                INCOMING_COMMITMENT,
                c.pledged_on,
                c.amount,
                c.currency,
                c.pledged_on,
                f"Contribution {c.reference} pledged",
                provider,
            )
        )
        if c.status == ContributionStatus.RECEIVED:
            result.append(
                Transaction(
                    INCOMING_FUNDS,
                    c.received_on,
                    c.amount,
                    c.currency,
                    c.rate_date or c.received_on,
                    f"Contribution {c.reference} received",
                    provider,
                )
            )
    return result


def _outgoing(rows: list[AwardFunding], donor_id: int | None, currency: str) -> list[Transaction]:
    result = [
        Transaction(
            OUTGOING_COMMITMENT,
            f.award_date,
            f.amount,
            currency,
            f.award_date,
            f"Award {f.reference}: one delegate to {f.meeting_title}",
            receiver="Individual Recipient",
            country=country_code(f.iso2),
        )
        for f in rows
    ]
    by_award = {f.award_id: f for f in rows}
    # The money the reconciliation spent, per award, in scope.
    spent = dict(
        db.session.execute(
            _scope(
                select(Allocation.award_id, func.sum(Allocation.amount))
                .join(Contribution, Contribution.id == Allocation.contribution_id)
                .where(Allocation.status == AllocationStatus.SPENT)
                .group_by(Allocation.award_id),
                donor_id,
            )
        ).all()
    )
    return result + _spending(by_award, spent, currency)


def _spending(
    by_award: dict[int, AwardFunding], spent: dict[int, Decimal], currency: str
) -> list[Transaction]:
    """Expenditure per actual cost line, for the money the fund spent on each award,
    dated the day the line was paid (imported history knows it), else the meeting's
    first day (the money moves then, not when the award is later reconciled)."""
    result: list[Transaction] = []
    lines: dict[int, list] = defaultdict(list)
    if spent:
        for award_id, kind, amount, description, paid_on in db.session.execute(
            select(
                AwardCostLine.award_id,
                AwardCostLine.kind,
                AwardCostLine.amount,
                AwardCostLine.description,
                AwardCostLine.paid_on,
            )
            .where(
                AwardCostLine.stage == CostStage.ACTUAL,
                AwardCostLine.award_id.in_(list(spent)),
                AwardCostLine.amount > 0,
            )
            .order_by(AwardCostLine.award_id, AwardCostLine.id)
        ):
            lines[award_id].append((CostKind(kind), _d(amount), description, paid_on))
    for award_id, paid in spent.items():
        award_lines = lines.get(award_id)
        f = by_award.get(award_id)
        if not award_lines or f is None:
            continue
        # The fund paid `paid` of the award's actual costs (less when part was paid
        # outside the fund, or other donors paid the rest): each line in proportion.
        for (kind, _amount, description, paid_on), share in zip(
            award_lines, _split(_d(paid), [a for _, a, _, _ in award_lines], currency), strict=True
        ):
            if not share:
                continue
            day = paid_on or f.starts_on
            result.append(
                Transaction(
                    EXPENDITURE,
                    day,
                    share,
                    currency,
                    day,
                    f"Award {f.reference}: {kind.value} ({description or kind.value})",
                    receiver="Individual Recipient",
                    country=country_code(f.iso2),
                )
            )
    return result


def _text(parent: ET.Element, tag: str, text: str, **attrs) -> ET.Element:
    element = ET.SubElement(parent, tag, attrs)
    ET.SubElement(element, "narrative").text = text
    return element


def iati_activities(donor_id: int | None = None, *, now: datetime | None = None) -> bytes:
    """An IATI 2.03 activity file with the programme as one activity."""
    now = (now or datetime.now(UTC)).replace(microsecond=0)
    pub = publisher()
    currency = current_app.config["BASE_CURRENCY"]
    rows = fundings(donor_id)
    donors = _donors(d for f in rows for d in f.donors)
    transactions = _incoming(donor_id, donors, pub["prefix"]) + _outgoing(rows, donor_id, currency)
    transactions.sort(key=lambda t: (t.day, int(t.type)))

    root = ET.Element("iati-activities", {"version": "2.03", "generated-datetime": now.isoformat()})
    activity = ET.SubElement(
        root,
        "iati-activity",
        {
            "last-updated-datetime": now.isoformat(),
            "{http://www.w3.org/XML/1998/namespace}lang": "en",
            "default-currency": currency,
            "humanitarian": "0",
        },
    )
    ET.SubElement(activity, "iati-identifier").text = f"{pub['id']}-SP"
    _text(activity, "reporting-org", pub["name"], ref=pub["id"], type=pub["type"])
    title = "Sponsorship Programme of the Anti-Personnel Mine Ban Convention"
    _text(activity, "title", title)
    description = (
        "Travel of delegates of States with few means to the meetings of the"
        " Anti-Personnel Mine Ban Convention."
    )
    if donor_id is not None and donor_id in donors:
        description += f" This file shows the part funded by {donors[donor_id].name}."
    _text(activity, "description", description, type="1")
    for d in sorted(donors.values(), key=lambda d: d.name):
        _text(
            activity,
            "participating-org",
            d.name,
            ref=donor_ref(d, pub["prefix"]),
            role="1",
            type="10" if d.country_iso3 else "40",
        )
    _text(activity, "participating-org", pub["name"], ref=pub["id"], role="4", type=pub["type"])
    ET.SubElement(activity, "activity-status", code="2")
    # The programme started with its first money; it ends, as planned, with the last
    # meeting funded so far (it is ongoing: no actual end).
    first = min((t.day for t in transactions), default=now.date())
    ends = max((f.ends_on for f in rows), default=None)
    ET.SubElement(activity, "activity-date", {"iso-date": first.isoformat(), "type": "1"})
    ET.SubElement(activity, "activity-date", {"iso-date": first.isoformat(), "type": "2"})
    if ends:
        ET.SubElement(activity, "activity-date", {"iso-date": ends.isoformat(), "type": "3"})
    sector = ET.SubElement(
        activity, "sector", {"code": DAC_SECTOR, "vocabulary": "1", "percentage": "100"}
    )
    ET.SubElement(sector, "narrative").text = "Removal of land mines and explosive remnants of war"
    for t in transactions:
        element = ET.SubElement(activity, "transaction")
        ET.SubElement(element, "transaction-type", code=t.type)
        ET.SubElement(element, "transaction-date", {"iso-date": t.day.isoformat()})
        value = ET.SubElement(
            element, "value", {"currency": t.currency, "value-date": t.value_date.isoformat()}
        )
        value.text = money.plain(t.amount, t.currency)
        _text(element, "description", t.description)
        if t.provider:
            _text(element, "provider-org", t.provider[1], ref=t.provider[0])
        else:
            _text(element, "provider-org", pub["name"], ref=pub["id"])
        if t.receiver:
            _text(element, "receiver-org", t.receiver)
        else:
            _text(element, "receiver-org", pub["name"], ref=pub["id"])
        if t.country:
            ET.SubElement(element, "recipient-country", code=t.country)
    well_formed(root)
    ET.indent(root)
    return ET.tostring(root, encoding="utf-8", xml_declaration=True)
