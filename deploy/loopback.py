"""Run the production deploy files on 127.0.0.1: nginx with deploy/nginx.conf in front of gunicorn.

Used by the deployment test (tests/test_deploy.py) and the benchmark, so both exercise the very files a server
runs. Only the paths, ports, upstream address and host names in deploy/nginx.conf are replaced (see
``_substitutions``); every other line is served as written. nginx runs as the current user in the foreground with
its pid, temp files and logs in a work directory, so nothing outside it is touched and several copies can run at once.
"""

from __future__ import annotations

import getpass
import os
import shutil
import signal
import socket
import ssl
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, ExitStack, contextmanager
from pathlib import Path
from typing import TypeVar

ROOT = Path(__file__).resolve().parent.parent
NGINX_SITE = ROOT / "deploy" / "nginx.conf"
GUNICORN_CONF = ROOT / "deploy" / "gunicorn.conf.py"
NGINX_INSTALL_HINT = "apt-get install -y nginx"
STARTUP_SECONDS = 30.0
STOP_SECONDS = 30.0

# The production values in deploy/nginx.conf that a loopback run must replace.
PRODUCTION_UPLOADS_DIR = "/srv/sellernav-data/uploads"
T = TypeVar("T")


class DeployError(Exception):
    """A deploy file could not be run on loopback; the message says what to do."""


class PortTaken(DeployError):
    """The server could not bind its port: something else took it between ``free_port`` and the bind."""


# What gunicorn and nginx write when their port is taken.
PORT_TAKEN_MARKERS = ("Address already in use", "Connection in use")
PORT_ATTEMPTS = 5


