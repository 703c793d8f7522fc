"""Which addresses the link checker may reach: public ones, and the few the allow-list admits.

A tool URL is data anyone could have submitted, so the checker must never become a way to make
the server probe its own network (127.0.0.1, 10/8, the cloud metadata endpoint 169.254.169.254, …).
Every hop of every redirect goes through ``check_url`` (scheme, credentials, IP literals) and every
connection through ``checked_addresses`` (resolve once, check every address, connect only to them).

The allow-list (``LINK_CHECK_ALLOWED_HOSTS``) is a comma-separated list of entries, each ``host`` or
``host:port`` (IPv6 in brackets: ``[::1]:8080``). An IP entry admits that address, a name entry admits
whatever that name resolves to; with a port, only that port (80/443 when the URL names none).
Tests use ``127.0.0.1:<port of the test server>``; production leaves it empty.
"""

from __future__ import annotations

import ipaddress
import socket
from dataclasses import dataclass
from urllib.parse import urlsplit

ALLOWED_SCHEMES = {"http": 80, "https": 443}

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address

# Prefixes that carry an IPv4 address inside an IPv6 one: the embedded address decides.
_NAT64_PREFIXES = (ipaddress.ip_network("64:ff9b::/96"), ipaddress.ip_network("64:ff9b:1::/48"))


class AddressRefused(ValueError):
    """The checker will not contact this URL or address; ``reason`` says why, for the staff queue."""

    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True)
class AllowEntry:
    host: str  # lower-case name, or an IP address in its canonical text form
    port: int | None  # None: any port


def parse_allow_list(value: str) -> tuple[AllowEntry, ...]:
    """``"127.0.0.1:8000, intranet.test, [::1]"`` → entries; a malformed entry is an error, not ignored."""
    entries = []
    for raw in (part.strip() for part in (value or "").split(",")):
        if not raw:
            continue
        host, port = raw, None
        if raw.startswith("["):
            host, _, rest = raw[1:].partition("]")
            if rest:
                port = _port(rest.removeprefix(":"), raw)
        elif raw.count(":") == 1:
            host, port_text = raw.split(":")
            port = _port(port_text, raw)
        address = _ip_literal(host)
        entries.append(AllowEntry(str(address) if address else host.lower().rstrip("."), port))
    return tuple(entries)


def _port(text: str, entry: str) -> int:
    if not text.isdigit() or not 0 < int(text) < 65536:
        raise ValueError(f"LINK_CHECK_ALLOWED_HOSTS: bad port in {entry!r}")
    return int(text)


def _ip_literal(host: str) -> IPAddress | None:
    """The address a host string denotes without any DNS, or None for a name.

    Besides the usual forms this reads the legacy IPv4 spellings the C resolver also accepts
    (``2130706433``, ``127.1``, ``0x7f.0.0.1``), so they are recognised without a lookup.
    """
    host = host.strip("[]").split("%", 1)[0]  # an IPv6 zone index names an interface, not an address
    try:
        return ipaddress.ip_address(host)
    except ValueError:
        pass
    if host and all(c in "0123456789abcdefxABCDEFX." for c in host):
        try:
            return ipaddress.IPv4Address(socket.inet_aton(host))
        except OSError:
            return None
    return None


def is_public_address(address: IPAddress | str) -> bool:
    """True only for a globally routable unicast address.

    ``is_global`` alone is not enough on Python 3.11: it calls multicast global, and an IPv4 address
    wrapped in IPv6 (``::ffff:127.0.0.1``, 6to4 ``2002:7f00:1::``, NAT64 ``64:ff9b::a00:1``) would
    pass as the IPv6 address it is written as, while packets go to the IPv4 address inside.
    """
    if isinstance(address, str):
        parsed = _ip_literal(address)
        if parsed is None:
            return False
        address = parsed
    if isinstance(address, ipaddress.IPv6Address):
        embedded = address.ipv4_mapped or address.sixtofour
        if embedded is None and any(address in prefix for prefix in _NAT64_PREFIXES):
            embedded = ipaddress.IPv4Address(int(address) & 0xFFFFFFFF)
        if embedded is not None:
            return is_public_address(embedded)
        if address.teredo or address.is_site_local:
            return False
    return address.is_global and not (
        address.is_private or address.is_loopback or address.is_link_local or address.is_multicast
        or address.is_reserved or address.is_unspecified
    )


def resolve_host(host: str, port: int) -> list[str]:
    """Every address the system resolver gives for ``host``, in its order (tests replace this function)."""
    infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    addresses: list[str] = []
    for _family, _type, _proto, _canonname, sockaddr in infos:
        address = str(sockaddr[0]).split("%", 1)[0]
        if address not in addresses:
            addresses.append(address)
    return addresses


@dataclass(frozen=True)
class CheckedURL:
    scheme: str
    host: str
    port: int


class AddressGuard:
    """The checker's rules for what it may contact; one per run, shared by its threads (it is read-only)."""

    def __init__(self, allowed: str | tuple[AllowEntry, ...] = ""):
        self.allowed = parse_allow_list(allowed) if isinstance(allowed, str) else tuple(allowed)

    def check_url(self, url: str) -> CheckedURL:
        """Refuse a URL before anything is sent: wrong scheme, credentials, no host, a private IP literal."""
        try:
            parts = urlsplit(url)
            port = parts.port
        except ValueError as error:
            raise AddressRefused("malformed URL") from error
        scheme = parts.scheme.lower()
        if scheme not in ALLOWED_SCHEMES:
            raise AddressRefused(f"scheme {scheme or 'missing'}"[:40])
        if parts.username is not None or parts.password is not None or "@" in parts.netloc:
            raise AddressRefused("credentials in URL")
        host = (parts.hostname or "").rstrip(".")
        if not host:
            raise AddressRefused("no host")
        port = port or ALLOWED_SCHEMES[scheme]
        literal = _ip_literal(host)
        if literal is not None and not self.admits(host, literal, port):
            raise AddressRefused("private address")
        return CheckedURL(scheme, host.lower(), port)

    def checked_addresses(self, host: str, port: int) -> list[str]:
        """The addresses to connect to for ``host``: resolved once, every one of them checked.

        One private address among public ones refuses the host: which one a connection would use
        is the resolver's choice, not ours. Raises ``socket.gaierror`` when the name does not resolve.
        """
        host = host.strip("[]").rstrip(".")
        literal = _ip_literal(host)
        addresses = [str(literal)] if literal is not None else resolve_host(host, port)
        if not addresses:
            raise socket.gaierror(socket.EAI_NONAME, "no address")
        for address in addresses:
            parsed = _ip_literal(address)
            if parsed is None or not self.admits(host, parsed, port):
                raise AddressRefused("private address")
        return addresses

    def admits(self, host: str, address: IPAddress, port: int) -> bool:
        """A public address, or one the allow-list admits for this host name or address and port."""
        if is_public_address(address):
            return True
        name = host.lower().strip("[]").rstrip(".")
        return any(
            entry.host in (name, str(address)) and entry.port in (None, port) for entry in self.allowed
        )
