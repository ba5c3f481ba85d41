"""The donor's view (issue 23): cards that equal the reports' figures, a map that colours
the States the money reached, charts that never cut a label, readable exports."""

from __future__ import annotations

import csv
import html
import io
import re
from decimal import Decimal

import pytest
from openpyxl import load_workbook
from sqlalchemy import select

from sponsorship.devdata.demo import DEMO_PASSWORD
from sponsorship.models import Award, DelegateReport, Donor, Gender
from sponsorship.reporting import charts, worldmap
from sponsorship.reporting import donor as reports_donor
from sponsorship.reporting import programme as reports_programme
from tests.exports import download


@pytest.fixture
def demo_donor(db, client, auth, runner):
    result = runner.invoke(args=["seed-demo"])
    assert result.exit_code == 0, result.output
    auth.login("donor@demo.test", DEMO_PASSWORD)
    return db.session.scalar(select(Donor).where(Donor.name == "Norway"))


def _card(page: str, card_id: str) -> str:
    """The figure on one headline card, as the page writes it."""
    found = re.search(rf'id="{card_id}">\s*<span class="stat-value">([^<]*)</span>', page)
    assert found, card_id
    return found.group(1)


def _chf(value: Decimal) -> str:
    return f"CHF{value:,.2f}"


def test_cards_equal_the_donor_report_and_the_programme_report(db, client, demo_donor):
    """Rule: a donor can trust every figure: each card is the report's own figure, and
    the money used equals the donor's share in the programme report."""
    page = client.get("/donor/").get_data(as_text=True)
    report = reports_donor.donor_report(demo_donor)
    awards = db.session.scalars(
        select(Award).where(Award.reference.in_([a.reference for a in report.awards]))
    ).all()
    programme_share = sum(
        (ln.donors.get("Norway", Decimal(0)) for ln in reports_programme.lines("meeting")),
        Decimal(0),
    )
    used = report.totals.committed + report.totals.spent
    assert used == programme_share
    assert _card(page, "card-received") == _chf(report.totals.received)
    assert _card(page, "card-used") == _chf(used)
    assert _card(page, "card-people") == str(len({a.delegate_id for a in awards}))
    assert _card(page, "card-states") == str(len({a.state for a in report.awards}))
    women = sum(1 for a in awards if a.delegate.gender == Gender.FEMALE)
    assert _card(page, "card-women") == str(women)
    assert _card(page, "card-first") == str(sum(1 for a in awards if a.delegate.first_time))
    reports = db.session.scalars(
        select(DelegateReport).where(DelegateReport.award_id.in_([a.id for a in awards]))
    ).all()
    assert _card(page, "card-reports") == str(len(reports))
    statements = sum(1 for r in reports if r.statement_delivered)
    assert statements  # the demo's reports say statements were delivered
    assert _card(page, "card-statements") == str(statements) == str(report.outcomes.statements)


def test_quotes_only_with_the_states_consent(client, demo_donor):
    """Rule: a delegate's words reach a donor only where the State agreed, never a name."""
    page = client.get("/donor/").get_data(as_text=True)
    assert "For the first time Chad spoke" in page  # consented
    assert "Statement on Casamance" not in page  # not consented
    assert "Achta Mahamat" not in page.split('id="quotes-title"', 1)[1].split("</section>")[0]


def test_map_colours_exactly_the_states_reached(client, demo_donor):
    """Rule: the map colours the States the donor's money reached, and no other."""
    page = client.get("/donor/").get_data(as_text=True)
    coloured = set(re.findall(rf'id="map-([a-z]{{2}})" d="[^"]*" fill="{worldmap.REACHED}"', page))
    report = reports_donor.donor_report(demo_donor)
    assert coloured == {"td", "sn", "so", "co"}
    assert len(coloured) == len({a.state for a in report.awards})


