"""Password rules and hashing (scrypt, through Werkzeug)."""

from __future__ import annotations

from flask import current_app, has_app_context
from werkzeug.security import check_password_hash, generate_password_hash

from config import FULL_COST_PASSWORD_HASH

MIN_LENGTH = 10
MAX_LENGTH = 128
# The most common passwords in Chinese and global leaks; a rule beats a longer list.
COMMON = {
    "1234567890", "12345678910", "123456789a", "a123456789", "qwertyuiop", "1qaz2wsx3edc",
    "password123", "password1234", "woaini1314", "woaini520", "iloveyou123", "abc1234567",
    "aa123456789", "qq123456789", "1q2w3e4r5t", "zxcvbnm123", "5201314520", "11111111111",
    "0000000000", "1111111111", "88888888888", "asdfghjkl1", "admin12345", "passw0rd123",
}


def password_problems(password: str, *, account_name: str | None = None, phone: str | None = None) -> list[str]:
    """Why a password is too weak, as problem codes (empty when it is acceptable).

    Codes: too_short, too_long, too_simple (fewer than three kinds of character
    and shorter than 16), common, contains_name, contains_phone.
    """
    problems = []
    if len(password) < MIN_LENGTH:
        problems.append("too_short")
    if len(password) > MAX_LENGTH:
        problems.append("too_long")
    kinds = sum(
        (
            any(c.islower() for c in password),
            any(c.isupper() for c in password),
            any(c.isdigit() for c in password),
            any(not c.isalnum() for c in password),
        )
    )
    if kinds < 3 and len(password) < 16:
        problems.append("too_simple")
    if password.lower() in COMMON:
        problems.append("common")
    if account_name and len(account_name) >= 3 and account_name.lower() in password.lower():
        problems.append("contains_name")
    if phone and phone[-8:] in password:
        problems.append("contains_phone")
    return problems


def hash_method() -> str:
    """The app's PASSWORD_HASH_METHOD (full-cost scrypt but in the test configuration)."""
    if has_app_context():
        return current_app.config.get("PASSWORD_HASH_METHOD", FULL_COST_PASSWORD_HASH)
    return FULL_COST_PASSWORD_HASH


def hash_password(password: str) -> str:
    return generate_password_hash(password, method=hash_method())


def password_matches(password_hash: str | None, password: str) -> bool:
    """False for accounts without a password (WeChat-only) instead of raising."""
    return bool(password_hash) and check_password_hash(password_hash, password)


_dummy_hashes: dict[str, str] = {}


def dummy_hash() -> str:
    """A real hash to check against when the account does not exist, made with the app's method, so a wrong
    account name takes as long as a wrong password (one per method, made once per process)."""
    method = hash_method()
    if method not in _dummy_hashes:
        _dummy_hashes[method] = generate_password_hash("not-a-real-password-0", method=method)
    return _dummy_hashes[method]
