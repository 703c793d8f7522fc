"""Enterprise certification: the credit code check, applying, the private licence, staff decisions, the badge."""

import io

import pytest
from PIL import Image
from sqlalchemy import select

from extensions import db
from models import EnterpriseCertification, Notification, Rating, Tool, User
from services import enterprise
from services.catalog_version import current_catalog_version
from services.credit_code import check_character, credit_code_problem, is_valid_credit_code, normalise_credit_code
from tests.accounts import get_user, make_user, post_form, sign_in

# Codes published on these companies' business licences and in the national enterprise credit system.
REAL_CODES = [
    "91440300708461136T",  # 深圳市腾讯计算机系统有限公司
    "914403001922038216",  # 华为技术有限公司
    "91110108551385082Q",  # 小米科技有限责任公司
    "91330100716105852F",  # 阿里巴巴（中国）有限公司
    "91110000802100433B",  # 北京百度网讯科技有限公司
]
GOOD_CODE = "91440300708461136T"


# The code ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize("code", REAL_CODES)
def test_real_published_credit_codes_are_valid(code):
    assert is_valid_credit_code(code)


def test_a_constructed_code_is_valid_with_its_computed_check_character_and_no_other():
    body = "92110105MA01ABCDE"  # an individual business (9, 2) in Beijing Chaoyang with letters in its body
    right = check_character(body)
    assert is_valid_credit_code(body + right)
    for wrong in "0123456789ABCDEFGHJKLMNPQRTUWXY":
        if wrong != right:
            assert credit_code_problem(body + wrong) == "check"


def test_a_check_sum_of_zero_gives_check_character_zero():
    # 17 zeros weigh nothing: 31 - 0 would be 31, which the standard writes as 0.
    assert check_character("0" * 17) == "0" and is_valid_credit_code("0" * 18)


@pytest.mark.parametrize("code, problem", [
    ("91440300708461136", "length"),
    ("91440300708461136TT", "length"),
    ("91440300708461136I", "characters"),  # I, O, S, V, Z are not in the alphabet
    ("91440300708461O36T", "characters"),
    ("9144030A708461136T", "characters"),  # the administrative division is six digits
    ("91440300708461136A", "check"),
    ("91440300708461163T", "check"),  # two digits swapped
])
def test_malformed_codes_say_what_is_wrong(code, problem):
    assert credit_code_problem(code) == problem


def test_lower_case_full_width_and_spaced_input_is_normalised():
    assert normalise_credit_code("９１４４０３００７０８４６１１３６ｔ") == GOOD_CODE
    assert normalise_credit_code(" 914403007084 61136t ") == GOOD_CODE
    assert normalise_credit_code("9144-0300-7084-6113-6T") == GOOD_CODE


# Applying ---------------------------------------------------------------------------------------------


@pytest.fixture
def uploads(app, tmp_path):
    app.config["UPLOAD_DIR"] = str(tmp_path)
    return tmp_path


def _png(size=(800, 560)) -> io.BytesIO:
    out = io.BytesIO()
    exif = Image.Exif()
    exif[0x010F] = "SpyCam"
    Image.new("RGB", size, "white").save(out, "JPEG", exif=exif)
    out.seek(0)
    return out


def _apply(client, **fields):
    data = {"enterprise_name": "深圳市腾讯计算机系统有限公司", "credit_code": GOOD_CODE, "contact_person": "张三",
            "licence": (_png(), "licence.jpg"), **fields}
    return post_form(client, "/en/settings/enterprise", {k: v for k, v in data.items() if v is not None},
                     action="/en/settings/enterprise/apply", content_type="multipart/form-data")


def _certifications(app, user_id):
    with app.app_context():
        rows = db.session.scalars(select(EnterpriseCertification).where(EnterpriseCertification.user_id == user_id)
                                  .order_by(EnterpriseCertification.id)).all()
        for row in rows:
            db.session.expunge(row)
        return rows


def test_a_verified_user_applies_and_the_licence_is_stored_privately_without_metadata(app, client, uploads):
    user_id = make_user(app)
    sign_in(client)
    response = _apply(client, credit_code="９１４４０３００７０８４６１１３６ｔ")
    assert response.status_code == 303 and response.headers["Location"] == "/en/settings/enterprise"
    [cert] = _certifications(app, user_id)
    assert cert.state == "submitted" and cert.credit_code == GOOD_CODE and cert.contact_person == "张三"
    assert cert.licence_path.startswith("private/licences/")
    with Image.open(uploads / cert.licence_path) as stored:
        assert stored.format == "WEBP" and stored.size == (800, 560) and not stored.getexif()
    page = client.get("/en/settings/enterprise")
    assert "Waiting for review" in page.text and GOOD_CODE in page.text
    assert "Send application" not in page.text
    assert client.get("/media/" + cert.licence_path).status_code == 404  # no public route reaches it


