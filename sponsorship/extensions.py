"""Extensions, created unbound; create_app binds them."""

from __future__ import annotations

from flask_babel import Babel
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_login import LoginManager
from flask_migrate import Migrate
from flask_sqlalchemy import SQLAlchemy
from flask_wtf.csrf import CSRFProtect

from sponsorship.models.base import Base

db = SQLAlchemy(model_class=Base)
migrate = Migrate(render_as_batch=True, compare_type=True)
csrf = CSRFProtect()
login_manager = LoginManager()
babel = Babel()


def make_limiter() -> Limiter:
    """A Limiter per app: Flask-Limiter keeps `enabled` and its storage on the
    instance, so one shared instance would let the last app created decide for all."""
    return Limiter(key_func=get_remote_address, default_limits=[])
