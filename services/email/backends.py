"""Where email goes: the console (development and tests) or an SMTP server.

``make_backend`` reads these settings from the app config:

================  =======================================================================
EMAIL_BACKEND     ``console`` (default) or ``smtp``
EMAIL_OUTBOX_LOG  console: file each message is appended to (empty: no file)
MAIL_FROM         the From header, e.g. ``SellerNav <no-reply@example.com>``
SMTP_HOST         smtp: server host name
SMTP_PORT         smtp: port (465 for ssl, 587 for starttls, 25 for none)
SMTP_USERNAME     smtp: user for AUTH (empty: no AUTH)
SMTP_PASSWORD     smtp: its password
SMTP_SECURITY     smtp: ``ssl`` (TLS from the first byte), ``starttls`` or ``none``
SMTP_TIMEOUT      smtp: seconds before connecting or any reply gives up (10)
================  =======================================================================
"""

from __future__ import annotations

import logging
import os
import smtplib
import ssl
import threading
from email.message import EmailMessage
from email.utils import formatdate, make_msgid, parseaddr

from flask import Flask, current_app

from services import clock

logger = logging.getLogger("sellernav.email")

BACKENDS = ("console", "smtp")
SECURITY_MODES = ("ssl", "starttls", "none")


class EmailDeliveryError(Exception):
    """The server refused the message or could not be reached; the text names no secret."""


def build_message(sender: str, to: str, subject: str, body: str) -> EmailMessage:
    """A plain-text UTF-8 message with the headers mail servers expect."""
    message = EmailMessage()
    message["From"] = sender
    message["To"] = to
    message["Subject"] = subject
    message["Date"] = formatdate(clock.now().timestamp(), usegmt=True)
    domain = parseaddr(sender)[1].rpartition("@")[2] or "localhost"
    message["Message-ID"] = make_msgid(domain=domain)
    message.set_content(body)
    return message


class ConsoleBackend:
    """Development and tests: keeps each message in ``sent`` (newest last) and appends it to a log file."""

    def __init__(self, log_path: str | None, sender: str = "SellerNav <no-reply@localhost>") -> None:
        self.log_path = log_path or None
        self.sender = sender
        self.sent: list[dict[str, str]] = []
        self._lock = threading.Lock()  # parallel requests and drains must not interleave their log lines

    def send(self, to: str, subject: str, body: str) -> None:
        """Record the message instead of sending it."""
        sent_at = clock.now().isoformat(timespec="seconds")
        record = {"to": to, "subject": subject, "body": body, "sent_at": sent_at}
        with self._lock:
            self.sent.append(record)
            if self.log_path:
                os.makedirs(os.path.dirname(self.log_path) or ".", exist_ok=True)
                with open(self.log_path, "a", encoding="utf-8") as log:
                    log.write(f"{sent_at} To: {to} Subject: {subject}\n{body}\n\n")
        logger.info("email to %s: %s", to, subject)


class SmtpBackend:
    """Sends through an SMTP server, one connection per message (the outbox sends few, in batches)."""

    def __init__(
        self,
        host: str,
        port: int,
        *,
        sender: str,
        username: str = "",
        password: str = "",
        security: str = "ssl",
        timeout: float = 10.0,
        ssl_context: ssl.SSLContext | None = None,  # tests trust their own loopback certificate
    ) -> None:
        if security not in SECURITY_MODES:
            raise ValueError(f"SMTP_SECURITY must be one of {', '.join(SECURITY_MODES)}; got {security!r}")
        self.host = host
        self.port = port
        self.sender = sender
        self.username = username
        self.password = password
        self.security = security
        self.timeout = timeout
        self.ssl_context = ssl_context

    def _connect(self) -> smtplib.SMTP:
        context = self.ssl_context or ssl.create_default_context()
        if self.security == "ssl":
            return smtplib.SMTP_SSL(self.host, self.port, timeout=self.timeout, context=context)
        connection = smtplib.SMTP(self.host, self.port, timeout=self.timeout)
        if self.security == "starttls":
            try:
                connection.ehlo()
                connection.starttls(context=context)  # raises when the server does not offer it: never fall back
                connection.ehlo()
            except BaseException:
                connection.close()
                raise
        return connection

    def send(self, to: str, subject: str, body: str) -> None:
        """Send one message; raise EmailDeliveryError on any refusal or network failure."""
        message = build_message(self.sender, to, subject, body)
        try:
            with self._connect() as connection:
                if self.username:
                    connection.login(self.username, self.password)
                connection.send_message(message)
        except smtplib.SMTPResponseException as error:
            reason = error.smtp_error.decode("utf-8", "replace") if isinstance(error.smtp_error, bytes) else ""
            raise EmailDeliveryError(f"smtp: {error.smtp_code} {reason}"[:200]) from error
        except smtplib.SMTPRecipientsRefused as error:
            raise EmailDeliveryError("smtp: recipient refused") from error
        except (smtplib.SMTPException, OSError) as error:  # OSError covers refused, timeouts and TLS errors
            raise EmailDeliveryError(f"smtp: {type(error).__name__}: {error}"[:200]) from error


def make_backend(config) -> ConsoleBackend | SmtpBackend:
    """The backend named by ``EMAIL_BACKEND``, built from its settings (see the module docstring)."""
    name = config.get("EMAIL_BACKEND", "console")
    sender = config.get("MAIL_FROM") or "SellerNav <no-reply@localhost>"
    if name == "console":
        return ConsoleBackend(config.get("EMAIL_OUTBOX_LOG"), sender)
    if name == "smtp":
        if not config.get("SMTP_HOST"):
            raise ValueError("EMAIL_BACKEND=smtp needs SMTP_HOST")
        return SmtpBackend(
            config["SMTP_HOST"],
            int(config.get("SMTP_PORT") or 465),
            sender=sender,
            username=config.get("SMTP_USERNAME") or "",
            password=config.get("SMTP_PASSWORD") or "",
            security=config.get("SMTP_SECURITY") or "ssl",
            timeout=float(config.get("SMTP_TIMEOUT") or 10),
        )
    raise ValueError(f"EMAIL_BACKEND must be one of {', '.join(BACKENDS)}; got {name!r}")


def init_app(app: Flask) -> None:
    """Build the configured backend once and keep it in ``app.extensions["email"]``."""
    app.extensions["email"] = make_backend(app.config)


def email_backend():
    """The current app's backend; with the console backend, ``.sent`` lists what was sent."""
    try:
        return current_app.extensions["email"]
    except KeyError:
        raise RuntimeError("email is not set up: call services.email.init_app(app) in the factory") from None
