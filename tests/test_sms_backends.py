"""SMS backends: the console outbox, and the Aliyun and Tencent SDKs against a fake provider on loopback."""

from __future__ import annotations

import json
import os
import socket
import threading
from collections.abc import Iterator
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qsl, urlsplit

import pytest

from services import clock
from services.sms.backends import (
    AliyunBackend,
    ConsoleBackend,
    SmsDeliveryError,
    TencentBackend,
    aliyun_phone_number,
    make_backend,
)

PHONE = "+8613812345678"


class FakeProvider:
    """An HTTP server on loopback that records each request and gives the answer the test set."""

    def __init__(self) -> None:
        self.requests: list[dict] = []
        self.status = 200
        self.answer: dict = {}
        provider = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                url = urlsplit(self.path)
                provider.requests.append({"query": dict(parse_qsl(url.query)), "headers": self.headers, "body": body})
                data = json.dumps(provider.answer).encode()
                self.send_response(provider.status)
                self.send_header("Content-Type", "application/json")  # the Tencent SDK checks it exactly
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, *args) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.endpoint = f"127.0.0.1:{self.server.server_address[1]}"
        # A short poll interval makes shutdown() at teardown quick.
        self.thread = threading.Thread(target=self.server.serve_forever, args=(0.05,), daemon=True)

    @property
    def last(self) -> dict:
        return self.requests[-1]


@pytest.fixture
def provider():
    fake = FakeProvider()
    fake.thread.start()
    yield fake
    fake.server.shutdown()
    fake.server.server_close()


@pytest.fixture
def closed_port() -> Iterator[str]:
    """A loopback address that refuses connections: bound but not listening, so no other worker can take it."""
    with socket.socket() as held:
        held.bind(("127.0.0.1", 0))
        yield f"127.0.0.1:{held.getsockname()[1]}"


# Console


def test_the_console_backend_records_the_message_and_appends_a_log_line(tmp_path):
    clock.freeze(datetime(2026, 11, 25, 9, 0, tzinfo=UTC))
    try:
        log_path = tmp_path / "instance" / "sms-outbox.log"
        backend = ConsoleBackend(str(log_path))
        backend.send(PHONE, "register", "123456")
        backend.send("+447700900123", "reset", "654321")
    finally:
        clock.unfreeze()
    assert backend.sent[0] == {
        "phone": PHONE,
        "purpose": "register",
        "code": "123456",
        "text": "【SellerNav】您的验证码是123456，5分钟内有效。",
        "sent_at": "2026-11-25T09:00:00+00:00",
    }
    assert backend.sent[-1]["code"] == "654321"
    assert log_path.read_text(encoding="utf-8").splitlines() == [
        "2026-11-25T09:00:00+00:00 +8613812345678 register 123456 【SellerNav】您的验证码是123456，5分钟内有效。",
        "2026-11-25T09:00:00+00:00 +447700900123 reset 654321 【SellerNav】您的验证码是654321，5分钟内有效。",
    ]


def test_the_console_backend_without_a_log_file_only_records(tmp_path, caplog):
    backend = ConsoleBackend(None)
    with caplog.at_level("INFO", logger="sellernav.sms"):
        backend.send(PHONE, "sign_in", "123456")
    assert backend.sent[0]["code"] == "123456"
    assert "123456" in caplog.text
    assert list(tmp_path.iterdir()) == []


# Aliyun


def aliyun(provider_endpoint: str) -> AliyunBackend:
    return AliyunBackend("key-id", "key-secret", "卖家导航", "SMS_123456789", provider_endpoint, protocol="http")


@pytest.mark.parametrize(
    ("phone", "expected"),
    [("+8613812345678", "13812345678"), ("+85291234567", "85291234567"), ("+886912345678", "886912345678")],
)
def test_aliyun_takes_mainland_numbers_as_eleven_digits_and_others_with_their_country_code(phone, expected):
    assert aliyun_phone_number(phone) == expected


def test_aliyun_sends_the_signed_request_with_sign_template_and_code(provider):
    provider.answer = {"Code": "OK", "Message": "OK", "RequestId": "r-1", "BizId": "b-1"}
    aliyun(provider.endpoint).send(PHONE, "register", "123456")
    sent = provider.last
    assert sent["query"] == {
        "PhoneNumbers": "13812345678",
        "SignName": "卖家导航",
        "TemplateCode": "SMS_123456789",
        "TemplateParam": '{"code": "123456"}',
    }
    assert sent["headers"]["x-acs-action"] == "SendSms"
    assert sent["headers"]["x-acs-version"] == "2017-05-25"
    assert sent["headers"]["Authorization"].startswith("ACS3-HMAC-SHA256 Credential=key-id,")


def test_aliyun_refusing_the_message_raises_a_delivery_error(provider):
    provider.answer = {"Code": "isv.BUSINESS_LIMIT_CONTROL", "Message": "触发天级流控", "RequestId": "r-2"}
    with pytest.raises(SmsDeliveryError, match=r"isv\.BUSINESS_LIMIT_CONTROL"):
        aliyun(provider.endpoint).send(PHONE, "register", "123456")


def test_aliyun_http_error_raises_a_delivery_error(provider):
    provider.status = 400
    provider.answer = {"Code": "InvalidAccessKeyId.NotFound", "Message": "Specified access key is not found."}
    with pytest.raises(SmsDeliveryError, match=r"InvalidAccessKeyId\.NotFound"):
        aliyun(provider.endpoint).send(PHONE, "register", "123456")


