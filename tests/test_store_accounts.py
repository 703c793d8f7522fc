"""Linked store accounts: add, list, remove; no password field, and anything password-like refused."""

import pytest
from sqlalchemy import select

from extensions import db
from models import Platform, StoreAccount
from services import store_accounts
from services.store_accounts import MAX_STORES, StoreRefused, looks_like_secret
from tests.accounts import csrf_from, make_user, post_form, sign_in

REAL_STORE_NAMES = [
    "Anker Official Store",
    "安克创新官方旗舰店",
    "A2EUQ1WTGCTBG2",  # an Amazon merchant ID: 14 upper-case letters and digits
    "AnkerDirect",
    "1029384756",  # a Shopee shop ID
    "Shopee ID 345678901",
    "TikTok Shop: UGREEN US",
    "Baseus Official Store 倍思",
    "H&M Home",
    "Passport Travel Gear",  # "pass" inside a word is not a password
    "Key Home Store",
    "Tokenize Crafts",
    "AnkerDirectStoreUS2024",
    "BestDealsForYouUSA2023",
    "小米有品 / 海外店",
    "Amazon US / A2EUQ1WTGCTBG2",
    "shop12345",
    "SHEIN-Seller_88",
    "Mercado Libre: tienda-oficial-anker",
]

PASTED_SECRETS = [
    "密码: xxx",
    "密码：Abc12345",
    "password=hunter2",
    "Password: letmein",
    "pwd:abc",
    "pass: abc",
    "myshop / abc12345",
    "user / Pass#123",
    "anker_store | S3cret!",
    "店铺名 123456 密码abc",
    "账号 anker 口令 123",
    "Xy7#kLm9",
    "AKIAIOSFODNN7EXAMPLE",
    "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
    "sk-proj-abcdEFGH1234ijklMNOP",
    "sk_live_4eC39HqLyjWDarjtT1zdp7dc",
    "ghp_16C7e42F292c6912E7710c838347Ae178B4a",
    "LTAI5tQ8mKcR3xYv9NwPz7Ab",
    "Atzr|IwEBIA1234567890abcdef",
    "amzn1.oa2-cs.v1.3f9a0c6e2b",
    "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0In0.abc",
    "9f86d081884c7d659a2feaea0c55ad015a3bf4b1b2b0b822cd15d6c15b0f00a0",
    "Q7fZp2LmX9vR4tYk8WcN3bHd",  # a 24-character random key
    "my api key is 12345",
    "access_token 7hG2",
]


@pytest.mark.parametrize("name", REAL_STORE_NAMES)
def test_real_store_names_and_ids_are_accepted(name):
    assert not looks_like_secret(name)


@pytest.mark.parametrize("value", PASTED_SECRETS)
def test_pasted_passwords_keys_and_tokens_are_refused(value):
    assert looks_like_secret(value)


@pytest.fixture
def platforms(catalog):
    with catalog.app_context():
        return {p.slug: p.id for p in db.session.scalars(select(Platform))}


def _add(client, platform_id, name):
    return post_form(client, "/en/settings/stores", {"platform": str(platform_id), "store_name": name},
                     action="/en/settings/stores/add")


def _stores(app, user_id):
    with app.app_context():
        return [(s.platform_id, s.store_name) for s in db.session.scalars(
            select(StoreAccount).where(StoreAccount.user_id == user_id).order_by(StoreAccount.id))]


def test_the_page_has_no_password_field_and_lists_platforms_and_modes(app, client, platforms):
    make_user(app)
    sign_in(client)
    page = client.get("/en/settings/stores")
    assert page.status_code == 200 and "no-store" in page.headers["Cache-Control"]
    assert 'type="password"' not in page.text and 'name="password"' not in page.text
    assert "Amazon" in page.text and "Temu fully-managed" in page.text
    zh = client.get("/settings/stores")
    assert zh.status_code == 200 and "亚马逊" in zh.text and "Temu 全托管" in zh.text


def test_adding_listing_and_removing_a_store(app, client, platforms):
    user_id = make_user(app)
    sign_in(client)
    response = _add(client, platforms["amazon"], "  Anker   Official Store ")
    assert response.status_code == 303 and response.headers["Location"] == "/en/settings/stores"
    _add(client, platforms["temu-full"], "安克创新官方旗舰店")
    assert _stores(app, user_id) == [(platforms["amazon"], "Anker Official Store"),
                                     (platforms["temu-full"], "安克创新官方旗舰店")]
    page = client.get("/en/settings/stores").text
    assert "Store added." in page and "Anker Official Store" in page and "Temu fully-managed" in page
    with app.app_context():
        store_id = db.session.scalar(select(StoreAccount.id).where(StoreAccount.store_name == "Anker Official Store"))
    removed = post_form(client, "/en/settings/stores", {}, action=f"/en/settings/stores/{store_id}/remove")
    assert removed.status_code == 303 and "Store removed." in client.get("/en/settings/stores").text
    assert _stores(app, user_id) == [(platforms["temu-full"], "安克创新官方旗舰店")]


