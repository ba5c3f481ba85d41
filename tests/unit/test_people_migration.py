"""The migration that brings people in links the delegates already there by the same
rule as live work: a programme upgraded mid-life counts its people at once."""

from __future__ import annotations

import os

from flask_migrate import downgrade, upgrade
from sqlalchemy import text

from sponsorship.extensions import db
from tests.apps import build_app

BEFORE = "e4b9a2c7d1f3"  # the migration just before the people one


def test_upgrade_links_existing_delegates_by_passport_then_email(tmp_path):
    # Its own database (it is emptied): SQLite, or MIGRATION_DATABASE_URL when given.
    url = os.environ.get("MIGRATION_DATABASE_URL") or f"sqlite:///{tmp_path / 'm.db'}"
    app = build_app(url, reset=True)
    with app.app_context():
        downgrade(revision=BEFORE)
        run = db.session.execute
        state = run(text("SELECT id FROM states ORDER BY id LIMIT 1")).scalar()
        for n, (status, meeting) in enumerate((("submitted", 1), ("submitted", 2), ("draft", 3))):
            run(
                text(
                    "INSERT INTO meetings (id, kind, title, venue, city, starts_on, ends_on,"
                    " applications_open_on, applications_close_on, window_open,"
                    " offer_response_days, dsa_rate, dsa_currency, terminal_expenses,"
                    " delegate_cap, report_due_days) VALUES (:id, 'msp', :t, 'v', 'c',"
                    " '2020-01-01', '2020-01-02', '2019-10-01', '2019-11-01', FALSE, 14, 0, 'CHF',"
                    " 0, 2, 30)"
                ),
                {"id": meeting, "t": f"M{n}"},
            )
            run(
                text(
                    "INSERT INTO applications (id, meeting_id, state_id, status, language,"
                    " statement_planned, presentation_planned, consent_personal_data, created_at)"
                    " VALUES (:id, :m, :s, :st, 'en', FALSE, FALSE, TRUE, '2020-01-01')"
                ),
                {"id": meeting, "m": meeting, "s": state, "st": status},
            )
        rows = [
            (1, 1, "A", "a@x.org", "P-1"),
            (2, 2, "A again", "new@x.org", "p1"),  # same passport: same person
            (3, 2, "B", "mission@x.org", "P2"),
            (4, 1, "C", "mission@x.org", "P3"),  # shared address, other passport
            (5, 3, "Draft", "a@x.org", "P-1"),  # a draft is no participation yet
        ]
        for d, application, name, email, passport in rows:
            run(
                text(
                    "INSERT INTO delegates (id, application_id, position, name, gender, function,"
                    " organisation, email, nationality, passport_number, departure_city,"
                    " first_time, survivor) VALUES (:d, :a, 0, :n, 'female', '', '', :e, 'QQA',"
                    "  :p, '', FALSE, FALSE)"
                ),
                {"d": d, "a": application, "n": name, "e": email, "p": passport},
            )
        db.session.commit()
        upgrade()
        linked = dict(run(text("SELECT id, person_id FROM delegates ORDER BY id")).all())
        db.session.remove()
        db.engine.dispose()
    assert linked[1] == linked[2]
    assert len({linked[1], linked[3], linked[4]}) == 3
    assert linked[5] is None
