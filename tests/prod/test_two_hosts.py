"""Two app hosts behind one address: two gunicorn instances on two ports, each with its
own local folder (UPLOAD_DIR, working files), one PostgreSQL, one Redis, one RQ worker.

Whatever one host stores or changes, the other serves at once: notes and prepared
reports are in the shared storage (the database backend here), the page caches go by
the data stamp, and sessions are signed cookies both hosts accept.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import re
import signal
import socket
import time

import pytest
import requests

from tests.mailserver import free_port
from tests.prod.conftest import BIN, PASSWORD, local_app, wait_for

CSRF_RE = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')


def _host(stack, name: str, tmp) -> str:
    """One more gunicorn, as another machine would run it: its own port and folder."""
    port = free_port()
    folder = tmp / name
    folder.mkdir()
    stack._start(
        name,
        [
            str(BIN / "gunicorn"),
            "-c",
            "python:sponsorship.gunicorn_conf",
            "sponsorship:create_app()",
        ],
        BIND=f"127.0.0.1:{port}",
        WEB_CONCURRENCY="2",
        UPLOAD_DIR=str(folder / "uploads"),
        TMPDIR=str(folder),
    )
    stack.base_url = f"http://127.0.0.1:{port}"
    stack.wait_healthy()
    return stack.base_url


@pytest.fixture
def hosts(stack, tmp_path):
    stack.worker()
    return _host(stack, "host-a", tmp_path), _host(stack, "host-b", tmp_path)


def _session(base: str, email: str) -> requests.Session:
    """A browser signed in through `base` (cookies go to both hosts: same address)."""
    browser = requests.Session()
    page = browser.get(base + "/login", timeout=30)
    token = CSRF_RE.search(page.text).group(1)
    answer = browser.post(
        base + "/login",
        data={"csrf_token": token, "email": email, "password": PASSWORD},
        allow_redirects=False,
        timeout=30,
    )
    assert answer.status_code == 302 and "/login" not in answer.headers["Location"]
    return browser


def _csrf(browser: requests.Session, url: str) -> str:
    return CSRF_RE.search(browser.get(url, timeout=30).text).group(1)


def _draft_with_note(browser, a: str, meeting_id: int, fields: dict, note: bytes) -> str:
    url = f"{a}/apply/meetings/{meeting_id}/apply"
    answer = browser.post(
        url,
        data={**fields, "csrf_token": _csrf(browser, url)},
        files={"note": ("Note verbale.pdf", note, "application/pdf")},
        allow_redirects=False,
        timeout=60,
    )
    assert answer.status_code == 302, answer.text[:2000]
    return re.search(r"/apply/applications/(\d+)", answer.headers["Location"]).group(1)


def _open_meeting_and_fields(database_url: str) -> tuple[int, dict]:
    from sqlalchemy import select

    from sponsorship.extensions import db
    from sponsorship.models import Meeting
    from tests.applicant_data import application_fields

    app = local_app(database_url)
    with app.app_context():
        meetings = db.session.scalars(select(Meeting).order_by(Meeting.starts_on.desc())).all()
        found = []
        for meeting in meetings:
            found.append((meeting.id, application_fields(meeting, action="draft")))
        db.session.remove()
        db.engine.dispose()
    return found


def test_note_uploaded_via_a_downloads_via_b_and_b_cache_sees_it(hosts, prod_database):
    from tests.applicant_data import pdf_bytes

    a, b = hosts
    applicant = _session(a, "applicant@demo.test")
    dashboard = applicant.get(b + "/apply/", timeout=30)  # B keeps the page in its cache
    assert dashboard.status_code == 200
    links = re.findall(r"/apply/meetings/(\d+)/apply", dashboard.text)
    assert links, "the demo applicant has no meeting open to apply to"
    fields = dict(_open_meeting_and_fields(prod_database))
    meeting_id = int(links[0])
    note = pdf_bytes()
    application_id = _draft_with_note(applicant, a, meeting_id, fields[meeting_id], note)

    served = applicant.get(f"{b}/apply/applications/{application_id}/note", timeout=30)
    assert served.status_code == 200
    assert hashlib.sha256(served.content).digest() == hashlib.sha256(note).digest()
    # The write through A is on B's cached dashboard at once.
    after = applicant.get(b + "/apply/", timeout=30).text
    assert f"/apply/applications/{application_id}" in after


def test_report_prepared_from_a_downloads_from_b(hosts):
    a, b = hosts
    donor = _session(a, "donor@demo.test")
    first = donor.get(a + "/donor/report.pdf", allow_redirects=False, timeout=30)
    assert first.status_code == 303  # no request waits on WeasyPrint
    status_path = first.headers["Location"]

    def ready():
        page = donor.get(b + status_path, timeout=30)
        return page.status_code == 200 and "Refresh" not in page.headers and page

    wait_for(ready, 120, "the worker to prepare the donor's PDF")
    served = donor.get(b + "/donor/report.pdf", allow_redirects=False, timeout=30)
    assert served.status_code == 200
    assert served.headers["Content-Type"] == "application/pdf"
    assert served.content.startswith(b"%PDF-")


def test_killing_a_mid_upload_loses_nothing_committed(hosts, stack, prod_database):
    from tests.applicant_data import pdf_bytes

    a, b = hosts
    applicant = _session(a, "applicant@demo.test")
    links = re.findall(r"/apply/meetings/(\d+)/apply", applicant.get(b + "/apply/").text)
    fields = dict(_open_meeting_and_fields(prod_database))
    meeting_id = int(links[0])
    note = pdf_bytes()
    committed = _draft_with_note(applicant, a, meeting_id, fields[meeting_id], note)
    # A second upload to A, cut off halfway through its body by A's death.
    port = int(a.rsplit(":", 1)[1])
    token = _csrf(applicant, f"{a}/apply/meetings/{meeting_id}/apply")
    cookie = "; ".join(f"{k}={v}" for k, v in applicant.cookies.items())
    body = f"csrf_token={token}&action=draft&".encode() + b"x" * 200_000
    with socket.create_connection(("127.0.0.1", port), timeout=10) as raw:
        raw.sendall(
            f"POST /apply/meetings/{meeting_id}/apply HTTP/1.1\r\nHost: 127.0.0.1\r\n"
            f"Cookie: {cookie}\r\nContent-Type: application/x-www-form-urlencoded\r\n"
            f"Content-Length: {len(body) * 2}\r\n\r\n".encode()
        )
        raw.sendall(body)
        process = stack.processes.pop("host-a")
        os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=30)
        with contextlib.suppress(OSError):
            raw.sendall(body)
    time.sleep(0.5)
    served = applicant.get(f"{b}/apply/applications/{committed}/note", timeout=30)
    assert served.status_code == 200 and served.content == note
    assert f"/apply/applications/{committed}" in applicant.get(b + "/apply/").text
    health = requests.get(b + "/healthz", timeout=30).json()
    assert health["status"] == "ok"


def test_logout_on_a_ends_session_on_b(hosts):
    a, b = hosts
    admin = _session(a, "admin@demo.test")
    stolen = dict(admin.cookies.items())  # what another tab, or a thief, still holds
    assert admin.get(b + "/admin/", allow_redirects=False, timeout=30).status_code == 200
    token = _csrf(admin, a + "/admin/")
    admin.post(a + "/logout", data={"csrf_token": token}, allow_redirects=False, timeout=30)
    replay = requests.get(b + "/admin/", cookies=stolen, allow_redirects=False, timeout=30)
    assert replay.status_code == 302 and "/login" in replay.headers["Location"]
