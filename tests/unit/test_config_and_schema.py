"""The factory, configuration choice, and migrations that match the models."""

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import text

from config import DevelopmentConfig, ProductionConfig, TestingConfig, get_config
from sponsorship import create_app
from sponsorship.extensions import db as _db


def test_config_default_is_development(monkeypatch):
    monkeypatch.delenv("SPONSORSHIP_ENV", raising=False)
    assert get_config() is DevelopmentConfig


def test_config_testing_is_selected_by_environment(monkeypatch):
    monkeypatch.setenv("SPONSORSHIP_ENV", "testing")
    assert get_config() is TestingConfig


@pytest.mark.parametrize("key", [None, "", "dev-only-not-secret", "short"])
def test_production_without_real_secret_key_refuses_to_start(monkeypatch, key):
    monkeypatch.setenv("SPONSORSHIP_ENV", "production")
    monkeypatch.setenv("DATABASE_URL", "sqlite://")
    if key is None:
        monkeypatch.delenv("SECRET_KEY", raising=False)
    else:
        monkeypatch.setenv("SECRET_KEY", key)
    with pytest.raises(RuntimeError, match="SECRET_KEY"):
        create_app()


@pytest.mark.parametrize("base", [None, "", "sponsorship.example.org", "https://a b.org"])
def test_production_without_public_base_url_refuses_to_start(monkeypatch, base):
    monkeypatch.setenv("SPONSORSHIP_ENV", "production")
    monkeypatch.setenv("SECRET_KEY", "x" * 48)
    monkeypatch.setenv("DATABASE_URL", "sqlite://")
    if base is None:
        monkeypatch.delenv("PUBLIC_BASE_URL", raising=False)
    else:
        monkeypatch.setenv("PUBLIC_BASE_URL", base)
    with pytest.raises(RuntimeError, match="PUBLIC_BASE_URL"):
        create_app()


def test_production_with_secret_key_starts(monkeypatch):
    monkeypatch.setenv("SPONSORSHIP_ENV", "production")
    monkeypatch.setenv("SECRET_KEY", "x" * 48)
    monkeypatch.setenv("DATABASE_URL", "sqlite://")
    monkeypatch.setenv("PUBLIC_BASE_URL", "https://sponsorship.example.org")
    app = create_app()
    assert app.config["SESSION_COOKIE_SECURE"] is True
    assert app.config["DEMO_DATA_ALLOWED"] is False
    assert ProductionConfig.DEMO_DATA_ALLOWED is False


def test_migrations_match_models(app):
    """What `flask db check` asks: the migrated database and the models agree."""
    with app.app_context(), _db.engine.connect() as conn:
        context = MigrationContext.configure(conn, opts={"compare_type": True})
        assert compare_metadata(context, _db.metadata) == []


def test_postgresql_connections_get_the_planners_page_cost_and_keep_given_options():
    from sponsorship.database import postgresql_options

    base = {"SQLALCHEMY_ENGINE_OPTIONS": {"pool_pre_ping": True}}
    options = postgresql_options({**base, "POSTGRES_RANDOM_PAGE_COST": "1.1"})
    assert options["connect_args"]["options"] == "-c random_page_cost=1.1"
    assert "connect_args" not in base["SQLALCHEMY_ENGINE_OPTIONS"], "the class's dict stays"
    given = {"SQLALCHEMY_ENGINE_OPTIONS": {"connect_args": {"options": "-c work_mem=8MB"}}}
    kept = postgresql_options({**given, "POSTGRES_RANDOM_PAGE_COST": "2"})
    assert kept["connect_args"]["options"] == "-c work_mem=8MB -c random_page_cost=2.0"
    assert "connect_args" not in postgresql_options({**base, "POSTGRES_RANDOM_PAGE_COST": ""})


def test_postgresql_session_plans_with_the_configured_page_cost(app, db):
    if db.engine.dialect.name != "postgresql":
        pytest.skip("a PostgreSQL setting")
    cost = db.session.scalar(text("SHOW random_page_cost"))
    assert float(cost) == float(app.config["POSTGRES_RANDOM_PAGE_COST"])
