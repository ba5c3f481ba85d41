"""One sample award letter context, for the letter tests and the letter benchmark."""

from __future__ import annotations

from sponsorship.documents.context import CostLine, LetterContext


def sample_context(**overrides) -> LetterContext:
    """A one-page letter with every part of the layout; `overrides` replace fields."""
    values = dict(
        reference="SP-2026-MSP22-0007",
        version=1,
        language="en",
        issue_date="2026-11-02",
        state_name="Cambodia",
        addressee="Permanent Mission of the Kingdom of Cambodia",
        address_lines=("Chemin Taverney 3", "1218 Le Grand-Saconnex", "Switzerland"),
        delegate_name="Sokha Chenda Lim",
        delegate_function="Deputy Director, Cambodian Mine Action Centre",
        meeting_title="Twenty-Second Meeting of the States Parties",
        meeting_start="2026-12-01",
        meeting_end="2026-12-05",
        venue="Palais des Nations",
        city="Geneva",
        departure_city="Phnom Penh",
        currency="CHF",
        cost_lines=(
            CostLine("airfare", "Phnom Penh - Geneva - Phnom Penh", "1", "1850.00", "1850.00"),
            CostLine("dsa", "", "5", "412.00", "2060.00"),
            CostLine("terminal", "", "1", "142.00", "142.00"),
            CostLine("visa", "Schengen visa", "1", "80.00", "80.00"),
        ),
        total="4132.00",
        dsa_nights=5,
        dsa_rate="412.00",
        terminal_expenses="142.00",
        visa_covered=True,
        report_due_days=30,
        answer_deadline="2026-11-16",
        answer_url="https://sponsorship.example.org/offers/7/answer",
        verification_code="K7Q2-M9XD",
        verification_url="https://sponsorship.example.org/verify/K7Q2-M9XD",
        signatory_name="Jane Doe",
        signatory_title="Sponsorship Programme Officer",
    )
    values.update(overrides)
    return LetterContext(**values)
