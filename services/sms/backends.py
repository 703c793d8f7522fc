"""Where verification codes go: the console (development and tests), Aliyun, or Tencent Cloud.

``make_backend`` reads these settings from the app config:

=============================  ==========================================================================
SMS_BACKEND                    ``console`` (default), ``aliyun`` or ``tencent``
SMS_OUTBOX_LOG                 console: file each message is appended to (``init_app`` defaults it to
                               ``<instance>/sms-outbox.log``; an empty string writes no file)
SMS_CODE_TTL                   seconds a code stays valid (300); messages state it in minutes
SMS_ALIYUN_ACCESS_KEY_ID       aliyun: AccessKey of a RAM user allowed only ``dysms:SendSms``
SMS_ALIYUN_ACCESS_KEY_SECRET   aliyun: its secret
SMS_ALIYUN_SIGN_NAME           aliyun: the approved signature (签名), e.g. ``卖家导航``
SMS_ALIYUN_TEMPLATE_CODE       aliyun: the approved template, e.g. ``SMS_123456789``, with variable ``${code}``
SMS_ALIYUN_ENDPOINT            aliyun: API host (``dysmsapi.aliyuncs.com``)
SMS_ALIYUN_NOTICE_TEMPLATE     aliyun: the approved notice template for security notices sent by the outbox,
                               worded as ``notice_text`` with variable ``${event}`` (unset: notices fail)
SMS_TENCENT_SECRET_ID          tencent: API key id of a CAM user allowed only ``sms:SendSms``
SMS_TENCENT_SECRET_KEY         tencent: its secret
SMS_TENCENT_SDK_APP_ID         tencent: the SMS application's SdkAppId, e.g. ``1400000000``
SMS_TENCENT_SIGN_NAME          tencent: the approved signature
SMS_TENCENT_TEMPLATE_ID        tencent: the approved template id; its ``{1}`` is the code, ``{2}`` the minutes
SMS_TENCENT_REGION             tencent: API region (``ap-guangzhou``)
SMS_TENCENT_NOTICE_TEMPLATE    tencent: the approved notice template id; its ``{1}`` is the event
=============================  ==========================================================================

The cloud SDKs are optional extras (``pip install -e '.[aliyun]'`` or ``'.[tencent]'``), so they are
imported only when such a backend first sends.
"""

from __future__ import annotations

import json
import logging
import os
import threading

from flask import Flask, current_app

from services import clock

logger = logging.getLogger("sellernav.sms")

BACKENDS = ("console", "aliyun", "tencent")
DEFAULT_CODE_TTL = 300  # seconds; codes.py reads the same default
TIMEOUT_SECONDS = 10  # a user is waiting on the form; better a clear failure than a hung worker


class SmsDeliveryError(Exception):
    """The provider refused the message or could not be reached."""


def message_text(code: str, ttl_minutes: int) -> str:
    """The message as the approved templates word it (the console shows the same text)."""
    return f"【SellerNav】您的验证码是{code}，{ttl_minutes}分钟内有效。"


def notice_text(event: str) -> str:
    """A security notice as the approved notice template words it; ``event`` is a short phrase, no secrets."""
    return f"【SellerNav】安全提醒：您的账号{event}。如非本人操作，请立即修改密码并退出其他设备。"


class SmsNoticeNotConfigured(SmsDeliveryError):
    """No notice template is set for this provider, so notices cannot be sent."""


