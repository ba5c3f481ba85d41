"""The jobs: named functions of plain arguments, each run inside an app context.

A job body calls one feature's service and returns a small dict of primitives (RQ keeps
it as the job's result). Each is idempotent: run twice, it does its work once. The
services are imported inside the bodies, so that importing the jobs (the app factory,
an RQ worker resolving `execute`) does not import every feature.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import date
from typing import Any

from flask import current_app

from sponsorship.extensions import db

# One logger for the jobs package, named as when it was one module.
log = logging.getLogger(__package__)


def expire_offers(today: str | None = None) -> dict:
    """Expire overdue offers, release their money, list (or offer) who now fits."""
    from sponsorship.review import decisions

    result = decisions.expire_offers(date.fromisoformat(today) if today else None)
    if result.expired or result.proposals or result.offered:
        log.info(
            "offers expired: %s; released %s; waitlist now fits: %s; offered: %s",
            ", ".join(result.expired) or "none",
            result.released,
            ", ".join(p.reference for p in result.proposals) or "none",
            ", ".join(result.offered) or "none",
        )
    return {
        "expired": result.expired,
        "released": str(result.released),
        "proposals": [p.reference for p in result.proposals],
        "offered": result.offered,
        "refused": [f"{name}: {why}" for name, why in result.refused],
    }


def offer_reminders(today: str | None = None) -> dict:
    """Queue a reminder for each offer whose deadline is near (once per offer)."""
    from sponsorship.applications.offers import queue_offer_reminders

    return {"queued": queue_offer_reminders(date.fromisoformat(today) if today else date.today())}


def report_reminders(today: str | None = None) -> dict:
    """Queue the "report due" and "report overdue" mails owed today (once each)."""
    from sponsorship.mail.report_reminders import queue_report_reminders

    return {"queued": queue_report_reminders(date.fromisoformat(today) if today else date.today())}


def deliver_mail() -> dict:
    """Send what the outbox holds that is due."""
    return deliver_mail_at()


def deliver_mail_at(now: str | None = None) -> dict:
    """`deliver-mail` as if run at `now` (ISO, UTC): a retry that is due later, now."""
    from datetime import datetime

    from sponsorship.mail import outbox as mail

    result = mail.deliver_due(datetime.fromisoformat(now) if now else None)
    return {"sent": result.sent, "failed": result.failed, "retried": result.retried}


def issue_letters(meeting_id: int, actor_id: int | None = None) -> dict:
    """Issue every missing award letter of a meeting (rerunning issues none twice)."""
    from sponsorship.documents import bulk
    from sponsorship.jobs import bulk_runs
    from sponsorship.models import User

    actor = db.session.get(User, actor_id) if actor_id else None
    with bulk_runs.holding(meeting_id):
        result = bulk.bulk_issue(meeting_id, actor, workers=current_app.config["LETTERS_WORKERS"])
    return {
        "issued": len(result.issued),
        "failed": [f"{ref}: {why}" for ref, why in result.failed],
        "retried": result.retried,
    }


def prepare_export(export_id: int) -> dict:
    """Build one report export into storage (reporting/prepared.py)."""
    from sponsorship.reporting import prepared

    return prepared.run_export(export_id)


def retention(today: str | None = None) -> dict:
    """Purge the personal data of meetings past the retention period (once each)."""
    from sponsorship.privacy import retention as policy

    done = policy.run(date.fromisoformat(today) if today else None)
    return {"meetings": len(done), "values": sum(m.total for m in done)}


JOBS: dict[str, Callable[..., Any]] = {
    "prepare-export": prepare_export,
    "issue-letters": issue_letters,
    "expire-offers": expire_offers,
    "offer-reminders": offer_reminders,
    "report-reminders": report_reminders,
    "deliver-mail": deliver_mail,
    "deliver-mail-at": deliver_mail_at,
    "retention": retention,
}


def execute(name: str, kwargs: dict | None = None) -> Any:
    """Run job `name` in an app context: the current one, or a new app's (RQ worker)."""
    job = JOBS[name]
    try:
        current_app._get_current_object()
    except RuntimeError:
        from sponsorship import create_app

        with create_app().app_context():
            return _run(job, kwargs)
    return _run(job, kwargs)


def _run(job: Callable[..., Any], kwargs: dict | None) -> Any:
    try:
        return job(**(kwargs or {}))
    finally:
        # The job's session must not leak into the next job on this thread.
        db.session.remove()
