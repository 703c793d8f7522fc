"""The application factory."""

from __future__ import annotations

import os

from flask import Flask

from config import Config, ConfigurationError, ProductionConfig, production_problems


def create_app(config: type | dict | None = None) -> Flask:
    """Build the app: configuration, extensions, blueprints, error pages, commands.

    ``SELLERNAV_ENV=production`` (or ``ENV_NAME: "production"`` in ``config``) starts from
    ProductionConfig and refuses to start with a setting that is unsafe there.
    """
    app = Flask(__name__, instance_relative_config=True)
    app.config.from_object(_base_config(config))
    if isinstance(config, dict):
        app.config.from_mapping(config)
    elif config is not None:
        app.config.from_object(config)
    _share_limits_through_redis(app)
    _configure_logging(app)  # before anything logs, so Flask's logger gets no handler of its own
    _refuse_unsafe_production(app)
    os.makedirs(app.instance_path, exist_ok=True)
    _configure_engine(app)
    _trust_proxy_headers(app)

    register_extensions(app)
    register_blueprints(app)
    register_errorhandlers(app)
    register_commands(app)
    return app


def _base_config(config: type | dict | None) -> type:
    """ProductionConfig when production is asked for, by the overrides or the environment; else Config."""
    name = config.get("ENV_NAME") if isinstance(config, dict) else getattr(config, "ENV_NAME", None)
    return ProductionConfig if (name or Config.ENV_NAME) == "production" else Config


def _share_limits_through_redis(app: Flask) -> None:
    """Rate limits live where the page cache does: in Redis when REDIS_URL is set, shared by every app server."""
    if app.config["RATELIMIT_STORAGE_URI"] is None:
        app.config["RATELIMIT_STORAGE_URI"] = app.config["REDIS_URL"] or "memory://"


def _refuse_unsafe_production(app: Flask) -> None:
    """In production, stop here with every unsafe setting listed, rather than serve with one."""
    if app.config["ENV_NAME"] != "production":
        return
    problems = production_problems(app.config)
    if problems:
        raise ConfigurationError("refusing to start in production:\n- " + "\n- ".join(problems))
    if not app.config["REDIS_URL"]:
        # Allowed (one server, one worker), but each worker then counts rate limits on its own.
        app.logger.warning("REDIS_URL is not set: rate limits and the page cache are per worker process")


def _configure_logging(app: Flask) -> None:
    """JSON lines on stderr when LOG_FORMAT is json (production's default), for the log collector."""
    if app.config["LOG_FORMAT"] == "json":
        from services import json_logs

        json_logs.install()


def _configure_engine(app: Flask) -> None:
    """Engine options per database: a busy timeout for SQLite, pre-ping for pooled servers."""
    url = app.config["SQLALCHEMY_DATABASE_URI"]
    options = dict(app.config.get("SQLALCHEMY_ENGINE_OPTIONS") or {})
    if url.startswith("sqlite"):
        options.setdefault("connect_args", {"timeout": app.config["SQLITE_BUSY_TIMEOUT_MS"] / 1000})
    else:
        options.setdefault("pool_pre_ping", True)
    app.config["SQLALCHEMY_ENGINE_OPTIONS"] = options


def _trust_proxy_headers(app: Flask) -> None:
    """Behind nginx, take the client address and scheme from the proxy's headers."""
    hops = app.config["PROXY_FIX_X_FOR"]
    if hops:
        from werkzeug.middleware.proxy_fix import ProxyFix

        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops, x_host=hops)


def register_extensions(app: Flask) -> None:
    from blueprints.i18n import select_locale
    from blueprints.signin import init_login
    from extensions import babel, csrf, db, limiter, migrate
    from services import access_log, email, sms, sqlite_pragmas, wechat  # sqlite_pragmas installs its connect hook
    from services.page_cache import make_page_store

    del sqlite_pragmas
    db.init_app(app)
    migrate.init_app(app, db, directory=os.path.join(app.root_path, "migrations"))
    babel.init_app(app, locale_selector=select_locale)
    csrf.init_app(app)
    limiter.init_app(app)
    init_login(app)
    sms.init_app(app)
    email.init_app(app)
    wechat.init_app(app)
    app.extensions["page_store"] = make_page_store(app.config["REDIS_URL"])
    access_log.init_app(app)


def register_blueprints(app: Flask) -> None:
    from blueprints import card_cache, health, i18n, input_guard, responses, security_headers, templating
    from blueprints.api import bp as api_bp
    from blueprints.auth import bp as auth_bp
    from blueprints.catalog import bp as catalog_bp
    from blueprints.collections import bp as collections_bp
    from blueprints.favorites import bp as favorites_bp
    from blueprints.feedback import bp as feedback_bp
    from blueprints.moderation import bp as moderation_bp
    from blueprints.pages import bp as pages_bp
    from blueprints.policies import bp as policies_bp
    from blueprints.ratings import bp as ratings_bp
    from blueprints.search import bp as search_bp
    from blueprints.settings import bp as settings_bp
    from blueprints.submissions import bp as submissions_bp
    from blueprints.vendors import bp as vendors_bp

    i18n.init_app(app)
    input_guard.init_app(app)
    templating.init_app(app)
    responses.init_app(app)
    card_cache.init_app(app)
    security_headers.init_app(app)
    app.register_blueprint(health.bp)
    app.register_blueprint(catalog_bp)
    app.register_blueprint(pages_bp)
    app.register_blueprint(auth_bp)
    app.register_blueprint(settings_bp)
    app.register_blueprint(favorites_bp)
    app.register_blueprint(ratings_bp)
    app.register_blueprint(collections_bp)
    app.register_blueprint(search_bp)
    app.register_blueprint(feedback_bp)
    app.register_blueprint(policies_bp)
    app.register_blueprint(moderation_bp)
    app.register_blueprint(submissions_bp)
    app.register_blueprint(vendors_bp)
    app.register_blueprint(api_bp)


def register_errorhandlers(app: Flask) -> None:
    from blueprints.pages.errors import init_app

    init_app(app)


def register_commands(app: Flask) -> None:
    from blueprints import commands, jobs

    commands.init_app(app)
    jobs.init_app(app)
