"""A small self-hosted challenge asked before sending once one IP address has asked for several codes.

It is a speed bump for scripts that send codes to strangers, not a CAPTCHA service: no third party is asked.
The question is a picture the app draws — five letters and digits, with noise — whose alt text does not hold the
answer (a plain-text sum was read by scripts). The signed token carries the IP and a nonce; the five characters
are derived from the nonce with the app's secret, so neither the token nor earlier tokens tell them, and nothing
is stored until the answer is checked. A solved token allows one send: its nonce is spent (``spend``), so a
script cannot reuse one solution for the rest of its ten minutes.

People who cannot see the picture have ways on that need no sight (the form says so): signing in with the
password needs no code, and the contact form reaches our staff.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import io
import secrets
import unicodedata
from collections.abc import Callable

from itsdangerous import BadSignature, TimestampSigner, URLSafeTimedSerializer
from PIL import Image, ImageDraw, ImageFont

from services import clock

MAX_AGE_SECONDS = 600
SALT = "sms-challenge"
LENGTH = 5
# Letters and digits that cannot be mistaken for each other (no 0/O, 1/I/L, 5/S, 2/Z, 8/B).
ALPHABET = "34679ACDEFGHJKMNPRTUVWXY"
WIDTH, HEIGHT = 180, 60


class _ClockSigner(TimestampSigner):
    """Signs with the clock service's time, so tests can move past the expiry without sleeping."""

    def get_timestamp(self) -> int:
        return int(clock.now().timestamp())


def _serializer(secret: str) -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(secret, salt=SALT, signer=_ClockSigner)


def _characters(secret: str, nonce: str) -> str:
    digest = hmac.new(secret.encode(), f"{SALT}|{nonce}".encode(), hashlib.sha256).digest()
    return "".join(ALPHABET[byte % len(ALPHABET)] for byte in digest[:LENGTH])


def new_challenge(secret: str, ip: str) -> str:
    """A signed token for this IP; ``challenge_image`` draws its picture and ``check_challenge`` reads it."""
    return _serializer(secret).dumps({"ip": ip, "n": secrets.token_urlsafe(12)})


def _payload(secret: str, token: str) -> dict | None:
    try:
        payload = _serializer(secret).loads(token, max_age=MAX_AGE_SECONDS)
    except BadSignature:  # also covers an expired token
        return None
    return payload if isinstance(payload, dict) and isinstance(payload.get("n"), str) else None


def answer_for(secret: str, token: str) -> str | None:
    """The characters a token's picture shows (server side only: it takes the secret); None for a bad token."""
    payload = _payload(secret, token)
    return _characters(secret, payload["n"]) if payload else None


def challenge_image(secret: str, token: str) -> str:
    """The picture for ``token`` as a ``data:`` URI (a PNG drawn here; the page needs no extra request)."""
    text = answer_for(secret, token) or ""
    noise = secrets.SystemRandom()
    image = Image.new("RGB", (WIDTH, HEIGHT), (246, 247, 249))
    draw = ImageDraw.Draw(image)
    for _ in range(6):  # lines across the text
        draw.line([(noise.randint(0, WIDTH), noise.randint(0, HEIGHT)) for _ in range(2)],
                  fill=(noise.randint(90, 170),) * 3, width=2)
    font = ImageFont.load_default(size=34)
    for index, character in enumerate(text):
        glyph = Image.new("RGBA", (44, 50), (0, 0, 0, 0))
        ImageDraw.Draw(glyph).text((6, 2), character, font=font, fill=(30, 41, 59))
        glyph = glyph.rotate(noise.uniform(-25, 25), resample=Image.Resampling.BICUBIC)
        image.paste(glyph, (8 + index * 33 + noise.randint(-3, 3), 4 + noise.randint(-4, 4)), glyph)
    for _ in range(120):  # speckle
        draw.point((noise.randint(0, WIDTH - 1), noise.randint(0, HEIGHT - 1)), fill=(noise.randint(60, 200),) * 3)
    out = io.BytesIO()
    image.save(out, format="PNG")
    return "data:image/png;base64," + base64.b64encode(out.getvalue()).decode("ascii")


def check_challenge(secret: str, token: str, ip: str, answer: str, *, spend: Callable[[str], bool]) -> bool:
    """Whether ``answer`` solves the challenge in ``token``, issued to this IP in the last 10 minutes, and was
    not solved before: ``spend(key)`` records the token's first solution and answers False for a second one."""
    payload = _payload(secret, token)
    if payload is None or not hmac.compare_digest(str(payload.get("ip", "")), ip):
        return False
    # NFKC folds full-width letters and digits typed with a Chinese input method; case and spaces do not count.
    text = "".join(unicodedata.normalize("NFKC", answer or "").split()).upper()
    if not hmac.compare_digest(text.encode(), _characters(secret, payload["n"]).encode()):
        return False
    return spend(f"{SALT}:{payload['n']}")
