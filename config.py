"""Settings, all read from the environment, chosen by SPONSORSHIP_ENV."""

from __future__ import annotations

import os
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent
INSTANCE_DIR = BASE_DIR / "instance"

# A key anyone can read in the source is no key at all; production refuses it.
_DEV_SECRET = "dev-only-not-secret"  # noqa: S105


def _bool(name: str, default: bool = False) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


class Config:
    SECRET_KEY = os.environ.get("SECRET_KEY", _DEV_SECRET)
    SQLALCHEMY_DATABASE_URI = os.environ.get(
        "DATABASE_URL", f"sqlite:///{INSTANCE_DIR / 'sponsorship.db'}"
    )
    SQLALCHEMY_ENGINE_OPTIONS: dict = {"pool_pre_ping": True}
    #: PostgreSQL's planner cost of a random page read, set on each connection (empty:
    #: the server's own). Its default, 4, is for spinning disks; with the data in memory
    #: or on SSD it made the planner scan all 40,000 delegates instead of looking up a
    #: meeting's few hundred by index, doubling the SQL time of the slate, donor and queue
    #: pages at twenty years (database.py).
    POSTGRES_RANDOM_PAGE_COST = os.environ.get("POSTGRES_RANDOM_PAGE_COST", "1.1")
    REDIS_URL = os.environ.get("REDIS_URL", "")
    BASE_CURRENCY = os.environ.get("BASE_CURRENCY", "CHF").upper()
    #: A payment, reconciliation or write-off of more than this (base currency) needs a
    #: second administrator's approval, never the one who entered it.
    FOUR_EYES_THRESHOLD = os.environ.get("FOUR_EYES_THRESHOLD", "1000")

    # Flask-Limiter: memory by default so the embedded run needs no service.
    RATELIMIT_STORAGE_URI = os.environ.get("REDIS_URL") or "memory://"
    RATELIMIT_ENABLED = _bool("RATELIMIT_ENABLED", True)
    RATELIMIT_HEADERS_ENABLED = True
    LOGIN_RATE_LIMIT = os.environ.get("LOGIN_RATE_LIMIT", "10 per minute;50 per hour")
    #: Document verification lookups per client address (a QR scan is one).
    VERIFY_RATE_LIMIT = os.environ.get("VERIFY_RATE_LIMIT", "30 per minute;300 per hour")
    #: Every verification answer takes at least this long, known code or not, so that
    #: timing does not tell a guesser which codes exist.
    VERIFY_MIN_SECONDS = float(os.environ.get("VERIFY_MIN_SECONDS", "0.15"))

    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    SESSION_COOKIE_SECURE = _bool("SESSION_COOKIE_SECURE", False)
    REMEMBER_COOKIE_HTTPONLY = True
    REMEMBER_COOKIE_SAMESITE = "Lax"
    WTF_CSRF_TIME_LIMIT = None  # the token lives as long as the session

    LANGUAGES = ("en", "fr", "es")
    BABEL_DEFAULT_LOCALE = "en"
    BABEL_DEFAULT_TIMEZONE = os.environ.get("TIMEZONE", "Europe/Zurich")
    BABEL_TRANSLATION_DIRECTORIES = str(BASE_DIR / "sponsorship" / "translations")

    INVITATION_TTL_HOURS = int(os.environ.get("INVITATION_TTL_HOURS", "168"))
    #: A signed-in session ends after this long without a request, and this long after
    #: signing in whatever happens (sponsorship/accounts/sessions.py).
    SESSION_IDLE_MINUTES = int(os.environ.get("SESSION_IDLE_MINUTES", "60"))
    SESSION_MAX_HOURS = int(os.environ.get("SESSION_MAX_HOURS", "12"))
    #: Lifetime of a "forgot your password" link, and how many such mails one address
    #: gets per hour at most (more requests get the same answer and no mail).
    PASSWORD_RESET_TTL_MINUTES = int(os.environ.get("PASSWORD_RESET_TTL_MINUTES", "60"))
    PASSWORD_RESET_PER_HOUR = int(os.environ.get("PASSWORD_RESET_PER_HOUR", "3"))
    #: Administrators must set up two-factor sign-in (TOTP) before anything else.
    TWO_FACTOR_REQUIRED = _bool("TWO_FACTOR_REQUIRED", False)
    #: Where an earlier release kept nomination notes; `flask storage import-uploads`
    #: moves them into the storage below.
    UPLOAD_DIR = os.environ.get("UPLOAD_DIR", str(INSTANCE_DIR / "uploads"))
    #: Where files are kept (sponsorship/storage): "database" (default) or "s3".
    STORAGE_BACKEND = os.environ.get("STORAGE_BACKEND", "database")
    STORAGE_S3_BUCKET = os.environ.get("STORAGE_S3_BUCKET", "")
    STORAGE_S3_PREFIX = os.environ.get("STORAGE_S3_PREFIX", "")
    STORAGE_S3_ENDPOINT_URL = os.environ.get("STORAGE_S3_ENDPOINT_URL", "")
    STORAGE_S3_REGION = os.environ.get("STORAGE_S3_REGION", "")
    #: The largest request body; beyond it a bare 413 (sponsorship/web/requests.py).
    MAX_CONTENT_LENGTH = int(os.environ.get("MAX_UPLOAD_BYTES", str(10 * 1024 * 1024)))
    #: The largest body a signed-in user's form with a file may send: the file past
    #: MAX_NOTE_BYTES is read and dropped, and the form comes back saying the limit.
    MAX_UPLOAD_REQUEST_BYTES = int(
        os.environ.get("MAX_UPLOAD_REQUEST_BYTES", str(100 * 1024 * 1024))
    )
    #: A nomination note larger than this is refused with a message by its field.
    MAX_NOTE_BYTES = int(os.environ.get("MAX_NOTE_BYTES", str(5 * 1024 * 1024)))
    #: Where links in mail, letters and QR codes point, e.g. https://sponsorship.example.org.
    #: Required in production; elsewhere a link made during a request names that
    #: request's host (LINKS_FOLLOW_REQUEST_HOST) and background jobs use this value.
    PUBLIC_BASE_URL = os.environ.get("PUBLIC_BASE_URL", "").strip()
    LINKS_FOLLOW_REQUEST_HOST = True
    # The publisher of the open-data exports (IATI reporting-org, 360Giving publisher).
    # The defaults are placeholders: a real publisher sets its registered identifiers.
    OPEN_DATA_ORG_ID = os.environ.get("OPEN_DATA_ORG_ID", "XX-SPONSORSHIP")
    OPEN_DATA_ORG_NAME = os.environ.get(
        "OPEN_DATA_ORG_NAME", "Implementation Support Unit, Sponsorship Programme"
    )
    #: IATI OrganisationType code: 40 is "Multilateral".
    OPEN_DATA_ORG_TYPE = os.environ.get("OPEN_DATA_ORG_TYPE", "40")
    #: 360Giving grant identifier prefix (360G-...), registered with 360Giving.
    OPEN_DATA_GRANT_PREFIX = os.environ.get("OPEN_DATA_GRANT_PREFIX", "360G-sponsorship")
    #: Seconds a process may reuse the programme-wide report figures shown on donors'
    #: pages (0: never); any commit that writes refreshes them first.
    PROGRAMME_REPORT_CACHE_SECONDS = int(os.environ.get("PROGRAMME_REPORT_CACHE_SECONDS", "600"))
    #: Rendered pages each process keeps for reuse while nothing is written
    #: (sponsorship/web/page_cache.py); 0 turns the cache off.
    PAGE_CACHE_ENTRIES = int(os.environ.get("PAGE_CACHE_ENTRIES", "256"))
    #: Signed-in users whose rows each process keeps, valid while nothing is written
    #: (sponsorship/web/signed_in.py); 0 loads the user through the session every time.
    USER_CACHE_ENTRIES = int(os.environ.get("USER_CACHE_ENTRIES", "1024"))

    MAIL_SERVER = os.environ.get("MAIL_SERVER", "localhost")
    MAIL_PORT = int(os.environ.get("MAIL_PORT", "25"))
    MAIL_USE_TLS = _bool("MAIL_USE_TLS", False)
    MAIL_USERNAME = os.environ.get("MAIL_USERNAME", "")
    MAIL_PASSWORD = os.environ.get("MAIL_PASSWORD", "")
    MAIL_DEFAULT_SENDER = os.environ.get("MAIL_DEFAULT_SENDER", "sponsorship@localhost")
    #: "smtp" delivers with the MAIL_* settings; "log" writes each message to the log.
    MAIL_BACKEND = os.environ.get("MAIL_BACKEND", "smtp")
    MAIL_TIMEOUT = float(os.environ.get("MAIL_TIMEOUT", "30"))
    #: After this many failed attempts a message is marked failed (kept, never deleted).
    MAIL_MAX_ATTEMPTS = int(os.environ.get("MAIL_MAX_ATTEMPTS", "12"))
    #: Days before an offer's deadline when the reminder goes out.
    OFFER_REMINDER_DAYS = int(os.environ.get("OFFER_REMINDER_DAYS", "3"))

    #: Background jobs (sponsorship/jobs/): "embedded" runs a scheduler thread in the
    #: serving process; "off" leaves it to `flask jobs scheduler` or cron.
    JOBS_SCHEDULER = os.environ.get("JOBS_SCHEDULER", "embedded")
    #: The RQ queue, and the prefix of every Redis key of ours: two deployments can
    #: share one Redis database under different names.
    JOBS_QUEUE_NAME = os.environ.get("JOBS_QUEUE_NAME", "sponsorship")
    JOBS_EXPIRE_OFFERS_EVERY = int(os.environ.get("JOBS_EXPIRE_OFFERS_EVERY", "3600"))
    JOBS_OFFER_REMINDERS_EVERY = int(os.environ.get("JOBS_OFFER_REMINDERS_EVERY", "3600"))
    JOBS_DELIVER_MAIL_EVERY = int(os.environ.get("JOBS_DELIVER_MAIL_EVERY", "60"))
    JOBS_RETENTION_EVERY = int(os.environ.get("JOBS_RETENTION_EVERY", "86400"))
    #: Days after a meeting ends before its delegates' personal data is purged
    #: (sponsorship/privacy, docs/privacy.md).
    RETENTION_DAYS = int(os.environ.get("RETENTION_DAYS", "180"))
    #: When an expired offer frees money: offer the waiting list at once (true), or only
    #: list who now fits for an administrator to offer (false).
    AUTO_OFFER_WAITLIST = _bool("AUTO_OFFER_WAITLIST", False)
    #: The slate (sponsorship/slate): the solver's time limit, and the Donors' Group's
    #: default quorum (approvals needed) and days to vote, both changeable when sending.
    SLATE_TIME_LIMIT_SECONDS = float(os.environ.get("SLATE_TIME_LIMIT_SECONDS", "10"))
    SLATE_QUORUM = int(os.environ.get("SLATE_QUORUM", "2"))
    SLATE_DEADLINE_DAYS = int(os.environ.get("SLATE_DEADLINE_DAYS", "7"))

    TESTING = False
    DEBUG = False
    DEMO_DATA_ALLOWED = True


