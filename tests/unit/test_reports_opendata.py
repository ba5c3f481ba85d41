"""The 360Giving and IATI exports: valid against the official schemas (tests/schemas/,
see SOURCES.md there), anonymous, and reconciled with the ledger's allocation rows."""

from __future__ import annotations

import json
from decimal import Decimal
from functools import cache
from pathlib import Path

import pytest
from jsonschema import Draft202012Validator
from lxml import etree
from referencing import Registry
from referencing.jsonschema import DRAFT202012
from sqlalchemy import func, select

from sponsorship.models import Allocation, AllocationStatus, Contribution, Delegate, Donor
from sponsorship.reporting import opendata as reports_opendata
from tests.report_data import generated_programme

D = Decimal
SCHEMAS = Path(__file__).resolve().parent.parent / "schemas"
HELD = (AllocationStatus.COMMITTED, AllocationStatus.SPENT)


@cache
def grants_validator() -> Draft202012Validator:
    """The 360Giving package schema, its grant schema served from our copy under the
    URL the package names (nothing is fetched), with formats (dates) checked."""
    folder = SCHEMAS / "360giving-1.4"
    grant = json.loads((folder / "360-giving-schema.json").read_text(encoding="utf-8"))
    package = json.loads((folder / "360-giving-package-schema.json").read_text(encoding="utf-8"))
    resource = DRAFT202012.create_resource(grant)
    registry = Registry().with_resources(
        [(package["properties"]["grants"]["items"]["$ref"], resource), (grant["$id"], resource)]
    )
    return Draft202012Validator(
        package, registry=registry, format_checker=Draft202012Validator.FORMAT_CHECKER
    )


@cache
def iati_schema() -> etree.XMLSchema:
    return etree.XMLSchema(etree.parse(str(SCHEMAS / "iati-2.03" / "iati-activities-schema.xsd")))


def assert_valid_360giving(package: dict) -> None:
    errors = [e.message for e in grants_validator().iter_errors(package)]
    assert errors == []


def assert_valid_iati(xml: bytes) -> etree._ElementTree:
    doc = etree.fromstring(xml)
    schema = iati_schema()
    assert schema.validate(doc), [str(e) for e in schema.error_log]
    return doc


def _ledger(statuses, donor_id=None) -> Decimal:
    from sponsorship.extensions import db

    stmt = (
        select(func.coalesce(func.sum(Allocation.amount), 0))
        .join(Allocation.contribution)
        .where(Allocation.status.in_(statuses))
    )
    if donor_id is not None:
        stmt = stmt.where(Contribution.donor_id == donor_id)
    return D(db.session.scalar(stmt))


def _by_type(doc) -> dict[str, list]:
    result: dict[str, list] = {}
    for t in doc.iter("transaction"):
        code = t.find("transaction-type").get("code")
        result.setdefault(code, []).append(t)
    return result


def _sum(transactions) -> Decimal:
    return sum((D(t.find("value").text) for t in transactions), D(0))


def assert_exports_reconcile(db, donor_id=None) -> None:
    package = reports_opendata.threesixty_giving(donor_id)
    doc = assert_valid_iati(reports_opendata.iati_activities(donor_id))
    held = _ledger(HELD, donor_id)
    spent = _ledger((AllocationStatus.SPENT,), donor_id)
    if held:
        assert_valid_360giving(package)
    grants = package["grants"]
    assert sum((D(str(g["amountAwarded"])) for g in grants), D(0)) == held
    assert len({g["id"] for g in grants}) == len(grants)
    types = _by_type(doc)
    # One outgoing commitment per award (per grant), adding up to the held money.
    assert len(types.get("2", [])) == len(grants)
    assert _sum(types.get("2", [])) == held
    # Costs paid to or for delegates are expenditure only, exactly what was spent.
    assert "3" not in types
    assert _sum(types.get("4", [])) == spent
    # Incoming: a commitment per pledge, funds per receipt, in the money's own currency.
    contributions = db.session.scalars(
        select(Contribution).where(
            Contribution.status != "cancelled",
            *([Contribution.donor_id == donor_id] if donor_id is not None else []),
        )
    ).all()
    assert len(types.get("11", [])) == len(contributions)
    received = [c for c in contributions if c.status == "received"]
    assert len(types.get("1", [])) == len(received)
    assert sorted(
        (t.find("value").get("currency"), D(t.find("value").text)) for t in types.get("1", [])
    ) == sorted((c.currency, c.amount) for c in received)
    for t in doc.iter("transaction"):
        assert t.find("value").get("value-date")
    sectors = doc.findall(".//iati-activity/sector")
    assert [(s.get("code"), s.get("vocabulary")) for s in sectors] == [("15250", "1")]


