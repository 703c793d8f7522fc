"""Bare extension instances; the app factory binds them to an app."""

from flask_babel import Babel
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_login import LoginManager
from flask_migrate import Migrate
from flask_sqlalchemy import SQLAlchemy
from flask_wtf.csrf import CSRFProtect

from models.base import Base

db = SQLAlchemy(model_class=Base)
migrate = Migrate()
babel = Babel()
csrf = CSRFProtect()
login_manager = LoginManager()
# Limits live in memory by default and in Redis when REDIS_URL is set; they are
# declared on the views, never by default on every route.
limiter = Limiter(key_func=get_remote_address, headers_enabled=True)