def test_a_second_application_while_one_is_open_is_refused(app, client, uploads):
    user_id = make_user(app)
    sign_in(client)
    _apply(client)
    again = _apply(client)
    assert again.status_code == 303
    assert "already waiting for review" in client.get("/en/settings/enterprise").text
    assert len(_certifications(app, user_id)) == 1
    with app.app_context(), pytest.raises(enterprise.CertificationRefused):
        enterprise.apply_for_certification(user_id, enterprise_name="X", credit_code=GOOD_CODE,
                                           contact_person="Y", licence_path="private/licences/x.webp")


@pytest.mark.parametrize("fields, message", [
    ({"credit_code": "91440300708461136A"}, "last character does not match"),
    ({"credit_code": "1234"}, "has 18 characters"),
    ({"enterprise_name": "  "}, "Enter the enterprise name"),
    ({"contact_person": ""}, "Enter the name of a contact person"),
    ({"licence": None}, "Upload a photo or scan of the business licence"),
    ({"licence": (io.BytesIO(b"%PDF-1.4 not an image"), "licence.pdf")}, "must be a JPEG, PNG or WebP image"),
])
def test_a_bad_application_is_refused_with_422_keeping_what_was_typed(app, client, uploads, fields, message):
    user_id = make_user(app)
    sign_in(client)
    response = _apply(client, **{"enterprise_name": "Typed Name Ltd", **fields})
    assert response.status_code == 422 and message in response.text
    if "enterprise_name" not in fields:
        assert 'value="Typed Name Ltd"' in response.text
    assert _certifications(app, user_id) == [] and not any(uploads.rglob("*.webp"))


def test_unverified_users_are_sent_to_verify_and_banned_users_are_refused(app, uploads):
    make_user(app, "unverified", phone="+8613800000002", verified=False)
    make_user(app, "banned", phone="+8613800000003", status="banned", ban_reason="Spam")
    unverified = app.test_client()
    sign_in(unverified, "unverified")
    assert "Applying needs a verified mobile phone." in unverified.get("/en/settings/enterprise").text
    response = _apply(unverified)
    assert response.status_code == 303 and "/verify" in response.headers["Location"]
    banned = app.test_client()
    sign_in(banned, "banned")
    assert banned.get("/en/settings/enterprise").status_code == 200
    assert _apply(banned).status_code == 403


def test_visitors_are_sent_to_sign_in(client):
    for path in ("/settings/enterprise", "/en/settings/enterprise", "/settings/enterprise/licence/1"):
        response = client.get(path)
        assert response.status_code == 303 and "/sign-in?next=" in response.headers["Location"]


def test_the_licence_is_served_only_to_its_owner_and_to_staff_and_never_cached(app, client, uploads):
    owner_id = make_user(app)
    make_user(app, "other", phone="+8613800000002")
    make_user(app, "moderator", phone="+8613800000003", role="moderator")
    sign_in(client)
    _apply(client)
    [cert] = _certifications(app, owner_id)
    url = f"/settings/enterprise/licence/{cert.id}"
    for login in (None, "moderator"):
        viewer = client if login is None else app.test_client()
        if login:
            sign_in(viewer, login)
        response = viewer.get(url)
        assert response.status_code == 200 and response.mimetype == "image/webp"
        assert "no-store" in response.headers["Cache-Control"]
        assert response.headers["X-Content-Type-Options"] == "nosniff"
        response.close()
    other = app.test_client()
    sign_in(other, "other")
    assert other.get(url).status_code == 403
    assert other.get(f"/settings/enterprise/licence/{cert.id + 100}").status_code == 404


# Staff decisions ----------------------------------------------------------------------------------------


def _submitted(app, client):
    user_id = make_user(app)
    staff_id = make_user(app, "moderator", phone="+8613800000009", role="moderator")
    sign_in(client)
    _apply(client)
    [cert] = _certifications(app, user_id)
    return user_id, staff_id, cert.id


def _notices(app, user_id):
    with app.app_context():
        rows = db.session.scalars(select(Notification).where(Notification.user_id == user_id))
        return [(n.kind, n.detail) for n in rows]


