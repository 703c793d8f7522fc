"""Registration with account name, password and a phone verified by SMS."""

import re

import pytest

from models import SecurityEvent, UserSession
from tests.accounts import CHROME, PASSWORD, find_user, last_code, make_user, post_form, sent_codes

PHONE = "13812345678"
E164 = "+8613812345678"


def _register(client, app, **overrides):
    post_form(client, "/en/register", {"phone": PHONE, "action": "send_code"})
    data = {"account_name": "newseller", "password": PASSWORD, "phone": PHONE,
            "code": last_code(app, E164), "accept_terms": "y", "action": "register", "next": "/c/ads"}
    data.update(overrides)
    return post_form(client, "/en/register", data)


def test_registering_with_a_phone_code_creates_a_verified_account_and_signs_in(app, client, catalog):
    response = _register(client, app)
    assert response.status_code == 303
    assert response.headers["Location"] == "/c/ads"
    user = find_user(app, account_name="newseller")
    assert user.phone == E164 and user.phone_verified_at is not None
    assert user.terms_version == app.config["TERMS_VERSION"] and user.terms_accepted_at is not None
    assert user.password_hash.startswith("scrypt:")
    page = client.get("/c/ads", headers={"User-Agent": CHROME})
    assert user.display_name in page.text  # signed in, shown by the neutral display name
    assert "newseller" not in page.text.lower()  # the account name is private
    with app.app_context():
        from sqlalchemy import select

        from extensions import db
        assert db.session.scalar(select(UserSession).where(UserSession.user_id == user.id)) is not None
        kinds = set(db.session.scalars(select(SecurityEvent.kind).where(SecurityEvent.user_id == user.id)))
        assert {"registered", "phone_verified", "sign_in"} <= kinds


def test_send_code_without_javascript_keeps_what_was_typed(app, client):
    response = post_form(client, "/en/register", {"account_name": "keepme", "phone": PHONE, "action": "send_code"})
    assert response.status_code == 200
    assert "We sent a 6-digit code" in response.text
    assert 'value="keepme"' in response.text
    assert len(sent_codes(app)) == 1 and re.fullmatch(r"\d{6}", sent_codes(app)[0]["code"])


def test_send_code_with_htmx_returns_only_the_status(app, client):
    response = post_form(client, "/en/register", {"phone": PHONE, "action": "send_code"},
                         headers={"HX-Request": "true"})
    assert "<html" not in response.text
    assert 'id="code-status"' in response.text


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"accept_terms": ""}, "You need to accept the terms"),
        ({"password": "short"}, "Use at least 10 characters."),
        ({"password": "alllowercaseletters"[:15]}, "Mix at least three of"),
        ({"password": "newseller-Abc123"}, "Do not put your account name in your password."),
        ({"account_name": "1abc"}, "starting with a letter"),
        ({"code": "WRONG"}, "That code is not right."),
        ({"code": "12ab"}, "Enter the 6-digit code"),
        ({"phone": "12345"}, "Enter a valid mobile number"),
    ],
)
def test_invalid_registration_is_a_422_with_a_clear_message_and_keeps_input(app, client, overrides, message):
    post_form(client, "/en/register", {"phone": PHONE, "action": "send_code"})
    data = {"account_name": "newseller", "password": PASSWORD, "phone": PHONE, "code": last_code(app, E164),
            "accept_terms": "y", "action": "register"}
    if overrides.get("code") == "WRONG":  # any six digits but the real code
        overrides = {**overrides, "code": "000000" if data["code"] != "000000" else "111111"}
    data.update(overrides)
    response = post_form(client, "/en/register", data)
    assert response.status_code == 422
    assert message in response.text
    assert find_user(app, account_name="newseller") is None
    if overrides.get("account_name") is None:
        assert 'value="newseller"' in response.text


def test_a_taken_account_name_or_phone_is_refused(app, client):
    make_user(app, "newseller", phone="+8613900000000")
    response = _register(client, app)
    assert response.status_code == 422 and "This account name is taken" in response.text
    make_user(app, "other", phone=E164)
    response = _register(client, app, account_name="fresh")
    assert response.status_code == 422 and "This number already has an account" in response.text


