"""Check one tool URL: follow its redirects by hand (each hop guarded), retry before calling it dead.

Outcomes (``LinkOutcome``):
- live: the final answer is 2xx (or another non-error answer) at the same place as the stored URL;
- changed: live, but the final address differs materially from the stored one (see ``is_material_change``);
- dead: every attempt failed: no DNS, no connection, timeout, 404/410 and other errors, 5xx, a redirect loop;
- unknown: the site answered but would not let a robot see (401/403/429, or 503 from an anti-bot wall),
  or the checker refused to go there (private address, other scheme, credentials in the URL).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from urllib.parse import urljoin, urlsplit

import requests
from requests.utils import requote_uri
from urllib3.exceptions import NameResolutionError

from models import LinkOutcome
from services.link_check.guard import AddressGuard, AddressRefused
from services.link_check.transport import guarded_session

MAX_REDIRECTS = 10
REDIRECT_STATUSES = {301, 302, 303, 307, 308}
HEAD_REFUSED = {405, 501}  # a server that does not do HEAD: ask again with GET
REFUSED_PREFIX = "refused: "  # the detail of a result the checker refused to probe; staff see these
USER_AGENT = "Mozilla/5.0 (compatible; SellerNavLinkChecker/1.0)"

# Headers that name an anti-bot wall or web-application firewall in front of the site. With one of
# them, a 403/429/503 means "a robot was stopped", not "the site is gone".
WAF_HEADERS = {
    "cf-ray": "cloudflare", "cf-mitigated": "cloudflare", "cf-chl-bypass": "cloudflare",
    "x-sucuri-id": "sucuri", "x-iinfo": "imperva", "x-datadome": "datadome",
    "x-amzn-waf-action": "aws-waf", "x-px-block": "perimeterx",
}
WAF_SERVERS = {
    "cloudflare": "cloudflare", "akamaighost": "akamai", "ddos-guard": "ddos-guard",
    "sucuri/cloudproxy": "sucuri", "datadome": "datadome", "awselb": "aws-waf",
}
WAF_CDN_VALUES = {"incapsula": "imperva", "imperva": "imperva"}  # the X-CDN header


@dataclass(frozen=True)
class ProbeSettings:
    guard: AddressGuard
    timeout: float = 10.0
    retries: int = 2  # extra attempts after the first, before "dead"
    backoff: float = 0.5  # seconds before the first retry, doubled for each next one
    max_redirects: int = MAX_REDIRECTS


@dataclass(frozen=True)
class ProbeResult:
    outcome: str
    status_code: int | None
    final_url: str | None
    detail: str
    attempts: int = 1
    elapsed_ms: int = 0


def probe_url(url: str, settings: ProbeSettings, *, sleep: Callable[[float], None] = time.sleep) -> ProbeResult:
    """Check ``url``, retrying (with backoff) only while the answer is "dead"; never raises."""
    started = time.monotonic()
    attempts = 0
    while True:
        attempts += 1
        try:
            result = _probe_once(url, settings)
        except Exception as error:  # a checker bug must cost one link, not the run
            result = ProbeResult(LinkOutcome.UNKNOWN.value, None, None, f"checker error: {type(error).__name__}")
        if result.outcome != LinkOutcome.DEAD.value or attempts > settings.retries:
            break
        sleep(settings.backoff * 2 ** (attempts - 1))
    elapsed_ms = int((time.monotonic() - started) * 1000)
    return ProbeResult(result.outcome, result.status_code, result.final_url, result.detail[:200],
                       attempts, elapsed_ms)


def _probe_once(url: str, settings: ProbeSettings) -> ProbeResult:
    """One attempt: HEAD (GET where HEAD is refused) along the redirects, each hop checked first."""
    session = guarded_session(settings.guard, USER_AGENT)
    current, method, redirects = url, "HEAD", 0
    try:
        while True:
            settings.guard.check_url(current)
            # stream=True: only the status line and headers are read; the body is never downloaded.
            response = session.request(method, current, allow_redirects=False, stream=True,
                                       timeout=(settings.timeout, settings.timeout))
            with response:
                location = session.get_redirect_target(response)
                if method == "HEAD" and response.status_code in HEAD_REFUSED:
                    method = "GET"
                    continue
                if response.status_code in REDIRECT_STATUSES and location:
                    redirects += 1
                    if redirects > settings.max_redirects:
                        return _dead(response.status_code, current, "too many redirects")
                    current = requote_uri(urljoin(current, location))
                    continue
                return _classify(url, current, response.status_code, response.headers)
    except AddressRefused as refused:
        return ProbeResult(LinkOutcome.UNKNOWN.value, None, current, REFUSED_PREFIX + refused.reason)
    except requests.Timeout:
        return _dead(None, current, "timeout")
    except requests.exceptions.SSLError:
        return _dead(None, current, "TLS error")
    except requests.ConnectionError as error:
        return _dead(None, current, _connection_detail(error))
    except requests.RequestException as error:
        return _dead(None, current, f"request failed: {type(error).__name__}")
    finally:
        session.close()


def _dead(status_code: int | None, final_url: str, detail: str) -> ProbeResult:
    return ProbeResult(LinkOutcome.DEAD.value, status_code, final_url, detail)


def _connection_detail(error: BaseException) -> str:
    seen: BaseException | None = error
    while seen is not None:
        if isinstance(seen, NameResolutionError):
            return "DNS: name not resolved"
        if isinstance(seen, ConnectionRefusedError):
            return "connection refused"
        seen = _inner_error(seen)
    return "connection failed"


def _inner_error(error: BaseException) -> BaseException | None:
    """The error this one wraps: requests wraps urllib3's, which wraps the socket's."""
    for candidate in (error.__cause__, getattr(error, "reason", None), error.args[0] if error.args else None,
                      error.__context__):
        if isinstance(candidate, BaseException):
            return candidate
    return None


def _classify(stored_url: str, final_url: str, status: int, headers: Mapping[str, str]) -> ProbeResult:
    """The outcome of a final (non-redirect) answer."""
    wall = anti_bot_wall(headers)
    if status in (401, 403, 429) or (status == 503 and wall):
        # The site exists and answered; it refuses robots (or wants a login). Not evidence of death.
        detail = f"anti-bot: {wall} (HTTP {status})" if wall else f"HTTP {status}: refused the checker"
        return ProbeResult(LinkOutcome.UNKNOWN.value, status, final_url, detail)
    if status >= 400:
        return _dead(status, final_url, f"HTTP {status}")
    if is_material_change(stored_url, final_url):
        return ProbeResult(LinkOutcome.CHANGED.value, status, final_url, "moved to another address")
    return ProbeResult(LinkOutcome.LIVE.value, status, final_url, "")


def anti_bot_wall(headers: Mapping[str, str]) -> str:
    """The name of the anti-bot service these headers show, or ""."""
    for header, name in WAF_HEADERS.items():
        if header in headers:
            return name
    server = headers.get("Server", "").strip().lower()
    for marker, name in WAF_SERVERS.items():
        if server.startswith(marker):
            return name
    return WAF_CDN_VALUES.get(headers.get("X-CDN", "").strip().lower(), "")


def _site(url: str) -> str:
    """Host and non-default port, without ``www.``: what "the same site" means here."""
    parts = urlsplit(url)
    host = (parts.hostname or "").lower().rstrip(".").removeprefix("www.")
    port = parts.port
    return f"{host}:{port}" if port and port not in (80, 443) else host


def is_material_change(stored_url: str, final_url: str) -> bool:
    """Did the link move somewhere else, rather than to the same page spelled differently?

    The rule: another host (ignoring ``www.``, the scheme and default ports) is a move; on the same
    host, a stored URL that names a page (a path other than ``/``) moved when the final path differs
    (ignoring a trailing slash). A home page that sends visitors on to ``/en/`` or ``/login`` on its
    own host has not moved: sites do that every day, and queueing it would bury the real moves.
    """
    if _site(stored_url) != _site(final_url):
        return True
    stored_path = urlsplit(stored_url).path.rstrip("/")
    return bool(stored_path) and stored_path != urlsplit(final_url).path.rstrip("/")
