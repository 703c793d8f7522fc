"""The soak's clients: Python processes that pace their own requests, each on a fresh connection.

Why not wrk here: wrk paces (its ``delay()``) after it has already reconnected, and
gunicorn's sync workers close every connection, so each paced wrk connection holds
a worker blocked on an idle socket for the whole pause. Anonymous pages then
looked 40 times slower mixed with paced writes than alone. A client that waits
first and connects when it sends, as a browser behind nginx effectively does,
measures the app instead. At a few hundred requests per second the Python clients
cost little CPU.

Each request carries an X-Forwarded-For address that changes with every request,
as many visitors behind one proxy would (the app trusts one proxy,
PROXY_FIX_X_FOR=1), so per-address limits count per visitor as in production.
Each client process writes its counts and latency histogram (microseconds and how
many requests took that long) to a JSON file that soak_results.py reads.
"""

from __future__ import annotations

import http.client
import itertools
import json
import socket
import time
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

FRAGMENT_HEADERS = {"HX-Request": "true", "HX-Target": "tool-list"}
FORM = {"Content-Type": "application/x-www-form-urlencoded", "HX-Request": "true"}


@dataclass
class Writer:
    """A signed-in user as the write client needs them."""

    cookie: str
    token: str
    collection_id: int


@dataclass(frozen=True)
class Step:
    """One request to send."""

    method: str
    path: str
    headers: dict
    body: str = ""


def anonymous_steps(pages: list[str], fragments: list[str], offset: int):
    """Pages as a browser asks for them and search fragments as htmx does, in turn, forever."""
    steps = [Step("GET", page, {}) for page in pages] + [Step("GET", f, FRAGMENT_HEADERS) for f in fragments]
    return itertools.islice(itertools.cycle(steps), offset, None)


def signed_in_read_steps(cookies: list[str], pages: list[str], offset: int):
    """Signed-in pages, each request as the next user, forever."""
    pairs = itertools.product(pages, cookies)
    steps = [Step("GET", page, {"Cookie": cookie}) for page, cookie in pairs]
    return itertools.islice(itertools.cycle(steps), offset, None)


def write_steps(writer: Writer, slug: str, tool_id: int):
    """One writer's requests, forever: mostly the collect toggle, a collection add and removal every 120
    steps, a rating every 480. At one step per 250 ms or slower this stays within every per-account
    limit the app sets (ratings 30/hour, collection writes 30/minute and 300/hour) however long the soak."""
    headers = {**FORM, "Cookie": writer.cookie, "X-CSRFToken": writer.token}
    for n in itertools.count(1):
        if n % 480 == 1:
            yield Step("POST", f"/t/{slug}/rating", headers, f"stars={4 + n % 2}&review=")
        elif n % 120 == 2:
            yield Step("POST", "/collections/add", headers, f"tool={slug}&collection={writer.collection_id}&next=%2F")
        elif n % 120 == 62:
            yield Step("POST", f"/collections/{writer.collection_id}/items/{tool_id}/remove", headers, "next=%2F")
        else:
            yield Step("POST", f"/t/{slug}/{'collect' if n % 2 else 'uncollect'}", headers, "next=%2F")


def visitor_address(client: int, n: int) -> str:
    """A different address per request of each client: 10.<client>.<n/250>.<n%250+1>."""
    return f"10.{client % 250}.{n // 250 % 250}.{n % 250 + 1}"


def send(host: str, port: int, step: Step, address: str) -> int:
    """Send one request on a new connection; returns the status (the body is read in full)."""
    connection = http.client.HTTPConnection(host, port, timeout=10)
    try:
        connection.request(step.method, step.path, body=step.body.encode() or None,
                           headers={**step.headers, "X-Forwarded-For": address})
        response = connection.getresponse()
        response.read()
        return response.status
    finally:
        connection.close()


def socket_error_kind(error: OSError) -> str:
    """wrk's names for socket errors: connect, read, write or timeout."""
    if isinstance(error, (socket.timeout, TimeoutError)):
        return "timeout"
    if isinstance(error, ConnectionRefusedError):
        return "connect"
    return "read"


def run_client(client: int, base: str, seconds: float, pause: float, steps, result_file: Path) -> None:
    """Send ``steps`` for ``seconds``, pausing ``pause`` s after each answer; write the counts to ``result_file``."""
    parts = urlsplit(base)
    statuses, socket_errors, latency_us = Counter(), Counter(), Counter()
    deadline = time.monotonic() + seconds
    requests = 0
    for n, step in enumerate(steps):
        if time.monotonic() >= deadline:
            break
        started = time.perf_counter()
        try:
            statuses[send(parts.hostname, parts.port, step, visitor_address(client, n))] += 1
            latency_us[round((time.perf_counter() - started) * 1e6)] += 1
        except (OSError, http.client.HTTPException) as error:
            socket_errors[socket_error_kind(error) if isinstance(error, OSError) else "read"] += 1
        requests += 1
        time.sleep(pause)  # think time: the next request's connection opens only after it
    result_file.write_text(json.dumps({
        "requests": requests,
        "statuses": {str(status): count for status, count in statuses.items()},
        "socket_errors": dict(socket_errors),
        "latency_us": sorted(latency_us.items()),
    }), encoding="utf-8")