def test_the_chinese_form_speaks_chinese(app, client):
    response = post_form(client, "/register", {"account_name": "x", "phone": "1", "action": "register"})
    assert response.status_code == 422
    assert "请输入有效的手机号" in response.text


def test_a_signed_in_user_visiting_register_goes_home(app, client):
    _register(client, app)
    assert client.get("/en/register").status_code == 302


def test_an_avatar_upload_is_reencoded_and_a_bad_file_is_refused(app, client, tmp_path):
    import io

    from PIL import Image

    app.config["UPLOAD_DIR"] = str(tmp_path)
    post_form(client, "/en/register", {"phone": PHONE, "action": "send_code"})
    base = {"account_name": "newseller", "password": PASSWORD, "phone": PHONE, "code": last_code(app, E164),
            "accept_terms": "y", "action": "register"}
    bad = post_form(client, "/en/register", {**base, "avatar": (io.BytesIO(b"not an image"), "a.png")},
                    content_type="multipart/form-data")
    assert bad.status_code == 422 and "must be a JPEG, PNG or WebP image" in bad.text
    image = io.BytesIO()
    Image.new("RGB", (600, 400), "teal").save(image, "JPEG", exif=Image.Exif())
    good = post_form(client, "/en/register", {**base, "avatar": (io.BytesIO(image.getvalue()), "me.jpg")},
                     content_type="multipart/form-data")
    assert good.status_code == 303
    user = find_user(app, account_name="newseller")
    stored = tmp_path / user.avatar_path
    with Image.open(stored) as avatar:
        assert avatar.format == "WEBP" and avatar.size == (256, 256)
        assert not avatar.getexif()
    served = client.get("/media/" + user.avatar_path)
    assert served.mimetype == "image/webp"
    served.close()


def _png(width: int, height: int) -> bytes:
    import io

    from PIL import Image

    image = io.BytesIO()
    Image.new("1", (width, height)).save(image, "PNG", optimize=True)  # a few KB however large the canvas
    return image.getvalue()


@pytest.fixture
def decodes(monkeypatch):
    """Every avatar decode registration makes (services.images.reencode_avatar, our own code, counted)."""
    import blueprints.auth.views as views

    calls = []

    def counted(data):
        calls.append(len(data))
        return real(data)

    real = views.reencode_avatar
    monkeypatch.setattr(views, "reencode_avatar", counted)
    return calls


def test_registration_refuses_a_wrong_code_before_touching_the_avatar(app, client, decodes):
    import io

    post_form(client, "/en/register", {"phone": PHONE, "action": "send_code"})
    base = {"account_name": "newseller", "password": PASSWORD, "phone": PHONE, "code": "000000",
            "accept_terms": "y", "action": "register"}
    refused = post_form(client, "/en/register", {**base, "avatar": (io.BytesIO(_png(600, 400)), "a.png")},
                        content_type="multipart/form-data")
    assert refused.status_code == 422
    assert decodes == []


def test_a_huge_canvas_is_refused_from_its_header_and_the_code_stays_usable(app, client, decodes):
    import io

    bomb = _png(8000, 8000)  # 64 megapixels in a few KB: ~200 MB and seconds of CPU to decode
    assert len(bomb) < 20_000
    post_form(client, "/en/register", {"phone": PHONE, "action": "send_code"})
    base = {"account_name": "newseller", "password": PASSWORD, "phone": PHONE, "code": last_code(app, E164),
            "accept_terms": "y", "action": "register"}
    refused = post_form(client, "/en/register", {**base, "avatar": (io.BytesIO(bomb), "big.png")},
                        content_type="multipart/form-data")
    assert refused.status_code == 422 and "at most 4096 × 4096 pixels" in refused.text
    assert decodes == []
    accepted = post_form(client, "/en/register", {**base, "avatar": (io.BytesIO(_png(600, 400)), "a.png")},
                         content_type="multipart/form-data")
    assert accepted.status_code == 303  # the same code: nothing was spent on the refused picture
    assert len(decodes) == 1  # decoded once, after the code
