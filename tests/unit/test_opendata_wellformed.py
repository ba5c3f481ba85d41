"""The IATI files are well-formed XML whatever is stored: a donor's organisation
identifier or name holding control characters (saved before the form refused them, or
through another path) is written as U+FFFD instead of breaking the whole file."""

from __future__ import annotations

import pytest
from lxml import etree

from sponsorship.reporting import opendata as reports_opendata
from tests.report_data import generated_programme

HOSTILE = ["XM-DAC-\x01", "XM\x0bDAC", "XM-DAC-\ufffe", "XM-DAC-\uffff\x1f"]


@pytest.mark.parametrize("bad", HOSTILE)
def test_iati_files_stay_well_formed_with_control_characters_stored(db, bad):
    made = generated_programme(seed=5)
    donor = made["donors"][1]
    donor.org_identifier = bad
    donor.name = f"Donor {bad}"
    made["meetings"][0].title = f"Meeting {bad}"
    db.session.commit()
    for scope in (None, donor.id):
        root = etree.fromstring(reports_opendata.iati_activities(scope))
        refs = root.xpath("//participating-org/@ref")
        assert any("\ufffd" in ref for ref in refs)


def test_a_nul_stored_on_sqlite_is_replaced_too(db):
    if db.engine.dialect.name != "sqlite":
        pytest.skip("PostgreSQL cannot store NUL in text")
    made = generated_programme(seed=5)
    made["donors"][1].org_identifier = "XM-DAC-\x00"
    db.session.commit()
    etree.fromstring(reports_opendata.iati_activities())


def test_the_360giving_file_stays_valid_json(db):
    import json

    made = generated_programme(seed=5)
    made["donors"][1].org_identifier = "XM-DAC-\x01\ufffe"
    db.session.commit()
    json.loads(reports_opendata.threesixty_giving_json())