def require_nginx() -> str:
    """The nginx executable's path; DeployError with the install command when it is missing."""
    found = shutil.which("nginx") or next(
        (path for path in ("/usr/sbin/nginx", "/usr/local/sbin/nginx") if os.access(path, os.X_OK)), None
    )
    if found is None:
        raise DeployError(f"nginx is not installed: run `{NGINX_INSTALL_HINT}` (Debian/Ubuntu)")
    return found


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on right now (the OS picks it).

    Another process may take it before the server binds it (tests run in parallel): start servers through
    ``enter_on_free_ports``, which tries again with new ports when that happens.
    """
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def enter_on_free_ports(stack: ExitStack, count: int, start: Callable[..., AbstractContextManager[T]]) -> tuple:
    """Enter ``start(*ports)`` on ``count`` free ports in ``stack``; new ports when a server finds one taken.

    Returns ``(ports, what the context manager yielded)``.
    """
    for attempt in range(PORT_ATTEMPTS):
        ports = tuple(free_port() for _ in range(count))
        try:
            return ports, stack.enter_context(start(*ports))
        except PortTaken:
            if attempt == PORT_ATTEMPTS - 1:
                raise
    raise AssertionError("unreachable")


def self_signed_certificate(workdir: Path) -> tuple[Path, Path]:
    """A throwaway certificate for 127.0.0.1 and localhost, made with openssl; returns (certificate, key)."""
    openssl = shutil.which("openssl")
    if openssl is None:
        raise DeployError("openssl is not installed: run `apt-get install -y openssl`")
    workdir.mkdir(parents=True, exist_ok=True)
    cert, key = workdir / "loopback.crt", workdir / "loopback.key"
    command = [
        openssl, "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2",
        "-subj", "/CN=127.0.0.1",
        "-addext", "subjectAltName=IP:127.0.0.1,DNS:localhost",
        "-keyout", str(key), "-out", str(cert),
    ]  # fmt: skip
    result = subprocess.run(command, capture_output=True, text=True, check=False)
    if result.returncode != 0:
        raise DeployError(f"openssl could not make a certificate:\n{result.stderr}")
    return cert, key


def _ipv6_loopback_available() -> bool:
    """Whether ::1 can be bound here (containers often run without IPv6)."""
    try:
        with socket.socket(socket.AF_INET6, socket.SOCK_STREAM) as probe:
            probe.bind(("::1", 0))
    except OSError:
        return False
    return True


def _substitutions(
    workdir: Path, *, http_port: int, https_port: int, upstream_port: int, app_root: Path, cert: Path, key: Path
) -> list[tuple[str, str]]:
    """(production text, loopback text) pairs: the only differences between the site file and what runs here."""
    ipv6 = _ipv6_loopback_available()

    def ipv6_listen(port: int, extra: str = "") -> str:
        return f"listen [::1]:{port}{extra};" if ipv6 else "# (no IPv6 loopback on this machine)"

    return [
        ("server 127.0.0.1:8000;", f"server 127.0.0.1:{upstream_port};"),
        # On loopback the site's address is 127.0.0.1 (or localhost), besides its production names.
        ("www.sellernav.cn 1;", "www.sellernav.cn 1;\n    127.0.0.1 1;\n    localhost 1;"),
        ("listen 80;", f"listen 127.0.0.1:{http_port};"),
        ("listen [::]:80;", ipv6_listen(http_port)),
        ("listen 443 ssl http2;", f"listen 127.0.0.1:{https_port} ssl http2;"),
        ("listen [::]:443 ssl http2;", ipv6_listen(https_port, " ssl http2")),
        # The port map still says 80/443 are the standard ports; the loopback ports get their suffix by default.
        ("ssl_certificate /etc/letsencrypt/live/sellernav.cn/fullchain.pem;", f"ssl_certificate {cert};"),
        ("ssl_certificate_key /etc/letsencrypt/live/sellernav.cn/privkey.pem;", f"ssl_certificate_key {key};"),
        ("root /var/www/letsencrypt;", f"root {workdir / 'acme'};"),
        ("alias /srv/sellernav/static/;", f"alias {app_root / 'static'}/;"),
        (
            "access_log /var/log/nginx/sellernav.access.log sellernav_no_query;",
            f"access_log {workdir / 'access.log'} sellernav_no_query;",
        ),
        ("error_log /var/log/nginx/sellernav.error.log;", f"error_log {workdir / 'error.log'};"),
    ]


def _render_site(site: str, substitutions: list[tuple[str, str]]) -> str:
    """Apply each substitution, failing loudly when a production string is missing (the site file drifted)."""
    for original, replacement in substitutions:
        if original not in site:
            raise DeployError(f"deploy/nginx.conf no longer contains {original!r}; update deploy/loopback.py with it")
        site = site.replace(original, replacement)
    return site


def _refuse_served_uploads(site: str, uploads_dir: Path) -> None:
    """The uploads directory may be named in comments only: nginx must never serve it (the app checks access)."""
    for path in (PRODUCTION_UPLOADS_DIR, str(uploads_dir)):
        for line in site.splitlines():
            if path in line and not line.lstrip().startswith("#"):
                raise DeployError(f"deploy/nginx.conf serves the uploads directory {path}: {line.strip()}")


def render_nginx(
    workdir: Path, *, http_port: int, https_port: int, upstream_port: int, app_root: Path, uploads_dir: Path
) -> Path:
    """Write a main nginx.conf in ``workdir`` that includes deploy/nginx.conf made to run on loopback; its path.

    The main file holds only what Debian's /etc/nginx/nginx.conf would: the process settings (foreground, this
    user, pid and temp files in ``workdir``) and the http context the site file is included from.
    """
    workdir = workdir.resolve()
    for sub in ("acme", "client_body", "proxy", "fastcgi", "uwsgi", "scgi"):
        (workdir / sub).mkdir(parents=True, exist_ok=True)
    cert, key = workdir / "loopback.crt", workdir / "loopback.key"
    if not (cert.exists() and key.exists()):
        cert, key = self_signed_certificate(workdir)
    site_text = NGINX_SITE.read_text(encoding="utf-8")
    _refuse_served_uploads(site_text, uploads_dir)
    substitutions = _substitutions(
        workdir,
        http_port=http_port, https_port=https_port, upstream_port=upstream_port,
        app_root=Path(app_root).resolve(), cert=cert, key=key,
    )  # fmt: skip
    site = workdir / "sellernav.conf"
    site.write_text(_render_site(site_text, substitutions), encoding="utf-8")
    # `user` only matters when the master runs as root; then keep the workers as root too, so they can read the
    # work directory (pytest's tmp dirs are private to their owner).
    user_line = f"user {getpass.getuser()};" if os.geteuid() == 0 else ""
    main = workdir / "nginx.conf"
    main.write_text(
        f"""# Made by deploy/loopback.py for a loopback run; the site itself is {site.name}, from deploy/nginx.conf.
daemon off;
{user_line}
worker_processes auto;
pid {workdir / "nginx.pid"};
error_log {workdir / "error.log"} warn;

events {{
    worker_connections 1024;
}}

