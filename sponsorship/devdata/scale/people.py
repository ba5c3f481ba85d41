"""The applicant States (the reference ones, then generated ones) and the accounts:
administrators, a focal point per State and a representative per donor."""

from __future__ import annotations

from datetime import date, timedelta

from sqlalchemy import select

from sponsorship.accounts.services import hash_password
from sponsorship.devdata.clock import stamp
from sponsorship.devdata.scale.bulk import Run, insert
from sponsorship.extensions import db
from sponsorship.models import RegionalGroup, State, User

SCALE_PASSWORD = "scale-password"  # noqa: S105 - published benchmark credential
ADMIN_EMAIL = "admin@scale.test"

#: About one State in eleven sits a given meeting out.
STATES = 550

DIGITS = "0123456789abcdefghijklmnopqrstuvwxyz"


def _generated_state(run: Run, i: int, region: RegionalGroup) -> dict:
    rng = run.rng
    return {
        "iso3": "x" + DIGITS[i // 36 % 36] + DIGITS[i % 36],
        "name": f"Scale State {i + 1:03d}",
        "regional_group": region,
        "convention_status": "state_party" if rng.random() < 0.85 else "not_party",
        "entry_into_force": date(1999 + rng.randrange(20), 3, 1),
        "article5_deadline": date(2026 + rng.randrange(10), 12, 31) if rng.random() < 0.4 else None,
        "article5_extension_pending": rng.random() < 0.1,
        "article4_stockpile_pending": rng.random() < 0.05,
        "significant_survivors": rng.random() < 0.3,
        "ldc": rng.random() < 0.3,
        "oda_eligible": rng.random() < 0.7,
        "mission_address": f"Permanent Mission of Scale State {i + 1:03d}\nGeneva",
    }


def states(run: Run, wanted: int) -> list[tuple[int, str, str]]:
    """(id, iso3, region) of `wanted` States: the reference ones, then generated ones."""
    query = select(State.id, State.iso3, State.regional_group).order_by(State.id)
    existing = db.session.execute(query).all()
    missing = wanted - len(existing)
    if missing > 0:
        regions = list(RegionalGroup)
        insert(State, [_generated_state(run, i, regions[i % 5]) for i in range(missing)])
        existing = db.session.execute(query).all()
    return [(sid, iso3, RegionalGroup(region).value) for sid, iso3, region in existing[:wanted]]


def accounts(run: Run, state_rows: list[tuple[int, str, str]], donor_ids: list[int]) -> None:
    # One Argon2 hash for every account: hashing 600 passwords would take a minute and
    # prove nothing; each account still logs in through the real check.
    password = hash_password(SCALE_PASSWORD)
    created = stamp(run.today - timedelta(days=365 * 21))
    admins = [
        {
            "email": ADMIN_EMAIL if n == 0 else f"admin{n + 1}@scale.test",
            "name": f"ISU officer {n + 1}",
            "role": "administrator",
        }
        for n in range(4)
    ]
    applicants = [
        {
            "email": f"applicant.{iso3.lower()}@scale.test",
            "name": f"Focal point {iso3}",
            "role": "applicant",
            "state_id": sid,
        }
        for sid, iso3, _region in state_rows
    ]
    donors = [
        {
            "email": f"donor{n + 1}@scale.test",
            "name": f"Donor representative {n + 1}",
            "role": "donor",
            "donor_id": did,
        }
        for n, did in enumerate(donor_ids)
    ]
    rows = [
        {
            "state_id": None,
            "donor_id": None,
            "password_hash": password,
            "locale": "en",
            "active": True,
            "created_at": created,
            **row,
        }
        for row in admins + applicants + donors
    ]
    ids = insert(User, rows, returning=True)
    run.admin_ids = ids[: len(admins)]
    for row, uid in zip(rows, ids, strict=True):
        if row["role"] == "applicant":
            run.applicant_of[row["state_id"]] = uid
    run.counts["users"] = len(rows)
