"""The donors of generated data, for the demo and the scale data alike."""

from __future__ import annotations

from decimal import Decimal
from typing import NamedTuple

D = Decimal


class DonorSpec(NamedTuple):
    name: str
    short_name: str
    #: ISO alpha-3 of a donor State; None for an organisation.
    iso3: str | None
    #: The currency it gives in, and the units of CHF per unit around 2025.
    currency: str
    rate: Decimal


DONORS = [
    DonorSpec("Switzerland", "CH", "CHE", "CHF", D("1")),
    DonorSpec("Norway", "NO", "NOR", "NOK", D("0.0792")),
    DonorSpec("Germany", "DE", "DEU", "EUR", D("0.9381")),
    DonorSpec("Australia", "AU", "AUS", "AUD", D("0.5227")),
    DonorSpec("Netherlands", "NL", "NLD", "EUR", D("0.9381")),
    DonorSpec("Canada", "CA", "CAN", "CAD", D("0.6120")),
    DonorSpec("Austria", "AT", "AUT", "EUR", D("0.9381")),
    DonorSpec("Belgium", "BE", "BEL", "EUR", D("0.9381")),
    DonorSpec("Ireland", "IE", "IRL", "EUR", D("0.9381")),
    DonorSpec("Italy", "IT", "ITA", "EUR", D("0.9381")),
    DonorSpec("Japan", "JP", "JPN", "JPY", D("0.0056")),
    DonorSpec("New Zealand", "NZ", "NZL", "NZD", D("0.4810")),
    DonorSpec("Sweden", "SE", "SWE", "SEK", D("0.0815")),
    DonorSpec("Denmark", "DK", "DNK", "DKK", D("0.1257")),
    DonorSpec("Finland", "FI", "FIN", "EUR", D("0.9381")),
    DonorSpec("France", "FR", "FRA", "EUR", D("0.9381")),
    DonorSpec("Spain", "ES", "ESP", "EUR", D("0.9381")),
    DonorSpec("United Kingdom", "GB", "GBR", "GBP", D("1.0830")),
    DonorSpec("Luxembourg", "LU", "LUX", "EUR", D("0.9381")),
    DonorSpec("Slovenia", "SI", "SVN", "EUR", D("0.9381")),
    DonorSpec("Chile", "CL", "CHL", "USD", D("0.8845")),
    DonorSpec("Mexico", "MX", "MEX", "USD", D("0.8845")),
    DonorSpec("Qatar", "QA", "QAT", "USD", D("0.8845")),
    DonorSpec("Thailand", "TH", "THA", "USD", D("0.8845")),
    DonorSpec("European Union", "EU", None, "EUR", D("0.9381")),
]
BY_SHORT_NAME = {d.short_name: d for d in DONORS}


def org_identifier(donor: DonorSpec) -> str:
    """An IATI-style organisation identifier (the DAC prefix and the donor's code)."""
    return f"XM-DAC-{donor.iso3 or donor.short_name}"
