"""Donor and programme report pages and their CSV exports."""

from __future__ import annotations

import csv
import html
import io
import re
from decimal import Decimal

from sqlalchemy import select

from sponsorship.devdata.demo import DEMO_PASSWORD
from sponsorship.funding import ledger
from sponsorship.models import Award
from tests.exports import download
from tests.factories import ContributionFactory, MeetingFactory, UserFactory


def _demo(runner):
    result = runner.invoke(args=["seed-demo"])
    assert result.exit_code == 0, result.output


def test_donor_sees_its_money_charts_and_awards(db, client, auth, runner):
    _demo(runner)
    auth.login("donor@demo.test", DEMO_PASSWORD)
    page = client.get("/donor/").get_data(as_text=True)
    assert "Norway" in page
    # The overview draws the trend and the map, each an image with its table beside it.
    assert page.count('role="img"') == 2
    assert "<title>" in page
    assert "What your money paid for" in page
    assert 'href="/donor/breakdowns"' in page and 'href="/donor/awards"' in page
    # The four breakdowns have their page, each chart with its table.
    breakdowns = client.get("/donor/breakdowns").get_data(as_text=True)
    assert breakdowns.count('role="img"') == 4
    assert "By theme" in breakdowns and "The programme in aggregate" in breakdowns
    for body in (page, breakdowns, client.get("/donor/awards").get_data(as_text=True)):
        main = body.split("<main", 1)[-1].split("</main>")[0]
        assert "@" not in main.replace("donor@demo.test", "")


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
    from sponsorship.reporting import charts as reports_charts
    from tests.factories import StateFactory
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


def _donor_with_awards(db, count: int):
    """A donor whose money funds `count` awards, one per meeting, a day apart."""
    from datetime import date, timedelta

    from tests.unit.test_ledger import award_for

    user = UserFactory(donor_rep=True)
    ContributionFactory(donor=user.donor, amount=Decimal("1000000.00"))
    admin = UserFactory()
    for n in range(count):
        meeting = MeetingFactory(starts_on=date(2026, 1, 1) + timedelta(days=n))
        ledger.allocate(award_for("1000.00", meeting=meeting), admin)
    db.session.commit()
    return user


def test_donor_awards_page_lists_every_award_once_latest_first(db, client, auth, monkeypatch):
    from sponsorship.reporting import donor_views

    monkeypatch.setattr(donor_views, "AWARDS_PER_PAGE", 5)
    monkeypatch.setattr(donor_views, "AWARDS_SHOWN", 3)
    user = _donor_with_awards(db, 12)
    auth.login(user.email)
    refs = []
    for page in (1, 2, 3):
        body = client.get(f"/donor/awards?page={page}").get_data(as_text=True)
        assert f"Page {page} of 3" in body
        refs += re.findall(r'<td class="ref">([^<]+)</td>', body)
    assert len(refs) == len(set(refs)) == 12
    starts = {
        a.reference: a.delegate.application.meeting.starts_on
        for a in db.session.scalars(select(Award))
    }
    assert [starts[r] for r in refs] == sorted(starts.values(), reverse=True)
    # Past the last page, or not a page number: the last page, and the first.
    assert "Page 3 of 3" in client.get("/donor/awards?page=40").get_data(as_text=True)
    assert "Page 1 of 3" in client.get("/donor/awards?page=x").get_data(as_text=True)
    # The dashboard lists the latest three and links to the page of them all.
    page = client.get("/donor/").get_data(as_text=True)
    shown = page.split('id="awards-title"', 1)[1]
    assert re.findall(r'<td class="ref">([^<]+)</td>', shown) == refs[:3]
    assert "The latest 3 of 12 awards." in shown and 'href="/donor/awards"' in shown


def test_donor_awards_page_of_a_donor_with_none_is_empty(db, client, auth):
    user = UserFactory(donor_rep=True)
    db.session.commit()
    auth.login(user.email)
    body = client.get("/donor/awards?page=7").get_data(as_text=True)
    assert "Nothing funded yet." in body and "Page " not in body
