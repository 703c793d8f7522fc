"""Who is calling the read API: a Bearer token earns its own, higher rate limit; no token is anonymous.

A request that sends an Authorization header must send a working token: a
wrong, malformed or revoked one is refused with 401 rather than quietly served
as anonymous, so a script learns at once that its token stopped working.
"""

from __future__ import annotations

from dataclasses import dataclass

from flask import current_app, g, request
from flask_limiter.util import get_remote_address

from blueprints.api.problems import ApiProblem
from services import api_tokens

WWW_AUTHENTICATE = 'Bearer realm="SellerNav API", error="invalid_token"'


@dataclass(frozen=True)
class Caller:
    """Plain values read once per request: the token's row may expire after its last-used commit."""

    token_id: int | None = None
    user_id: int | None = None
    invalid: bool = False
    locked: bool = False  # the token's account is locked as compromised (its tokens are revoked then, too)

    @property
    def has_token(self) -> bool:
        return self.token_id is not None


ANONYMOUS = Caller()
INVALID = Caller(invalid=True)
LOCKED = Caller(invalid=True, locked=True)


def _bearer_secret(header: str) -> str | None:
    scheme, _, secret = header.strip().partition(" ")
    secret = secret.strip()
    return secret if scheme.lower() == "bearer" and secret else None


def current_caller() -> Caller:
    """The caller of this request (looked up once; the rate limiter asks before the view does)."""
    caller = g.get("api_caller")
    if caller is None:
        header = request.headers.get("Authorization")
        if header is None:
            caller = ANONYMOUS
        else:
            secret = _bearer_secret(header)
            token = api_tokens.find_active_token(secret) if secret else None
            caller = Caller(token.id, token.user_id) if token is not None else INVALID
            if token is not None and token.account_locked:
                caller = LOCKED
            elif token is not None:
                api_tokens.note_token_used(token)
        g.api_caller = caller
    return caller


def authenticate() -> Caller:
    """The caller, or a 401 problem for an Authorization header that is not a working token."""
    caller = current_caller()
    if caller.locked:
        raise ApiProblem(403, "This token's account is locked because it may be compromised; its owner unlocks it "
                              "on the site, and its tokens stay revoked.")
    if caller.invalid:
        raise ApiProblem(401, "The Authorization header must be “Bearer ” and a working token; this one is "
                              "unknown, malformed or revoked. Send no Authorization header to read anonymously.",
                         headers={"WWW-Authenticate": WWW_AUTHENTICATE})
    return caller


def rate_limit_key() -> str:
    """Per token with a working one, else per client address (a bad token counts against the address)."""
    caller = current_caller()
    return f"api-token:{caller.token_id}" if caller.has_token else f"api-ip:{get_remote_address()}"


def rate_limit() -> str:
    """API_TOKEN_RATE_LIMIT with a working token, else API_ANONYMOUS_RATE_LIMIT; read per request."""
    key = "API_TOKEN_RATE_LIMIT" if current_caller().has_token else "API_ANONYMOUS_RATE_LIMIT"
    return current_app.config[key]


def is_preflight() -> bool:
    """A CORS preflight costs nothing and is never limited."""
    return request.method == "OPTIONS"
