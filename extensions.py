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
# declared on the views, never by default on every route. When Redis stops answering,
# each process counts the same limits in its own memory until Redis is back, rather than
# answering 500 (a limit per server is looser, but sign-in stays both open and limited).
limiter = Limiter(
    key_func=get_remote_address,
    headers_enabled=True,
    in_memory_fallback_enabled=True,
    storage_options={"socket_connect_timeout": 0.5, "socket_timeout": 0.5},  # Redis only; memory ignores them
)