class ConsoleBackend:
    """Development and tests: keeps each message in ``sent`` (newest last) and appends it to a log file."""

    def __init__(self, log_path: str | None, *, ttl_minutes: int = 5) -> None:
        self.log_path = log_path or None
        self.ttl_minutes = ttl_minutes
        self.sent: list[dict[str, str]] = []
        self.notices: list[dict[str, str]] = []  # security notices sent by the outbox
        self._lock = threading.Lock()  # parallel requests must not interleave their log lines

    def send(self, phone: str, purpose: str, code: str) -> None:
        """Record the message instead of sending it."""
        sent_at = clock.now().isoformat(timespec="seconds")
        text = message_text(code, self.ttl_minutes)
        record = {"phone": phone, "purpose": purpose, "code": code, "text": text, "sent_at": sent_at}
        with self._lock:
            self.sent.append(record)
            if self.log_path:
                os.makedirs(os.path.dirname(self.log_path) or ".", exist_ok=True)
                with open(self.log_path, "a", encoding="utf-8") as log:
                    log.write(f"{sent_at} {phone} {purpose} {code} {text}\n")
        logger.info("SMS %s %s %s %s", phone, purpose, code, text)

    def send_notice(self, phone: str, event: str) -> None:
        """Record a notice in ``notices`` (kept apart from ``sent``, which holds only codes)."""
        sent_at = clock.now().isoformat(timespec="seconds")
        text = notice_text(event)
        with self._lock:
            self.notices.append({"phone": phone, "event": event, "text": text, "sent_at": sent_at})
            if self.log_path:
                os.makedirs(os.path.dirname(self.log_path) or ".", exist_ok=True)
                with open(self.log_path, "a", encoding="utf-8") as log:
                    log.write(f"{sent_at} {phone} notice {text}\n")
        logger.info("SMS notice %s %s", phone, text)


def masked_phone(phone: str) -> str:
    """A phone number fit for a production log: +86138****5678."""
    return phone[:-8] + "****" + phone[-4:] if len(phone) > 8 else "****"


def aliyun_phone_number(phone: str) -> str:
    """Aliyun's form of an E.164 number: mainland ones as 11 digits, others as country code + number, no "+"."""
    if not phone.startswith("+"):
        raise ValueError(f"expected an E.164 phone number, got {phone!r}")
    # No other country code starts with 86 (HK is 852, Taiwan 886), so the prefix is unambiguous.
    return phone[3:] if phone.startswith("+86") else phone[1:]


class AliyunBackend:
    """Aliyun SMS (dysmsapi 2017-05-25), template variable ``${code}``."""

    def __init__(
        self,
        access_key_id: str,
        access_key_secret: str,
        sign_name: str,
        template_code: str,
        endpoint: str = "dysmsapi.aliyuncs.com",
        *,
        protocol: str = "https",  # tests point the client at a plain-HTTP fake on loopback
        notice_template_code: str = "",
    ) -> None:
        self.access_key_id = access_key_id
        self.notice_template_code = notice_template_code
        self.access_key_secret = access_key_secret
        self.sign_name = sign_name
        self.template_code = template_code
        self.endpoint = endpoint
        self.protocol = protocol
        self._client = None

    def _sdk_client(self):
        """The SDK client, built on first use so an app that never sends needs no SDK."""
        if self._client is None:
            from alibabacloud_dysmsapi20170525.client import Client
            from alibabacloud_tea_openapi.utils_models import Config

            self._client = Client(
                Config(
                    access_key_id=self.access_key_id,
                    access_key_secret=self.access_key_secret,
                    endpoint=self.endpoint,
                    protocol=self.protocol,
                )
            )
        return self._client

    def send(self, phone: str, purpose: str, code: str) -> None:
        """Send one code; raise SmsDeliveryError unless Aliyun answers ``OK``."""
        self._send_template(phone, self.template_code, {"code": code})

    def send_notice(self, phone: str, event: str) -> None:
        """Send one security notice through the notice template (variable ``${event}``)."""
        if not self.notice_template_code:
            raise SmsNoticeNotConfigured("aliyun: SMS_ALIYUN_NOTICE_TEMPLATE is not set")
        self._send_template(phone, self.notice_template_code, {"event": event})

    def _send_template(self, phone: str, template_code: str, params: dict[str, str]) -> None:
        from alibabacloud_dysmsapi20170525.models import SendSmsRequest
        from darabonba.runtime import RuntimeOptions

        request = SendSmsRequest(
            phone_numbers=aliyun_phone_number(phone),
            sign_name=self.sign_name,
            template_code=template_code,
            template_param=json.dumps(params, ensure_ascii=False),
        )
        timeout_ms = TIMEOUT_SECONDS * 1000
        runtime = RuntimeOptions(connect_timeout=timeout_ms, read_timeout=timeout_ms, autoretry=False)
        try:
            response = self._sdk_client().send_sms_with_options(request, runtime)
        except Exception as error:  # the SDK raises its own errors, requests' and socket errors alike
            raise SmsDeliveryError(f"aliyun: {_describe(error)}") from error
        body = response.body
        if body is None or body.code != "OK":
            reason = f"{body.code}: {body.message}" if body is not None else "empty answer"
            logger.warning("aliyun refused an SMS to %s: %s", masked_phone(phone), reason)
            raise SmsDeliveryError(f"aliyun: {reason}")


