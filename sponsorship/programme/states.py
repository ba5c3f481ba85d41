"""Loading the reference list of States, with names in the working languages."""

from __future__ import annotations

import csv
import gettext
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import pycountry
from flask_babel import gettext as _
from sqlalchemy import select

from sponsorship.core.audit import record
from sponsorship.core.errors import DomainError
from sponsorship.core.transaction import unit_of_work
from sponsorship.extensions import db
from sponsorship.models import ConventionStatus, RegionalGroup, State, User

#: Shipped copy of ../shared/data/apmbc_states.csv; SOURCES.md beside it names its sources.
DEFAULT_CSV = Path(__file__).resolve().parent.parent / "data" / "apmbc_states.csv"

REGIONS = {
    "African": RegionalGroup.AFRICAN,
    "Asia-Pacific": RegionalGroup.ASIA_PACIFIC,
    "Eastern European": RegionalGroup.EASTERN_EUROPEAN,
    "Latin American and Caribbean": RegionalGroup.LATIN_AMERICAN_CARIBBEAN,
    "Western European and Others": RegionalGroup.WESTERN_EUROPEAN_OTHERS,
    "": RegionalGroup.NONE,
}


@dataclass(frozen=True)
class LoadResult:
    created: int
    updated: int
    unchanged: int


def _bool(value: str) -> bool:
    return value.strip().lower() == "true"


def _date(value: str) -> date | None:
    return date.fromisoformat(value) if value.strip() else None


def _translations() -> dict[str, gettext.NullTranslations]:
    return {
        lang: gettext.translation(
            "iso3166-1", pycountry.LOCALES_DIR, languages=[lang], fallback=True
        )
        for lang in ("fr", "es")
    }


def _row_values(row: dict[str, str], names: dict[str, gettext.NullTranslations]) -> dict:
    country = pycountry.countries.get(alpha_3=row["iso3"])
    iso_name = country.name if country else None
    return {
        "iso2": country.alpha_2 if country else None,
        "name": row["name"],
        # pycountry translates its own English names; our English name is the UN's.
        "name_fr": names["fr"].gettext(iso_name) if iso_name else None,
        "name_es": names["es"].gettext(iso_name) if iso_name else None,
        "regional_group": REGIONS[row["un_regional_group"].strip()],
        "convention_status": ConventionStatus(row["apmbc_status"]),
        "entry_into_force": _date(row["apmbc_entry_into_force"]),
        "article5_deadline": _date(row["article5_deadline"]),
        "article4_stockpile_pending": _bool(row["article4_stockpile_pending"]),
        "significant_survivors": _bool(row["significant_survivors"]),
        "ldc": _bool(row["ldc"]),
        "oda_eligible": _bool(row["oda_eligible"]),
    }


def load_states(path: Path = DEFAULT_CSV, actor: User | None = None) -> LoadResult:
    """Create or update every State in the CSV, keyed by ISO alpha-3; never duplicates."""
    with unit_of_work():
        names = _translations()
        existing = {s.iso3: s for s in db.session.scalars(select(State))}
        created = updated = unchanged = 0
        with path.open(newline="", encoding="utf-8") as handle:
            for row in csv.DictReader(handle):
                values = _row_values(row, names)
                state = existing.get(row["iso3"])
                if state is None:
                    db.session.add(State(iso3=row["iso3"], **values))
                    created += 1
                    continue
                changes = {k: v for k, v in values.items() if getattr(state, k) != v}
                if not changes:
                    unchanged += 1
                    continue
                before = {k: getattr(state, k) for k in changes}
                for key, value in changes.items():
                    setattr(state, key, value)
                record(actor, "state.reference_update", state, before=before, after=changes)
                updated += 1
    return LoadResult(created, updated, unchanged)


#: What administrators edit on a State: its standing under the Convention, which
#: drives the priority score. Names and codes come from the reference list.
EDITABLE = (
    "convention_status",
    "entry_into_force",
    "article5_deadline",
    "article5_extension_pending",
    "article4_stockpile_pending",
    "significant_survivors",
    "ldc",
    "oda_eligible",
    "mission_address",
)


def update_state(actor: User, state: State, **changes) -> dict:
    """Change a State's Convention status and obligations; audited. Returns the changes."""
    with unit_of_work():
        unknown = changes.keys() - set(EDITABLE)
        if unknown:
            raise DomainError(
                _("These fields cannot be edited: %(names)s", names=", ".join(unknown))
            )
        status = ConventionStatus(changes.get("convention_status", state.convention_status))
        entry = changes.get("entry_into_force", state.entry_into_force)
        if status == ConventionStatus.STATE_PARTY and entry is None:
            raise DomainError(_("A State Party needs its entry-into-force date."))
        if status in (ConventionStatus.SIGNATORY, ConventionStatus.NOT_PARTY) and entry is not None:
            raise DomainError(_("Only a State Party has an entry-into-force date."))
        changed = {k: v for k, v in changes.items() if getattr(state, k) != v}
        if changed:
            before = {k: getattr(state, k) for k in changed}
            for key, value in changed.items():
                setattr(state, key, value)
            record(actor, "state.update", state, before=before, after=changed)
    return changed
