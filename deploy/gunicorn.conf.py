"""Production gunicorn settings, read from the environment with sane defaults.

Run: ``gunicorn -c deploy/gunicorn.conf.py 'app:create_app()'`` behind a reverse proxy (nginx).
Every setting below can be changed with the GUNICORN_* variable named next to it.
"""

import os


def _env_int(name: str, default: int) -> int:
    """An integer setting from the environment, or ``default`` when unset or empty."""
    value = os.environ.get(name, "").strip()
    return int(value) if value else default


# Loopback by default: the reverse proxy in front is the only thing that should reach gunicorn.
bind = os.environ.get("GUNICORN_BIND", "127.0.0.1:8000")

# About one worker per core: rendering is CPU-bound Python, so more processes than cores only adds switching.
workers = _env_int("GUNICORN_WORKERS", 2)

# sync, not gthread: bench p99 11-13 vs 17-37 ms; gthread pins keep-alive connections to one worker (nginx buffers).
worker_class = os.environ.get("GUNICORN_WORKER_CLASS", "sync")

# Threads per worker; above 1 gunicorn switches to gthread, worth it only if requests mostly wait on I/O (remote DB).
threads = _env_int("GUNICORN_THREADS", 1)

# A request that takes 30 s is stuck: the worker is killed and replaced.
timeout = _env_int("GUNICORN_TIMEOUT", 30)

# On restart or deploy, in-flight requests get this long to finish before workers are killed.
graceful_timeout = _env_int("GUNICORN_GRACEFUL_TIMEOUT", 30)

# Idle keep-alive seconds (gthread only; sync closes after each response); below nginx's upstream keepalive_timeout.
keepalive = _env_int("GUNICORN_KEEPALIVE", 5)

# Only the proxy may set X-Forwarded-Proto (https); list its address here if it is not on this host.
forwarded_allow_ips = os.environ.get("GUNICORN_FORWARDED_ALLOW_IPS", "127.0.0.1")

# Access log off unless asked ("-" is stdout): the proxy already logs every request, and logging costs throughput.
accesslog = os.environ.get("GUNICORN_ACCESSLOG") or None
# %(U)s is the path without its query string: codes and OAuth state never reach this log.
access_log_format = '%(h)s %(l)s %(u)s %(t)s "%(m)s %(U)s %(H)s" %(s)s %(b)s "%(a)s"'

# Errors always go to stderr, where systemd/docker collect them.
errorlog = "-"
loglevel = os.environ.get("GUNICORN_LOGLEVEL", "info")

# Recycle workers to bound slow memory growth; high because a restart costs ~1 s CPU and empties its page cache.
max_requests = _env_int("GUNICORN_MAX_REQUESTS", 10000)
# Jitter so the workers do not all restart at the same moment.
max_requests_jitter = _env_int("GUNICORN_MAX_REQUESTS_JITTER", 1000)

# No preload: each worker imports the app itself and opens its own DB connection pool (pools must not cross a fork).
preload_app = False

# The worker heartbeat file on tmpfs: a disk-backed /tmp can stall workers into false timeouts (e.g. in containers).
worker_tmp_dir = "/dev/shm" if os.path.isdir("/dev/shm") else None

# gunicorn's own lines (worker boots, timeouts, and the access log when on) in the app's format:
# JSON objects when LOG_FORMAT is json, production's default, so one collector reads every line.
_production = os.environ.get("SELLERNAV_ENV") == "production"
if os.environ.get("LOG_FORMAT", "json" if _production else "text") == "json":
    logconfig_dict = {
        "version": 1,
        "disable_existing_loggers": False,
        "formatters": {"json": {"()": "services.json_logs.JsonFormatter"}},
        "handlers": {"stderr": {"class": "logging.StreamHandler", "formatter": "json", "stream": "ext://sys.stderr"}},
        # gunicorn merges this dict over its own defaults, whose root logger names a "console" handler that the
        # "handlers" above replace; root needs a handler list of its own or gunicorn cannot start. Empty: the app
        # puts its JSON handler on root in each worker (services.json_logs.install).
        "root": {"level": "INFO", "handlers": []},
        "loggers": {
            "gunicorn.error": {"handlers": ["stderr"], "level": loglevel.upper(), "propagate": False},
            # A logging config turns gunicorn's access log on whatever `accesslog` says, so it is silenced here
            # unless GUNICORN_ACCESSLOG asks for it: paths such as /settings/email/verify/<token> hold secrets.
            "gunicorn.access": {"handlers": ["stderr"] if accesslog else [],
                                "level": "INFO" if accesslog else "CRITICAL", "propagate": False},
        },
    }