def test_aliyun_unreachable_raises_a_delivery_error(closed_port):
    with pytest.raises(SmsDeliveryError):
        aliyun(closed_port).send(PHONE, "register", "123456")


# Tencent


def tencent(provider_endpoint: str) -> TencentBackend:
    return TencentBackend(
        "secret-id", "secret-key", "1400000000", "卖家导航", "1234567", endpoint=provider_endpoint, protocol="http"
    )


def test_tencent_sends_the_signed_request_with_e164_number_sign_template_and_params(provider):
    provider.answer = {
        "Response": {
            "SendStatusSet": [{"Code": "Ok", "Message": "send success", "PhoneNumber": PHONE, "SerialNo": "s"}],
            "RequestId": "r-1",
        }
    }
    tencent(provider.endpoint).send(PHONE, "register", "123456")
    sent = provider.last
    assert json.loads(sent["body"]) == {
        "SmsSdkAppId": "1400000000",
        "SignName": "卖家导航",
        "TemplateId": "1234567",
        "TemplateParamSet": ["123456", "5"],
        "PhoneNumberSet": [PHONE],
    }
    assert sent["headers"]["X-TC-Action"] == "SendSms"
    assert sent["headers"]["X-TC-Region"] == "ap-guangzhou"
    assert sent["headers"]["Authorization"].startswith("TC3-HMAC-SHA256 Credential=secret-id/")


def test_tencent_refusing_the_number_raises_a_delivery_error(provider):
    provider.answer = {
        "Response": {
            "SendStatusSet": [{"Code": "LimitExceeded.PhoneNumberDailyLimit", "Message": "daily limit"}],
            "RequestId": "r-2",
        }
    }
    with pytest.raises(SmsDeliveryError, match=r"LimitExceeded\.PhoneNumberDailyLimit"):
        tencent(provider.endpoint).send(PHONE, "register", "123456")


def test_tencent_api_error_raises_a_delivery_error(provider):
    provider.answer = {
        "Response": {"Error": {"Code": "AuthFailure.SecretIdNotFound", "Message": "no such key"}, "RequestId": "r"}
    }
    with pytest.raises(SmsDeliveryError, match=r"AuthFailure\.SecretIdNotFound"):
        tencent(provider.endpoint).send(PHONE, "register", "123456")


def test_tencent_unreachable_raises_a_delivery_error(closed_port):
    with pytest.raises(SmsDeliveryError):
        tencent(closed_port).send(PHONE, "register", "123456")


# Choosing a backend


ALIYUN_SETTINGS = {
    "SMS_BACKEND": "aliyun",
    "SMS_ALIYUN_ACCESS_KEY_ID": "key-id",
    "SMS_ALIYUN_ACCESS_KEY_SECRET": "key-secret",
    "SMS_ALIYUN_SIGN_NAME": "卖家导航",
    "SMS_ALIYUN_TEMPLATE_CODE": "SMS_1",
}
TENCENT_SETTINGS = {
    "SMS_BACKEND": "tencent",
    "SMS_TENCENT_SECRET_ID": "sid",
    "SMS_TENCENT_SECRET_KEY": "skey",
    "SMS_TENCENT_SDK_APP_ID": "1400000000",
    "SMS_TENCENT_SIGN_NAME": "卖家导航",
    "SMS_TENCENT_TEMPLATE_ID": "1234567",
}


def test_the_console_backend_is_the_default(tmp_path):
    backend = make_backend({"SMS_OUTBOX_LOG": str(tmp_path / "out.log")})
    assert isinstance(backend, ConsoleBackend)
    assert backend.log_path == str(tmp_path / "out.log")


def test_make_backend_builds_aliyun_from_its_settings():
    backend = make_backend(ALIYUN_SETTINGS)
    assert isinstance(backend, AliyunBackend)
    assert (backend.access_key_id, backend.sign_name, backend.template_code) == ("key-id", "卖家导航", "SMS_1")
    assert backend.endpoint == "dysmsapi.aliyuncs.com"


def test_make_backend_builds_tencent_from_its_settings():
    backend = make_backend({**TENCENT_SETTINGS, "SMS_TENCENT_REGION": "ap-beijing", "SMS_CODE_TTL": 600})
    assert isinstance(backend, TencentBackend)
    assert (backend.sdk_app_id, backend.template_id, backend.region, backend.ttl_minutes) == (
        "1400000000",
        "1234567",
        "ap-beijing",
        10,
    )


def test_a_cloud_backend_with_settings_missing_refuses_to_start_and_names_them():
    settings = {**ALIYUN_SETTINGS, "SMS_ALIYUN_SIGN_NAME": "", "SMS_ALIYUN_TEMPLATE_CODE": None}
    with pytest.raises(ValueError, match="SMS_ALIYUN_SIGN_NAME, SMS_ALIYUN_TEMPLATE_CODE"):
        make_backend(settings)


def test_an_unknown_backend_is_refused_naming_the_setting():
    with pytest.raises(ValueError, match="SMS_BACKEND"):
        make_backend({"SMS_BACKEND": "carrier-pigeon"})


def test_init_app_writes_the_outbox_into_the_instance_folder(app):
    from services import sms

    app.config.pop("SMS_OUTBOX_LOG", None)
    sms.init_app(app)
    with app.app_context():
        assert sms.sms_outbox().log_path == os.path.join(app.instance_path, "sms-outbox.log")