def test_a_password_like_value_is_refused_with_a_clear_message_and_kept_in_the_form(app, client, platforms):
    user_id = make_user(app)
    sign_in(client)
    response = _add(client, platforms["amazon"], "店铺名 123456 密码abc")
    assert response.status_code == 422
    assert "looks like a password or a secret key" in response.text and "never a password" in response.text
    assert 'value="店铺名 123456 密码abc"' in response.text
    assert f'<option selected value="{platforms["amazon"]}">' in response.text
    assert _stores(app, user_id) == []


def test_a_duplicate_store_gives_a_clear_message_not_an_error(app, client, platforms):
    user_id = make_user(app)
    sign_in(client)
    _add(client, platforms["amazon"], "Anker Official Store")
    again = _add(client, platforms["amazon"], "anker official store")
    assert again.status_code == 422 and "already on your list" in again.text
    assert _add(client, platforms["ebay"], "Anker Official Store").status_code == 303  # another platform is fine
    assert len(_stores(app, user_id)) == 2


@pytest.mark.parametrize("platform, name, message", [
    ("", "Anker", "Choose the platform the store sells on."),
    ("999999", "Anker", "Choose the platform the store sells on."),
    ("amazon", "   ", "Enter the store’s name or ID."),
    ("amazon", "x" * 101, "Use at most 100 characters."),
])
def test_a_missing_platform_or_name_is_refused_with_422(app, client, platforms, platform, name, message):
    user_id = make_user(app)
    sign_in(client)
    response = _add(client, platforms.get(platform, platform), name)
    assert response.status_code == 422 and message in response.text
    assert _stores(app, user_id) == []


def test_at_most_the_limit_of_stores_per_user(app, client, platforms):
    user_id = make_user(app)
    with app.app_context():
        db.session.add_all([StoreAccount(user_id=user_id, platform_id=platforms["amazon"], store_name=f"Store {n}")
                            for n in range(MAX_STORES)])
        db.session.commit()
    sign_in(client)
    response = _add(client, platforms["ebay"], "One more")
    assert response.status_code == 422 and f"at most {MAX_STORES} stores" in response.text
    assert len(_stores(app, user_id)) == MAX_STORES


def test_the_service_refuses_a_duplicate_even_when_the_early_check_is_passed(app, platforms):
    user_id = make_user(app)
    with app.app_context():
        store_accounts.add_store(user_id, platforms["shopee"], "1029384756")
        with pytest.raises(StoreRefused) as refused:
            store_accounts.add_store(user_id, platforms["shopee"], "1029384756")
        assert refused.value.reason == "duplicate"


def test_only_the_owner_can_remove_a_store(app, client, platforms):
    owner_id = make_user(app)
    make_user(app, "other", phone="+8613800000002")
    sign_in(client)
    _add(client, platforms["amazon"], "Anker Official Store")
    with app.app_context():
        store_id = db.session.scalar(select(StoreAccount.id))
    other = app.test_client()
    sign_in(other, "other")
    response = post_form(other, "/en/settings/stores", {}, action=f"/en/settings/stores/{store_id}/remove")
    assert response.status_code == 404
    assert len(_stores(app, owner_id)) == 1


def test_visitors_are_sent_to_sign_in_and_posts_need_a_csrf_token(app, client, platforms):
    response = client.get("/en/settings/stores")
    assert response.status_code == 303 and "/sign-in?next=" in response.headers["Location"]
    make_user(app)
    sign_in(client)
    assert client.post("/en/settings/stores/add", data={"platform": "1", "store_name": "x"}).status_code == 400
    assert client.post("/en/settings/stores/1/remove").status_code == 400


def test_a_banned_user_cannot_add_but_can_remove_a_store(app, client, platforms):
    user_id = make_user(app, status="banned", ban_reason="Spam")
    with app.app_context():
        db.session.add(StoreAccount(user_id=user_id, platform_id=platforms["amazon"], store_name="Old Store"))
        db.session.commit()
        store_id = db.session.scalar(select(StoreAccount.id))
    sign_in(client)
    page = client.get("/en/settings/stores")
    assert page.status_code == 200 and "cannot add stores" in page.text
    token = csrf_from(page.text)
    refused = client.post("/en/settings/stores/add", data={"csrf_token": token, "platform": platforms["ebay"],
                                                           "store_name": "New"})
    assert refused.status_code == 403 and "Spam" in refused.text
    assert client.post(f"/en/settings/stores/{store_id}/remove", data={"csrf_token": token}).status_code == 303
    assert _stores(app, user_id) == []
