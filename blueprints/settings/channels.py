"""Notifications and consent: email address and verification, the security-notice channel, marketing consents."""
