"""Downloading a prepared report in a test: the job runs when the test says so.

The tests' app keeps embedded jobs until `run_pending()` (jobs/queues.py), so a report
URL first answers 303 to the export's page; the job then runs on the test's own
connection, and the same URL serves the file from storage.
"""

from __future__ import annotations

from flask import current_app

from sponsorship.jobs.queues import job_queue


def run_jobs() -> list:
    return job_queue(current_app._get_current_object()).run_pending()


def download(client, url: str):
    response = client.get(url)
    if response.status_code == 303:
        run_jobs()
        response = client.get(url)
    return response
