"""Security headers on every response the app sends: pages, fragments, errors, redirects, files.

The Content-Security-Policy allows scripts from this site only: no inline script and no
eval, which htmx is configured for (``templates/base.html``: allowEval and allowScriptTags
off, no indicator styles). JSON-LD blocks are data, not scripts, and are not affected. A
view that needs a stricter policy (the QR code image) sets its own, which is kept.
"""

from __future__ import annotations

from flask import Flask, request

CONTENT_SECURITY_POLICY = "; ".join((
    "default-src 'self'",
    "script-src 'self'",
    "style-src 'self'",
    "img-src 'self' data:",
    "font-src 'self'",
    "connect-src 'self'",
    "form-action 'self'",
    "frame-ancestors 'none'",
    "base-uri 'self'",
    "object-src 'none'",
))
# Features this site never uses, denied so an injected frame or script cannot ask for them either.
PERMISSIONS_POLICY = ", ".join(
    f"{feature}=()" for feature in (
        "accelerometer", "camera", "geolocation", "gyroscope", "magnetometer", "microphone", "payment", "usb",
    )
)
HEADERS = {
    "Content-Security-Policy": CONTENT_SECURITY_POLICY,
    # The address of the page a visitor came from leaves the site only as its origin.
    "Referrer-Policy": "strict-origin-when-cross-origin",
    "Permissions-Policy": PERMISSIONS_POLICY,
    "X-Content-Type-Options": "nosniff",
    # For browsers that predate frame-ancestors.
    "X-Frame-Options": "DENY",
    "Cross-Origin-Opener-Policy": "same-origin",
}


def init_app(app: Flask) -> None:
    """Add the headers after every request; HSTS only on HTTPS, where the browser will trust it."""
    hsts_seconds = app.config["HSTS_SECONDS"]

    @app.after_request
    def add_security_headers(response):
        for name, value in HEADERS.items():
            response.headers.setdefault(name, value)
        if hsts_seconds and request.is_secure:
            response.headers.setdefault("Strict-Transport-Security", f"max-age={hsts_seconds}; includeSubDomains")
        return response
