"""The app under test: its environment, flask commands, and gunicorn started, awaited, warmed and stopped."""

from __future__ import annotations

import os
import re
import secrets
import signal
import socket
import ssl
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

from errors import BenchError

ROOT = Path(__file__).resolve().parent.parent
HOST = "127.0.0.1"
WORKERS = 2
FLOOR = "/_bench/hello"
WARM_REQUESTS = 20  # enough that every worker renders and caches each page

# nginx on loopback serves a self-signed certificate: the benchmark trusts it without checking.
UNVERIFIED_TLS = ssl.create_default_context()
UNVERIFIED_TLS.check_hostname = False
UNVERIFIED_TLS.verify_mode = ssl.CERT_NONE


def bench_env(workdir: Path) -> dict[str, str]:
    """The environment for flask and gunicorn: a fresh SQLite file in ``workdir``, a secret, the app."""
    env = dict(os.environ)
    env["DATABASE_URL"] = f"sqlite:///{workdir / 'bench.db'}"
    env["SECRET_KEY"] = "bench-only-not-secret"
    env.setdefault("FLASK_APP", "app:create_app")
    env.setdefault("GUNICORN_MAX_REQUESTS", "0")  # steady state: no worker restarts mid-run
    env["RATELIMIT_ENABLED"] = "0"  # the collect toggle measures the app; the limiter would answer 429
    env["SMS_OUTBOX_LOG"] = ""
    env["EMAIL_OUTBOX_LOG"] = ""
    return env


def production_env(env: dict[str, str]) -> dict[str, str]:
    """``env`` with SELLERNAV_ENV=production and the settings its start-up check asks for.

    The SMS and SMTP settings are placeholders: nothing here sends a code or a mail.
    """
    env = {**env, "SELLERNAV_ENV": "production", "SECRET_KEY": secrets.token_urlsafe(36), "DEBUG": "0",
           "SMS_BACKEND": "aliyun", "EMAIL_BACKEND": "smtp", "SMTP_HOST": "127.0.0.1", "PROXY_FIX_X_FOR": "1",
           "SITE_URL": "https://www.sellernav.cn"}
    for name in ("ACCESS_KEY_ID", "ACCESS_KEY_SECRET", "SIGN_NAME", "TEMPLATE_CODE"):
        env[f"SMS_ALIYUN_{name}"] = "bench-placeholder"
    if env["DATABASE_URL"].startswith("sqlite"):
        env["ALLOW_SQLITE_IN_PRODUCTION"] = "1"
    return env


def run_flask(env: dict[str, str], *args: str) -> str:
    """Run one ``flask`` command in the project; returns its output, raises with it on failure."""
    command = [sys.executable, "-m", "flask", *args]
    done = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True)
    if done.returncode != 0:
        raise BenchError(f"`flask {' '.join(args)}` failed:\n{done.stdout}{done.stderr}")
    return done.stdout


def free_port() -> int:
    """A loopback port nothing listens on right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((HOST, 0))
        return sock.getsockname()[1]


def start_gunicorn(env: dict[str, str], port: int, log: Path, workers: int = WORKERS) -> subprocess.Popen:
    """Start gunicorn with the production config on ``port``; output goes to ``log``."""
    env = {**env, "GUNICORN_BIND": f"{HOST}:{port}", "GUNICORN_WORKERS": str(workers)}
    command = [sys.executable, "-m", "gunicorn", "-c", "deploy/gunicorn.conf.py", "bench.wsgi:app"]
    with log.open("wb") as output:
        return subprocess.Popen(command, cwd=ROOT, env=env, stdout=output, stderr=subprocess.STDOUT)


def stop_gunicorn(server: subprocess.Popen) -> None:
    """Stop gunicorn gracefully (SIGTERM), killing it if it does not go within 30 s."""
    if server.poll() is not None:
        return
    server.send_signal(signal.SIGTERM)
    try:
        server.wait(timeout=30)
    except subprocess.TimeoutExpired:
        server.kill()
        server.wait()


def fetch(url: str, headers: dict[str, str] | None = None) -> tuple[int, dict[str, str]]:
    """GET ``url`` (with ``headers``); returns the status and headers (errors included)."""
    request = urllib.request.Request(url, headers=headers or {})
    try:
        with urllib.request.urlopen(request, timeout=10, context=UNVERIFIED_TLS) as response:
            response.read()
            return response.status, dict(response.headers)
    except urllib.error.HTTPError as error:
        return error.code, dict(error.headers)


def wait_until_up(server: subprocess.Popen, base: str, log: Path, timeout: float = 30.0) -> None:
    """Wait until gunicorn answers the floor route; fail with its log if it dies or never answers."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise BenchError(f"gunicorn exited with status {server.returncode}:\n{log.read_text()}")
        try:
            if fetch(base + FLOOR)[0] == 200:
                return
        except OSError:
            pass
        time.sleep(0.2)
    raise BenchError(f"gunicorn did not answer within {timeout:.0f} s:\n{log.read_text()}")


def warm(base: str, path: str, request_headers: dict[str, str] | None = None, times: int = WARM_REQUESTS) -> str:
    """Request ``path`` until every worker has it cached; returns the last X-Cache header ('-' if none)."""
    headers: dict[str, str] = {}
    for _ in range(times):
        status, headers = fetch(base + path, request_headers)
        if status != 200:
            raise BenchError(f"{path} answered {status} while warming up")
    return headers.get("X-Cache", "-")


def worker_class(log: Path) -> str:
    """The worker class gunicorn reports in its log ('?' if it did not)."""
    found = re.search(r"Using worker: ([\w.]+)", log.read_text(errors="replace"))
    return found.group(1) if found else "?"