class DevelopmentConfig(Config):
    DEBUG = False  # the debugger is opt-in through `flask run --debug`
    MAIL_BACKEND = os.environ.get("MAIL_BACKEND", "log")


class TestingConfig(Config):
    TESTING = True
    SECRET_KEY = "testing-key"  # noqa: S105
    SQLALCHEMY_DATABASE_URI = os.environ.get("TEST_DATABASE_URL", "sqlite://")
    RATELIMIT_ENABLED = False
    RATELIMIT_STORAGE_URI = "memory://"
    VERIFY_MIN_SECONDS = 0.02
    SERVER_NAME = None
    JOBS_SCHEDULER = "off"
    MAIL_BACKEND = "log"


def _production_engine_options() -> dict:
    """Pool settings for several gunicorn workers on a server database.

    pool_pre_ping tests a pooled connection before handing it out, so the connections a
    database restart killed are replaced on their next use, without restarting the
    app. Sizes are per process: workers x threads must fit the server's max_connections.
    """
    options: dict = {"pool_pre_ping": True}
    if os.environ.get("DATABASE_URL", "").startswith("postgresql"):
        options.update(
            pool_size=int(os.environ.get("DB_POOL_SIZE", "5")),
            max_overflow=int(os.environ.get("DB_MAX_OVERFLOW", "5")),
            # Fail a request after this wait for a connection rather than queue forever.
            pool_timeout=float(os.environ.get("DB_POOL_TIMEOUT", "10")),
            # Recycle before any firewall or pgbouncer drops an idle connection.
            pool_recycle=int(os.environ.get("DB_POOL_RECYCLE", "1800")),
        )
    return options