http {{
    include /etc/nginx/mime.types;
    default_type application/octet-stream;
    sendfile on;
    tcp_nopush on;
    access_log {workdir / "access.log"};
    client_body_temp_path {workdir / "client_body"};
    proxy_temp_path {workdir / "proxy"};
    fastcgi_temp_path {workdir / "fastcgi"};
    uwsgi_temp_path {workdir / "uwsgi"};
    scgi_temp_path {workdir / "scgi"};

    include {site};
}}
""",
        encoding="utf-8",
    )
    return main


def _tail(path: Path, lines: int = 60) -> str:
    """The end of a log file, for error messages."""
    try:
        return "\n".join(path.read_text(encoding="utf-8", errors="replace").splitlines()[-lines:])
    except FileNotFoundError:
        return f"({path} was not written)"


def _stop(process: subprocess.Popen, stop_signal: int = signal.SIGTERM) -> None:
    """Ask a process to stop; kill it if it is still there after STOP_SECONDS."""
    if process.poll() is not None:
        return
    process.send_signal(stop_signal)
    try:
        process.wait(timeout=STOP_SECONDS)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


def _answers(url: str, context: ssl.SSLContext | None = None) -> bool:
    """True when ``url`` answers with any HTTP status (a 404 still proves the server is up)."""
    try:
        with urllib.request.urlopen(url, timeout=2, context=context):
            return True
    except urllib.error.HTTPError:
        return True
    except (urllib.error.URLError, OSError):
        return False


def _wait_until(ready, process: subprocess.Popen, what: str, log: Path) -> None:
    """Poll ``ready()`` until it is true; DeployError with the log if the process exits or time runs out."""
    deadline = time.monotonic() + STARTUP_SECONDS
    while time.monotonic() < deadline:
        if process.poll() is not None:
            tail = _tail(log)
            error = PortTaken if any(marker in tail for marker in PORT_TAKEN_MARKERS) else DeployError
            raise error(f"{what} exited with status {process.returncode}:\n{tail}")
        if ready():
            return
        time.sleep(0.1)  # polling interval while the server boots, not an assertion
    raise DeployError(f"{what} did not answer within {STARTUP_SECONDS:.0f} s:\n{_tail(log)}")


@contextmanager
def running_nginx(workdir: Path, **render_kwargs) -> Iterator[str]:
    """nginx serving deploy/nginx.conf on loopback; yields "https://127.0.0.1:<https_port>", stops it on exit."""
    nginx = require_nginx()
    workdir = Path(workdir).resolve()
    config = render_nginx(workdir, **render_kwargs)
    error_log = workdir / "error.log"
    # -e: the startup error log too, else nginx first tries the compiled-in /var/log/nginx/error.log.
    base = [nginx, "-p", str(workdir), "-e", str(error_log), "-c", str(config)]
    check = subprocess.run([*base, "-t"], capture_output=True, text=True, check=False)
    if check.returncode != 0:
        raise DeployError(f"nginx refuses the rendered configuration {config}:\n{check.stderr}")
    output = workdir / "nginx.out"
    with output.open("ab") as out:
        process = subprocess.Popen(base, stdout=out, stderr=subprocess.STDOUT)
    url = f"https://127.0.0.1:{render_kwargs['https_port']}"
    unverified = ssl.create_default_context()
    unverified.check_hostname = False
    unverified.verify_mode = ssl.CERT_NONE  # only "is it listening": the tests verify against the certificate
    try:
        _wait_until(lambda: _answers(url + "/healthz", unverified), process, "nginx", error_log)
        yield url
    finally:
        # QUIT: graceful stop, open requests finish.
        _stop(process, signal.SIGQUIT)


def _tcp_open(port: int) -> bool:
    """True when something accepts connections on 127.0.0.1:port."""
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=1):
            return True
    except OSError:
        return False


def _healthy(port: int) -> bool:
    """True when the app answers /healthz with 200; before /healthz exists, an open port will do."""
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=2) as response:
            return response.status == 200
    except urllib.error.HTTPError as error:
        return error.code == 404 and _tcp_open(port)  # an app without /healthz yet, but serving
    except (urllib.error.URLError, OSError):
        return False


@contextmanager
def running_gunicorn(
    env: dict[str, str], port: int, log: Path, app: str = "app:create_app()"
) -> Iterator[subprocess.Popen]:
    """gunicorn -c deploy/gunicorn.conf.py serving ``app`` on 127.0.0.1:``port``; waits for /healthz, stops it."""
    gunicorn = Path(sys.executable).with_name("gunicorn")
    if not gunicorn.exists():
        found = shutil.which("gunicorn")
        if found is None:
            raise DeployError("gunicorn is not installed: run `.venv/bin/pip install -e .`")
        gunicorn = Path(found)
    # gunicorn's control socket goes to $XDG_RUNTIME_DIR (else ~/.gunicorn/, one path for every gunicorn the user
    # runs): a private directory per server, as RuntimeDirectory= gives the systemd unit. Short: a socket path
    # must stay under 108 bytes.
    runtime_dir = tempfile.mkdtemp(prefix="gunicorn-")
    env = {**env, "GUNICORN_BIND": f"127.0.0.1:{port}", "XDG_RUNTIME_DIR": runtime_dir}
    log = Path(log)
    log.parent.mkdir(parents=True, exist_ok=True)
    with log.open("ab") as output:
        process = subprocess.Popen(
            [str(gunicorn), "-c", str(GUNICORN_CONF), app],
            cwd=ROOT, env=env, stdout=output, stderr=subprocess.STDOUT,
        )  # fmt: skip
    try:
        _wait_until(lambda: _healthy(port), process, "gunicorn", log)
        yield process
    finally:
        _stop(process)
        shutil.rmtree(runtime_dir, ignore_errors=True)
    if process.returncode not in (0, -signal.SIGTERM):
        raise DeployError(f"gunicorn stopped with status {process.returncode}:\n{_tail(log)}")