def test_approval_certifies_the_user_notifies_them_and_invalidates_cached_pages(app, client, uploads):
    user_id, staff_id, cert_id = _submitted(app, client)
    with app.app_context():
        before = current_catalog_version()
        enterprise.approve_certification(cert_id, staff_id)
        assert current_catalog_version() == before + 1
    [cert] = _certifications(app, user_id)
    assert cert.state == "approved" and cert.decided_by_id == staff_id and cert.decided_at is not None
    assert get_user(app, user_id).certified_at is not None
    [(kind, detail)] = _notices(app, user_id)
    assert kind == "certification_approved" and "腾讯" in detail
    page = client.get("/en/settings/enterprise")
    assert "Certified enterprise" in page.text and "changes only through an appeal" in page.text
    assert "Send application" not in page.text
    assert "is approved" in client.get("/en/inbox").text
    with app.app_context(), pytest.raises(enterprise.CertificationRefused) as refused:
        enterprise.reject_certification(cert_id, staff_id, "too late")  # already decided
    assert refused.value.reason == "decided"
    assert _apply(client).status_code == 303 and len(_certifications(app, user_id)) == 1


def test_rejection_needs_a_reason_and_the_user_may_apply_again_from_a_prefilled_form(app, client, uploads):
    user_id, staff_id, cert_id = _submitted(app, client)
    with app.app_context():
        with pytest.raises(enterprise.CertificationRefused):
            enterprise.reject_certification(cert_id, staff_id, "   ")
        version = current_catalog_version()
        enterprise.reject_certification(cert_id, staff_id, "The licence photo is blurred.")
        assert current_catalog_version() == version  # nothing public changed
    assert get_user(app, user_id).certified_at is None
    [(kind, detail)] = _notices(app, user_id)
    assert kind == "certification_rejected" and "blurred" in detail
    assert "blurred" in client.get("/en/inbox").text
    page = client.get("/en/settings/enterprise")
    assert "The licence photo is blurred." in page.text and f'value="{GOOD_CODE}"' in page.text
    assert "Leave empty to keep the image you sent before." in page.text
    again = _apply(client, licence=None)  # keeps the earlier image
    assert again.status_code == 303
    first, second = _certifications(app, user_id)
    assert second.state == "submitted" and second.licence_path == first.licence_path


def test_decisions_on_a_missing_application_raise_lookup_error(app):
    with app.app_context(), pytest.raises(LookupError):
        enterprise.approve_certification(12345, 1)


# The badge ---------------------------------------------------------------------------------------------


def _certify(app, user_id):
    from services import clock

    with app.app_context():
        db.session.get(User, user_id).certified_at = clock.now()
        db.session.commit()


def test_the_badge_shows_beside_a_certified_authors_review_and_public_collection(app, catalog):
    from services.collections import create_collection

    author_id = make_user(app)
    plain_id = make_user(app, "plain", phone="+8613800000002")
    with app.app_context():
        tool_id = db.session.scalar(select(Tool.id).where(Tool.slug == "alpha-scout"))
        db.session.add_all([Rating(user_id=author_id, tool_id=tool_id, stars=5, review="Great tool", state="visible"),
                            Rating(user_id=plain_id, tool_id=tool_id, stars=4, review="Fine", state="visible")])
        db.session.commit()
        collection_id = create_collection(author_id, name="My picks", is_public=True).id
    visitor = app.test_client()
    assert "Certified enterprise" not in visitor.get("/en/t/alpha-scout").text
    _certify(app, author_id)
    with app.app_context():
        from services.catalog_version import bump_catalog_version
        bump_catalog_version()
        db.session.commit()
    page = visitor.get("/en/t/alpha-scout").text
    assert page.count("Certified enterprise") == 1  # beside Seller1's review, not Plain's
    great = page.index("Great tool")
    assert "Certified enterprise" in page[page.rindex("review-author", 0, great):great]
    assert 'title="Staff checked this account’s business licence"' in page
    assert "Certified enterprise" in visitor.get(f"/en/collections/{collection_id}").text


def test_one_query_tells_which_authors_are_certified(app, count_queries):
    first = make_user(app)
    second = make_user(app, "second", phone="+8613800000002")
    _certify(app, first)
    with app.app_context():
        with count_queries() as counter:
            assert enterprise.certified_user_ids([first, second, first]) == {first}
        assert counter.count == 1
        with count_queries() as counter:
            assert enterprise.certified_user_ids([]) == set()
        assert counter.count == 0


def test_the_enterprise_page_is_served_in_chinese_and_never_cached(app, client, uploads):
    make_user(app)
    sign_in(client)
    _apply(client)
    page = client.get("/settings/enterprise")
    assert page.status_code == 200 and '<html lang="zh-CN"' in page.text
    assert "/settings/enterprise/licence/" in page.text
    assert "no-store" in page.headers["Cache-Control"]
