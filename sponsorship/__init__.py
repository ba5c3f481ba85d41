"""Sponsorship: a treaty Sponsorship Programme, end to end."""

from __future__ import annotations

import logging
from pathlib import Path

from flask import Flask

from config import Config, get_config

ROOT = Path(__file__).resolve().parent.parent


def create_app(config: type[Config] | dict | None = None) -> Flask:
    """Build the application; `config` is a Config class or overrides for the default."""
    app = Flask(
        __name__,
        template_folder=str(ROOT / "templates"),
        static_folder=str(ROOT / "static"),
        instance_path=str(ROOT / "instance"),
    )
    if isinstance(config, type):
        app.config.from_object(config)
    else:
        app.config.from_object(get_config())
        if config:
            app.config.update(config)

    register_logging(app)
    register_proxy(app)
    register_routing(app)
    register_extensions(app)
    register_blueprints(app)
    register_errorhandlers(app)
    register_cli(app)
    register_jobs(app)
    logging.getLogger(__name__).debug("app created with %s", app.config["SQLALCHEMY_DATABASE_URI"])
    return app


def register_logging(app: Flask) -> None:
    from sponsorship.logs import init_logging

    init_logging(app)


def register_proxy(app: Flask) -> None:
    """Behind PROXY_COUNT proxies, take the client's address and scheme from them."""
    count = app.config.get("PROXY_COUNT", 0)
    if count:
        from werkzeug.middleware.proxy_fix import ProxyFix

        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=count, x_proto=count)  # type: ignore[method-assign]


def register_routing(app: Flask) -> None:
    """Before any route exists: path arguments are bounded (`<int:...>` to the database's
    INTEGER, text to what a keyboard types), and requests are read by our class (the size
    a form with a file may have)."""
    from sponsorship.web.bounds import CONVERTERS
    from sponsorship.web.requests import Request

    app.url_map.converters.update(CONVERTERS)
    app.request_class = Request


def register_extensions(app: Flask) -> None:
    from sponsorship import models  # noqa: F401 - every table known to Alembic
    from sponsorship.accounts.sessions import init_sessions
    from sponsorship.database import init_database
    from sponsorship.extensions import babel, csrf, db, login_manager, migrate
    from sponsorship.mail import events  # noqa: F401 - a mail for each status change
    from sponsorship.web.i18n import select_locale, select_timezone
    from sponsorship.web.page_cache import init_page_cache
    from sponsorship.web.security import init_security
    from sponsorship.web.signed_in import init_signed_in

    init_database(app)
    migrate.init_app(app, db, directory=str(ROOT / "migrations"))
    csrf.init_app(app)
    babel.init_app(app, locale_selector=select_locale, timezone_selector=select_timezone)
    login_manager.init_app(app)
    init_security(app)
    init_page_cache(app)
    init_signed_in(app)
    init_sessions(app)


def register_blueprints(app: Flask) -> None:
    from sponsorship.accounts import account_views
    from sponsorship.accounts import views as accounts
    from sponsorship.applications import views as applications
    from sponsorship.documents import applicant_views as applicant_documents
    from sponsorship.documents import views as documents
    from sponsorship.payments import applicant_views as applicant_claims
    from sponsorship.reporting import donor_views
    from sponsorship.slate import donor_views as donors_group
    from sponsorship.web import admin, main

    # Every administrator page is nested in `admin` (sponsorship/web/admin.py).
    for module in (
        main,
        accounts,
        account_views,
        applications,
        admin,
        donor_views,
        documents,
        applicant_documents,
        applicant_claims,
        donors_group,
    ):
        app.register_blueprint(module.bp)
    accounts.init_rate_limits(app)
    documents.init_rate_limits(app)


def register_errorhandlers(app: Flask) -> None:
    from sponsorship.web.errors import init_errors
    from sponsorship.web.filters import init_filters

    init_errors(app)
    init_filters(app)


def register_jobs(app: Flask) -> None:
    from sponsorship import jobs, storage

    storage.init_app(app)
    jobs.init_app(app)


def register_cli(app: Flask) -> None:
    from sponsorship.cli import init_cli

    init_cli(app)