def _state_rows(page: str, section: str) -> list[str]:
    """The States named in the first table after the heading `section`."""
    table = page.split(section, 1)[1].split("</table>", 1)[0]
    return [html.unescape(name) for name in re.findall(r'<th scope="row">([^<]*)</th>', table)]


def test_dashboard_lists_the_states_reached_most_and_links_to_them_all(
    client, demo_donor, monkeypatch
):
    """Rule: beside the map, the States the most money reached, and a link to a page
    that lists every State reached, the most money first (nothing is unreachable)."""
    from sponsorship.reporting import donor_views

    report = reports_donor.donor_report(demo_donor)
    states = sorted(report.breakdowns["state"], key=lambda r: (-r.amount, r.label))
    assert len(states) == 4  # all four fit beside the map at the real STATES_SHOWN
    monkeypatch.setattr(donor_views, "STATES_SHOWN", 2)
    page = client.get("/donor/").get_data(as_text=True)
    assert _state_rows(page, 'id="map-title"') == [r.label for r in states[:2]]
    assert 'href="/donor/states">4 States reached</a>' in page
    every = client.get("/donor/states")
    assert every.status_code == 200
    listed = _state_rows(every.get_data(as_text=True), "<table")
    assert listed == [r.label for r in states]


def test_world_map_marks_small_states_and_keeps_every_country():
    drawn = str(worldmap.world_map({"SG", "fr"}, "<Map>"))
    assert "&lt;Map&gt;" in drawn
    assert drawn.count("<path ") == len(worldmap.countries()) > 200
    assert 'id="map-fr" d="' in drawn and re.search(r'id="map-fr" d="[^"]*" fill=', drawn)
    assert not re.search(r'id="map-de" d="[^"]*" fill=', drawn)
    assert drawn.count("<circle") == 1  # Singapore is too small to see: a dot marks it


@pytest.mark.parametrize(
    "label",
    [
        "Twenty-Second Meeting of the States Parties to the Convention on the Prohibition",
        "Latin American and Caribbean Group",
        "Groupe des États d'Amérique latine et des Caraïbes",
        "Supercalifragilisticexpialidociouslylongwordwithoutanyspaceatallinit",
    ],
)
def test_chart_labels_are_never_cut(label):
    """Rule: a chart shows its labels in full ("enty-Second Meeting of the" was cut)."""
    for svg in (
        charts.bar_chart("t", [(label, 3), ("x", 1)]),
        charts.column_chart("t", [(label, 3), ("2026", 1)]),
    ):
        width = int(re.search(r'viewBox="0 0 (\d+) ', str(svg)).group(1))
        texts = re.findall(r"<text [^>]*>(.*?)</text>", str(svg))
        lines = [
            [html.unescape(line) for line in re.findall(r"<tspan[^>]*>(.*?)</tspan>", t)]
            for t in texts
        ]
        joined = ["".join(parts) for parts in lines]
        assert label.replace(" ", "") in [j.replace(" ", "") for j in joined]
        longest = max(len(line) for parts in lines for line in parts)
        assert longest * charts.CHAR_WIDTH <= width


def test_donor_csv_in_french_has_one_column_per_field(db, client, demo_donor):
    """Rule: exports are readable: headers in the reader's language, yes/no as words,
    amounts as numbers with the currency in its own column."""
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "fr"
    response = download(client, "/donor/report.csv")
    rows = list(csv.reader(io.StringIO(response.data.decode("utf-8-sig"))))
    header = rows[0]
    assert header[:3] == ["Référence", "État", "Code ISO"]
    assert header[-2:] == ["Montant", "Monnaie"]
    report = reports_donor.donor_report(demo_donor)
    assert len(rows) == 1 + len(report.awards)
    first = header.index("Première participation")
    assert {r[first] for r in rows[1:]} <= {"Oui", "Non"}
    assert "True" not in response.data.decode() and "False" not in response.data.decode()
    amounts = {r[0]: Decimal(r[-2]) for r in rows[1:]}
    assert amounts == {a.reference: a.amount for a in report.awards}
    assert {r[-1] for r in rows[1:]} == {"CHF"}
    assert all(" | " not in cell for r in rows for cell in r)


