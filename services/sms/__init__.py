"""Verification codes by SMS: limits, checking, the challenge, and the providers that deliver them."""

from services.sms.backends import SmsDeliveryError, init_app, sms_outbox
from services.sms.challenge import MAX_AGE_SECONDS as CHALLENGE_MAX_AGE_SECONDS
from services.sms.challenge import challenge_image, check_challenge, new_challenge
from services.sms.codes import PURPOSES, CodeInvalid, SmsRefused, request_code, verify_code

__all__ = [
    "CHALLENGE_MAX_AGE_SECONDS",
    "PURPOSES",
    "CodeInvalid",
    "SmsDeliveryError",
    "SmsRefused",
    "challenge_image",
    "check_challenge",
    "init_app",
    "new_challenge",
    "request_code",
    "sms_outbox",
    "verify_code",
]
