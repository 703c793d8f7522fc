"""A ``requests`` session whose every socket goes to an address the guard has just checked.

Why not resolve, check, then hand the URL to ``requests``: urllib3 would resolve the name again
when it connects, and a DNS answer that changes between the two lookups (DNS rebinding) would
take the connection to an address nobody checked. Rewriting the URL to the IP would break TLS
(SNI and certificate checks need the name). So the connection class itself asks the guard for the
checked addresses (one lookup) and connects to one of them; ``self.host`` stays the name, which
keeps the Host header, SNI and certificate verification right. Overriding ``_new_conn`` is the
hook urllib3's own connection classes use for this (it is stable across urllib3 1.x and 2.x).

Proxies are off (``trust_env = False``, no proxy manager): through a proxy the socket would go to
the proxy, and the proxy would connect wherever the URL says.
"""

from __future__ import annotations

import socket
import sys

import requests
from requests.adapters import HTTPAdapter
from urllib3.connection import HTTPConnection, HTTPSConnection
from urllib3.connectionpool import HTTPConnectionPool, HTTPSConnectionPool
from urllib3.exceptions import ConnectTimeoutError, NameResolutionError, NewConnectionError
from urllib3.util import connection

from services.link_check.guard import AddressGuard


class _GuardedConnectionMixin:
    guard: AddressGuard  # set on the class built for each session (see ``guarded_session``)

    def _new_conn(self) -> socket.socket:
        """Resolve once through the guard, then connect only to the addresses it checked."""
        try:
            addresses = self.guard.checked_addresses(self._dns_host, self.port)
        except socket.gaierror as error:
            raise NameResolutionError(self.host, self, error) from error
        last_error: OSError | None = None
        for address in addresses:
            try:
                sock = connection.create_connection(
                    (address, self.port), self.timeout,
                    source_address=self.source_address, socket_options=self.socket_options,
                )
            except TimeoutError as error:
                raise ConnectTimeoutError(
                    self, f"Connection to {self.host} timed out. (connect timeout={self.timeout})"
                ) from error
            except OSError as error:
                last_error = error
                continue
            sys.audit("http.client.connect", self, self.host, self.port)
            return sock
        raise NewConnectionError(self, f"Failed to establish a new connection: {last_error}") from last_error


class _NoProxyAdapter(HTTPAdapter):
    def proxy_manager_for(self, proxy, **proxy_kwargs):
        raise requests.exceptions.InvalidProxyURL("the link checker never uses a proxy")


def guarded_session(guard: AddressGuard, user_agent: str) -> requests.Session:
    """A session for one link check: guarded connections, no proxies, no automatic retries."""
    http_connection = type("GuardedHTTPConnection", (_GuardedConnectionMixin, HTTPConnection), {"guard": guard})
    https_connection = type("GuardedHTTPSConnection", (_GuardedConnectionMixin, HTTPSConnection), {"guard": guard})
    pools = {
        "http": type("GuardedHTTPConnectionPool", (HTTPConnectionPool,), {"ConnectionCls": http_connection}),
        "https": type("GuardedHTTPSConnectionPool", (HTTPSConnectionPool,), {"ConnectionCls": https_connection}),
    }
    adapter = _NoProxyAdapter(max_retries=0, pool_connections=2, pool_maxsize=2)
    adapter.poolmanager.pool_classes_by_scheme = pools
    session = requests.Session()
    session.trust_env = False  # no HTTP(S)_PROXY, no .netrc credentials
    session.headers["User-Agent"] = user_agent
    session.mount("http://", adapter)
    session.mount("https://", adapter)
    return session
