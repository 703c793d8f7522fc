"""Email: the console backend (development and tests) and SMTP, chosen by ``EMAIL_BACKEND``."""

from services.email.backends import EmailDeliveryError, email_backend, init_app, make_backend

__all__ = ["EmailDeliveryError", "email_backend", "init_app", "make_backend"]
