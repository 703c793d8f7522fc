"""Passwords are hashed with scrypt at full cost in development and production; only the tests lower the cost."""

from __future__ import annotations

import pytest

from app import create_app
from config import FULL_COST_PASSWORD_HASH, Config, ProductionConfig, TestConfig
from services.passwords import dummy_hash, hash_password, password_matches
from tests.test_production_config import production_settings

PRODUCTION = production_settings(SQLALCHEMY_DATABASE_URI="sqlite://")


def test_full_cost_is_werkzeugs_scrypt_with_its_standard_parameters():
    assert FULL_COST_PASSWORD_HASH == "scrypt:32768:8:1"
    assert Config.PASSWORD_HASH_METHOD == ProductionConfig.PASSWORD_HASH_METHOD == FULL_COST_PASSWORD_HASH


@pytest.mark.parametrize("settings", [{"SQLALCHEMY_DATABASE_URI": "sqlite://"}, PRODUCTION],
                         ids=["development", "production"])
def test_development_and_production_hash_and_check_at_full_cost(settings):
    app = create_app(settings)
    with app.app_context():
        stored = hash_password("Correct-Horse-42")
        assert stored.startswith(f"{FULL_COST_PASSWORD_HASH}$")
        assert password_matches(stored, "Correct-Horse-42") and not password_matches(stored, "wrong")
        # An unknown account is checked against a hash of the same cost: the same work as a known one.
        assert dummy_hash().startswith(f"{FULL_COST_PASSWORD_HASH}$")


def test_without_an_app_the_cost_is_full():
    assert hash_password("Correct-Horse-42").startswith(f"{FULL_COST_PASSWORD_HASH}$")


def test_the_test_configuration_uses_the_same_algorithm_at_a_lower_cost(app):
    assert TestConfig.PASSWORD_HASH_METHOD.startswith("scrypt:") and TestConfig.PASSWORD_HASH_METHOD != "scrypt"
    with app.app_context():
        assert hash_password("Correct-Horse-42").startswith(f"{TestConfig.PASSWORD_HASH_METHOD}$")
        assert dummy_hash().startswith(f"{TestConfig.PASSWORD_HASH_METHOD}$")