def assert_anonymous(db, package: dict, xml: bytes) -> None:
    """No delegate's name, e-mail or passport number anywhere in either file."""
    text = json.dumps(package, ensure_ascii=False) + xml.decode()
    for name, email, passport in db.session.execute(
        select(Delegate.name, Delegate.email, Delegate.passport_number)
    ):
        assert name not in text
        assert email not in text
        assert not passport or passport not in text
    for grant in package["grants"]:
        assert grant["recipientIndividual"]["name"] == "Individual Recipient"


def test_demo_exports_are_valid_anonymous_and_reconcile(db, runner):
    result = runner.invoke(args=["seed-demo"])
    assert result.exit_code == 0, result.output
    assert_exports_reconcile(db)
    for donor in db.session.scalars(select(Donor)):
        assert_exports_reconcile(db, donor.id)
    package = reports_opendata.threesixty_giving()
    assert package["grants"], "the demo funds awards"
    assert_anonymous(db, package, reports_opendata.iati_activities())
    funders = {o["name"] for g in package["grants"] for o in g["fundingOrganization"]}
    assert "Norway" in funders


@pytest.mark.parametrize("seed", [1, 3])
def test_generated_exports_are_valid_and_reconcile(db, seed):
    made = generated_programme(seed)
    assert _ledger((AllocationStatus.SPENT,)) > 0
    assert_exports_reconcile(db)
    for donor in made["donors"]:
        assert_exports_reconcile(db, donor.id)
    assert_anonymous(db, reports_opendata.threesixty_giving(), reports_opendata.iati_activities())


def test_donor_export_holds_only_its_own_money(db):
    made = generated_programme(2)
    mine, other = made["donors"][0], made["donors"][1]
    package = reports_opendata.threesixty_giving(mine.id)
    funders = {o["name"] for g in package["grants"] for o in g["fundingOrganization"]}
    assert funders == {mine.name}
    doc = etree.fromstring(reports_opendata.iati_activities(mine.id))
    names = {n.text for n in doc.iter("narrative")}
    assert mine.name in names and other.name not in names


def test_schemas_refuse_a_broken_export(db):
    """The validation can fail: a date the standard does not allow, a missing value."""
    generated_programme(1)
    package = reports_opendata.threesixty_giving()
    package["grants"][0]["awardDate"] = "28/11/2026"
    assert list(grants_validator().iter_errors(package))
    doc = etree.fromstring(reports_opendata.iati_activities())
    value = doc.find(".//transaction/value")
    del value.attrib["value-date"]
    assert not iati_schema().validate(doc)


def test_split_shares_add_up_to_the_cent():
    shares = reports_opendata._split(D("100.00"), [D("1"), D("1"), D("1")], "CHF")
    assert sum(shares) == D("100.00") and shares == [D("33.33"), D("33.33"), D("33.34")]


def _iati_days(doc, code: str) -> list:
    return [
        t.find("transaction-date").get("iso-date")
        for t in doc.iter("transaction")
        if t.find("transaction-type").get("code") == code
    ]


def test_spending_is_dated_by_the_meeting_not_the_reconciliation(db):
    """Live awards carry no payment date: their costs moved at the meeting, whatever day
    an administrator reconciled them (today, in this test)."""
    made = generated_programme(1)
    doc = etree.fromstring(reports_opendata.iati_activities())
    spent_on = set(_iati_days(doc, "4"))
    reconciled = {made["awards"][1], made["awards"][4]}
    assert spent_on == {a.delegate.application.meeting.starts_on.isoformat() for a in reconciled}


def test_spending_is_dated_by_the_payment_when_known(db):
    from datetime import date

    from sponsorship.models import AwardCostLine

    made = generated_programme(1)
    award = made["awards"][1]
    for line in award.cost_lines:
        if line.stage == "actual":
            line.paid_on = date(2017, 5, 3)
    db.session.commit()
    doc = etree.fromstring(reports_opendata.iati_activities())
    days = _iati_days(doc, "4")
    assert days.count("2017-05-03") == len(
        [x for x in db.session.scalars(select(AwardCostLine)) if x.paid_on]
    )


def test_commitment_and_grant_are_dated_by_the_offer(db):
    from datetime import UTC, datetime

    made = generated_programme(1)
    award = made["awards"][2]
    award.offered_at = datetime(2017, 3, 9, 10, 0, tzinfo=UTC)
    db.session.commit()
    doc = etree.fromstring(reports_opendata.iati_activities())
    assert "2017-03-09" in _iati_days(doc, "2")
    grants = {g["id"]: g for g in reports_opendata.threesixty_giving()["grants"]}
    grant = next(g for g in grants.values() if g["id"].endswith(award.reference))
    assert grant["awardDate"] == "2017-03-09"
    assert grant["numberOfPeople"] == 1
