"""A small website on 127.0.0.1 for the link checker: live, dead, moved, slow, anti-bot pages and traps.

Every request is recorded (method, path), so a test can prove what the checker did, or that it
never came. ``slow`` waits on an event the fixture sets at teardown, so no test is held by it.
"""

from __future__ import annotations

import socket
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from services.link_check import guard

SLOW_SECONDS = 3.0  # far beyond the timeouts tests configure (a fraction of a second)
BARRIER_SECONDS = 5.0


class LinkServer(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self):
        super().__init__(("127.0.0.1", 0), _Handler)
        self.hits: list[tuple[str, str]] = []
        self.host_headers: list[str] = []
        self.lock = threading.Lock()
        self.release = threading.Event()
        self.private_target = "http://10.0.0.1/"  # where /to-private sends the checker
        self.flaky_failures = 0  # how many more times /flaky answers 503
        self.moved_target = "/new-home"  # where /moved sends the checker
        self.barrier = threading.Barrier(3, timeout=BARRIER_SECONDS)  # /barrier: answers once 3 wait at once

    @property
    def port(self) -> int:
        return self.server_address[1]

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.port}{path}"

    def paths_hit(self, path: str | None = None) -> list[tuple[str, str]]:
        with self.lock:
            return [hit for hit in self.hits if path is None or hit[1] == path]


class _Handler(BaseHTTPRequestHandler):
    server: LinkServer
    server_name = "link-test"

    def log_message(self, format, *args):
        pass  # quiet

    def version_string(self) -> str:
        return self.server_name

    def do_HEAD(self):
        self._answer(body=False)

    def do_GET(self):
        self._answer(body=True)

    def _answer(self, *, body: bool):
        path = self.path.split("?", 1)[0]
        with self.server.lock:
            self.server.hits.append((self.command, path))
            self.server.host_headers.append(self.headers.get("Host", ""))
        route = ROUTES.get(path)
        if route is None:
            if path.startswith("/page/"):  # any /page/… is a live page
                return self._send(200, body=body)
            return self._send(404, body=body)
        route(self, body)

    def _send(self, status: int, headers: dict[str, str] | None = None, *, body: bool, server: str | None = None):
        if server is not None:
            self.server_name = server
        content = b"<!doctype html><title>test</title>" if body else b""
        self.send_response(status)
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        self.send_header("Content-Type", "text/html")
        self.send_header("Content-Length", str(len(content)))
        self.end_headers()
        if body:
            self.wfile.write(content)


def _live(handler, body):
    handler._send(200, body=body)


def _missing(handler, body):
    handler._send(404, body=body)


def _gone(handler, body):
    handler._send(410, body=body)


def _moved(handler, body):
    handler._send(301, {"Location": handler.server.moved_target}, body=body)


def _new_home(handler, body):
    handler._send(200, body=body)


def _slash(handler, body):
    handler._send(301, {"Location": "/slash/"}, body=body)


def _slow(handler, body):
    handler.server.release.wait(SLOW_SECONDS)
    handler._send(200, body=body)


def _cloudflare(handler, body):
    handler._send(403, {"cf-ray": "8a1b2c3d4e5f6789-HKG"}, body=body, server="cloudflare")


def _challenge(handler, body):
    handler._send(503, {"cf-mitigated": "challenge"}, body=body, server="cloudflare")


def _forbidden(handler, body):
    handler._send(403, body=body)


def _login(handler, body):
    handler._send(401, {"WWW-Authenticate": 'Basic realm="tools"'}, body=body)


def _too_many(handler, body):
    handler._send(429, {"Retry-After": "60"}, body=body)


def _server_error(handler, body):
    handler._send(503, body=body)


def _head_405(handler, body):
    if handler.command == "HEAD":
        return handler._send(405, {"Allow": "GET"}, body=False)
    handler._send(200, body=body)


def _to_private(handler, body):
    handler._send(302, {"Location": handler.server.private_target}, body=body)


def _loop(handler, body):
    handler._send(302, {"Location": "/loop"}, body=body)


def _flaky(handler, body):
    with handler.server.lock:
        failing = handler.server.flaky_failures > 0
        if failing:
            handler.server.flaky_failures -= 1
    handler._send(503 if failing else 200, body=body)


def _barrier(handler, body):
    """200 only when the checker has three requests in flight at once: proof that it runs in parallel."""
    try:
        handler.server.barrier.wait()
    except threading.BrokenBarrierError:
        return handler._send(503, body=body)
    handler._send(200, body=body)


ROUTES = {
    "/live": _live,
    "/missing": _missing,
    "/gone": _gone,
    "/moved": _moved,
    "/new-home": _new_home,
    "/slash": _slash,
    "/slash/": _live,
    "/slow": _slow,
    "/cloudflare": _cloudflare,
    "/challenge": _challenge,
    "/server-error": _server_error,
    "/forbidden": _forbidden,
    "/login": _login,
    "/too-many": _too_many,
    "/head-405": _head_405,
    "/to-private": _to_private,
    "/loop": _loop,
    "/flaky": _flaky,
    "/barrier": _barrier,
}


@contextmanager
def running_link_server() -> Iterator[LinkServer]:
    """A link server on an ephemeral port for the length of the block."""
    server = LinkServer()
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    try:
        yield server
    finally:
        server.release.set()
        server.barrier.abort()
        server.shutdown()
        server.server_close()
        thread.join(5)


@contextmanager
def closed_port() -> Iterator[int]:
    """A port on 127.0.0.1 that refuses connections, for the length of the block.

    Bound but never listening: the kernel refuses every connection to it, and no other process (another test
    worker) can take the port meanwhile, as it could one that was bound and released.
    """
    with socket.socket() as held:
        held.bind(("127.0.0.1", 0))
        yield held.getsockname()[1]


class FakeDNS:
    """The guard's resolver in tests: names a test gives it, ``localhost`` as /etc/hosts has it, nothing else.

    DNS is outside this machine, so no test may reach a real resolver; every lookup is recorded.
    An answer may be a list of addresses, or a list of such lists handed out one per lookup.
    """

    def __init__(self):
        self.names: dict[str, list] = {"localhost": ["127.0.0.1", "::1"]}
        self.calls: list[tuple[str, int]] = []

    def resolve(self, host: str, port: int) -> list[str]:
        self.calls.append((host, port))
        answer = self.names.get(host.lower())
        if answer is None:
            raise socket.gaierror(socket.EAI_NONAME, "fake DNS: no such name")
        if answer and isinstance(answer[0], list):
            return list(answer.pop(0) if len(answer) > 1 else answer[0])
        return list(answer)


@pytest.fixture(autouse=True)
def fake_dns(monkeypatch) -> FakeDNS:
    """Autouse wherever imported: the link checker never asks a real resolver."""
    dns = FakeDNS()
    monkeypatch.setattr(guard, "resolve_host", dns.resolve)
    return dns


@pytest.fixture
def link_server() -> Iterator[LinkServer]:
    """The test website; the allow-list of the tests admits exactly its port."""
    with running_link_server() as server:
        yield server


@pytest.fixture
def forbidden_server() -> Iterator[LinkServer]:
    """A second local site on a port no allow-list admits: it must never see a request."""
    with running_link_server() as server:
        yield server