class TencentBackend:
    """Tencent Cloud SMS (2021-01-11), template variables ``{1}`` code and ``{2}`` minutes."""

    def __init__(
        self,
        secret_id: str,
        secret_key: str,
        sdk_app_id: str,
        sign_name: str,
        template_id: str,
        region: str = "ap-guangzhou",
        *,
        ttl_minutes: int = 5,
        endpoint: str = "sms.tencentcloudapi.com",
        protocol: str = "https",  # tests point the client at a plain-HTTP fake on loopback
        notice_template_id: str = "",
    ) -> None:
        self.secret_id = secret_id
        self.notice_template_id = notice_template_id
        self.secret_key = secret_key
        self.sdk_app_id = sdk_app_id
        self.sign_name = sign_name
        self.template_id = template_id
        self.region = region
        self.ttl_minutes = ttl_minutes
        self.endpoint = endpoint
        self.protocol = protocol
        self._client = None

    def _sdk_client(self):
        """The SDK client, built on first use so an app that never sends needs no SDK."""
        if self._client is None:
            from tencentcloud.common.credential import Credential
            from tencentcloud.common.profile.client_profile import ClientProfile
            from tencentcloud.common.profile.http_profile import HttpProfile
            from tencentcloud.sms.v20210111.sms_client import SmsClient

            http = HttpProfile(protocol=self.protocol, endpoint=self.endpoint, reqTimeout=TIMEOUT_SECONDS)
            credential = Credential(self.secret_id, self.secret_key)
            self._client = SmsClient(credential, self.region, ClientProfile(httpProfile=http))
        return self._client

    def send(self, phone: str, purpose: str, code: str) -> None:
        """Send one code; raise SmsDeliveryError unless the number's status is ``Ok``."""
        self._send_template(phone, self.template_id, [code, str(self.ttl_minutes)])

    def send_notice(self, phone: str, event: str) -> None:
        """Send one security notice through the notice template (``{1}`` is the event)."""
        if not self.notice_template_id:
            raise SmsNoticeNotConfigured("tencent: SMS_TENCENT_NOTICE_TEMPLATE is not set")
        self._send_template(phone, self.notice_template_id, [event])

    def _send_template(self, phone: str, template_id: str, params: list[str]) -> None:
        from tencentcloud.common.exception.tencent_cloud_sdk_exception import TencentCloudSDKException
        from tencentcloud.sms.v20210111.models import SendSmsRequest

        if not phone.startswith("+"):
            raise ValueError(f"expected an E.164 phone number, got {phone!r}")
        request = SendSmsRequest()
        request.SmsSdkAppId = self.sdk_app_id
        request.SignName = self.sign_name
        request.TemplateId = template_id
        request.TemplateParamSet = params
        request.PhoneNumberSet = [phone]  # Tencent takes E.164 with the "+"
        try:
            # SendSms wraps every failure, network ones included, in TencentCloudSDKException.
            response = self._sdk_client().SendSms(request)
        except TencentCloudSDKException as error:
            raise SmsDeliveryError(f"tencent: {error.get_code()}: {error.get_message()}") from error
        statuses = response.SendStatusSet or []
        if not statuses or statuses[0].Code != "Ok":
            reason = f"{statuses[0].Code}: {statuses[0].Message}" if statuses else "no send status"
            logger.warning("tencent refused an SMS to %s: %s", masked_phone(phone), reason)
            raise SmsDeliveryError(f"tencent: {reason}")


