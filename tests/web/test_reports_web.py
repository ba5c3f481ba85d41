"""Donor and programme report pages and their CSV exports."""

from __future__ import annotations

import csv
import html
import io

from sponsorship.devdata.demo import DEMO_PASSWORD
from tests.exports import download
from tests.factories import ContributionFactory, UserFactory


def _demo(runner):
    result = runner.invoke(args=["seed-demo"])
    assert result.exit_code == 0, result.output


def test_donor_sees_its_money_charts_and_awards(db, client, auth, runner):
    _demo(runner)
    auth.login("donor@demo.test", DEMO_PASSWORD)
    page = client.get("/donor/").get_data(as_text=True)
    assert "Norway" in page
    # The trend, the map and four breakdowns: each an image with its table beside it.
    assert page.count('role="img"') == 6
    assert "By theme" in page
    assert "<title>" in page
    assert "What your money paid for" in page
    assert "@" not in page.split("<main", 1)[-1].split("</main>")[0].replace("donor@demo.test", "")


def test_donor_csv_has_only_its_own_awards(db, client, auth, runner):
    _demo(runner)
    other = UserFactory(donor_rep=True, email="other-donor@example.org")
    ContributionFactory(donor=other.donor, reference="OTHER-ONLY")
    db.session.commit()
    auth.login("donor@demo.test", DEMO_PASSWORD)
    response = download(client, "/donor/report.csv")
    assert response.mimetype == "text/csv"
    rows = list(csv.reader(io.StringIO(response.data.decode("utf-8-sig"))))
    assert rows[0][0] == "Reference"
    assert len(rows) > 1 and all(r[0].startswith("SP-") for r in rows[1:])
    auth.logout()
    auth.login(other.email)
    rows = list(
        csv.reader(io.StringIO(download(client, "/donor/report.csv").data.decode("utf-8-sig")))
    )
    assert len(rows) == 1  # the header alone: nothing of Norway's awards


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
        csv.reader(
            io.StringIO(download(client, "/admin/reports/programme.csv").get_data(as_text=True))
        )
    )
    assert rows[0][:4] == ["level", "key", "label", "year"]
    # Per meeting, per year, and the programme's people beside its participations.
    assert {r[0] for r in rows[1:]} == {"meeting", "year", "programme"}
    assert "people" in rows[0] and rows[-1][:3] == [
        "programme",
        "attended",
        "people and participations",
    ]


def test_donor_sees_its_contribution_and_not_another_donors(db, client, auth, runner):
    from sqlalchemy import select

    from sponsorship.models import Contribution

    _demo(runner)
    other = UserFactory(donor_rep=True, email="other-donor@example.org")
    theirs = ContributionFactory(donor=other.donor, reference="OTHER-ONLY")
    db.session.commit()
    mine = db.session.scalar(select(Contribution).where(Contribution.reference == "NO-2025-01"))
    auth.login("donor@demo.test", DEMO_PASSWORD)
    page = client.get(f"/donor/contributions/{mine.id}")
    assert page.status_code == 200
    text = page.get_data(as_text=True)
    assert "NO-2025-01" in text and "SP-2025-MSP22-" in text
    assert client.get("/donor/").get_data(as_text=True).count(f"/donor/contributions/{mine.id}")
    refused = client.get(f"/donor/contributions/{theirs.id}")
    assert refused.status_code == 404
    assert "OTHER-ONLY" not in refused.get_data(as_text=True)


def test_open_data_downloads_are_scoped(db, client, auth, runner):
    import json

    from lxml import etree

    _demo(runner)
    auth.login("donor@demo.test", DEMO_PASSWORD)
    grants = download(client, "/donor/report.360giving.json")
    assert grants.mimetype == "application/json"
    assert "attachment" in grants.headers["Content-Disposition"]
    package = json.loads(grants.data)
    assert package["grants"]
    assert {o["name"] for g in package["grants"] for o in g["fundingOrganization"]} == {"Norway"}
    iati = download(client, "/donor/report.iati.xml")
    assert iati.mimetype == "application/xml"
    names = {n.text for n in etree.fromstring(iati.data).iter("narrative")}
    assert "Norway" in names and "Switzerland" not in names
    auth.logout()
    auth.login("admin@demo.test", DEMO_PASSWORD)
    package = json.loads(download(client, "/admin/reports/programme.360giving.json").data)
    assert len({o["name"] for g in package["grants"] for o in g["fundingOrganization"]}) > 1
    doc = etree.fromstring(download(client, "/admin/reports/programme.iati.xml").data)
    assert doc.get("version") == "2.03"


def test_donor_pages_map_and_list_every_state_reached(db, client, auth):
    """A chart shows the largest values and the rest as one bar; the States are a map
    and a table instead: the dashboard's lists the States reached most and links to
    the page that names every State reached, as the CSV does."""
    from decimal import Decimal

    from sponsorship.funding import ledger
    from sponsorship.reporting import charts as reports_charts
    from tests.factories import MeetingFactory, StateFactory
    from tests.unit.test_ledger import award_for

    user = UserFactory(donor_rep=True)
    ContributionFactory(donor=user.donor, amount=Decimal("100000.00"))
    meeting, admin = MeetingFactory(), UserFactory()
    states = [StateFactory() for _ in range(reports_charts.MAX_BARS + 3)]
    for state in states:
        ledger.allocate(award_for("1000.00", meeting=meeting, state=state), admin)
    db.session.commit()
    auth.login(user.email)
    page = client.get("/donor/").get_data(as_text=True)
    region = page.split('id="map-title"', 1)[1].split("</section>", 1)[0]
    assert region.count("<tr>") == 1 + reports_charts.MAX_BARS
    assert f'href="/donor/states">{len(states)} States reached</a>' in region
    every = client.get("/donor/states").get_data(as_text=True)
    assert every.count("<tr>") == 1 + len(states)
    assert all(html.escape(s.name) in every for s in states)
    rows = list(
        csv.reader(io.StringIO(download(client, "/donor/report.csv").data.decode("utf-8-sig")))
    )
    assert {r[2] for r in rows[1:]} == {s.iso3 for s in states}