class ProductionConfig(Config):
    TWO_FACTOR_REQUIRED = _bool("TWO_FACTOR_REQUIRED", True)
    SESSION_COOKIE_SECURE = _bool("SESSION_COOKIE_SECURE", True)
    REMEMBER_COOKIE_SECURE = SESSION_COOKIE_SECURE
    DEMO_DATA_ALLOWED = False
    SQLALCHEMY_ENGINE_OPTIONS = _production_engine_options()
    #: Proxies in front of gunicorn whose X-Forwarded-For/-Proto are believed. Behind one
    #: TLS proxy set 1: else every client has the proxy's address and one shared login
    #: rate limit. Left at 0 without a proxy, so no client can forge its address.
    PROXY_COUNT = int(os.environ.get("PROXY_COUNT", "0"))
    #: One JSON object per line on stderr, and one line per request (sponsorship/logs.py).
    LOG_FORMAT = os.environ.get("LOG_FORMAT", "json")
    LOG_LEVEL = os.environ.get("LOG_LEVEL", "INFO")
    LOG_REQUESTS = _bool("LOG_REQUESTS", True)
    #: The Host header is the client's to choose: links use PUBLIC_BASE_URL only.
    LINKS_FOLLOW_REQUEST_HOST = False

    @classmethod
    def validate(cls) -> None:
        key = os.environ.get("SECRET_KEY", "")
        if not key or key == _DEV_SECRET or len(key) < 32:
            raise RuntimeError(
                "SECRET_KEY must be set to a random value of at least 32 characters in "
                "production, e.g. `python -c 'import secrets; print(secrets.token_hex(32))'`."
            )
        if not os.environ.get("DATABASE_URL"):
            raise RuntimeError("DATABASE_URL must be set in production.")
        base = os.environ.get("PUBLIC_BASE_URL", "").strip()
        if not base.startswith(("https://", "http://")) or any(ch.isspace() for ch in base):
            raise RuntimeError(
                "PUBLIC_BASE_URL must be set in production to the address delegates reach the "
                "app at, e.g. https://sponsorship.example.org: it is printed in every letter, "
                "QR code and mail."
            )


CONFIGS = {
    "development": DevelopmentConfig,
    "testing": TestingConfig,
    "production": ProductionConfig,
}


def get_config(name: str | None = None) -> type[Config]:
    name = (name or os.environ.get("SPONSORSHIP_ENV") or "development").lower()
    try:
        config = CONFIGS[name]
    except KeyError:
        raise RuntimeError(f"SPONSORSHIP_ENV={name!r} is not one of {', '.join(CONFIGS)}") from None
    if hasattr(config, "validate"):
        config.validate()
    return config
