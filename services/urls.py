"""URL checks shared by the catalog, the seed file, submissions, imports and the staff editor."""

from urllib.parse import urlsplit

ALLOWED_SCHEMES = ("http", "https")


def is_web_url(url: str) -> bool:
    """True for an absolute http(s) URL with a host: the only kind we store or link."""
    try:
        parts = urlsplit(url.strip())
        parts.port  # noqa: B018  (raises ValueError for a port that is not 0–65535, which normalize_url reads)
    except ValueError:
        return False
    return parts.scheme.lower() in ALLOWED_SCHEMES and bool(parts.hostname)


def normalize_url(url: str) -> str:
    """The identity of a web address, for duplicate detection.

    Scheme, a leading ``www.``, default ports, the fragment and a trailing
    slash do not make two tools different; the path and query do (two apps on
    apps.shopify.com are two tools).
    """
    parts = urlsplit(url.strip())
    host = (parts.hostname or "").lower()
    if host.startswith("www."):
        host = host[4:]
    port = parts.port
    if port and port not in (80, 443):
        host = f"{host}:{port}"
    path = parts.path.rstrip("/")
    query = f"?{parts.query}" if parts.query else ""
    return f"{host}{path}{query}"
