"""Test data for the applicant journey: PDFs good and bad, complete form posts, offers."""

from __future__ import annotations

import io
from datetime import date, timedelta

from pypdf import PdfWriter

from sponsorship.models import (
    Application,
    ApplicationStatus,
    Award,
    AwardStatus,
    Letter,
    Meeting,
)
from sponsorship.models.base import utcnow
from tests.factories import ApplicationFactory, AwardFactory, DelegateFactory, MeetingFactory


def pdf_bytes(pages: int = 1) -> bytes:
    writer = PdfWriter()
    for _ in range(pages):
        writer.add_blank_page(width=595, height=842)
    buffer = io.BytesIO()
    writer.write(buffer)
    return buffer.getvalue()


def handmade_pdf(catalog_extra: bytes = b"", action: bytes | None = None) -> bytes:
    """A minimal one-page PDF written byte by byte, with a correct cross-reference table."""
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R " + catalog_extra + b">>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] >>",
    ]
    if action is not None:
        objects.append(action)
    out = bytearray(b"%PDF-1.7\n")
    offsets = []
    for number, body in enumerate(objects, 1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    for offset in offsets:
        out += b"%010d 00000 n \n" % offset
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (
        len(objects) + 1,
        xref,
    )
    return bytes(out)


def pdf_with_javascript() -> bytes:
    return handmade_pdf(b"/OpenAction 4 0 R ", b"<< /S /JavaScript /JS (app.alert(1)) >>")


def pdf_with_disguised_javascript() -> bytes:
    """/Java#53cript is /JavaScript to a PDF reader: a byte scan alone would miss it."""
    return handmade_pdf(b"/OpenAction 4 0 R ", b"<< /S /Java#53cript /J#53 (app.alert(1)) >>")


#: Starts as a PDF and parses as one, but a browser sniffing it would render HTML.
def html_polyglot() -> bytes:
    good = pdf_bytes()
    head, _, rest = good.partition(b"\n")
    return head + b"\n%<html><body><script>alert(document.cookie)</script></body></html>\n" + rest


FAKE_PDF = b"%PDF-1.4\nThis is not really a PDF, just text that starts like one.\n%%EOF\n"
HTML_AS_PDF = b"<!doctype html><html><body><script>alert(1)</script></body></html>"


def delegate_fields(index: int = 0, meeting: Meeting | None = None, **overrides) -> dict:
    expiry = (meeting.ends_on if meeting else date.today()) + timedelta(days=400)
    values = {
        "name": f"Achta Mahamat {index}",
        "gender": "female",
        "function": "Coordinator",
        "organisation": "Haut-Commissariat au Déminage",
        "email": f"achta{index}@example.org",
        "phone": "+235 22 00 00 00",
        "nationality": "TCD",
        "passport_number": f"P00{index}1234",
        "passport_expiry": expiry.isoformat(),
        "departure_city": "N'Djamena",
        "first_time": "y",
        "accessibility_needs": "",
    }
    values.update(overrides)
    return {f"delegates-{index}-{k}": v for k, v in values.items() if v is not None}


def application_fields(meeting: Meeting, delegates: int = 1, action: str = "submit", **overrides):
    data = {
        "sessions": [str(meeting.sessions[0].id)],
        "statement_planned": "y",
        "national_role": "Article 5 update",
        "language": "en",
        "consent_personal_data": "y",
        "action": action,
    }
    for i in range(delegates):
        data.update(delegate_fields(i, meeting))
    data.update(overrides)
    return {k: v for k, v in data.items() if v is not None}


def offered_award(
    state,
    *,
    deadline: date | None = None,
    meeting: Meeting | None = None,
    name: str = "Idriss Abakar",
) -> Award:
    """An award offered to a delegate of `state`, as the administrators' workflow leaves it."""
    meeting = meeting or MeetingFactory(window_open=False)
    application = ApplicationFactory(
        meeting=meeting, state=state, status=ApplicationStatus.IN_REVIEW, language="en"
    )
    delegate = DelegateFactory(application=application, name=name)
    award = AwardFactory(
        delegate=delegate,
        status=AwardStatus.OFFERED,
        offered_at=utcnow(),
        offer_deadline=deadline or date.today() + timedelta(days=10),
    )
    return award


def stub_letter(award: Award, code: str, pdf: bytes = b"%PDF-1.7") -> Letter:
    """A first-version English letter for `award` with placeholder bytes, not rendered,
    stored as an issued one is (the caller adds it to the session)."""
    from sponsorship.documents.letters import keep_pdf

    digest, key = keep_pdf(pdf)
    return Letter(
        award=award,
        version=1,
        language="en",
        sha256=digest,
        file_key=key,
        snapshot={},
        verification_code=code,
    )


def accepted_award_after_meeting(
    state, *, meeting: Meeting | None = None, name: str = "Sokha Chan"
) -> Award:
    """An accepted award for a meeting that has ended (by default yesterday): its report
    is due."""
    if meeting is None:
        ended = date.today() - timedelta(days=1)
        meeting = MeetingFactory(
            window_open=False,
            starts_on=ended - timedelta(days=3),
            ends_on=ended,
            applications_open_on=ended - timedelta(days=120),
            applications_close_on=ended - timedelta(days=60),
        )
    application: Application = ApplicationFactory(
        meeting=meeting, state=state, status=ApplicationStatus.DECIDED
    )
    delegate = DelegateFactory(application=application, name=name)
    return AwardFactory(
        delegate=delegate,
        status=AwardStatus.ACCEPTED,
        offer_deadline=meeting.ends_on - timedelta(days=30),
        confirmed_departure_city="N'Djamena",
        travel_out_on=meeting.starts_on - timedelta(days=1),
        travel_back_on=meeting.ends_on + timedelta(days=1),
    )
