"""The profile page: display name, avatar, the fixed account name, and who may change what."""

import io

import pytest
from PIL import Image

from tests.accounts import CHROME, csrf_from, get_user, make_user, post_form, sign_in


@pytest.fixture
def uploads(app, tmp_path):
    app.config["UPLOAD_DIR"] = str(tmp_path)
    return tmp_path


def _image(kind="PNG", size=(300, 200), colour="teal", **save) -> io.BytesIO:
    out = io.BytesIO()
    Image.new("RGB", size, colour).save(out, kind, **save)
    out.seek(0)
    return out


def _upload_avatar(client, data, name="me.png"):
    return post_form(client, "/en/settings/profile", {"avatar": (data, name)},
                     action="/en/settings/profile/avatar", content_type="multipart/form-data")


def test_settings_redirects_to_the_profile_in_both_languages(app, client):
    make_user(app)
    sign_in(client)
    assert client.get("/settings").headers["Location"] == "/settings/profile"
    assert client.get("/en/settings").headers["Location"] == "/en/settings/profile"


def test_visitors_are_sent_to_sign_in_from_the_profile(client):
    for path in ("/settings", "/settings/profile", "/en/settings/profile"):
        response = client.get(path)
        assert response.status_code == 303 and "/sign-in?next=" in response.headers["Location"]
    response = client.post("/settings/profile/name", data={"display_name": "x"})
    assert response.status_code == 400  # no CSRF token: refused before anything else


def test_the_profile_shows_the_fixed_account_name_and_the_email_state(app, client):
    make_user(app)
    sign_in(client)
    page = client.get("/en/settings/profile", headers={"User-Agent": CHROME})
    assert page.status_code == 200 and "no-store" in page.headers["Cache-Control"]
    assert "seller1" in page.text and "Fixed once set." in page.text
    assert "appeal" in page.text
    assert 'value="Seller1"' in page.text  # the display name form starts from the current name
    zh = client.get("/settings/profile")
    assert zh.status_code == 200 and '<html lang="zh-CN"' in zh.text


def test_changing_the_display_name_trims_it_and_shows_it_in_the_header(app, client):
    user_id = make_user(app)
    sign_in(client)
    response = post_form(client, "/en/settings/profile", {"display_name": "  Anker   Seller  "},
                         action="/en/settings/profile/name")
    assert response.status_code == 303 and response.headers["Location"] == "/en/settings/profile"
    assert get_user(app, user_id).display_name == "Anker Seller"
    page = client.get("/en/settings/profile")
    assert "Your display name is now “Anker Seller”." in page.text
    assert '<summary class="account-link">Anker Seller' in page.text


@pytest.mark.parametrize("name, message", [
    ("   ", "Enter a display name."),
    ("x" * 41, "Use at most 40 characters."),
    ("Staff\u202eflog", "Remove invisible or control characters"),
])
def test_a_bad_display_name_is_refused_with_422_keeping_what_was_typed(app, client, name, message):
    user_id = make_user(app)
    sign_in(client)
    response = post_form(client, "/en/settings/profile", {"display_name": name}, action="/en/settings/profile/name")
    assert response.status_code == 422 and message in response.text
    if name.strip():
        assert f'value="{name}"' in response.text
    assert get_user(app, user_id).display_name == "Seller1"


def test_an_avatar_is_reencoded_without_metadata_and_the_old_file_is_removed(app, client, uploads):
    user_id = make_user(app)
    sign_in(client)
    exif = Image.Exif()
    exif[0x010F] = "SpyCam"  # camera make: must not survive the re-encode
    assert _upload_avatar(client, _image("JPEG", exif=exif), "me.jpg").status_code == 303
    first = get_user(app, user_id).avatar_path
    stored = uploads / first
    with Image.open(stored) as avatar:
        assert avatar.format == "WEBP" and avatar.size == (256, 256) and not avatar.getexif()
    page = client.get("/en/settings/profile")
    assert "Your avatar is changed." in page.text and first.rsplit("/", 1)[-1] in page.text
    assert _upload_avatar(client, _image(colour="red")).status_code == 303
    second = get_user(app, user_id).avatar_path
    assert second != first and (uploads / second).exists() and not stored.exists()


def test_a_file_that_is_not_an_image_or_no_file_is_refused_with_422(app, client, uploads):
    user_id = make_user(app)
    sign_in(client)
    bad = _upload_avatar(client, io.BytesIO(b"<?php echo 1; ?>"), "evil.png")
    assert bad.status_code == 422 and "must be a JPEG, PNG or WebP image under 5 MB" in bad.text
    empty = post_form(client, "/en/settings/profile", {}, action="/en/settings/profile/avatar",
                      content_type="multipart/form-data")
    assert empty.status_code == 422 and "Choose an image to upload." in empty.text
    assert get_user(app, user_id).avatar_path is None
    assert not any(uploads.rglob("*.webp"))


def test_removing_the_avatar_deletes_its_file(app, client, uploads):
    user_id = make_user(app)
    sign_in(client)
    _upload_avatar(client, _image())
    stored = uploads / get_user(app, user_id).avatar_path
    response = post_form(client, "/en/settings/profile", {}, action="/en/settings/profile/avatar/remove")
    assert response.status_code == 303
    assert get_user(app, user_id).avatar_path is None and not stored.exists()
    assert "No avatar yet." in client.get("/en/settings/profile").text


def test_an_unverified_user_may_edit_the_profile(app, client):
    user_id = make_user(app, verified=False)
    sign_in(client)
    response = post_form(client, "/en/settings/profile", {"display_name": "New Name"},
                         action="/en/settings/profile/name")
    assert response.status_code == 303 and get_user(app, user_id).display_name == "New Name"


def test_a_banned_user_sees_the_profile_but_cannot_change_name_or_avatar(app, client, uploads):
    user_id = make_user(app, status="banned", ban_reason="Fake reviews")
    sign_in(client)
    page = client.get("/en/settings/profile")
    assert page.status_code == 200 and "Your account is banned" in page.text
    token = csrf_from(page.text)
    for action, data in (("/en/settings/profile/name", {"display_name": "Sneaky"}),
                         ("/en/settings/profile/avatar", {"avatar": (_image(), "a.png")}),
                         ("/en/settings/profile/avatar/remove", {})):
        response = client.post(action, data={"csrf_token": token, **data}, content_type="multipart/form-data")
        assert response.status_code == 403 and "Fake reviews" in response.text, action
    assert get_user(app, user_id).display_name == "Seller1"
    assert not any(uploads.rglob("*.webp"))