def _describe(error: Exception) -> str:
    """An SDK error as "code: message" when it has them."""
    code = getattr(error, "code", None)
    message = getattr(error, "message", None)
    return f"{code}: {message}" if code or message else f"{type(error).__name__}: {error}"


def make_backend(config) -> ConsoleBackend | AliyunBackend | TencentBackend:
    """The backend named by ``SMS_BACKEND``, built from its settings (see the module docstring)."""
    name = config.get("SMS_BACKEND", "console")
    ttl_minutes = max(1, int(config.get("SMS_CODE_TTL", DEFAULT_CODE_TTL)) // 60)
    if name == "console":
        return ConsoleBackend(config.get("SMS_OUTBOX_LOG"), ttl_minutes=ttl_minutes)
    if name == "aliyun":
        keys = _required(config, "SMS_ALIYUN_", ("ACCESS_KEY_ID", "ACCESS_KEY_SECRET", "SIGN_NAME", "TEMPLATE_CODE"))
        return AliyunBackend(
            *keys,
            endpoint=config.get("SMS_ALIYUN_ENDPOINT") or "dysmsapi.aliyuncs.com",
            notice_template_code=config.get("SMS_ALIYUN_NOTICE_TEMPLATE") or "",
        )
    if name == "tencent":
        keys = _required(
            config, "SMS_TENCENT_", ("SECRET_ID", "SECRET_KEY", "SDK_APP_ID", "SIGN_NAME", "TEMPLATE_ID")
        )
        region = config.get("SMS_TENCENT_REGION") or "ap-guangzhou"
        return TencentBackend(
            *keys,
            region=region,
            ttl_minutes=ttl_minutes,
            notice_template_id=config.get("SMS_TENCENT_NOTICE_TEMPLATE") or "",
        )
    raise ValueError(f"SMS_BACKEND must be one of {', '.join(BACKENDS)}; got {name!r}")


def _required(config, prefix: str, names: tuple[str, ...]) -> list[str]:
    """The values of ``prefix + name``; refuse to start with any of them unset, naming them all."""
    missing = [prefix + name for name in names if not config.get(prefix + name)]
    if missing:
        raise ValueError(f"SMS_BACKEND={config.get('SMS_BACKEND')} needs these settings: {', '.join(missing)}")
    return [str(config[prefix + name]) for name in names]


DISPATCH_MODES = ("thread", "inline", "deferred")  # see services/sms/dispatch.py


def init_app(app: Flask) -> None:
    """Build the configured backend once and keep it in ``app.extensions["sms"]``; refuse an unknown dispatch mode."""
    mode = app.config.get("SMS_DISPATCH", "thread")
    if mode not in DISPATCH_MODES:
        raise ValueError(f"SMS_DISPATCH must be one of {', '.join(DISPATCH_MODES)}; got {mode!r}")
    settings = dict(app.config)
    if "SMS_OUTBOX_LOG" not in settings:
        settings["SMS_OUTBOX_LOG"] = os.path.join(app.instance_path, "sms-outbox.log")
    app.extensions["sms"] = make_backend(settings)


def sms_outbox():
    """The current app's backend; with the console backend, ``.sent`` lists what was sent."""
    try:
        return current_app.extensions["sms"]
    except KeyError:
        raise RuntimeError("SMS is not set up: call services.sms.init_app(app) in the factory") from None
