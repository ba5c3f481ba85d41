"""Donor and programme report pages and their CSV exports."""

from __future__ import annotations

import csv
import io

from sponsorship.services.demo import DEMO_PASSWORD
from tests.factories import ContributionFactory, UserFactory


def _demo(runner):
    result = runner.invoke(args=["seed-demo"])
    assert result.exit_code == 0, result.output


def test_donor_sees_its_money_charts_and_awards(db, client, auth, runner):
    _demo(runner)
    auth.login("donor@demo.test", DEMO_PASSWORD)
    page = client.get("/donor/").get_data(as_text=True)
    assert "Norway" in page
    assert page.count('role="img"') == 6
    assert "<title>" in page
    assert "What your money paid for" in page
    assert "@" not in page.split("<main", 1)[-1].split("</main>")[0].replace("donor@demo.test", "")


def test_donor_csv_has_only_its_own_awards(db, client, auth, runner):
    _demo(runner)
    other = UserFactory(donor_rep=True, email="other-donor@example.org")
    ContributionFactory(donor=other.donor, reference="OTHER-ONLY")
    db.session.commit()
    auth.login("donor@demo.test", DEMO_PASSWORD)
    response = client.get("/donor/report.csv")
    assert response.mimetype == "text/csv"
    rows = list(csv.reader(io.StringIO(response.get_data(as_text=True))))
    assert rows[0] == ["section", "key", "label", "delegates", "amount"]
    assert any(r[0] == "award" for r in rows)
    auth.logout()
    auth.login(other.email)
    rows = list(csv.reader(io.StringIO(client.get("/donor/report.csv").get_data(as_text=True))))
    assert not any(r[0] == "award" for r in rows)


def test_donor_queries_stay_fixed(db, client, auth, runner, count_queries):
    _demo(runner)
    auth.login("donor@demo.test", DEMO_PASSWORD)
    with count_queries() as counter:
        assert client.get("/donor/").status_code == 200
    assert counter.count <= 25


def test_programme_report_page_and_csv(db, client, auth, runner):
    _demo(runner)
    auth.login("admin@demo.test", DEMO_PASSWORD)
    page = client.get("/admin/reports/")
    assert page.status_code == 200
    assert 'role="img"' in page.get_data(as_text=True)
    rows = list(
        csv.reader(io.StringIO(client.get("/admin/reports/programme.csv").get_data(as_text=True)))
    )
    assert rows[0][:4] == ["level", "key", "label", "year"]
    assert {r[0] for r in rows[1:]} == {"meeting", "year"}
