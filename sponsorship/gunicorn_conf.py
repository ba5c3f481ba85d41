"""gunicorn settings, from the environment: `gunicorn -c python:sponsorship.gunicorn_conf`.

    gunicorn -c python:sponsorship.gunicorn_conf "sponsorship:create_app()"

BIND (default 127.0.0.1:8000; put a TLS proxy in front), WEB_CONCURRENCY worker
processes (default two per core), GUNICORN_THREADS threads each (default 4: a request
waiting on the database lets another run). gunicorn writes no access log: the app logs
one JSON line per request with its request id (sponsorship/logs.py), and gunicorn's own
records go out as JSON too.
"""

from __future__ import annotations

import os

bind = os.environ.get("BIND", "127.0.0.1:8000")
workers = int(os.environ.get("WEB_CONCURRENCY", str(2 * (os.cpu_count() or 1))))
worker_class = "gthread"
threads = int(os.environ.get("GUNICORN_THREADS", "4"))
# A bulk PDF run is a background job, so no request should take near this long.
timeout = int(os.environ.get("GUNICORN_TIMEOUT", "60"))
# On SIGTERM or SIGINT a worker stops accepting, answers the requests it holds and
# closes its idle kept-alive connections, then exits; past this many seconds it is
# stopped anyway. No request should take near this long (reports are prepared by jobs),
# so a deploy or a restart takes seconds (tests/prod/test_stops.py).
graceful_timeout = int(os.environ.get("GUNICORN_GRACEFUL_TIMEOUT", "3"))
keepalive = 5
# Replace a worker after this many requests (with jitter): caps any slow leak.
max_requests = int(os.environ.get("GUNICORN_MAX_REQUESTS", "5000"))
max_requests_jitter = max_requests // 10
# X-Forwarded-Proto is believed only from these addresses (the TLS proxy), so links
# the app builds say https.
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1")
accesslog = None
# gunicorn 24+ opens a control socket at one fixed path per user: two instances on one
# machine (a second site, `make prod-demo` beside a test) would fight over it.
control_socket_disable = os.environ.get("GUNICORN_CONTROL_SOCKET", "") == ""
if not control_socket_disable:
    control_socket = os.environ["GUNICORN_CONTROL_SOCKET"]
logconfig_dict = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"json": {"()": "sponsorship.logs.JsonFormatter"}},
    "handlers": {
        "stderr": {
            "class": "logging.StreamHandler",
            "formatter": "json",
            "stream": "ext://sys.stderr",
        }
    },
    "root": {"level": "INFO", "handlers": ["stderr"]},
    "loggers": {
        "gunicorn.error": {"level": "INFO", "handlers": ["stderr"], "propagate": False},
        "gunicorn.access": {"level": "INFO", "handlers": [], "propagate": False},
    },
}