def test_donor_xlsx_in_spanish_types_its_cells(client, demo_donor):
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "es"
    wb = load_workbook(io.BytesIO(download(client, "/donor/report.xlsx").data))
    assert wb.sheetnames[0] == "Becas"
    awards = list(wb["Becas"].iter_rows(values_only=True))
    assert awards[0][-2:] == ("Importe", "Moneda")
    assert all(isinstance(r[-2], float | int) and r[-1] == "CHF" for r in awards[1:])
    assert {r[6] for r in awards[1:]} <= {"Sí", "No"}


def test_glossary_defines_the_programmes_terms(client):
    page = client.get("/glossary").get_data(as_text=True)
    for anchor in ("dsa", "oda", "earmark", "available", "used", "article5"):
        assert f'id="{anchor}"' in page
    assert '<abbr title="Daily subsistence allowance">DSA</abbr>' in page
    assert '<abbr title="Official development assistance">ODA</abbr>' in page


def test_trend_of_many_years_names_only_the_years_that_fit_the_latest_always():
    """Rule: with twenty years the columns are narrower than "2007"; the chart writes
    every other year (counting back from the latest) instead of running them together,
    and every column is still drawn."""
    years = [(str(year), year - 2000) for year in range(2007, 2027)]

    svg = str(charts.column_chart("t", years))

    assert svg.count("<rect") == len(years)
    named = re.findall(r"<tspan[^>]*>(\d{4})</tspan>", svg)
    assert named[-1] == "2026"
    assert named == [str(year) for year in range(2028 - 2 * len(named), 2027, 2)]
    few = str(charts.column_chart("t", years[-5:]))
    assert re.findall(r"<tspan[^>]*>(\d{4})</tspan>", few) == [y for y, _ in years[-5:]]


def test_trend_of_no_year_is_an_empty_chart():
    svg = str(charts.column_chart("t", []))

    assert svg.count("<rect") == 0 and "<title>t</title>" in svg


def test_quotes_are_the_latest_consented_reports_on_the_donors_own_awards(db):
    """Rule: at most QUOTES_SHOWN quotes, the latest reports first; only reports whose
    State agreed and which say something, on awards the donor's money holds."""
    from datetime import UTC, datetime, timedelta

    from sponsorship.funding import ledger
    from sponsorship.reporting import donor_highlights
    from tests.factories import ContributionFactory, UserFactory
    from tests.unit.test_ledger import award_for

    admin = UserFactory()
    start = datetime(2026, 1, 1, tzinfo=UTC)

    def reported(award, comments, consent, day):
        db.session.add(
            DelegateReport(
                award=award,
                comments=comments,
                quote_consent=consent,
                submitted_at=start + timedelta(days=day),
            )
        )

    # Another donor's delegate, quotable, the latest of all: its money alone pays it.
    other = UserFactory(donor_rep=True).donor
    ContributionFactory(donor=other, amount=Decimal("1000.00"))
    theirs = award_for("1000.00")
    ledger.allocate(theirs, admin)
    reported(theirs, "Not yours", True, 30)
    donor = UserFactory(donor_rep=True).donor
    ContributionFactory(donor=donor, amount=Decimal("100000.00"))
    said = {}
    for n in range(7):
        award = award_for("1000.00")
        ledger.allocate(award, admin)
        said[n] = None if n == 6 else f"Said at meeting {n}"
        reported(award, said[n], n != 5, n)  # 5: no consent; 6: nothing said
    db.session.commit()

    report = reports_donor.donor_report(donor)
    shown = [q.text for q in donor_highlights.quotes(report.quoted)]
    assert shown == [said[4], said[3], said[2], said[1]]
    assert len(shown) == reports_donor.QUOTES_SHOWN
